/* Keywords of the scenario's programs: `program` (the user's firmware, or a
 * helper beside it), the steps and the check on what a program does
 * (expect-exit, expect-output, expect-no-output), the actions on it
 * (restart-program, kill-program, pause-program), and the checks on the
 * whole file that a program brings (it owns the wire: no driver, no send). */
#include "scn_internal.h"

#include "alloc.h"
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const scn_program_placeholders[] = { "port", "baud", "broker", "control", "bin",
                                                 "tls-broker", "ca", "cert", "key", NULL };

#define PROGRAM_WORDS_MAX 64

/* ---- the command line: words as a shell splits them, without the shell ---- */

struct words {
    char *v[PROGRAM_WORDS_MAX + 1];
    size_t n;
    struct strbuf cur;
    bool in_word;
};

static bool word_end(struct scn_parser *p, struct words *w)
{
    if (!w->in_word)
        return true;
    if (w->n == PROGRAM_WORDS_MAX) {
        scn_perr(p, "the command line has more than %d words", PROGRAM_WORDS_MAX);
        return false;
    }
    w->v[w->n++] = xmemdup(w->cur.p ? w->cur.p : "", w->cur.len);
    sb_reset(&w->cur);
    w->in_word = false;
    return true;
}

/* Blanks split words; '...' is literal; "..." and a bare \ escape the next
 * character. Returns false (after an error) on an unfinished quote. */
static bool split_words(struct scn_parser *p, const char *s, struct words *w)
{
    char quote = 0;
    for (; *s; s++) {
        char c = *s;
        if (quote == '\'' && c != '\'') {
            sb_add(&w->cur, &c, 1);
        } else if ((c == '\'' || c == '"') && (!quote || quote == c)) {
            quote = quote ? 0 : c;
            w->in_word = true;
        } else if (c == '\\' && s[1] && (!quote || s[1] == '"' || s[1] == '\\')) {
            sb_add(&w->cur, ++s, 1);
            w->in_word = true;
        } else if (!quote && (c == ' ' || c == '\t')) {
            if (!word_end(p, w))
                return false;
        } else {
            sb_add(&w->cur, &c, 1);
            w->in_word = true;
        }
    }
    if (quote) {
        scn_perr(p, "the command line has an unfinished %c quote; close it, as in 'a b' or \\\"a b\\\"", quote);
        return false;
    }
    return word_end(p, w);
}

#define PLACEHOLDER_CHARS "abcdefghijklmnopqrstuvwxyz_-"

/* Every {name} in a word (a lower-case word in braces: a JSON payload's
 * braces are left alone) must be a placeholder the runner fills in. */
static void check_placeholders(struct scn_parser *p, const char *word)
{
    for (const char *o = strchr(word, '{'); o; o = strchr(o + 1, '{')) {
        size_t n = strspn(o + 1, PLACEHOLDER_CHARS);
        if (n == 0 || o[n + 1] != '}')
            continue;
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), o + 1);
        if (n < sizeof name && scn_name_index(scn_program_placeholders, name) >= 0)
            continue;
        char list[120];
        scn_join_names(list, sizeof list, scn_program_placeholders);
        scn_perr(p, "unknown placeholder {%s} in the command line; expected one of: %s (each in braces)", name, list);
    }
}

/* The words of pr->command into pr->argv, every placeholder checked. */
static void program_words(struct scn_parser *p, struct scn_program *pr)
{
    struct words w = {0};
    if (split_words(p, pr->command, &w) && w.n == 0)
        scn_perr(p, "the command line is empty; expected the program and its arguments, as in \"./fw {port}\"");
    for (size_t i = 0; i < w.n; i++)
        check_placeholders(p, w.v[i]);
    pr->argv = xmalloc((w.n + 1) * sizeof *pr->argv);
    memcpy(pr->argv, w.v, w.n * sizeof *pr->argv);
    pr->argv[w.n] = NULL;
    pr->argc = w.n;
    sb_free(&w.cur);
}

static void program_name(struct scn_parser *p, const struct scn_args *a, struct scn_program *pr)
{
    const struct scenario *sc = p->sc;
    const struct scn_tok *nm = scn_opt(a, "name");
    char gen[32];
    snprintf(gen, sizeof gen, "helper-%zu", sc->n_programs);
    if (!nm || !scn_get_text(p, nm, "option name=", &pr->name))
        pr->name = xstrdup(sc->n_programs ? gen : SCN_MAIN_PROGRAM);
    const struct scn_program *same = scn_find_program(sc, pr->name);
    if (same)
        scn_perr(p, "a program named '%s' is there already (line %d); give this one another name=", pr->name,
                 same->line);
}

static void kw_program(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scenario *sc = obj;
    struct scn_program pr = { .line = p->line };
    (void)d;
    if (sc->n_programs == SCN_MAX_PROGRAMS) {
        scn_perr(p, "more than %d programs; a scenario runs its main program and up to %d helpers",
                 SCN_MAX_PROGRAMS, SCN_MAX_PROGRAMS - 1);
        return;
    }
    size_t before = p->n_errors;
    if (scn_get_text(p, a->pos[0], "the command line", &pr.command))
        program_words(p, &pr);
    program_name(p, a, &pr);
    if (p->n_errors != before) {
        scn_program_free(&pr);
        return;
    }
    sc->programs = grow_array(sc->programs, &p->cap_programs, sc->n_programs + 1, sizeof *sc->programs);
    sc->programs[sc->n_programs++] = pr;
}

enum scn_status scn_program_from_command(const char *command, struct scn_program *out, struct scn_diags *diags)
{
    struct scn_parser p = { .file = "--program", .diags = diags };
    memset(out, 0, sizeof *out);
    out->name = xstrdup(SCN_MAIN_PROGRAM);
    out->command = xstrdup(command);
    program_words(&p, out);
    if (!p.n_errors)
        return SCN_OK;
    scn_program_free(out);
    return SCN_ERR_INVALID;
}

/* ---- steps, check and actions on a program ---- */

static void opt_program(struct scn_parser *p, const struct scn_args *a, char **out)
{
    const struct scn_tok *t = scn_opt(a, "program");
    if (t)
        scn_get_text(p, t, "option program=", out);
}

static void kw_expect_exit(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_step *s = obj;
    long code = 0;
    (void)d;
    s->within_ms = SCN_DEFAULT_EXPECT_MS;
    if (scn_get_uint(p, a->pos[0], "the exit status", 0, 255, &code))
        s->exit_code = (int)code;
    scn_opt_duration(p, a, "within", &s->within_ms);
    opt_program(p, a, &s->program);
}

static void kw_expect_output(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_step *s = obj;
    long count = 1;
    (void)d;
    s->within_ms = SCN_DEFAULT_EXPECT_MS;
    scn_get_pattern(p, a->pos[0], "the expected output line", &s->pat);
    scn_opt_duration(p, a, "within", &s->within_ms);
    scn_opt_uint(p, a, "count", 1, 1000000, &count);
    s->count = (unsigned)count;
    opt_program(p, a, &s->program);
}

static void kw_expect_no_output(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_check *c = obj;
    (void)d;
    scn_get_pattern(p, a->pos[0], "the output line", &c->pat);
    opt_program(p, a, &c->program);
}

void scn_act_program(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_event *e = obj;
    if (d->kind == SCN_ACT_PAUSE_PROGRAM)
        scn_get_duration(p, a->pos[0], "'pause-program'", &e->ms);
    opt_program(p, a, &e->program);
}

/* ---- the table ---- */

static const char *const K_PROGRAM[] = { "name", NULL };
static const char *const K_EXIT[] = { "within", "program", NULL };
static const char *const K_OUTPUT[] = { "within", "count", "program", NULL };
static const char *const K_NO_OUTPUT[] = { "program", NULL };

static const struct scn_kw program_kw[] = {
    { "program", 1, 1, KW_WORLD, K_PROGRAM, "program \"COMMAND {port} ...\" [name=NAME]", kw_program, 0 },
    { "expect-exit", 1, 1, KW_STEP, K_EXIT, "expect-exit CODE [within=T] [program=NAME]", kw_expect_exit,
      SCN_STEP_EXPECT_EXIT },
    { "expect-output", 1, 1, KW_STEP, K_OUTPUT, "expect-output \"LINE\"|/REGEX/ [within=T] [count=N] [program=NAME]",
      kw_expect_output, SCN_STEP_EXPECT_OUTPUT },
    { "expect-no-output", 1, 1, KW_CHECK, K_NO_OUTPUT, "expect-no-output \"LINE\"|/REGEX/ [program=NAME]",
      kw_expect_no_output, SCN_CHECK_NO_OUTPUT },
};

const struct scn_kw_family scn_kw_program = { program_kw, sizeof program_kw / sizeof program_kw[0] };

/* ---- lookups ---- */

const struct scn_program *scn_find_program(const struct scenario *sc, const char *name)
{
    for (size_t i = 0; i < sc->n_programs; i++)
        if (!name ? i == 0 : strcmp(sc->programs[i].name, name) == 0)
            return &sc->programs[i];
    return NULL;
}

bool scn_step_is_program(enum scn_step_kind k)
{
    return k == SCN_STEP_EXPECT_EXIT || k == SCN_STEP_EXPECT_OUTPUT;
}

bool scn_action_is_program(enum scn_action_kind k)
{
    return k == SCN_ACT_RESTART_PROGRAM || k == SCN_ACT_KILL_PROGRAM || k == SCN_ACT_PAUSE_PROGRAM;
}

/* ---- the whole file ---- */

static void check_named(struct scn_parser *p, int line, const char *name)
{
    if (name && p->sc->n_programs && !scn_find_program(p->sc, name))
        scn_perr_at(p, line, "no program is named '%s'; name it with program \"...\" name=%s", name, name);
}

/* A program owns the wire, as the driver or `send` would: one of the three.
 * Checks on what only our driver can tell are refused with the reason. */
void scn_check_programs(struct scn_parser *p)
{
    const struct scenario *sc = p->sc;
    int line = sc->n_programs ? sc->programs[0].line : 0;
    if (line && p->first_driver_line)
        scn_perr_at(p, p->first_driver_line,
                    "'%s' is a driver step, and the program (line %d) owns the wire; with a program, check what "
                    "it does (expect, expect-output, expect-message ...) instead of driving it",
                    p->first_driver_kw, line);
    if (line && p->first_send_line)
        scn_perr_at(p, p->first_send_line,
                    "'%s' writes to the wire, and the program (line %d) owns it; split the scenario in two",
                    p->first_send_kw, line);
    for (size_t i = 0; i < sc->n_checks; i++) {
        const struct scn_check *c = &sc->checks[i];
        if (line && c->kind == SCN_CHECK_RECEIVED)
            scn_perr_at(p, c->line, "'expect-received' needs our driver's own events (what it handed the firmware), "
                                    "which a program does not give; check the program's output with expect-output");
        check_named(p, c->line, c->program);
    }
    for (size_t i = 0; i < sc->n_steps; i++)
        check_named(p, sc->steps[i].line, sc->steps[i].program);
    for (size_t i = 0; i < sc->n_events; i++)
        check_named(p, sc->events[i].line, sc->events[i].program);
}

void scn_program_free(struct scn_program *pr)
{
    for (size_t i = 0; pr->argv && i < pr->argc; i++)
        free(pr->argv[i]);
    free(pr->argv);
    free(pr->name);
    free(pr->command);
}
