/* Tokenizer for one line of a scenario file (scenarios/README.md, "Lexical rules").
 *
 * A line is split into tokens:
 *   word     a run of characters other than blanks, '"', '=' and a comment '#'
 *            (keywords, numbers, durations, identifiers)
 *   string   "..." with C escapes \r \n \t \0 \\ \" \xHH; may contain NUL bytes
 *   regex    /.../ with "\/" standing for '/'; every other backslash is kept for regcomp
 *   key=val  a word followed by '=' and a word, string or regex (e.g. qos=1, user="x")
 * '#' at the start of a line or after a blank starts a comment up to the end of the line.
 *
 * Ownership: scn_lex_line() fills caller-owned struct scn_line; the token texts
 * are heap copies released by scn_line_clear(). No global or static state.
 */
#ifndef SCN_LEX_H
#define SCN_LEX_H

#include <stddef.h>

enum scn_tok_kind {
    SCN_TOK_WORD,
    SCN_TOK_STRING,
    SCN_TOK_REGEX,
};
const char *scn_tok_kind_str(enum scn_tok_kind k);

struct scn_tok {
    enum scn_tok_kind kind; /* kind of the value (for key=val: of the part after '=') */
    char *key;              /* NULL unless the token is key=val */
    char *text;             /* decoded bytes, always NUL-terminated */
    size_t len;             /* length of text without the terminator (strings may hold NULs) */
    int col;                /* 1-based column where the token starts */
};

struct scn_line {
    struct scn_tok *toks;
    size_t n, cap;
    char *error;            /* first lexical error of the line (heap), NULL if none */
    int error_col;
};

/* Tokenizes text[0..len) (one line without its terminator).
 * Returns 0, or -1 with line->error set (tokens before the error are kept). */
int scn_lex_line(const char *text, size_t len, struct scn_line *line);

/* Frees the tokens and the error; the struct can be reused (or left, once cleared). */
void scn_line_clear(struct scn_line *line);

#endif
