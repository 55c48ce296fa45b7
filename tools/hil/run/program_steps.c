/* What a scenario does to and asks of its programs: the events on them
 * (restart-program, kill-program, pause-program, on every trigger), the
 * steps expect-exit and expect-output, the check expect-no-output, and the
 * reconnects read from the wire (a program tells us nothing of its own). */
#include "program_internal.h"

#include "alloc.h"

#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>

#include "hil_clock.h"

#define KILL_WAIT_MS 1000   /* a SIGKILLed group is gone by then */
#define POLL_SLICE_MS 20

static struct run_program *program_named(struct run *r, const char *name)
{
    struct run_programs *ps = r->progs;
    for (size_t i = 0; ps && i < ps->n; i++)
        if (!name ? i == 0 : strcmp(ps->v[i].spec->name, name) == 0)
            return &ps->v[i];
    return NULL;
}

static bool same_program(const struct run *r, const char *name, const struct run_program *p)
{
    return name ? strcmp(name, p->spec->name) == 0 : p == &r->progs->v[0];
}

bool program_exit_expected(const struct run *r, const struct run_program *p)
{
    for (size_t i = 0; i < r->sc->n_steps; i++)
        if (r->sc->steps[i].kind == SCN_STEP_EXPECT_EXIT && same_program(r, r->sc->steps[i].program, p))
            return true;
    return false;
}

void program_problem(struct run *r, const char *fmt, ...)
{
    struct strbuf msg = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&msg, fmt, ap);
    va_end(ap);
    if (r->rep->verdict == RUN_FAIL)
        sb_printf(&r->rep->why, "; also: %s", sb_str(&msg));
    else
        run_fail(r, "%s", sb_str(&msg));
    sb_free(&msg);
}

/* ---- events ---- */

static void note(struct run *r, const struct scn_event *ev, const struct run_program *p, const char *what)
{
    struct strbuf n = {0};
    sb_printf(&n, "line %d: %s: program %s %s", ev->line, scn_action_kind_str(ev->kind), p->spec->name, what);
    transcript_note(&r->tr, sb_str(&n));
    sb_free(&n);
}

/* A reset of the board: the program is killed outright (a reset gives no
 * warning) and started again; the module stays as it was. */
static int restart(struct run *r, struct run_program *p)
{
    struct prog_stop_result res;
    p->killed_on_purpose = true;
    prog_kill(&p->proc);
    prog_stop(&p->proc, KILL_WAIT_MS, NULL, NULL, &res);
    p->killed_on_purpose = false;
    p->resume_ms = 0;
    return program_launch(r, p);
}

static int fire(struct run *r, const struct scn_event *ev)
{
    struct run_program *p = program_named(r, ev->program);
    if (!p)
        return run_fail(r, "line %d: %s: the scenario has no program named '%s'", ev->line,
                        scn_action_kind_str(ev->kind), ev->program ? ev->program : SCN_MAIN_PROGRAM);
    switch (ev->kind) {
    case SCN_ACT_RESTART_PROGRAM:
        note(r, ev, p, "reset: killed and started again");
        return restart(r, p);
    case SCN_ACT_KILL_PROGRAM:
        note(r, ev, p, "killed (SIGKILL to its group)");
        p->killed_on_purpose = true;
        prog_kill(&p->proc);
        return 0;
    case SCN_ACT_PAUSE_PROGRAM:
        note(r, ev, p, p->proc.state == PROG_RUNNING ? "paused (SIGSTOP)" : "not running: nothing to pause");
        prog_pause(&p->proc);
        p->resume_ms = hil_now_ms() + ev->ms;
        return 0;
    default:
        return 0;
    }
}

static bool *fired_flags(struct run *r)
{
    struct run_programs *ps = r->progs;
    if (!ps->fired) {
        ps->fired = xmalloc(r->sc->n_events * sizeof *ps->fired + 1);
        memset(ps->fired, 0, r->sc->n_events * sizeof *ps->fired);
        ps->on_send_seen = xmalloc(r->sc->n_events * sizeof *ps->on_send_seen + 1);
        memset(ps->on_send_seen, 0, r->sc->n_events * sizeof *ps->on_send_seen);
    }
    return ps->fired;
}

static bool prefix_of(const struct scn_event *ev, const struct tr_line *l)
{
    return l->len >= ev->trig.prefix.len && memcmp(l->text, ev->trig.prefix.ptr, ev->trig.prefix.len) == 0;
}

void programs_on_send(struct run *r)
{
    struct run_programs *ps = r->progs;
    bool *fired = fired_flags(r);
    for (; ps->commands_seen < r->tr.n; ps->commands_seen++) {
        const struct tr_line *l = &r->tr.v[ps->commands_seen];
        for (size_t i = 0; l->kind == TR_HOST_COMMAND && i < r->sc->n_events; i++) {
            const struct scn_event *ev = &r->sc->events[i];
            if (fired[i] || !scn_action_is_program(ev->kind) || ev->trig.kind != SCN_TRIG_ON_SEND ||
                !prefix_of(ev, l) || ++ps->on_send_seen[i] < ev->trig.nth)
                continue;
            fired[i] = true;
            fire(r, ev);
        }
    }
}

static bool due(struct run *r, const struct scn_event *ev, uint64_t now)
{
    if (ev->trig.kind == SCN_TRIG_AT)
        return now >= r->t0_ms + ev->trig.at_ms;
    if (ev->trig.kind == SCN_TRIG_AFTER_PUBLISHES)
        return broker_log_size(&r->broker) >= ev->trig.publishes;
    return false;
}

int programs_timers(struct run *r)
{
    struct run_programs *ps = r->progs;
    bool *fired = fired_flags(r);
    uint64_t now = hil_now_ms();
    for (size_t i = 0; i < ps->n; i++)
        if (ps->v[i].resume_ms && now >= ps->v[i].resume_ms) {
            ps->v[i].resume_ms = 0;
            prog_resume(&ps->v[i].proc);
            transcript_note(&r->tr, "pause-program: resumed (SIGCONT)");
        }
    for (size_t i = 0; i < r->sc->n_events; i++) {
        const struct scn_event *ev = &r->sc->events[i];
        if (fired[i] || !scn_action_is_program(ev->kind) || !due(r, ev, now))
            continue;
        fired[i] = true;
        if (fire(r, ev) < 0)
            return -1;
    }
    return 0;
}

void programs_unfired(struct run *r)
{
    bool *fired = fired_flags(r);
    for (size_t i = 0; r->rep->verdict != RUN_FAIL && i < r->sc->n_events; i++) {
        const struct scn_event *ev = &r->sc->events[i];
        if (!fired[i] && scn_action_is_program(ev->kind) && ev->trig.kind == SCN_TRIG_AT)
            run_fail(r, "line %d: the event at %.2fs never fired: the steps ended at %.2fs (a `wait` lets it come)",
                     ev->line, ev->trig.at_ms / 1000.0, (double)(hil_now_ms() - r->t0_ms) / 1000);
    }
}

/* ---- steps ---- */

static long count_lines(const struct run_program *p, const struct scn_pattern *pat)
{
    long n = 0;
    for (size_t i = 0; i < p->n_lines; i++)
        n += scn_pattern_match(pat, p->lines[i].text, p->lines[i].len);
    return n;
}

static void pattern_shown(const struct scn_pattern *pat, struct strbuf *out)
{
    if (pat->kind == SCN_PAT_REGEX)
        sb_printf(out, "/%s/", pat->text.ptr);
    else
        sb_c_quote(out, pat->text.ptr, pat->text.len);
}

static int expect_output(struct run *r, const struct scn_step *s, struct run_program *p)
{
    uint64_t end = hil_now_ms() + s->within_ms;
    long got;
    while ((got = count_lines(p, &s->pat)) < (long)s->count) {
        if (hil_now_ms() >= end) {
            struct strbuf pat = {0}, last = {0};
            pattern_shown(&s->pat, &pat);
            program_last_lines(p, &last);
            run_fail(r, "line %d: expect-output %s: program '%s' printed %ld matching line(s) within %.2fs, "
                        "expected %u%s", s->line, sb_str(&pat), p->spec->name, got, s->within_ms / 1000.0,
                     s->count, sb_str(&last));
            sb_free(&pat);
            sb_free(&last);
            return -1;
        }
        if (run_idle(r, POLL_SLICE_MS) < 0)
            return -1;
    }
    return 0;
}

static int expect_exit(struct run *r, const struct scn_step *s, struct run_program *p)
{
    uint64_t end = hil_now_ms() + s->within_ms;
    while (p->proc.state != PROG_EXITED) {
        if (hil_now_ms() >= end)
            return run_fail(r, "line %d: expect-exit %d: program '%s' was still running after %.2fs", s->line,
                            s->exit_code, p->spec->name, s->within_ms / 1000.0);
        if (run_idle(r, POLL_SLICE_MS) < 0)
            return -1;
    }
    int st = p->proc.wait_status;
    if (!p->proc.exec_errno && WIFEXITED(st) && WEXITSTATUS(st) == s->exit_code)
        return 0;
    struct strbuf how = {0}, last = {0};
    prog_describe_exit(&p->proc, &how);
    program_last_lines(p, &last);
    run_fail(r, "line %d: expect-exit %d: program '%s' %s%s", s->line, s->exit_code, p->spec->name, sb_str(&how),
             sb_str(&last));
    sb_free(&how);
    sb_free(&last);
    return -1;
}

int programs_step(struct run *r, const struct scn_step *s)
{
    struct run_program *p = program_named(r, s->program);
    if (!p)
        return run_fail(r, "line %d: %s: the scenario has no program named '%s'", s->line,
                        scn_step_kind_str(s->kind), s->program ? s->program : SCN_MAIN_PROGRAM);
    return s->kind == SCN_STEP_EXPECT_EXIT ? expect_exit(r, s, p) : expect_output(r, s, p);
}

int programs_check(struct run *r, const struct scn_check *c)
{
    struct run_program *p = program_named(r, c->program);
    if (!p)
        return run_fail(r, "line %d: expect-no-output: the scenario has no program named '%s'", c->line,
                        c->program ? c->program : SCN_MAIN_PROGRAM);
    for (size_t i = 0; i < p->n_lines; i++) {
        const struct program_line *l = &p->lines[i];
        if (!scn_pattern_match(&c->pat, l->text, l->len))
            continue;
        struct strbuf pat = {0}, line = {0};
        pattern_shown(&c->pat, &pat);
        sb_c_quote(&line, l->text, l->len);
        run_fail(r, "line %d: expect-no-output %s: program '%s' printed %s at %.2fs", c->line, sb_str(&pat),
                 p->spec->name, sb_str(&line), (double)(l->t_us / 1000 - r->t0_ms) / 1000);
        sb_free(&pat);
        sb_free(&line);
        return -1;
    }
    return 0;
}

/* ---- what the wire tells ---- */

long programs_reconnects(const struct run *r)
{
    static const char ok0[] = "+CMQTTCONNECT: 0,0", ok1[] = "+CMQTTCONNECT: 1,0";
    long connects = 0;
    for (size_t i = 0; i < r->tr.n; i++) {
        const struct tr_line *l = &r->tr.v[i];
        bool ok = l->kind == TR_MODULE && ((l->len == sizeof ok0 - 1 && memcmp(l->text, ok0, l->len) == 0) ||
                                           (l->len == sizeof ok1 - 1 && memcmp(l->text, ok1, l->len) == 0));
        connects += ok;
    }
    return connects > 1 ? connects - 1 : 0;
}
