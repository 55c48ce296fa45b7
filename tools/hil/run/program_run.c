/* The scenario's programs in its run (program_run.h): set-up, the relay
 * between their pty and the module, their output, and their stop. The
 * events, steps and checks on them are in program_steps.c. */
#include "program_internal.h"

#include "alloc.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hil_clock.h"
#include "run_tls.h"

extern char **environ;

/* The environment variables that carry the placeholders' values, in the
 * order of scn_program_placeholders. */
static const char *const placeholder_env[] = {
    "SIM7600_PORT", "SIM7600_BAUD", "SIM7600_BROKER", "SIM7600_CONTROL", "SIM7600_BIN",
    "SIM7600_TLS_BROKER", "SIM7600_CA", "SIM7600_CERT", "SIM7600_KEY",
};
#define DEFAULT_BAUD 115200

/* ---- before the target: does the scenario run programs, and can it? ---- */

bool programs_not_applicable(const struct scenario *sc, struct strbuf *why)
{
    for (size_t i = 0; !sc->n_programs && i < sc->n_steps; i++) {
        const struct scn_step *s = &sc->steps[i];
        bool driver = scn_step_is_driver(s->kind), send = s->kind == SCN_STEP_SEND || s->kind == SCN_STEP_SEND_RAW ||
                                                   s->kind == SCN_STEP_SEND_FILE;
        if (driver || send) {
            sb_printf(why, "not applicable with --program: '%s' (line %d) %s", scn_step_kind_str(s->kind), s->line,
                      driver ? "is a step of our driver, and the program does its own work"
                             : "writes to the wire, which the program owns");
            return true;
        }
    }
    return false;
}

/* --program for a scenario of its own: its driver steps are not the
 * program's, and a scenario that writes to the wire leaves it no room. */
static int adopt_option_program(struct run *r)
{
    if (programs_not_applicable(r->sc, &r->rep->why)) {
        r->rep->verdict = RUN_SKIP;
        return -1;
    }
    struct scn_diags d = {0};
    struct run_programs *ps = r->progs;
    if (scn_program_from_command(r->o->program, &ps->option_program, &d) != SCN_OK) {
        struct strbuf msg = {0};
        for (size_t i = 0; i < d.n; i++)
            sb_printf(&msg, "%s%s", i ? "; " : "", d.v[i].msg);
        run_fail(r, "--program: %s", sb_str(&msg));
        sb_free(&msg);
        scn_diags_free(&d);
        return -1;
    }
    ps->has_option_program = true;
    return 0;
}

/* The first statement that needs a program, or 0. */
static int needs_program(const struct scenario *sc, const char **what)
{
    for (size_t i = 0; i < sc->n_steps; i++)
        if (scn_step_is_program(sc->steps[i].kind)) {
            *what = scn_step_kind_str(sc->steps[i].kind);
            return sc->steps[i].line;
        }
    for (size_t i = 0; i < sc->n_checks; i++)
        if (sc->checks[i].kind == SCN_CHECK_NO_OUTPUT) {
            *what = scn_check_kind_str(sc->checks[i].kind);
            return sc->checks[i].line;
        }
    for (size_t i = 0; i < sc->n_events; i++)
        if (scn_action_is_program(sc->events[i].kind)) {
            *what = scn_action_kind_str(sc->events[i].kind);
            return sc->events[i].line;
        }
    return 0;
}

int programs_prepare(struct run *r)
{
    const struct scenario *sc = r->sc;
    const char *what = NULL;
    int line = needs_program(sc, &what);
    if (!sc->n_programs && !r->o->program) {
        if (line)
            return run_fail(r, "line %d: '%s' needs a program, and the scenario has none; add program \"CMD "
                               "{port}\" or run with --program CMD", line, what);
        return 0;
    }
    r->progs = xmalloc(sizeof *r->progs);
    memset(r->progs, 0, sizeof *r->progs);
    r->progs->host.master = r->progs->host.watch = -1;
    if (!sc->n_programs && adopt_option_program(r) < 0)
        return -1;
    return 0;
}

/* ---- the command line: placeholders, the file to run, the environment ---- */

static void fill_values(struct run *r)
{
    struct run_programs *ps = r->progs;
    const struct scn_world *w = &r->sc->world;
    int baud = r->o->port ? (r->o->port_baud ? r->o->port_baud : DEFAULT_BAUD)
                          : (w->baud ? (int)w->baud : DEFAULT_BAUD);
    sb_puts(&ps->values[PH_PORT], ps->host.slave_path);
    sb_printf(&ps->values[PH_BAUD], "%d", baud);
    if (r->mq_started)
        sb_printf(&ps->values[PH_BROKER], "tcp://127.0.0.1:%d", r->mq.port);
    else
        sb_puts(&ps->values[PH_BROKER], r->o->server ? r->o->server : RUN_DEFAULT_SERVER);
    if (r->on_sim)
        sb_puts(&ps->values[PH_CONTROL], r->sim.proc.control_path);
    char self[PATH_MAX];   /* {bin}: where sim7600-hil is, with sim7600-sim and sim7600-mqtt */
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    const char *slash = n > 0 ? memrchr(self, '/', (size_t)n) : NULL;
    sb_add(&ps->values[PH_BIN], self, slash ? (size_t)(slash - self) : 0);
    run_tls_placeholders(r, &ps->values[PH_TLS_BROKER], &ps->values[PH_CA], &ps->values[PH_CERT],
                         &ps->values[PH_KEY]);
}

static char *expand(const struct run_programs *ps, const char *word)
{
    struct strbuf out = {0};
    for (const char *p = word; *p;) {
        bool done = false;
        for (int i = 0; i < PH_COUNT_ && *p == '{' && !done; i++) {
            size_t n = strlen(scn_program_placeholders[i]);
            if (strncmp(p + 1, scn_program_placeholders[i], n) == 0 && p[n + 1] == '}') {
                sb_add(&out, ps->values[i].p ? ps->values[i].p : "", ps->values[i].len);
                p += n + 2;
                done = true;
            }
        }
        if (!done)
            sb_add(&out, p++, 1);
    }
    sb_add(&out, "", 1);
    return out.p;
}

static void build_env(struct run_programs *ps)
{
    size_t n = 0, cap = 0;
    for (char **e = environ; *e; e++) {
        bool ours = false;
        for (int i = 0; i < PH_COUNT_; i++) {
            size_t k = strlen(placeholder_env[i]);
            ours |= strncmp(*e, placeholder_env[i], k) == 0 && (*e)[k] == '=';
        }
        if (ours)
            continue;
        ps->envp = grow_array(ps->envp, &cap, n + 1, sizeof *ps->envp);
        ps->envp[n++] = xstrdup(*e);
    }
    for (int i = 0; i < PH_COUNT_; i++) {
        struct strbuf v = {0};
        sb_printf(&v, "%s=%s", placeholder_env[i], sb_str(&ps->values[i]));
        ps->envp = grow_array(ps->envp, &cap, n + 1, sizeof *ps->envp);
        ps->envp[n++] = v.p;
    }
    ps->envp = grow_array(ps->envp, &cap, n + 1, sizeof *ps->envp);
    ps->envp[n] = NULL;
}

static bool executable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The file argv0 names, as a shell finds it: with a '/', relative to the
 * scenario's folder; else in PATH. NULL with the reason in why. */
static char *resolve(const char *argv0, const char *dir, struct strbuf *why)
{
    struct strbuf path = {0};
    if (strchr(argv0, '/')) {
        if (argv0[0] != '/')
            sb_printf(&path, "%s/", dir);
        sb_puts(&path, argv0);
        struct stat st;
        if (stat(sb_str(&path), &st) < 0)
            sb_printf(why, "'%s' does not exist (%s)", argv0, strerror(errno));
        else if (!executable_file(sb_str(&path)))
            sb_printf(why, "'%s' is not an executable file (chmod +x it, or name its interpreter first)", argv0);
        if (!why->len)
            return path.p;
        sb_free(&path);
        return NULL;
    }
    const char *env = getenv("PATH");
    for (const char *p = env ? env : ""; *p;) {
        size_t n = strcspn(p, ":");
        sb_reset(&path);
        sb_printf(&path, "%.*s/%s", (int)n, p, argv0);
        if (n && executable_file(sb_str(&path)))
            return path.p;
        p += n + (p[n] == ':');
    }
    sb_free(&path);
    sb_printf(why, "'%s' is not found in PATH (%s)", argv0, env ? env : "unset");
    return NULL;
}

static const struct scn_program *program_spec(const struct run *r, size_t i)
{
    return r->progs->has_option_program ? &r->progs->option_program : &r->sc->programs[i];
}

static int program_prepare_one(struct run *r, struct run_program *p, const struct scn_program *spec)
{
    struct run_programs *ps = r->progs;
    p->r = r;
    p->spec = spec;
    p->argv = xmalloc((spec->argc + 1) * sizeof *p->argv);
    for (size_t k = 0; k < spec->argc; k++)
        p->argv[k] = expand(ps, spec->argv[k]);
    p->argv[spec->argc] = NULL;
    struct strbuf why = {0};
    p->path = resolve(p->argv[0], ps->dir, &why);
    if (!p->path)
        run_fail(r, "line %d: program '%s' (%s): %s", spec->line, spec->name, spec->command, sb_str(&why));
    sb_free(&why);
    return p->path ? 0 : -1;
}

/* ---- starting ---- */

int program_launch(struct run *r, struct run_program *p)
{
    struct prog_spec spec = { p->path, p->argv, r->progs->envp, r->progs->dir };
    struct strbuf why = {0}, note = {0};
    int rc = prog_start(&p->proc, &spec, &why);
    if (rc < 0)
        run_fail(r, "line %d: program '%s' (%s): %s", p->spec->line, p->spec->name, p->spec->command, sb_str(&why));
    p->started_ms = hil_now_ms();
    p->starts++;
    sb_printf(&note, "program %s: started (pid %d): %s", p->spec->name, (int)p->proc.pid, p->spec->command);
    transcript_note(&r->tr, sb_str(&note));
    sb_free(&note);
    sb_free(&why);
    return rc;
}

static void scenario_dir(const struct scenario *sc, char *dir, size_t cap)
{
    const char *slash = strrchr(sc->file, '/');
    char rel[PATH_MAX];
    snprintf(rel, sizeof rel, "%.*s", slash ? (int)(slash - sc->file) : 1, slash ? sc->file : ".");
    if (!realpath(rel, dir))
        snprintf(dir, cap, "%s", rel);
}

int programs_start(struct run *r)
{
    struct run_programs *ps = r->progs;
    char err[256];
    if (pty_open(&ps->host, NULL, err, sizeof err) < 0)
        return run_fail(r, "cannot make the programs' pty: %s", err);
    ps->host_open = true;
    scenario_dir(r->sc, ps->dir, sizeof ps->dir);
    fill_values(r);
    build_env(ps);
    ps->n = ps->has_option_program ? 1 : r->sc->n_programs;
    for (size_t i = 0; i < ps->n; i++)
        if (program_prepare_one(r, &ps->v[i], program_spec(r, i)) < 0)
            return -1;
    for (size_t i = 0; i < ps->n; i++)
        if (program_launch(r, &ps->v[i]) < 0)
            return -1;
    return 0;
}

/* ---- output ---- */

static void on_line(void *ctx, enum prog_stream stream, const char *text, size_t len)
{
    struct run_program *p = ctx;
    uint64_t now = hil_now_us();
    transcript_program(&p->r->tr, p->spec->name, stream == PROG_STDOUT ? "stdout" : "stderr", text, len, now);
    p->lines = grow_array(p->lines, &p->cap_lines, p->n_lines + 1, sizeof *p->lines);
    p->lines[p->n_lines++] = (struct program_line){ now, xmemdup(text, len), len };
}

/* The last lines it printed, for a failure message. */
void program_last_lines(const struct run_program *p, struct strbuf *out)
{
    size_t from = p->n_lines > PROGRAM_LINES_SHOWN ? p->n_lines - PROGRAM_LINES_SHOWN : 0;
    if (p->n_lines == 0)
        sb_puts(out, "; it printed nothing");
    for (size_t i = from; i < p->n_lines; i++) {
        sb_puts(out, i == from ? "; it printed last: " : " | ");
        sb_c_escape(out, p->lines[i].text, p->lines[i].len);
    }
}

/* ---- serving: the relay, the programs, the timed actions ---- */

#define RELAY_CHUNK 4096
#define SERVE_SLICE_MS 20    /* the longest poll: timers and a pty without inotify are looked at this often */

/* Module bytes go to the program's pty while someone may read them; what
 * does not fit is dropped, as a UART's bytes are when nobody reads. */
static void to_host(struct run *r, const uint8_t *buf, size_t n)
{
    struct run_programs *ps = r->progs;
    if (ps->host.host == PTY_HOST_GONE)
        return;
    ssize_t w = write(ps->host.master, buf, n);
    size_t lost = w < 0 ? n : n - (size_t)w;
    if (lost && !ps->overrun_noted) {
        transcript_note(&r->tr, "programs' port: the program did not read its port; module bytes were dropped");
        ps->overrun_noted = true;
    }
}

static void from_module(struct run *r)
{
    uint8_t buf[RELAY_CHUNK];
    int n = r->port.read(r->port.ctx, buf, sizeof buf, 0);
    if (n > 0)
        to_host(r, buf, (size_t)n);
}

static void from_host(struct run *r)
{
    uint8_t buf[RELAY_CHUNK];
    ssize_t n;
    while ((n = read(r->progs->host.master, buf, sizeof buf)) > 0)
        r->port.write(r->port.ctx, buf, (size_t)n);
    programs_on_send(r);
}

static void follow_host(struct run *r)
{
    struct run_programs *ps = r->progs;
    enum pty_change ch[8];
    int n = ps->host.watch >= 0 ? pty_watch_changes(&ps->host, ch, 8) : 0;
    for (int i = 0; i < n; i++) {
        bool came = ch[i] == PTY_HOST_CAME;
        if (!came && ps->host.host == PTY_HOST_NOT_YET)
            continue;   /* our own open at set-up: what the module says waits in the pty */
        ps->host.host = came ? PTY_HOST_ATTACHED : PTY_HOST_GONE;
        ps->main_opened |= came;
        transcript_note(&r->tr, came ? "programs' port: opened" : "programs' port: closed");
    }
    if (ps->host.watch < 0) {
        bool present = pty_host_present(&ps->host);
        ps->main_opened |= present;
        ps->host.host = present ? PTY_HOST_ATTACHED : ps->main_opened ? PTY_HOST_GONE : PTY_HOST_NOT_YET;
    }
}

static int poll_all(struct run *r, uint32_t ms, struct pollfd *fds, size_t *n)
{
    struct run_programs *ps = r->progs;
    *n = 0;
    fds[(*n)++] = (struct pollfd){ r->serial.fd, POLLIN, 0 };
    fds[(*n)++] = (struct pollfd){ ps->host.watch, POLLIN, 0 };
    fds[(*n)++] = (struct pollfd){ ps->host.host == PTY_HOST_ATTACHED ? ps->host.master : -1, POLLIN, 0 };
    for (size_t i = 0; i < ps->n; i++) {
        int pf[3];
        prog_fds(&ps->v[i].proc, pf);
        for (int k = 0; k < 3; k++)
            fds[(*n)++] = (struct pollfd){ pf[k], POLLIN, 0 };
    }
    int rc = poll(fds, (nfds_t)*n, (int)(ms < SERVE_SLICE_MS ? ms : SERVE_SLICE_MS));
    return rc < 0 && errno != EINTR ? -1 : 0;
}

/* A program's output and its end: an end nobody expected fails the scenario. */
static int serve_program(struct run *r, struct run_program *p)
{
    bool ended = prog_read(&p->proc, on_line, p);
    if (p->proc.bytes > PROGRAM_OUTPUT_MAX && !p->flooded) {
        p->flooded = p->killed_on_purpose = true;
        prog_kill(&p->proc);
        return run_fail(r, "program '%s' (%s) flooded its output: more than %d MiB in %.1fs; it was killed",
                        p->spec->name, p->spec->command, PROGRAM_OUTPUT_MAX >> 20,
                        (double)(hil_now_ms() - p->started_ms) / 1000);
    }
    if (!ended)
        return 0;
    struct strbuf how = {0};
    prog_describe_exit(&p->proc, &how);
    struct strbuf note = {0};
    sb_printf(&note, "program %s: %s", p->spec->name, sb_str(&how));
    transcript_note(&r->tr, sb_str(&note));
    sb_free(&note);
    int rc = 0;
    if (p->proc.exec_errno) {
        rc = run_fail(r, "line %d: program '%s' (%s) %s (a program for this machine? a script needs its #! line)",
                      p->spec->line, p->spec->name, p->spec->command, sb_str(&how));
    } else if (!p->killed_on_purpose && !program_exit_expected(r, p)) {
        struct strbuf last = {0};
        program_last_lines(p, &last);
        rc = run_fail(r, "program '%s' (%s) %s after %.2fs, which the scenario does not expect (expect-exit "
                         "says when it should)%s", p->spec->name, p->spec->command, sb_str(&how),
                      (double)(hil_now_ms() - p->started_ms) / 1000, sb_str(&last));
        sb_free(&last);
    }
    sb_free(&how);
    return rc;
}

/* One slice of the relay and the programs' output. */
static int relay(struct run *r, uint32_t ms)
{
    struct pollfd fds[3 + 3 * SCN_MAX_PROGRAMS];
    size_t n;
    if (poll_all(r, ms, fds, &n) < 0)
        return run_fail(r, "cannot wait for the programs and the wire: %s", strerror(errno));
    if (fds[0].revents)
        from_module(r);
    if (r->wire_broken)
        return run_wire_failed(r);
    follow_host(r);
    if (fds[2].revents)
        from_host(r);
    for (size_t i = 0; i < r->progs->n; i++)
        if (serve_program(r, &r->progs->v[i]) < 0)
            return -1;
    return 0;
}

int programs_serve(struct run *r, uint32_t ms)
{
    if (relay(r, ms) < 0 || programs_timers(r) < 0)
        return -1;
    if (hil_now_ms() >= r->deadline_ms)
        return run_fail(r, "the time limit of %.0fs ran out%s", r->sc->time_limit_ms / 1000.0,
                        r->step_line ? " during a step" : "");
    return r->wire_broken ? run_wire_failed(r) : 0;
}

/* ---- the end ---- */

#define TERM_GRACE_MS 1000
#define TERM_GRACE_MIN_MS 100

/* SIGTERM, and the wire served meanwhile: a program that says goodbye to
 * the module (AT+CMQTTDISC ...) must be heard to end. */
static void stop_one(struct run *r, struct run_program *p)
{
    uint64_t now = hil_now_ms();
    int left = r->deadline_ms > now ? (int)(r->deadline_ms - now) : 0;
    int grace = left < TERM_GRACE_MS ? (left > TERM_GRACE_MIN_MS ? left : TERM_GRACE_MIN_MS) : TERM_GRACE_MS;
    uint64_t end = now + (uint64_t)grace;
    p->killed_on_purpose = true;
    prog_terminate(&p->proc);
    while ((p->proc.state == PROG_RUNNING || p->proc.state == PROG_PAUSED) && hil_now_ms() < end)
        if (relay(r, (uint32_t)(end - hil_now_ms())) < 0)
            break;
    struct prog_stop_result res;
    prog_stop(&p->proc, 0, on_line, p, &res);
    if (res.ignored_term)
        program_problem(r, "program '%s' (%s) did not end within %.1fs of SIGTERM and was killed; a program "
                        "under test should end when told to", p->spec->name, p->spec->command, grace / 1000.0);
    if (res.left_processes)
        program_problem(r, "program '%s' (%s) left processes running in its process group after it ended "
                        "(children it started and did not stop, in its group or in a session of their own); they "
                        "were killed", p->spec->name,
                        p->spec->command);
}

static bool main_runs(const struct run_programs *ps)
{
    return ps->n && (ps->v[0].proc.state == PROG_RUNNING || ps->v[0].proc.state == PROG_PAUSED);
}

/* A scenario can end before its program has had the time to open its port:
 * it gets OPEN_GRACE_MS from its start before it is said never to have. */
#define OPEN_GRACE_MS 1000

void programs_finish(struct run *r)
{
    struct run_programs *ps = r->progs;
    if (!ps || !ps->host_open)
        return;
    while (main_runs(ps) && !ps->main_opened && hil_now_ms() < ps->v[0].started_ms + OPEN_GRACE_MS &&
           hil_now_ms() < r->deadline_ms)
        if (relay(r, SERVE_SLICE_MS) < 0)
            break;
    /* one that ended by itself or never started has been reported as such */
    if (main_runs(ps) && !ps->main_opened && !program_exit_expected(r, &ps->v[0]))
        program_problem(r, "program '%s' (%s) never opened its port %s ({port}, also $SIM7600_PORT)",
                        ps->v[0].spec->name, ps->v[0].spec->command, ps->host.slave_path);
    programs_unfired(r);
    for (size_t i = 0; i < ps->n; i++)
        stop_one(r, &ps->v[i]);
}

void programs_free(struct run *r)
{
    struct run_programs *ps = r->progs;
    if (!ps)
        return;
    for (size_t i = 0; i < ps->n; i++) {
        struct run_program *p = &ps->v[i];
        struct prog_stop_result res;
        prog_stop(&p->proc, 0, NULL, NULL, &res);
        for (size_t k = 0; k < 3; k++)
            sb_free(&p->proc.partial[k]);
        for (size_t k = 0; p->argv && p->argv[k]; k++)
            free(p->argv[k]);
        free(p->argv);
        free(p->path);
        for (size_t k = 0; k < p->n_lines; k++)
            free(p->lines[k].text);
        free(p->lines);
    }
    for (size_t k = 0; ps->envp && ps->envp[k]; k++)
        free(ps->envp[k]);
    free(ps->envp);
    for (int k = 0; k < PH_COUNT_; k++)
        sb_free(&ps->values[k]);
    if (ps->has_option_program)
        scn_program_free(&ps->option_program);
    if (ps->host_open)
        pty_close(&ps->host);
    free(ps->on_send_seen);
    free(ps);
    r->progs = NULL;
}
