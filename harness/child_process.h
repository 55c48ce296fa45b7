/* Starting a helper program (the simulator, mosquitto, mosquitto_passwd) as
 * a child that dies with its starter, and stopping it within a bound.
 *
 * The child runs only async-signal-safe calls between fork and exec: the
 * starter may have threads (the runner's workers run a libmosquitto loop), and
 * a lock another thread held at the fork would never be released. */
#ifndef HARNESS_CHILD_PROCESS_H
#define HARNESS_CHILD_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

#define CHILD_FAILED_MAX 320   /* the message a child that cannot exec writes on stderr */

struct child_spec {
    const char *const *argv;   /* NULL-terminated; argv[0] is run as a path ... */
    bool search_path;          /* ... or looked up in PATH, as a shell would */
    int stdout_fd;             /* a descriptor (above 2) to be its stdout; 0: inherited */
    const char *stdout_path;   /* or a file for its stdout (made or truncated); NULL: see stdout_fd */
    const char *stderr_path;   /* a file for its stderr (made or truncated); NULL: inherited */
    int death_signal;          /* what it gets when its starter dies (0: nothing, it outlives it) */
};

/* Forks and execs. Returns the child's pid, or -1 with errno set (the fork
 * failed). A child that cannot exec says so on its stderr and exits 127. */
pid_t child_spawn(const struct child_spec *spec);

/* Waits up to within_ms for the child to end; true (and its wait status in
 * *status) if it did. */
bool child_wait(pid_t pid, int within_ms, int *status);

/* SIGTERM, up to grace_ms for it to end, then SIGKILL. Returns its wait
 * status, or -1 when it had to be killed (or was not there). */
int child_stop(pid_t pid, int grace_ms);

#endif
