/* Building command lines and reading numbers from response lines without
 * stdio: the core has no snprintf/strtol (no OS or libc beyond <string.h>). */
#ifndef AT_TEXT_H
#define AT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A bounded string builder over a caller-owned buffer; always NUL-terminated.
 * Overflow sticks: check at_buf_ok() once at the end. */
struct at_buf {
    char *p;
    size_t cap;
    size_t len;
    bool overflow;
    bool unquotable;   /* a quoted string held '"' or a control byte */
};

void at_buf_init(struct at_buf *b, char *p, size_t cap);
void at_buf_str(struct at_buf *b, const char *s);
void at_buf_mem(struct at_buf *b, const char *s, size_t n);
void at_buf_u32(struct at_buf *b, uint32_t v);
/* Appends "s" in double quotes; a '"' or control byte inside marks the
 * buffer unquotable (the module has no escape for them). */
void at_buf_quoted(struct at_buf *b, const char *s);
/* One more parameter: "," then v, or "," then "s" quoted. */
void at_buf_arg_u32(struct at_buf *b, uint32_t v);
void at_buf_arg_quoted(struct at_buf *b, const char *s);
/* Neither overflowed nor unquotable: the line can be sent. */
bool at_buf_ok(const struct at_buf *b);

/* Does line[0..len) start with prefix? */
bool at_starts_with(const char *line, size_t len, const char *prefix);
/* Does line[0..len) equal s exactly? */
bool at_line_is(const char *line, size_t len, const char *s);

/* Reads the comma-separated unsigned integers after the line's ':' (or from
 * the start if there is none). Returns how many were read (<= max); stops at
 * the first field that is not a plain number ("+CREG: 0,1" -> 2: {0, 1}). */
size_t at_scan_ints(const char *line, size_t len, long *out, size_t max);
/* The same, but 0 unless the integers are all the line holds after its ':'
 * (a result line "+CMQTTPUB: 0,\xb11" damaged on the wire is not "0"). */
size_t at_scan_ints_whole(const char *line, size_t len, long *out, size_t max);

/* Entry i of a list of n strings laid end to end, each ended by its NUL
 * ("OFF\0CONNECTED"): names without a table of pointers. "?" past the end. */
const char *at_text_nth(const char *list, size_t n, size_t i);

/* Is s[0..len) well-formed UTF-8 (RFC 3629)? MQTT topics must be (MQTT 3.1.1 §1.5.3). */
bool at_utf8_valid(const char *s, size_t len);

#endif
