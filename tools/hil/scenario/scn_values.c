/* A token read as a typed value, and the options of a statement. Each reader
 * says what is wrong and what was expected, naming the value ("the topic",
 * "option qos="), and returns false. */
#include "scn_internal.h"

#include "alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCN_MAX_DURATION_MS 86400000ul /* a day: anything longer is a typo */

char *scn_xmemdup(struct scn_parser *p, const char *s, size_t n)
{
    (void)p;
    return xmemdup(s, n);
}

void scn_join_names(char *buf, size_t cap, const char *const *names)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; names[i] && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", names[i]);
}

const char *scn_tok_show(const struct scn_tok *t, char *buf, size_t cap)
{
    const char *open = t->kind == SCN_TOK_STRING ? "\"" : t->kind == SCN_TOK_REGEX ? "/" : "'";
    snprintf(buf, cap, "%s%.40s%s%s", open, t->text, t->len > 40 ? "..." : "", open);
    return buf;
}

bool scn_want_word(struct scn_parser *p, const struct scn_tok *t, const char *what)
{
    if (t->kind == SCN_TOK_WORD) return true;
    char b[64];
    scn_perr(p, "%s must be a plain word, got the %s %s", what, scn_tok_kind_str(t->kind),
             scn_tok_show(t, b, sizeof b));
    return false;
}

bool scn_parse_ulong(const char *s, unsigned long *v)
{
    if (*s < '0' || *s > '9') return false;
    errno = 0;
    char *end;
    unsigned long x = strtoul(s, &end, 10);
    if (errno || *end) return false;
    *v = x;
    return true;
}

bool scn_get_uint(struct scn_parser *p, const struct scn_tok *t, const char *what,
                  unsigned long min, unsigned long max, long *out)
{
    unsigned long v;
    if (!scn_want_word(p, t, what)) return false;
    if (!scn_parse_ulong(t->text, &v) || v < min || v > max) {
        if (t->key)
            scn_perr(p, "bad %s=%s; expected a whole number from %lu to %lu", t->key, t->text, min, max);
        else
            scn_perr(p, "bad %s '%s'; expected a whole number from %lu to %lu", what, t->text, min, max);
        return false;
    }
    *out = (long)v;
    return true;
}

/* The milliseconds a duration's unit stands for; 0 when it is not one. */
static unsigned long duration_scale(const char *s)
{
    size_t digits = strspn(s, "0123456789");
    if (digits == 0 || digits > 9) return 0;
    const char *unit = s + digits;
    if (*unit == '\0' || strcmp(unit, "ms") == 0) return 1;
    if (strcmp(unit, "s") == 0) return 1000;
    if (strcmp(unit, "min") == 0) return 60000;
    return 0;
}

bool scn_get_duration(struct scn_parser *p, const struct scn_tok *t, const char *what, uint32_t *out)
{
    if (!scn_want_word(p, t, what)) return false;
    const char *s = t->text;
    unsigned long scale = duration_scale(s);
    unsigned long v = scale ? strtoul(s, NULL, 10) * scale : 0;
    if (!scale || v > SCN_MAX_DURATION_MS) {
        if (t->key)
            scn_perr(p, "bad duration %s=%s; expected a whole number with an optional unit "
                        "ms, s or min (250, 250ms, 5s, 2min), at most 24 hours", t->key, s);
        else
            scn_perr(p, "bad duration '%s' for %s; expected a whole number with an optional unit "
                        "ms, s or min (250, 250ms, 5s, 2min), at most 24 hours", s, what);
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

bool scn_get_string(struct scn_parser *p, const struct scn_tok *t, const char *what, struct scn_bytes *out)
{
    if (t->kind != SCN_TOK_STRING) {
        char b[64];
        scn_perr(p, "%s must be a quoted string, got the %s %s; write it as \"...\"",
                 what, scn_tok_kind_str(t->kind), scn_tok_show(t, b, sizeof b));
        return false;
    }
    scn_bytes_free(out);
    out->ptr = scn_xmemdup(p, t->text, t->len);
    out->len = out->ptr ? t->len : 0;
    return out->ptr != NULL;
}

bool scn_get_text(struct scn_parser *p, const struct scn_tok *t, const char *what, char **out)
{
    if (t->kind == SCN_TOK_REGEX) {
        scn_perr(p, "%s must be a word or a quoted string, got the regex /%s/", what, t->text);
        return false;
    }
    if (memchr(t->text, '\0', t->len)) {
        scn_perr(p, "%s must not contain a NUL byte", what);
        return false;
    }
    free(*out);
    *out = scn_xmemdup(p, t->text, t->len);
    return *out != NULL;
}

bool scn_get_name(struct scn_parser *p, const struct scn_tok *t, const char *what,
                  const char *const *names, int *out)
{
    char list[256];
    if (!scn_want_word(p, t, what)) return false;
    int i = scn_name_index(names, t->text);
    if (i < 0) {
        scn_join_names(list, sizeof list, names);
        scn_perr(p, "unknown %s '%s'; expected one of: %s", what, t->text, list);
        return false;
    }
    *out = i;
    return true;
}

void scn_get_payload(struct scn_parser *p, const struct scn_args *a, size_t idx, const char *kw,
                     struct scn_bytes *payload, size_t *size)
{
    const struct scn_tok *sz = scn_opt(a, "size");
    if (a->n_pos > idx && sz) {
        scn_perr(p, "'%s' takes either a PAYLOAD or size=N, not both", kw);
        return;
    }
    if (a->n_pos > idx) {
        scn_get_string(p, a->pos[idx], "the payload", payload);
        return;
    }
    if (!sz) {
        scn_perr(p, "'%s' needs a payload; expected a quoted PAYLOAD or size=N (N generated bytes)", kw);
        return;
    }
    long v;
    if (scn_get_uint(p, sz, "option size=", 1, 10240, &v))
        *size = (size_t)v;
}

/* ---- options ---- */

const struct scn_tok *scn_opt(const struct scn_args *a, const char *key)
{
    for (size_t i = 0; i < a->n_opt; i++)
        if (strcmp(a->opt[i]->key, key) == 0)
            return a->opt[i];
    return NULL;
}

void scn_opt_uint(struct scn_parser *p, const struct scn_args *a, const char *key,
                  unsigned long min, unsigned long max, long *out)
{
    const struct scn_tok *t = scn_opt(a, key);
    char what[48];
    snprintf(what, sizeof what, "option %s=", key);
    if (t) scn_get_uint(p, t, what, min, max, out);
}

void scn_opt_int(struct scn_parser *p, const struct scn_args *a, const char *key,
                 unsigned long min, unsigned long max, int *out)
{
    long v = *out;
    scn_opt_uint(p, a, key, min, max, &v);
    *out = (int)v;
}

void scn_opt_duration(struct scn_parser *p, const struct scn_args *a, const char *key, uint32_t *out)
{
    const struct scn_tok *t = scn_opt(a, key);
    char what[48];
    snprintf(what, sizeof what, "option %s=", key);
    if (t) scn_get_duration(p, t, what, out);
}

void scn_opt_string(struct scn_parser *p, const struct scn_args *a, const char *key, struct scn_bytes *out)
{
    const struct scn_tok *t = scn_opt(a, key);
    char what[48];
    snprintf(what, sizeof what, "option %s=", key);
    if (t) scn_get_string(p, t, what, out);
}

void scn_opt_result(struct scn_parser *p, const struct scn_args *a, enum scn_result *out)
{
    const struct scn_tok *t = scn_opt(a, "result");
    int v;
    if (t && scn_get_name(p, t, "result", scn_result_names, &v))
        *out = (enum scn_result)v;
}
