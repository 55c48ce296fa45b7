/* The AT engine against a scripted fake port with a fake clock: what a user
 * of the engine would notice -- which command completes, with what result,
 * which URCs fire, which bytes reach the module. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_engine.h"
#include "fake_port.h"

#define LINE_CAP 64

static struct fake_port fp;
static struct at_engine eng;
static char line_buf[LINE_CAP + 16];

static struct {
    char lines[16][LINE_CAP];
    int n_lines;
    char urcs[16][LINE_CAP];
    int n_urcs;
    uint8_t raw[1024];
    size_t raw_len;
    int logs;
    char log[4096];
    size_t log_len;
} rec;

static void copy_line(char *dst, const char *line, size_t len)
{
    size_t n = len < LINE_CAP - 1 ? len : LINE_CAP - 1;
    memcpy(dst, line, n);
    dst[n] = '\0';
}

static void on_line(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    if (rec.n_lines < 16)
        copy_line(rec.lines[rec.n_lines++], line, len);
}

static size_t on_urc(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    if (rec.n_urcs < 16)
        copy_line(rec.urcs[rec.n_urcs++], line, len);
    return 0;
}

/* "+CMQTTRXPAYLOAD: 0,<n>": claims n raw bytes. */
static size_t on_claim(void *ctx, const char *line, size_t len)
{
    const char *comma = memchr(line, ',', len);
    on_urc(ctx, line, len);
    return comma != NULL ? (size_t)atoi(comma + 1) : 0;
}

static void on_raw(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    cr_assert_leq(rec.raw_len + len, sizeof rec.raw);
    memcpy(rec.raw + rec.raw_len, data, len);
    rec.raw_len += len;
}

static void on_log(void *ctx, const char *what, const char *text, size_t len)
{
    int n;
    (void)ctx;
    rec.logs++;
    n = snprintf(rec.log + rec.log_len, sizeof rec.log - rec.log_len, "%s: %.*s\n", what,
                 (int)len, text);
    if (n > 0 && (size_t)n < sizeof rec.log - rec.log_len)
        rec.log_len += (size_t)n;
}

static const struct at_urc urcs[] = {
    {"+CMQTTCONNLOST:", AT_MATCH_PREFIX, on_urc},
    {"+CMQTTRXTOPIC:", AT_MATCH_PREFIX, on_claim},
    {"+CMQTTRXPAYLOAD:", AT_MATCH_PREFIX, on_claim},
    {"RDY", AT_MATCH_LINE, on_urc},
};

static void setup(void)
{
    struct at_engine_config c = {0};
    memset(&rec, 0, sizeof rec);
    memset(line_buf, 0xA5, sizeof line_buf);
    fake_port_init(&fp);
    c.port = &fp.port;
    c.line_buf = line_buf;
    c.line_cap = LINE_CAP;
    c.urcs = urcs;
    c.n_urcs = sizeof urcs / sizeof urcs[0];
    c.on_raw = on_raw;
    c.on_log = on_log;
    cr_assert_eq(at_engine_init(&eng, &c), 0);
}

static struct at_cmd csq(void)
{
    struct at_cmd c = {0};
    c.line = "AT+CSQ";
    c.prefix = "+CSQ:";
    c.timeout_ms = 5000;
    c.on_line = on_line;
    return c;
}

static void feed_str(const char *s)
{
    at_feed(&eng, (const uint8_t *)s, strlen(s));
}

TestSuite(at_engine, .init = setup);

Test(at_engine, response_split_at_every_byte_boundary)
{
    const char *resp = "AT+CSQ\r\r\n+CSQ: 23,0\r\n\r\nOK\r\n";
    size_t n = strlen(resp), k;

    for (k = 0; k <= n; k++) {
        struct at_cmd c = csq();
        memset(&rec, 0, sizeof rec);
        cr_assert_eq(at_submit(&eng, &c), 0);
        at_feed(&eng, (const uint8_t *)resp, k);
        /* the CR that ends "OK" completes the command; the LF is not waited for */
        cr_assert_eq(eng.done, k >= n - 1, "split at %zu: done too early", k);
        at_feed(&eng, (const uint8_t *)resp + k, n - k);
        cr_assert(eng.done, "split at %zu: not done", k);
        cr_assert_eq(eng.res.final, AT_FINAL_OK, "split at %zu", k);
        cr_assert_eq(rec.n_lines, 1, "split at %zu: %d lines", k, rec.n_lines);
        cr_assert_str_eq(rec.lines[0], "+CSQ: 23,0");
        cr_assert_eq(at_idle(&eng), true);
    }
    cr_assert_eq(rec.logs, 0);
}

Test(at_engine, every_byte_boundary_with_result_line_after_ok)
{
    const char *resp = "\r\nOK\r\n\r\n+CMQTTPUB: 0,0\r\n";
    size_t n = strlen(resp), k;

    for (k = 0; k <= n; k++) {
        struct at_cmd c = {0};
        c.line = "AT+CMQTTPUB=0,1,60";
        c.prefix = "+CMQTTPUB:";
        c.flags = AT_CMD_RESULT_LINE;
        c.timeout_ms = 1000;
        cr_assert_eq(at_submit(&eng, &c), 0);
        at_feed(&eng, (const uint8_t *)resp, k);
        at_feed(&eng, (const uint8_t *)resp + k, n - k);
        cr_assert(eng.done, "split at %zu", k);
        cr_assert_eq(eng.res.final, AT_FINAL_OK);
        cr_assert_eq(eng.res.result_err, 0);
    }
}

Test(at_engine, command_is_written_with_cr)
{
    struct at_cmd c = csq();
    at_submit(&eng, &c);
    cr_assert_str_eq(fake_port_tx(&fp), "AT+CSQ\r");
    cr_assert_str_eq(at_state_str(eng.state), "WAIT_RESP");
}

Test(at_engine, urc_in_the_middle_of_a_response_is_dispatched)
{
    struct at_cmd c = csq();
    at_submit(&eng, &c);
    feed_str("\r\n+CSQ: 20,0\r\n\r\n+CMQTTCONNLOST: 0,1\r\n\r\nOK\r\n");
    cr_assert(eng.done);
    cr_assert_eq(eng.res.final, AT_FINAL_OK);
    cr_assert_eq(rec.n_urcs, 1);
    cr_assert_str_eq(rec.urcs[0], "+CMQTTCONNLOST: 0,1");
    cr_assert_eq(rec.n_lines, 1);
    cr_assert_str_eq(rec.lines[0], "+CSQ: 20,0");
}

Test(at_engine, urc_while_idle_is_dispatched)
{
    feed_str("\r\nRDY\r\n");
    cr_assert_eq(rec.n_urcs, 1);
    cr_assert_str_eq(rec.urcs[0], "RDY");
}

Test(at_engine, cme_error_completes_with_its_code)
{
    struct at_cmd c = {0};
    c.line = "AT+CPIN?";
    c.prefix = "+CPIN:";
    c.timeout_ms = 5000;
    at_submit(&eng, &c);
    feed_str("\r\n+CME ERROR: 10\r\n");
    cr_assert(eng.done);
    cr_assert_eq(eng.res.final, AT_FINAL_CME);
    cr_assert_eq(eng.res.code, 10);
    cr_assert_str_eq(at_final_str(eng.res.final), "+CME ERROR");
}

Test(at_engine, cme_error_is_a_prefix_match_not_a_suffix)
{
    struct at_cmd c = csq();
    at_submit(&eng, &c);
    feed_str("\r\nXOK\r\n\r\nNOT ERROR\r\n");
    cr_assert_not(eng.done, "a line merely containing OK/ERROR must not complete");
    feed_str("\r\nERROR\r\n");
    cr_assert_eq(eng.res.final, AT_FINAL_ERROR);
}

Test(at_engine, missing_final_result_times_out_on_the_fake_clock)
{
    struct at_cmd c = csq();
    struct at_result r;
    uint32_t t0 = fp.now;

    c.timeout_ms = 3000;
    fp.silent = true;
    at_run(&eng, &c, &r);
    cr_assert_eq(r.final, AT_FINAL_TIMEOUT);
    cr_assert_eq(fp.now - t0, 3000, "waited %u ms", fp.now - t0);
    cr_assert_eq(eng.state, AT_STATE_RESYNC);
    cr_assert_eq(eng.timeouts, 1);
}

static struct at_cmd pub_cmd(void)
{
    struct at_cmd c;
    memset(&c, 0, sizeof c);
    c.line = "AT+CMQTTPUB=0,1,60";
    c.prefix = "+CMQTTPUB:";
    c.flags = AT_CMD_RESULT_LINE | AT_CMD_ACK_FIRST;
    c.timeout_ms = 65000;
    c.ack_timeout_ms = 5000;
    return c;
}

Test(at_engine, a_command_the_module_never_acknowledged_times_out_at_the_ack_bound)
{
    struct at_cmd c = pub_cmd();
    struct at_result r;
    uint32_t t0 = fp.now;

    fp.silent = true;
    at_run(&eng, &c, &r);
    cr_assert_eq(r.final, AT_FINAL_TIMEOUT);
    cr_assert_eq(fp.now - t0, 5000, "waited %u ms, not the 5000 ms ack bound", fp.now - t0);
}

Test(at_engine, once_acknowledged_the_result_line_may_take_the_whole_timeout)
{
    struct at_cmd c = pub_cmd();
    struct at_result r;
    const struct fake_step steps[] = {
        {"AT+CMQTTPUB=0,1,60\r", "\r\nOK\r\n", 10},
        {NULL, "\r\n+CMQTTPUB: 0,0\r\n", 30000},
    };

    fake_port_script(&fp, steps, 2);
    at_run(&eng, &c, &r);
    cr_assert_eq(r.final, AT_FINAL_OK);
    cr_assert_eq(r.result_err, 0);
}

Test(at_engine, late_ok_after_timeout_does_not_complete_the_next_command)
{
    struct at_cmd c = csq();
    struct at_result r;

    c.timeout_ms = 1000;
    fp.silent = true;
    at_run(&eng, &c, &r);
    cr_assert_eq(r.final, AT_FINAL_TIMEOUT);

    /* The next command is a sync probe: the old command's late OK arrives
     * first and must be dropped; the probe completes on its own answer. */
    c = csq();
    c.flags = AT_CMD_SYNC;
    cr_assert_eq(at_submit(&eng, &c), 0);
    feed_str("\r\nOK\r\n");
    cr_assert_not(eng.done, "the stale OK completed the probe");
    feed_str("\r\n+CSQ: 5,0\r\n\r\nOK\r\n");
    cr_assert(eng.done);
    cr_assert_eq(eng.res.final, AT_FINAL_OK);
    cr_assert_eq(eng.timeouts, 0);
}

Test(at_engine, resync_ends_when_the_late_final_arrives)
{
    struct at_cmd c = csq();
    struct at_result r;

    c.timeout_ms = 1000;
    fp.silent = true;
    at_run(&eng, &c, &r);
    feed_str("\r\n+CSQ: 1,1\r\n\r\nOK\r\n");
    cr_assert_eq(eng.state, AT_STATE_IDLE);
    cr_assert_eq(rec.n_lines, 0, "a late answer reached the old command's handler");
}

Test(at_engine, garbage_lines_do_not_disturb_a_command)
{
    struct at_cmd c = {0};
    static const uint8_t junk[] = {0x00, 0xff, 0x13, '#', '!', '\r', '\n', 0x80, 0x81, '\n'};

    c.line = "ATE0";
    c.timeout_ms = 1000;
    at_submit(&eng, &c);
    at_feed(&eng, junk, sizeof junk);
    feed_str("\r\n+WHATEVER: 1\r\nnoise\r\n\r\nOK\r\n");
    cr_assert(eng.done);
    cr_assert_eq(eng.res.final, AT_FINAL_OK);
    cr_assert_geq(rec.logs, 3, "garbage should be logged");
}

Test(at_engine, over_long_line_is_dropped_without_overflow_and_the_engine_resyncs)
{
    struct at_cmd c = csq();
    char big[1000];
    size_t i;

    memset(big, 'X', sizeof big);
    at_submit(&eng, &c);
    at_feed(&eng, (const uint8_t *)"\r\n", 2);
    at_feed(&eng, (const uint8_t *)big, sizeof big);
    feed_str("\r\n\r\n+CSQ: 9,9\r\n\r\nOK\r\n");
    for (i = LINE_CAP; i < sizeof line_buf; i++)
        cr_assert_eq((uint8_t)line_buf[i], 0xA5, "wrote past the line buffer at %zu", i);
    cr_assert(eng.done);
    cr_assert_eq(eng.res.final, AT_FINAL_OK);
    cr_assert_eq(rec.n_lines, 1);
    cr_assert_str_eq(rec.lines[0], "+CSQ: 9,9");
}

Test(at_engine, over_long_ok_lookalike_does_not_complete)
{
    struct at_cmd c = csq();
    char big[200];
    memset(big, 'O', sizeof big);
    big[sizeof big - 1] = 'K';
    at_submit(&eng, &c);
    at_feed(&eng, (const uint8_t *)big, sizeof big);
    feed_str("\r\n");
    cr_assert_not(eng.done);
}

static void late_prompt(const char *prompt)
{
    static const struct fake_step steps[] = {
        {"AT+CMQTTTOPIC=0,9\r", NULL, 0},
    };
    struct at_cmd c = {0};
    struct at_result r;
    char expect[64];

    fake_port_script(&fp, FAKE_STEPS(steps));
    c.line = "AT+CMQTTTOPIC=0,9";
    c.prefix = "+CMQTTTOPIC:";
    c.flags = AT_CMD_PROMPT | AT_CMD_ERR_LINE;
    c.data = (const uint8_t *)"simcommsg";
    c.data_len = 9;
    c.timeout_ms = 5000;
    cr_assert_eq(at_submit(&eng, &c), 0);
    /* Nothing for 4 s but a URC; the data must not go out before the prompt. */
    fake_port_push_str(&fp, "\r\n+CMQTTCONNLOST: 1,3\r\n", 1000);
    fake_port_push_str(&fp, prompt, 4000);
    fake_port_push_str(&fp, "\r\nOK\r\n", 4001);
    while (at_pump(&eng, 100) >= 0 && !eng.done) {
        if (fp.now < 4000)
            cr_assert_str_eq(fake_port_tx(&fp), "AT+CMQTTTOPIC=0,9\r");
    }
    r = eng.res;
    cr_assert_eq(r.final, AT_FINAL_OK);
    snprintf(expect, sizeof expect, "AT+CMQTTTOPIC=0,9\rsimcommsg");
    cr_assert_str_eq(fake_port_tx(&fp), expect);
    cr_assert_eq(rec.n_urcs, 1);
}

Test(at_engine, late_prompt_without_space)
{
    late_prompt("\r\n>");
}

Test(at_engine, late_prompt_with_space)
{
    late_prompt("\r\n> ");
}

Test(at_engine, refusal_before_prompt_writes_no_data)
{
    struct at_cmd c = {0};
    c.line = "AT+CMQTTSUB=0,9,1";
    c.prefix = "+CMQTTSUB:";
    c.flags = AT_CMD_PROMPT | AT_CMD_RESULT_LINE;
    c.data = (const uint8_t *)"simcommsg";
    c.data_len = 9;
    c.timeout_ms = 5000;
    at_submit(&eng, &c);
    feed_str("\r\n+CMQTTSUB: 0,11\r\n\r\nERROR\r\n");
    cr_assert(eng.done);
    cr_assert_eq(eng.res.final, AT_FINAL_ERROR);
    cr_assert_eq(eng.res.result_err, 11);
    cr_assert_str_eq(fake_port_tx(&fp), "AT+CMQTTSUB=0,9,1\r");
}

Test(at_engine, result_line_before_ok_is_accepted)
{
    struct at_cmd c = {0};
    c.line = "AT+CMQTTSTOP";
    c.prefix = "+CMQTTSTOP:";
    c.flags = AT_CMD_RESULT_LINE;
    c.timeout_ms = 5000;
    at_submit(&eng, &c);
    feed_str("\r\n+CMQTTSTOP: 0\r\n");
    cr_assert_not(eng.done);
    feed_str("\r\nOK\r\n");
    cr_assert(eng.done);
    cr_assert_eq(eng.res.final, AT_FINAL_OK);
    cr_assert_eq(eng.res.result_err, 0);
}

Test(at_engine, result_line_after_ok_is_waited_for)
{
    struct at_cmd c = {0};
    c.line = "AT+CMQTTSTART";
    c.prefix = "+CMQTTSTART:";
    c.flags = AT_CMD_RESULT_LINE;
    c.timeout_ms = 120000;
    at_submit(&eng, &c);
    feed_str("\r\nOK\r\n");
    cr_assert_not(eng.done);
    cr_assert_str_eq(at_state_str(eng.state), "WAIT_FINAL");
    feed_str("\r\n+CMQTTSTART: 23\r\n");
    cr_assert(eng.done);
    cr_assert_eq(eng.res.result_err, 23);
}

Test(at_engine, warm_start_refusal_keeps_the_code)
{
    struct at_cmd c = {0};
    c.line = "AT+CMQTTSTART";
    c.prefix = "+CMQTTSTART:";
    c.flags = AT_CMD_RESULT_LINE;
    c.timeout_ms = 120000;
    at_submit(&eng, &c);
    feed_str("\r\n+CMQTTSTART: 23\r\n\r\nERROR\r\n");
    cr_assert(eng.done);
    cr_assert_eq(eng.res.final, AT_FINAL_ERROR);
    cr_assert_eq(eng.res.result_err, 23);
}

Test(at_engine, rx_urcs_claim_raw_bytes_across_chunks_and_crlf)
{
    const char *msg = "\r\n+CMQTTRXTOPIC: 0,5\r\na/b/c\r\n"
                      "\r\n+CMQTTRXPAYLOAD: 0,12\r\nline1\r\nOK\r\nX\r\n";
    size_t n = strlen(msg), i;
    struct at_cmd c = csq();

    at_submit(&eng, &c); /* a command is pending: the raw "OK" must not complete it */
    for (i = 0; i < n; i += 3)
        at_feed(&eng, (const uint8_t *)msg + i, n - i < 3 ? n - i : 3);
    cr_assert_eq(rec.raw_len, 17);
    cr_assert(memcmp(rec.raw, "a/b/cline1\r\nOK\r\nX", 17) == 0);
    cr_assert_not(eng.done, "payload bytes completed the command");
    feed_str("\r\n+CSQ: 1,0\r\n\r\nOK\r\n");
    cr_assert(eng.done);
}

Test(at_engine, echo_of_the_command_is_skipped)
{
    struct at_cmd c = {0};
    c.line = "AT+CGSN";
    c.on_line = on_line;
    c.timeout_ms = 1000;
    at_submit(&eng, &c);
    feed_str("AT+CGSN\r\r\n351602000330570\r\n\r\nOK\r\n");
    cr_assert_eq(rec.n_lines, 1);
    cr_assert_str_eq(rec.lines[0], "351602000330570");
}

Test(at_engine, busy_engine_rejects_a_second_command)
{
    struct at_cmd c = csq();
    at_submit(&eng, &c);
    cr_assert_eq(at_submit(&eng, &c), -1);
}

Test(at_engine, deadline_compare_survives_clock_wrap)
{
    struct at_cmd c = csq();
    struct at_result r;
    fp.now = UINT32_MAX - 500;
    c.timeout_ms = 2000;
    fp.silent = true;
    at_run(&eng, &c, &r);
    cr_assert_eq(r.final, AT_FINAL_TIMEOUT);
    cr_assert_eq(fp.now, (uint32_t)(UINT32_MAX - 500 + 2000));
}

Test(at_engine, write_failure_is_reported)
{
    struct at_cmd c = csq();
    struct at_result r;
    fp.write_fail = 1;
    at_run(&eng, &c, &r);
    cr_assert_eq(r.final, AT_FINAL_IO);
    cr_assert(at_idle(&eng));
}

Test(at_engine, lines_during_a_command_with_credentials_are_never_logged)
{
    struct at_cmd c = {0};

    c.line = "AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1,\"u\",\"hunter2\"";
    c.prefix = "+CMQTTCONNECT:";
    c.flags = AT_CMD_RESULT_LINE | AT_CMD_SECRET;
    c.timeout_ms = 1000;
    at_submit(&eng, &c);
    /* a truncated echo (longer than the line buffer) and garbage */
    feed_str("AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1,\"u\",\"hunter2\"XXXXXXXXXXXXXXXXXXXXX\r\n");
    feed_str("\r\n\"hunter2\"\r\n");
    feed_str("\r\nOK\r\n\r\n+CMQTTCONNECT: 0,30\r\n");
    cr_assert(eng.done);
    cr_assert_eq(eng.res.result_err, 30);
    cr_assert_geq(rec.logs, 2);
    cr_assert_null(strstr(rec.log, "hunter2"), "%s", rec.log);
    cr_assert_not_null(strstr(rec.log, "+CMQTTCONNECT: 0,30"), "the refusal is shown: %s", rec.log);
}
