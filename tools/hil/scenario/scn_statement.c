/* One statement: its keyword looked up in the families' tables, its arguments
 * split into positional ones and options and checked against the keyword's
 * counts and option names, its handler called, and what it built (a step, a
 * check, an event) kept only if the line had no error. */
#include "scn_internal.h"

#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct scn_kw_family *const statement_families[] = {
    &scn_kw_world, &scn_kw_program, &scn_kw_triggers, &scn_kw_steps, &scn_kw_checks,
};
#define N_FAMILIES (sizeof statement_families / sizeof statement_families[0])

static const struct scn_kw *family_find(const struct scn_kw_family *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->v[i].name, name) == 0)
            return &f->v[i];
    return NULL;
}

static const struct scn_kw *statement_find(const char *name)
{
    const struct scn_kw *d = NULL;
    for (size_t i = 0; i < N_FAMILIES && !d; i++)
        d = family_find(statement_families[i], name);
    return d;
}

/* Appends the names of f to buf[0..*len) as "a, b, c", for "expected one of". */
static void family_names(char *buf, size_t cap, size_t *len, const struct scn_kw_family *f)
{
    for (size_t i = 0; i < f->n && *len < cap; i++)
        *len += (size_t)snprintf(buf + *len, cap - *len, "%s%s", *len ? ", " : "", f->v[i].name);
}

static void statement_names(char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < N_FAMILIES; i++)
        family_names(buf, cap, &len, statement_families[i]);
}

static void action_names(char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    family_names(buf, cap, &len, &scn_kw_actions);
}

static bool key_allowed(const struct scn_kw *d, const char *key)
{
    for (size_t i = 0; d->keys && d->keys[i]; i++)
        if (strcmp(d->keys[i], key) == 0)
            return true;
    return false;
}

/* Keeps option t in a, unless d has no such option or it was given already. */
static void take_option(struct scn_parser *p, const struct scn_kw *d, const struct scn_tok *t, struct scn_args *a)
{
    if (!key_allowed(d, t->key)) {
        char list[200];
        if (d->keys) scn_join_names(list, sizeof list, d->keys);
        scn_perr(p, "'%s' has no option '%s'; %s%s", d->name, t->key,
                 d->keys ? "expected one of: " : "it takes no options", d->keys ? list : "");
        return;
    }
    if (scn_opt(a, t->key)) {
        scn_perr(p, "option '%s' given twice", t->key);
        return;
    }
    if (a->n_opt < SCN_MAX_OPTS) a->opt[a->n_opt++] = t;
}

/* Splits toks[0..n) into positional arguments and options for d, and checks both.
 * For a trigger (stop_at_action), splitting stops after its arguments and its own
 * options; *used says how many tokens it took. False only when the argument count
 * is wrong: bad options are reported, and the handler still checks the rest of the line. */
static bool split_args(struct scn_parser *p, const struct scn_kw *d, const struct scn_tok *toks, size_t n,
                       bool stop_at_action, struct scn_args *a, size_t *used)
{
    size_t i = 1;
    memset(a, 0, sizeof *a);
    a->keyword = d->name;
    a->kw = &toks[0];
    for (; i < n; i++) {
        const struct scn_tok *t = &toks[i];
        if (t->key) {
            if (stop_at_action && !key_allowed(d, t->key)) break;
            take_option(p, d, t, a);
            continue;
        }
        if (stop_at_action && a->n_pos == d->max_args) break;
        if (a->n_pos < SCN_MAX_POS) a->pos[a->n_pos] = t;
        a->n_pos++;
    }
    *used = i;
    bool ok = a->n_pos >= d->min_args && a->n_pos <= d->max_args;
    if (!ok && d->min_args == d->max_args)
        scn_perr(p, "'%s' takes %u argument%s, got %zu; usage: %s", d->name, d->min_args,
                 d->min_args == 1 ? "" : "s", a->n_pos, d->usage);
    else if (!ok)
        scn_perr(p, "'%s' takes %u to %u arguments, got %zu; usage: %s", d->name, d->min_args,
                 d->max_args, a->n_pos, d->usage);
    if (a->n_pos > SCN_MAX_POS) a->n_pos = SCN_MAX_POS;
    return ok;
}

/* ---- keeping what a statement built ---- */

static void note_sim_only(struct scn_parser *p, const char *what)
{
    p->sim_only = grow_array(p->sim_only, &p->cap_sim_only, p->n_sim_only + 1, sizeof *p->sim_only);
    p->sim_only[p->n_sim_only++] = (struct scn_sim_only_use){ p->line, what };
    p->sc->uses_sim_only = true;
}

static bool keep_event(struct scn_parser *p, const struct scn_event *e)
{
    p->sc->events = grow_array(p->sc->events, &p->cap_events, p->sc->n_events + 1, sizeof *p->sc->events);
    p->sc->events[p->sc->n_events++] = *e;
    return true;
}

/* ---- by kind ---- */

/* The action after a trigger: at toks[used..n), for event e. */
static void event_action(struct scn_parser *p, const struct scn_kw *trig, const struct scn_line *ln, size_t used,
                         struct scn_event *e)
{
    struct scn_args aa;
    size_t used2;
    char list[400];
    if (used >= ln->n) {
        action_names(list, sizeof list);
        scn_perr(p, "'%s' needs an action after the trigger; expected one of: %s", trig->name, list);
        return;
    }
    const struct scn_tok *at = &ln->toks[used];
    if (at->key) {
        scn_perr(p, "'%s' has no option '%s'; %s", trig->name, at->key,
                 trig->keys ? "expected nth=N" : "it takes no options");
        return;
    }
    const struct scn_kw *act = at->kind == SCN_TOK_WORD ? family_find(&scn_kw_actions, at->text) : NULL;
    if (!act) {
        char b[64];
        action_names(list, sizeof list);
        scn_perr(p, "unknown action %s after '%s'; expected one of: %s", scn_tok_show(at, b, sizeof b), trig->name,
                 list);
        return;
    }
    e->kind = (enum scn_action_kind)act->kind;
    if (!split_args(p, act, ln->toks + used, ln->n - used, false, &aa, &used2)) return;
    act->fn(p, act, &aa, e);
    if ((act->flags & KW_ON_SEND) && trig->kind != SCN_TRIG_ON_SEND)
        scn_perr(p, "'%s' needs an on-send trigger (it changes the answer to that command); "
                    "expected on-send \"PREFIX\" %s ...", act->name, act->name);
}

static void do_event(struct scn_parser *p, const struct scn_kw *trig, const struct scn_line *ln)
{
    struct scn_args ta;
    size_t used;
    struct scn_event e = { .line = p->line, .trig.kind = (enum scn_trigger_kind)trig->kind, .trig.nth = 1 };
    size_t before = p->n_errors;

    if (split_args(p, trig, ln->toks, ln->n, true, &ta, &used))
        trig->fn(p, trig, &ta, &e);
    event_action(p, trig, ln, used, &e);
    if (p->n_errors == before && keep_event(p, &e))
        return;
    scn_event_free(&e);
}

static void do_step(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a)
{
    struct scn_step s = { .line = p->line, .kind = (enum scn_step_kind)d->kind,
                          .result = SCN_RES_OK, .qos = -1, .retain = -1, .keepalive = -1, .clean = -1, .tls = -1 };
    size_t before = p->n_errors;
    d->fn(p, d, a, &s);
    if (!p->first_step_line) p->first_step_line = p->line;
    if (scn_step_is_driver(s.kind) && !p->first_driver_line) {
        p->first_driver_line = p->line;
        p->first_driver_kw = d->name;
    }
    if ((d->flags & KW_WIRE_SEND) && !p->first_send_line) {
        p->first_send_line = p->line;
        p->first_send_kw = d->name;
    }
    if (p->n_errors == before) {
        p->sc->steps = grow_array(p->sc->steps, &p->cap_steps, p->sc->n_steps + 1, sizeof *p->sc->steps);
        p->sc->steps[p->sc->n_steps++] = s;
        return;
    }
    scn_step_free(&s);
}

static void do_check(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a)
{
    struct scn_check c = { .line = p->line, .kind = (enum scn_check_kind)d->kind,
                           .count = -1, .max_dup = -1, .min = 0, .max = -1 };
    size_t before = p->n_errors;
    d->fn(p, d, a, &c);
    if (p->n_errors == before) {
        p->sc->checks = grow_array(p->sc->checks, &p->cap_checks, p->sc->n_checks + 1, sizeof *p->sc->checks);
        p->sc->checks[p->sc->n_checks++] = c;
        return;
    }
    scn_check_free(&c);
}

/* Header and start state: once each, and the start state before the first step. */
static bool once_in_place(struct scn_parser *p, const struct scn_kw *d)
{
    int seen = p->seen[d->once];
    if (d->once && seen) {
        scn_perr(p, "'%s' given twice (first at line %d); a scenario has one", d->name, seen);
        return false;
    }
    if (!(d->flags & KW_WORLD) || !p->first_step_line)
        return true;
    if (family_find(&scn_kw_actions, d->name))
        scn_perr(p, "'%s' sets the start state and must come before the first step (line %d); "
                    "to change it during the run, use a trigger: at 5s %s ...", d->name, p->first_step_line, d->name);
    else
        scn_perr(p, "'%s' sets the start state and must come before the first step (line %d)",
                 d->name, p->first_step_line);
    return false;
}

static void do_keyword(struct scn_parser *p, const struct scn_kw *d, const struct scn_line *ln)
{
    if (d->flags & KW_EVENT) {
        do_event(p, d, ln);
        return;
    }
    struct scn_args a;
    size_t used;
    if ((d->flags & (KW_HEADER | KW_WORLD)) && !once_in_place(p, d))
        return;
    if (!split_args(p, d, ln->toks, ln->n, false, &a, &used))
        return;
    if (d->once) p->seen[d->once] = p->line;
    if (d->flags & KW_STEP) do_step(p, d, &a);
    else if (d->flags & KW_CHECK) do_check(p, d, &a);
    else d->fn(p, d, &a, p->sc);
}

void scn_statement(struct scn_parser *p, const struct scn_line *ln)
{
    const struct scn_tok *kw = &ln->toks[0];
    char b[64], list[1200];
    if (kw->kind != SCN_TOK_WORD || kw->key) {
        scn_perr(p, "a statement starts with a keyword, got %s%s%s; expected a keyword such as "
                    "'scenario', 'send', 'expect' or 'publish'",
                 kw->key ? kw->key : "", kw->key ? "=" : "", scn_tok_show(kw, b, sizeof b));
        return;
    }
    const struct scn_kw *d = statement_find(kw->text);
    if (!d) {
        statement_names(list, sizeof list);
        scn_perr(p, "unknown keyword '%s'; expected one of: %s", kw->text, list);
        return;
    }
    size_t before = p->n_errors;
    do_keyword(p, d, ln);
    /* Only a statement that is otherwise right gets the "needs the simulator" error too. */
    bool on_program = (d->flags & KW_EVENT) && p->n_errors == before &&
                      scn_action_is_program(p->sc->events[p->sc->n_events - 1].kind);
    /* an event on a program is the runner's: it needs no simulator */
    if ((d->flags & KW_SIM_ONLY) && p->n_errors == before && !on_program) note_sim_only(p, d->name);
}
