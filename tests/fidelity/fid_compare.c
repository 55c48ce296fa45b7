/* Sorting module lines into an answer, the commands outside issue 14, and
 * comparing the module's answer with the model's. */
#include "fidelity.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ---- one line ------------------------------------------------------------------------------ */

static const char *const final_words[] = {"OK", "ERROR", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE"};
static const char *const final_prefixes[] = {"+CME ERROR:", "+CMS ERROR:", "CONNECT"};

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool fid_is_final(const char *line)
{
    for (size_t i = 0; i < sizeof final_words / sizeof final_words[0]; i++)
        if (strcmp(line, final_words[i]) == 0)
            return true;
    for (size_t i = 0; i < sizeof final_prefixes / sizeof final_prefixes[0]; i++)
        if (starts_with(line, final_prefixes[i]))
            return true;
    return false;
}

/* The module asks for data: '>' (MQTT, sockets, SMS), DOWNLOAD (AT+HTTPDATA, AT+CCERTDOWN's
 * siblings in the HTTP manual, findings §31). */
bool fid_is_prompt(const char *line)
{
    return strcmp(line, ">") == 0 || strcmp(line, "DOWNLOAD") == 0;
}

void fid_prefix(const char *line, char *out, size_t cap)
{
    const char *colon = strchr(line, ':');
    size_t n;
    if (colon) {
        n = (size_t)(colon - line) + 1;
    } else if (isdigit((unsigned char)line[0])) {
        snprintf(out, cap, "#");
        return;
    } else {
        n = 0;
        while (line[n] && (isalpha((unsigned char)line[n]) || line[n] == ' ' || line[n] == '+' || line[n] == '>'))
            n++;
        while (n && line[n - 1] == ' ')
            n--;
    }
    snprintf(out, cap, "%.*s", (int)n, line);
}

void fid_command_prefix(const char *command, char *out, size_t cap)
{
    /* "AT+NAME..." → "+NAME:"; a basic command has no result line of its own */
    const char *p = command + 2;
    if (strlen(command) < 3 || *p != '+') {
        snprintf(out, cap, "%s", "");
        return;
    }
    size_t n = 1;
    while (isalnum((unsigned char)p[n]))
        n++;
    snprintf(out, cap, "%.*s:", (int)n, p);
    for (char *q = out; *q; q++)
        *q = (char)toupper((unsigned char)*q);
}

/* What the module says unasked: the boot banner, and the URCs a network,
 * a SIM or a broker causes. Before a command's answer has begun they are URCs
 * too, unless they carry the command's own prefix (+CPIN: for AT+CPIN?). */
static const char *const boot_lines[] = {"RDY", "+CPIN:", "SMS DONE", "PB DONE"};
static const char *const urc_prefixes[] = {
    "+CMTI:", "+CGEV:", "+CTZV:", "+CFUN:", "+CREG:", "+CGREG:", "+CEREG:", "+CIPEVENT:",
    "+CMQTTCONNLOST:", "+CMQTTNONET", "+CMQTTRX", "+CMQTTPING",
};

static bool listed(const char *line, const char *const *prefixes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (starts_with(line, prefixes[i]))
            return true;
    return false;
}

static bool unasked(const char *line, const char *own)
{
    if (own[0] && starts_with(line, own))
        return false;
    return listed(line, boot_lines, sizeof boot_lines / sizeof boot_lines[0]) ||
           listed(line, urc_prefixes, sizeof urc_prefixes / sizeof urc_prefixes[0]);
}

/* Before the first command (command ""), the boot banner is what is compared. */
static bool boot_banner(const char *command, const char *line)
{
    return !command[0] && listed(line, boot_lines, sizeof boot_lines / sizeof boot_lines[0]);
}

void fid_answer_add(struct fid_answer *a, const char *command, const char *line)
{
    char own[FID_TEXT_MAX];
    fid_command_prefix(command, own, sizeof own);
    if (!a->final[0]) {
        if (fid_is_final(line))
            snprintf(a->final, sizeof a->final, "%s", line);
        else if (!a->n_info && unasked(line, own) && !boot_banner(command, line))
            a->urcs++;   /* once the answer has begun, its lines are the answer's (AT&V lists +CEREG: 0; ...) */
        else if (a->n_info < FID_LINES_MAX)
            snprintf(a->info[a->n_info++], FID_TEXT_MAX, "%s", line);
        return;
    }
    /* an asynchronous result follows only an OK (CONNECT, PUB, SUB ...) */
    if (own[0] && strcmp(a->final, "OK") == 0 && starts_with(line, own) && a->n_async < FID_LINES_MAX)
        snprintf(a->async[a->n_async++], FID_TEXT_MAX, "%s", line);
    else
        a->urcs++;
}

/* ---- out of scope --------------------------------------------------------------------------- */

/* Command name prefixes (after "AT"), any case, and the issue that covers them.
 * TLS (findings §27-29), HTTP (§31), PPP's dial and ATH (§30) are modelled and measured. */
static const struct { const char *prefix, *family; } out_of_scope[] = {
    {"+CGPS", "GNSS (no issue yet)"},     {"+CGNSS", "GNSS (no issue yet)"},
    {"+CMGS", "SMS sending (no issue yet)"}, {"+CMGR", "SMS reading (no issue yet)"},
    {"D", "voice (no issue yet)"},        {"A", "voice (no issue yet)"},
    {"+CLCC", "voice (no issue yet)"},    {"+CALM", "voice (no issue yet)"},
    {"+CRSL", "voice (no issue yet)"},    {"+CLVL", "voice (no issue yet)"},
};

/* Dial strings that are not a call: a packet-data dial opens PPP (§30), measured. */
static const char *const data_dials[] = {"D*99", "DT*99", "DP*99"};

static bool prefix_nocase(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (toupper((unsigned char)*s) != toupper((unsigned char)*prefix))
            return false;
    return true;
}

static bool data_dial(const char *name)
{
    for (size_t i = 0; i < sizeof data_dials / sizeof data_dials[0]; i++)
        if (prefix_nocase(name, data_dials[i]))
            return true;
    return false;
}

const char *fid_out_of_scope(const char *command)
{
    if (!prefix_nocase(command, "AT"))
        return NULL;
    const char *name = command + 2;
    if (data_dial(name))
        return NULL;
    for (size_t i = 0; i < sizeof out_of_scope / sizeof out_of_scope[0]; i++) {
        const char *p = out_of_scope[i].prefix;
        if (!prefix_nocase(name, p))
            continue;
        /* a basic command (ATD, ATA) is one letter: "ATD+4912;" and "ATA" yes, "ATAX" no */
        if (p[0] != '+' && isalpha((unsigned char)name[strlen(p)]))
            continue;
        return out_of_scope[i].family;
    }
    return NULL;
}

/* ---- comparing ------------------------------------------------------------------------------- */

/* The prefixes of `lines`, consecutive repeats once, joined with " | ". */
static void shape(const char (*lines)[FID_TEXT_MAX], int n, struct strbuf *out)
{
    char last[FID_TEXT_MAX] = "", p[FID_TEXT_MAX];
    bool first = true;
    for (int i = 0; i < n; i++) {
        fid_prefix(lines[i], p, sizeof p);
        if (!first && strcmp(p, last) == 0)
            continue;
        sb_printf(out, "%s%s", first ? "" : " | ", p);
        snprintf(last, sizeof last, "%s", p);
        first = false;
    }
}

#define DESCRIBE_MAX 300   /* an answer longer than this (AT&V's profile) is cut in the report */

/* The answer as the report shows it: whole lines, the final result last. */
static void describe(const struct fid_answer *a, struct strbuf *out)
{
    size_t start = out->len;
    bool any = false;
    for (int i = 0; i < a->n_info; i++, any = true)
        sb_printf(out, "%s%s", any ? " / " : "", a->info[i]);
    if (a->final[0])
        sb_printf(out, "%s%s", any ? " / " : "", a->final), any = true;
    for (int i = 0; i < a->n_async; i++, any = true)
        sb_printf(out, "%s%s", any ? " / " : "", a->async[i]);
    if (!any)
        sb_puts(out, "(nothing)");
    if (out->len - start > DESCRIBE_MAX) {
        out->len = start + DESCRIBE_MAX;
        out->p[out->len] = '\0';
        sb_printf(out, " ... (%d lines in all)", a->n_info + (a->final[0] != '\0') + a->n_async);
    }
}

static bool same_shape(const char (*a)[FID_TEXT_MAX], int na, const char (*b)[FID_TEXT_MAX], int nb)
{
    struct strbuf x = {0}, y = {0};
    shape(a, na, &x);
    shape(b, nb, &y);
    bool same = strcmp(sb_str(&x), sb_str(&y)) == 0;
    sb_free(&x);
    sb_free(&y);
    return same;
}

bool fid_compare(const struct fid_answer *module, const struct fid_answer *model, struct strbuf *why)
{
    bool same = strcmp(module->final, model->final) == 0 &&
                same_shape(module->info, module->n_info, model->info, model->n_info) &&
                same_shape(module->async, module->n_async, model->async, model->n_async);
    if (!same) {
        sb_puts(why, "module said ");
        describe(module, why);
        sb_puts(why, ", model said ");
        describe(model, why);
    }
    return same;
}
