/* The lines of a log one at a time, from text in memory or from a stream, in
 * memory that does not grow with the log: a line is kept up to LOG_LINE_MAX
 * bytes and its whole length told, so the importer can report it instead of
 * holding it. */
#ifndef HIL_LOG_LINES_H
#define HIL_LOG_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Far beyond any line a serial log, capture or socat dump has. */
#define LOG_LINE_MAX ((size_t)1 << 20)

struct log_lines {
    FILE *f;              /* NULL: the text only */
    const char *buf;      /* what is read and not yet split: the text, or f's chunk */
    size_t buf_len, pos;
    char *chunk;          /* f's read buffer */
    size_t left;          /* bytes of f still to be read */
    size_t total;         /* bytes read from f so far */
    char *line;           /* the current line, NUL-terminated, without its LF or CR LF */
    size_t len;           /* bytes of it kept in `line`, at most LOG_LINE_MAX */
    size_t cap;           /* `line` has room for cap bytes and a NUL */
    size_t full;          /* its whole length: over LOG_LINE_MAX for a line too long to keep */
    bool nul;             /* it holds a NUL byte */
    int number;           /* the current line's number, from 1 */
};

/* Lines of a C string (it ends at its NUL). */
void log_lines_text(struct log_lines *l, const char *text);
/* Lines of `f` from its current position, `max_bytes` of it at most (one
 * more than a caller's limit tells a file over it). */
void log_lines_file(struct log_lines *l, FILE *f, size_t max_bytes);
/* Moves to the next line; false at the end (or a read error: ferror(l->f)). */
bool log_lines_next(struct log_lines *l);
void log_lines_free(struct log_lines *l);

#endif
