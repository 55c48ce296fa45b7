#include "regex_guard.h"

#include <stdlib.h>
#include <string.h>

/* glibc's regcomp copies a repeated part once per repetition, so nested or
 * stacked repeats multiply: "(a{400}){400}" is 160,000 copies of a (tens of MB),
 * "a+++...+" doubles with each '+', and a line of them takes all memory.
 * This estimates the copies (an atom is 1, x{m,n} is n times x, x{m,} m+1,
 * x+ 2; * and ? copy nothing) so such a regex is refused before compiling. */
static double regex_copies(const char *re)
{
    double group[33] = {0}; /* copies so far in each open group */
    double last = 0;        /* copies of the atom or group a repeat applies to */
    int depth = 0;
    for (const char *s = re; *s; s++) {
        double factor = 0;  /* > 0: *s is a repeat of `last` */
        switch (*s) {
        case '(':
            if (depth == 32)
                return REGEX_GUARD_MAX_COPIES + 1;
            group[++depth] = 0;
            last = 0;
            continue;
        case ')':
            if (depth == 0) {
                last = 1; /* an unmatched ')' is an ordinary character */
                break;
            }
            last = group[depth--];
            group[depth] += last;
            continue;
        case '|':
            last = 0;
            continue;
        case '*':
        case '?':
            continue;
        case '+':
            factor = 2;
            break;
        case '{': {
            char *end;
            unsigned long m = strtoul(s + 1, &end, 10), n = m;
            if (*end == ',')
                n = end[1] == '}' ? m + 1 : strtoul(end + 1, &end, 10);
            factor = n > m ? (double)n : (double)m;
            const char *close = strchr(s, '}');
            s = close ? close : s + strlen(s) - 1;
            break;
        }
        case '[': { /* one atom, whatever its list: "[]a]", "[^]a]", "[[:digit:]x]" */
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
            s = *q ? q : q - 1;
            last = 1;
            break;
        }
        case '\\':
            s += s[1] != '\0';
            last = 1;
            break;
        default:
            last = 1;
            break;
        }
        if (factor > 0) { /* the repeated part is counted once already */
            group[depth] += last * (factor - 1);
            last *= factor;
        } else {
            group[depth] += last;
        }
        if (group[depth] > REGEX_GUARD_MAX_COPIES)
            return group[depth];
    }
    double total = 0;
    for (int i = 0; i <= depth; i++)
        total += group[i];
    return total;
}

bool regex_too_big(const char *re)
{
    return regex_copies(re) > REGEX_GUARD_MAX_COPIES;
}
