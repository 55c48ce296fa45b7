#include "log_import.h"

#include "alloc.h"

#include "capture.h"
#include "log_lines.h"
#include "log_text.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_NUL_SHOWN 20   /* lines with NUL bytes listed one by one; the rest counted */

static const char *const format_names[] = {"auto", "capture", "prefixed", "plain", "socat"};

const char *log_format_str(enum log_format f)
{
    return (unsigned)f < sizeof format_names / sizeof format_names[0] ? format_names[f] : "?";
}

int log_format_parse(const char *s, enum log_format *f)
{
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
        if (strcmp(s, format_names[i]) == 0) {
            *f = (enum log_format)i;
            return 0;
        }
    }
    return -1;
}

/* ---- the step list (log_import_text) ------------------------------------------------ */

static void add_step(struct log_import *li, const struct log_step *s)
{
    li->steps = grow_array(li->steps, &li->cap, li->count + 1, sizeof *li->steps);
    li->steps[li->count++] = (struct log_step){s->dir, s->t, s->line, xmemdup(s->data, s->len), s->len};
}

void log_import_free(struct log_import *li)
{
    for (size_t i = 0; i < li->count; i++)
        free(li->steps[i].data);
    free(li->steps);
    sb_free(&li->problems);
    memset(li, 0, sizeof *li);
}

/* ---- reading: a line at a time, steps handed to a sink -------------------------------- */

struct reader {
    const char *name;
    enum log_format format;
    char tx_prefix[16], rx_prefix[16];
    const struct log_sink *sink;
    const bool *stop;         /* when set: read no further */
    int unplaced;
    bool after_prompt;        /* the last step was the module's '>' prompt */
    struct strbuf step;       /* the step being framed */
    uint8_t *bytes;           /* a capture line's decoded bytes */
    size_t bytes_cap;
    /* socat: the block being read */
    bool in_block;
    char block_dir;
    double block_t;
    long block_length;        /* what its header says */
    int block_line;
    size_t block_seen;        /* its bytes, those beyond what is kept included */
    struct strbuf block;
};

static void reader_init(struct reader *r, const char *name, enum log_format format, const struct log_detect *d,
                        const struct log_import_options *opt)
{
    memset(r, 0, sizeof *r);
    r->name = name;
    r->format = format;
    bool given = opt->tx_prefix && opt->rx_prefix;
    const char *tx, *rx;
    log_detected_prefixes(d, &tx, &rx);
    snprintf(r->tx_prefix, sizeof r->tx_prefix, "%s", given ? opt->tx_prefix : tx);
    snprintf(r->rx_prefix, sizeof r->rx_prefix, "%s", given ? opt->rx_prefix : rx);
}

/* A fresh pass over the lines, into `sink`. */
static void reader_restart(struct reader *r, const struct log_sink *sink, const bool *stop)
{
    r->sink = sink;
    r->stop = stop;
    r->unplaced = 0;
    r->after_prompt = r->in_block = false;
    sb_reset(&r->block);
}

static void reader_free(struct reader *r)
{
    sb_free(&r->step);
    sb_free(&r->block);
    free(r->bytes);
}

/* `data` is the reader's own buffer, lent to the sink for the call. */
static void emit(struct reader *r, char dir, double t, int line, void *data, size_t len)
{
    struct log_step s = {dir, t, line, data, len};
    r->after_prompt = dir == '<' && len >= 1 && s.data[len - 1] == '>';
    if (r->sink->step)
        r->sink->step(r->sink->ctx, &s);
}

static void problem(struct reader *r, int line, const char *what, const char *text)
{
    r->unplaced++;
    if (!r->sink->problem)
        return;
    struct strbuf b = {0};
    sb_printf(&b, "%s:%d: %s: \"%.60s\"\n", r->name, line, what, text);
    r->sink->problem(r->sink->ctx, sb_str(&b));
    sb_free(&b);
}

static void read_capture(struct reader *r, int line, const char *text, size_t n)
{
    if (r->bytes_cap < n + 1) {
        free(r->bytes);
        r->bytes_cap = n + 1;
        r->bytes = xmalloc(r->bytes_cap);
    }
    double t;
    char dir;
    size_t len;
    const char *why;
    int kind = capture_parse_line(text, &t, &dir, r->bytes, &len, &why);
    if (kind < 0)
        problem(r, line, why, text);
    else if (kind == 1 && len)
        emit(r, dir, t, line, r->bytes, len);
}

/* A module line as the module frames it; its '>' prompt has no line end. */
static void add_module_line(struct reader *r, double t, int line, const char *text)
{
    sb_reset(&r->step);
    if (strcmp(text, ">") == 0 || strcmp(text, "> ") == 0)
        sb_puts(&r->step, "\r\n>");
    else
        sb_printf(&r->step, "\r\n%s\r\n", text);
    emit(r, '<', t, line, r->step.p, r->step.len);
}

/* A host line: a command ends with CR; data typed after a prompt has none. */
static void add_host_line(struct reader *r, double t, int line, const char *text, bool after_prompt)
{
    sb_reset(&r->step);
    sb_puts(&r->step, text);
    if (!after_prompt)
        sb_puts(&r->step, "\r");
    emit(r, '>', t, line, r->step.p, r->step.len);
}

static void read_prefixed(struct reader *r, int line, const char *whole)
{
    const char *p = whole, *text;
    double t = log_strip_time(&p);
    if (log_blank(p))
        return;
    if ((text = log_after_prefix(p, r->tx_prefix)))
        add_host_line(r, t, line, text, r->after_prompt);
    else if ((text = log_after_prefix(p, r->rx_prefix))) {
        if (!log_blank(text))
            add_module_line(r, t, line, text);
    } else {
        problem(r, line, "no direction prefix (expected host lines after a TX prefix and module lines after an RX prefix)", whole);
    }
}

static bool is_command(const char *s)
{
    return (s[0] == 'A' || s[0] == 'a') && (s[1] == 'T' || s[1] == 't');
}

static void read_plain(struct reader *r, int line, const char *p)
{
    double t = log_strip_time(&p);
    if (log_blank(p))
        return;
    if (is_command(p) || r->after_prompt)
        add_host_line(r, t, line, p, !is_command(p));
    else
        add_module_line(r, t, line, p);
}

/* The bytes of a block kept: what its header says, LOG_LINE_MAX at most. */
static size_t block_keep(const struct reader *r)
{
    return r->block_length >= 0 && (size_t)r->block_length < LOG_LINE_MAX ? (size_t)r->block_length : LOG_LINE_MAX;
}

static void block_add(struct reader *r, const char *p, size_t n)
{
    size_t room = block_keep(r) - r->block.len;
    sb_add(&r->block, p, n < room ? n : room);
    r->block_seen += n;
}

static void block_end(struct reader *r)
{
    if (!r->in_block)
        return;
    r->in_block = false;
    if (r->block_seen > block_keep(r) && block_keep(r) == LOG_LINE_MAX)
        problem(r, r->block_line, "a block over 1 MiB (socat -v writes far smaller ones); the rest was dropped", "");
    if (r->block.len)
        emit(r, r->block_dir, r->block_t, r->block_line, r->block.p, r->block.len);
    sb_reset(&r->block);
}

static void read_socat(struct reader *r, int line, const char *text)
{
    char dir;
    double t;
    long length;
    if (log_socat_header(text, &dir, &t, &length)) {
        block_end(r);
        r->in_block = true;
        r->block_dir = dir;
        r->block_t = t;
        r->block_length = length;
        r->block_line = line;
        r->block_seen = 0;
        return;
    }
    if (!r->in_block) {
        if (!log_blank(text))
            problem(r, line, "data outside a socat block (expected a '> DATE length=N' header)", text);
        return;
    }
    for (const char *p = text; *p; p++) {
        if (p[0] == '\\' && p[1] == 'r') {
            block_add(r, "\r", 1);
            p++;
        } else {
            block_add(r, p, 1);
        }
    }
    if ((long)r->block_seen < r->block_length)
        block_add(r, "\n", 1);   /* a block's last newline may be one socat added */
}

static void read_line(struct reader *r, const struct log_lines *l)
{
    if (l->full > LOG_LINE_MAX) {
        problem(r, l->number, "a line over 1 MiB, longer than any log line", l->line);
        return;
    }
    switch (r->format) {
    case LOG_CAPTURE: read_capture(r, l->number, l->line, l->len); break;
    case LOG_PREFIXED: read_prefixed(r, l->number, l->line); break;
    case LOG_SOCAT: read_socat(r, l->number, l->line); break;
    default: read_plain(r, l->number, l->line); break;
    }
}

static void read_lines(struct reader *r, struct log_lines *l)
{
    while (!(r->stop && *r->stop) && log_lines_next(l))
        read_line(r, l);
    block_end(r);
}

/* ---- in memory ------------------------------------------------------------------------ */

static void collect_step(void *ctx, const struct log_step *s)
{
    add_step(ctx, s);
}

static void collect_problem(void *ctx, const char *message)
{
    sb_puts(&((struct log_import *)ctx)->problems, message);
}

int log_import_text(const char *name, const char *text, const struct log_import_options *opt,
                    struct log_import *out)
{
    memset(out, 0, sizeof *out);
    struct log_lines l;
    struct log_detect d = {0};
    log_lines_text(&l, text);
    while (log_lines_next(&l))
        log_detect_line(&d, l.line);
    log_lines_free(&l);

    struct reader r;
    reader_init(&r, name, opt->format == LOG_AUTO ? log_detected(&d) : opt->format, &d, opt);
    struct log_sink sink = {NULL, collect_step, collect_problem, out};
    reader_restart(&r, &sink, NULL);
    log_lines_text(&l, text);
    read_lines(&r, &l);
    log_lines_free(&l);
    out->format = r.format;
    out->unplaced = r.unplaced;
    memcpy(out->tx_prefix, r.tx_prefix, sizeof out->tx_prefix);
    memcpy(out->rx_prefix, r.rx_prefix, sizeof out->rx_prefix);
    reader_free(&r);
    return 0;
}

/* Does any line of the step's bytes look like AT traffic? */
static bool step_is_at(const struct log_step *s)
{
    const char *p = (const char *)s->data, *end = p + s->len;
    while (p < end) {
        const char *q = p;
        while (q < end && *q != '\r' && *q != '\n')
            q++;
        if (q > p && log_line_is_at(p, (size_t)(q - p)))
            return true;
        p = q + 1;
    }
    return false;
}

static void check_step(void *ctx, const struct log_step *s)
{
    *(bool *)ctx = *(bool *)ctx || step_is_at(s);
}

/* ---- streaming ---------------------------------------------------------------------------- */

/* One pass over `in` from `start`, `total` bytes, into `sink`; -1 on a read error. */
static int read_pass(struct reader *r, FILE *in, off_t start, size_t total, const struct log_sink *sink,
                     const bool *stop)
{
    struct log_lines l;
    if (fseeko(in, start, SEEK_SET) < 0)
        return -1;
    log_lines_file(&l, in, total);
    reader_restart(r, sink, stop);
    read_lines(r, &l);
    log_lines_free(&l);
    return ferror(in) ? -1 : 0;
}

static void report_nul_lines(const char *name, const int *shown, int count, const struct log_sink *sink)
{
    struct strbuf b = {0};
    for (int i = 0; i < count && i < LOG_NUL_SHOWN; i++)
        sb_printf(&b, "%s:%d: a NUL byte; a text log has none (binary data?)\n", name, shown[i]);
    if (count > LOG_NUL_SHOWN)
        sb_printf(&b, "%s: %d more line(s) with NUL bytes\n", name, count - LOG_NUL_SHOWN);
    if (sink->problem)
        sink->problem(sink->ctx, sb_str(&b));
    sb_free(&b);
}

enum log_import_status log_import_stream(FILE *in, const char *name, size_t limit,
                                         const struct log_import_options *opt, const struct log_sink *sink,
                                         struct log_import_result *res)
{
    memset(res, 0, sizeof *res);
    off_t start = ftello(in);
    struct log_lines l;
    if (start < 0)
        return LOG_IMPORT_UNREADABLE;
    log_lines_file(&l, in, limit + 1);   /* one byte more tells a file over the limit */
    struct log_detect d = {0};
    int nul_shown[LOG_NUL_SHOWN];
    while (log_lines_next(&l)) {
        if (!l.nul)
            log_detect_line(&d, l.line);
        else if (res->nul_lines++ < LOG_NUL_SHOWN)
            nul_shown[res->nul_lines - 1] = l.number;
    }
    size_t total = l.total;
    log_lines_free(&l);
    if (ferror(in))
        return LOG_IMPORT_UNREADABLE;
    if (total > limit)
        return LOG_IMPORT_TOO_BIG;
    res->format = opt->format == LOG_AUTO ? log_detected(&d) : opt->format;
    if (res->nul_lines) {
        report_nul_lines(name, nul_shown, res->nul_lines, sink);
        return LOG_IMPORT_BINARY;
    }

    struct reader r;
    reader_init(&r, name, res->format, &d, opt);
    bool at = false;
    struct log_sink check = {NULL, check_step, NULL, &at};
    enum log_import_status st = LOG_IMPORT_OK;
    if (read_pass(&r, in, start, total, &check, &at) < 0)   /* stops at the first AT line */
        st = LOG_IMPORT_UNREADABLE;
    else if (!at)
        st = LOG_IMPORT_NOT_AT;
    if (st == LOG_IMPORT_OK && sink->begin)
        sink->begin(sink->ctx, r.format);
    if (st == LOG_IMPORT_OK && read_pass(&r, in, start, total, sink, NULL) < 0)
        st = LOG_IMPORT_UNREADABLE;
    res->unplaced = r.unplaced;
    reader_free(&r);
    return st;
}
