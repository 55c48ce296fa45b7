#include "redact.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

/* Which parameters (0-based) hold credentials, by the text that starts the line.
 * CGAUTH and CSOCKAUTH: both fields, since firmwares disagree on their order
 * (reference §5.2, findings §33). */
static const struct {
    const char *prefix;
    unsigned fields;          /* bit i: parameter i is secret */
} rules[] = {
    {"AT+CMQTTCONNECT=", 1u << 5},          /* <i>,<server>,<keepalive>,<clean>,<user>,<pass> */
    {"+CMQTTCONNECT: ", 1u << 5},
    {"AT+CGAUTH=", 1u << 2 | 1u << 3},      /* <cid>,<auth_type>,<passwd>,<user> */
    {"+CGAUTH: ", 1u << 2 | 1u << 3},
    {"AT+CSOCKAUTH=", 1u << 2 | 1u << 3},   /* the same fields, for the socket contexts */
    {"+CSOCKAUTH: ", 1u << 2 | 1u << 3},
    {"AT+CSSLCFG=\"PASSWORD\",", 1u << 1},  /* <ctx>,<password> */
    {"+CSSLCFG: ", 1u << 9},                  /* the read form's 10th field (findings §27) */
    {"AT+HTTPPARA=\"USERDATA\",", 1u << 0},  /* request headers: firmware puts tokens there */
};

#define HIDDEN "***"

/* Case-insensitive prefix match after any leading CR/LF; returns where the parameters start. */
static const char *params_after(const char *line, size_t n, const char *prefix, size_t *skip)
{
    size_t lead = 0;
    while (lead < n && (line[lead] == '\r' || line[lead] == '\n'))
        lead++;
    size_t len = strlen(prefix);
    if (n - lead < len)
        return NULL;
    for (size_t i = 0; i < len; i++)
        if (toupper((unsigned char)line[lead + i]) != prefix[i])
            return NULL;
    *skip = lead + len;
    return line + lead + len;
}

int redact_line(const char *line, size_t n, struct strbuf *out)
{
    size_t start = 0;
    unsigned secret = 0;
    for (size_t r = 0; r < sizeof rules / sizeof rules[0] && !secret; r++)
        if (params_after(line, n, rules[r].prefix, &start))
            secret = rules[r].fields;
    if (!secret) {
        sb_add(out, line, n);
        return 0;
    }
    sb_add(out, line, start);
    int replaced = 0;
    unsigned field = 0;
    bool quoted = false, marked = false;     /* marked: this field's "***" is out */
    for (size_t i = start; i < n; i++) {
        char c = line[i];
        bool hide = (secret >> field) & 1u;
        if (c == '"') {
            quoted = !quoted;
            bool empty = i + 1 < n && line[i + 1] == '"';   /* "" holds nothing: shown as it is */
            if (hide && quoted && !marked && !empty) {
                sb_puts(out, "\"" HIDDEN);
                replaced++;
                marked = true;
                continue;
            }
        } else if (c == ',' && !quoted) {
            field++;
            marked = false;
        } else if (c == ';' && !quoted) {
            secret = 0;        /* the next command of the line, or AT&V's next setting */
        } else if (hide && c != '\r' && c != '\n') {
            if (!marked) {     /* the secret's own characters are not recorded */
                sb_puts(out, HIDDEN);
                replaced++;
                marked = true;
            }
            continue;
        }
        sb_add(out, &c, 1);
    }
    return replaced;
}

bool redact_may_hold_secret(const char *line, size_t n)
{
    size_t lead = 0;
    while (lead < n && (line[lead] == '\r' || line[lead] == '\n'))
        lead++;
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        size_t len = strlen(rules[r].prefix), k = 0;
        while (k < len && lead + k < n && toupper((unsigned char)line[lead + k]) == rules[r].prefix[k])
            k++;
        if (k == len || lead + k == n)
            return true;       /* it is one, or it is still on its way to be one */
    }
    return false;
}

/* ---- AT+CCERTDOWN's data phase ------------------------------------------------------------ */

#define CERTDOWN "AT+CCERTDOWN="
#define PEM_BEGIN "-----BEGIN "
#define PEM_END "-----END "
#define PEM_CERT_BEGIN "-----BEGIN CERTIFICATE-----"
#define PROMPT '>'            /* a module that echoes the data glues it to its prompt (findings §4) */

static bool starts_with(const char *p, size_t n, const char *prefix)
{
    size_t len = strlen(prefix);
    return n >= len && memcmp(p, prefix, len) == 0;
}

/* The <len> at the end of "AT+CCERTDOWN=<name>,<len>", or 0. */
static size_t announced_length(const char *line, size_t n)
{
    size_t skip;
    if (!params_after(line, n, CERTDOWN, &skip))
        return 0;
    while (n > skip && (line[n - 1] == '\r' || line[n - 1] == '\n'))
        n--;
    size_t i = n, len = 0, scale = 1;
    while (i > skip && line[i - 1] >= '0' && line[i - 1] <= '9' && scale <= 1000000) {
        len += (size_t)(line[i - 1] - '0') * scale;
        scale *= 10;
        i--;
    }
    return i < n && i > skip && line[i - 1] == ',' ? len : 0;
}

/* One line of upload data: kept where it is a certificate's, a PEM marker or
 * blank; otherwise its bytes become "***" and its line ends stay. */
static int upload_line(struct redact_stream *st, const char *line, size_t n, struct strbuf *out)
{
    size_t lead = 0, end = n;
    while (lead < n && (line[lead] == '\r' || line[lead] == '\n' || line[lead] == PROMPT))
        lead++;
    while (end > lead && (line[end - 1] == '\r' || line[end - 1] == '\n'))
        end--;
    const char *body = line + lead;
    size_t len = end - lead;
    bool keep = len == 0 || st->in_certificate || starts_with(body, len, PEM_BEGIN) || starts_with(body, len, PEM_END);
    if (starts_with(body, len, PEM_BEGIN))
        st->in_certificate = starts_with(body, len, PEM_CERT_BEGIN);
    else if (starts_with(body, len, PEM_END))
        st->in_certificate = false;
    if (keep) {
        sb_add(out, line, n);
        return 0;
    }
    sb_add(out, line, lead);
    sb_puts(out, HIDDEN);
    sb_add(out, line + end, n - end);
    return 1;
}

/* Whether a line is nothing but line ends and the prompt. */
static bool only_prompt(const char *line, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (line[i] != '\r' && line[i] != '\n' && line[i] != PROMPT)
            return false;
    return true;
}

/* The module's answers that end a data phase (findings §4, §27). */
static const char *const final_results[] = {"OK\r", "ERROR\r", "+CME ERROR:"};

static bool is_final_result(const char *line, size_t n)
{
    size_t lead = 0;
    while (lead < n && (line[lead] == '\r' || line[lead] == '\n'))
        lead++;
    for (size_t i = 0; i < sizeof final_results / sizeof final_results[0]; i++)
        if (starts_with(line + lead, n - lead, final_results[i]))
            return true;
    return false;
}

/* The module's side in an upload: its prompt is not data, its result ends
 * the phase. Returns true when the line was handled so (kept as it is). */
static bool module_framing(struct redact_stream *st, const char *line, size_t n, struct strbuf *out)
{
    if (!st->module || st->data_left == 0)
        return false;
    if (!only_prompt(line, n) && !is_final_result(line, n))
        return false;
    if (!only_prompt(line, n))
        st->data_left = 0;
    sb_add(out, line, n);
    return true;
}

int redact_stream_line(struct redact_stream *st, const char *line, size_t n, struct strbuf *out)
{
    bool fresh = st->fresh;
    st->fresh = false;
    if (module_framing(st, line, n, out))
        return 0;
    if (st->data_left == 0) {
        st->data_left = announced_length(line, n);
        st->fresh = st->data_left > 0;
        st->in_certificate = false;
        return redact_line(line, n, out);
    }
    if (fresh && n == 1 && line[0] == '\n') {     /* the LF of the command's CR LF is not data */
        sb_add(out, line, n);
        return 0;
    }
    st->data_left -= n < st->data_left ? n : st->data_left;
    return upload_line(st, line, n, out);
}

bool redact_stream_may_hold_secret(const struct redact_stream *st, const char *line, size_t n)
{
    return (st->data_left > 0 && !only_prompt(line, n)) || redact_may_hold_secret(line, n);
}

void redact_stream_module_said(struct redact_stream *host, const char *text, size_t n)
{
    for (size_t i = 0; i < n && host->data_left > 0; i++)
        if ((i == 0 || text[i - 1] == '\n') && is_final_result(text + i, n - i)) {
            host->data_left = 0;
            host->fresh = false;
            host->in_certificate = false;
        }
}

/* Whether a line starts as one redact_stream_line changes or learns from. */
static bool line_redactable(const char *line, size_t n)
{
    size_t skip;
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
        if (params_after(line, n, rules[r].prefix, &skip))
            return true;
    return params_after(line, n, CERTDOWN, &skip) != NULL;
}

bool redact_stream_text_may_change(const struct redact_stream *st, const char *text, size_t n)
{
    if (st->data_left > 0 || st->fresh)
        return true;
    for (size_t i = 0; i < n; i++)
        if ((i == 0 || text[i - 1] == '\r' || text[i - 1] == '\n') && line_redactable(text + i, n - i))
            return true;
    return false;
}

bool redact_stream_line_ends(const struct redact_stream *st, const char *line, size_t n)
{
    char last = n ? line[n - 1] : '\0';
    if (last == '\n' || n >= REDACT_LINE_MAX)
        return true;
    if (st->module)
        return false;
    return last == '\r' || (st->data_left > 0 && n >= st->data_left);
}

int redact_stream_text(struct redact_stream *st, const char *text, size_t n, struct strbuf *out)
{
    int replaced = 0;
    size_t start = 0;
    for (size_t i = 0; i < n; i++)
        if (redact_stream_line_ends(st, text + start, i + 1 - start)) {
            replaced += redact_stream_line(st, text + start, i + 1 - start, out);
            start = i + 1;
        }
    if (start < n)
        replaced += redact_stream_line(st, text + start, n - start, out);
    return replaced;
}
