#include "child_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_args.h"
#include "hil_clock.h"

#define CHILD_POLL_MS 2   /* how often an ending child is looked for */

static void redirect(const char *path, int to)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0)
        dup2(fd, to);   /* the copy is not close-on-exec; the original goes at the exec */
}

/* The child's side of the fork: async-signal-safe calls only. `failed` is
 * made before the fork. */
static void child_exec(const struct child_spec *s, pid_t parent, const char *failed)
{
    if (s->stderr_path)
        redirect(s->stderr_path, STDERR_FILENO);
    if (s->death_signal) {
        prctl(PR_SET_PDEATHSIG, s->death_signal);
        if (getppid() != parent)   /* the starter died before the line above */
            _exit(127);
    }
    if (s->stdout_path)
        redirect(s->stdout_path, STDOUT_FILENO);
    else if (s->stdout_fd > STDERR_FILENO)
        dup2(s->stdout_fd, STDOUT_FILENO);
    char *const *argv = exec_args(s->argv);
    if (s->search_path)
        execvp(argv[0], argv);
    else
        execv(argv[0], argv);
    (void)!write(STDERR_FILENO, failed, strlen(failed));
    _exit(127);
}

pid_t child_spawn(const struct child_spec *spec)
{
    char failed[CHILD_FAILED_MAX];
    snprintf(failed, sizeof failed, "cannot run %s: not found or not executable\n", spec->argv[0]);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        child_exec(spec, parent, failed);
    return pid;
}

/* pid once it ended (its status in *status), 0 while it still runs after
 * within_ms, -1 when it is no child of ours (nothing to wait for). */
static pid_t reap_within(pid_t pid, int within_ms, int *status)
{
    uint64_t end = hil_now_ms() + (uint64_t)(within_ms > 0 ? within_ms : 0);
    for (;;) {
        pid_t got = waitpid(pid, status, WNOHANG);
        if (got < 0 && errno == EINTR)
            continue;
        if (got != 0 || hil_now_ms() >= end)
            return got;
        poll(NULL, 0, CHILD_POLL_MS);
    }
}

bool child_wait(pid_t pid, int within_ms, int *status)
{
    return pid > 0 && reap_within(pid, within_ms, status) == pid;
}

int child_stop(pid_t pid, int grace_ms)
{
    int status;
    if (pid <= 0)
        return -1;
    kill(pid, SIGTERM);
    pid_t got = reap_within(pid, grace_ms, &status);
    if (got == pid)
        return status;
    if (got == 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    return -1;
}
