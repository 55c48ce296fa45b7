#include "program_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hil_clock.h"

/* What the guard tells us, one record at a time (atomic: below PIPE_BUF). */
enum guard_report { GUARD_PID, GUARD_EXEC_FAILED, GUARD_EXITED, GUARD_LEFTOVERS };
struct guard_msg { int kind; int value; };

#define GUARD_POLL_MS 20        /* how often the guard looks for ended children */
#define FD_SCAN_MAX 4096        /* descriptors the children close beyond their own */
#define STOP_POLL_MS 10
#define STOP_KILL_WAIT_MS 1000  /* a SIGKILLed program is reaped by then */
#define LEFTOVER_GRACE_MS 300   /* a group's last members may take a moment to go after their leader */
#define CHUNK 4096
/* Reads per stream per call: a program that writes as fast as we read would
 * otherwise keep us here for ever, and its caller would never see the flood. */
#define CHUNKS_PER_CALL 16
#define GUARD_CHILDREN_BUF 4096 /* /proc's list of the guard's children */
#define GUARD_END_ROUNDS 50     /* at GUARD_POLL_MS each: a killed child is reaped long before */

/* ---- the child side: async-signal-safe calls only (the worker has threads) ---- */

static void close_others(const int *keep, size_t n)
{
    for (int fd = STDERR_FILENO + 1; fd < FD_SCAN_MAX; fd++) {
        bool kept = false;
        for (size_t i = 0; i < n; i++)
            kept |= keep[i] == fd;
        if (!kept)
            close(fd);
    }
}

static void say(int fd, int kind, int value)
{
    struct guard_msg m = { kind, value };
    (void)!write(fd, &m, sizeof m);
}

/* The program: a session of its own, default signals, our pipes as stdout and stderr. */
static void program_child(const struct prog_spec *s, int out_w, int err_w, int devnull, int exec_w)
{
    setsid();
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    dup2(devnull, STDIN_FILENO);
    dup2(out_w, STDOUT_FILENO);
    dup2(err_w, STDERR_FILENO);
    int keep[] = { exec_w };
    close_others(keep, 1);
    if (chdir(s->dir) == 0)
        execve(s->path, s->argv, s->envp);
    int e = errno;
    (void)!write(exec_w, &e, sizeof e);
    _exit(127);
}

/* Kills every child the guard has now: the program's descendants that left
 * its group (setsid) come to the guard, their subreaper, when orphaned.
 * Returns how many it found. */
static int kill_children(void)
{
    char path[64] = "/proc/self/task/", num[16];
    int n = 0, len = (int)strlen(path), found = 0;
    pid_t self = getpid();
    for (pid_t v = self; v; v /= 10)
        num[n++] = (char)('0' + v % 10);
    while (n)
        path[len++] = num[--n];
    memcpy(path + len, "/children", sizeof "/children");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char buf[GUARD_CHILDREN_BUF];
    ssize_t got = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
    if (fd >= 0)
        close(fd);
    for (ssize_t i = 0; i < got; i++) {
        pid_t c = 0;
        for (; i < got && buf[i] >= '0' && buf[i] <= '9'; i++)
            c = c * 10 + (buf[i] - '0');
        if (c > 0) {
            kill(-c, SIGKILL);
            kill(c, SIGKILL);
            found++;
        }
    }
    return found;
}

/* The end of the guard: the program's group and every child it has left
 * killed and reaped, so that its own end is not held up by one. */
static void guard_end(pid_t pid, int status_w)
{
    int st;
    kill(-pid, SIGKILL);
    for (int round = 0; round < GUARD_END_ROUNDS; round++) {
        while (waitpid(-1, &st, WNOHANG) > 0)
            ;
        int found = kill_children();
        if (round == 0 && found)   /* the program itself was reaped before: these escaped its group */
            say(status_w, GUARD_LEFTOVERS, found);
        if (found == 0)
            break;
        poll(NULL, 0, GUARD_POLL_MS);
    }
    _exit(0);
}

/* The guard: reaps the program and what it abandons, reports, and kills the
 * program's group when the life pipe closes. */
static _Noreturn void guard_main(const struct prog_spec *s, int out_w, int err_w, int devnull, int status_w,
                                 int life_r)
{
    setpgid(0, 0);   /* out of the worker's group: a kill of that group must leave us to clean up */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    int keep[] = { out_w, err_w, devnull, status_w, life_r };
    close_others(keep, sizeof keep / sizeof keep[0]);
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) < 0)
        _exit(127);
    pid_t pid = fork();
    if (pid == 0)
        program_child(s, out_w, err_w, devnull, ep[1]);
    close(ep[1]);
    close(out_w);
    close(err_w);
    if (pid < 0) {
        say(status_w, GUARD_EXEC_FAILED, errno);
        _exit(127);
    }
    say(status_w, GUARD_PID, pid);
    int e;
    if (read(ep[0], &e, sizeof e) == (ssize_t)sizeof e)
        say(status_w, GUARD_EXEC_FAILED, e);
    close(ep[0]);
    for (;;) {
        struct pollfd pfd = { life_r, POLLIN, 0 };
        int ready = poll(&pfd, 1, GUARD_POLL_MS);
        int st;
        pid_t w;
        while ((w = waitpid(-1, &st, WNOHANG)) > 0)
            if (w == pid)
                say(status_w, GUARD_EXITED, st);
        if (ready > 0)
            guard_end(pid, status_w);
    }
}

/* ---- our side ---- */

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void close_pair(int p[2])
{
    close_fd(&p[0]);
    close_fd(&p[1]);
}

/* The first report: the program's pid, or why there is none. */
static int await_pid(struct prog_proc *p, struct strbuf *why)
{
    struct guard_msg m;
    ssize_t n;
    do
        n = read(p->status_fd, &m, sizeof m);
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof m && m.kind == GUARD_PID) {
        p->pid = m.value;
        return 0;
    }
    sb_printf(why, "could not start it: %s", n == (ssize_t)sizeof m ? strerror(m.value) : "its guard process died");
    return -1;
}

/* The pipes between us, the guard and the program: [0] read, [1] write ends. */
struct prog_pipes {
    int out[2], err[2], status[2], life[2];
    int devnull;
};

static void pipes_close(struct prog_pipes *pp)
{
    close_pair(pp->out);
    close_pair(pp->err);
    close_pair(pp->status);
    close_pair(pp->life);
    close_fd(&pp->devnull);
}

static int pipes_open(struct prog_pipes *pp, struct strbuf *why)
{
    *pp = (struct prog_pipes){ {-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}, -1 };
    pp->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (pp->devnull >= 0 && pipe2(pp->out, O_CLOEXEC) == 0 && pipe2(pp->err, O_CLOEXEC) == 0 &&
        pipe2(pp->status, O_CLOEXEC) == 0 && pipe2(pp->life, O_CLOEXEC) == 0)
        return 0;
    sb_printf(why, "cannot make its pipes: %s", strerror(errno));
    pipes_close(pp);
    return -1;
}

/* Our ends kept, the others closed. */
static void pipes_adopt(struct prog_proc *p, struct prog_pipes *pp)
{
    p->out_fd = pp->out[0];
    p->err_fd = pp->err[0];
    p->status_fd = pp->status[0];
    p->life_fd = pp->life[1];
    pp->out[0] = pp->err[0] = pp->status[0] = pp->life[1] = -1;
    pipes_close(pp);
    fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
    fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
}

int prog_start(struct prog_proc *p, const struct prog_spec *spec, struct strbuf *why)
{
    struct prog_pipes pp;
    for (int i = 0; i < 3; i++)
        sb_reset(&p->partial[i]);
    p->bytes = 0;
    p->exec_errno = p->escaped = p->wait_status = 0;
    if (pipes_open(&pp, why) < 0)
        return -1;
    p->guard = fork();
    if (p->guard == 0)
        guard_main(spec, pp.out[1], pp.err[1], pp.devnull, pp.status[1], pp.life[0]);
    if (p->guard < 0) {
        sb_printf(why, "cannot fork: %s", strerror(errno));
        pipes_close(&pp);
        return -1;
    }
    setpgid(p->guard, p->guard);   /* also here: no race with a kill of the worker's group */
    pipes_adopt(p, &pp);
    p->state = PROG_EXITED;        /* until its pid came: a stop must not signal anything */
    if (await_pid(p, why) < 0) {
        prog_stop(p, 0, NULL, NULL, &(struct prog_stop_result){0});
        return -1;
    }
    fcntl(p->status_fd, F_SETFL, O_NONBLOCK);
    p->state = PROG_RUNNING;
    return 0;
}

void prog_fds(const struct prog_proc *p, int fds[3])
{
    bool open = p->state != PROG_IDLE;
    fds[0] = open ? p->out_fd : -1;
    fds[1] = open ? p->err_fd : -1;
    fds[2] = open ? p->status_fd : -1;
}

static void emit(struct prog_proc *p, enum prog_stream s, prog_line_fn line, void *ctx)
{
    struct strbuf *b = &p->partial[s];
    size_t n = b->len;
    if (n && b->p[n - 1] == '\r')
        n--;
    if (line)
        line(ctx, s, b->p ? b->p : "", n);
    sb_reset(b);
}

static void take_bytes(struct prog_proc *p, const char *buf, ssize_t n, enum prog_stream s, prog_line_fn line,
                       void *ctx)
{
    p->bytes += (size_t)n;
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            emit(p, s, line, ctx);
            continue;
        }
        sb_add(&p->partial[s], &buf[i], 1);
        if (p->partial[s].len >= PROG_LINE_MAX)
            emit(p, s, line, ctx);
    }
}

/* Reads what the stream has, up to CHUNKS_PER_CALL chunks; true once it is
 * empty for now (or closed), false when more may be waiting. */
static bool read_stream(struct prog_proc *p, int fd, enum prog_stream s, prog_line_fn line, void *ctx)
{
    char buf[CHUNK];
    for (int chunks = 0; fd >= 0 && chunks < CHUNKS_PER_CALL; chunks++) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            return true;
        take_bytes(p, buf, n, s, line, ctx);
    }
    return fd < 0;
}

static bool read_status(struct prog_proc *p)
{
    struct guard_msg m;
    bool changed = false;
    while (p->status_fd >= 0 && read(p->status_fd, &m, sizeof m) == (ssize_t)sizeof m) {
        if (m.kind == GUARD_EXEC_FAILED)
            p->exec_errno = m.value;
        if (m.kind == GUARD_LEFTOVERS)
            p->escaped = m.value;
        if (m.kind == GUARD_EXITED) {
            p->wait_status = m.value;
            p->state = PROG_EXITED;
            changed = true;
        }
    }
    return changed;
}

bool prog_read(struct prog_proc *p, prog_line_fn line, void *ctx)
{
    if (p->state == PROG_IDLE)
        return false;
    bool out_empty = read_stream(p, p->out_fd, PROG_STDOUT, line, ctx);
    bool err_empty = read_stream(p, p->err_fd, PROG_STDERR, line, ctx);
    /* its end is told once what it wrote before it has been read */
    return out_empty && err_empty && read_status(p);
}

static void signal_group(const struct prog_proc *p, int sig)
{
    if (p->pid > 0)
        kill(-p->pid, sig);
}

void prog_pause(struct prog_proc *p)
{
    if (p->state != PROG_RUNNING)
        return;
    signal_group(p, SIGSTOP);
    p->state = PROG_PAUSED;
}

void prog_resume(struct prog_proc *p)
{
    if (p->state != PROG_PAUSED)
        return;
    signal_group(p, SIGCONT);
    p->state = PROG_RUNNING;
}

void prog_terminate(struct prog_proc *p)
{
    if (p->state == PROG_RUNNING || p->state == PROG_PAUSED) {
        signal_group(p, SIGTERM);
        signal_group(p, SIGCONT);   /* a paused program must be able to take it */
        p->state = PROG_RUNNING;
    }
}

void prog_kill(struct prog_proc *p)
{
    if (p->state == PROG_IDLE)
        return;
    signal_group(p, SIGKILL);
    signal_group(p, SIGCONT);
}

/* Waits up to ms for the program itself to be reported ended. */
static bool await_exit(struct prog_proc *p, int ms, prog_line_fn line, void *ctx)
{
    uint64_t end = hil_now_ms() + (uint64_t)(ms > 0 ? ms : 0);
    while (p->state != PROG_EXITED) {
        prog_read(p, line, ctx);
        if (p->state == PROG_EXITED || hil_now_ms() >= end)
            break;
        int fds[3];
        prog_fds(p, fds);
        struct pollfd pfd[3] = { {fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}, {fds[2], POLLIN, 0} };
        poll(pfd, 3, STOP_POLL_MS);
    }
    return p->state == PROG_EXITED;
}

/* Whether its group still has members LEFTOVER_GRACE_MS after its leader ended. */
static bool group_lingers(const struct prog_proc *p)
{
    uint64_t end = hil_now_ms() + LEFTOVER_GRACE_MS;
    while (p->pid > 0 && kill(-p->pid, 0) == 0) {
        if (hil_now_ms() >= end)
            return true;
        poll(NULL, 0, STOP_POLL_MS);
    }
    return false;
}

void prog_stop(struct prog_proc *p, int grace_ms, prog_line_fn line, void *ctx, struct prog_stop_result *res)
{
    memset(res, 0, sizeof *res);
    if (p->state == PROG_IDLE)
        return;
    prog_read(p, line, ctx);
    res->was_running = p->state == PROG_RUNNING || p->state == PROG_PAUSED;
    if (res->was_running) {
        prog_terminate(p);
        res->ignored_term = !await_exit(p, grace_ms, line, ctx);
        if (res->ignored_term) {
            prog_kill(p);
            await_exit(p, STOP_KILL_WAIT_MS, line, ctx);   /* reaped: the guard's leftovers are others */
        }
    }
    if (p->pid > 0 && !res->ignored_term)
        res->left_processes = group_lingers(p);
    signal_group(p, SIGKILL);
    close_fd(&p->life_fd);   /* the guard kills what is left, reaps it and ends */
    if (p->guard > 0) {
        int st;
        while (waitpid(p->guard, &st, 0) < 0 && errno == EINTR)
            ;
    }
    prog_read(p, line, ctx);   /* the guard's last words: what it had to kill */
    res->left_processes |= p->escaped > 0;
    for (int s = PROG_STDOUT; s <= PROG_STDERR; s++)
        if (p->partial[s].len)
            emit(p, (enum prog_stream)s, line, ctx);
    close_fd(&p->out_fd);
    close_fd(&p->err_fd);
    close_fd(&p->status_fd);
    p->guard = p->pid = 0;
    p->state = PROG_IDLE;
}

void prog_describe_exit(const struct prog_proc *p, struct strbuf *out)
{
    int st = p->wait_status;
    if (p->exec_errno)
        sb_printf(out, "could not be executed: %s", strerror(p->exec_errno));
    else if (WIFEXITED(st))
        sb_printf(out, "exited with status %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        sb_printf(out, "was killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
        sb_puts(out, "ended");
}
