/* Explanations: tests/fidelity/explained.txt maps a difference (a log's line,
 * or every exchange whose command starts with a pattern) to a finding of
 * sim/real-module-findings.md §23, where the finding says why the model
 * keeps that difference. An id §23 does not define explains nothing. */
#include "fidelity.h"

#include "alloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTION "## 23."          /* the findings section of the fidelity differences */
#define ENTRY "- **"              /* "- **F1: title.** text" */
#define PATTERN_WORD "cmd"
#define TEXT_FILE_MAX ((size_t)1 << 20)

static bool prefix_nocase(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (toupper((unsigned char)*s) != toupper((unsigned char)*prefix))
            return false;
    return true;
}

/* ---- §23 of the findings ---------------------------------------------------------------------- */

static void add_finding(struct fid_explained *e, size_t *cap, const char *entry)
{
    const char *colon = strchr(entry, ':');
    const char *end = strstr(entry, "**");
    if (!colon || !end || colon > end || colon - entry >= FID_ID_MAX)
        return;
    size_t cap_titles = *cap;
    e->ids = grow_array(e->ids, cap, e->n_ids + 1, sizeof *e->ids);
    e->titles = grow_array(e->titles, &cap_titles, e->n_ids + 1, sizeof *e->titles);
    snprintf(e->ids[e->n_ids], sizeof e->ids[0], "%.*s", (int)(colon - entry), entry);
    const char *t = colon + 1;
    while (*t == ' ')
        t++;
    snprintf(e->titles[e->n_ids], sizeof e->titles[0], "%.*s", (int)(end - t), t);
    e->n_ids++;
}

static void read_findings(const char *text, struct fid_explained *e)
{
    size_t cap = 0;
    bool in = false;
    for (const char *p = text; *p;) {
        const char *end = p + strcspn(p, "\n");
        if (strncmp(p, "## ", 3) == 0)
            in = strncmp(p, SECTION, strlen(SECTION)) == 0;
        else if (in && strncmp(p, ENTRY, strlen(ENTRY)) == 0) {
            char line[FID_TEXT_MAX * 2];
            snprintf(line, sizeof line, "%.*s", (int)(end - p - strlen(ENTRY)), p + strlen(ENTRY));
            add_finding(e, &cap, line);
        }
        p = *end ? end + 1 : end;
    }
}

const char *fid_finding_title(const struct fid_explained *e, const char *id)
{
    for (size_t i = 0; i < e->n_ids; i++)
        if (strcmp(e->ids[i], id) == 0)
            return e->titles[i];
    return NULL;
}

/* ---- the mapping file ------------------------------------------------------------------------- */

/* "log.log:12 F3" or "cmd AT+CPSI? F5"; 0, or -1 with the reason in err. */
static int read_rule(const char *name, int line, const char *text, struct fid_rule *r, struct strbuf *err)
{
    /* the widths below are the buffers' sizes less one (sscanf cannot take them from a macro) */
    char first[160], id[FID_ID_MAX], extra[2];
    _Static_assert(FID_ID_MAX == 16 && FID_PATTERN_MAX == 64, "the sscanf widths below follow these sizes");
    memset(r, 0, sizeof *r);
    int n = sscanf(text, "%159s %15s %1s", first, id, extra);
    if (n == 2 && strcmp(first, PATTERN_WORD) != 0) {
        char *colon = strrchr(first, ':');
        char *end;
        errno = 0;
        long at = colon ? strtol(colon + 1, &end, 10) : 0;
        if (colon && !errno && end != colon + 1 && !*end && at > 0 && colon - first < (int)sizeof r->log) {
            snprintf(r->log, sizeof r->log, "%.*s", (int)(colon - first), first);
            r->line = (int)at;
            snprintf(r->id, sizeof r->id, "%s", id);
            return 0;
        }
    } else if (strcmp(first, PATTERN_WORD) == 0 && sscanf(text, "%*s %63s %15s %1s", r->pattern, r->id, extra) == 2) {
        return 0;
    }
    sb_printf(err, "%s:%d: expected \"<log>:<line> <finding id>\" or \"cmd <command prefix> <finding id>\", "
                   "got \"%s\"\n", name, line, text);
    return -1;
}

static int read_map(const char *name, const char *text, struct fid_explained *e, struct strbuf *err)
{
    size_t cap = 0;
    int line = 1, bad = 0;
    for (const char *p = text; *p; line++) {
        const char *end = p + strcspn(p, "\n");
        char buf[FID_TEXT_MAX];
        snprintf(buf, sizeof buf, "%.*s", (int)(end - p), p);
        const char *s = buf + strspn(buf, " \t");
        if (*s && *s != '#') {
            struct fid_rule r;
            if (read_rule(name, line, s, &r, err) < 0) {
                bad = 1;
            } else if (!fid_finding_title(e, r.id)) {
                sb_printf(err, "%s:%d: %s is not a finding of sim/real-module-findings.md §23; add it there "
                               "(\"- **%s: title.** why\") or name one that is\n", name, line, r.id, r.id);
                bad = 1;
            } else {
                e->rules = grow_array(e->rules, &cap, e->n + 1, sizeof *e->rules);
                e->rules[e->n++] = r;
            }
        }
        p = *end ? end + 1 : end;
    }
    return bad ? -1 : 0;
}

int fid_explained_parse(const char *map_name, const char *map_text, const char *findings_text,
                        struct fid_explained *e, struct strbuf *err)
{
    memset(e, 0, sizeof *e);
    read_findings(findings_text, e);
    return read_map(map_name, map_text, e, err);
}

static char *read_text(const char *path, struct strbuf *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sb_printf(err, "%s: cannot open: %s; check the path\n", path, strerror(errno));
        return NULL;
    }
    struct strbuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && b.len <= TEXT_FILE_MAX)
        sb_add(&b, buf, n);
    bool bad = ferror(f) || b.len > TEXT_FILE_MAX;
    fclose(f);
    char *text = bad ? NULL : xstrdup(sb_str(&b));
    if (bad)
        sb_printf(err, "%s: unreadable or over %zu bytes; check the file\n", path, TEXT_FILE_MAX);
    sb_free(&b);
    return text;
}

int fid_explained_load(const char *map_path, const char *findings_path, struct fid_explained *e,
                       struct strbuf *err)
{
    memset(e, 0, sizeof *e);
    char *map = read_text(map_path, err);
    char *findings = map ? read_text(findings_path, err) : NULL;
    int rc = map && findings ? fid_explained_parse(map_path, map, findings, e, err) : -1;
    free(map);
    free(findings);
    return rc;
}

/* A rule for this very line wins over a command pattern. */
const struct fid_rule *fid_explain(struct fid_explained *e, const char *log, int line, const char *command)
{
    struct fid_rule *found = NULL;
    for (size_t i = 0; i < e->n && !found; i++)
        if (e->rules[i].log[0] && e->rules[i].line == line && strcmp(e->rules[i].log, log) == 0)
            found = &e->rules[i];
    for (size_t i = 0; i < e->n && !found; i++)
        if (!e->rules[i].log[0] && prefix_nocase(command, e->rules[i].pattern))
            found = &e->rules[i];
    if (found)
        found->used = true;
    return found;
}

void fid_explained_free(struct fid_explained *e)
{
    free(e->rules);
    free(e->ids);
    free(e->titles);
    memset(e, 0, sizeof *e);
}
