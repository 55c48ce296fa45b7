#include "redact.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

/* Which parameters (0-based) hold credentials, by the text that starts the line.
 * CGAUTH: both fields, since firmwares disagree on their order (reference §5.2). */
static const struct {
    const char *prefix;
    unsigned fields;          /* bit i: parameter i is secret */
} rules[] = {
    {"AT+CMQTTCONNECT=", 1u << 5},          /* <i>,<server>,<keepalive>,<clean>,<user>,<pass> */
    {"+CMQTTCONNECT: ", 1u << 5},
    {"AT+CGAUTH=", 1u << 2 | 1u << 3},      /* <cid>,<auth_type>,<passwd>,<user> */
    {"+CGAUTH: ", 1u << 2 | 1u << 3},
};

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
    bool quoted = false;
    for (size_t i = start; i < n; i++) {
        char c = line[i];
        bool hide = (secret >> field) & 1u;
        if (c == '"') {
            quoted = !quoted;
            if (hide && quoted) {
                sb_puts(out, "\"***");
                replaced++;
                continue;
            }
        } else if (c == ',' && !quoted) {
            field++;
        } else if (hide && c != '\r' && c != '\n') {
            continue;          /* the secret's own characters are not recorded */
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
