/* sim7600-hil import on big and wrong inputs, as a user runs it: a log of
 * megabytes imports in memory that does not grow with it, and text that is
 * not AT traffic is refused, saying what was expected, instead of becoming a
 * "plain" log with exit 0. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_args.h"
#include "program.h"
#include "scratch_dir.h"
#include "sim_process.h"

#define HIL SIM7600_BIN_DIR "/sim7600-hil"
#define IMPORT_BOUND_MS 30000
#define OUT_CAP 65536
#define BIG_LOG_BYTES ((size_t)8 << 20)     /* big enough for 8x to stand out, small enough to be quick */
#define RANDOM_BYTES ((size_t)4 << 20)
#define BASE64_LINE 76                      /* what `base64` prints per line */
/* what the program needs whatever it reads (code, libc, buffers); sanitizers add their own */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_FIXED_BYTES ((size_t)32 << 20)
#else
#define RSS_FIXED_BYTES ((size_t)16 << 20)
#endif

static char dir[64];
static char out[OUT_CAP];

static void make_dir(void)
{
    strcpy(dir, "/tmp/hil-import-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    scratch_dir_remove(dir);
}

static const char *path_of(const char *name)
{
    static char path[4][256];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

/* Random bytes as `base64` prints them: lines of 76 letters, digits, + and /. */
static size_t write_random_text(const char *path, size_t bytes)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    uint32_t seed = 12345;
    size_t n = 0;
    while (n < bytes) {
        char line[BASE64_LINE + 1];
        for (int i = 0; i < BASE64_LINE; i++) {
            seed = seed * 1103515245u + 12345u;
            line[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        line[BASE64_LINE] = '\n';
        n += fwrite(line, 1, sizeof line, f);
    }
    cr_assert_eq(fclose(f), 0);
    return n;
}

/* A plain log of a device publishing, `bytes` long (about). */
static size_t write_big_log(const char *path, size_t bytes)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    size_t n = 0;
    for (unsigned i = 0; n < bytes; i++) {
        int w = fprintf(f, "[%u.%03u] AT+CMQTTTOPIC=0,9\n>\ntele/dev1\nOK\nAT+CMQTTPAYLOAD=0,5\n>\n%05u\nOK\n"
                           "AT+CMQTTPUB=0,1,60\nOK\n+CMQTTPUB: 0,0\nAT+CSQ\n+CSQ: 23,0\n\nOK\n",
                        i / 1000, i % 1000, i % 100000);
        cr_assert_gt(w, 0);
        n += (size_t)w;
    }
    cr_assert_eq(fclose(f), 0);
    return n;
}

/* Runs argv to its end (bounded); its exit status, and its peak resident
 * memory in bytes in *rss. */
static int run_measured(const char *const *argv, size_t *rss)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        execv(argv[0], exec_args(argv));
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    long long end = test_now_ms() + IMPORT_BOUND_MS;
    pid_t got;
    while ((got = wait4(pid, &status, WNOHANG, &ru)) == 0 && test_now_ms() < end)
        poll(NULL, 0, 10);
    if (got == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        cr_assert_fail("%s %s did not finish within %d ms", argv[0], argv[1], IMPORT_BOUND_MS);
    }
    *rss = (size_t)ru.ru_maxrss * 1024;   /* Linux counts it in KiB */
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

TestSuite(hil_import, .init = make_dir, .fini = remove_dir, .timeout = 60);

/* 60 MB of random text used to import as a "plain" log, exit 0: every line
 * a module line. No line of it is a command or an answer. */
Test(hil_import, random_text_is_refused_saying_what_was_expected)
{
    const char *log = path_of("random.txt"), *scn = path_of("random.scn");
    write_random_text(log, RANDOM_BYTES);
    const char *const forms[] = {"auto", "plain", "prefixed"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        const char *argv[] = {HIL, "import", "--format", forms[i], "--out", scn, log, NULL};
        int st = program_run(argv, IMPORT_BOUND_MS, out, sizeof out);
        cr_assert_eq(st, 1, "--format %s: exit %d: %.500s", forms[i], st, out);
        cr_assert(strstr(out, "no line looks like AT traffic"), "%.500s", out);
        cr_assert(strstr(out, "expected commands such as AT+CSQ"), "%.500s", out);
        cr_assert(strstr(out, "formats understood: the capture format"), "%.500s", out);
        cr_assert(strstr(out, "nothing was imported"), "%.500s", out);
        cr_assert(!exists(scn), "a refused import wrote %s", scn);
    }
}

/* The importer used to hold the text, a copy split in lines, a copy of every
 * step and the whole output: about 8 times the log (60 MB took 492 MB). It
 * now reads a line at a time and writes as it goes. */
Test(hil_import, a_big_log_imports_in_memory_that_does_not_grow_with_it)
{
    const char *log = path_of("big.log"), *scn = path_of("big.scn"), *cap = path_of("big.cap");
    size_t bytes = write_big_log(log, BIG_LOG_BYTES);
    size_t bound = 3 * bytes + RSS_FIXED_BYTES, rss;
    const char *as_scn[] = {HIL, "import", "--out", scn, log, NULL};
    cr_assert_eq(run_measured(as_scn, &rss), 0, "import as a scenario failed");
    cr_assert_lt(rss, bound, "importing %zu bytes took %zu bytes of memory at its peak (bound %zu)", bytes, rss,
                 bound);
    const char *as_cap[] = {HIL, "import", "--as", "capture", "--out", cap, log, NULL};
    cr_assert_eq(run_measured(as_cap, &rss), 0, "import as a capture failed");
    cr_assert_lt(rss, bound, "importing %zu bytes took %zu bytes of memory at its peak (bound %zu)", bytes, rss,
                 bound);
    /* and what it wrote is whole: the scenario parses, the capture ends with the log's last answer */
    const char *check[] = {HIL, "check", scn, NULL};
    int st = program_run(check, IMPORT_BOUND_MS, out, sizeof out);
    cr_assert_eq(st, 0, "the imported scenario does not parse: %.500s", out);
    FILE *f = fopen(cap, "r");
    cr_assert_not_null(f);
    char line[256], last[256] = "";
    while (fgets(line, sizeof line, f))
        memcpy(last, line, sizeof last);
    fclose(f);
    cr_assert(strstr(last, "< \\r\\nOK\\r\\n"), "the capture ends with: %s", last);
}

/* A pipe can be read only once; the importer reads a log more than once
 * (its format, then its steps), so a pipe is copied aside first. */
Test(hil_import, a_log_from_a_pipe_imports)
{
    const char *log = path_of("pipe.log"), *scn = path_of("pipe.scn"), *fifo = path_of("fifo");
    FILE *f = fopen(log, "w");
    cr_assert_not_null(f);
    fputs("TX: AT+CSQ\nRX: +CSQ: 23,0\nRX: OK\n", f);
    fclose(f);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    pid_t writer = fork();
    cr_assert_geq(writer, 0);
    if (writer == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never left blocked on the FIFO */
        int in = open(log, O_RDONLY), to = open(fifo, O_WRONLY);
        char buf[256];
        ssize_t n;
        while ((n = read(in, buf, sizeof buf)) > 0)
            (void)!write(to, buf, (size_t)n);
        _exit(0);
    }
    const char *argv[] = {HIL, "import", "--out", scn, fifo, NULL};
    int st = program_run(argv, IMPORT_BOUND_MS, out, sizeof out);
    waitpid(writer, NULL, 0);
    cr_assert_eq(st, 0, "exit %d: %.500s", st, out);
    const char *check[] = {HIL, "check", scn, NULL};
    st = program_run(check, IMPORT_BOUND_MS, out, sizeof out);
    cr_assert_eq(st, 0, "%.500s", out);
}
