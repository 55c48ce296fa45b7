/* Test support: a program run to completion, its output collected, with a bound. */
#ifndef TEST_PROGRAM_H
#define TEST_PROGRAM_H

#include <stddef.h>

/* Runs argv (argv[0] a path) with stdin from /dev/null and stdout and stderr
 * in `out` (NUL-terminated, truncated to cap); kills it if it outlives
 * timeout_ms. Returns the exit status, -1 for a signal (a crash), -2 for a
 * hang, -3 if it could not be started. */
int program_run(const char *const *argv, int timeout_ms, char *out, size_t cap);

/* program_run with argv = prog, then args (NULL-terminated, at most 62). */
int program_run_args(const char *prog, const char *const *args, int timeout_ms, char *out, size_t cap);

#endif
