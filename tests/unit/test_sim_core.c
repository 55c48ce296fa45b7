/* The simulator's model without a pty: bytes in, bytes out, a fake clock. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sim_fixture.h"


static void start(enum sim_profile profile, bool sim_present)
{
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = 0;
    cfg.profile = profile;
    cfg.sim_present = sim_present;
    cfg.data_timeout_ms = 500;
    drive.now_us = 1000000;
    drive.sim = sim_create(&cfg, drive.now_us);
    cr_assert_not_null(drive.sim);
}

/* A fast boot (boot.c) is over well within this: RDY after 100 ms, PB DONE 70 ms later. */
#define BOOT_MS 500

static void cold(void) { start(SIM_PROFILE_COLD, true); advance(BOOT_MS); }
static void warm(void) { start(SIM_PROFILE_WARM, true); advance(1); }

/* Brings client 0 to CONNECTED on a cold module. */
static void connect_client0(void)
{
    io("ATE0\r");
    cr_assert_str_eq(io("AT+CMQTTSTART\r"), "\r\n+CMQTTSTART: 0\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CMQTTACCQ=0,\"dev1\"\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CMQTTCONNECT=0,\"tcp://broker.example:1883\",60,1\r"),
                     "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
}

TestSuite(boot, .fini = sim_fixture_teardown);

Test(boot, cold_module_prints_its_boot_urcs_once)
{
    start(SIM_PROFILE_COLD, true);
    cr_assert_str_eq(advance(BOOT_MS), "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n");
    cr_assert_str_eq(advance(1000), "");
}

Test(boot, warm_module_says_nothing_until_asked)
{
    start(SIM_PROFILE_WARM, true);
    cr_assert_str_eq(advance(1000), "");
}

Test(boot, no_sim_boot_reports_the_missing_card)
{
    start(SIM_PROFILE_COLD, false);
    cr_assert_str_eq(advance(BOOT_MS), "\r\nRDY\r\n\r\n+CPIN: SIM REMOVED\r\n");
}

TestSuite(v250, .init = cold, .fini = sim_fixture_teardown);

Test(v250, empty_at_answers_ok_with_echo)
{
    cr_assert_str_eq(io("AT\r"), "AT\r\r\nOK\r\n");
}

Test(v250, prefix_is_accepted_in_any_case)
{
    cr_assert_str_eq(io("at\r"), "at\r\r\nOK\r\n");
    cr_assert_str_eq(io("At+csq\r"), "At+csq\r\r\n+CSQ: 23,0\r\n\r\nOK\r\n");
}

Test(v250, crlf_terminator_gives_one_answer)
{
    cr_assert_str_eq(io("AT\r\n"), "AT\r\r\nOK\r\n");
}

Test(v250, echo_off_and_numeric_results)
{
    cr_assert_str_eq(io("ATE0\r"), "ATE0\r\r\nOK\r\n");
    cr_assert_str_eq(io("AT\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("ATV0\r"), "0\r");
    cr_assert_str_eq(io("AT+CSQ\r"), "+CSQ: 23,0\r\n0\r");
    cr_assert_str_eq(io("AT+NOPE\r"), "4\r");
    cr_assert_str_eq(io("ATV1\r"), "\r\nOK\r\n");
}

Test(v250, quiet_mode_suppresses_result_codes_only)
{
    io("ATE0\r");
    cr_assert_str_eq(io("ATQ1\r"), "");
    cr_assert_str_eq(io("AT+CSQ\r"), "\r\n+CSQ: 23,0\r\n");
    cr_assert_str_eq(io("ATQ0\r"), "\r\nOK\r\n");
}

Test(v250, unknown_command_answers_error)
{
    cr_assert_str_eq(io("AT+FOO\r"), "AT+FOO\r\r\nERROR\r\n");
    cr_assert_str_eq(io("hello\r"), "hello\r\r\nERROR\r\n");
}

Test(v250, concatenated_commands_answer_in_order_with_one_ok)
{
    io("ATE0\r");
    cr_assert_str_eq(io("AT+CSQ;+CREG?\r"), "\r\n+CSQ: 23,0\r\n+CREG: 0,1\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("ATE0V1\r"), "\r\nOK\r\n");
}

Test(v250, an_error_in_a_concatenated_line_stops_it)
{
    io("ATE0\r");
    cr_assert_str_eq(io("AT+CSQ;+BOGUS;+CREG?\r"), "\r\n+CSQ: 23,0\r\n\r\nERROR\r\n");
}

Test(v250, a_slash_repeats_the_previous_line_without_cr)
{
    io("ATE0\r");
    io("AT+CSQ\r");
    cr_assert_str_eq(io("A/"), "\r\n+CSQ: 23,0\r\n\r\nOK\r\n");
}

Test(v250, a_slash_first_answers_ok)
{
    cr_assert_str_eq(io("A/"), "A/\r\nOK\r\n");
}

Test(v250, ati_reports_identity)
{
    io("ATE0\r");
    const char *r = io("ATI\r");
    cr_assert(strstr(r, "Manufacturer: SIMCOM INCORPORATED\r\n"), "%s", r);
    cr_assert(strstr(r, "Model: SIMCOM_SIM7600"), "%s", r);
    cr_assert(strstr(r, "IMEI: "), "%s", r);
    cr_assert(strstr(r, "+GCAP: +CGSM\r\n"), "%s", r);
    cr_assert(strstr(r, "\r\n\r\nOK\r\n"), "%s", r);
}

Test(v250, identity_commands_have_their_prefixes)
{
    io("ATE0\r");
    cr_assert_str_eq(io("AT+CGMI\r"), "\r\nSIMCOM INCORPORATED\r\n\r\nOK\r\n");
    cr_assert(strstr(io("AT+CGMR\r"), "\r\n+CGMR: "));
    cr_assert(strstr(io("AT+CICCID\r"), "\r\n+ICCID: "));
    cr_assert(strstr(io("AT+SIMEI?\r"), "\r\n+SIMEI: "));
    cr_assert_str_eq(io("AT+CGMI=?\r"), "\r\nOK\r\n");
}

Test(v250, cmee_default_is_2_and_changes_error_format)
{
    io("ATE0\r");
    cr_assert_str_eq(io("AT+CMEE?\r"), "\r\n+CMEE: 2\r\n\r\nOK\r\n");
    ctl("sim remove");
    advance(1);
    cr_assert_str_eq(io("AT+CPIN?\r"), "\r\n+CME ERROR: SIM not inserted\r\n");
    io("AT+CMEE=1\r");
    cr_assert_str_eq(io("AT+CPIN?\r"), "\r\n+CME ERROR: 10\r\n");
    io("AT+CMEE=0\r");
    cr_assert_str_eq(io("AT+CPIN?\r"), "\r\nERROR\r\n");
}

TestSuite(bad_input, .init = cold, .fini = sim_fixture_teardown);

Test(bad_input, an_overlong_line_gets_one_error_and_the_module_goes_on)
{
    io("ATE0\r");
    char line[3000];
    memset(line, 'A', sizeof line);
    memcpy(line, "AT+", 3);
    line[sizeof line - 1] = '\r';
    cr_assert_str_eq(io_bytes(line, sizeof line), "\r\nERROR\r\n");
    cr_assert_str_eq(io("AT\r"), "\r\nOK\r\n");
}

Test(bad_input, binary_and_nul_bytes_get_error_not_a_crash)
{
    io("ATE0\r");
    const uint8_t junk[] = {'A', 'T', '+', 0x00, 0xff, 0x80, 0x1b, 'Z', '\r'};
    cr_assert_str_eq(io_bytes(junk, sizeof junk), "\r\nERROR\r\n");
    const uint8_t junk2[] = {0x00, 0xfe, '\r'};
    cr_assert_str_eq(io_bytes(junk2, sizeof junk2), "\r\nERROR\r\n");
    cr_assert_str_eq(io("AT\r"), "\r\nOK\r\n");
}

Test(bad_input, a_lone_line_feed_is_discarded)
{
    io("ATE0\r");
    cr_assert_str_eq(io("\n"), "");
    cr_assert_str_eq(io("\r"), "");
    cr_assert_str_eq(io("AT\r"), "\r\nOK\r\n");
}

Test(bad_input, a_data_phase_that_never_completes_ends_with_error)
{
    connect_client0();
    cr_assert_str_eq(io("AT+CMQTTTOPIC=0,10\r12345"), "\r\n>");
    cr_assert_str_eq(advance(400), "");
    cr_assert_str_eq(advance(200), "\r\nERROR\r\n");
    cr_assert_str_eq(io("AT\r"), "\r\nOK\r\n");
    /* the partial topic was dropped: publishing has no topic */
    cr_assert_str_eq(io("AT+CMQTTPUB=0,0,60\r"), "\r\n+CMQTTPUB: 0,18\r\n\r\nERROR\r\n");
}

/* Issue 14, fault 4: typographic quotes pasted from the web make the line
 * unreadable; the real module answers bare ERROR under CMEE=2 (findings §1, S8). */
Test(bad_input, a_malformed_line_answers_bare_error_whatever_cmee_says)
{
    io("ATE0\r");
    cr_assert_str_eq(io("AT+CPIN=\xe2\x80\x9d" "1234\xe2\x80\x9d,\xe2\x80\x9d" "1234\xe2\x80\x9d\r"),
                     "\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CMEE=1\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CPIN=\"12\"34\"\r"), "\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CPIN=\"1\",\"2\",\"3\"\r"), "\r\nERROR\r\n", "three parameters is a syntax error");
    cr_assert_str_eq(io("AT+CPIN=\r"), "\r\nERROR\r\n", "no PIN at all");
    /* a readable command the module refuses keeps its +CME */
    cr_assert_str_eq(io("AT+CMEE=2\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CPIN=\"1234\"\r"), "\r\n+CME ERROR: operation not allowed\r\n");
    /* no SIM: the syntax error is found before the missing card */
    ctl("sim remove");
    advance(1);
    cr_assert_str_eq(io("AT+CPIN=\xe2\x80\x9d" "1234\xe2\x80\x9d\r"), "\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CPIN=\"1234\"\r"), "\r\n+CME ERROR: SIM not inserted\r\n");
}

Test(bad_input, a_vanished_host_loses_its_half_command_but_not_the_state)
{
    connect_client0();
    io("AT+CMQTTTOPIC=0,10\r12");
    sim_set_host_attached(drive.sim, false, drive.now_us);
    cr_assert_str_eq(advance(1), "");
    sim_set_host_attached(drive.sim, true, drive.now_us);
    cr_assert_str_eq(io("AT+CMQTTDISC?\r"), "\r\n+CMQTTDISC: 0,0\r\n+CMQTTDISC: 1,1\r\n\r\nOK\r\n");
}

TestSuite(mqtt, .init = cold, .fini = sim_fixture_teardown);

/* A slow broker: the CONNACK comes as late as it comes, meanwhile the client
 * is connecting; past the 30 s a real module waits, it is a timeout (17),
 * whatever the latency profile. */
Test(mqtt, a_slow_broker_answers_the_connect_late_or_not_at_all)
{
    warm();
    io("ATE0\r");
    cr_assert(strncmp(ctl("broker slow 3000"), "OK", 2) == 0, "%s", ctl("broker slow 3000"));
    cr_assert_str_eq(io("AT+CMQTTCONNECT=0,\"tcp://broker.example:1883\",60,1\r"), "\r\nOK\r\n");
    cr_assert_str_eq(advance(2990), "");
    cr_assert_str_eq(io("AT+CMQTTTOPIC=0,4\r"), "\r\n+CMQTTTOPIC: 0,14\r\n\r\nERROR\r\n");
    cr_assert_str_eq(advance(20), "\r\n+CMQTTCONNECT: 0,0\r\n");
    cr_assert_str_eq(io("AT+CMQTTDISC=0,60\r"), "\r\nOK\r\n\r\n+CMQTTDISC: 0,0\r\n");
    ctl("broker slow 45000");
    cr_assert_str_eq(io("AT+CMQTTCONNECT=0,\"tcp://broker.example:1883\",60,1\r"), "\r\nOK\r\n");
    cr_assert_str_eq(advance(29990), "");
    cr_assert_str_eq(advance(20), "\r\n+CMQTTCONNECT: 0,17\r\n");
    cr_assert(strncmp(ctl("broker slow"), "ERR usage: broker slow <ms>", 27) == 0, "%s", ctl("broker slow"));
    cr_assert(strncmp(ctl("broker slow 0"), "ERR usage", 9) == 0);
}

Test(mqtt, cold_start_gives_0_and_a_second_start_gives_23)
{
    io("ATE0\r");
    cr_assert_str_eq(io("AT+CMQTTSTART\r"), "\r\n+CMQTTSTART: 0\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CMQTTSTART\r"), "\r\n+CMQTTSTART: 23\r\n\r\nERROR\r\n");
}

TestSuite(warm_module, .init = warm, .fini = sim_fixture_teardown);

Test(warm_module, answers_stop_21_then_start_23)
{
    cr_assert_str_eq(io("AT+CMQTTSTOP\r"), "AT+CMQTTSTOP\r\r\n+CMQTTSTOP: 21\r\n\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CMQTTREL=0\r"), "AT+CMQTTREL=0\r\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CMQTTSTART\r"), "AT+CMQTTSTART\r\r\n+CMQTTSTART: 23\r\n\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CMQTTACCQ=0,\"again\"\r"), "AT+CMQTTACCQ=0,\"again\"\r\r\nOK\r\n");
}

Test(mqtt, the_clean_up_order_of_the_manual_stops_cleanly)
{
    connect_client0();
    cr_assert_str_eq(io("AT+CMQTTDISC=0,120\r"), "\r\nOK\r\n\r\n+CMQTTDISC: 0,0\r\n");
    cr_assert_str_eq(io("AT+CMQTTREL=0\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CMQTTSTOP\r"), "\r\n+CMQTTSTOP: 0\r\n\r\nOK\r\n");
}

Test(mqtt, a_quoted_topic_in_sub_gives_12_and_subscribes_nothing)
{
    connect_client0();
    cr_assert_str_eq(io("AT+CMQTTSUB=0,\"test/sim7600/command\",1\r"), "\r\n+CMQTTSUB: 0,12\r\n\r\nERROR\r\n");
    cr_assert(strstr(ctl("state"), "\"subscriptions\":0"));
}

Test(mqtt, codes_follow_from_the_client_state)
{
    io("ATE0\r");
    io("AT+CMQTTSTART\r");
    cr_assert_str_eq(io("AT+CMQTTTOPIC=0,3\r"), "\r\n+CMQTTTOPIC: 0,20\r\n\r\nERROR\r\n");
    io("AT+CMQTTACCQ=0,\"a\"\r");
    cr_assert_str_eq(io("AT+CMQTTACCQ=0,\"a\"\r"), "\r\n+CMQTTACCQ: 0,19\r\n\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CMQTTPUB=0,1,60\r"), "\r\n+CMQTTPUB: 0,11\r\n\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CMQTTDISC=0,120\r"), "\r\n+CMQTTDISC: 0,11\r\n\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CMQTTACCQ=2,\"a\"\r"), "\r\n+CMQTTACCQ: 2,10\r\n\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CMQTTACCQ=1,\"a-client-id-longer-than-23\"\r"),
                     "\r\n+CMQTTACCQ: 1,22\r\n\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CMQTTCONNECT=0,\"mqtt://x.example\",60,1\r"),
                     "\r\n+CMQTTCONNECT: 0,12\r\n\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CMQTTSTOP\r"), "\r\n+CMQTTSTOP: 21\r\n\r\nERROR\r\n");
}

Test(mqtt, publish_needs_a_topic_and_clears_the_buffers)
{
    connect_client0();
    cr_assert_str_eq(io("AT+CMQTTPUB=0,0,60\r"), "\r\n+CMQTTPUB: 0,18\r\n\r\nERROR\r\n");
    io("AT+CMQTTTOPIC=0,1\rt");
    cr_assert_str_eq(io("AT+CMQTTPUB=0,0,60\r"), "\r\nOK\r\n\r\n+CMQTTPUB: 0,0\r\n");
    cr_assert_str_eq(io("AT+CMQTTPUB=0,0,60\r"), "\r\n+CMQTTPUB: 0,18\r\n\r\nERROR\r\n");
}

Test(mqtt, data_phase_reads_exactly_the_announced_bytes)
{
    connect_client0();
    /* the bytes arrive with the command, before the prompt is printed; the CR LF after them is not data */
    cr_assert_str_eq(io("AT+CMQTTTOPIC=0,9\rsimcommsg\r\n"), "\r\n>\r\nOK\r\n");
    cr_assert(strstr(ctl("state"), "\"topic_len\":9"));
    cr_assert_str_eq(io("AT\r"), "\r\nOK\r\n");
}

Test(mqtt, subscribe_and_publish_loop_produces_rx_urcs)
{
    connect_client0();
    cr_assert_str_eq(io("AT+CMQTTSUB=0,9,1\rsimcommsg"), "\r\n>\r\nOK\r\n\r\n+CMQTTSUB: 0,0\r\n");
    io("AT+CMQTTTOPIC=0,9\rsimcommsg");
    io("AT+CMQTTPAYLOAD=0,5\rhello");
    cr_assert_str_eq(io("AT+CMQTTPUB=0,1,60\r"),
                     "\r\nOK\r\n\r\n+CMQTTPUB: 0,0\r\n"
                     "\r\n+CMQTTRXSTART: 0,9,5\r\n+CMQTTRXTOPIC: 0,9\r\nsimcommsg\r\n"
                     "+CMQTTRXPAYLOAD: 0,5\r\nhello\r\n+CMQTTRXEND: 0\r\n");
}

/* Issue 14, fault 3: a host that ends lines with CR LF waits for '>' and sends
 * the data; the LF of its CR LF is not the data's first byte. */
Test(mqtt, a_crlf_host_publishes_byte_exact_and_goes_on)
{
    static const struct exchange x[] = {
        {"AT+CMQTTSUB=0,9,1\r\n", "\r\n>"},
        {"simcommsg", "\r\nOK\r\n\r\n+CMQTTSUB: 0,0\r\n"},
        {"AT+CMQTTTOPIC=0,9\r\n", "\r\n>"},
        {"simcommsg", "\r\nOK\r\n"},
        /* the data in the same write as the command line */
        {"AT+CMQTTPAYLOAD=0,5\r\nhello", "\r\n>\r\nOK\r\n"},
        {"AT+CMQTTPUB=0,1,60\r\n", "\r\nOK\r\n\r\n+CMQTTPUB: 0,0\r\n"
                                   "\r\n+CMQTTRXSTART: 0,9,5\r\n+CMQTTRXTOPIC: 0,9\r\nsimcommsg\r\n"
                                   "+CMQTTRXPAYLOAD: 0,5\r\nhello\r\n+CMQTTRXEND: 0\r\n"},
        {"AT\r\n", "\r\nOK\r\n"},
        /* will topic and message too: nothing spills into the next line */
        {"AT+CMQTTWILLTOPIC=0,4\r\n", "\r\n>"},
        {"will", "\r\nOK\r\n"},
        {"AT+CMQTTWILLMSG=0,3,1\r\n", "\r\n>"},
        {"bye", "\r\nOK\r\n"},
        {"AT\r\n", "\r\nOK\r\n"},
    };
    connect_client0();
    ASSERT_EXCHANGES(x);
}

/* Only the terminator's LF is dropped: a bare-CR host that has the '>' and sends
 * data starting with LF, or a second LF after CR LF, publishes them. */
Test(mqtt, a_payload_may_start_with_lf)
{
    connect_client0();
    io("AT+CMQTTSUB=0,9,1\rsimcommsg");
    io("AT+CMQTTTOPIC=0,9\rsimcommsg");
    cr_assert_str_eq(io("AT+CMQTTPAYLOAD=0,3\r"), "\r\n>");
    cr_assert_str_eq(io("\nab"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CMQTTPUB=0,0,60\r"),
                     "\r\nOK\r\n\r\n+CMQTTPUB: 0,0\r\n"
                     "\r\n+CMQTTRXSTART: 0,9,3\r\n+CMQTTRXTOPIC: 0,9\r\nsimcommsg\r\n"
                     "+CMQTTRXPAYLOAD: 0,3\r\n\nab\r\n+CMQTTRXEND: 0\r\n");
    io("AT+CMQTTTOPIC=0,9\rsimcommsg");
    cr_assert_str_eq(io("AT+CMQTTPAYLOAD=0,3\r\n\nab"), "\r\n>\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CMQTTPUB=0,0,60\r"),
                     "\r\nOK\r\n\r\n+CMQTTPUB: 0,0\r\n"
                     "\r\n+CMQTTRXSTART: 0,9,3\r\n+CMQTTRXTOPIC: 0,9\r\nsimcommsg\r\n"
                     "+CMQTTRXPAYLOAD: 0,3\r\n\nab\r\n+CMQTTRXEND: 0\r\n");
}

Test(mqtt, wildcard_subscriptions_and_retained_messages)
{
    connect_client0();
    io("AT+CMQTTSUBTOPIC=0,8,0\rdev/+/up");
    io("AT+CMQTTSUBTOPIC=0,5,1\rcfg/#");
    cr_assert_str_eq(io("AT+CMQTTSUB=0\r"), "\r\nOK\r\n\r\n+CMQTTSUB: 0,0\r\n");
    cr_assert_str_eq(ctl("deliver dev/7/up x"), "OK published");
    cr_assert(strstr(advance(1), "+CMQTTRXTOPIC: 0,8\r\ndev/7/up\r\n"));
    ctl("deliver dev/7/down x");
    cr_assert_str_eq(advance(1), "");
    ctl("deliver cfg/a/b \"v 1\" retain");
    cr_assert(strstr(advance(1), "cfg/a/b\r\n+CMQTTRXPAYLOAD: 0,3\r\nv 1\r\n"));
    /* a later subscriber gets the retained message at once */
    io("AT+CMQTTACCQ=1,\"dev2\"\r");
    io("AT+CMQTTCONNECT=1,\"tcp://broker.example:1883\",60,1\r");
    const char *r = io("AT+CMQTTSUB=1,5,0\rcfg/#");
    cr_assert(strstr(r, "+CMQTTRXSTART: 1,7,3\r\n"), "%s", r);
}

Test(mqtt, long_payloads_and_topics_are_split_into_chunks)
{
    connect_client0();
    char topic[1024 + 1], payload[3000 + 1];
    memset(topic, 't', 1024);
    topic[1024] = '\0';
    memset(payload, 'p', 3000);
    payload[3000] = '\0';
    char cmd[64];
    snprintf(cmd, sizeof cmd, "AT+CMQTTSUB=0,1024,1\r");
    io(cmd);
    io(topic);
    struct strbuf line = {0};
    sb_printf(&line, "deliver %s %s", topic, payload);
    ctl(line.p);
    sb_free(&line);
    const char *r = advance(1);
    cr_assert(strstr(r, "+CMQTTRXSTART: 0,1024,3000\r\n"), "%s", r);
    cr_assert(strstr(r, "+CMQTTRXTOPIC: 0,500\r\n"));
    cr_assert(strstr(r, "+CMQTTRXTOPIC: 0,24\r\n"));
    cr_assert(strstr(r, "+CMQTTRXPAYLOAD: 0,500\r\n"));
    size_t chunks = 0;
    for (const char *p = r; (p = strstr(p, "+CMQTTRXPAYLOAD: 0,")); p++)
        chunks++;
    cr_assert_eq(chunks, 6);
    cr_assert(strstr(r, "+CMQTTRXEND: 0\r\n"));
}

Test(mqtt, connection_loss_returns_the_client_to_acquired)
{
    connect_client0();
    cr_assert_str_eq(ctl("connlost 3"), "OK 1 client(s) lost their connection");
    cr_assert_str_eq(advance(1), "\r\n+CMQTTCONNLOST: 0,3\r\n");
    cr_assert_str_eq(io("AT+CMQTTPUB=0,0,60\r"), "\r\n+CMQTTPUB: 0,11\r\n\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CMQTTCONNECT=0,\"tcp://broker.example:1883\",60,1\r"),
                     "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
}

/* Brings client 1 to CONNECTED beside client 0. */
static void connect_both_clients(void)
{
    connect_client0();
    cr_assert_str_eq(io("AT+CMQTTACCQ=1,\"dev2\"\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CMQTTCONNECT=1,\"tcp://broker.example:1883\",60,1\r"),
                     "\r\nOK\r\n\r\n+CMQTTCONNECT: 1,0\r\n");
}

Test(mqtt, connection_loss_with_client_drops_only_that_client)
{
    connect_both_clients();
    cr_assert_str_eq(ctl("connlost 2 client=1"), "OK 1 client(s) lost their connection");
    cr_assert_str_eq(advance(1), "\r\n+CMQTTCONNLOST: 1,2\r\n");
    cr_assert(strstr(ctl("state"), "{\"index\":0,\"state\":\"connected\""), "%s", ctl("state"));
    cr_assert_str_eq(ctl("connlost client=1"), "OK 0 client(s) lost their connection");   /* already down */
    cr_assert_str_eq(ctl("connlost client=0"), "OK 1 client(s) lost their connection");   /* cause 1 */
    cr_assert_str_eq(advance(1), "\r\n+CMQTTCONNLOST: 0,1\r\n");
}

Test(mqtt, connection_loss_without_client_still_drops_every_client)
{
    connect_both_clients();
    cr_assert_str_eq(ctl("connlost 3"), "OK 2 client(s) lost their connection");
    cr_assert_str_eq(advance(1), "\r\n+CMQTTCONNLOST: 0,3\r\n\r\n+CMQTTCONNLOST: 1,3\r\n");
}

Test(mqtt, deliver_with_client_reaches_only_that_subscriber)
{
    connect_both_clients();
    cr_assert_str_eq(io("AT+CMQTTSUB=0,3,1\rc/t"), "\r\n>\r\nOK\r\n\r\n+CMQTTSUB: 0,0\r\n");
    cr_assert_str_eq(io("AT+CMQTTSUB=1,3,1\rc/t"), "\r\n>\r\nOK\r\n\r\n+CMQTTSUB: 1,0\r\n");
    cr_assert_str_eq(ctl("deliver c/t hi qos=1 client=1"), "OK published");
    cr_assert_str_eq(advance(1000),
                     "\r\n+CMQTTRXSTART: 1,3,2\r\n+CMQTTRXTOPIC: 1,3\r\nc/t\r\n"
                     "+CMQTTRXPAYLOAD: 1,2\r\nhi\r\n+CMQTTRXEND: 1\r\n");
    /* without client= every subscriber gets it, as before */
    ctl("deliver c/t hi");
    const char *r = advance(1000);
    cr_assert(strstr(r, "+CMQTTRXSTART: 0,3,2\r\n") && strstr(r, "+CMQTTRXSTART: 1,3,2\r\n"), "%s", r);
    /* a client that did not subscribe gets nothing, client= or not */
    io("AT+CMQTTUNSUB=1,3,0\rc/t");
    advance(1000);
    ctl("deliver c/t hi client=1");
    cr_assert_str_eq(advance(1000), "");
}

Test(mqtt, broker_refusals_map_to_27_to_31)
{
    io("ATE0\r");
    io("AT+CMQTTSTART\r");
    io("AT+CMQTTACCQ=0,\"a\"\r");
    ctl("broker credentials alice s3cret");
    cr_assert_str_eq(io("AT+CMQTTCONNECT=0,\"tcp://b.example:1883\",60,1,\"alice\",\"wrong\"\r"),
                     "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,30\r\n");
    ctl("broker refuse 5");
    cr_assert_str_eq(io("AT+CMQTTCONNECT=0,\"tcp://b.example:1883\",60,1\r"), "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,31\r\n");
    ctl("broker unreachable");
    cr_assert_str_eq(io("AT+CMQTTCONNECT=0,\"tcp://b.example:1883\",60,1\r"), "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,3\r\n");
    ctl("broker dns-fail");
    cr_assert_str_eq(io("AT+CMQTTCONNECT=0,\"tcp://b.example:1883\",60,1\r"), "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,25\r\n");
    ctl("broker no-connack");
    cr_assert_str_eq(io("AT+CMQTTCONNECT=0,\"tcp://b.example:1883\",60,1\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CMQTTPUB=0,0,60\r"), "\r\n+CMQTTPUB: 0,14\r\n\r\nERROR\r\n");
    cr_assert_str_eq(advance(300), "\r\n+CMQTTCONNECT: 0,17\r\n");
    ctl("broker accept");
    cr_assert_str_eq(io("AT+CMQTTCONNECT=0,\"tcp://b.example:1883\",60,1\r"), "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
}

Test(mqtt, creset_loses_all_mqtt_state_and_boots_again)
{
    connect_client0();
    cr_assert_str_eq(io("AT+CRESET\r"), "\r\nOK\r\n\r\n+CMQTTCONNLOST: 0,3\r\n\r\n+CMQTTNONET\r\n");
    cr_assert_str_eq(advance(BOOT_MS), "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n");
    cr_assert_str_eq(io("AT+CMQTTSTART\r"), "AT+CMQTTSTART\r\r\n+CMQTTSTART: 0\r\n\r\nOK\r\n");
}

TestSuite(network, .init = cold, .fini = sim_fixture_teardown);

Test(network, registration_urcs_follow_n)
{
    io("ATE0\r");
    io("AT+CREG=1\r");
    io("AT+CEREG=2\r");
    ctl("reg 3");
    cr_assert_str_eq(advance(1), "\r\n+CREG: 3\r\n\r\n+CEREG: 3\r\n");
    ctl("reg 5");
    cr_assert_str_eq(advance(1), "\r\n+CREG: 5\r\n\r\n+CEREG: 5,\"00C3\",\"0A1B2C3D\",7\r\n");
    cr_assert_str_eq(io("AT+CGREG?\r"), "\r\n+CGREG: 0,5\r\n\r\nOK\r\n");
}

Test(network, start_without_registration_fails_with_7)
{
    io("ATE0\r");
    ctl("reg 2");
    cr_assert_str_eq(io("AT+CMQTTSTART\r"), "\r\n+CMQTTSTART: 7\r\n\r\nERROR\r\n");
}

Test(network, losing_registration_drops_the_connection_and_the_service)
{
    connect_client0();
    ctl("reg 0");
    cr_assert_str_eq(advance(1), "\r\n+CMQTTCONNLOST: 0,3\r\n\r\n+CMQTTNONET\r\n");
    ctl("reg 1");
    cr_assert_str_eq(io("AT+CMQTTSTART\r"), "\r\n+CMQTTSTART: 0\r\n\r\nOK\r\n");
}

Test(mqtt, release_and_connect_codes_seen_on_real_modules)
{
    connect_client0();
    cr_assert_str_eq(io("AT+CMQTTCONNECT=0,\"tcp://broker.example:1883\",60,1\r"),
                     "\r\n+CMQTTCONNECT: 0,13\r\n\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CMQTTREL=0\r"), "\r\n+CMQTTREL: 0,14\r\n\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CMQTTREL=1\r"), "\r\nOK\r\n");
}

Test(mqtt, stop_on_a_cold_module_gives_9)
{
    io("ATE0\r");
    cr_assert_str_eq(io("AT+CMQTTSTOP\r"), "\r\n+CMQTTSTOP: 9\r\n\r\nERROR\r\n");
}

Test(network, cgauth_takes_the_password_before_the_user)
{
    io("ATE0\r");
    cr_assert_str_eq(io("AT+CGAUTH=1,1,\"pw\",\"user\"\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CGAUTH?\r"), "\r\n+CGAUTH: 1,1,\"pw\",\"user\"\r\n\r\nOK\r\n");
}

Test(network, cgdcont_defines_and_reads_back)
{
    io("ATE0\r");
    cr_assert_str_eq(io("AT+CGDCONT=1,\"IP\",\"internet\"\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CGDCONT?\r"), "\r\n+CGDCONT: 1,\"IP\",\"internet\",\"0.0.0.0\",0,0,0,0\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CGDCONT=1,\"XX\"\r"), "\r\nERROR\r\n");
}

Test(network, cfun_0_takes_the_module_off_the_network)
{
    io("ATE0\r");
    io("AT+CFUN=0\r");
    cr_assert_str_eq(io("AT+CSQ\r"), "\r\n+CSQ: 99,99\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CREG?\r"), "\r\n+CREG: 0,0\r\n\r\nOK\r\n");
    io("AT+CFUN=1\r");
    advance(SIM_FIXTURE_BOOT_MS);    /* the SIM comes back first (+CPIN: READY), then the network */
    cr_assert_str_eq(io("AT+CREG?\r"), "\r\n+CREG: 0,1\r\n\r\nOK\r\n");
}

/* Issue 14 fault 1: the read form was inverted (27.007 §10.1.9). */
Test(network, cgatt_reports_a_registered_module_attached_and_follows_writes)
{
    static const struct exchange x[] = {
        {"ATE0\r", "ATE0\r\r\nOK\r\n"},
        {"AT+CGATT?\r", "\r\n+CGATT: 1\r\n\r\nOK\r\n"},
        {"AT+CGACT=1,1\r", "\r\nOK\r\n"},
        {"AT+CGATT=0\r", "\r\nOK\r\n"},
        {"AT+CGATT?\r", "\r\n+CGATT: 0\r\n\r\nOK\r\n"},
        {"AT+CGACT?\r", "\r\n+CGACT: 1,0\r\n\r\nOK\r\n"},   /* detach deactivates */
        {"AT+CGATT=1\r", "\r\nOK\r\n"},
        {"AT+CGATT?\r", "\r\n+CGATT: 1\r\n\r\nOK\r\n"},
    };
    ASSERT_EXCHANGES(x);
    ctl("reg 0");
    advance(1);
    cr_assert_str_eq(io("AT+CGATT?\r"), "\r\n+CGATT: 0\r\n\r\nOK\r\n");
}

/* Issue 14 fault 2: AT+COPS=3,<format> was ignored (27.007 §7.3); gammu's networkinfo sends 3,2. */
Test(network, cops_answers_in_the_format_set_with_mode_3)
{
    static const struct exchange x[] = {
        {"ATE0\r", "ATE0\r\r\nOK\r\n"},
        {"AT+COPS?\r", "\r\n+COPS: 0,0,\"Simulated Operator\",7\r\n\r\nOK\r\n"},
        {"AT+COPS=3,2\r", "\r\nOK\r\n"},
        {"AT+COPS?\r", "\r\n+COPS: 0,2,\"23415\",7\r\n\r\nOK\r\n"},
        {"AT+COPS=3,1\r", "\r\nOK\r\n"},
        {"AT+COPS?\r", "\r\n+COPS: 0,1,\"SIMOP\",7\r\n\r\nOK\r\n"},
        {"AT+COPS=3,3\r", "\r\nERROR\r\n"},
        {"AT+COPS=3\r", "\r\nERROR\r\n"},
        {"AT+COPS?\r", "\r\n+COPS: 0,1,\"SIMOP\",7\r\n\r\nOK\r\n"},
    };
    ASSERT_EXCHANGES(x);
    ctl("reg 0");
    advance(1);
    cr_assert_str_eq(io("AT+COPS?\r"), "\r\n+COPS: 0\r\n\r\nOK\r\n");
}

/* Issue 14 fault 6: gammu's, serialport-gsm's and TinyGSM-style start-up commands answered ERROR. */
Test(network, cscs_cnum_ctzr_ctzu_cclk_answer_as_the_module_does)
{
    io("ATE0\r");
    cr_assert_str_eq(io("AT+CSCS=?\r"), "\r\n+CSCS: (\"IRA\",\"UCS2\",\"GSM\")\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CSCS?\r"), "\r\n+CSCS: \"IRA\"\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CSCS=\"GSM\"\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CSCS?\r"), "\r\n+CSCS: \"GSM\"\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CSCS=\"8859-1\"\r"), "\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CNUM\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CTZR=?\r"), "\r\n+CTZR: (0-1)\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CTZR=0\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CTZR?\r"), "\r\n+CTZR: 0\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CTZU=?\r"), "\r\n+CTZU: (0-1)\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CTZU?\r"), "\r\n+CTZU: 0\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CTZU=1\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CTZU?\r"), "\r\n+CTZU: 1\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CTZU=2\r"), "\r\nERROR\r\n");
    /* the clock runs from its power-on value, 80/01/06,00:00:00+00, from the end of the boot */
    advance(61000);
    cr_assert_str_eq(io("AT+CCLK?\r"), "\r\n+CCLK: \"80/01/06,00:01:01+00\"\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CCLK=\"24/02/28,23:59:58-08\"\r"), "\r\nOK\r\n");
    advance(2999);
    cr_assert_str_eq(io("AT+CCLK?\r"), "\r\n+CCLK: \"24/02/29,00:00:01-08\"\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CCLK=\"23/02/29,00:00:00+00\"\r"), "\r\nERROR\r\n");
    /* a reboot brings back the power-on values */
    ctl("reboot");
    advance(BOOT_MS);
    io("ATE0\r");
    cr_assert_str_eq(io("AT+CSCS?;+CTZU?;+CCLK?\r"),
                     "\r\n+CSCS: \"IRA\"\r\n+CTZU: 0\r\n+CCLK: \"80/01/06,00:00:00+00\"\r\n\r\nOK\r\n");
}

TestSuite(control, .init = cold, .fini = sim_fixture_teardown);

Test(control, malformed_lines_get_a_reason)
{
    cr_assert_str_eq(ctl(""), "ERR empty command (try 'help')");
    cr_assert_str_eq(ctl("frobnicate"), "ERR unknown command 'frobnicate' (try 'help')");
    cr_assert_str_eq(ctl("signal abc"), "ERR rssi 'abc' must be 0-31 or 99 (unknown)");
    cr_assert_str_eq(ctl("deliver \"unterminated"), "ERR unterminated quoted string");
    cr_assert_str_eq(ctl("deliver a/# x"), "ERR 'a/#' is not a topic one can publish to (no + or #)");
    cr_assert_str_eq(ctl("reg"), "ERR usage: reg <stat 0-5>");
    cr_assert_str_eq(ctl("deliver a \"\\q\""), "ERR bad escape (use \\r \\n \\t \\0 \\\\ \\\" or \\xHH)");
}

Test(control, silent_module_hears_and_says_nothing_for_a_while)
{
    io("ATE0\r");
    cr_assert_str_eq(ctl("silent 200"), "OK silent for 200 ms");
    cr_assert_str_eq(io("AT\r"), "");
    advance(250);
    cr_assert_str_eq(io("AT\r"), "\r\nOK\r\n");
}

Test(control, reboot_reprints_boot_urcs)
{
    io("ATE0\r");
    cr_assert_str_eq(ctl("reboot"), "OK rebooting");
    cr_assert_str_eq(advance(BOOT_MS), "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n");
    cr_assert_str_eq(io("AT\r"), "AT\r\r\nOK\r\n");     /* echo back on, as after power-on */
}

Test(control, signal_and_sim_changes_show_in_answers)
{
    io("ATE0\r");
    ctl("signal 5 3");
    cr_assert_str_eq(io("AT+CSQ\r"), "\r\n+CSQ: 5,3\r\n\r\nOK\r\n");
    cr_assert_str_eq(ctl("sim remove"), "OK sim removed");
    cr_assert_str_eq(advance(1), "\r\n+CPIN: SIM REMOVED\r\n");
    cr_assert_str_eq(io("AT+CIMI\r"), "\r\n+CME ERROR: SIM not inserted\r\n");
    ctl("sim insert");
    cr_assert_str_eq(advance(1), "\r\n+CPIN: READY\r\n");
}

Test(control, state_is_one_line_of_json)
{
    const char *s = ctl("state");
    cr_assert(strncmp(s, "OK {", 4) == 0, "%s", s);
    cr_assert_null(strchr(s, '\n'));
    cr_assert(strstr(s, "\"service\":\"stopped\""));
}

Test(control, a_bad_client_option_is_refused_with_the_clients_there_are)
{
    connect_client0();
    cr_assert_str_eq(ctl("connlost 1 client=2"),
                     "ERR 'client=2' must be client=0 or client=1 (the module has MQTT clients 0 and 1)");
    cr_assert_str_eq(ctl("connlost client=x"),
                     "ERR 'client=x' must be client=0 or client=1 (the module has MQTT clients 0 and 1)");
    cr_assert_str_eq(ctl("connlost 1 2"), "ERR '2': one cause only (usage: connlost [cause 1-3] [client=0|1])");
    cr_assert_str_eq(ctl("connlost 4 client=0"), "ERR cause '4' must be 1 (peer closed), 2 (socket reset) or 3 (network closed)");
    cr_assert_str_eq(ctl("deliver a b client=-1"),
                     "ERR 'client=-1' must be client=0 or client=1 (the module has MQTT clients 0 and 1)");
    cr_assert_str_eq(ctl("deliver a b retain client=0"),
                     "ERR retain and client= cannot go together (the retained message would reach both clients)");
    cr_assert_str_eq(ctl("deliver a b qos=1 bogus"), "ERR unknown option 'bogus' (use qos=0|1|2, retain or client=0|1)");
    cr_assert_str_eq(advance(1000), "");          /* none of them did anything */
    cr_assert(strstr(ctl("state"), "\"connlost\":0"));
}

TestSuite(faults, .init = cold, .fini = sim_fixture_teardown);

Test(faults, replace_answers_the_nth_matching_line_instead_of_the_module)
{
    io("ATE0\r");
    cr_assert_str_eq(ctl("rule on-send AT+CSQ nth=2 replace \"\\r\\n+CSQ: 99,99\\r\\n\\r\\nOK\\r\\n\""),
                     "OK rule 1 armed");
    cr_assert_str_eq(io("AT+CSQ\r"), "\r\n+CSQ: 23,0\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("at+csq\r"), "\r\n+CSQ: 99,99\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CSQ\r"), "\r\n+CSQ: 23,0\r\n\r\nOK\r\n");   /* a rule fires once */
}

Test(faults, a_replaced_command_is_not_executed)
{
    io("ATE0\r");
    ctl("rule on-send AT+CMQTTSTART replace \"\\r\\nERROR\\r\\n\"");
    cr_assert_str_eq(io("AT+CMQTTSTART\r"), "\r\nERROR\r\n");
    cr_assert_str_eq(io("AT+CMQTTSTART\r"), "\r\n+CMQTTSTART: 0\r\n\r\nOK\r\n");
}

Test(faults, delay_holds_the_answer_back)
{
    io("ATE0\r");
    ctl("rule on-send AT+CSQ delay 300");
    cr_assert_str_eq(io("AT+CSQ\r"), "");
    cr_assert_str_eq(advance(200), "");
    cr_assert_str_eq(advance(150), "\r\n+CSQ: 23,0\r\n\r\nOK\r\n");
}

Test(faults, garble_corrupts_exactly_the_next_n_bytes)
{
    io("ATE0\r");
    cr_assert_str_eq(ctl("garble 4"), "OK the next 4 bytes are garbled");
    const char *r = io("AT+CSQ\r");
    const char *clean = "\r\n+CSQ: 23,0\r\n\r\nOK\r\n";
    cr_assert_eq(strlen(r), strlen(clean));
    for (size_t i = 0; i < 4; i++)
        cr_assert_neq(r[i], clean[i], "byte %zu was not garbled", i);
    cr_assert_str_eq(r + 4, clean + 4);
}

/* The answer to AT+CSQ with its first 12 bytes garbled from `seed`. */
static char *garbled_csq(const char *garble)
{
    ctl(garble);
    return strdup(io("AT+CSQ\r"));
}

Test(faults, the_same_seed_garbles_the_same_way_and_another_seed_differently)
{
    io("ATE0\r");
    char *a = garbled_csq("garble 12 seed=7");
    char *b = garbled_csq("garble 12 seed=7");
    char *c = garbled_csq("garble 12 seed=8");
    ctl("rule on-send AT+CSQ garble 12 seed=7");      /* a rule's seed works the same */
    char *d = strdup(io("AT+CSQ\r"));
    cr_assert_str_eq(a, b, "seed 7 twice gave different bytes");
    cr_assert_str_eq(a, d, "a rule with seed 7 garbled differently from the command");
    cr_assert_str_neq(a, c, "seeds 7 and 8 gave the same bytes");
    free(a), free(b), free(c), free(d);
}

Test(faults, a_control_action_fires_when_the_command_is_sent)
{
    connect_client0();
    ctl("rule on-send AT+CMQTTPUB nth=1 connlost 2");
    io("AT+CMQTTTOPIC=0,1\rt");
    cr_assert_str_eq(io("AT+CMQTTPUB=0,1,60\r"),
                     "\r\n+CMQTTCONNLOST: 0,2\r\n\r\n+CMQTTPUB: 0,11\r\n\r\nERROR\r\n");
}

Test(faults, after_publishes_runs_its_action_after_the_nth_publish)
{
    connect_client0();
    ctl("rule after-publishes 2 reboot");
    io("AT+CMQTTTOPIC=0,1\rt");
    cr_assert_str_eq(io("AT+CMQTTPUB=0,0,60\r"), "\r\nOK\r\n\r\n+CMQTTPUB: 0,0\r\n");
    io("AT+CMQTTTOPIC=0,1\rt");
    cr_assert_str_eq(io("AT+CMQTTPUB=0,0,60\r"), "\r\nOK\r\n\r\n+CMQTTPUB: 0,0\r\n");
    cr_assert_str_eq(advance(BOOT_MS), "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n",
                     "the reboot followed the publish");
}

Test(faults, a_rule_that_reboots_or_hangs_the_module_as_a_line_arrives_leaves_it_unanswered)
{
    io("ATE0\r");
    ctl("rule on-send AT+CSQ reboot");
    cr_assert_str_eq(io("AT+CSQ\r"), "");
    cr_assert_str_eq(advance(BOOT_MS), "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n");
    io("ATE0\r");
    connect_client0();
    ctl("rule on-send AT+CMQTTTOPIC silent 300");
    cr_assert_str_eq(io("AT+CMQTTTOPIC=0,1\r"), "", "a hung module prompts for nothing");
    advance(400);
    cr_assert_not_null(strstr(ctl("state"), "\"input\":\"command\""), "%s", ctl("state"));
    cr_assert_str_eq(io("AT+CSQ\r"), "\r\n+CSQ: 23,0\r\n\r\nOK\r\n", "and takes no later command for data");
}

Test(faults, rules_clear_keeps_a_garble_under_way)
{
    io("ATE0\r");
    ctl("garble 3 seed=5");
    ctl("rules clear");
    cr_assert_str_neq(io("AT\r"), "\r\nOK\r\n", "the garble was lost with the rules");
}

Test(faults, on_answer_fires_after_the_ok_while_the_pub_waits_for_its_result)
{
    connect_client0();
    cr_assert_str_eq(ctl("rule on-answer AT+CMQTTPUB connlost 1"), "OK rule 1 armed");
    io("AT+CMQTTTOPIC=0,1\rt");
    cr_assert_str_eq(io("AT+CMQTTPUB=0,1,60\r"),
                     "\r\nOK\r\n\r\n+CMQTTCONNLOST: 0,1\r\n\r\n+CMQTTPUB: 0,11\r\n");
    cr_assert_not_null(strstr(ctl("state"), "\"broker\":{\"published\":0,"),
                       "a PUBLISH lost with its connection never reached the broker: %s", ctl("state"));
}

Test(faults, in_data_fires_at_the_first_byte_of_the_data_phase)
{
    connect_client0();
    cr_assert_str_eq(ctl("rule in-data AT+CMQTTPAYLOAD reboot"), "OK rule 1 armed");
    cr_assert_str_eq(io("AT+CMQTTTOPIC=0,1\r"), "\r\n>");
    cr_assert_str_eq(io("t"), "\r\nOK\r\n", "a rule for PAYLOAD leaves TOPIC's data alone");
    cr_assert_str_eq(io("AT+CMQTTPAYLOAD=0,3\r"), "\r\n>");
    cr_assert_str_eq(io("abc"), "", "rebooted mid-data: the rest of the data is neither taken nor answered");
    cr_assert_str_eq(advance(BOOT_MS), "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n");
    cr_assert_not_null(strstr(ctl("state"), "\"rules_fired\":1"));
}

Test(faults, state_counts_only_the_faults_that_took_effect)
{
    cr_assert_str_eq(ctl("connlost"), "OK 0 client(s) lost their connection");
    cr_assert_str_eq(ctl("garble 2"), "OK the next 2 bytes are garbled");
    cr_assert_not_null(strstr(ctl("state"),
                              "\"faults\":{\"connlost\":0,\"reboot\":0,\"silent\":0,\"garble\":0}"),
                       "nothing lost a connection and nothing was garbled yet");
    connect_client0();                 /* its answers take the garble */
    ctl("connlost 2");
    ctl("silent 10");
    cr_assert_not_null(strstr(ctl("state"),
                              "\"faults\":{\"connlost\":1,\"reboot\":0,\"silent\":1,\"garble\":1}"),
                       "%s", ctl("state"));
    ctl("rules clear");
    cr_assert_not_null(strstr(ctl("state"), "\"connlost\":1,"), "clearing rules keeps the counts");
}

Test(faults, output_a_host_never_reads_is_lost_newest_first_and_counted_in_state)
{
    static char line[20100];
    size_t n = 0;
    n += (size_t)snprintf(line, sizeof line, "inject \"");
    memset(line + n, 'x', 20000);
    n += 20000;
    snprintf(line + n, sizeof line - n, "\"");
    cr_assert_not_null(strstr(ctl("state"), "\"output_lost\":0}"));
    for (int i = 0; i < 15; i++)        /* 300,000 bytes into a 262,144-byte queue */
        cr_assert_str_eq(ctl(line), "OK injected 20000 bytes");
    cr_assert_not_null(strstr(ctl("state"), "\"output_lost\":37856}"), "%s", ctl("state"));
}

Test(faults, inject_puts_bytes_inside_a_response_stream)
{
    io("ATE0\r");
    cr_assert_str_eq(ctl("inject \"\\r\\n+CMQTTCONNLOST: 0,1\\r\\n\""), "OK injected 23 bytes");
    cr_assert_str_eq(advance(1), "\r\n+CMQTTCONNLOST: 0,1\r\n");
}

Test(faults, inject_in_answer_puts_a_urc_between_the_answer_and_its_final_result)
{
    io("ATE0\r");
    cr_assert_str_eq(ctl("rule on-send AT+CSQ inject-in-answer \"\\r\\n+CREG: 0\\r\\n\""), "OK rule 1 armed");
    cr_assert_str_eq(io("AT+CSQ\r"), "\r\n+CSQ: 23,0\r\n\r\n+CREG: 0\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CSQ\r"), "\r\n+CSQ: 23,0\r\n\r\nOK\r\n");
    cr_assert_str_eq(ctl("rule after-publishes 1 inject-in-answer \"x\""),
                     "ERR inject-in-answer needs an on-send trigger: it goes inside that command's answer");
}

Test(faults, bad_rules_say_what_is_wrong)
{
    cr_assert_str_eq(ctl("rule on-send AT+CSQ"), "ERR the rule has no action (replace \"<bytes>\", delay <ms>, garble <n>, or a control command)");
    cr_assert_str_eq(ctl("rule sometimes AT x"), "ERR a rule starts with on-send|on-answer|in-data <prefix> or after-publishes <N>");
    cr_assert_str_eq(ctl("rule on-send AT nth=0 reboot"), "ERR nth=N needs N of 1 or more");
    cr_assert_str_eq(ctl("rule after-publishes x reboot"), "ERR after-publishes needs a count of 1 or more");
    cr_assert_str_eq(ctl("rule on-send AT delay soon"), "ERR usage: ... delay <ms 0-3600000>");
    cr_assert_str_eq(ctl("rule on-send AT garble 4 seed=0"),
                     "ERR usage: ... garble <bytes 1-1000000> [seed=<1-4294967295>]");
    cr_assert_str_eq(ctl("garble 4 salt=3"), "ERR 'salt=3' must be seed=<1-4294967295>");
    cr_assert_str_eq(ctl("rule on-send AT explode"), "ERR the rule's action: unknown command 'explode' (try 'help')");
    cr_assert_str_eq(ctl("rule after-publishes 2 signal"), "ERR the rule's action: usage: signal <rssi 0-31|99> [ber]");
    cr_assert_str_eq(ctl("rules clear"), "OK rules cleared");
}

Test(faults, a_rule_can_drop_one_client)
{
    connect_both_clients();
    cr_assert_str_eq(ctl("rule on-send AT+CSQ nth=1 connlost 3 client=1"), "OK rule 1 armed");
    const char *r = io("AT+CSQ\r");
    cr_assert(strstr(r, "+CMQTTCONNLOST: 1,3\r\n") && !strstr(r, "+CMQTTCONNLOST: 0"), "%s", r);
}

TestSuite(wire_pacing, .fini = sim_fixture_teardown);

Test(wire_pacing, host_bytes_reach_the_module_at_the_baud_rate)
{
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = 2400;                 /* 240 bytes/s: "AT\r" takes 12.5 ms on the wire */
    cfg.profile = SIM_PROFILE_WARM;
    drive.now_us = 1000000;
    drive.sim = sim_create(&cfg, drive.now_us);
    sim_input(drive.sim, (const uint8_t *)"AT\r", 3, drive.now_us);
    advance(1);
    cr_assert(strstr(ctl("state"), "\"commands\":0,"), "the command ran before its bytes crossed the wire");
    advance(20);
    cr_assert(strstr(ctl("state"), "\"commands\":1,"), "%s", ctl("state"));
}
