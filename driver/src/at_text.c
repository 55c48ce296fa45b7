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

void at_buf_arg_u32(struct at_buf *b, uint32_t v)
{
    at_buf_mem(b, ",", 1);
    at_buf_u32(b, v);
}

void at_buf_arg_quoted(struct at_buf *b, const char *s)
{
    at_buf_mem(b, ",", 1);
    at_buf_quoted(b, s);
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

const char *at_text_nth(const char *list, size_t n, size_t i)
{
    if (i >= n)
        return "?";
    while (i-- > 0)
        list += strlen(list) + 1;
    return list;
}

static size_t skip_spaces(const char *line, size_t len, size_t i)
{
    while (i < len && line[i] == ' ')
        i++;
    return i;
}

/* The integers after the first ':' (or from the start); *end is where the
 * scan stopped. */
static size_t scan_ints(const char *line, size_t len, long *out, size_t max, size_t *end)
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
    *end = i;
    return count;
}

size_t at_scan_ints(const char *line, size_t len, long *out, size_t max)
{
    size_t end;
    return scan_ints(line, len, out, max, &end);
}

size_t at_scan_ints_whole(const char *line, size_t len, long *out, size_t max)
{
    size_t end;
    size_t n = scan_ints(line, len, out, max, &end);
    return end == len ? n : 0;
}

/* RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_sequence(const unsigned char *p, size_t left)
{
    unsigned c = p[0];
    size_t need, i;
    unsigned min;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (left < need)
        return 0;
    {
        unsigned long cp = c & (0x3Fu >> (need - 1));
        for (i = 1; i < need; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFFul || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
    }
    return need;
}

bool at_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_sequence(p + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}
