#include "regex_guard.h"

#include <stdlib.h>
#include <string.h>

/* What glibc's regcomp builds, estimated from the source. Three things cost:
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
 *   though both are few copies. Skips are counted as if all were in a row.
 *   An anchor (^ $ \b \< ...) matches nothing too, and each doubles what the
 *   closures cost: regcomp works them out per combination of anchors
 *   ("\B\b\B\b(a?){990}" takes 0.4 s, "$\b" 40 times over 0.7 s).
 * - empty repeats: a repeat that may take more or fewer copies (x*, x+, x?,
 *   x{m,}, x{m,n} with n > m) of a part that may itself match nothing,
 *   "(a*)+", "(a?){5,}", "a+*+", "a?{0,300}": with an anchor anywhere,
 *   regcomp follows every way of matching nothing through them, and there
 *   are exponentially many: "^(((((a*)+)+)+)+)+" takes 8 s, one more '+'
 *   minutes, "^a?{0,300}" 1 s and "^a?{0,1000}" 3 minutes. Such a repeat
 *   matches nothing a plain one does not ((a*)+ is a*, (a?){0,5} a{0,5}),
 *   so none is allowed; a fixed count, (a?){5}, is.
 *
 * Two repeats in a row ("a+*", "b+{200}", "a*?") are undefined in POSIX, and
 * glibc builds them differently from the grouped form, at costs none of the
 * above foresees ("b+{200}\b(\b){200}" takes a second, "(b+){200}(\b){200}"
 * under one ms): they are refused too. */

#define GUARD_MAX_DEPTH 32

/* An atom or group, or what has been read of a group. */
struct parts {
    double copies, skips, anchors, empty_repeats, stacked;
    bool nullable; /* may match nothing */
};

/* An open group. */
struct level {
    struct parts sum;      /* every element of every branch so far (nullable: unused) */
    bool done_nullable;    /* one of its finished branches may match nothing */
    bool branch_nullable;  /* every element of the current branch may */
    bool prefix_nullable;  /* every element of it before the last may */
    bool branch_started;   /* the current branch has an element */
    bool empty_branch;     /* a finished branch had none */
};

/* A repeat operator: how many copies, how many new places to skip (copies
 * it may or may not take), and whether it may take no copy at all. */
struct repeat {
    double reps, skips;
    bool may_skip;
};

static const struct parts atom = {1, 0, 0, 0, 0, false};
/* ^ $ \b \< ...: match no character, a place to skip like x? */
static const struct parts empty_atom = {1, 1, 1, 0, 0, true};

static struct regex_cost cost_of(struct parts p)
{
    double closures = p.skips * p.skips;
    for (double k = 0; k < p.anchors && closures <= REGEX_GUARD_MAX_CLOSURES; k++)
        closures *= 2;
    return (struct regex_cost){p.copies, closures, p.empty_repeats, p.stacked};
}

static void level_open(struct level *l)
{
    *l = (struct level){.branch_nullable = true, .prefix_nullable = true};
}

static void level_add(struct level *l, struct parts e)
{
    l->sum.copies += e.copies;
    l->sum.skips += e.skips;
    l->sum.anchors += e.anchors;
    l->sum.empty_repeats += e.empty_repeats;
    l->sum.stacked += e.stacked;
    l->prefix_nullable = l->branch_nullable;
    l->branch_nullable = l->prefix_nullable && e.nullable;
    l->branch_started = true;
}

static void level_branch(struct level *l)
{
    l->done_nullable |= l->branch_nullable;
    l->empty_branch |= !l->branch_started;
    l->branch_nullable = l->prefix_nullable = true;
    l->branch_started = false;
}

/* The group as one element, once its ')' is read. */
static struct parts level_close(struct level *l)
{
    level_branch(l);
    struct parts g = l->sum;
    g.nullable = l->done_nullable;
    g.skips += l->empty_branch; /* (a|) skips a */
    return g;
}

/* `last`, already added to `l`, repeated as `r` says (`stacked`: right after
 * another repeat); `l` gets the difference. */
static void level_repeat(struct level *l, struct parts *last, struct repeat r, bool stacked)
{
    struct parts n = {
        .copies = last->copies * r.reps,
        .skips = last->skips * r.reps + r.skips,
        .anchors = last->anchors * r.reps,
        .empty_repeats = last->empty_repeats * r.reps + (r.skips > 0 && last->nullable),
        .stacked = last->stacked * r.reps + stacked,
        .nullable = r.may_skip || last->nullable,
    };
    l->sum.copies += n.copies - last->copies;
    l->sum.skips += n.skips - last->skips;
    l->sum.anchors += n.anchors - last->anchors;
    l->sum.empty_repeats += n.empty_repeats - last->empty_repeats;
    l->sum.stacked += n.stacked - last->stacked;
    l->branch_nullable = l->prefix_nullable && n.nullable;
    *last = n;
}

/* "{m}", "{m,}", "{m,n}" at s into *r (unbounded: m+1 copies, glibc's);
 * false when no number follows the brace. Sets *end to the closing brace. */
static bool interval(const char *s, struct repeat *r, const char **end)
{
    char *e;
    unsigned long m = strtoul(s + 1, &e, 10), n = m;
    bool valid = e != s + 1 || *e == ',';
    bool unbounded = false;
    if (*e == ',') {
        unbounded = e[1] == '}';
        n = unbounded ? m : strtoul(e + 1, &e, 10);
    }
    if (n < m)
        n = m;
    *r = (struct repeat){unbounded ? (double)m + 1 : (double)n, unbounded ? 1 : (double)(n - m),
                         m == 0};
    const char *close = strchr(s, '}');
    *end = close ? close : s + strlen(s) - 1;
    return valid;
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
    struct level lv[GUARD_MAX_DEPTH + 1];
    struct parts last = {0}; /* the atom or group a repeat applies to */
    bool after_repeat = false;
    int depth = 0;
    level_open(&lv[0]);
    for (const char *s = re; *s; s++) {
        struct repeat r = {0};
        struct parts e = atom;
        switch (*s) {
        case '(':
            if (depth == GUARD_MAX_DEPTH)
                return (struct regex_cost){REGEX_GUARD_MAX_COPIES + 1, 0, 0, 0};
            level_open(&lv[++depth]);
            last = (struct parts){0};
            after_repeat = false;
            continue;
        case ')':
            if (depth > 0) /* else an ordinary character */
                e = level_close(&lv[depth--]);
            break;
        case '|':
            level_branch(&lv[depth]);
            last = (struct parts){0};
            after_repeat = false;
            continue;
        case '*': r = (struct repeat){1, 1, true}; break;
        case '?': r = (struct repeat){1, 1, true}; break;
        case '+': r = (struct repeat){2, 1, false}; break;
        case '{':
            if (!interval(s, &r, &s))
                r = (struct repeat){0};
            break;
        case '[':
            s = bracket(s);
            break;
        case '^':
        case '$':
            e = empty_atom;
            break;
        case '\\':
            if (s[1] != '\0' && strchr("bB<>`'", s[1]))
                e = empty_atom;
            s += s[1] != '\0';
            break;
        default:
            break;
        }
        if (r.reps > 0 || r.may_skip) {
            level_repeat(&lv[depth], &last, r, after_repeat);
            after_repeat = true;
        } else {
            last = e;
            level_add(&lv[depth], e);
            after_repeat = false;
        }
        if (regex_cost_over(cost_of(lv[depth].sum)))
            return cost_of(lv[depth].sum);
    }
    struct parts total = {0};
    for (int i = 0; i <= depth; i++) {
        total.copies += lv[i].sum.copies;
        total.skips += lv[i].sum.skips;
        total.anchors += lv[i].sum.anchors;
        total.empty_repeats += lv[i].sum.empty_repeats;
        total.stacked += lv[i].sum.stacked;
    }
    return cost_of(total);
}

struct regex_cost regex_cost_add(struct regex_cost a, struct regex_cost b)
{
    return (struct regex_cost){a.copies + b.copies, a.closures + b.closures,
                               a.empty_repeats + b.empty_repeats, a.stacked + b.stacked};
}

bool regex_cost_over(struct regex_cost c)
{
    return c.copies > REGEX_GUARD_MAX_COPIES || c.closures > REGEX_GUARD_MAX_CLOSURES ||
           c.empty_repeats > 0 || c.stacked > 0;
}

#define STR_(x) #x
#define STR(x) STR_(x)

const char *regex_cost_why(struct regex_cost c)
{
    if (c.copies > REGEX_GUARD_MAX_COPIES)
        return "more than " STR(REGEX_GUARD_MAX_COPIES) " copies of its parts once repeats are "
               "expanded (e.g. (a{200}){200}), or groups nested over 32 deep";
    if (c.stacked > 0)
        return "two repeats in a row (a+*, b+{200}, a*?), which POSIX leaves undefined and glibc "
               "compiles at costs out of proportion; group the first, (b+){200}, or drop one";
    if (c.empty_repeats > 0)
        return "a repeat (*, +, ? or {m,n}) of a part that may match nothing, such as (a*)+, a*+ or "
               "a?{0,9}, which glibc compiles in exponential time; repeat a part that matches "
               "something: (a*)+ is a*, a?{0,9} is a{0,9}";
    return "more than " STR(REGEX_GUARD_MAX_SKIPS) " parts that may match nothing, half as many "
           "per anchor (^ $ \\b ...) (e.g. a{0,1000}, (a?){1000} or ^(a?){400}; .* matches any "
           "length in one)";
}

bool regex_too_big(const char *re)
{
    return regex_cost_over(regex_cost(re));
}
