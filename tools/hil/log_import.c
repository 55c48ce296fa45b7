#include "log_import.h"

#include "capture.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The direction prefixes serial monitors commonly use; the first pair that
 * places the most lines wins (a log may also name its own with --tx/--rx). */
static const struct { const char *tx, *rx; } prefix_pairs[] = {
    {"-->", "<--"}, {">>", "<<"}, {"TX:", "RX:"}, {"SENT:", "RECV:"}, {">", "<"},
};
#define N_PAIRS (sizeof prefix_pairs / sizeof prefix_pairs[0])

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

/* ---- the step list -------------------------------------------------------------- */

static void add_step(struct log_import *li, char dir, double t, int line, const void *data, size_t len)
{
    if (li->count == li->cap) {
        li->cap = li->cap ? li->cap * 2 : 64;
        li->steps = realloc(li->steps, li->cap * sizeof *li->steps);
        if (!li->steps)
            abort();
    }
    uint8_t *copy = malloc(len + 1);
    if (!copy)
        abort();
    memcpy(copy, data, len);
    li->steps[li->count++] = (struct log_step){dir, t, line, copy, len};
}

static void problem(struct log_import *li, const char *name, int line, const char *what, const char *text)
{
    li->unplaced++;
    sb_printf(&li->problems, "%s:%d: %s: \"%.60s\"\n", name, line, what, text);
}

void log_import_free(struct log_import *li)
{
    for (size_t i = 0; i < li->count; i++)
        free(li->steps[i].data);
    free(li->steps);
    sb_free(&li->problems);
    memset(li, 0, sizeof *li);
}

/* ---- lines -------------------------------------------------------------------------- */

struct lines {
    char *text;     /* a copy, split in place */
    char **v;
    int count;
};

static void split_lines(const char *text, struct lines *l)
{
    l->text = strdup(text);
    l->count = 0;
    size_t cap = 16;
    l->v = malloc(cap * sizeof *l->v);
    for (char *p = l->text; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        size_t n = strlen(p);
        if (n && p[n - 1] == '\r')
            p[n - 1] = '\0';            /* a log saved with CR LF line ends */
        if ((size_t)l->count == cap)
            l->v = realloc(l->v, (cap *= 2) * sizeof *l->v);
        l->v[l->count++] = p;
        p = nl ? nl + 1 : NULL;
    }
}

static void free_lines(struct lines *l)
{
    free(l->text);
    free(l->v);
}

static bool blank(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == '\0';
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A leading "[12:00:01.123]" or "12:00:01.123 " or "1234.5 " is a time; returns seconds or -1. */
static double strip_time(const char **p)
{
    const char *s = *p;
    bool bracket = *s == '[';
    s += bracket;
    if (!isdigit((unsigned char)*s))
        return -1;
    double t = 0, part = 0;
    while (isdigit((unsigned char)*s) || *s == ':' || *s == '.') {
        if (*s == ':') {
            t = (t + part) * 60;
            part = 0;
            s++;
        } else {
            char *end;
            part = strtod(s, &end);
            if (end == s)
                return -1; /* a '.' strtod cannot read ("1:.") would never be passed */
            s = end;
        }
    }
    if (bracket && *s != ']')
        return -1;
    s += bracket;
    if (*s != ' ' && *s != '\t')
        return -1;
    while (*s == ' ' || *s == '\t')
        s++;
    *p = s;
    return t + part;
}

/* ---- formats -------------------------------------------------------------------------- */

static void read_capture(const char *name, struct lines *l, struct log_import *li)
{
    for (int i = 0; i < l->count; i++) {
        size_t cap = strlen(l->v[i]) + 1;
        uint8_t *buf = malloc(cap);
        double t;
        char dir;
        size_t len;
        const char *why;
        int kind = capture_parse_line(l->v[i], &t, &dir, buf, &len, &why);
        if (kind < 0)
            problem(li, name, i + 1, why, l->v[i]);
        else if (kind == 1 && len)
            add_step(li, dir, t, i + 1, buf, len);
        free(buf);
    }
}

/* A module line as the module frames it; its '>' prompt has no line end. */
static void add_module_line(struct log_import *li, double t, int line, const char *text)
{
    struct strbuf b = {0};
    if (strcmp(text, ">") == 0 || strcmp(text, "> ") == 0)
        sb_puts(&b, "\r\n>");
    else
        sb_printf(&b, "\r\n%s\r\n", text);
    add_step(li, '<', t, line, b.p, b.len);
    sb_free(&b);
}

/* A host line: a command ends with CR; data typed after a prompt has none. */
static void add_host_line(struct log_import *li, double t, int line, const char *text, bool after_prompt)
{
    struct strbuf b = {0};
    sb_puts(&b, text);
    if (!after_prompt)
        sb_puts(&b, "\r");
    add_step(li, '>', t, line, b.p, b.len);
    sb_free(&b);
}

static bool last_was_prompt(const struct log_import *li)
{
    if (!li->count)
        return false;
    const struct log_step *s = &li->steps[li->count - 1];
    return s->dir == '<' && s->len >= 1 && s->data[s->len - 1] == '>';
}

static const char *after_prefix(const char *s, const char *prefix)
{
    if (!starts_with(s, prefix))
        return NULL;
    s += strlen(prefix);
    if (*s == ' ')
        s++;
    return s;
}

static int count_placed(struct lines *l, const char *tx, const char *rx)
{
    int n = 0;
    for (int i = 0; i < l->count; i++) {
        const char *p = l->v[i];
        strip_time(&p);
        n += after_prefix(p, tx) || after_prefix(p, rx);
    }
    return n;
}

static void choose_prefixes(struct lines *l, const struct log_import_options *opt, struct log_import *li)
{
    if (opt->tx_prefix && opt->rx_prefix) {
        snprintf(li->tx_prefix, sizeof li->tx_prefix, "%s", opt->tx_prefix);
        snprintf(li->rx_prefix, sizeof li->rx_prefix, "%s", opt->rx_prefix);
        return;
    }
    int best = -1;
    for (size_t i = 0; i < N_PAIRS; i++) {
        int n = count_placed(l, prefix_pairs[i].tx, prefix_pairs[i].rx);
        if (n > best) {
            best = n;
            snprintf(li->tx_prefix, sizeof li->tx_prefix, "%s", prefix_pairs[i].tx);
            snprintf(li->rx_prefix, sizeof li->rx_prefix, "%s", prefix_pairs[i].rx);
        }
    }
}

static void read_prefixed(const char *name, struct lines *l, const struct log_import_options *opt,
                          struct log_import *li)
{
    choose_prefixes(l, opt, li);
    for (int i = 0; i < l->count; i++) {
        const char *p = l->v[i], *text;
        double t = strip_time(&p);
        if (blank(p))
            continue;
        if ((text = after_prefix(p, li->tx_prefix)))
            add_host_line(li, t, i + 1, text, last_was_prompt(li));
        else if ((text = after_prefix(p, li->rx_prefix))) {
            if (!blank(text))
                add_module_line(li, t, i + 1, text);
        } else {
            problem(li, name, i + 1, "no direction prefix (expected host lines after a TX prefix and module lines after an RX prefix)", l->v[i]);
        }
    }
}

static bool is_command(const char *s)
{
    return (s[0] == 'A' || s[0] == 'a') && (s[1] == 'T' || s[1] == 't');
}

static void read_plain(struct lines *l, struct log_import *li)
{
    for (int i = 0; i < l->count; i++) {
        const char *p = l->v[i];
        double t = strip_time(&p);
        if (blank(p))
            continue;
        if (is_command(p) || last_was_prompt(li))
            add_host_line(li, t, i + 1, p, !is_command(p));
        else
            add_module_line(li, t, i + 1, p);
    }
}

/* socat -v: "> 2024/01/01 12:00:00.000000  length=9 from=0 to=8" then the
 * data, CR shown as "\r" and each LF as the end of a printed line. */
static bool socat_header(const char *s, char *dir, double *t, long *length)
{
    int h, m;
    double sec;
    if ((s[0] != '>' && s[0] != '<') || s[1] != ' ')
        return false;
    const char *len = strstr(s, "length=");
    if (!len)
        return false;
    *dir = s[0];
    *length = strtol(len + 7, NULL, 10);
    *t = sscanf(s + 2, "%*d/%*d/%*d %d:%d:%lf", &h, &m, &sec) == 3 ? h * 3600.0 + m * 60 + sec : -1;
    return true;
}

static void read_socat(const char *name, struct lines *l, struct log_import *li)
{
    for (int i = 0; i < l->count;) {
        char dir;
        double t;
        long length;
        if (!socat_header(l->v[i], &dir, &t, &length)) {
            if (!blank(l->v[i]))
                problem(li, name, i + 1, "data outside a socat block (expected a '> DATE length=N' header)", l->v[i]);
            i++;
            continue;
        }
        int header = i++;
        struct strbuf raw = {0};
        for (; i < l->count && !socat_header(l->v[i], &dir, &(double){0}, &(long){0}); i++) {
            const char *p = l->v[i];
            for (; *p; p++) {
                if (p[0] == '\\' && p[1] == 'r') {
                    sb_add(&raw, "\r", 1);
                    p++;
                } else {
                    sb_add(&raw, p, 1);
                }
            }
            if ((long)raw.len < length)
                sb_add(&raw, "\n", 1);
        }
        socat_header(l->v[header], &dir, &t, &length);
        if (raw.len > (size_t)length)
            raw.len = (size_t)length;   /* the printed block may end with a newline socat added */
        if (raw.len)
            add_step(li, dir, t, header + 1, raw.p, raw.len);
        sb_free(&raw);
    }
}

static enum log_format detect(struct lines *l)
{
    for (int i = 0; i < l->count; i++) {
        const char *s = l->v[i];
        if (starts_with(s, "# sim7600-hil capture"))
            return LOG_CAPTURE;
        char dir;
        double t;
        long len;
        if (socat_header(s, &dir, &t, &len))
            return LOG_SOCAT;
    }
    int best = 0;
    for (size_t i = 0; i < N_PAIRS; i++) {
        int n = count_placed(l, prefix_pairs[i].tx, prefix_pairs[i].rx);
        best = n > best ? n : best;
    }
    int nonblank = 0;
    for (int i = 0; i < l->count; i++)
        nonblank += !blank(l->v[i]);
    /* most lines carry a direction prefix: a serial-monitor log */
    return best * 2 > nonblank ? LOG_PREFIXED : LOG_PLAIN;
}

int log_import_text(const char *name, const char *text, const struct log_import_options *opt,
                    struct log_import *out)
{
    memset(out, 0, sizeof *out);
    struct lines l;
    split_lines(text, &l);
    out->format = opt->format == LOG_AUTO ? detect(&l) : opt->format;
    switch (out->format) {
    case LOG_CAPTURE: read_capture(name, &l, out); break;
    case LOG_PREFIXED: read_prefixed(name, &l, opt, out); break;
    case LOG_SOCAT: read_socat(name, &l, out); break;
    default: read_plain(&l, out); break;
    }
    free_lines(&l);
    return 0;
}

/* ---- writing ------------------------------------------------------------------------- */

void log_import_write_capture(const struct log_import *li, const char *source, struct strbuf *out)
{
    /* Times count from the log's first time and never go back: a log's clock
     * can (midnight in a time-of-day log, a wrong socat header), and the
     * capture format has no negative times, so such a line would not load. */
    double base = -1, last = 0;
    sb_printf(out, "# sim7600-hil capture v1: imported from %s (%s)\n", source, log_format_str(li->format));
    for (size_t i = 0; i < li->count; i++) {
        const struct log_step *s = &li->steps[i];
        if (s->t >= 0 && isfinite(s->t)) {
            if (base < 0)
                base = s->t;
            last = s->t - base > last ? s->t - base : last;
            sb_printf(out, "%.6f ", last);
        }
        sb_printf(out, "%c ", s->dir);
        sb_c_escape(out, s->data, s->len);
        sb_puts(out, "\n");
    }
}

static void quoted(struct strbuf *out, const void *data, size_t n)
{
    sb_puts(out, "\"");
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"')
            sb_puts(out, "\\\"");
        else
            sb_c_escape(out, &p[i], 1);
    }
    sb_puts(out, "\"");
}

/* Host bytes: a command line ending in CR is a send; anything else goes raw. */
static void write_host(const struct log_step *s, struct strbuf *out)
{
    bool line = s->len > 1 && s->data[s->len - 1] == '\r' && !memchr(s->data, '\r', s->len - 1);
    sb_puts(out, line ? "send " : "send-raw ");
    quoted(out, s->data, line ? s->len - 1 : s->len);
    sb_printf(out, "        # log line %d\n", s->line);
}

/* Module bytes: one expectation per non-empty line; a prompt is expect-prompt. */
static void write_module(const struct log_step *s, struct strbuf *out)
{
    const char *p = (const char *)s->data, *end = p + s->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        size_t n = (size_t)(stop - p);
        while (n && (p[n - 1] == '\r'))
            n--;
        if (n == 1 && p[0] == '>')
            sb_printf(out, "expect-prompt\n");
        else if (n) {
            sb_puts(out, "expect ");
            quoted(out, p, n);
            sb_puts(out, "\n");
        }
        p = nl ? nl + 1 : end;
    }
}

void log_import_write_scenario(const struct log_import *li, const char *source, const char *name,
                               struct strbuf *out)
{
    sb_printf(out, "# Imported from %s (%s log) by sim7600-hil import: the host's lines are\n"
                   "# sent as they were, the module's lines are expected in order.\n",
              source, log_format_str(li->format));
    sb_puts(out, "scenario ");
    quoted(out, name, strlen(name));
    sb_puts(out, "\ntargets both\n\n");
    for (size_t i = 0; i < li->count; i++) {
        if (li->steps[i].dir == '>')
            write_host(&li->steps[i], out);
        else
            write_module(&li->steps[i], out);
    }
}
