/* sim7600-hil diff, reading (cap_diff.h): the --ignore options, and each
 * capture reduced to its conversation. Comparing is cap_diff_compare.c. */
#include "cap_diff.h"

#include "alloc.h"

#include "log_import.h"
#include "regex_guard.h"
#include "text_file.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What an ignored part of a line becomes for comparing. Keys are printable
 * text (see cap_diff.h), so a control byte cannot come from the capture. */
#define CAP_DIFF_MASK "\x01"

/* Bad lines listed before the rest are only counted: a file that is not a
 * capture at all would otherwise bury the hint under every one of its lines. */
#define CAP_DIFF_MAX_PROBLEMS 10

/* ---- options ------------------------------------------------------------------------- */

int cap_diff_options_ignore(struct cap_diff_options *opt, const char *pattern, struct strbuf *err)
{
    regex_t re;
    struct regex_cost cost = regex_cost(pattern);
    if (regex_cost_over(cost)) {
        sb_printf(err, "--ignore '%s': too big to compile: %s; simplify it\n", pattern,
                  regex_cost_why(cost));
        return -1;
    }
    int rc = regcomp(&re, pattern, REG_EXTENDED);
    if (rc != 0) {
        char why[256];
        regerror(rc, &re, why, sizeof why);
        sb_printf(err, "--ignore '%s': %s; give a POSIX extended regular expression, e.g. '[0-9]{15}'\n",
                  pattern, why);
        return -1;
    }
    opt->ignore = xrealloc(opt->ignore, (opt->n_ignore + 1) * sizeof *opt->ignore);
    opt->ignore[opt->n_ignore++] = re;
    return 0;
}

void cap_diff_options_free(struct cap_diff_options *opt)
{
    for (size_t i = 0; i < opt->n_ignore; i++)
        regfree(&opt->ignore[i]);
    free(opt->ignore);
    memset(opt, 0, sizeof *opt);
}

/* Every match of every pattern replaced by the mask, so lines that differ only
 * there compare equal. */
static char *cap_diff_mask(const char *text, const struct cap_diff_options *opt)
{
    char *cur = xstrdup(text);
    for (size_t i = 0; opt && i < opt->n_ignore; i++) {
        struct strbuf out = {0};
        const char *p = cur;
        int flags = 0;
        regmatch_t m;
        while (*p && regexec(&opt->ignore[i], p, 1, &m, flags) == 0) {
            sb_add(&out, p, (size_t)m.rm_so);
            sb_puts(&out, CAP_DIFF_MASK);
            p += m.rm_eo;
            if (m.rm_eo == m.rm_so) {   /* an empty match: step over a byte or it matches there forever */
                if (!*p)
                    break;
                sb_add(&out, p++, 1);
            }
            flags = REG_NOTBOL;
        }
        sb_puts(&out, p);
        free(cur);
        cur = xstrdup(sb_str(&out));
        sb_free(&out);
    }
    return cur;
}

/* ---- the conversation ----------------------------------------------------------------- */

static void cap_diff_line_free(struct cap_diff_line *l)
{
    free(l->text);
    free(l->key);
}

void cap_diff_transcript_free(struct cap_diff_transcript *tr)
{
    for (size_t i = 0; i < tr->count; i++) {
        struct cap_diff_exchange *x = &tr->ex[i];
        cap_diff_line_free(&x->host);
        for (size_t j = 0; j < x->count; j++)
            cap_diff_line_free(&x->answer[j]);
        free(x->answer);
    }
    free(tr->ex);
    free(tr->name);
    memset(tr, 0, sizeof *tr);
}

static struct cap_diff_exchange *cap_diff_add_exchange(struct cap_diff_transcript *tr)
{
    if (tr->count == tr->cap) {
        tr->cap = tr->cap ? tr->cap * 2 : 16;
        tr->ex = xrealloc(tr->ex, tr->cap * sizeof *tr->ex);
    }
    struct cap_diff_exchange *x = &tr->ex[tr->count++];
    memset(x, 0, sizeof *x);
    return x;
}

static void cap_diff_add_answer(struct cap_diff_exchange *x, struct cap_diff_line l)
{
    if (x->count == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 4;
        x->answer = xrealloc(x->answer, x->cap * sizeof *x->answer);
    }
    x->answer[x->count++] = l;
}

/* Puts bytes back together into lines: the capture splits host input after
 * each CR and module output after each LF, but a chunk may hold several lines
 * or part of one. A change of direction ends a line too: that is how the
 * module's '>' prompt and the data the host sends after it (neither ends with
 * a line end) become lines of their own. */
struct cap_diff_reader {
    struct cap_diff_transcript *tr;
    const struct cap_diff_options *opt;
    struct strbuf cur;
    char dir;               /* 0: no line under way */
    int line;               /* where it started */
    bool echo_checked;      /* the current exchange's first module line has been seen */
};

static bool cap_diff_blank(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t')
            return false;
    return true;
}

static void cap_diff_reader_flush(struct cap_diff_reader *r)
{
    const uint8_t *p = (const uint8_t *)r->cur.p;
    size_t n = r->cur.len;
    char dir = r->dir;
    r->dir = 0;
    /* a module ends its lines CR LF, and its echo "AT\r" adds one more CR */
    while (n && p[n - 1] == '\r')
        n--;
    while (n && p[0] == '\r') {
        p++;
        n--;
    }
    if (!dir || cap_diff_blank(p, n)) {
        sb_reset(&r->cur);
        return;
    }
    struct strbuf text = {0};
    sb_c_escape(&text, p, n);
    sb_reset(&r->cur);
    struct cap_diff_line l = {xstrdup(sb_str(&text)), cap_diff_mask(sb_str(&text), r->opt), r->line};
    sb_free(&text);

    struct cap_diff_exchange *x = &r->tr->ex[r->tr->count - 1];
    if (dir == '>') {
        x = cap_diff_add_exchange(r->tr);
        x->host = l;
        r->echo_checked = false;
        return;
    }
    /* the echo is the module repeating the host's line before its answer (ATE1) */
    bool echo = !r->echo_checked && x->host.text && strcmp(l.text, x->host.text) == 0;
    r->echo_checked = true;
    if (echo)
        cap_diff_line_free(&l);
    else
        cap_diff_add_answer(x, l);
}

/* One step's bytes (redacted) into the reader's lines. */
static void cap_diff_reduce_step(struct cap_diff_reader *r, const struct log_step *s, const uint8_t *data, size_t len)
{
    if (r->dir && r->dir != s->dir)
        cap_diff_reader_flush(r);
    for (size_t k = 0; k < len; k++) {
        uint8_t b = data[k];
        if (!r->dir) {
            r->dir = s->dir;
            r->line = s->line;
        }
        if (b == '\n' || (s->dir == '>' && b == '\r'))
            cap_diff_reader_flush(r);
        else
            sb_add(&r->cur, &b, 1);
    }
}

/* The conversation, redacted as the recorders write it (common/redact.h): a
 * capture made before they redacted shows no password or key in the report,
 * and compares with a redacted one of the same session as equal. */
static void cap_diff_reduce(const struct log_import *li, const struct cap_diff_options *opt,
                            struct cap_diff_transcript *tr)
{
    struct cap_diff_reader r = {.tr = tr, .opt = opt};
    struct redact_stream redact[2] = {{.module = false}, {.module = true}};   /* the host's, the module's */
    cap_diff_add_exchange(tr);
    for (size_t i = 0; i < li->count; i++) {
        const struct log_step *s = &li->steps[i];
        struct redact_stream *st = &redact[s->dir == '>' ? 0 : 1];
        if (s->dir != '>')
            redact_stream_module_said(&redact[0], (const char *)s->data, s->len);
        if (!redact_stream_text_may_change(st, (const char *)s->data, s->len)) {
            cap_diff_reduce_step(&r, s, s->data, s->len);
            continue;
        }
        struct strbuf clean = {0};
        redact_stream_text(st, (const char *)s->data, s->len, &clean);
        cap_diff_reduce_step(&r, s, (const uint8_t *)clean.p, clean.len);
        sb_free(&clean);
    }
    cap_diff_reader_flush(&r);
    sb_free(&r.cur);
}

int cap_diff_read_text(const char *name, const char *text, size_t len, const struct cap_diff_options *opt,
                       struct cap_diff_transcript *out, struct strbuf *err)
{
    memset(out, 0, sizeof *out);
    /* the reader takes C strings: a NUL would silently end the capture early */
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        int line = 1;
        for (const char *p = text; p < nul; p++)
            line += *p == '\n';
        sb_printf(err, "%s:%d: a NUL byte: this is not a capture (a text file of 'SECONDS DIR DATA' lines, "
                       "bytes written as C escapes)\n", name, line);
        return -1;
    }
    struct log_import_options lio = {.format = LOG_CAPTURE};
    struct log_import li;
    log_import_text(name, text, &lio, &li);
    if (li.unplaced) {
        const char *listed = sb_str(&li.problems), *end = listed;
        for (int k = 0; k < CAP_DIFF_MAX_PROBLEMS && *end; k++) {
            const char *nl = strchr(end, '\n');
            end = nl ? nl + 1 : end + strlen(end);
        }
        sb_add(err, listed, (size_t)(end - listed));
        if (li.unplaced > CAP_DIFF_MAX_PROBLEMS)
            sb_printf(err, "%s: ... and %d more\n", name, li.unplaced - CAP_DIFF_MAX_PROBLEMS);
        sb_printf(err, "%s: %d line(s) are not capture lines ('SECONDS DIR DATA', DIR '>' or '<'); fix them, "
                       "or turn a serial log into a capture with: sim7600-hil import --as capture LOG\n",
                  name, li.unplaced);
        log_import_free(&li);
        return -1;
    }
    out->name = xstrdup(name);
    cap_diff_reduce(&li, opt, out);
    log_import_free(&li);
    return 0;
}

int cap_diff_load(const char *path, const struct cap_diff_options *opt, struct cap_diff_transcript *out,
                  struct strbuf *err)
{
    memset(out, 0, sizeof *out);
    struct strbuf text = {0}, why = {0};
    if (text_file_read(path, TEXT_FILE_LIMIT, &text, &why) < 0) {
        sb_printf(err, "%s: %s\n", path, sb_str(&why));
        sb_free(&why);
        return -1;
    }
    int rc = cap_diff_read_text(path, text.p ? text.p : "", text.len, opt, out, err);
    sb_free(&text);
    return rc;
}
