/* A check made before regcomp: a regular expression whose repeats would
 * cost more than glibc can compile in reasonable time and memory is refused. */
#ifndef HIL_REGEX_GUARD_H
#define HIL_REGEX_GUARD_H

#include <stdbool.h>

/* What glibc's regcomp builds for a regular expression (regex_guard.c says
 * how it is estimated): copies of its atoms once repeats are expanded;
 * closures, the pairs of places that may match nothing, each of which regcomp
 * stores; repeats of a varying count over parts that may match nothing, which
 * it takes exponential time on; and repeats stacked without a group, which
 * POSIX leaves undefined. Additive: what several regular expressions cost is
 * the sum. */
struct regex_cost {
    double copies, closures, empty_repeats, stacked;
};

/* A line is at most 1 KiB and a payload 10 KiB: no pattern that can match
 * one needs more than about 10,000 copies. 20,000 cost about 5 MB and 4 ms
 * (15 ms under ASan; 100,000, the limit before, 65 ms and 80 MB). */
#define REGEX_GUARD_MAX_COPIES 20000
/* 500 places that may match nothing (each anchor halving it): about 2.5 MB
 * and 1 ms. No line pattern needs more (.* skips any length in one). */
#define REGEX_GUARD_MAX_SKIPS 500
#define REGEX_GUARD_MAX_CLOSURES ((double)REGEX_GUARD_MAX_SKIPS * REGEX_GUARD_MAX_SKIPS)

/* Groups nested over 32 deep cost more than the limits. */
struct regex_cost regex_cost(const char *re);
struct regex_cost regex_cost_add(struct regex_cost a, struct regex_cost b);
/* Over the copies ((a{200}){200}) or the closures (a{0,1000}, (a?){1000},
 * (a|){1000}), any repeat of a varying count over a part that may match
 * nothing ((a*)+, (a?){2,}), or two repeats in a row (a+*, a{2}{3}). */
bool regex_cost_over(struct regex_cost c);
/* Which limit an over-cost passes, for messages: "more than ... (e.g. ...)". */
const char *regex_cost_why(struct regex_cost c);
/* regex_cost_over(regex_cost(re)) */
bool regex_too_big(const char *re);

#endif
