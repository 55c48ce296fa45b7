/* Scenario tokenizer: see scn_lex.h. */
#include "scn_lex.h"

#include "alloc.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *scn_tok_kind_str(enum scn_tok_kind k)
{
    switch (k) {
    case SCN_TOK_WORD: return "word";
    case SCN_TOK_STRING: return "string";
    case SCN_TOK_REGEX: return "regex";
    }
    return "?";
}

struct lexer {
    const char *s;
    size_t len;
    size_t pos;
    struct scn_line *line;
};

static int lex_fail(struct lexer *lx, size_t at, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    lx->line->error = xstrdup(buf);
    lx->line->error_col = (int)at + 1;
    return -1;
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

static bool is_word_char(char c)
{
    return !is_blank(c) && c != '"' && c != '=' && c != '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A growing byte buffer; only used while one token is read. */
struct bytes { char *p; size_t n, cap; };

static void bytes_put(struct bytes *b, char c)
{
    b->p = grow_array(b->p, &b->cap, b->n + 2, 1);
    b->p[b->n++] = c;
    b->p[b->n] = '\0';
}

/* Reads "..." starting at the opening quote. */
static int lex_string(struct lexer *lx, struct bytes *out)
{
    size_t start = lx->pos++;
    while (lx->pos < lx->len) {
        char c = lx->s[lx->pos];
        if (c == '"') {
            lx->pos++;
            return 0;
        }
        if (c != '\\') {
            bytes_put(out, c);
            lx->pos++;
            continue;
        }
        size_t esc = lx->pos;
        if (esc + 1 >= lx->len)
            return lex_fail(lx, esc, "a backslash ends the line inside a string; "
                            "expected an escape (\\r \\n \\t \\0 \\\\ \\\" \\xHH) and a closing '\"'");
        char e = lx->s[esc + 1];
        char v;
        lx->pos = esc + 2;
        switch (e) {
        case 'r': v = '\r'; break;
        case 'n': v = '\n'; break;
        case 't': v = '\t'; break;
        case '0': v = '\0'; break;
        case '\\': v = '\\'; break;
        case '"': v = '"'; break;
        case 'x': {
            int hi = esc + 2 < lx->len ? hexval(lx->s[esc + 2]) : -1;
            int lo = esc + 3 < lx->len ? hexval(lx->s[esc + 3]) : -1;
            if (hi < 0 || lo < 0)
                return lex_fail(lx, esc, "bad escape '\\x' in string; expected exactly two hex digits, as in \\x1A");
            v = (char)(hi * 16 + lo);
            lx->pos = esc + 4;
            break;
        }
        default:
            return lex_fail(lx, esc, "unknown escape '\\%c' in string; expected one of "
                            "\\r \\n \\t \\0 \\\\ \\\" \\xHH", e);
        }
        bytes_put(out, v);
    }
    return lex_fail(lx, start, "unterminated string; expected a closing '\"' on the same line");
}

/* Reads /.../ starting at the opening slash. */
static int lex_regex(struct lexer *lx, struct bytes *out)
{
    size_t start = lx->pos++;
    while (lx->pos < lx->len) {
        char c = lx->s[lx->pos];
        if (c == '/') {
            lx->pos++;
            if (out->n == 0)
                return lex_fail(lx, start, "empty regular expression '//'; expected /PATTERN/");
            return 0;
        }
        if (c == '\\' && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == '/') {
            bytes_put(out, '/');
            lx->pos += 2;
            continue;
        }
        bytes_put(out, c);
        lx->pos++;
    }
    return lex_fail(lx, start, "unterminated regular expression; expected a closing '/' on the same line");
}

static void line_push(struct scn_line *line, struct scn_tok tok)
{
    line->toks = grow_array(line->toks, &line->cap, line->n + 1, sizeof *line->toks);
    line->toks[line->n++] = tok;
}

/* Reads a value at lx->pos: a string, a regex or a word. */
static int lex_value(struct lexer *lx, struct bytes *out, enum scn_tok_kind *kind)
{
    char c = lx->s[lx->pos];
    if (c == '"') {
        *kind = SCN_TOK_STRING;
        return lex_string(lx, out);
    }
    if (c == '/') {
        *kind = SCN_TOK_REGEX;
        return lex_regex(lx, out);
    }
    *kind = SCN_TOK_WORD;
    while (lx->pos < lx->len && is_word_char(lx->s[lx->pos]))
        bytes_put(out, lx->s[lx->pos++]);
    return 0;
}

static int lex_token(struct lexer *lx)
{
    size_t start = lx->pos;
    struct bytes val = { 0 }, key = { 0 };
    struct scn_tok tok = { .col = (int)start + 1 };
    int rc;
    char c = lx->s[lx->pos];

    if (c == '=') {
        rc = lex_fail(lx, start, "'=' without an option name; expected key=value, as in qos=1");
        goto out;
    }
    if (c == '"' || c == '/') {
        rc = lex_value(lx, &val, &tok.kind);
    } else {
        rc = lex_value(lx, &val, &tok.kind);
        if (rc == 0 && lx->pos < lx->len && lx->s[lx->pos] == '=') {
            key = val;
            val = (struct bytes){ 0 };
            lx->pos++;
            if (lx->pos >= lx->len || is_blank(lx->s[lx->pos]) || lx->s[lx->pos] == '=') {
                rc = lex_fail(lx, start, "option '%s=' has no value; expected %s=VALUE", key.p, key.p);
                goto out;
            }
            rc = lex_value(lx, &val, &tok.kind);
        }
    }
    if (rc) goto out;
    /* A token must be followed by a blank, a comment or the end of the line. */
    if (lx->pos < lx->len && !is_blank(lx->s[lx->pos])) {
        unsigned char bad = (unsigned char)lx->s[lx->pos];
        char shown[8];
        if (bad >= 0x20 && bad < 0x7f) snprintf(shown, sizeof shown, "%c", bad);
        else snprintf(shown, sizeof shown, "\\x%02X", bad);
        rc = lex_fail(lx, lx->pos, "unexpected '%s' right after a %s; expected a blank between arguments",
                      shown, scn_tok_kind_str(tok.kind));
        goto out;
    }
    if (!val.p) {
        bytes_put(&val, '\0');
        val.n = 0;
    }
    tok.text = val.p;
    tok.len = val.n;
    tok.key = key.p;
    line_push(lx->line, tok);
    return 0;
out:
    free(val.p);
    free(key.p);
    return rc;
}

int scn_lex_line(const char *text, size_t len, struct scn_line *line)
{
    struct lexer lx = { .s = text, .len = len, .pos = 0, .line = line };
    scn_line_clear(line);
    while (lx.pos < len) {
        char c = text[lx.pos];
        if (is_blank(c)) {
            lx.pos++;
            continue;
        }
        if (c == '#')
            break;
        int rc = lex_token(&lx);
        if (rc) return rc;
    }
    return 0;
}

void scn_line_clear(struct scn_line *line)
{
    for (size_t i = 0; i < line->n; i++) {
        free(line->toks[i].key);
        free(line->toks[i].text);
    }
    free(line->toks);
    line->toks = NULL;
    line->n = line->cap = 0;
    free(line->error);
    line->error = NULL;
    line->error_col = 0;
}
