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

/* ---- AT traffic, streaming --------------------------------------------------------- */

static bool is_at(const char *line)
{
    return log_line_is_at(line, strlen(line));
}

Test(log_import, at_commands_and_answers_are_told_from_other_text)
{
    static const char *const at[] = {
        "AT", "ATI", "ATE0", "at+csq", "AT+CSQ?", "AT+CMQTTSTART", "AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1",
        "AT&F", "OK", "ERROR", "RDY", "  OK  ", "+CSQ: 23,0", "+CME ERROR: 10", "+CMQTTCONNLOST: 0,1", "+CPIN: READY",
    };
    static const char *const not_at[] = {
        "", "OKAY", "hello world", "ATTENTION PLEASE", "AT+csq is what I typed", "+1 for this",
        "ATlmXp9Q2vK0+/abcdEFGHijklMNOPqrstUVWXyz0123456789abcdefABCDEF0123456789abcdefAB",
        "AT+b6Yk1Wq3e9rTzQx/8JmVnCoPdLsHfGaIuKyEw2R4t7U5iO0pAsDfGhJkLzXcVbNmQwErTyUiOpA", "+++", "> ",
    };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
        cr_assert(is_at(at[i]), "\"%s\" is AT traffic", at[i]);
    for (size_t i = 0; i < sizeof not_at / sizeof not_at[0]; i++)
        cr_assert(!is_at(not_at[i]), "\"%s\" is not AT traffic", not_at[i]);
}

/* What log_import_stream hands its sink, collected. */
struct collected {
    struct log_import steps;   /* the steps, problems as messages */
    int begun;
    enum log_format format;
};

static void on_begin(void *ctx, enum log_format format)
{
    struct collected *c = ctx;
    c->begun++;
    c->format = format;
}

static void on_step(void *ctx, const struct log_step *s)
{
    struct log_import *list = &((struct collected *)ctx)->steps;
    struct log_step copy = *s;
    copy.data = malloc(s->len + 1);
    cr_assert_not_null(copy.data);
    memcpy(copy.data, s->data, s->len);
    if (list->count == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 16;
        list->steps = realloc(list->steps, list->cap * sizeof *list->steps);
        cr_assert_not_null(list->steps);
    }
    list->steps[list->count++] = copy;
}

static void on_problem(void *ctx, const char *message)
{
    sb_puts(&((struct collected *)ctx)->steps.problems, message);
}

/* Streams `text` from a file through log_import_stream into `c`. */
static enum log_import_status stream(const char *text, size_t len, enum log_format format, struct collected *c)
{
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(text, 1, len, f), len);
    rewind(f);
    memset(c, 0, sizeof *c);
    struct log_import_options opt = {.format = format};
    struct log_sink sink = {on_begin, on_step, on_problem, c};
    struct log_import_result res;
    enum log_import_status st = log_import_stream(f, "field.log", (size_t)64 << 20, &opt, &sink, &res);
    fclose(f);
    c->steps.unplaced = res.unplaced;
    c->steps.format = res.format;
    return st;
}

/* The stream reads every format as the text reader does, step for step. */
Test(log_import, streaming_reads_what_the_text_reader_reads)
{
    static const char *const logs[] = {
        "--> AT+CSQ\n<-- +CSQ: 23,0\n<-- OK\nnoise\n",
        "[10:00:00.100] TX: AT+CMQTTTOPIC=0,9\r\n[10:00:00.120] RX: >\r\n[10:00:00.130] TX: simcommsg\r\n"
        "[10:00:00.140] RX: OK\r\n",
        "AT+CGREG?\n+CGREG: 0,1\n\nOK\nat+cmqttstart\nOK\n+CMQTTSTART: 0\n",
        "> 2024/05/01 10:00:00.000000  length=7 from=0 to=6\nAT+CSQ\\r\n"
        "< 2024/05/01 10:00:00.020000  length=25 from=0 to=24\n\\r\n+CSQ: 23,0\\r\n\\r\nOK\\r\n",
        "# sim7600-hil capture v1\n0.1 > AT\\r\n0.2 < \\r\\nOK\\r\\n\n0.3 ? huh\n",
    };
    for (size_t k = 0; k < sizeof logs / sizeof logs[0]; k++) {
        struct collected c;
        cr_assert_eq(stream(logs[k], strlen(logs[k]), LOG_AUTO, &c), LOG_IMPORT_OK, "log %zu", k);
        import(logs[k], LOG_AUTO);
        cr_assert_eq(c.begun, 1);
        cr_assert_eq(c.format, li.format, "log %zu", k);
        cr_assert_eq(c.steps.count, li.count, "log %zu: %zu steps streamed, %zu read", k, c.steps.count, li.count);
        for (size_t i = 0; i < li.count; i++) {
            cr_assert_eq(c.steps.steps[i].dir, li.steps[i].dir, "log %zu step %zu", k, i);
            cr_assert_eq(c.steps.steps[i].line, li.steps[i].line, "log %zu step %zu", k, i);
            cr_assert_eq(c.steps.steps[i].len, li.steps[i].len, "log %zu step %zu", k, i);
            cr_assert(memcmp(c.steps.steps[i].data, li.steps[i].data, li.steps[i].len) == 0, "log %zu step %zu", k, i);
        }
        cr_assert_eq(c.steps.unplaced, li.unplaced, "log %zu", k);
        cr_assert_str_eq(sb_str(&c.steps.problems), sb_str(&li.problems), "log %zu", k);
        log_import_free(&c.steps);
        log_import_free(&li);
    }
}

Test(log_import, text_without_at_traffic_is_refused_before_any_step)
{
    static const char text[] = "Lorem ipsum dolor sit amet\nconsectetur adipiscing elit\n\nsed do eiusmod\n";
    const enum log_format formats[] = {LOG_AUTO, LOG_PLAIN, LOG_PREFIXED, LOG_SOCAT, LOG_CAPTURE};
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++) {
        struct collected c;
        cr_assert_eq(stream(text, sizeof text - 1, formats[k], &c), LOG_IMPORT_NOT_AT, "format %s",
                     log_format_str(formats[k]));
        cr_assert_eq(c.begun, 0);
        cr_assert_eq(c.steps.count, 0);
        log_import_free(&c.steps);
    }
}

Test(log_import, streaming_lists_nul_lines_and_refuses_them)
{
    static const char text[] = "AT\nO\0K\nOK\n\0\n";
    struct collected c;
    cr_assert_eq(stream(text, sizeof text - 1, LOG_AUTO, &c), LOG_IMPORT_BINARY);
    cr_assert_eq(c.begun, 0);
    cr_assert_str_eq(sb_str(&c.steps.problems), "field.log:2: a NUL byte; a text log has none (binary data?)\n"
                                                 "field.log:4: a NUL byte; a text log has none (binary data?)\n");
    log_import_free(&c.steps);
}

/* A line longer than any log line (a binary blob, a file with no newlines)
 * is reported, not held whole. */
Test(log_import, a_line_over_the_limit_is_reported_and_the_rest_read)
{
    static char x[(size_t)3 << 20];   /* three times the longest line kept */
    memset(x, 'x', sizeof x);
    struct strbuf text = {0};
    sb_puts(&text, "AT\nOK\n");
    sb_add(&text, x, sizeof x);
    sb_puts(&text, "\nAT+CSQ\n+CSQ: 23,0\n");
    struct collected c;
    cr_assert_eq(stream(text.p, text.len, LOG_PLAIN, &c), LOG_IMPORT_OK);
    cr_assert_eq(c.steps.unplaced, 1);
    cr_assert(strstr(sb_str(&c.steps.problems), "field.log:3: a line over 1 MiB"), "%s", sb_str(&c.steps.problems));
    cr_assert_eq(c.steps.count, 4);
    cr_assert_eq(c.steps.steps[3].line, 5);
    log_import_free(&c.steps);
    sb_free(&text);
}

/* Steps streamed into a writer make what the list writers make. */
Test(log_import, the_writer_streams_what_the_list_writers_write)
{
    import("[1.0] > AT+CMQTTTOPIC=0,9\n[1.5] < >\n[2.0] > simcommsg\n[0.5] < OK\n", LOG_AUTO);
    for (int scn = 0; scn < 2; scn++) {
        struct strbuf whole = {0}, streamed = {0};
        struct log_writer w;
        if (scn)
            log_import_write_scenario(&li, "f.log", "name", &whole);
        else
            log_import_write_capture(&li, "f.log", &whole);
        log_writer_start(&w, scn, li.format, "f.log", "name", &streamed);
        for (size_t i = 0; i < li.count; i++)
            log_writer_step(&w, &li.steps[i], &streamed);
        cr_assert_str_eq(sb_str(&streamed), sb_str(&whole));
        cr_assert(scn || strstr(sb_str(&whole), "1.000000 < \\r\\nOK"), "time never goes back: %s", sb_str(&whole));
        sb_free(&whole);
        sb_free(&streamed);
    }
}
