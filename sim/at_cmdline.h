/* V.250 command-line parsing: one line (without its <CR>) into commands.
 * Pure: no I/O, no state beyond the caller's structs. */
#ifndef SIM_AT_CMDLINE_H
#define SIM_AT_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define AT_MAX_COMMANDS_PER_LINE 16
#define AT_MAX_NAME 24
#define AT_MAX_ARGS 16

enum at_cmdline_kind { AT_CMDLINE_BASIC, AT_CMDLINE_EXTENDED };
/* Extended command forms (AT manual Table 2-1). */
enum at_cmdline_form { AT_FORM_EXEC, AT_FORM_TEST, AT_FORM_READ, AT_FORM_WRITE };

struct at_cmdline_cmd {
    enum at_cmdline_kind kind;
    enum at_cmdline_form form;
    char name[AT_MAX_NAME];  /* upper case: "+CMQTTSTART", "E", "&F", "S0" */
    int value;               /* basic commands: the number after the letter, -1 if none */
    const char *args;        /* WRITE form (S-register writes, D's dial string): points into the parsed line */
    size_t args_len;
};

struct at_cmdline {
    int count;
    struct at_cmdline_cmd cmd[AT_MAX_COMMANDS_PER_LINE];
};

enum at_parse_result {
    AT_PARSE_OK,
    AT_PARSE_NOT_AT,      /* the line does not start with AT */
    AT_PARSE_SYNTAX,      /* a command the grammar cannot split */
    AT_PARSE_TOO_MANY,    /* more than AT_MAX_COMMANDS_PER_LINE */
};

/* Splits `line` (length n, no terminator; must stay alive while `out` is used). */
enum at_parse_result at_cmdline_parse(const char *line, size_t n, struct at_cmdline *out);

/* One parameter of an extended command's argument list. */
enum at_arg_type { AT_ARG_EMPTY, AT_ARG_NUMBER, AT_ARG_STRING, AT_ARG_WORD };

struct at_arg {
    enum at_arg_type type;
    long number;          /* AT_ARG_NUMBER */
    const char *text;     /* string contents (without quotes) or the raw word */
    size_t len;
};

struct at_args {
    int count;
    struct at_arg v[AT_MAX_ARGS];
};

/* Splits "0,\"a,b\",12" into parameters. Returns 0, or -1 (a syntax error) for
 * an unterminated string, an unquoted parameter with a quote or a byte outside
 * printable ASCII, or more than AT_MAX_ARGS parameters. Texts point into `args`. */
int at_args_parse(const char *args, size_t n, struct at_args *out);

/* A quoted parameter equal to `text`. */
bool at_arg_is(const struct at_arg *v, const char *text);
/* A parameter's text into dst, cut to cap - 1 bytes and NUL-terminated. */
void at_arg_copy(char *dst, size_t cap, const struct at_arg *v);

#endif
