/* Patterns, what a line or a payload is compared with: read and compiled
 * when the file is parsed, matched by the runner. */
#include "scn_internal.h"

#include <string.h>

void scn_fill_payload(char *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)('0' + i % 10);
}

bool scn_pattern_match(const struct scn_pattern *p, const char *data, size_t len)
{
    switch (p->kind) {
    case SCN_PAT_NONE:
        return true;
    case SCN_PAT_EXACT:
        return len == p->text.len && memcmp(data, p->text.ptr, len) == 0;
    case SCN_PAT_SIZE:
        if (len != p->size) return false;
        for (size_t i = 0; i < len; i++)
            if (data[i] != (char)('0' + i % 10)) return false;
        return true;
    case SCN_PAT_REGEX: {
        /* the whole line, NUL bytes included (a garbled byte can be one): as a
         * C string, the text after a NUL would never match */
        regmatch_t whole = {.rm_so = 0, .rm_eo = (regoff_t)len};
        return regexec(&p->re, data, 1, &whole, REG_STARTEND) == 0;
    }
    }
    return false;
}

/* Refuses a regex whose cost is over the limit, alone or with the file's
 * others; on success the file's budget is charged with it. */
static bool regex_affordable(struct scn_parser *p, const struct scn_tok *t, const char *what,
                             struct regex_cost *spent)
{
    struct regex_cost cost = regex_cost(t->text);
    if (regex_cost_over(cost)) {
        scn_perr(p, "regular expression /%s/ for %s is too big to compile: %s; simplify it", t->text, what,
                 regex_cost_why(cost));
        return false;
    }
    /* Every compiled regex lives as long as the scenario: without a budget
     * for the file, a few KB of lines each just under the limit took GBs. */
    *spent = regex_cost_add(p->regex_spent, cost);
    if (regex_cost_over(*spent)) {
        scn_perr(p, "regular expression /%s/ for %s makes the scenario's regular expressions too big to "
                    "compile together: %s, where all of a file's may cost only what one may; simplify them",
                 t->text, what, regex_cost_why(*spent));
        return false;
    }
    return true;
}

bool scn_get_pattern(struct scn_parser *p, const struct scn_tok *t, const char *what, struct scn_pattern *out)
{
    char b[64];
    scn_pattern_free(out);
    if (t->kind == SCN_TOK_WORD) {
        scn_perr(p, "%s must be a quoted string (exact line) or /regex/, got the word %s",
                 what, scn_tok_show(t, b, sizeof b));
        return false;
    }
    out->text.ptr = scn_xmemdup(p, t->text, t->len);
    out->text.len = t->len;
    if (!out->text.ptr) return false;
    if (t->kind == SCN_TOK_STRING) {
        out->kind = SCN_PAT_EXACT;
        return true;
    }
    struct regex_cost spent;
    if (!regex_affordable(p, t, what, &spent)) {
        scn_bytes_free(&out->text);
        return false;
    }
    int rc = regcomp(&out->re, t->text, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[160];
        regerror(rc, &out->re, msg, sizeof msg);
        scn_perr(p, "bad regular expression /%s/ for %s: %s; expected a POSIX extended regex", t->text, what, msg);
        scn_bytes_free(&out->text);
        return false;
    }
    p->regex_spent = spent;
    out->kind = SCN_PAT_REGEX;
    return true;
}
