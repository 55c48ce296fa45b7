#include "strbuf.h"

#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reserve(struct strbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 128;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

void sb_free(struct strbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void sb_reset(struct strbuf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

void sb_add(struct strbuf *b, const void *data, size_t n)
{
    reserve(b, n);
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void sb_puts(struct strbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

void sb_vprintf(struct strbuf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return;
    reserve(b, (size_t)n);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void sb_printf(struct strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

void sb_json_string(struct strbuf *b, const void *data, size_t n)
{
    const unsigned char *p = data;
    sb_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\')
            sb_printf(b, "\\%c", p[i]);
        else if (p[i] < 0x20 || p[i] >= 0x7f)
            sb_printf(b, "\\u%04x", p[i]);
        else
            sb_add(b, &p[i], 1);
    }
    sb_add(b, "\"", 1);
}

void sb_c_escape(struct strbuf *b, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        switch (p[i]) {
        case '\r': sb_add(b, "\\r", 2); break;
        case '\n': sb_add(b, "\\n", 2); break;
        case '\\': sb_add(b, "\\\\", 2); break;
        default:
            if (p[i] < 0x20 || p[i] >= 0x7f)
                sb_printf(b, "\\x%02X", p[i]);
            else
                sb_add(b, &p[i], 1);
        }
    }
}

void sb_c_quote(struct strbuf *b, const void *data, size_t n)
{
    const unsigned char *p = data;
    sb_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"')
            sb_add(b, "\\\"", 2);
        else
            sb_c_escape(b, &p[i], 1);
    }
    sb_add(b, "\"", 1);
}

const char *sb_str(const struct strbuf *b)
{
    return b->p ? b->p : "";
}
