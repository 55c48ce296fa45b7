#include "test_dir.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "program.h"
#include "scratch_dir.h"

#define PATH_BUFFERS 8
#define HIL_ARGS_MAX 32
#define READ_TEXT_MAX (1 << 20)

char test_dir[64];

void test_dir_make(const char *prefix)
{
    cr_assert_eq(scratch_dir_make(test_dir, sizeof test_dir, "/tmp", prefix, 0711), 0,
                 "cannot make a directory /tmp/%sXXXXXX", prefix);
    setenv("TMPDIR", test_dir, 1);
}

void test_dir_remove(void)
{
    scratch_dir_remove(test_dir);
}

const char *test_dir_path(const char *name)
{
    static char path[PATH_BUFFERS][256];
    static int next;
    char *p = path[next++ % PATH_BUFFERS];
    snprintf(p, sizeof path[0], "%s/%s", test_dir, name);
    return p;
}

const char *test_dir_file_mode(const char *name, const char *text, mode_t mode)
{
    const char *p = test_dir_path(name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "cannot write %s", p);
    fputs(text, f);
    fclose(f);
    cr_assert_eq(chmod(p, mode), 0);
    return p;
}

const char *test_dir_file(const char *name, const char *text)
{
    return test_dir_file_mode(name, text, 0644);
}

const char *test_read_text(const char *path)
{
    static char text[READ_TEXT_MAX];
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot read %s: no such file, or not readable", path);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

int hil_tool(char *out, size_t cap, int bound_ms, const char *subcommand, ...)
{
    const char *args[HIL_ARGS_MAX] = {subcommand};
    int n = 1;
    va_list ap;
    va_start(ap, subcommand);
    for (const char *a = va_arg(ap, const char *); a && n < HIL_ARGS_MAX - 1; a = va_arg(ap, const char *))
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    return program_run_args(SIM7600_BIN_DIR "/sim7600-hil", args, bound_ms, out, cap);
}
