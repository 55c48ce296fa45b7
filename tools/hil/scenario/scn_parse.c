/* Scenario parser, the whole file: see scenario.h and scenarios/README.md.
 *
 * Each line is tokenized (scn_lex.c) and parsed as one statement
 * (scn_statement.c). Errors never stop the parse: they are collected with
 * their line numbers, the checks that need the whole file come last, and the
 * scenario is dropped at the end if there was any error. */
#include "scn_internal.h"

#include "alloc.h"

#include <stdlib.h>
#include <string.h>

#include "text_file.h"

static void check_whole(struct scn_parser *p, int last_line)
{
    struct scenario *sc = p->sc;
    if (!sc->name)
        scn_perr_at(p, 1, "no 'scenario NAME' statement; every scenario file names itself, e.g. scenario \"cold-start\"");
    if (sc->n_steps == 0 && p->n_errors == 0)
        scn_perr_at(p, sc->name_line ? sc->name_line : last_line,
                    "the scenario has no steps; expected at least one (send, expect, bring-up, connect, wait, ...)");
    if (p->first_driver_line && p->first_send_line)
        scn_perr_at(p, p->first_send_line > p->first_driver_line ? p->first_send_line : p->first_driver_line,
                    "'%s' (line %d) writes to the wire itself and cannot share it with driver steps such as "
                    "'%s' (line %d); split the scenario in two",
                    p->first_send_kw, p->first_send_line, p->first_driver_kw, p->first_driver_line);
    scn_check_programs(p);
    scn_check_servers(p);
    scn_check_http(p);
    scn_check_tls(p);
    if (sc->targets == SCN_TARGET_HARDWARE)
        for (size_t i = 0; i < p->n_sim_only; i++)
            scn_perr_at(p, p->sim_only[i].line,
                        "'%s' needs the simulator but the scenario's targets are 'hardware' (line %d); "
                        "use 'targets both' (it is then skipped on hardware) or drop it",
                        p->sim_only[i].what, p->targets_line);
}

/* Parses text[0..len) a line at a time; returns the number of lines read. */
static int parse_lines(struct scn_parser *p, const char *text, size_t len)
{
    struct scn_line ln = { 0 };
    int lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - pos;
        if (n > 0 && text[pos + n - 1] == '\r') n--; /* CRLF files */
        p->line = ++lineno;
        if (scn_lex_line(text + pos, n, &ln) < 0)
            scn_perr(p, "column %d: %s", ln.error_col, ln.error);
        else if (ln.n > 0)
            scn_statement(p, &ln);
        pos = end + 1;
    }
    scn_line_clear(&ln);
    return lineno;
}

static struct scenario *scenario_new(const char *name)
{
    struct scenario *sc = xmalloc(sizeof *sc);
    memset(sc, 0, sizeof *sc);
    sc->file = xstrdup(name);
    sc->targets = SCN_TARGET_BOTH;
    sc->time_limit_ms = SCN_DEFAULT_TIME_LIMIT_MS;
    sc->world = scn_world_defaults;
    return sc;
}

enum scn_status scn_parse_buffer(const char *name, const char *text, size_t len,
                                 struct scenario **out, struct scn_diags *diags)
{
    struct scn_parser p = { .file = name, .diags = diags };
    size_t first_diag = diags->n;

    *out = NULL;
    p.sc = scenario_new(name);
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 byte order mark */
        text += 3;
        len -= 3;
    }
    int lines = parse_lines(&p, text, len);
    check_whole(&p, lines ? lines : 1);
    free(p.sim_only);

    /* Whole-file errors come last; readers want them in line order. */
    if (diags->n > first_diag)
        scn_diags_sort_by_line(diags->v + first_diag, diags->n - first_diag);
    if (p.n_errors) {
        scn_free(p.sc);
        return SCN_ERR_INVALID;
    }
    *out = p.sc;
    return SCN_OK;
}

enum scn_status scn_parse_file(const char *path, struct scenario **out, struct scn_diags *diags)
{
    *out = NULL;
    struct strbuf text = {0}, why = {0};
    if (text_file_read(path, TEXT_FILE_LIMIT, &text, &why) < 0) {
        scn_diags_add(diags, path, 0, sb_str(&why));
        sb_free(&why);
        return SCN_ERR_IO;
    }
    enum scn_status st = scn_parse_buffer(path, text.p, text.len, out, diags);
    sb_free(&text);
    return st;
}
