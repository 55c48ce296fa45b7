/* Writing what an import read: a scenario (send/expect lines) or the
 * capture format, a step at a time (log_writer) or from a step list. Either
 * is written redacted (common/redact.h), as sim7600-sim --log writes: a
 * field log's passwords and uploaded keys are never copied. */
#include "log_import.h"

#include "capture.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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

void log_writer_start(struct log_writer *w, bool scenario, enum log_format format, const char *source,
                      const char *name, struct strbuf *out)
{
    *w = (struct log_writer){.scenario = scenario, .base = -1};
    w->redact[1].module = true;
    if (!scenario) {
        sb_printf(out, "# sim7600-hil capture v1: imported from %s (%s)\n", source, log_format_str(format));
        return;
    }
    sb_printf(out, "# Imported from %s (%s log) by sim7600-hil import: the host's lines are\n"
                   "# sent as they were, the module's lines are expected in order.\n"
                   "# Passwords and an upload's key bytes are written *** (never copied from\n"
                   "# the log): put the real ones back, or the key in a tls statement, to run it.\n",
              source, log_format_str(format));
    sb_puts(out, "scenario ");
    quoted(out, name, strlen(name));
    sb_puts(out, "\ntargets both\n\n");
}

static void write_step(struct log_writer *w, const struct log_step *s, struct strbuf *out)
{
    if (w->scenario) {
        if (s->dir == '>')
            write_host(s, out);
        else
            write_module(s, out);
        return;
    }
    /* Times count from the log's first time and never go back: a log's clock
     * can (midnight in a time-of-day log, a wrong socat header), and the
     * capture format has no negative times, so such a line would not load. */
    if (s->t >= 0 && isfinite(s->t)) {
        if (w->base < 0)
            w->base = s->t;
        w->last = s->t - w->base > w->last ? s->t - w->base : w->last;
        sb_printf(out, "%.6f ", w->last);
    }
    sb_printf(out, "%c ", s->dir);
    sb_c_escape(out, s->data, s->len);
    sb_puts(out, "\n");
}

void log_writer_step(struct log_writer *w, const struct log_step *s, struct strbuf *out)
{
    struct redact_stream *st = &w->redact[s->dir == '>' ? 0 : 1];
    if (s->dir != '>')
        redact_stream_module_said(&w->redact[0], (const char *)s->data, s->len);
    if (!redact_stream_text_may_change(st, (const char *)s->data, s->len)) {
        write_step(w, s, out);       /* most steps: no copy */
        return;
    }
    struct strbuf clean = {0};
    redact_stream_text(st, (const char *)s->data, s->len, &clean);
    struct log_step shown = *s;
    if (clean.len) {
        shown.data = (uint8_t *)clean.p;
        shown.len = clean.len;
    }
    write_step(w, &shown, out);
    sb_free(&clean);
}

void log_import_write_capture(const struct log_import *li, const char *source, struct strbuf *out)
{
    struct log_writer w;
    log_writer_start(&w, false, li->format, source, NULL, out);
    for (size_t i = 0; i < li->count; i++)
        log_writer_step(&w, &li->steps[i], out);
}

void log_import_write_scenario(const struct log_import *li, const char *source, const char *name,
                               struct strbuf *out)
{
    struct log_writer w;
    log_writer_start(&w, true, li->format, source, name, out);
    for (size_t i = 0; i < li->count; i++)
        log_writer_step(&w, &li->steps[i], out);
}
