#include "sim_target.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cescape.h"
#include "exec_args.h"
#include "hil_clock.h"
#include "scratch_dir.h"

#define STOP_GRACE_MS 2000
#define REPLY_MS 5000      /* the simulator answers control lines at once */

/* Reads one '\n'-terminated line into `line` within timeout_ms. */
static int read_line(int fd, struct strbuf *line, int timeout_ms)
{
    uint64_t end = hil_now_ms() + (uint64_t)timeout_ms;
    sb_reset(line);
    for (;;) {
        uint64_t now = hil_now_ms();
        struct pollfd p = {fd, POLLIN, 0};
        if (now >= end || poll(&p, 1, (int)(end - now)) <= 0)
            return -1;
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        if (c == '\n')
            return 0;
        sb_add(line, &c, 1);
    }
}

/* The child's side of the fork: only async-signal-safe calls (the worker may
 * have threads, a libmosquitto loop among them); `argv` and `failed` are made
 * before the fork. */
static void exec_sim(int out_fd, pid_t parent, const char *err_path, char *const *argv, const char *failed)
{
    int err_fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (err_fd >= 0)
        dup2(err_fd, STDERR_FILENO);   /* kept for the report, not mixed into the runner's output */
    prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive the scenario's worker ... */
    if (getppid() != parent)            /* ... even one that died before the line above */
        _exit(127);
    dup2(out_fd, STDOUT_FILENO);
    execv(argv[0], argv);
    (void)!write(STDERR_FILENO, failed, strlen(failed));
    _exit(127);
}

int sim_target_start(struct sim_target *t, const char *dir, const char *sim_bin, const char *const *args)
{
    memset(t, 0, sizeof *t);
    t->control_fd = t->watch_fd = -1;
    if (dir) {
        snprintf(t->dir, sizeof t->dir, "%s", dir);
    } else if (scratch_dir_make(t->dir, sizeof t->dir, NULL, "sim7600-hil-", 0700) == 0) {
        t->own_dir = true;
    } else {
        sb_printf(&t->err, "cannot create a temporary directory in %s: %s; set TMPDIR to a writable directory",
                  scratch_dir_default_parent(), strerror(errno));
        t->dir[0] = '\0';
        return -1;
    }
    if (snprintf(t->control_path, sizeof t->control_path, "%s/control", t->dir) >= (int)sizeof t->control_path) {
        sb_printf(&t->err, "the directory %s is too long for a Unix socket path; set TMPDIR to a shorter one", t->dir);
        return -1;
    }
    snprintf(t->stderr_path, sizeof t->stderr_path, "%s/sim.err", t->dir);
    const char *argv[SIM_TARGET_MAX_ARGS + 4] = {sim_bin, "--control", t->control_path};
    int n = 3;
    for (int i = 0; args && args[i] && n < SIM_TARGET_MAX_ARGS; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char failed[sizeof t->dir + 64];
    snprintf(failed, sizeof failed, "cannot run %s: not found or not executable\n", sim_bin);
    int out[2];
    if (pipe2(out, O_CLOEXEC) < 0) {
        sb_printf(&t->err, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t parent = getpid();
    t->pid = fork();
    if (t->pid == 0)
        exec_sim(out[1], parent, t->stderr_path, exec_args(argv), failed);
    close(out[1]);
    struct strbuf line = {0};
    int r = t->pid > 0 ? read_line(out[0], &line, SIM_TARGET_START_MS) : -1;
    close(out[0]);
    if (r < 0 || strncmp(sb_str(&line), "PTY ", 4) != 0) {
        sb_printf(&t->err, "the simulator %s did not start (no PTY line within %d ms); "
                  "run it by hand to see why, or give its path with --sim", sim_bin, SIM_TARGET_START_MS);
        sb_free(&line);
        return -1;
    }
    snprintf(t->pty_path, sizeof t->pty_path, "%s", sb_str(&line) + 4);
    sb_free(&line);
    t->control_fd = sim_target_connect(t);
    if (t->control_fd < 0) {
        sb_printf(&t->err, "cannot connect to the simulator's control socket %s: %s", t->control_path, strerror(errno));
        return -1;
    }
    return 0;
}

int sim_target_connect(const struct sim_target *t)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", t->control_path);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int sim_target_control_fd(int fd, const char *line, struct strbuf *reply)
{
    if (write_all(fd, line, strlen(line)) < 0 || write_all(fd, "\n", 1) < 0 ||
        read_line(fd, reply, REPLY_MS) < 0) {
        sb_reset(reply);
        sb_printf(reply, "ERR the simulator's control socket did not answer '%s'", line);
        return -1;
    }
    return strncmp(sb_str(reply), "OK", 2) == 0 ? 0 : -1;
}

int sim_target_control(struct sim_target *t, const char *line, struct strbuf *reply)
{
    return sim_target_control_fd(t->control_fd, line, reply);
}

/* MSG <qos> <retain> "<topic>" "<payload>" */
static void take_msg(struct sim_target *t, char *line)
{
    struct tokens tk;
    const char *why;
    if (tokenize(line, &tk, &why) < 0 || tk.count != 5 || strcmp(tk.v[0], "MSG") != 0)
        return;
    broker_log_add(t->log, tk.v[3], tk.len[3], tk.v[4], tk.len[4], atoi(tk.v[1]), atoi(tk.v[2]) != 0);
}

static void *watch_main(void *arg)
{
    struct sim_target *t = arg;
    struct strbuf buf = {0};
    char chunk[4096];
    for (;;) {
        ssize_t r = read(t->watch_fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        sb_add(&buf, chunk, (size_t)r);
        char *start = buf.p, *nl;
        while ((nl = memchr(start, '\n', buf.len - (size_t)(start - buf.p))) != NULL) {
            *nl = '\0';
            take_msg(t, start);
            start = nl + 1;
        }
        size_t rest = buf.len - (size_t)(start - buf.p);
        memmove(buf.p, start, rest);
        buf.len = rest;
        buf.p[rest] = '\0';
    }
    sb_free(&buf);
    return NULL;
}

int sim_target_watch(struct sim_target *t, struct broker_log *log)
{
    struct strbuf reply = {0};
    t->log = log;
    t->watch_fd = sim_target_connect(t);
    int r = t->watch_fd < 0 ? -1 : sim_target_control_fd(t->watch_fd, "watch", &reply);
    if (r == 0 && pthread_create(&t->watch_thread, NULL, watch_main, t) == 0)
        t->watching = true;
    else
        sb_printf(&t->err, "cannot watch the simulator's broker: %s", sb_str(&reply));
    sb_free(&reply);
    return t->watching ? 0 : -1;
}

long sim_target_published(struct sim_target *t)
{
    struct strbuf reply = {0};
    long n = -1;
    if (sim_target_control(t, "state", &reply) == 0) {
        const char *p = strstr(sb_str(&reply), "\"broker\":{\"published\":");
        if (p)
            n = strtol(p + strlen("\"broker\":{\"published\":"), NULL, 10);
    }
    sb_free(&reply);
    return n;
}

void sim_target_stderr(const struct sim_target *t, struct strbuf *out, size_t max)
{
    FILE *f = t->stderr_path[0] ? fopen(t->stderr_path, "r") : NULL;
    if (!f)
        return;
    char buf[4096];
    size_t n = 0;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        size_t want = max < sizeof buf ? max : sizeof buf;
        fseek(f, size > (long)want ? size - (long)want : 0, SEEK_SET);
        n = fread(buf, 1, want, f);
    }
    fclose(f);
    sb_add(out, buf, n);
}

bool sim_target_exited(struct sim_target *t, int within_ms, struct strbuf *why)
{
    int status;
    uint64_t end = hil_now_ms() + (uint64_t)within_ms;
    pid_t got = 0;   /* set before use; gcc -O1 cannot see that */
    while (t->pid > 0 && (got = waitpid(t->pid, &status, WNOHANG)) == 0 && hil_now_ms() < end)
        poll(NULL, 0, 5);
    if (t->pid <= 0 || got != t->pid)
        return false;
    t->pid = 0;
    if (WIFSIGNALED(status))
        sb_printf(why, "the simulator was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        sb_printf(why, "the simulator exited with status %d", WEXITSTATUS(status));
    return true;
}

static void reap(pid_t pid)
{
    uint64_t end = hil_now_ms() + STOP_GRACE_MS;
    kill(pid, SIGTERM);
    while (waitpid(pid, NULL, WNOHANG) == 0) {
        if (hil_now_ms() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return;
        }
        poll(NULL, 0, 2);
    }
}

void sim_target_stop(struct sim_target *t)
{
    if (t->watch_fd >= 0)
        shutdown(t->watch_fd, SHUT_RDWR);   /* ends the watch thread's read */
    if (t->watching)
        pthread_join(t->watch_thread, NULL);
    if (t->watch_fd >= 0)
        close(t->watch_fd);
    if (t->control_fd >= 0)
        close(t->control_fd);
    if (t->pid > 0)
        reap(t->pid);
    if (t->control_path[0])
        unlink(t->control_path);
    if (t->stderr_path[0])
        unlink(t->stderr_path);
    if (t->own_dir)
        rmdir(t->dir);
    sb_free(&t->err);
    memset(t, 0, sizeof *t);
    t->control_fd = t->watch_fd = -1;
}
