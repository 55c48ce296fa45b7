/* A check made before regcomp: a regular expression whose repeats would
 * expand past what glibc can compile in reasonable memory is refused. */
#ifndef HIL_REGEX_GUARD_H
#define HIL_REGEX_GUARD_H

#include <stdbool.h>

#define REGEX_GUARD_MAX_COPIES 100000.0

/* True when `re` (POSIX extended) would expand to more than 100,000 copies of
 * its parts, or nests groups over 32 deep: (a{400}){400}, a+++...+ */
bool regex_too_big(const char *re);

#endif
