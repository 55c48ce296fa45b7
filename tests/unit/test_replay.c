/* Replaying a captured log: answers in order and on time, divergence reports,
 * strict and fall-back behaviour, malformed logs. */
#include <criterion/criterion.h>
#include <string.h>

#include "replay.h"
#include "sim.h"
#include "sim_drive.h"

static struct sim_drive drive;

static const char LOG[] =
    "# sim7600-hil capture v1\n"
    "0.000 < \\r\\nRDY\\r\\n\n"
    "0.500 > ATE0\\r\n"
    "0.501 < ATE0\\r\\r\\nOK\\r\\n\n"
    "1.000 > AT+CSQ\\r\n"
    "1.002 < \\r\\n+CSQ: 17,99\\r\\n\\r\\nOK\\r\\n\n"
    "3.002 < \\r\\n+CMQTTCONNLOST: 0,1\\r\\n\n";

static const char *advance(uint64_t ms)
{
    return sim_drive_advance(&drive, ms);
}

static const char *io(const char *text)
{
    sim_input(drive.sim, (const uint8_t *)text, strlen(text), drive.now_us);
    return advance(0);
}

static void start(const char *log, double speed, bool strict)
{
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = 0;
    drive.now_us = 5000000;
    drive.sim = sim_create(&cfg, drive.now_us);
    char err[256];
    struct replay *r = replay_load_buffer("field.cap", log, speed, err, sizeof err);
    cr_assert_not_null(r, "%s", err);
    sim_set_replay(drive.sim, r, strict, drive.now_us);
}

static void teardown(void)
{
    sim_drive_free(&drive);
}

static const char *state(void)
{
    return sim_drive_control(&drive, "state");
}

TestSuite(replay, .fini = teardown);

Test(replay, answers_as_the_log_did_with_its_timing)
{
    start(LOG, 1.0, false);
    cr_assert_str_eq(advance(0), "\r\nRDY\r\n");            /* the log's own boot, not the model's */
    cr_assert_str_eq(io("ATE0\r"), "");                      /* its answer came 1 ms later in the log */
    cr_assert_str_eq(advance(1), "ATE0\r\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CSQ\r"), "");
    cr_assert_str_eq(advance(2), "\r\n+CSQ: 17,99\r\n\r\nOK\r\n");
    cr_assert_str_eq(advance(1500), "");
    cr_assert_str_eq(advance(500), "\r\n+CMQTTCONNLOST: 0,1\r\n");   /* unsolicited, at its offset */
    cr_assert(strstr(state(), "\"replay\":{\"state\":\"finished\""), "%s", state());
}

Test(replay, speed_scales_the_recorded_offsets)
{
    start(LOG, 4.0, false);
    advance(0);
    cr_assert_str_eq(io("ATE0\r"), "");
    /* the host spoke again before ATE0's answer was due: that answer goes out first */
    cr_assert_str_eq(io("AT+CSQ\r"), "ATE0\r\r\nOK\r\n");
    cr_assert_str_eq(advance(1), "\r\n+CSQ: 17,99\r\n\r\nOK\r\n");
    cr_assert_str_eq(advance(499), "");
    cr_assert_str_eq(advance(1), "\r\n+CMQTTCONNLOST: 0,1\r\n");     /* 2 s of log in 0.5 s */
}

Test(replay, a_host_line_split_across_writes_still_follows_the_log)
{
    start(LOG, 1000.0, false);
    advance(0);
    cr_assert_str_eq(io("AT"), "");
    cr_assert_str_eq(io("E0"), "");
    io("\r");
    cr_assert_str_eq(advance(1), "ATE0\r\r\nOK\r\n");
}

/* The log's first host line played as it was; the host's next one will depart. */
static void replayed_up_to_the_departure(bool strict)
{
    start(LOG, 1000.0, strict);
    advance(0);
    io("ATE0\r");
    advance(1);
}

Test(replay, a_departure_is_reported_and_the_model_answers_from_there)
{
    replayed_up_to_the_departure(false);
    cr_assert_str_eq(io("AT+CREG?\r"), "AT+CREG?\r\r\n+CREG: 0,1\r\n\r\nOK\r\n");
    cr_assert_str_eq(sim_replay_divergence(drive.sim), "log line 5: expected \"AT+CSQ\\r\", got \"AT+CREG?\\r\"");
    cr_assert(strstr(state(), "\"replay\":{\"state\":\"diverged\",\"line\":5"), "%s", state());
}

Test(replay, strict_replay_goes_quiet_after_a_departure)
{
    replayed_up_to_the_departure(true);
    cr_assert_str_eq(io("AT+CREG?\r"), "");
    cr_assert_str_eq(io("AT\r"), "");
    cr_assert_str_eq(advance(5000), "");
    cr_assert_neq(sim_replay_divergence(drive.sim)[0], '\0');
}

Test(replay, a_hand_written_log_without_times_answers_at_once)
{
    start("> AT\\r\n< \\r\\nOK\\r\\n\n< \\r\\n+CMQTTCONNLOST: 0,3\\r\\n\n", 1.0, false);
    cr_assert_str_eq(io("AT\r"), "\r\nOK\r\n\r\n+CMQTTCONNLOST: 0,3\r\n");
}

Test(replay, a_malformed_log_is_refused_with_its_line)
{
    char err[256];
    cr_assert_null(replay_load_buffer("bad.cap", "> AT\\r\n0.5 ? what\n", 1.0, err, sizeof err));
    cr_assert_str_eq(err, "bad.cap:2: expected a direction: '>' (host to module) or '<' (module to host)");
    cr_assert_null(replay_load_buffer("bad.cap", "< \\q\n", 1.0, err, sizeof err));
    cr_assert_str_eq(err, "bad.cap:1: bad escape in the data (use \\r \\n \\\\ or \\xHH)");
    cr_assert_null(replay_load("/nonexistent/field.cap", 1.0, err, sizeof err));
    cr_assert_str_eq(err, "/nonexistent/field.cap: cannot open: No such file or directory");
}

Test(replay, a_redacted_password_in_the_log_matches_the_real_one)
{
    start("> AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1,\"alice\",\"***\"\\r\n"
          "< \\r\\nOK\\r\\n\\r\\n+CMQTTCONNECT: 0,0\\r\\n\n"
          "> AT+CGAUTH=1,1,\"***\",\"***\"\\r\n< \\r\\nOK\\r\\n\n", 1.0, true);
    cr_assert_str_eq(io("AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1,\"alice\",\"s3cret\"\r"),
                     "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
    io("AT+CGAUTH=1,1,");
    cr_assert_str_eq(io("\"pw\",\"user\"\r"), "\r\nOK\r\n");
    cr_assert_str_eq(sim_replay_divergence(drive.sim), "");
}

Test(replay, a_different_line_where_the_log_has_a_redacted_one_diverges_without_leaking)
{
    start("> AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1,\"alice\",\"***\"\\r\n< \\r\\nOK\\r\\n\n", 1.0, true);
    io("AT+CMQTTCONNECT=0,\"tcp://other:1883\",60,1,\"alice\",\"s3cret\"\r");
    const char *why = sim_replay_divergence(drive.sim);
    cr_assert(strstr(why, "got \"AT+CMQTTCONNECT=0,\"tcp://other:1883\",60,1,\"alice\",\"***\"\\r\""), "%s", why);
    cr_assert_null(strstr(why, "s3cret"));
}

/* A TLS bring-up as sim7600-sim --log writes it: the key's body, its DER
 * bytes and the context's password are "***" (redact.h). */
static const char TLS_LOG[] =
    "> AT+CCERTDOWN=\"k.pem\",63\\r\n"
    "< \\r\\n>\n"
    "> -----BEGIN PRIVATE KEY-----\\n\n"
    "> ***\\n\n"
    "> -----END PRIVATE KEY-----\\n\n"
    "< \\r\\nOK\\r\\n\n"
    "> AT+CCERTDOWN=\"k.der\",6\\r\n"
    "< \\r\\n>\n"
    "> ***\\n\n"
    "> ***\n"
    "< \\r\\nOK\\r\\n\n"
    "> AT+CSSLCFG=\"password\",0,\"***\"\\r\n"
    "< \\r\\nOK\\r\\n\n";

#define PEM_KEY "-----BEGIN PRIVATE KEY-----\n" "MIGHAgEA\n" "-----END PRIVATE KEY-----\n"

Test(replay, a_redacted_key_upload_and_password_match_whatever_the_host_sends_there)
{
    start(TLS_LOG, 1.0, true);
    cr_assert_eq(strlen(PEM_KEY), 63);
    cr_assert_str_eq(io("AT+CCERTDOWN=\"k.pem\",63\r"), "\r\n>", "the prompt comes before the data");
    io("-----BEGIN PRIVATE KEY-----\nMIG");            /* in pieces, as a UART delivers it */
    cr_assert_str_eq(io("HAgEA\n-----END PRIVATE KEY-----\n"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CCERTDOWN=\"k.der\",6\r"), "\r\n>");
    cr_assert_str_eq(io("\x30\x82\n\x01\x0b\x02"), "\r\nOK\r\n", "DER bytes up to the announced length");
    cr_assert_str_eq(io("AT+CSSLCFG=\"password\",0,\"testpass\"\r"), "\r\nOK\r\n");
    cr_assert_str_eq(sim_replay_divergence(drive.sim), "");
    cr_assert(strstr(state(), "\"finished\""), "%s", state());
}

Test(replay, a_departure_inside_a_redacted_upload_is_told_without_the_keys_bytes)
{
    start(TLS_LOG, 1.0, true);
    io("AT+CCERTDOWN=\"k.pem\",63\r");
    io("-----BEGIN PRIVATE KEY-----\nMIGHAgEA MIGHAgEA\r");   /* a CR where the log has an LF */
    const char *why = sim_replay_divergence(drive.sim);
    cr_assert(strstr(why, "log line 4: expected \"***\\n\", got \"***\\r\""), "%s", why);
    cr_assert(strstr(why, "*** hides a key's bytes or a password"), "the report should say why: %s", why);
    cr_assert_null(strstr(why, "MIG"), "%s", why);
}

Test(replay, a_password_where_the_log_has_another_line_is_not_quoted)
{
    start(LOG, 1.0, true);
    io("ATE0\r");
    io("AT+CSSLCFG=\"password\",0,\"hunter22\"\r");
    const char *why = sim_replay_divergence(drive.sim);
    cr_assert(strstr(why, "got \"AT+CSSLCFG=\"password\",0,\"***\"\\r\""), "%s", why);
    cr_assert_null(strstr(why, "hunter22"), "%s", why);
}

Test(replay, the_echo_of_a_redacted_line_is_the_line_the_host_typed)
{
    start("> AT+CSSLCFG=\"password\",0,\"***\"\\r\n< AT+CSSLCFG=\"password\",0,\"***\"\\r\\r\\nOK\\r\\n\n"
          "> AT\\r\n< AT\\r\\r\\nOK\\r\\n\n", 1.0, true);
    cr_assert_str_eq(io("AT+CSSLCFG=\"password\",0,\"hunter22\"\r"), "AT+CSSLCFG=\"password\",0,\"hunter22\"\r\r\nOK\r\n",
                     "the live module echoes the password it was sent");
    cr_assert_str_eq(io("AT\r"), "AT\r\r\nOK\r\n");
}
