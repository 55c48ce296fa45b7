#include "sim_process.h"

#include "exec_args.h"
#include "hil_clock.h"

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
#include <termios.h>
#include <unistd.h>

#ifndef SIM7600_BIN_DIR
#define SIM7600_BIN_DIR "build/bin"
#endif

#define MAX_ARGS 32

long long test_now_ms(void)
{
    return (long long)hil_now_ms();   /* signed: tests subtract deadlines freely */
}

/* Reads one line from fd within timeout_ms. */
static int read_line(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t n = 0;
    long long end = test_now_ms() + timeout_ms;
    while (n + 1 < cap) {
        int left = (int)(end - test_now_ms());
        struct pollfd pfd = {fd, POLLIN, 0};
        if (left <= 0 || poll(&pfd, 1, left) <= 0)
            return -1;
        ssize_t r = read(fd, buf + n, 1);
        if (r <= 0)
            return -1;
        if (buf[n] == '\n') {
            buf[n] = '\0';
            return 0;
        }
        n++;
    }
    return -1;
}

static void exec_sim(int out_fd, const struct sim_process *p, const char *const *args)
{
    const char *argv[MAX_ARGS] = {SIM7600_BIN_DIR "/sim7600-sim", "--baud", "0", "--control", p->control_path};
    int n = 5;
    for (int i = 0; args && args[i] && n < MAX_ARGS - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    prctl(PR_SET_PDEATHSIG, SIGTERM);     /* never outlive the test */
    dup2(out_fd, STDOUT_FILENO);
    execv(argv[0], exec_args(argv));
    fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int simproc_start(struct sim_process *p, const char *const *args)
{
    memset(p, 0, sizeof *p);
    p->fd = -1;
    strcpy(p->dir, "/tmp/simtest-XXXXXX");
    if (!mkdtemp(p->dir))
        return -1;
    snprintf(p->control_path, sizeof p->control_path, "%s/control", p->dir);
    int pipefd[2];
    if (pipe(pipefd) < 0)
        return -1;
    p->pid = fork();
    if (p->pid == 0) {
        close(pipefd[0]);
        exec_sim(pipefd[1], p, args);
    }
    close(pipefd[1]);
    char line[256];
    int r = p->pid > 0 ? read_line(pipefd[0], line, sizeof line, SIMPROC_DEFAULT_TIMEOUT_MS) : -1;
    close(pipefd[0]);
    if (r < 0 || strncmp(line, "PTY ", 4) != 0) {
        simproc_stop(p);
        return -1;
    }
    snprintf(p->pty_path, sizeof p->pty_path, "%s", line + 4);
    return 0;
}

int simproc_open(struct sim_process *p)
{
    p->fd = open(p->pty_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (p->fd < 0)
        return -1;
    struct termios t;
    if (tcgetattr(p->fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(p->fd, TCSANOW, &t);
    }
    return 0;
}

void simproc_close_port(struct sim_process *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

int simproc_stop(struct sim_process *p)
{
    int status = -1;
    simproc_close_port(p);
    if (p->pid > 0) {
        kill(p->pid, SIGTERM);
        long long end = test_now_ms() + SIMPROC_DEFAULT_TIMEOUT_MS;
        while (waitpid(p->pid, &status, WNOHANG) == 0) {
            if (test_now_ms() > end) {
                kill(p->pid, SIGKILL);
                waitpid(p->pid, &status, 0);
                status = -1;
                break;
            }
            poll(NULL, 0, 5);
        }
        p->pid = 0;
    }
    if (p->dir[0]) {
        unlink(p->control_path);
        rmdir(p->dir);
        p->dir[0] = '\0';
    }
    free(p->rx);
    p->rx = NULL;
    p->rx_len = p->rx_cap = 0;
    return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int simproc_write(struct sim_process *p, const void *data, size_t n)
{
    const char *c = data;
    long long end = test_now_ms() + SIMPROC_DEFAULT_TIMEOUT_MS;
    while (n) {
        ssize_t w = write(p->fd, c, n);
        if (w > 0) {
            c += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN)
            return -1;
        struct pollfd pfd = {p->fd, POLLOUT, 0};
        if (test_now_ms() > end || poll(&pfd, 1, 100) < 0)
            return -1;
    }
    return 0;
}

int simproc_send(struct sim_process *p, const char *text)
{
    return simproc_write(p, text, strlen(text));
}

/* Appends what is readable now, waiting at most wait_ms for the first byte. */
static ssize_t receive(struct sim_process *p, int wait_ms)
{
    struct pollfd pfd = {p->fd, POLLIN, 0};
    if (poll(&pfd, 1, wait_ms) <= 0)
        return 0;
    if (p->rx_len + 4096 + 1 > p->rx_cap) {
        size_t cap = p->rx_cap ? p->rx_cap * 2 : 16384;
        while (cap < p->rx_len + 4096 + 1)
            cap *= 2;
        char *n = realloc(p->rx, cap);
        if (!n)
            return -1;
        p->rx = n;
        p->rx_cap = cap;
    }
    ssize_t r = read(p->fd, p->rx + p->rx_len, 4096);
    if (r > 0) {
        p->rx_len += (size_t)r;
        p->rx[p->rx_len] = '\0';
    }
    return r;
}

static char *find_bytes(char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

bool simproc_expect(struct sim_process *p, const char *needle, int timeout_ms)
{
    return simproc_take(p, needle, timeout_ms, NULL, 0);
}

bool simproc_take(struct sim_process *p, const char *needle, int timeout_ms, char *taken, size_t cap)
{
    long long end = test_now_ms() + timeout_ms;
    for (;;) {
        char *hit = p->rx ? find_bytes(p->rx, p->rx_len, needle) : NULL;
        if (hit) {
            size_t used = (size_t)(hit - p->rx) + strlen(needle);
            if (taken && cap) {
                size_t n = used < cap - 1 ? used : cap - 1;
                memcpy(taken, p->rx, n);
                taken[n] = '\0';
            }
            memmove(p->rx, p->rx + used, p->rx_len - used + 1);
            p->rx_len -= used;
            return true;
        }
        long long left = end - test_now_ms();
        if (left <= 0 || receive(p, (int)left) < 0)
            return false;
    }
}

size_t simproc_gather_for(struct sim_process *p, int ms)
{
    size_t before = p->rx_len;
    long long end = test_now_ms() + ms;
    for (long long left; (left = end - test_now_ms()) > 0;)
        if (receive(p, (int)left) < 0)
            break;
    return p->rx_len - before;
}

bool simproc_quiet_for(struct sim_process *p, int ms)
{
    return simproc_gather_for(p, ms) == 0;
}

void simproc_flush(struct sim_process *p)
{
    while (receive(p, 0) > 0)
        ;
    p->rx_len = 0;
    if (p->rx)
        p->rx[0] = '\0';
}

const char *simproc_pending(struct sim_process *p)
{
    return p->rx ? p->rx : "";
}

int simproc_control(struct sim_process *p, const char *line, char *reply, size_t cap)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", p->control_path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int r = -1;
    if (write(fd, line, strlen(line)) == (ssize_t)strlen(line) && write(fd, "\n", 1) == 1)
        r = read_line(fd, reply, cap, SIMPROC_DEFAULT_TIMEOUT_MS);
    close(fd);
    return r;
}
