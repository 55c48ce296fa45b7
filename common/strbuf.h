/* A growable string for building responses and JSON. */
#ifndef SIM_STRBUF_H
#define SIM_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
    char *p;          /* always NUL-terminated once anything was added */
    size_t len, cap;
};

void sb_free(struct strbuf *b);
void sb_reset(struct strbuf *b);
void sb_add(struct strbuf *b, const void *data, size_t n);
void sb_puts(struct strbuf *b, const char *s);
void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *b, const char *fmt, va_list ap);
/* Adds `data` as a JSON string value, quotes included. */
void sb_json_string(struct strbuf *b, const void *data, size_t n);
/* Adds `data` with C escapes (\r \n \\ \xHH): the capture format's byte encoding. */
void sb_c_escape(struct strbuf *b, const void *data, size_t n);
/* Adds `data` as a quoted token of the control protocol: "..." with C escapes, \" for a quote. */
void sb_c_quote(struct strbuf *b, const void *data, size_t n);
const char *sb_str(const struct strbuf *b);

#endif
