/* Status lines on UART1: a printf with only what status lines use. */
#include <stdarg.h>

#include "board.h"
#include "sim7600_cortex_m.h"

#define LINE_MAX 200u

struct line {
    char buf[LINE_MAX];
    size_t len;
};

static void put_char(struct line *l, char c)
{
    if (l->len < LINE_MAX)
        l->buf[l->len++] = c;
}

static void put_str(struct line *l, const char *s)
{
    while (*s)
        put_char(l, *s++);
}

static void put_uint(struct line *l, uint32_t v, uint32_t base)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    while (n)
        put_char(l, tmp[--n]);
}

static void put_conv(struct line *l, char conv, va_list *ap)
{
    int d;
    switch (conv) {
    case 's': put_str(l, va_arg(*ap, const char *)); break;
    case 'u': put_uint(l, va_arg(*ap, unsigned), 10); break;
    case 'x': put_uint(l, va_arg(*ap, unsigned), 16); break;
    case 'c': put_char(l, (char)va_arg(*ap, int)); break;
    case 'd':
        d = va_arg(*ap, int);
        if (d < 0)
            put_char(l, '-');
        put_uint(l, d < 0 ? 0u - (uint32_t)d : (uint32_t)d, 10);
        break;
    default: put_char(l, conv); break; /* %% and anything unknown, as is */
    }
}

/* The line is cut at LINE_MAX - 2 so that "\r\n" always fits. */
void status_printf(const char *fmt, ...)
{
    struct line l = {{0}, 0};
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt && l.len < LINE_MAX - 2u; fmt++) {
        if (*fmt != '%' || !fmt[1])
            put_char(&l, *fmt);
        else
            put_conv(&l, *++fmt, &ap);
    }
    va_end(ap);
    if (l.len > LINE_MAX - 2u)
        l.len = LINE_MAX - 2u;
    l.buf[l.len++] = '\r';
    l.buf[l.len++] = '\n';
    uart1_write((const uint8_t *)l.buf, l.len);
}
