#include "program.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim_process.h"

/* Runs argv with stdout and stderr in `out`; kills it if it outlives the deadline.
 * Returns the exit status, or -1 for a signal (a crash), -2 for a hang. */
int program_run(const char *const *argv, int timeout_ms, char *out, size_t cap)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -3;
    pid_t pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return -3;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive the test */
        dup2(pipefd[1], 1);
        dup2(pipefd[1], 2);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    size_t n = 0;
    bool hung = false;
    long long end = test_now_ms() + timeout_ms;
    for (;;) {
        int left = (int)(end - test_now_ms());
        struct pollfd pfd = {pipefd[0], POLLIN, 0};
        if (left <= 0 || poll(&pfd, 1, left) == 0) {
            hung = true;
            break;
        }
        char buf[4096];
        ssize_t r = read(pipefd[0], buf, sizeof buf);
        if (r <= 0)
            break;
        size_t k = (size_t)r < cap - 1 - n ? (size_t)r : cap - 1 - n;
        memcpy(out + n, buf, k);
        n += k;
    }
    out[n] = '\0';
    close(pipefd[0]);
    if (hung)
        kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    if (hung)
        return -2;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
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
