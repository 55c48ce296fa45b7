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

/* A line may chain commands with ';' (V.250 §5.2.1), and AT&V joins its
 * settings with "; ": each part after the first is looked at as a line of its
 * own, with or without its "AT" and after any spaces. */
enum part { FIRST_PART, CHAINED_PART };

/* How far `p` matches `prefix`, case-insensitively: its length when whole. */
static size_t matched(const char *p, size_t n, const char *prefix)
{
    size_t k = 0;
    while (prefix[k] && k < n && toupper((unsigned char)p[k]) == prefix[k])
        k++;
    return k;
}

/* The rule that starts the part at `p`: its secret fields (0: none) and where
 * its parameters start; `pending`: the part ends while it may still become one. */
static unsigned part_rule(const char *p, size_t n, enum part part, size_t *skip, bool *pending)
{
    size_t lead = 0;
    while (lead < n && (p[lead] == '\r' || p[lead] == '\n' || (part == CHAINED_PART && p[lead] == ' ')))
        lead++;
    *pending = lead == n;
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
        for (int strip = 0; strip <= (part == CHAINED_PART && strncmp(rules[r].prefix, "AT", 2) == 0); strip++) {
            const char *prefix = rules[r].prefix + 2 * strip;
            size_t k = matched(p + lead, n - lead, prefix);
            if (!prefix[k]) {
                *skip = lead + k;
                return rules[r].fields;
            }
            *pending = *pending || lead + k == n;
        }
    *skip = 0;
    return 0;
}

/* An unquoted secret hides the rest of its line (its line ends kept): a ';'
 * or ',' in it cannot be told from one that ends it, and hiding too much
 * loses nothing secret. Returns n. */
static size_t hide_rest(const char *line, size_t i, size_t n, struct strbuf *out)
{
    sb_puts(out, HIDDEN);
    for (; i < n; i++)
        if (line[i] == '\r' || line[i] == '\n')
            sb_add(out, line + i, 1);
    return n;
}

/* Copies a part's parameters from `i`, its secret fields as "***", through the
 * ';' that ends it (outside quotes, not in an unquoted secret); returns where
 * the next part starts. */
static size_t copy_part(const char *line, size_t i, size_t n, unsigned secret, struct strbuf *out, int *replaced)
{
    unsigned field = 0;
    bool quoted = false, marked = false;     /* marked: this field's "***" is out */
    for (; i < n; i++) {
        char c = line[i];
        bool hide = (secret >> field) & 1u;
        if (c == '"') {
            quoted = !quoted;
            bool empty = i + 1 < n && line[i + 1] == '"';   /* "" holds nothing: shown as it is */
            if (hide && quoted && !marked && !empty) {
                sb_puts(out, "\"" HIDDEN);
                (*replaced)++;
                marked = true;
                continue;
            }
        } else if (c == ',' && !quoted) {
            field++;
            marked = false;
        } else if (c == ';' && !quoted) {
            sb_add(out, &c, 1);
            return i + 1;
        } else if (hide && c != '\r' && c != '\n') {
            if (marked)
                continue;      /* a quoted secret's characters, and any after its quote */
            (*replaced)++;
            return hide_rest(line, i, n, out);
        }
        sb_add(out, &c, 1);
    }
    return n;
}

int redact_line(const char *line, size_t n, struct strbuf *out)
{
    int replaced = 0;
    sb_add(out, "", 0);
    for (size_t i = 0, skip; i < n;) {
        bool pending;
        unsigned secret = part_rule(line + i, n - i, i ? CHAINED_PART : FIRST_PART, &skip, &pending);
        sb_add(out, line + i, skip);
        i = copy_part(line, i + skip, n, secret, out, &replaced);
    }
    return replaced;
}

/* Where the part after `i` starts (past its unquoted ';'), or n; `chained`:
 * a ';' ended it, so another part follows, even if none of it is here yet. */
static size_t next_part(const char *line, size_t i, size_t n, bool *chained)
{
    bool quoted = false;
    for (; i < n; i++) {
        if (line[i] == '"') {
            quoted = !quoted;
        } else if (line[i] == ';' && !quoted) {
            *chained = true;
            return i + 1;
        }
    }
    *chained = false;
    return n;
}

bool redact_may_hold_secret(const char *line, size_t n)
{
    bool chained = true;
    for (size_t i = 0, skip; chained; i = next_part(line, i, n, &chained)) {
        bool pending;
        if (part_rule(line + i, n - i, i ? CHAINED_PART : FIRST_PART, &skip, &pending) || pending)
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

/* Whether a line (up to its end) is one redact_stream_line changes or learns from. */
static bool line_redactable(const char *line, size_t n)
{
    size_t skip, end = 0;
    while (end < n && (line[end] == '\r' || line[end] == '\n'))
        end++;
    while (end < n && line[end] != '\r' && line[end] != '\n')
        end++;
    bool chained = true;
    for (size_t i = 0; chained && i < end; i = next_part(line, i, end, &chained)) {
        bool pending;
        if (part_rule(line + i, end - i, i ? CHAINED_PART : FIRST_PART, &skip, &pending))
            return true;
    }
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
