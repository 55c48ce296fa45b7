/* Test support: a scratch directory for one test (Criterion runs each test in
 * a process of its own), made TMPDIR so that the programs the test runs put
 * their own files there too; removed with everything in it. And the runner,
 * run as a user runs it. */
#ifndef TEST_DIR_H
#define TEST_DIR_H

#include <stddef.h>
#include <sys/types.h>

extern char test_dir[64];

/* Makes /tmp/PREFIXXXXXXX (mode 0711: a private mosquitto run as root reads
 * its files as its own user) and sets TMPDIR to it. */
void test_dir_make(const char *prefix);
void test_dir_remove(void);
/* NAME inside the directory (one of 8 rotating buffers). */
const char *test_dir_path(const char *name);
/* A file NAME holding TEXT, with that mode; returns its path. */
const char *test_dir_file_mode(const char *name, const char *text, mode_t mode);
const char *test_dir_file(const char *name, const char *text);
/* The text of the file at PATH (its first MiB), valid until the next call;
 * a file that cannot be opened fails the test. */
const char *test_read_text(const char *path);

/* sim7600-hil SUBCOMMAND ARGS... (NULL-terminated, at most 28), its output in
 * out; returns the exit status as program_run does. */
int hil_tool(char *out, size_t cap, int bound_ms, const char *subcommand, ...);

#endif
