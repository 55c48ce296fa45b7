/* Comparing two conversations (cap_diff.h): the host's lines aligned as a
 * longest common subsequence, each aligned exchange's answers compared, and
 * the report of what differs. */
#include "cap_diff.h"

#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The most cells an alignment table may have (4 bytes each): 2,000 commands
 * against 2,000 that differ after the common start and end are taken off.
 * Beyond it the lines are compared in order. */
#define CAP_DIFF_MAX_CELLS ((size_t)4 * 1000 * 1000)

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
        p->v = xrealloc(p->v, p->cap * sizeof *p->v);
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
        uint32_t *len = xmalloc((rn + 1) * cols * sizeof *len);
        memset(len, 0, (rn + 1) * cols * sizeof *len);
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
    const char **k = xrealloc(NULL, (tr->count ? tr->count : 1) * sizeof *k);
    for (size_t i = 1; i < tr->count; i++)
        k[i - 1] = tr->ex[i].host.key;
    return k;
}

static const char **cap_diff_answer_keys(const struct cap_diff_exchange *x)
{
    const char **k = xrealloc(NULL, (x->count ? x->count : 1) * sizeof *k);
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
        r->v = xrealloc(r->v, r->cap * sizeof *r->v);
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
