#include "json_read.h"

#include <limits.h>
#include <string.h>

/* ---- paths ------------------------------------------------------------------------ */

enum seg_kind { SEG_END, SEG_KEY, SEG_INDEX, SEG_BAD };

/* One step of a path: a key or an index, and the path after it. */
struct segment {
    enum seg_kind kind;
    const char *key;
    size_t key_len;
    size_t index;
    const char *rest;
};

/* The first segment of `path`. At the top a key has no leading '.'; below it
 * every key follows a '.'. */
static struct segment next_segment(const char *path, bool top)
{
    struct segment s = {.kind = SEG_BAD, .rest = path};
    if (*path == '\0') {
        s.kind = SEG_END;
    } else if (*path == '[') {
        const char *p = path + 1;
        size_t v = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (v > ((size_t)-1 - (size_t)(*p - '0')) / 10)
                return s;
            v = v * 10 + (size_t)(*p - '0');
        }
        if (p == path + 1 || *p != ']')
            return s;
        s = (struct segment){.kind = SEG_INDEX, .index = v, .rest = p + 1};
    } else if (top || *path == '.') {
        const char *key = top ? path : path + 1;
        size_t n = strcspn(key, ".[]");
        if (n == 0 || key[n] == ']')
            return s;
        s = (struct segment){.kind = SEG_KEY, .key = key, .key_len = n, .rest = key + n};
    }
    return s;
}

static bool path_valid(const char *path)
{
    for (bool top = true;; top = false) {
        struct segment s = next_segment(path, top);
        if (s.kind == SEG_END)
            return true;
        if (s.kind == SEG_BAD)
            return false;
        path = s.rest;
    }
}

/* ---- strings ---------------------------------------------------------------------- */

static int hex4(const char *p, const char *end, unsigned *out)
{
    unsigned v = 0;
    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
        if (d == 16u)
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

static int utf8_encode(unsigned cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* \uXXXX at *p (after the backslash and 'u'), a surrogate pair taken whole. */
static int unicode_escape(const char **p, const char *end, char out[4])
{
    unsigned cp, low;
    if (hex4(*p, end, &cp) < 0)
        return -1;
    *p += 4;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return -1;                       /* a low surrogate with no high one before it */
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (end - *p < 6 || (*p)[0] != '\\' || (*p)[1] != 'u' || hex4(*p + 2, end, &low) < 0 ||
            low < 0xDC00 || low > 0xDFFF)
            return -1;
        *p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    return utf8_encode(cp, out);
}

/* The next character of a string's body at *p: its bytes into `out` and their
 * count; 0 at the closing quote (consumed); -1 when malformed. */
static int string_char(const char **p, const char *end, char out[4])
{
    static const char plain[] = "\"\\/bfnrt", meant[] = "\"\\/\b\f\n\r\t";
    if (*p >= end)
        return -1;
    char c = *(*p)++;
    if (c == '"')
        return 0;
    if ((unsigned char)c < 0x20)
        return -1;                       /* control characters must be escaped */
    if (c != '\\') {
        out[0] = c;
        return 1;
    }
    if (*p >= end)
        return -1;
    c = *(*p)++;
    if (c == 'u')
        return unicode_escape(p, end, out);
    const char *e = c ? strchr(plain, c) : NULL;
    if (!e)
        return -1;
    out[0] = meant[e - plain];
    return 1;
}

/* A string's text (from its opening quote) against `key`, once unescaped. */
static bool string_equals(const char *text, const char *end, const char *key, size_t key_len)
{
    const char *p = text + 1;
    size_t at = 0;
    char ch[4];
    for (int n; (n = string_char(&p, end, ch)) > 0; at += (size_t)n)
        if (at + (size_t)n > key_len || memcmp(key + at, ch, (size_t)n) != 0)
            return false;
    return at == key_len;
}

/* ---- the walk --------------------------------------------------------------------- */

struct reader {
    const char *p, *end;
    bool found;
    struct json_value value;
};

static bool parse_value(struct reader *r, const char *path, bool top, int depth);

static void skip_space(struct reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static bool take(struct reader *r, char c)
{
    skip_space(r);
    if (r->p < r->end && *r->p == c) {
        r->p++;
        return true;
    }
    return false;
}

static bool parse_string(struct reader *r)
{
    char ch[4];
    int n;
    r->p++;                              /* the opening quote */
    while ((n = string_char(&r->p, r->end, ch)) > 0)
        ;
    return n == 0;
}

static bool digits(struct reader *r)
{
    const char *from = r->p;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
        r->p++;
    return r->p > from;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool parse_number(struct reader *r)
{
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p < r->end && *r->p == '0')
        r->p++;
    else if (!digits(r))
        return false;
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        if (!digits(r))
            return false;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (!digits(r))
            return false;
    }
    return true;
}

static bool parse_word(struct reader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return false;
    r->p += n;
    return true;
}

/* `want`: the key the path goes through here, or NULL when it does not. */
static bool parse_object(struct reader *r, const struct segment *want, int depth)
{
    bool taken = false;                  /* of duplicate keys, the first counts */
    r->p++;
    if (take(r, '}'))
        return true;
    do {
        skip_space(r);
        const char *key = r->p;
        if (r->p >= r->end || *r->p != '"' || !parse_string(r) || !take(r, ':'))
            return false;
        bool match = want && !taken && string_equals(key, r->p, want->key, want->key_len);
        taken = taken || match;
        if (!parse_value(r, match ? want->rest : NULL, false, depth))
            return false;
    } while (take(r, ','));
    return take(r, '}');
}

/* `want`: the index the path goes through here, or NULL when it does not. */
static bool parse_array(struct reader *r, const struct segment *want, int depth)
{
    size_t i = 0;
    r->p++;
    if (take(r, ']'))
        return true;
    do {
        bool match = want && want->index == i++;
        if (!parse_value(r, match ? want->rest : NULL, false, depth))
            return false;
    } while (take(r, ','));
    return take(r, ']');
}

/* Parses one value; when `path` (what is left of it) is empty, this is the
 * value asked for. Returns false when the text is malformed. */
static bool parse_value(struct reader *r, const char *path, bool top, int depth)
{
    struct segment seg = {.kind = SEG_BAD};
    if (path)
        seg = next_segment(path, top);
    skip_space(r);
    if (r->p >= r->end || depth >= JSON_READ_MAX_DEPTH)
        return false;
    const char *start = r->p;
    enum json_type type;
    bool ok;
    switch (*r->p) {
    case '{':
        type = JSON_OBJECT;
        ok = parse_object(r, seg.kind == SEG_KEY ? &seg : NULL, depth + 1);
        break;
    case '[':
        type = JSON_ARRAY;
        ok = parse_array(r, seg.kind == SEG_INDEX ? &seg : NULL, depth + 1);
        break;
    case '"':
        type = JSON_STRING;
        ok = parse_string(r);
        break;
    case 't':
        type = JSON_TRUE;
        ok = parse_word(r, "true");
        break;
    case 'f':
        type = JSON_FALSE;
        ok = parse_word(r, "false");
        break;
    case 'n':
        type = JSON_NULL;
        ok = parse_word(r, "null");
        break;
    default:
        type = JSON_NUMBER;
        ok = parse_number(r);
        break;
    }
    if (ok && path && seg.kind == SEG_END && !r->found) {
        r->found = true;
        r->value = (struct json_value){type, start, (size_t)(r->p - start)};
    }
    return ok;
}

/* ---- lookups ---------------------------------------------------------------------- */

enum json_result json_find(const char *json, size_t len, const char *path, struct json_value *out)
{
    if (!path_valid(path))
        return JSON_E_PATH;
    struct reader r = {.p = json, .end = json + len};
    if (!parse_value(&r, path, true, 0))
        return JSON_E_MALFORMED;
    skip_space(&r);
    if (r.p != r.end)
        return JSON_E_MALFORMED;         /* bytes after the value */
    if (!r.found)
        return JSON_E_NOT_FOUND;
    *out = r.value;
    return JSON_OK;
}

enum json_result json_get_int(const char *json, size_t len, const char *path, long long *out)
{
    struct json_value v;
    enum json_result rc = json_find(json, len, path, &v);
    if (rc != JSON_OK)
        return rc;
    if (v.type != JSON_NUMBER || memchr(v.text, '.', v.len) || memchr(v.text, 'e', v.len) ||
        memchr(v.text, 'E', v.len))
        return JSON_E_TYPE;
    bool negative = v.text[0] == '-';
    /* the magnitude of LLONG_MIN is one more than LLONG_MAX's */
    unsigned long long limit = (unsigned long long)LLONG_MAX + (negative ? 1u : 0u), mag = 0;
    for (size_t i = negative ? 1 : 0; i < v.len; i++) {
        unsigned d = (unsigned)(v.text[i] - '0');
        if (mag > (limit - d) / 10)
            return JSON_E_RANGE;
        mag = mag * 10 + d;
    }
    *out = !negative ? (long long)mag : mag > (unsigned long long)LLONG_MAX ? LLONG_MIN : -(long long)mag;
    return JSON_OK;
}

enum json_result json_get_bool(const char *json, size_t len, const char *path, bool *out)
{
    struct json_value v;
    enum json_result rc = json_find(json, len, path, &v);
    if (rc != JSON_OK)
        return rc;
    if (v.type != JSON_TRUE && v.type != JSON_FALSE)
        return JSON_E_TYPE;
    *out = v.type == JSON_TRUE;
    return JSON_OK;
}

enum json_result json_get_string(const char *json, size_t len, const char *path, char *buf, size_t cap, size_t *n)
{
    struct json_value v;
    enum json_result rc = json_find(json, len, path, &v);
    if (rc != JSON_OK)
        return rc;
    if (v.type != JSON_STRING)
        return JSON_E_TYPE;
    const char *p = v.text + 1, *end = v.text + v.len;
    size_t at = 0;
    char ch[4];
    for (int k; (k = string_char(&p, end, ch)) > 0; at += (size_t)k) {
        if (at + (size_t)k >= cap)
            return JSON_E_SPACE;         /* room for the NUL too */
        memcpy(buf + at, ch, (size_t)k);
    }
    if (cap == 0)
        return JSON_E_SPACE;
    buf[at] = '\0';
    if (n)
        *n = at;
    return JSON_OK;
}

const char *json_result_str(enum json_result r)
{
    switch (r) {
    case JSON_OK: return "ok";
    case JSON_E_MALFORMED: return "malformed JSON";
    case JSON_E_PATH: return "not a valid path";
    case JSON_E_NOT_FOUND: return "no such value";
    case JSON_E_TYPE: return "a value of another type";
    case JSON_E_RANGE: return "a number out of range";
    case JSON_E_SPACE: return "a string longer than the buffer";
    }
    return "unknown result";
}
