#include "cescape.h"

#include <ctype.h>
#include <string.h>

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

long c_unescape(const char *in, size_t n, uint8_t *out, size_t *bad)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] != '\\') {
            out[o++] = (uint8_t)in[i];
            continue;
        }
        if (++i == n) {
            *bad = i - 1;
            return -1;
        }
        switch (in[i]) {
        case 'r': out[o++] = '\r'; break;
        case 'n': out[o++] = '\n'; break;
        case 't': out[o++] = '\t'; break;
        case '0': out[o++] = '\0'; break;
        case '\\': out[o++] = '\\'; break;
        case '"': out[o++] = '"'; break;
        case 'x':
            if (i + 2 >= n || hex(in[i + 1]) < 0 || hex(in[i + 2]) < 0) {
                *bad = i - 1;
                return -1;
            }
            out[o++] = (uint8_t)(hex(in[i + 1]) * 16 + hex(in[i + 2]));
            i += 2;
            break;
        default:
            *bad = i - 1;
            return -1;
        }
    }
    return (long)o;
}

int tokenize(char *line, struct tokens *t, const char **why)
{
    t->count = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '\r' || *p == '\n')
            return 0;
        if (t->count == TOKENS_MAX) {
            *why = "too many words";
            return -1;
        }
        char *start = p;
        if (*p == '"') {
            start = ++p;
            while (*p && *p != '"')
                p += (p[0] == '\\' && p[1]) ? 2 : 1;   /* an escaped quote does not end it */
            if (*p != '"') {
                *why = "unterminated quoted string";
                return -1;
            }
        } else {
            while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
                p++;
        }
        char *end = p;
        if (*p)
            p++;
        size_t bad;
        long n = c_unescape(start, (size_t)(end - start), (uint8_t *)start, &bad);
        if (n < 0) {
            *why = "bad escape (use \\r \\n \\t \\0 \\\\ \\\" or \\xHH)";
            return -1;
        }
        start[n] = '\0';
        t->v[t->count] = start;
        t->len[t->count++] = (size_t)n;
    }
}
