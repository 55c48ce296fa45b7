#include "log_lines.h"

#include "alloc.h"

#include <stdlib.h>
#include <string.h>

#define LOG_CHUNK ((size_t)64 << 10)   /* one read from the stream */
#define LOG_LINE_START 256               /* the line buffer grows from here to LOG_LINE_MAX */

static void start(struct log_lines *l)
{
    l->pos = l->buf_len = l->total = 0;
    l->number = 0;
    l->cap = LOG_LINE_START;
    l->line = xmalloc(l->cap + 1);
}

void log_lines_text(struct log_lines *l, const char *text)
{
    memset(l, 0, sizeof *l);
    l->buf = text;
    start(l);
    l->buf_len = strlen(text);
}

void log_lines_file(struct log_lines *l, FILE *f, size_t max_bytes)
{
    memset(l, 0, sizeof *l);
    l->f = f;
    l->left = max_bytes;
    l->chunk = xmalloc(LOG_CHUNK);
    start(l);
    l->buf = l->chunk;
}

/* The next chunk of the stream; false when there is none. */
static bool refill(struct log_lines *l)
{
    if (!l->f || l->left == 0)
        return false;
    size_t n = fread(l->chunk, 1, l->left < LOG_CHUNK ? l->left : LOG_CHUNK, l->f);
    l->left -= n;
    l->total += n;
    l->buf_len = n;
    l->pos = 0;
    return n > 0;
}

/* Adds bytes to the current line: kept up to the limit, all counted. */
static void add(struct log_lines *l, const char *p, size_t n)
{
    size_t want = l->len + n < LOG_LINE_MAX ? l->len + n : LOG_LINE_MAX;
    while (l->cap < want) {
        size_t cap = l->cap * 2 < LOG_LINE_MAX ? l->cap * 2 : LOG_LINE_MAX;
        l->line = xrealloc(l->line, cap + 1);   /* at most LOG_LINE_MAX */
        l->cap = cap;
    }
    size_t keep = want - l->len;
    memcpy(l->line + l->len, p, keep);
    l->len += keep;
    l->full += n;
    l->nul = l->nul || memchr(p, '\0', n) != NULL;
}

bool log_lines_next(struct log_lines *l)
{
    l->len = l->full = 0;
    l->nul = false;
    bool ended = false;
    while (!ended) {
        if (l->pos == l->buf_len && !refill(l))
            break;
        const char *p = l->buf + l->pos, *nl = memchr(p, '\n', l->buf_len - l->pos);
        size_t n = nl ? (size_t)(nl - p) : l->buf_len - l->pos;
        add(l, p, n);
        l->pos += n + (nl != NULL);
        ended = nl != NULL;
    }
    if (!ended && l->full == 0)
        return false;
    if (l->full == l->len && l->len && l->line[l->len - 1] == '\r') {
        l->len--;   /* a log saved with CR LF line ends */
        l->full--;
    }
    l->line[l->len] = '\0';
    l->number++;
    return true;
}

void log_lines_free(struct log_lines *l)
{
    free(l->chunk);
    free(l->line);
    l->chunk = l->line = NULL;
}
