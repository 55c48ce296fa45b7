/* Command-line building and number scanning (see at_text.h). */
#include "at_text.h"

#include <limits.h>
#include <string.h>

void at_buf_init(struct at_buf *b, char *p, size_t cap)
{
    b->p = p;
    b->cap = cap;
    b->len = 0;
    b->overflow = (cap == 0);
    b->unquotable = false;
    if (cap > 0)
        p[0] = '\0';
}

void at_buf_mem(struct at_buf *b, const char *s, size_t n)
{
    if (b->overflow || n >= b->cap - b->len) {
        b->overflow = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void at_buf_str(struct at_buf *b, const char *s)
{
    at_buf_mem(b, s, strlen(s));
}

void at_buf_u32(struct at_buf *b, uint32_t v)
{
    char digits[10];
    size_t n = 0;
    do {
        digits[sizeof digits - 1 - n] = (char)('0' + v % 10u);
        v /= 10u;
        n++;
    } while (v != 0 && n < sizeof digits);
    at_buf_mem(b, digits + sizeof digits - n, n);
}

void at_buf_quoted(struct at_buf *b, const char *s)
{
    const char *c;
    for (c = s; *c != '\0'; c++) {
        if (*c == '"' || (unsigned char)*c < 0x20)
            b->unquotable = true;
    }
    at_buf_mem(b, "\"", 1);
    at_buf_str(b, s);
    at_buf_mem(b, "\"", 1);
}

bool at_buf_ok(const struct at_buf *b)
{
    return !b->overflow && !b->unquotable;
}

bool at_starts_with(const char *line, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return n <= len && memcmp(line, prefix, n) == 0;
}

bool at_line_is(const char *line, size_t len, const char *s)
{
    return strlen(s) == len && memcmp(line, s, len) == 0;
}

static size_t skip_spaces(const char *line, size_t len, size_t i)
{
    while (i < len && line[i] == ' ')
        i++;
    return i;
}

size_t at_scan_ints(const char *line, size_t len, long *out, size_t max)
{
    const char *colon = memchr(line, ':', len);
    size_t i = colon != NULL ? (size_t)(colon - line) + 1 : 0;
    size_t count = 0;

    while (count < max) {
        long v = 0;
        size_t start;
        i = skip_spaces(line, len, i);
        start = i;
        while (i < len && line[i] >= '0' && line[i] <= '9' && v <= (LONG_MAX - 9) / 10)
            v = v * 10 + (line[i++] - '0');
        if (i == start)
            break;
        i = skip_spaces(line, len, i);
        out[count++] = v;
        if (i >= len || line[i] != ',')
            break;
        i++;
    }
    return count;
}
