/* Keywords of the final checks, evaluated when the steps are done: on the
 * lines sent and printed, on the broker's messages, on the driver. */
#include "scn_internal.h"

static void kw_check_line(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_check *c = obj;
    scn_get_pattern(p, a->pos[0], "the line", &c->pat);
    if (d->kind == SCN_CHECK_SENT || d->kind == SCN_CHECK_PRINTED)
        scn_opt_uint(p, a, "count", 0, 1000000, &c->count);
}

static void kw_check_message(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_check *c = obj;
    scn_get_string(p, a->pos[0], "the topic", &c->topic);
    const struct scn_tok *sz = scn_opt(a, "size");
    if (a->n_pos > 1 && sz) {
        scn_perr(p, "'%s' takes either a PAYLOAD or size=N, not both", d->name);
    } else if (a->n_pos > 1) {
        scn_get_pattern(p, a->pos[1], "the payload", &c->pat);
    } else if (sz) {
        long v;
        if (scn_get_uint(p, sz, "option size=", 1, 10240, &v)) {
            c->pat.kind = SCN_PAT_SIZE;
            c->pat.size = (size_t)v;
        }
    }
    scn_opt_uint(p, a, "count", 0, 1000000, &c->count);
}

static void kw_check_seq(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_check *c = obj;
    (void)d;
    scn_get_string(p, a->pos[0], "the topic", &c->topic);
    scn_get_uint(p, a->pos[1], "sequence length", 1, 1000000, &c->count);
    scn_opt_uint(p, a, "max-dup", 0, 1000000, &c->max_dup);
    scn_opt_string(p, a, "prefix", &c->prefix);
}

static void kw_check_reconnects(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_check *c = obj;
    (void)d;
    if (a->n_pos == 1 && (scn_opt(a, "min") || scn_opt(a, "max"))) {
        scn_perr(p, "'expect-reconnects' takes either N or min=/max=, not both");
        return;
    }
    if (a->n_pos == 0 && !scn_opt(a, "min") && !scn_opt(a, "max")) {
        scn_perr(p, "'expect-reconnects' needs a count; expected 'expect-reconnects N' or min=N and/or max=N");
        return;
    }
    if (a->n_pos == 1) {
        if (scn_get_uint(p, a->pos[0], "reconnect count", 0, 1000000, &c->min)) c->max = c->min;
        return;
    }
    scn_opt_uint(p, a, "min", 0, 1000000, &c->min);
    scn_opt_uint(p, a, "max", 0, 1000000, &c->max);
    if (c->max >= 0 && c->min > c->max)
        scn_perr(p, "min=%ld is more than max=%ld", c->min, c->max);
}

/* ---- the table ---- */

static const char *const K_COUNT[] = { "count", NULL };
static const char *const K_MESSAGE[] = { "size", "count", NULL };
static const char *const K_SEQ[] = { "max-dup", "prefix", NULL };
static const char *const K_MINMAX[] = { "min", "max", NULL };

static const struct scn_kw checks[] = {
    { "expect-sent", 1, 1, KW_CHECK, K_COUNT, "expect-sent \"LINE\"|/REGEX/ [count=N]", kw_check_line, SCN_CHECK_SENT },
    { "expect-not-sent", 1, 1, KW_CHECK, NULL, "expect-not-sent \"LINE\"|/REGEX/", kw_check_line, SCN_CHECK_NOT_SENT },
    { "expect-printed", 1, 1, KW_CHECK, K_COUNT, "expect-printed \"LINE\"|/REGEX/ [count=N]", kw_check_line,
      SCN_CHECK_PRINTED },
    { "expect-not-printed", 1, 1, KW_CHECK, NULL, "expect-not-printed \"LINE\"|/REGEX/", kw_check_line,
      SCN_CHECK_NOT_PRINTED },
    { "expect-message", 1, 2, KW_CHECK, K_MESSAGE, "expect-message \"TOPIC\" [\"PAYLOAD\"|/REGEX/|size=N] [count=N]",
      kw_check_message, SCN_CHECK_MESSAGE },
    { "expect-received", 1, 2, KW_CHECK, K_MESSAGE, "expect-received \"TOPIC\" [\"PAYLOAD\"|/REGEX/|size=N] [count=N]",
      kw_check_message, SCN_CHECK_RECEIVED },
    { "expect-seq", 2, 2, KW_CHECK, K_SEQ, "expect-seq \"TOPIC\" N [max-dup=N] [prefix=\"TEXT\"]", kw_check_seq, SCN_CHECK_SEQ },
    { "expect-reconnects", 0, 1, KW_CHECK, K_MINMAX, "expect-reconnects N | [min=N] [max=N]",
      kw_check_reconnects, SCN_CHECK_RECONNECTS },
};

const struct scn_kw_family scn_kw_checks = { checks, sizeof checks / sizeof checks[0] };
