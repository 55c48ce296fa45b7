#include "regex_guard.h"

#include <stdlib.h>
#include <string.h>

/* What glibc's regcomp builds, estimated from the source. Two things cost:
 *
 * - copies: a repeated part is copied once per repetition, so nested or
 *   stacked repeats multiply: "(a{400}){400}" is 160,000 copies of a (tens of
 *   MB) and "a+++...+" doubles with each '+'. An atom is 1, x{m,n} is n times
 *   x, x{m,} m+1, x+ 2; x* and x? copy nothing.
 * - closures: each part that may match nothing (x?, x*, the copies of x{m,n}
 *   past m, a group with an empty branch) is a place the matcher may skip,
 *   and regcomp stores, for every node, every node it reaches by skipping:
 *   n skips one after the other are n*n closures. "a{0,8000}" or "(a?){8000}"
 *   is 64 million, half a GB and a quarter of a second; "a{0,30000}" 7 GB,
 *   though both are few copies. Skips are counted as if all were in a row. */
struct parts {
    double copies, skips;
};

#define GUARD_MAX_DEPTH 32

static void parts_add(struct parts *to, struct parts c)
{
    to->copies += c.copies;
    to->skips += c.skips;
}

/* `last` (already counted in `group`) repeated reps times, with `skips` new
 * places to skip; `group` gets the difference. */
static void parts_repeat(struct parts *group, struct parts *last, double reps, double skips)
{
    struct parts r = {last->copies * reps, last->skips * reps + skips};
    group->copies += r.copies - last->copies;
    group->skips += r.skips - last->skips;
    *last = r;
}

static struct regex_cost cost_of(struct parts p)
{
    return (struct regex_cost){p.copies, p.skips * p.skips};
}

static bool parts_over(struct parts p)
{
    return regex_cost_over(cost_of(p));
}

/* "{m}", "{m,}", "{m,n}" at s: the repetitions (unbounded: m+1, glibc's copies)
 * and the new skips; returns the closing brace (or the last character). */
static const char *interval(const char *s, double *reps, double *skips)
{
    char *end;
    unsigned long m = strtoul(s + 1, &end, 10), n = m;
    bool unbounded = false;
    if (*end == ',') {
        unbounded = end[1] == '}';
        n = unbounded ? m : strtoul(end + 1, &end, 10);
    }
    if (n < m)
        n = m;
    *reps = unbounded ? (double)m + 1 : (double)n;
    *skips = unbounded ? 1 : (double)(n - m);
    const char *close = strchr(s, '}');
    return close ? close : s + strlen(s) - 1;
}

/* One atom, whatever its list: "[]a]", "[^]a]", "[[:digit:]x]"; returns its ']'. */
static const char *bracket(const char *s)
{
    const char *q = s + 1;
    q += *q == '^';
    q += *q == ']';
    while (*q && *q != ']') {
        const char *close;
        if (q[0] == '[' && q[1] && strchr(":.=", q[1]) && (close = strchr(q + 2, ']')))
            q = close + 1;
        else
            q++;
    }
    return *q ? q : q - 1;
}

struct regex_cost regex_cost(const char *re)
{
    struct parts group[GUARD_MAX_DEPTH + 1] = {{0}}; /* so far in each open group */
    bool empty_branch[GUARD_MAX_DEPTH + 1] = {false};   /* a branch of it is empty */
    bool branch_started[GUARD_MAX_DEPTH + 1] = {false};
    struct parts last = {0}; /* the atom or group a repeat applies to */
    int depth = 0;
    for (const char *s = re; *s; s++) {
        double reps = 0, skips = 0; /* reps > 0: *s is a repeat of `last` */
        switch (*s) {
        case '(':
            if (depth == GUARD_MAX_DEPTH)
                return (struct regex_cost){REGEX_GUARD_MAX_COPIES + 1, 0};
            branch_started[depth] = true;
            depth++;
            group[depth] = (struct parts){0};
            empty_branch[depth] = branch_started[depth] = false;
            last = (struct parts){0};
            continue;
        case ')':
            if (depth == 0) {
                last = (struct parts){1, 0}; /* an unmatched ')' is an ordinary character */
                break;
            }
            last = group[depth];
            if (empty_branch[depth] || !branch_started[depth])
                last.skips += 1;
            depth--;
            parts_add(&group[depth], last);
            if (parts_over(group[depth]))
                return cost_of(group[depth]);
            continue;
        case '|':
            empty_branch[depth] |= !branch_started[depth];
            branch_started[depth] = false;
            last = (struct parts){0};
            continue;
        case '*':
        case '?':
            reps = 1;
            skips = 1;
            break;
        case '+':
            reps = 2;
            skips = 1;
            break;
        case '{':
            s = interval(s, &reps, &skips);
            break;
        case '[':
            s = bracket(s);
            last = (struct parts){1, 0};
            break;
        case '\\':
            s += s[1] != '\0';
            last = (struct parts){1, 0};
            break;
        default:
            last = (struct parts){1, 0};
            break;
        }
        if (reps > 0) {
            parts_repeat(&group[depth], &last, reps, skips);
        } else {
            parts_add(&group[depth], last);
            branch_started[depth] = true;
        }
        if (parts_over(group[depth]))
            return cost_of(group[depth]);
    }
    struct parts total = {0};
    for (int i = 0; i <= depth; i++)
        parts_add(&total, group[i]);
    return cost_of(total);
}

struct regex_cost regex_cost_add(struct regex_cost a, struct regex_cost b)
{
    return (struct regex_cost){a.copies + b.copies, a.closures + b.closures};
}

bool regex_cost_over(struct regex_cost c)
{
    return c.copies > REGEX_GUARD_MAX_COPIES || c.closures > REGEX_GUARD_MAX_CLOSURES;
}

const char *regex_cost_why(struct regex_cost c)
{
    if (c.copies > REGEX_GUARD_MAX_COPIES)
        return "more than 100000 copies of its parts once repeats are expanded (e.g. (a{400}){400} "
               "or a+++), or groups nested over 32 deep";
    return "more than 1000 parts that may match nothing (e.g. a{0,5000} or (a?){5000}; .* matches "
           "any length in one)";
}

bool regex_too_big(const char *re)
{
    return regex_cost_over(regex_cost(re));
}
