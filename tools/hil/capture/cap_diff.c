#include "cap_diff.h"

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

/* The most cells an alignment table may have (4 bytes each): 2,000 commands
 * against 2,000 that differ after the common start and end are taken off.
 * Beyond it the lines are compared in order. */
#define CAP_DIFF_MAX_CELLS ((size_t)4 * 1000 * 1000)


/* Bad lines listed before the rest are only counted: a file that is not a
 * capture at all would otherwise bury the hint under every one of its lines. */
#define CAP_DIFF_MAX_PROBLEMS 10

static void *cap_diff_xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p)
        abort();
    return p;
}

static char *cap_diff_xstrdup(const char *s)
{
    char *copy = strdup(s);
    if (!copy)
        abort();
    return copy;
}

/* ---- options ------------------------------------------------------------------------- */

int cap_diff_options_ignore(struct cap_diff_options *opt, const char *pattern, struct strbuf *err)
{
    regex_t re;
    if (regex_too_big(pattern)) {
        sb_printf(err, "--ignore '%s': too big to compile: more than 100000 copies of its parts once "
                       "repeats are expanded (e.g. (a{400}){400} or a+++); simplify it\n", pattern);
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
    opt->ignore = cap_diff_xrealloc(opt->ignore, (opt->n_ignore + 1) * sizeof *opt->ignore);
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
    char *cur = cap_diff_xstrdup(text);
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
        cur = cap_diff_xstrdup(sb_str(&out));
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
        tr->ex = cap_diff_xrealloc(tr->ex, tr->cap * sizeof *tr->ex);
    }
    struct cap_diff_exchange *x = &tr->ex[tr->count++];
    memset(x, 0, sizeof *x);
    return x;
}

static void cap_diff_add_answer(struct cap_diff_exchange *x, struct cap_diff_line l)
{
    if (x->count == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 4;
        x->answer = cap_diff_xrealloc(x->answer, x->cap * sizeof *x->answer);
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
    struct cap_diff_line l = {cap_diff_xstrdup(sb_str(&text)), cap_diff_mask(sb_str(&text), r->opt), r->line};
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

static void cap_diff_reduce(const struct log_import *li, const struct cap_diff_options *opt,
                            struct cap_diff_transcript *tr)
{
    struct cap_diff_reader r = {.tr = tr, .opt = opt};
    cap_diff_add_exchange(tr);
    for (size_t i = 0; i < li->count; i++) {
        const struct log_step *s = &li->steps[i];
        if (r.dir && r.dir != s->dir)
            cap_diff_reader_flush(&r);
        for (size_t k = 0; k < s->len; k++) {
            uint8_t b = s->data[k];
            if (!r.dir) {
                r.dir = s->dir;
                r.line = s->line;
            }
            if (b == '\n' || (s->dir == '>' && b == '\r'))
                cap_diff_reader_flush(&r);
            else
                sb_add(&r.cur, &b, 1);
        }
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
    out->name = cap_diff_xstrdup(name);
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

/* ---- alignment ----------------------------------------------------------------------- */

/* One step of an alignment: both sides (a line in common), or one of them. */
struct cap_diff_pair {
    size_t a, b;
};

struct cap_diff_pairs {
    struct cap_diff_pair *v;
    size_t count, cap;
};

static void cap_diff_push(struct cap_diff_pairs *p, size_t a, size_t b)
{
    if (p->count == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->v = cap_diff_xrealloc(p->v, p->cap * sizeof *p->v);
    }
    p->v[p->count++] = (struct cap_diff_pair){a, b};
}

/* Aligns ka[0..n) with kb[0..m) on equal keys, keeping as many in common as
 * possible (ties: A's lines first, as diff does). The common start and end
 * are taken off first: two runs of one scenario mostly agree, which keeps the
 * table small. Returns false when the rest is still too big for the table;
 * the lines are then paired in order. */
static bool cap_diff_align(const char *const *ka, size_t n, const char *const *kb, size_t m,
                           struct cap_diff_pairs *out)
{
    size_t pre = 0, suf = 0;
    for (; pre < n && pre < m && strcmp(ka[pre], kb[pre]) == 0; pre++)
        cap_diff_push(out, pre, pre);
    while (suf < n - pre && suf < m - pre && strcmp(ka[n - 1 - suf], kb[m - 1 - suf]) == 0)
        suf++;
    size_t rn = n - pre - suf, rm = m - pre - suf, cols = rm + 1;
    bool fits = rn + 1 <= CAP_DIFF_MAX_CELLS / cols;
    if (!fits) {
        for (size_t k = 0; k < rn || k < rm; k++) {
            bool same = k < rn && k < rm && strcmp(ka[pre + k], kb[pre + k]) == 0;
            if (same) {
                cap_diff_push(out, pre + k, pre + k);
                continue;
            }
            if (k < rn)
                cap_diff_push(out, pre + k, CAP_DIFF_NONE);
            if (k < rm)
                cap_diff_push(out, CAP_DIFF_NONE, pre + k);
        }
    } else {
        /* len[i][j]: the most lines A's rest from i and B's rest from j have in common */
        uint32_t *len = calloc((rn + 1) * cols, sizeof *len);
        if (!len)
            abort();
        for (size_t i = rn; i-- > 0;) {
            for (size_t j = rm; j-- > 0;) {
                uint32_t skip_a = len[(i + 1) * cols + j], skip_b = len[i * cols + j + 1];
                if (strcmp(ka[pre + i], kb[pre + j]) == 0)
                    len[i * cols + j] = len[(i + 1) * cols + j + 1] + 1;
                else
                    len[i * cols + j] = skip_a >= skip_b ? skip_a : skip_b;
            }
        }
        size_t i = 0, j = 0;
        while (i < rn || j < rm) {
            if (i < rn && j < rm && strcmp(ka[pre + i], kb[pre + j]) == 0)
                cap_diff_push(out, pre + i++, pre + j++);
            else if (j == rm || (i < rn && len[(i + 1) * cols + j] >= len[i * cols + j + 1]))
                cap_diff_push(out, pre + i++, CAP_DIFF_NONE);
            else
                cap_diff_push(out, CAP_DIFF_NONE, pre + j++);
        }
        free(len);
    }
    for (size_t k = suf; k > 0; k--)
        cap_diff_push(out, n - k, m - k);
    return fits;
}

static const char **cap_diff_host_keys(const struct cap_diff_transcript *tr)
{
    /* exchange 0 has no host line: keys are for exchanges 1.. */
    const char **k = cap_diff_xrealloc(NULL, (tr->count ? tr->count : 1) * sizeof *k);
    for (size_t i = 1; i < tr->count; i++)
        k[i - 1] = tr->ex[i].host.key;
    return k;
}

static const char **cap_diff_answer_keys(const struct cap_diff_exchange *x)
{
    const char **k = cap_diff_xrealloc(NULL, (x->count ? x->count : 1) * sizeof *k);
    for (size_t i = 0; i < x->count; i++)
        k[i] = x->answer[i].key;
    return k;
}

static bool cap_diff_same_answer(const struct cap_diff_exchange *x, const struct cap_diff_exchange *y)
{
    if (x->count != y->count)
        return false;
    for (size_t i = 0; i < x->count; i++)
        if (strcmp(x->answer[i].key, y->answer[i].key) != 0)
            return false;
    return true;
}

static void cap_diff_add_entry(struct cap_diff_result *r, enum cap_diff_kind kind, size_t a, size_t b)
{
    if (r->count == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->v = cap_diff_xrealloc(r->v, r->cap * sizeof *r->v);
    }
    r->v[r->count++] = (struct cap_diff_entry){kind, a, b, 1};
}

/* Where a line one side lacks would go on that side: before the next exchange
 * it does have, at or after pair k. */
static size_t cap_diff_next_on(const struct cap_diff_pairs *p, size_t k, bool side_a)
{
    for (; k < p->count; k++) {
        size_t v = side_a ? p->v[k].a : p->v[k].b;
        if (v != CAP_DIFF_NONE)
            return v + 1;   /* pairs count host lines; exchange 0 comes before them */
    }
    return CAP_DIFF_NONE;
}

void cap_diff_compare(const struct cap_diff_transcript *a, const struct cap_diff_transcript *b,
                      struct cap_diff_result *out)
{
    memset(out, 0, sizeof *out);
    if (a->count && b->count && (a->ex[0].count || b->ex[0].count)) {
        out->exchanges++;
        if (!cap_diff_same_answer(&a->ex[0], &b->ex[0]))
            cap_diff_add_entry(out, CAP_DIFF_ANSWER, 0, 0);
    }
    size_t n = a->count ? a->count - 1 : 0, m = b->count ? b->count - 1 : 0;
    const char **ka = cap_diff_host_keys(a), **kb = cap_diff_host_keys(b);
    struct cap_diff_pairs p = {0};
    out->in_order = !cap_diff_align(ka, n, kb, m, &p);
    for (size_t k = 0; k < p.count; k++) {
        struct cap_diff_pair q = p.v[k];
        out->exchanges++;
        /* the step before was on the same side only: the same run goes on */
        bool run_goes_on = k > 0 && (p.v[k - 1].a == CAP_DIFF_NONE) == (q.a == CAP_DIFF_NONE) &&
                           (p.v[k - 1].b == CAP_DIFF_NONE) == (q.b == CAP_DIFF_NONE);
        if (q.a == CAP_DIFF_NONE || q.b == CAP_DIFF_NONE) {
            if (run_goes_on)
                out->v[out->count - 1].n++;
            else if (q.a == CAP_DIFF_NONE)
                cap_diff_add_entry(out, CAP_DIFF_ONLY_B, cap_diff_next_on(&p, k, true), q.b + 1);
            else
                cap_diff_add_entry(out, CAP_DIFF_ONLY_A, q.a + 1, cap_diff_next_on(&p, k, false));
        } else if (!cap_diff_same_answer(&a->ex[q.a + 1], &b->ex[q.b + 1]))
            cap_diff_add_entry(out, CAP_DIFF_ANSWER, q.a + 1, q.b + 1);
    }
    free(p.v);
    free(ka);
    free(kb);
}

void cap_diff_result_free(struct cap_diff_result *r)
{
    free(r->v);
    memset(r, 0, sizeof *r);
}

/* ---- the report ---------------------------------------------------------------------- */

/* "A.cap:14", or the name alone when there is no line to point at */
static void cap_diff_where(struct strbuf *out, const char *name, int line)
{
    if (line > 0)
        sb_printf(out, "%s:%d", name, line);
    else
        sb_puts(out, name);
}

static int cap_diff_exchange_line(const struct cap_diff_exchange *x)
{
    if (x->host.text)
        return x->host.line;
    return x->count ? x->answer[0].line : 0;
}

static void cap_diff_answer_lines(struct strbuf *out, const struct cap_diff_exchange *x, char mark)
{
    for (size_t i = 0; i < x->count; i++)
        sb_printf(out, "  %c %s\n", mark, x->answer[i].text);
    if (!x->count)
        sb_puts(out, "    (no answer)\n");
}

static void cap_diff_report_answer(struct strbuf *out, const struct cap_diff_transcript *a,
                                   const struct cap_diff_transcript *b, const struct cap_diff_entry *e)
{
    const struct cap_diff_exchange *xa = &a->ex[e->a], *xb = &b->ex[e->b];
    cap_diff_where(out, a->name, cap_diff_exchange_line(xa));
    sb_puts(out, " / ");
    cap_diff_where(out, b->name, cap_diff_exchange_line(xb));
    if (xa->host.text)
        sb_printf(out, "  after \"%s\":\n", xa->host.text);
    else
        sb_puts(out, "  before the first command:\n");
    const char **ka = cap_diff_answer_keys(xa), **kb = cap_diff_answer_keys(xb);
    struct cap_diff_pairs p = {0};
    cap_diff_align(ka, xa->count, kb, xb->count, &p);
    for (size_t k = 0; k < p.count; k++) {
        struct cap_diff_pair q = p.v[k];
        if (q.a != CAP_DIFF_NONE && q.b != CAP_DIFF_NONE)
            sb_printf(out, "    %s\n", xa->answer[q.a].text);
        else if (q.a != CAP_DIFF_NONE)
            sb_printf(out, "  - %s\n", xa->answer[q.a].text);
        else
            sb_printf(out, "  + %s\n", xb->answer[q.b].text);
    }
    /* silence is the failure a bench run most often shows: say it outright */
    if (!xa->count || !xb->count)
        sb_printf(out, "    (no answer in %s)\n", !xa->count ? a->name : b->name);
    free(p.v);
    free(ka);
    free(kb);
}

/* Host lines only one side sent, each with the answer it got there: read like
 * a terminal session, host lines as sent and the module's marked. */
static void cap_diff_report_only(struct strbuf *out, const struct cap_diff_transcript *has, size_t x, size_t n,
                                 const struct cap_diff_transcript *lacks, size_t at, char mark)
{
    const struct cap_diff_exchange *first = &has->ex[x], *last = &has->ex[x + n - 1];
    cap_diff_where(out, has->name, first->host.line);
    if (n > 1)
        sb_printf(out, "-%d", last->host.line);
    sb_printf(out, "  %zu line%s sent only in %s ", n, n == 1 ? "" : "s", has->name);
    if (at == CAP_DIFF_NONE || at >= lacks->count)
        sb_printf(out, "(%s ended before):\n", lacks->name);
    else
        sb_printf(out, "(missing in %s before line %d):\n", lacks->name, lacks->ex[at].host.line);
    for (size_t i = x; i < x + n; i++) {
        sb_printf(out, "  %s\n", has->ex[i].host.text);
        cap_diff_answer_lines(out, &has->ex[i], mark);
    }
}

void cap_diff_report(const struct cap_diff_transcript *a, const struct cap_diff_transcript *b,
                     const struct cap_diff_result *r, struct strbuf *out)
{
    if (r->count)
        sb_printf(out, "--- %s\n+++ %s\n", a->name, b->name);
    for (size_t i = 0; i < r->count; i++) {
        const struct cap_diff_entry *e = &r->v[i];
        sb_puts(out, "\n");
        if (e->kind == CAP_DIFF_ANSWER)
            cap_diff_report_answer(out, a, b, e);
        else if (e->kind == CAP_DIFF_ONLY_A)
            cap_diff_report_only(out, a, e->a, e->n, b, e->b, '-');
        else
            cap_diff_report_only(out, b, e->b, e->n, a, e->a, '+');
    }
    if (r->count)
        sb_puts(out, "\n");
    if (r->in_order)
        sb_puts(out, "note: the host's lines were too different to align; they were compared in order\n");
    const char *ex = r->exchanges == 1 ? "exchange" : "exchanges";
    if (r->count)
        sb_printf(out, "%zu difference%s in %zu %s\n", r->count, r->count == 1 ? "" : "s", r->exchanges, ex);
    else
        sb_printf(out, "no differences in %zu %s\n", r->exchanges, ex);
}
