#include "parse_num.h"

#include <errno.h>
#include <stdlib.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool parse_long(const char *text, long min, long max, long *out)
{
    char *end;
    if (text == NULL || !is_digit(text[text[0] == '-']))
        return false;   /* strtol would also take spaces and '+' */
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool parse_u64(const char *text, uint64_t max, uint64_t *out)
{
    char *end;
    if (text == NULL || !is_digit(text[0]))
        return false;   /* strtoull would take "-1" as a huge number */
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = (uint64_t)v;
    return true;
}
