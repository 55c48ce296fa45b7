/* The runner's worker processes: see workers.h. */
#include "workers.h"

#include "alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cescape.h"
#include "hil_clock.h"
#include "seeds.h"

#define RUN_TAIL_SHOWN 12
#define KILL_GRACE_MS 1000    /* after its time limit a worker gets this long to be reaped */
#define TEARDOWN_MS 10000     /* after its report: stopping a simulator and a mosquitto takes seconds at worst */
#define MAX_POLLED 256

/* ---- the worker: runs one scenario, writes its report to the pipe ---------------- */

static void put_field(int fd, char tag, const struct strbuf *b)
{
    struct strbuf line = {0};
    sb_add(&line, &tag, 1);
    sb_puts(&line, " ");
    sb_c_escape(&line, sb_str(b), b->len);
    sb_puts(&line, "\n");
    (void)!write(fd, line.p, line.len);
    sb_free(&line);
}

static void on_progress(void *ctx, const char *where)
{
    struct strbuf b = {0};
    sb_puts(&b, where);
    put_field(*(int *)ctx, '@', &b);
    sb_free(&b);
}

static void on_report(void *ctx, const struct run_report *rep)
{
    int fd = *(int *)ctx;
    struct strbuf v = {0};
    sb_puts(&v, run_verdict_str(rep->verdict));
    put_field(fd, 'W', &rep->why);
    put_field(fd, 'S', &rep->skipped);
    put_field(fd, 'N', &rep->notes);
    put_field(fd, 'T', &rep->tail);
    put_field(fd, 'C', &rep->capture);
    put_field(fd, 'V', &v);   /* last: a report without it is incomplete */
    sb_free(&v);
}

/* The options a job's scenario runs with: the runner's, with its transcripts' directory. */
static struct run_options job_options(const struct workers *w, const struct job *j)
{
    struct run_options o = *w->o;
    o.log_dir = j->log_dir;
    return o;
}

static void worker(const struct workers *w, struct job *j, int fd, pid_t parent)
{
    setpgid(0, 0);   /* the worker and its simulator: one group, stopped together */
    prctl(PR_SET_PDEATHSIG, SIGKILL);   /* a runner killed outright takes its workers along */
    if (getppid() != parent)
        _exit(1);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    /* this process's copy of the scenario (fork): the runner's stays as parsed */
    seed_events(j->sc, seed_for_scenario(j->seed, j->sc->name));
    struct run_options o = job_options(w, j);
    o.work_dir = j->work.path;
    o.started_ms = j->start_ms;
    struct run_report rep;
    struct run_hooks hooks = {on_progress, on_report, &fd};
    run_scenario(j->sc, &o, &rep, &hooks);   /* reports, then tears down */
    run_report_free(&rep);
    _exit(0);
}

/* ---- the parent: reading reports --------------------------------------------------- */

/* Appends the C-escaped text[0..n) to out, decoded; false when it cannot. */
static bool unescape_into(const char *text, size_t n, struct strbuf *out)
{
    uint8_t *buf = xmalloc(n + 1);
    size_t bad;
    long len = c_unescape(text, n, buf, &bad);
    if (len >= 0)
        sb_add(out, buf, (size_t)len);
    free(buf);
    return len >= 0;
}

static void take_field(struct job *j, char tag, const char *text, size_t n)
{
    struct strbuf *dst = tag == 'W' ? &j->rep.why : tag == 'S' ? &j->rep.skipped : tag == 'N' ? &j->rep.notes
                       : tag == 'T' ? &j->rep.tail : tag == 'C' ? &j->rep.capture : NULL;
    if (dst) {
        unescape_into(text, n, dst);
        return;
    }
    struct strbuf v = {0};
    if (tag == 'V' && unescape_into(text, n, &v)) {
        const char *s = sb_str(&v);
        j->rep.verdict = strncmp(s, "pass", 4) == 0 ? RUN_PASS : strncmp(s, "skip", 4) == 0 ? RUN_SKIP : RUN_FAIL;
        j->state = JOB_DONE;
    }
    sb_free(&v);
}

/* The last "@ where" line the worker sent: where a stopped scenario was. */
static void last_progress(const struct job *j, struct strbuf *where)
{
    const char *p = sb_str(&j->out), *at = NULL;
    for (const char *q = p; (q = strstr(q, "@ ")) != NULL; q++)
        if (q == p || q[-1] == '\n')
            at = q + 2;
    if (!at) {
        sb_puts(where, "setting up");
        return;
    }
    const char *nl = strchr(at, '\n');
    unescape_into(at, nl ? (size_t)(nl - at) : strlen(at), where);
}

static void parse_report(struct job *j)
{
    const char *p = sb_str(&j->out);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n >= 2 && p[1] == ' ' && p[0] != '@')
            take_field(j, p[0], p + 2, n - 2);
        p += n + (nl ? 1 : 0);
    }
}

/* The verdict line is the report's last: once it is in, the scenario's time
 * is over and the worker is tearing down. */
static bool report_arrived(const struct job *j)
{
    const char *p = sb_str(&j->out);
    size_t n = j->out.len;
    if (n < 2 || p[n - 1] != '\n')
        return false;
    size_t start = n - 1;
    while (start > 0 && p[start - 1] != '\n')
        start--;
    return strncmp(p + start, "V ", 2) == 0;
}

/* Reads what the worker wrote; -1 once its pipe is closed (it exited). */
static int read_job(struct job *j)
{
    char buf[4096];
    ssize_t n = read(j->fd, buf, sizeof buf);
    if (n > 0) {
        sb_add(&j->out, buf, (size_t)n);
        if (!j->reported && report_arrived(j)) {
            j->reported = true;
            j->end_ms = hil_now_ms();
            j->deadline_ms = j->end_ms + TEARDOWN_MS;
        }
        return 0;
    }
    return n == 0 || (errno != EINTR && errno != EAGAIN) ? -1 : 0;
}

/* Whatever the worker wrote before its deadline counts: read it all first. */
static int drain_job(struct job *j)
{
    struct pollfd p = {j->fd, POLLIN, 0};
    while (poll(&p, 1, 0) > 0)
        if (read_job(j) < 0)
            return -1;
    return 0;
}

/* ---- the parent: starting and finishing --------------------------------------------- */

static int start_job(const struct workers *w, struct job *j)
{
    int pfd[2];
    if (scratch_dir_make_owned(&j->work, RUN_WORK_PREFIX, 0700) < 0) {
        fprintf(stderr, "sim7600-hil run: cannot create a work directory in %s: %s; set TMPDIR to a writable "
                        "directory\n", scratch_dir_default_parent(), strerror(errno));
        return -1;
    }
    if (pipe2(pfd, O_CLOEXEC) < 0) {   /* the simulators must not hold it */
        fprintf(stderr, "sim7600-hil run: cannot set up a worker: %s\n", strerror(errno));
        scratch_dir_release(&j->work);
        return -1;
    }
    fflush(NULL);
    j->start_ms = hil_now_ms();
    j->deadline_ms = j->start_ms + j->sc->time_limit_ms;
    pid_t parent = getpid();
    j->pid = fork();
    if (j->pid < 0) {
        fprintf(stderr, "sim7600-hil run: cannot start a worker: %s\n", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        scratch_dir_release(&j->work);
        return -1;
    }
    if (j->pid == 0) {
        close(pfd[0]);
        worker(w, j, pfd[1], parent);
    }
    setpgid(j->pid, j->pid);   /* also here: no race with the kill below */
    close(pfd[1]);
    j->fd = pfd[0];
    j->state = JOB_RUNNING;
    return 0;
}

/* A stopped worker reported nothing: its transcript file (flushed as it went)
 * still tells what happened last. */
static void capture_tail(const struct workers *w, struct job *j)
{
    struct strbuf path = {0};
    struct run_options o = job_options(w, j);
    run_capture_path(&o, j->sc, &path);
    FILE *f = fopen(sb_str(&path), "r");
    char *lines[RUN_TAIL_SHOWN] = {0};
    size_t n = 0;
    char buf[512];
    while (f && fgets(buf, sizeof buf, f)) {
        free(lines[n % RUN_TAIL_SHOWN]);
        lines[n++ % RUN_TAIL_SHOWN] = xstrdup(buf);
    }
    for (size_t i = n > RUN_TAIL_SHOWN ? n - RUN_TAIL_SHOWN : 0; i < n; i++)
        sb_printf(&j->rep.tail, "    %s", lines[i % RUN_TAIL_SHOWN] ? lines[i % RUN_TAIL_SHOWN] : "\n");
    for (size_t i = 0; i < RUN_TAIL_SHOWN; i++)
        free(lines[i]);
    if (f) {
        fclose(f);
        sb_add(&j->rep.capture, path.p, path.len);
    }
    sb_free(&path);
}

/* A worker without a verdict: why it ended, where it was, what it said last. */
static void report_unfinished(const struct workers *w, struct job *j, int status)
{
    struct strbuf where = {0};
    last_progress(j, &where);
    j->rep.verdict = RUN_FAIL;
    sb_reset(&j->rep.why);
    if (j->timed_out)
        sb_printf(&j->rep.why, "stopped at its time limit of %.0fs during %s", j->sc->time_limit_ms / 1000.0,
                  sb_str(&where));
    else
        sb_printf(&j->rep.why, "the worker died (%s) during %s",
                  WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exit without a report", sb_str(&where));
    sb_free(&where);
    capture_tail(w, j);
    j->state = JOB_DONE;
}

/* The worker's pipe closed (it exited), or `stop`: its time is up. */
static void finish_job(const struct workers *w, struct job *j, bool stop)
{
    close(j->fd);
    j->fd = -1;
    if (stop)
        kill(-j->pid, SIGKILL);
    int status = 0;
    uint64_t end = hil_now_ms() + KILL_GRACE_MS;
    while (waitpid(j->pid, &status, WNOHANG) == 0) {
        if (hil_now_ms() > end)
            kill(-j->pid, SIGKILL);
        poll(NULL, 0, 5);
    }
    kill(-j->pid, SIGKILL);   /* anything the worker left in its group */
    parse_report(j);
    if (j->state != JOB_DONE)
        report_unfinished(w, j, status);
    scratch_dir_release(&j->work);   /* with what a stopped worker left there */
    if (!j->reported)
        j->end_ms = hil_now_ms();
}

/* ---- the pool ------------------------------------------------------------------------ */

void workers_init(struct workers *w, struct scenario *const *sc, size_t n, const struct run_options *o, int max,
                  const struct workers_plan *plan)
{
    *w = (struct workers){.o = o, .max = max, .n = n * plan->runs};
    w->v = xmalloc(w->n * sizeof *w->v);
    for (size_t i = 0; i < w->n; i++) {
        unsigned run = (unsigned)(i % plan->runs);
        w->v[i] = (struct job){.sc = sc[i / plan->runs], .run = run, .seed = seed_of_repeat(plan->seed, run),
                               .log_dir = plan->log_dirs ? plan->log_dirs[run] : o->log_dir,
                               .fd = -1, .work.lock_fd = -1};
    }
}

void workers_free(struct workers *w)
{
    for (size_t i = 0; w->v && i < w->n; i++) {
        run_report_free(&w->v[i].rep);
        sb_free(&w->v[i].out);
    }
    free(w->v);
    w->v = NULL;
}

static void start_waiting(struct workers *w)
{
    while (w->running < (size_t)w->max && w->next < w->n) {
        struct job *j = &w->v[w->next++];
        if (start_job(w, j) == 0) {
            w->running++;
        } else {
            j->state = JOB_DONE;
            j->rep.verdict = RUN_FAIL;
            sb_puts(&j->rep.why, "could not start a worker process");
        }
    }
}

void workers_round(struct workers *w)
{
    start_waiting(w);
    struct pollfd fds[MAX_POLLED];
    size_t idx[MAX_POLLED], nf = 0;
    uint64_t now = hil_now_ms(), wake = now + 1000;
    for (size_t i = 0; i < w->n && nf < MAX_POLLED; i++) {
        struct job *j = &w->v[i];
        if (j->state != JOB_RUNNING)
            continue;
        if (now >= j->deadline_ms) {
            bool exited = drain_job(j) < 0;
            j->timed_out = !j->reported;
            finish_job(w, j, !exited);
            w->running--;
            continue;
        }
        if (j->deadline_ms < wake)
            wake = j->deadline_ms;
        fds[nf] = (struct pollfd){j->fd, POLLIN, 0};
        idx[nf++] = i;
    }
    if (nf && poll(fds, nf, (int)(wake - now)) > 0) {
        for (size_t k = 0; k < nf; k++) {
            struct job *j = &w->v[idx[k]];
            if (fds[k].revents && read_job(j) < 0) {
                finish_job(w, j, false);
                w->running--;
            }
        }
    }
}

void workers_stop(struct workers *w)
{
    for (size_t i = 0; i < w->n; i++) {
        struct job *j = &w->v[i];
        if (j->state != JOB_RUNNING)
            continue;
        finish_job(w, j, true);   /* not reported: the closing line counts what was done */
        w->running--;
    }
}
