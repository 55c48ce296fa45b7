/* Importing serial logs: every supported format, prefixes found or given,
 * unplaced lines reported with their numbers, and outputs that the scenario
 * parser and the replayer accept. */
#include <criterion/criterion.h>
#include <string.h>

#include "log_import.h"
#include "replay.h"
#include "scenario.h"

static struct log_import li;
static struct strbuf out;

static void teardown(void)
{
    log_import_free(&li);
    sb_free(&out);
}

static void import(const char *text, enum log_format format)
{
    struct log_import_options opt = {.format = format};
    cr_assert_eq(log_import_text("field.log", text, &opt, &li), 0);
}

static void assert_step(size_t i, char dir, const char *bytes)
{
    cr_assert_lt(i, li.count, "only %zu steps", li.count);
    cr_assert_eq(li.steps[i].dir, dir, "step %zu direction", i);
    cr_assert_eq(li.steps[i].len, strlen(bytes), "step %zu length", i);
    cr_assert(memcmp(li.steps[i].data, bytes, li.steps[i].len) == 0, "step %zu bytes", i);
}

TestSuite(log_import, .fini = teardown);

Test(log_import, each_common_prefix_pair_is_detected)
{
    static const char *const logs[] = {
        "--> AT+CSQ\n<-- +CSQ: 23,0\n<-- OK\n",
        ">> AT+CSQ\n<< +CSQ: 23,0\n<< OK\n",
        "TX: AT+CSQ\nRX: +CSQ: 23,0\nRX: OK\n",
        "> AT+CSQ\n< +CSQ: 23,0\n< OK\n",
    };
    for (size_t k = 0; k < sizeof logs / sizeof logs[0]; k++) {
        import(logs[k], LOG_AUTO);
        cr_assert_eq(li.format, LOG_PREFIXED, "log %zu", k);
        cr_assert_eq(li.unplaced, 0, "log %zu: %s", k, sb_str(&li.problems));
        assert_step(0, '>', "AT+CSQ\r");
        assert_step(1, '<', "\r\n+CSQ: 23,0\r\n");
        assert_step(2, '<', "\r\nOK\r\n");
        log_import_free(&li);
    }
}

Test(log_import, data_after_a_prompt_timestamps_and_unplaced_lines)
{
    import("[10:00:00.100] TX: AT+CMQTTTOPIC=0,9\n"
           "[10:00:00.120] RX: >\n"
           "[10:00:00.130] TX: simcommsg\n"
           "[10:00:00.140] RX: OK\n"
           "modem reset by watchdog\n",
           LOG_AUTO);
    cr_assert_eq(li.format, LOG_PREFIXED);
    assert_step(0, '>', "AT+CMQTTTOPIC=0,9\r");
    assert_step(1, '<', "\r\n>");
    assert_step(2, '>', "simcommsg");                  /* data: no CR after it */
    cr_assert_float_eq(li.steps[0].t, 36000.1, 1e-6);
    cr_assert_eq(li.unplaced, 1);
    cr_assert_str_eq(sb_str(&li.problems),
                     "field.log:5: no direction prefix (expected host lines after a TX prefix and module lines "
                     "after an RX prefix): \"modem reset by watchdog\"\n");
}

Test(log_import, prefixes_can_be_given)
{
    struct log_import_options opt = {.format = LOG_PREFIXED, .tx_prefix = "MCU>", .rx_prefix = "MDM>"};
    cr_assert_eq(log_import_text("x.log", "MCU> AT\nMDM> OK\n", &opt, &li), 0);
    assert_step(0, '>', "AT\r");
    assert_step(1, '<', "\r\nOK\r\n");
}

Test(log_import, a_plain_log_takes_at_lines_as_sent)
{
    import("AT+CGREG?\n+CGREG: 0,1\n\nOK\nat+cmqttstart\nOK\n+CMQTTSTART: 0\n", LOG_AUTO);
    cr_assert_eq(li.format, LOG_PLAIN);
    cr_assert_eq(li.count, 6);
    assert_step(0, '>', "AT+CGREG?\r");
    assert_step(3, '>', "at+cmqttstart\r");
    assert_step(5, '<', "\r\n+CMQTTSTART: 0\r\n");
}

Test(log_import, socat_v_blocks_keep_their_exact_bytes)
{
    import("> 2024/05/01 10:00:00.000000  length=7 from=0 to=6\n"
           "AT+CSQ\\r\n"
           "< 2024/05/01 10:00:00.020000  length=25 from=0 to=24\n"
           "\\r\n"
           "+CSQ: 23,0\\r\n"
           "\\r\n"
           "OK\\r\n",
           LOG_AUTO);
    cr_assert_eq(li.format, LOG_SOCAT);
    assert_step(0, '>', "AT+CSQ\r");
    assert_step(1, '<', "\r\n+CSQ: 23,0\r\n\r\nOK\r\n");
    cr_assert_float_eq(li.steps[1].t - li.steps[0].t, 0.02, 1e-6);
}

Test(log_import, a_capture_reads_back_and_reports_bad_lines)
{
    import("# sim7600-hil capture v1\n0.1 > AT\\r\n0.2 < \\r\\nOK\\r\\n\n0.3 ? huh\n", LOG_AUTO);
    cr_assert_eq(li.format, LOG_CAPTURE);
    assert_step(0, '>', "AT\r");
    assert_step(1, '<', "\r\nOK\r\n");
    cr_assert_eq(li.unplaced, 1);
    cr_assert(strstr(sb_str(&li.problems), "field.log:4: expected a direction"), "%s", sb_str(&li.problems));
}

Test(log_import, the_scenario_written_parses_and_says_what_the_log_did)
{
    import("> AT+CMQTTTOPIC=0,9\n< >\n> simcommsg\n< OK\n> AT+CSQ\n< +CSQ: 23,0\n< OK\n", LOG_AUTO);
    log_import_write_scenario(&li, "field.log", "from-the-field", &out);
    const char *text = sb_str(&out);
    cr_assert(strstr(text, "send \"AT+CMQTTTOPIC=0,9\""), "%s", text);
    cr_assert(strstr(text, "expect-prompt\n"), "%s", text);
    cr_assert(strstr(text, "send-raw \"simcommsg\""), "%s", text);
    cr_assert(strstr(text, "expect \"+CSQ: 23,0\"\n"), "%s", text);
    struct scenario *sc = NULL;
    struct scn_diags diags = {0};
    cr_assert_eq(scn_parse_buffer("imported.scn", text, strlen(text), &sc, &diags), SCN_OK, "%s", text);
    scn_free(sc);
    scn_diags_free(&diags);
}

Test(log_import, the_capture_written_replays)
{
    import("> AT\n< OK\n", LOG_AUTO);
    log_import_write_capture(&li, "field.log", &out);
    char err[256];
    struct replay *r = replay_load_buffer("imported.cap", sb_str(&out), 1.0, err, sizeof err);
    cr_assert_not_null(r, "%s\n%s", err, sb_str(&out));
    replay_free(r);
}
