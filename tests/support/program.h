/* Test support: a program run to completion, its output collected, with a bound. */
#ifndef TEST_PROGRAM_H
#define TEST_PROGRAM_H

#include <stddef.h>
#include <sys/types.h>

/* Runs argv (argv[0] a path) with stdin from /dev/null and stdout and stderr
 * in `out` (NUL-terminated, truncated to cap); kills it if it outlives
 * timeout_ms. Returns the exit status, -1 for a signal (a crash), -2 for a
 * hang, -3 if it could not be started. */
int program_run(const char *const *argv, int timeout_ms, char *out, size_t cap);

/* The same in two halves, for a test that acts while the program runs. */
struct program {
    pid_t pid;
    int out_fd;   /* its stdout and stderr */
};
/* Starts argv; returns 0, or -3 if it could not be started. */
int program_start(struct program *p, const char *const *argv);
/* Collects its output until it exits (bounded) and returns as program_run. */
int program_finish(struct program *p, int timeout_ms, char *out, size_t cap);

/* Processes (other than this one) whose command line holds `needle`, up to
 * max of them into pids; returns how many were found. */
int program_find(const char *needle, pid_t *pids, int max);

/* program_run with argv = prog, then args (NULL-terminated, at most 62). */
int program_run_args(const char *prog, const char *const *args, int timeout_ms, char *out, size_t cap);

#endif
