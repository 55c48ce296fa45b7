/* The fault plan: which fault, after which message, with what jitter and
 * size. Everything comes from one seeded generator, so a seed names a plan. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "soak.h"

/* Faults fall between these fractions of the run (per mille): none before
 * the first messages went through, none so late that the run's end hides them. */
#define PLAN_START_PERMILLE 20u
#define PLAN_END_PERMILLE 950u
#define PERMILLE 1000u
/* After its message count is reached, a fault waits up to this long: a few
 * exchanges at the soak's speed, so it lands anywhere inside one (mid-command,
 * mid-data, during a reconnect) rather than always between two publishes. */
#define PLAN_MAX_JITTER_US 2000u
#define CONNLOST_CAUSE_MIN 1u   /* peer closed */
#define CONNLOST_CAUSE_MAX 3u   /* network closed */

/* splitmix64: small, fast, and every seed (0 included) gives a good stream. */
void rng_seed(struct soak_rng *r, uint64_t seed)
{
    r->state = seed;
}

uint64_t rng_next(struct soak_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

uint32_t rng_range(struct soak_rng *r, uint32_t lo, uint32_t hi)
{
    uint64_t span = (uint64_t)hi - lo + 1;
    return lo + (uint32_t)(rng_next(r) % span);
}

static const char *const place_names[PLACE_KINDS] = {
    [PLACE_RANDOM] = "at a random moment",
    [PLACE_BEFORE_PROMPT] = "before the '>' of AT+CMQTTTOPIC",
    [PLACE_IN_DATA] = "in AT+CMQTTPAYLOAD's data phase",
    [PLACE_MID_PUB] = "between a PUB's OK and its result",
};

const char *fault_place_name(enum fault_place p)
{
    return (unsigned)p < PLACE_KINDS ? place_names[p] : "?";
}

static int by_seq(const void *a, const void *b)
{
    const struct planned_fault *x = a, *y = b;
    /* a total order, so that one seed gives one plan whatever qsort does with ties */
    if (x->at_seq != y->at_seq)
        return x->at_seq < y->at_seq ? -1 : 1;
    if (x->jitter_us != y->jitter_us)
        return x->jitter_us < y->jitter_us ? -1 : 1;
    return (x->kind > y->kind) - (x->kind < y->kind);
}

static unsigned amount_for(const struct soak_options *o, enum fault_kind k, struct soak_rng *r)
{
    switch (k) {
    case FAULT_CONNLOST:
        return rng_range(r, CONNLOST_CAUSE_MIN, CONNLOST_CAUSE_MAX);
    case FAULT_SILENT:
        return rng_range(r, o->silent_min_ms, o->silent_max_ms);
    case FAULT_GARBLE:
        return rng_range(r, 1, o->garble_max_bytes);
    default:
        return 0;
    }
}

int soak_plan(const struct soak_options *o, struct planned_fault **out)
{
    struct soak_rng r;
    unsigned total = 0, lo, hi;
    struct planned_fault *p;
    int n = 0;

    for (int k = 0; k < FAULT_KINDS; k++)
        total += o->faults[k];
    p = xmalloc(total * sizeof *p);
    memset(p, 0, total * sizeof *p);
    lo = (unsigned)((uint64_t)o->messages * PLAN_START_PERMILLE / PERMILLE);
    hi = (unsigned)((uint64_t)o->messages * PLAN_END_PERMILLE / PERMILLE);
    if (lo < 1)
        lo = 1;
    if (hi < lo)
        hi = lo;
    rng_seed(&r, o->seed);
    for (int k = 0; k < FAULT_KINDS; k++) {
        for (unsigned i = 0; i < o->faults[k]; i++, n++) {
            p[n].kind = (enum fault_kind)k;
            p[n].at_seq = rng_range(&r, lo, hi);
            p[n].jitter_us = rng_range(&r, 0, PLAN_MAX_JITTER_US);
            p[n].amount = amount_for(o, (enum fault_kind)k, &r);
            p[n].place = o->random_only ? PLACE_RANDOM
                                        : (enum fault_place)rng_range(&r, 0, PLACE_KINDS - 1);
        }
    }
    qsort(p, (size_t)n, sizeof *p, by_seq);
    *out = p;
    return n;
}
