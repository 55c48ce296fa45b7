/* Fuzz entry points (see fuzz_entries.h). Each builds what it needs from
 * nothing and frees it again, so no state leaks from one input to the next:
 * a crash then reproduces from its input file alone. */
#include "fuzz_entries.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_cmdline.h"
#include "at_engine.h"
#include "cescape.h"
#include "fake_port.h"
#include "log_import.h"
#include "regex_guard.h"
#include "replay.h"
#include "scenario.h"
#include "sim.h"
#include "sim7600.h"

/* A broken invariant is a finding like a sanitizer report: say which, then
 * abort so libFuzzer saves the input and Criterion reports a crash. */
#define FUZZ_CHECK(cond)                                                               \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "fuzz: %s:%d: invariant broken: %s\n", __FILE__, __LINE__, \
                    #cond);                                                            \
            abort();                                                                   \
        }                                                                              \
    } while (0)

/* ---- at_cmdline ---------------------------------------------------------------- */

static bool inside(const char *p, size_t len, const char *base, size_t n)
{
    return p >= base && len <= n && (size_t)(p - base) <= n - len;
}

int fuzz_at_cmdline(const uint8_t *data, size_t size)
{
    /* A heap copy of exactly `size` bytes: ASan then sees any read past the
     * line, which is what the pty hands the parser (no terminator). */
    char *line = malloc(size ? size : 1);
    struct at_cmdline cl;

    if (line == NULL)
        return 0;
    memcpy(line, data, size);
    if (at_cmdline_parse(line, size, &cl) == AT_PARSE_OK) {
        FUZZ_CHECK(cl.count >= 0 && cl.count <= AT_MAX_COMMANDS_PER_LINE);
        for (int i = 0; i < cl.count; i++) {
            const struct at_cmdline_cmd *c = &cl.cmd[i];
            struct at_args args;

            FUZZ_CHECK(memchr(c->name, '\0', sizeof c->name) != NULL);
            if (c->args == NULL)
                continue;
            FUZZ_CHECK(inside(c->args, c->args_len, line, size));
            if (at_args_parse(c->args, c->args_len, &args) == 0) {
                FUZZ_CHECK(args.count >= 1 && args.count <= AT_MAX_ARGS);
                for (int k = 0; k < args.count; k++)
                    FUZZ_CHECK(args.v[k].type == AT_ARG_EMPTY ||
                               inside(args.v[k].text, args.v[k].len, c->args, c->args_len));
            }
        }
    }
    /* The argument splitter on its own too: the simulator also calls it on
     * argument text it did not get from at_cmdline_parse's WRITE form. */
    {
        struct at_args args;
        (void)at_args_parse(line, size, &args);
    }
    free(line);
    return 0;
}

/* ---- sim ------------------------------------------------------------------------- */

#define FUZZ_SIM_START_US 1000000u
#define FUZZ_SIM_LINE_US 2000u /* time for the answer between host lines */

/* A cold module, set up so that everything timed happens within one input. */
static struct sim *fuzz_sim_create(uint64_t now_us)
{
    struct sim_config cfg;

    sim_config_defaults(&cfg);
    cfg.baud = 0;              /* unpaced: output is there at once */
    cfg.data_timeout_ms = 200; /* so a waiting `>` phase times out within the run */
    cfg.rx_chunk = 7;          /* +CMQTTRX deliveries in several chunks */
    return sim_create(&cfg, now_us);
}

/* Runs the clock to now_us and takes what the module printed: into `out`, or
 * dropped when `out` is NULL. */
static void sim_drain(struct sim *s, uint64_t now_us, struct strbuf *out)
{
    uint8_t buf[4096];
    size_t n;

    sim_tick(s, now_us);
    while ((n = sim_take_output(s, buf, sizeof buf, now_us)) > 0)
        if (out != NULL)
            sb_add(out, buf, n);
}

/* Lets up to `max` pending timers run out (data-phase timeouts, CONNECT
 * results, silences, boots), the clock jumping to each. */
static void sim_run_timers(struct sim *s, uint64_t *now_us, int max, struct strbuf *out)
{
    for (int k = 0; k < max; k++) {
        uint64_t next = sim_next_deadline(s);
        if (next == UINT64_MAX)
            break;
        *now_us = next > *now_us ? next : *now_us + 1000;
        sim_drain(s, *now_us, out);
    }
}

int fuzz_sim(const uint8_t *data, size_t size)
{
    uint64_t now_us = FUZZ_SIM_START_US;
    size_t i = 0;
    struct sim *s = fuzz_sim_create(now_us);

    if (s == NULL)
        return 0;
    sim_drain(s, now_us += 1000, NULL);
    /* One host line (up to and including its CR) at a time, as a terminal
     * sends them, with time for the answer between lines. A `>` data phase
     * is fed the same way: its bytes may contain CR, which just splits it. */
    while (i < size) {
        const uint8_t *cr = memchr(data + i, '\r', size - i);
        size_t n = cr != NULL ? (size_t)(cr - (data + i)) + 1 : size - i;
        sim_input(s, data + i, n, now_us);
        i += n;
        sim_drain(s, now_us += FUZZ_SIM_LINE_US, NULL);
    }
    sim_run_timers(s, &now_us, 8, NULL);
    sim_destroy(s);
    return 0;
}

/* ---- control --------------------------------------------------------------------- */

#define CTL_HOST_MARK '>'   /* a line starting so: the rest goes to the pty, byte for byte */
#define CTL_TIMER_MARK '~'  /* a line starting so: the clock jumps to the next deadline */
#define CTL_REPLY_FIXED 8192 /* more than the longest reply that quotes nothing (help, state) */
#define CTL_QUOTE_GROWTH 4  /* a byte of the line quoted in a reply: at most \xHH */
#define CTL_SETTLE_TIMERS 64
#define CTL_TOPIC_MAX 1024  /* the broker's limits (README, deliver) */
#define CTL_PAYLOAD_MAX 10240

struct ctl_run {
    struct sim *s;
    uint64_t now_us;
    bool garble_armed; /* corrupted output is then what the module should print */
    struct strbuf line, reply;
};

/* What `watch` would stream: a message the broker took must be within its limits. */
static void ctl_observe(void *ctx, const char *topic, size_t topic_len, const uint8_t *payload,
                        size_t payload_len, int qos, bool retain)
{
    (void)ctx;
    (void)retain;
    FUZZ_CHECK(topic_len >= 1 && topic_len <= CTL_TOPIC_MAX);
    FUZZ_CHECK(payload_len <= CTL_PAYLOAD_MAX);
    FUZZ_CHECK(qos >= 0 && qos <= 2);
    for (size_t i = 0; i < topic_len; i++)
        (void)*(volatile const char *)&topic[i];
    for (size_t i = 0; i < payload_len; i++)
        (void)*(volatile const uint8_t *)&payload[i];
}

/* The protocol's promise (README "Control socket"): one line, starting "OK"
 * (0) or "ERR " (-1). The socket ends the reply with \n, so a CR, LF or NUL
 * in it would split or cut it and every later reply would answer the wrong
 * command. A reply grows with what it quotes of the line, never more. */
static void ctl_check_reply(const struct strbuf *reply, int rc, size_t line_len)
{
    const char *r = sb_str(reply);
    bool ok = strncmp(r, "OK", 2) == 0 && (r[2] == '\0' || r[2] == ' ');

    FUZZ_CHECK(ok || strncmp(r, "ERR ", 4) == 0);
    FUZZ_CHECK(ok == (rc == 0));
    FUZZ_CHECK(strlen(r) == reply->len);
    FUZZ_CHECK(strpbrk(r, "\r\n") == NULL);
    FUZZ_CHECK(reply->len <= CTL_REPLY_FIXED + CTL_QUOTE_GROWTH * line_len);
}

/* Whether an accepted line may have armed garbling: a garble command or a
 * rule with a garble action, however deep (the words are those the
 * simulator decodes, so "g\x61rble" counts too). */
static bool ctl_may_garble(const char *line)
{
    char *copy = strdup(line);
    struct tokens t;
    const char *why;
    bool found = false;

    if (copy != NULL && tokenize(copy, &t, &why) == 0)
        for (int i = 0; i < t.count && !found; i++)
            found = strcmp(t.v[i], "garble") == 0;
    free(copy);
    return copy == NULL || found;
}

static int ctl_command(struct ctl_run *r, const char *line)
{
    sb_reset(&r->reply);
    int rc = sim_control(r->s, line, &r->reply, r->now_us);
    ctl_check_reply(&r->reply, rc, strlen(line));
    if (rc == 0 && ctl_may_garble(line))
        r->garble_armed = true;
    return rc;
}

static void ctl_line(struct ctl_run *r, const uint8_t *p, size_t n)
{
    if (n > 0 && p[0] == CTL_HOST_MARK) {
        sim_input(r->s, p + 1, n - 1, r->now_us);
    } else if (n > 0 && p[0] == CTL_TIMER_MARK) {
        sim_run_timers(r->s, &r->now_us, 1, NULL);
    } else {
        /* as the socket hands it over: without a CR before the newline, as a
         * C string (a NUL ends the command where the socket would refuse it) */
        if (n > 0 && p[n - 1] == '\r')
            n--;
        sb_reset(&r->line);
        sb_add(&r->line, p, n);
        (void)ctl_command(r, sb_str(&r->line));
    }
    sim_drain(r->s, r->now_us += FUZZ_SIM_LINE_US, NULL);
    sim_flush_published(r->s);   /* as sim/main.c's loop does: the watch lines go out */
}

/* Whatever came before, the module is still there: with its rules cleared and
 * rebooted (which ends a silence, a data phase, ATE0/ATV0/ATQ1 and a power
 * off), it answers AT as after power-on. */
static void ctl_check_alive(struct ctl_run *r)
{
    static const char want[] = "AT\r\r\nOK\r\n"; /* the echo, then the result */
    struct strbuf out = {0};

    FUZZ_CHECK(ctl_command(r, "rules clear") == 0);
    FUZZ_CHECK(ctl_command(r, "reboot") == 0);
    sim_run_timers(r->s, &r->now_us, CTL_SETTLE_TIMERS, NULL);
    FUZZ_CHECK(sim_next_deadline(r->s) == UINT64_MAX);
    sim_input(r->s, (const uint8_t *)"AT\r", 3, r->now_us);
    sim_drain(r->s, r->now_us += FUZZ_SIM_LINE_US, &out);
    if (getenv("FUZZ_DEBUG") != NULL)
        fprintf(stderr, "control: after reboot AT got %zu bytes%s\n", out.len,
                r->garble_armed ? " (garbling was armed)" : "");
    /* garbling changes bytes, never their number */
    FUZZ_CHECK(out.len == sizeof want - 1);
    FUZZ_CHECK(r->garble_armed || memcmp(sb_str(&out), want, out.len) == 0);
    sb_free(&out);
}

int fuzz_control(const uint8_t *data, size_t size)
{
    struct ctl_run r = {.now_us = FUZZ_SIM_START_US};
    size_t i = 0;

    r.s = fuzz_sim_create(r.now_us);
    if (r.s == NULL)
        return 0;
    sim_set_publish_observer(r.s, ctl_observe, NULL);
    sim_drain(r.s, r.now_us += 1000, NULL);
    while (i < size) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t n = nl != NULL ? (size_t)(nl - (data + i)) : size - i;
        ctl_line(&r, data + i, n);
        i += n + (nl != NULL);
    }
    ctl_check_alive(&r);
    sim_destroy(r.s);
    sb_free(&r.line);
    sb_free(&r.reply);
    return 0;
}

/* ---- at_engine ------------------------------------------------------------------- */

struct eng_port {
    uint32_t now;
    size_t raw_total;
    const struct at_engine *eng;
};

static int ep_write(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    return (int)len;
}

static int ep_read(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
    struct eng_port *p = ctx;
    (void)buf;
    (void)cap;
    p->now += timeout_ms;
    return 0;
}

static uint32_t ep_now(void *ctx)
{
    return ((struct eng_port *)ctx)->now;
}

static void check_line(const struct eng_port *p, const char *line, size_t len)
{
    FUZZ_CHECK(len > 0 && len < p->eng->cfg.line_cap);
    FUZZ_CHECK(line[len] == '\0');
}

static void ep_on_line(void *ctx, const char *line, size_t len)
{
    check_line(ctx, line, len);
}

static size_t ep_urc(void *ctx, const char *line, size_t len)
{
    check_line(ctx, line, len);
    return 0;
}

/* "+CMQTTRXPAYLOAD: 0,<n>": claims n raw bytes, as the driver does. */
static size_t ep_claim(void *ctx, const char *line, size_t len)
{
    const char *comma = memchr(line, ',', len);
    check_line(ctx, line, len);
    return comma != NULL ? (size_t)strtoul(comma + 1, NULL, 10) % 4096 : 0;
}

static void ep_raw(void *ctx, const uint8_t *data, size_t len)
{
    struct eng_port *p = ctx;
    FUZZ_CHECK(len > 0);
    /* read every byte: ASan checks that the range handed out is real */
    for (size_t i = 0; i < len; i++)
        p->raw_total += ((const volatile uint8_t *)data)[i] != 0;
}

static void ep_log(void *ctx, const char *what, const char *text, size_t len)
{
    (void)ctx;
    FUZZ_CHECK(what != NULL);
    for (size_t i = 0; i < len; i++)
        (void)*(volatile const char *)&text[i];
}

static const struct at_urc ep_urcs[] = {
    {"+CMQTTRXPAYLOAD:", AT_MATCH_PREFIX, ep_claim},
    {"+CMQTTCONNLOST:", AT_MATCH_PREFIX, ep_urc},
    {"RDY", AT_MATCH_LINE, ep_urc},
    {"+CREG:", AT_MATCH_PREFIX, ep_urc},
};

/* The commands the first byte picks from: every flag combination the driver uses. */
static const struct at_cmd ep_cmds[] = {
    {"AT", NULL, NULL, 0, 1000, 0, NULL, NULL},
    {"AT+CSQ", "+CSQ:", NULL, 0, 1000, 0, ep_on_line, NULL},
    {"AT+CMQTTTOPIC=0,4", NULL, (const uint8_t *)"a/b\r", 4, 1000, AT_CMD_PROMPT, NULL, NULL},
    {"AT+CMQTTPUB=0,1,60", "+CMQTTPUB:", NULL, 0, 1000, AT_CMD_RESULT_LINE, NULL, NULL},
    {"AT+CMQTTSTART", "+CMQTTSTART:", NULL, 0, 1000, AT_CMD_ERR_LINE | AT_CMD_SYNC, NULL, NULL},
    {"AT+CMQTTSUB=0,3,1", "+CMQTTSUB:", (const uint8_t *)"a/b", 3, 1000,
     AT_CMD_PROMPT | AT_CMD_RESULT_LINE, NULL, NULL},
    {"AT+CMQTTCONNECT=0,\"tcp://b:1\",60,1,\"u\",\"p\"", "+CMQTTCONNECT:", NULL, 0, 1000,
     AT_CMD_RESULT_LINE | AT_CMD_SECRET, ep_on_line, NULL},
    {"AT+CPIN?", "+CPIN:", NULL, 0, 1000, 0, ep_on_line, NULL},
};
#define N_EP_CMDS (sizeof ep_cmds / sizeof ep_cmds[0])

int fuzz_at_engine(const uint8_t *data, size_t size)
{
    /* A small line buffer so over-long lines are easy to reach. */
    static char line_buf[48];
    struct eng_port p = {.now = 0xfffff000u}; /* the clock wraps during the run */
    struct at_engine e;
    struct at_engine_config cfg = {0};
    struct sim7600_port port = {.ctx = &p, .write = ep_write, .read = ep_read, .now_ms = ep_now};

    if (size < 2)
        return 0;
    cfg.port = &port;
    cfg.line_buf = line_buf;
    cfg.line_cap = sizeof line_buf;
    cfg.urcs = ep_urcs;
    cfg.n_urcs = sizeof ep_urcs / sizeof ep_urcs[0];
    cfg.urc_ctx = &p;
    cfg.on_raw = ep_raw;
    cfg.on_log = ep_log;
    if (at_engine_init(&e, &cfg) != 0)
        abort();
    p.eng = &e;

    unsigned pick = data[0];
    size_t chunk = (size_t)(data[1] % 16) + 1;
    data += 2;
    size -= 2;
    /* Bit 7 of the first byte: no command at all (URCs into IDLE). */
    if (!(pick & 0x80)) {
        struct at_cmd c = ep_cmds[pick % N_EP_CMDS];
        c.ctx = &p;
        FUZZ_CHECK(at_submit(&e, &c) == 0);
    }
    for (size_t i = 0; i < size; i += chunk) {
        size_t n = size - i < chunk ? size - i : chunk;
        at_feed(&e, data + i, n);
        FUZZ_CHECK(e.line_len < cfg.line_cap);
        p.now += 7;
        at_poll(&e);
        /* a finished command is followed by the next, as a driver does */
        if (at_idle(&e) && e.done && !(pick & 0x40)) {
            struct at_cmd c = ep_cmds[(pick + i) % N_EP_CMDS];
            c.ctx = &p;
            if (at_submit(&e, &c) != 0)
                abort();
        }
    }
    p.now += 2000;
    at_poll(&e);
    return 0;
}

/* ---- driver ---------------------------------------------------------------------- */

/* The module answers each command (a write ending in CR) and each data write
 * (after '>') with the next piece of the input. */
static struct {
    struct fake_dev fd;
    int (*write)(void *ctx, const uint8_t *buf, size_t len);
    const uint8_t *data;
    size_t size, pos;
} drv;

static void drv_answer(void)
{
    static const char sep[] = FUZZ_DRIVER_SEP;
    const size_t seplen = sizeof sep - 1;
    const uint8_t *start = drv.data + drv.pos;
    size_t left = drv.size - drv.pos;
    size_t n = left;

    if (left == 0)
        return;
    for (size_t i = 0; i + seplen <= left; i++) {
        if (memcmp(start + i, sep, seplen) == 0) {
            n = i;
            break;
        }
    }
    fake_port_push(&drv.fd.fp, start, n, 1);
    drv.pos += n < left ? n + seplen : n;
}

static int drv_write(void *ctx, const uint8_t *buf, size_t len)
{
    int rc = drv.write(ctx, buf, len);
    bool command_line = len >= 2 && (buf[0] == 'A' || buf[0] == 'a') && (buf[1] == 'T' || buf[1] == 't');

    /* "AT..." then "\r" come as two writes: answer after the CR. */
    if (rc > 0 && (buf[len - 1] == '\r' || !command_line))
        drv_answer();
    /* Nobody reads what the driver wrote: keep the fake's buffer from filling. */
    drv.fd.fp.tx_len = 0;
    drv.fd.fp.unmatched = 0;
    return rc;
}

int fuzz_driver(const uint8_t *data, size_t size)
{
    struct fake_dev *fd = &drv.fd;
    struct sim7600_config *c = &fd->cfg;

    fake_dev_init(fd);
    fd->fp.silent = true; /* no script: the input is the module */
    fd->fp.chunk = 13;
    drv.write = fd->fp.port.write;
    fd->fp.port.write = drv_write;
    drv.data = data;
    drv.size = size;
    drv.pos = 0;
    /* Short timeouts: a silent module must not cost many fake-clock reads. */
    c->at_attempts = 2;
    c->reg_timeout_ms = 3000;
    c->backoff_min_ms = 100;
    c->backoff_max_ms = 400;
    c->user = "u";
    c->pass = "p";
    c->line_cap = 64; /* over-long lines reachable */
    if (fake_dev_start(fd) != SIM7600_OK)
        abort();

    (void)sim7600_subscribe(&fd->dev, "cmd/dev1", 1);
    int st = sim7600_connect(&fd->dev);
    if (st == SIM7600_OK) {
        (void)sim7600_publish(&fd->dev, "tele/dev1", "hello", 5, 1, false);
        (void)sim7600_publish(&fd->dev, "tele/dev1", "", 0, 0, true);
    }
    for (int k = 0; k < 6 && (drv.pos < drv.size || fake_port_pending(&fd->fp) > 0); k++)
        (void)sim7600_poll(&fd->dev, 100);
    struct sim7600_health h;
    (void)sim7600_health(&fd->dev, &h);
    (void)sim7600_disconnect(&fd->dev);
    /* FUZZ_DEBUG=1: what a seed made the driver do, for writing seeds. */
    if (getenv("FUZZ_DEBUG") != NULL) {
        fprintf(stderr, "driver: connect %s, %zu of %zu input bytes used, %d message(s), state %s\n",
                sim7600_status_name(st), drv.pos, drv.size, fd->n_msgs,
                sim7600_state_str(sim7600_get_state(&fd->dev)));
        for (int i = 0; i < fd->n_msgs; i++)
            fprintf(stderr, "driver: message %s\n", fd->msgs[i]);
        fprintf(stderr, "%s", fd->log);
    }
    FUZZ_CHECK(sim7600_outbox_count(&fd->dev) <= c->outbox_slots);
    for (int i = 0; i < fd->n_msgs; i++)
        FUZZ_CHECK(memchr(fd->msgs[i], '\0', sizeof fd->msgs[i]) != NULL);
    return 0;
}

/* ---- scenario --------------------------------------------------------------------- */

int fuzz_scenario(const uint8_t *data, size_t size)
{
    /* Not NUL-terminated on purpose: the parser is given a length. */
    char *text = malloc(size ? size : 1);
    struct scenario *sc = NULL;
    struct scn_diags diags = {0};

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    enum scn_status st = scn_parse_buffer("fuzz.scn", text, size, &sc, &diags);
    FUZZ_CHECK((st == SCN_OK) == (sc != NULL));
    FUZZ_CHECK(st != SCN_ERR_INVALID || diags.n > 0);
    if (sc != NULL) {
        /* what the compiled regexes hold together stays within what one may */
        struct regex_cost spent = {0};
        /* walk what came out: every string is NUL-terminated at its length */
        for (size_t i = 0; i < sc->n_steps; i++) {
            const struct scn_step *s = &sc->steps[i];
            if (s->text.ptr != NULL)
                FUZZ_CHECK(s->text.ptr[s->text.len] == '\0');
            if (s->pat.kind == SCN_PAT_REGEX)
                spent = regex_cost_add(spent, regex_cost(s->pat.text.ptr));
            if (s->pat.kind == SCN_PAT_EXACT || s->pat.kind == SCN_PAT_REGEX)
                (void)scn_pattern_match(&s->pat, "OK", 2);
        }
        for (size_t i = 0; i < sc->n_checks; i++) {
            if (sc->checks[i].pat.kind == SCN_PAT_REGEX)
                spent = regex_cost_add(spent, regex_cost(sc->checks[i].pat.text.ptr));
            (void)scn_pattern_match(&sc->checks[i].pat, "+CSQ: 23,0", 10);
        }
        FUZZ_CHECK(!regex_cost_over(spent));
    }
    scn_free(sc);
    scn_diags_free(&diags);
    free(text);
    return 0;
}

/* ---- log import ------------------------------------------------------------------- */

/* Whether log_import_write_scenario writes any step: every host step is a
 * send, a module step an expect per line that is not blank. */
static bool writes_a_step(const struct log_import *li)
{
    for (size_t i = 0; i < li->count; i++) {
        const struct log_step *st = &li->steps[i];
        if (st->dir == '>')
            return true;
        for (size_t k = 0; k < st->len; k++)
            if (st->data[k] != '\r' && st->data[k] != '\n')
                return true;
    }
    return false;
}

static void import_and_round_trip(const char *text, enum log_format format)
{
    struct log_import_options opt = {.format = format};
    struct log_import li;
    struct strbuf out = {0};

    memset(&li, 0, sizeof li);
    if (log_import_text("fuzz.log", text, &opt, &li) == 0) {
        /* What the importer writes must be readable by its two consumers. */
        char err[256];
        log_import_write_capture(&li, "fuzz.log", &out);
        struct replay *r = replay_load_buffer("imported.cap", sb_str(&out), 1.0, err, sizeof err);
        if (r == NULL)
            fprintf(stderr, "fuzz: capture not replayable: %s\n", err);
        FUZZ_CHECK(r != NULL);
        replay_free(r);

        /* A log with nothing but blank module lines makes a scenario with
         * no steps, which the parser rightly refuses; any other must parse. */
        sb_reset(&out);
        if (!writes_a_step(&li))
            goto done;
        log_import_write_scenario(&li, "fuzz.log", "fuzz", &out);
        struct scenario *sc = NULL;
        struct scn_diags diags = {0};
        const char *scn = sb_str(&out);
        if (scn_parse_buffer("imported.scn", scn, strlen(scn), &sc, &diags) != SCN_OK)
            scn_diags_print(&diags, stderr);
        FUZZ_CHECK(sc != NULL);
        scn_free(sc);
        scn_diags_free(&diags);
    }
done:
    log_import_free(&li);
    sb_free(&out);
}

int fuzz_log_import(const uint8_t *data, size_t size)
{
    /* The importer reads a C string (a file with a NUL in it ends there). */
    char *text = malloc(size + 1);

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (int f = LOG_AUTO; f <= LOG_SOCAT; f++)
        import_and_round_trip(text, (enum log_format)f);
    free(text);
    return 0;
}

/* ---- the table -------------------------------------------------------------------- */

const struct fuzz_target fuzz_targets[] = {
    {"at_cmdline", fuzz_at_cmdline}, {"sim", fuzz_sim},           {"at_engine", fuzz_at_engine},
    {"driver", fuzz_driver},         {"scenario", fuzz_scenario}, {"log_import", fuzz_log_import},
    {"control", fuzz_control},
};
const size_t fuzz_n_targets = sizeof fuzz_targets / sizeof fuzz_targets[0];
