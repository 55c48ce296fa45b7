/* Reading a fidelity log: its `#!` directives (the start state), then the AT
 * exchange through the project's own importer (sim7600-hil import reads the
 * same files), grouped into exchanges. Comment lines are blanked before the
 * import so that line numbers stay those of the file. */
#include "fidelity.h"

#include "alloc.h"
#include "log_import.h"
#include "log_text.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FID_LOG_MAX ((size_t)4 << 20)   /* far beyond a published capture */
#define DIRECTIVE "#!"

/* ---- directives ------------------------------------------------------------------------- */

struct directive {
    const char *key;
    int (*apply)(struct fid_setup *su, const char *value);   /* 0, or -1: the value is wrong */
    const char *values;                                      /* what is allowed, for the message */
};

static int word_index(const char *value, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(value, words[i]) == 0)
            return (int)i;
    return -1;
}

static int number_in(const char *value, int lo, int hi)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    return errno || end == value || *end || v < lo || v > hi ? -1 : (int)v;
}

static int set_start(struct fid_setup *su, const char *value)
{
    static const char *const words[] = {"cold", "poweron", "warm"};
    static const enum fid_start starts[] = {FID_START_COLD, FID_START_POWERON, FID_START_WARM};
    int i = word_index(value, words, sizeof words / sizeof words[0]);
    if (i >= 0)
        su->start = starts[i];
    return i < 0 ? -1 : 0;
}

static int set_sim(struct fid_setup *su, const char *value)
{
    static const char *const words[] = {"absent", "present"};
    int i = word_index(value, words, sizeof words / sizeof words[0]);
    su->sim_present = i == 1;
    return i < 0 ? -1 : 0;
}

static int set_echo(struct fid_setup *su, const char *value)
{
    static const char *const words[] = {"off", "on"};
    return (su->echo = word_index(value, words, sizeof words / sizeof words[0])) < 0 ? -1 : 0;
}

#define STAT_MAX 5     /* 27.007 registration states 0-5 */
#define RSSI_MAX 31
#define RSSI_UNKNOWN 99
#define CMEE_MAX 2

static int set_reg(struct fid_setup *su, const char *value)
{
    return (su->reg = number_in(value, 0, STAT_MAX)) < 0 ? -1 : 0;
}

static int set_rssi(struct fid_setup *su, const char *value)
{
    su->rssi = number_in(value, 0, RSSI_UNKNOWN);
    return su->rssi < 0 || (su->rssi > RSSI_MAX && su->rssi != RSSI_UNKNOWN) ? -1 : 0;
}

static int set_cmee(struct fid_setup *su, const char *value)
{
    return (su->cmee = number_in(value, 0, CMEE_MAX)) < 0 ? -1 : 0;
}

static int set_model(struct fid_setup *su, const char *value)
{
    snprintf(su->model, sizeof su->model, "%s", value);
    return *value ? 0 : -1;
}

static int set_latency(struct fid_setup *su, const char *value)
{
    static const char *const words[] = {"fast", "realistic"};
    return (su->realistic = word_index(value, words, sizeof words / sizeof words[0])) < 0 ? -1 : 0;
}

/* A file the module's store held before the log (uploaded in an earlier
 * session, findings §27: the store survives a reboot); may be given again. */
static int add_store(struct fid_setup *su, const char *value)
{
    if (!*value || strlen(value) >= FID_STORE_NAME_MAX || su->n_store >= FID_STORE_MAX)
        return -1;
    snprintf(su->store[su->n_store++], FID_STORE_NAME_MAX, "%s", value);
    return 0;
}

/* The server's side of the log's TLS handshakes (the control socket's tls-fail). */
static int set_tls_fail(struct fid_setup *su, const char *value)
{
    static const char *const words[] = {"handshake", "untrusted", "expired", "rejected"};
    if (word_index(value, words, sizeof words / sizeof words[0]) < 0)
        return -1;
    snprintf(su->tls_fail, sizeof su->tls_fail, "%s", value);
    return 0;
}

/* The UART's rate the capture ran at (CONNECT <rate> says it): the model paces its output so. */
#define BAUD_MIN 300
#define BAUD_MAX 4000000
static int set_baud(struct fid_setup *su, const char *value)
{
    return (su->baud = number_in(value, BAUD_MIN, BAUD_MAX)) < 0 ? -1 : 0;
}

/* What is behind the module's sockets: `accept`, every connection opens (fid_model.c). */
static int set_net(struct fid_setup *su, const char *value)
{
    su->net_accept = strcmp(value, "accept") == 0;
    return su->net_accept ? 0 : -1;
}

_Static_assert(FID_STORE_MAX == 8, "the store directive's message says 8 files");

static const struct directive directives[] = {
    {"start", set_start, "cold, poweron or warm"},
    {"latency", set_latency, "fast or realistic"},
    {"sim", set_sim, "present or absent"},
    {"reg", set_reg, "a registration state 0-5"},
    {"rssi", set_rssi, "0-31 or 99"},
    {"echo", set_echo, "on or off"},
    {"cmee", set_cmee, "0, 1 or 2"},
    {"model", set_model, "a module variant, e.g. SIM7600G-H"},
    {"store", add_store, "a file name of up to 128 bytes, at most 8 per log"},
    {"tls-fail", set_tls_fail, "handshake, untrusted, expired or rejected"},
    {"baud", set_baud, "a rate of 300-4000000"},
    {"net", set_net, "accept"},
};

/* "#! key value": 0, or -1 with the reason in err. */
static int read_directive(const char *name, int line, char *text, struct fid_setup *su, struct strbuf *err)
{
    char *key = text + strlen(DIRECTIVE);
    while (*key == ' ')
        key++;
    char *value = key + strcspn(key, " \t");
    if (*value)
        *value++ = '\0';
    while (*value == ' ' || *value == '\t')
        value++;
    value[strcspn(value, " \t\r")] = '\0';
    for (size_t i = 0; i < sizeof directives / sizeof directives[0]; i++) {
        if (strcmp(key, directives[i].key) != 0)
            continue;
        if (directives[i].apply(su, value) == 0)
            return 0;
        sb_printf(err, "%s:%d: #! %s \"%s\": expected %s\n", name, line, key, value, directives[i].values);
        return -1;
    }
    sb_printf(err, "%s:%d: unknown directive \"#! %s\"; the directives are start, latency, sim, reg, rssi, echo, cmee, "
                   "model, store, tls-fail, baud, net, incomplete, escape (tests/fidelity/README.md)\n", name, line, key);
    return -1;
}

static void setup_defaults(struct fid_setup *su)
{
    memset(su, 0, sizeof *su);
    su->start = FID_START_COLD;
    su->sim_present = true;
    su->reg = su->rssi = su->echo = su->cmee = -1;
}

#define INCOMPLETE DIRECTIVE " incomplete"   /* the next exchange lost part of its answer in publication */
#define ESCAPE DIRECTIVE " escape"           /* the host escaped from a data mode here */
#define CAPTURE_HEADER "# sim7600-hil capture"   /* the capture format's first line: the importer needs it */

/* "#! incomplete" marks the exchange after it; 0, or -1 when there are too many. */
static int mark_incomplete(const char *name, int line, struct fid_log *log, struct strbuf *err)
{
    if (log->n_incomplete < FID_MARKS_MAX) {
        log->incomplete[log->n_incomplete++] = line;
        return 0;
    }
    sb_printf(err, "%s:%d: more than %d \"#! incomplete\" marks; a capture that damaged is not evidence, "
                   "leave it out\n", name, line, FID_MARKS_MAX);
    return -1;
}

/* "#! escape" is an exchange of its own at its line: "+++" the host sent
 * between guard times (a monitor shows it as data, not as a command). */
static int mark_escape(const char *name, int line, struct fid_log *log, struct strbuf *err)
{
    if (log->n_escape < FID_MARKS_MAX) {
        log->escape[log->n_escape++] = line;
        return 0;
    }
    sb_printf(err, "%s:%d: more than %d \"#! escape\" marks; split the capture\n", name, line, FID_MARKS_MAX);
    return -1;
}

/* A positional mark: the whole line is the directive. */
static bool is_mark(const char *line, const char *mark)
{
    return strncmp(line, mark, strlen(mark)) == 0 && log_blank(line + strlen(mark));
}

/* Reads the directives and blanks every comment line in `text` (kept as an
 * empty line, so the importer's line numbers are the file's), except a
 * capture's header, by which the importer knows the format. */
static int read_header(const char *name, char *text, struct fid_log *log, struct strbuf *err)
{
    struct fid_setup *su = &log->setup;
    int line = 1, bad = 0;
    for (char *p = text; *p; line++) {
        char *end = p + strcspn(p, "\n");
        if (*p == '#' && strncmp(p, CAPTURE_HEADER, strlen(CAPTURE_HEADER)) != 0) {
            char copy[FID_TEXT_MAX];
            snprintf(copy, sizeof copy, "%.*s", (int)(end - p), p);
            if (is_mark(copy, INCOMPLETE))
                bad |= mark_incomplete(name, line, log, err);
            else if (is_mark(copy, ESCAPE))
                bad |= mark_escape(name, line, log, err);
            else if (strncmp(copy, DIRECTIVE, strlen(DIRECTIVE)) == 0)
                bad |= read_directive(name, line, copy, su, err);
            memset(p, ' ', (size_t)(end - p));   /* a blank line: the importer skips it */
        }
        p = *end ? end + 1 : end;
    }
    return bad ? -1 : 0;
}

/* ---- exchanges ---------------------------------------------------------------------------- */

struct grouper {
    struct fid_log *log;
    size_t cap;
    struct strbuf pending;     /* module bytes of a line not yet ended */
    int escapes_placed;        /* the `#! escape` marks made exchanges so far */
};

static struct fid_exchange *add_exchange(struct grouper *g, enum fid_kind kind, int line, double t)
{
    struct fid_log *log = g->log;
    log->x = grow_array(log->x, &g->cap, log->n + 1, sizeof *log->x);
    struct fid_exchange *x = &log->x[log->n++];
    memset(x, 0, sizeof *x);
    x->kind = kind;
    x->line = line;
    x->t = t;
    return x;
}

static struct fid_exchange *current(struct grouper *g)
{
    return g->log->n ? &g->log->x[g->log->n - 1] : NULL;
}

/* The current exchange has shown its prompt ('>', DOWNLOAD) and no result yet: host bytes are data. */
static bool awaits_data(const struct fid_exchange *x)
{
    return x && x->kind == FID_COMMAND && !x->module.final[0] && x->module.n_info &&
           fid_is_prompt(x->module.info[x->module.n_info - 1]);
}

static void module_line(struct grouper *g, int line, const char *text)
{
    struct fid_exchange *x = current(g);
    if (!x)
        x = add_exchange(g, FID_BOOT, line, -1);
    /* the echo of the command: the log shows the command once when the host echoes nothing */
    if (x->kind == FID_COMMAND && !x->module.n_info && !x->module.final[0] && strcmp(text, x->command) == 0)
        return;
    /* after DOWNLOAD a terminal shows what was typed on a line of its own (the importer
     * takes only a line after '>' for the host's): it is the data, up to the result */
    if (awaits_data(x) && !fid_is_final(text) && strcmp(x->module.info[x->module.n_info - 1], ">") != 0) {
        sb_puts(&x->data, text);
        return;
    }
    fid_answer_add(&x->module, x->command, text);
}

static void module_bytes(struct grouper *g, int line, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r' || p[i] == '\n') {
            if (g->pending.len)
                module_line(g, line, sb_str(&g->pending));
            sb_reset(&g->pending);
        } else {
            sb_add(&g->pending, p + i, 1);
        }
    }
    /* the prompt has no line end */
    if (strcmp(sb_str(&g->pending), ">") == 0 || strcmp(sb_str(&g->pending), "> ") == 0) {
        module_line(g, line, ">");
        sb_reset(&g->pending);
    }
}

static void host_bytes(struct grouper *g, int line, double t, const char *p, size_t n)
{
    struct fid_exchange *x = current(g);
    if (awaits_data(x)) {
        sb_add(&x->data, p, n);
        return;
    }
    const char *end = p + n;
    while (p < end) {
        const char *q = p;
        while (q < end && *q != '\r')
            q++;
        const char *s = p;
        while (s < q && *s == '\n')
            s++;
        if (q > s) {
            x = add_exchange(g, FID_COMMAND, line, t);
            snprintf(x->command, sizeof x->command, "%.*s", (int)(q - s), s);
        }
        p = q + 1;
    }
}

/* The `#! escape` marks before `line` open their exchanges, in order. */
static void place_escapes(struct grouper *g, int line)
{
    const struct fid_log *log = g->log;
    while (g->escapes_placed < log->n_escape && log->escape[g->escapes_placed] < line) {
        if (g->pending.len)
            module_line(g, line, sb_str(&g->pending));
        sb_reset(&g->pending);
        struct fid_exchange *x = add_exchange(g, FID_ESCAPE, log->escape[g->escapes_placed++], -1);
        snprintf(x->command, sizeof x->command, "%s", FID_ESCAPE_TEXT);
    }
}

static void group(struct fid_log *log, const struct log_import *li)
{
    struct grouper g = {log, 0, {0}, 0};
    for (size_t i = 0; i < li->count; i++) {
        const struct log_step *s = &li->steps[i];
        place_escapes(&g, s->line);
        if (s->dir == '>') {
            if (g.pending.len)
                module_line(&g, s->line, sb_str(&g.pending));
            sb_reset(&g.pending);
            host_bytes(&g, s->line, s->t, (const char *)s->data, s->len);
        } else {
            module_bytes(&g, s->line, (const char *)s->data, s->len);
        }
    }
    if (g.pending.len)
        module_line(&g, 0, sb_str(&g.pending));
    place_escapes(&g, INT32_MAX);   /* one at the end opens an exchange with no answer */
    sb_free(&g.pending);
}

/* Each `#! incomplete` marks the first exchange after it. */
static int apply_marks(const char *name, struct fid_log *log, struct strbuf *err)
{
    for (int m = 0; m < log->n_incomplete; m++) {
        size_t i = 0;
        while (i < log->n && log->x[i].line <= log->incomplete[m])
            i++;
        if (i == log->n) {
            sb_printf(err, "%s:%d: \"#! incomplete\" marks no exchange; put it right before the exchange "
                           "the publication damaged\n", name, log->incomplete[m]);
            return -1;
        }
        log->x[i].incomplete = true;
    }
    return 0;
}

int fid_log_parse(const char *name, const char *text, struct fid_log *log, struct strbuf *err)
{
    memset(log, 0, sizeof *log);
    const char *base = strrchr(name, '/');
    snprintf(log->name, sizeof log->name, "%s", base ? base + 1 : name);
    snprintf(log->path, sizeof log->path, "%s", name);
    setup_defaults(&log->setup);
    char *copy = xstrdup(text);
    int rc = read_header(name, copy, log, err);
    struct log_import li;
    struct log_import_options opt = {LOG_AUTO, NULL, NULL};
    if (rc == 0) {
        log_import_text(name, copy, &opt, &li);
        if (li.unplaced) {
            sb_printf(err, "%s", sb_str(&li.problems));
            rc = -1;
        } else {
            group(log, &li);
        }
        log_import_free(&li);
    }
    free(copy);
    if (rc == 0)
        rc = apply_marks(name, log, err);
    if (rc == 0 && log->n == 0) {
        sb_printf(err, "%s: no AT exchange in this log; keep the commands and the module's answers\n", name);
        rc = -1;
    }
    return rc;
}

int fid_log_read(const char *path, struct fid_log *log, struct strbuf *err)
{
    memset(log, 0, sizeof *log);
    FILE *f = fopen(path, "rb");
    if (!f) {
        sb_printf(err, "%s: cannot open: %s; check the path\n", path, strerror(errno));
        return -1;
    }
    struct strbuf text = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && text.len <= FID_LOG_MAX)
        sb_add(&text, buf, n);
    bool failed = ferror(f);
    fclose(f);
    int rc = -1;
    if (failed)
        sb_printf(err, "%s: read error; check the file\n", path);
    else if (text.len > FID_LOG_MAX)
        sb_printf(err, "%s: over %zu bytes, not a published capture; keep only the AT exchange\n", path,
                  FID_LOG_MAX);
    else
        rc = fid_log_parse(path, sb_str(&text), log, err);
    sb_free(&text);
    return rc;
}

void fid_log_free(struct fid_log *log)
{
    for (size_t i = 0; i < log->n; i++)
        sb_free(&log->x[i].data);
    free(log->x);
    memset(log, 0, sizeof *log);
}
