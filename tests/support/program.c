#include "program.h"

#include "exec_args.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim_process.h"

int program_start(struct program *p, const char *const *argv)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -3;
    p->pid = fork();
    if (p->pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return -3;
    }
    if (p->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive the test */
        dup2(pipefd[1], 1);
        dup2(pipefd[1], 2);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        execv(argv[0], exec_args(argv));
        _exit(127);
    }
    close(pipefd[1]);
    p->out_fd = pipefd[0];
    return 0;
}

/* Returns the exit status, or -1 for a signal (a crash), -2 for a hang. */
int program_finish(struct program *p, int timeout_ms, char *out, size_t cap)
{
    size_t n = 0;
    bool hung = false;
    long long end = test_now_ms() + timeout_ms;
    for (;;) {
        int left = (int)(end - test_now_ms());
        struct pollfd pfd = {p->out_fd, POLLIN, 0};
        if (left <= 0 || poll(&pfd, 1, left) == 0) {
            hung = true;
            break;
        }
        char buf[4096];
        ssize_t r = read(p->out_fd, buf, sizeof buf);
        if (r <= 0)
            break;
        size_t k = (size_t)r < cap - 1 - n ? (size_t)r : cap - 1 - n;
        memcpy(out + n, buf, k);
        n += k;
    }
    out[n] = '\0';
    close(p->out_fd);
    if (hung)
        kill(p->pid, SIGKILL);
    int status;
    waitpid(p->pid, &status, 0);
    if (hung)
        return -2;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int program_run(const char *const *argv, int timeout_ms, char *out, size_t cap)
{
    struct program p;
    if (program_start(&p, argv) < 0)
        return -3;
    return program_finish(&p, timeout_ms, out, cap);
}

int program_find(const char *needle, pid_t *pids, int max)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int found = 0;
    while (d && found < max && (e = readdir(d)) != NULL) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid <= 0 || pid == getpid())
            continue;
        char path[64], cmd[4096];
        snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, cmd, sizeof cmd - 1);
        close(fd);
        for (ssize_t i = 0; i < n - 1; i++)   /* the arguments, NUL-separated, as one string */
            if (cmd[i] == '\0')
                cmd[i] = ' ';
        if (n > 0 && (cmd[n] = '\0', strstr(cmd, needle)))
            pids[found++] = pid;
    }
    if (d)
        closedir(d);
    return found;
}

int program_run_args(const char *prog, const char *const *args, int timeout_ms, char *out, size_t cap)
{
    const char *argv[64] = {prog};
    int n = 1;
    for (; args[n - 1] != NULL && n < 63; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    return program_run(argv, timeout_ms, out, cap);
}
