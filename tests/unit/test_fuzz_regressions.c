/* Every input that once crashed a fuzz target (tests/fuzz/regressions/<target>/)
 * and every seed (tests/fuzz/corpus/<target>/), through the same entry points
 * the libFuzzer builds use. So `make test` and `make check` (ASan + UBSan) keep
 * the fixes fixed on a machine without clang. A crash fails the test and names
 * the input file on stderr. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_entries.h"

#define FUZZ_DIR SIM7600_SOURCE_DIR "/tests/fuzz"

/* The input being run, for the crash message. */
static char current[1024];

static void say_current(void)
{
    static const char head[] = "fuzz regression: crashed on ";
    if (current[0] == '\0')
        return;
    /* async-signal-safe: write(2) only */
    (void)!write(2, head, sizeof head - 1);
    (void)!write(2, current, strlen(current));
    (void)!write(2, "\n", 1);
}

static void on_fatal(int sig)
{
    say_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* AddressSanitizer calls this hook (when it exists) before its report; a
 * build without ASan simply never calls it. */
void __asan_on_error(void);
void __asan_on_error(void)
{
    say_current();
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;

    cr_assert_not_null(f, "cannot open %s", path);
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = realloc(buf, cap);
            cr_assert_not_null(buf);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Runs every regular file of dir through fn, in name order; returns how many.
 * A missing dir is 0 files (git keeps no empty folder). */
static size_t run_dir(const char *dir, int (*fn)(const uint8_t *, size_t))
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;

    if (d == NULL)
        return 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (de->d_name[0] == '.')
            continue; /* ., .., and hidden files such as .gitkeep */
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            names = realloc(names, cap * sizeof *names);
            cr_assert_not_null(names);
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        snprintf(current, sizeof current, "%s/%s", dir, names[i]);
        unsigned char *data = read_all(current, &len);
        fn(data, len);
        free(data);
        free(names[i]);
    }
    current[0] = '\0';
    free(names);
    return n;
}

static void run_target(const char *name)
{
    const struct fuzz_target *t = NULL;
    char dir[512];

    for (size_t i = 0; i < fuzz_n_targets; i++)
        if (strcmp(fuzz_targets[i].name, name) == 0)
            t = &fuzz_targets[i];
    cr_assert_not_null(t, "no fuzz target %s", name);
    signal(SIGABRT, on_fatal);
    signal(SIGSEGV, on_fatal);
    signal(SIGBUS, on_fatal);
    snprintf(dir, sizeof dir, "%s/corpus/%s", FUZZ_DIR, name);
    size_t seeds = run_dir(dir, t->fn);
    /* A seed corpus that vanished would make this test pass on nothing. */
    cr_assert_gt(seeds, 0, "%s has no seed inputs", dir);
    snprintf(dir, sizeof dir, "%s/regressions/%s", FUZZ_DIR, name);
    run_dir(dir, t->fn);
}

Test(fuzz_regressions, at_cmdline) { run_target("at_cmdline"); }
Test(fuzz_regressions, sim) { run_target("sim"); }
Test(fuzz_regressions, at_engine) { run_target("at_engine"); }
Test(fuzz_regressions, driver) { run_target("driver"); }
Test(fuzz_regressions, scenario) { run_target("scenario"); }
Test(fuzz_regressions, log_import) { run_target("log_import"); }
Test(fuzz_regressions, control) { run_target("control"); }

/* A target added to fuzz_entries.c must get a Test above too. */
Test(fuzz_regressions, every_target_is_covered)
{
    static const char *const covered[] = {"at_cmdline", "sim",        "at_engine", "driver",
                                          "scenario",   "log_import", "control"};
    cr_assert_eq(fuzz_n_targets, sizeof covered / sizeof covered[0]);
    for (size_t i = 0; i < fuzz_n_targets; i++)
        cr_assert_str_eq(fuzz_targets[i].name, covered[i]);
}
