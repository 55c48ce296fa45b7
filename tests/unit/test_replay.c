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
