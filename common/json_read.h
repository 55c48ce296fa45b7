/* Reading one value out of one JSON text by a path: the simulator's `state`
 * line (`stats.connlost`, `faults.garble`, `mqtt.clients[0].state`).
 *
 * A lookup walks the whole text once, so a truncated or otherwise malformed
 * text is refused (JSON_E_MALFORMED) even when the value asked for comes
 * before the damage. Nothing is allocated: values are handed back as a view
 * into the caller's text or copied into the caller's buffer. Nesting is
 * bounded (JSON_READ_MAX_DEPTH), so the recursion is too.
 *
 * A path is keys joined by '.', with [N] for the Nth element of an array:
 * "a.b", "a[0].b", "[2]" (the top level an array). A key cannot hold '.', '['
 * or ']'. Keys are compared after unescaping; of duplicate keys, the first
 * counts. Bytes of 0x80 and above pass through as they are (UTF-8 is not
 * checked). */
#ifndef COMMON_JSON_READ_H
#define COMMON_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_READ_MAX_DEPTH 32

enum json_result {
    JSON_OK = 0,
    JSON_E_MALFORMED = -1,   /* the text is not one JSON value (bad token, truncated, too deep, trailing bytes) */
    JSON_E_PATH = -2,        /* the path is not a path (empty key, "[x]", unclosed '[') */
    JSON_E_NOT_FOUND = -3,   /* well-formed, but nothing there */
    JSON_E_TYPE = -4,        /* found, but not of the kind asked for (a string for a number, 1.5 for an integer) */
    JSON_E_RANGE = -5,       /* an integer that does not fit a long long */
    JSON_E_SPACE = -6,       /* a string longer than the caller's buffer */
};

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

/* A value: its type and its text in the document (a string's with its quotes). */
struct json_value {
    enum json_type type;
    const char *text;
    size_t len;
};

/* Finds the value at `path` in the `len` bytes of `json`. */
enum json_result json_find(const char *json, size_t len, const char *path, struct json_value *out);

/* The integer at `path` (no fraction, no exponent). */
enum json_result json_get_int(const char *json, size_t len, const char *path, long long *out);
/* The true or false at `path`. */
enum json_result json_get_bool(const char *json, size_t len, const char *path, bool *out);
/* The string at `path`, unescaped into `buf` and NUL-terminated (it may hold
 * NUL bytes of its own: \u0000); its length in *n (may be NULL). On
 * JSON_E_SPACE, buf holds nothing useful. */
enum json_result json_get_string(const char *json, size_t len, const char *path, char *buf, size_t cap, size_t *n);

/* What a result means, for messages. */
const char *json_result_str(enum json_result r);

#endif
