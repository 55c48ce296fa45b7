/* V.250 command-line parsing. The grammar accepts what V.250 and the SIM7600
 * accept: the AT prefix in any case, basic commands run together (ATE0V1),
 * extended commands separated by ';', and the forms =?, ?, = and bare. */
#include "at_cmdline.h"

#include <ctype.h>
#include <string.h>

static int is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '%' || c == '-';
}

static void copy_upper(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)toupper((unsigned char)src[i]);
    dst[n] = '\0';
}

/* Spaces are ignored outside strings (V.250 5.2.1): "AT+CSQ ", "AT+CREG ?". */
static size_t skip_spaces(const char *s, size_t i, size_t end)
{
    while (i < end && s[i] == ' ')
        i++;
    return i;
}

/* End of the current extended command: the first ';' outside a quoted string. */
static size_t extended_end(const char *s, size_t i, size_t n)
{
    int quoted = 0;
    for (; i < n; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (s[i] == ';' && !quoted)
            return i;
    }
    return n;
}

static size_t parse_extended(const char *s, size_t i, size_t n, struct at_cmdline_cmd *c)
{
    size_t start = i++;          /* the '+' (or '$', '^' on some firmware) */
    while (i < n && is_name_char(s[i]))
        i++;
    copy_upper(c->name, sizeof c->name, s + start, i - start);
    c->kind = AT_CMDLINE_EXTENDED;
    c->value = -1;
    c->args = NULL;
    c->args_len = 0;
    size_t end = extended_end(s, i, n);
    i = skip_spaces(s, i, end);
    size_t after_eq = i < end && s[i] == '=' ? skip_spaces(s, i + 1, end) : end;
    if (after_eq < end && s[after_eq] == '?') {          /* "=?", or "= ?" */
        c->form = AT_FORM_TEST;
        i = after_eq + 1;
    } else if (i < end && s[i] == '?') {
        c->form = AT_FORM_READ;
        i++;
    } else if (i < end && s[i] == '=') {
        c->form = AT_FORM_WRITE;
        c->args = s + i + 1;
        c->args_len = end - (i + 1);
        i = end;
    } else {
        c->form = AT_FORM_EXEC;
    }
    if (skip_spaces(s, i, end) != end)
        return 0;                /* junk between the form and the ';' */
    return end < n ? end + 1 : end;
}

static size_t parse_number(const char *s, size_t i, size_t n, int *value)
{
    long v = 0;
    size_t start = i;
    while (i < n && isdigit((unsigned char)s[i]) && v < 100000)
        v = v * 10 + (s[i++] - '0');
    *value = i > start ? (int)v : -1;
    return i;
}

/* Basic command: [&]letter[number], or S<n>=<v> / S<n>?. */
static size_t parse_basic(const char *s, size_t i, size_t n, struct at_cmdline_cmd *c)
{
    size_t start = i;
    c->kind = AT_CMDLINE_BASIC;
    c->form = AT_FORM_EXEC;
    c->args = NULL;
    c->args_len = 0;
    if (s[i] == '&')
        i++;
    if (i >= n || !isalpha((unsigned char)s[i]))
        return 0;
    int is_s_register = toupper((unsigned char)s[i]) == 'S' && s[start] != '&';
    int is_dial = toupper((unsigned char)s[i]) == 'D' && s[start] != '&';
    i++;
    copy_upper(c->name, sizeof c->name, s + start, i - start);
    if (is_dial) {             /* D: the dial string is the rest of the line (V.250 6.3.1) */
        c->value = -1;
        c->args = s + i;
        c->args_len = n - i;
        return n;
    }
    i = parse_number(s, i, n, &c->value);
    if (is_s_register && i < n && s[i] == '?') {
        c->form = AT_FORM_READ;
        i++;
    } else if (is_s_register && i < n && s[i] == '=') {
        c->form = AT_FORM_WRITE;
        c->args = s + i + 1;
        size_t j = i + 1;
        while (j < n && isdigit((unsigned char)s[j]))
            j++;
        c->args_len = j - (i + 1);
        i = j;
    }
    return i;
}

enum at_parse_result at_cmdline_parse(const char *line, size_t n, struct at_cmdline *out)
{
    out->count = 0;
    if (n < 2 || toupper((unsigned char)line[0]) != 'A' || toupper((unsigned char)line[1]) != 'T')
        return AT_PARSE_NOT_AT;
    size_t i = 2;
    while (i < n) {
        if (line[i] == ' ' || line[i] == ';') {   /* spaces between commands are ignored (V.250 5.2.1) */
            i++;
            continue;
        }
        if (out->count == AT_MAX_COMMANDS_PER_LINE)
            return AT_PARSE_TOO_MANY;
        struct at_cmdline_cmd *c = &out->cmd[out->count];
        size_t next = (line[i] == '+' || line[i] == '$' || line[i] == '^')
                          ? parse_extended(line, i, n, c)
                          : parse_basic(line, i, n, c);
        if (next == 0)
            return AT_PARSE_SYNTAX;
        out->count++;
        i = next;
    }
    return AT_PARSE_OK;
}

static int parse_one_arg(const char *s, size_t n, struct at_arg *a)
{
    while (n && (*s == ' '))
        s++, n--;
    while (n && s[n - 1] == ' ')
        n--;
    a->text = s;
    a->len = n;
    a->number = 0;
    if (n == 0) {
        a->type = AT_ARG_EMPTY;
        return 0;
    }
    if (s[0] == '"') {
        if (n < 2 || s[n - 1] != '"')
            return -1;
        a->type = AT_ARG_STRING;
        a->text = s + 1;
        a->len = n - 2;
        return 0;
    }
    /* an unquoted parameter is printable ASCII without quotes: a byte outside that
     * (typographic quotes pasted from the web, E2 80 9D) makes the line unreadable */
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)s[k] < 0x20 || (unsigned char)s[k] > 0x7e || s[k] == '"')
            return -1;
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    int digits = i < n;
    long v = 0;
    for (; i < n && digits; i++) {
        if (!isdigit((unsigned char)s[i]) || v > 100000000L)
            digits = 0;
        else
            v = v * 10 + (s[i] - '0');
    }
    a->type = digits ? AT_ARG_NUMBER : AT_ARG_WORD;
    a->number = s[0] == '-' ? -v : v;
    return 0;
}

int at_args_parse(const char *args, size_t n, struct at_args *out)
{
    out->count = 0;
    size_t start = 0;
    int quoted = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && args[i] == '"')
            quoted = !quoted;
        if (i < n && (args[i] != ',' || quoted))
            continue;
        if (out->count == AT_MAX_ARGS)
            return -1;
        if (parse_one_arg(args + start, i - start, &out->v[out->count++]) < 0)
            return -1;
        start = i + 1;
    }
    return quoted ? -1 : 0;
}

bool at_arg_is(const struct at_arg *v, const char *text)
{
    return v->type == AT_ARG_STRING && v->len == strlen(text) && memcmp(v->text, text, v->len) == 0;
}

void at_arg_copy(char *dst, size_t cap, const struct at_arg *v)
{
    size_t n = v->len < cap - 1 ? v->len : cap - 1;
    memcpy(dst, v->text, n);
    dst[n] = '\0';
}
