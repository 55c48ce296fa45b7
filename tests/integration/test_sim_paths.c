/* The paths sim7600-sim makes (--link's symlink, --control's socket): it
 * replaces only a stale leftover of a simulator, refuses anything else with a
 * message naming the path, and on exit removes only what it made. Real
 * processes, in a private directory removed after each test. */
#include <criterion/criterion.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "program.h"
#include "sim_process.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define SIM SIM7600_BIN_DIR "/sim7600-sim"
#define EXIT_REFUSED 1          /* the simulator's exit status when it cannot start */
#define MAX_SIMS 4

static char dir[64];
static struct program sims[MAX_SIMS];   /* started in a test; pid 0 once reaped */
static char out[16384];

static void make_dir(void)
{
    strcpy(dir, "/tmp/simpaths-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void clean_up(void)
{
    for (int i = 0; i < MAX_SIMS; i++) {
        if (sims[i].pid > 0) {
            kill(sims[i].pid, SIGKILL);
            program_finish(&sims[i], T, out, sizeof out);
            sims[i].pid = 0;
        }
    }
    if (dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        cr_expect_eq(system(cmd), 0);
        dir[0] = '\0';
    }
}

static const char *in_dir(const char *name)
{
    static char paths[8][128];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static bool has_text(const char *path, const char *text)
{
    char got[64] = {0};
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    return n == strlen(text) && memcmp(got, text, n) == 0;
}

static mode_t file_type(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? (st.st_mode & S_IFMT) : 0;
}

/* Runs a simulator that is expected not to start; returns its exit status
 * (-2 if it started and served instead: it is killed after T). */
static int run_refused(const char *const *args)
{
    return program_run_args(SIM, args, T, out, sizeof out);
}

/* Starts a simulator (slot `i`) and waits, bounded, for its "PTY <path>" line. */
static void start_sim(int i, const char *const *args, char *pty, size_t cap)
{
    const char *argv[16] = {SIM, "--baud", "0"};
    int n = 3;
    for (; args[n - 3] && n < 15; n++)
        argv[n] = args[n - 3];
    argv[n] = NULL;
    cr_assert_eq(program_start(&sims[i], argv), 0);
    char line[256];
    size_t len = 0;
    long long end = test_now_ms() + T;
    for (;;) {
        struct pollfd pfd = {sims[i].out_fd, POLLIN, 0};
        int left = (int)(end - test_now_ms());
        cr_assert(left > 0 && poll(&pfd, 1, left) > 0, "no PTY line from the simulator; it said \"%.*s\"",
                  (int)len, line);
        cr_assert_eq(read(sims[i].out_fd, line + len, 1), 1, "the simulator ended: \"%.*s\"", (int)len, line);
        if (line[len] == '\n')
            break;
        cr_assert_lt(++len, sizeof line - 1);
    }
    line[len] = '\0';
    cr_assert(strncmp(line, "PTY ", 4) == 0, "the simulator said \"%s\"", line);
    snprintf(pty, cap, "%s", line + 4);
}

static int stop_sim(int i)
{
    kill(sims[i].pid, SIGTERM);
    int status = program_finish(&sims[i], T, out, sizeof out);
    sims[i].pid = 0;
    return status;
}

#define AT_POLL_MS 200   /* between a polling host's AT probes */

/* The simulator behind these paths answers as a module and as a control socket. */
static void assert_serving(const char *port, const char *control)
{
    struct sim_process view = {.fd = -1};
    snprintf(view.pty_path, sizeof view.pty_path, "%s", port);
    snprintf(view.control_path, sizeof view.control_path, "%s", control);
    char reply[8192];
    cr_assert_eq(simproc_control(&view, "state", reply, sizeof reply), 0, "no answer on %s", control);
    cr_assert(strncmp(reply, "OK {", 4) == 0, "state got \"%s\"", reply);
    cr_assert_eq(simproc_open(&view), 0, "cannot open %s", port);
    /* as a host polls a module that may still be booting (deaf until RDY) */
    bool ok = false;
    for (long long end = test_now_ms() + T; !ok && test_now_ms() < end;) {
        simproc_send(&view, "AT\r");
        ok = simproc_expect(&view, "OK\r\n", AT_POLL_MS);
    }
    simproc_close_port(&view);
    free(view.rx);
    cr_assert(ok, "no OK to AT through %s", port);
}

static void assert_links_to(const char *link, const char *pty)
{
    char target[256] = {0};
    cr_assert_gt(readlink(link, target, sizeof target - 1), 0, "%s is not a symlink", link);
    cr_assert_str_eq(target, pty);
}

TestSuite(paths, .init = make_dir, .fini = clean_up, .timeout = 30);

Test(paths, what_is_not_a_stale_leftover_survives_and_the_simulator_says_why)
{
    const char *file = in_dir("file"), *subdir = in_dir("dir"), *to_file = in_dir("to-file");
    const char *dangling = in_dir("dangling");
    write_text(file, "keep\n");
    cr_assert_eq(mkdir(subdir, 0700), 0);
    cr_assert_eq(symlink(file, to_file), 0);
    cr_assert_eq(symlink("/nonexistent/not-a-pty", dangling), 0);
    static const struct {
        const char *option, *name, *says;
    } cases[] = {
        {"--link", "file", "there is a regular file there"},
        {"--link", "dir", "there is a directory there"},
        {"--link", "to-file", "not a simulator's link to a pty"},
        {"--link", "dangling", "not a simulator's link to a pty"},
        {"--control", "file", "there is a regular file there"},
        {"--control", "dir", "there is a directory there"},
        {"--control", "to-file", "there is a symlink there"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = in_dir(cases[i].name);
        mode_t before = file_type(path);
        const char *args[] = {"--baud", "0", cases[i].option, path, NULL};
        int status = run_refused(args);
        cr_assert_eq(status, EXIT_REFUSED, "%s %s: exit %d (-2: it started), said \"%s\"", cases[i].option, path,
                     status, out);
        cr_assert(strstr(out, path) && strstr(out, cases[i].says) && strstr(out, "choose another path"),
                  "%s %s: the message \"%s\" does not name the path, say \"%s\" and what to do", cases[i].option,
                  path, out, cases[i].says);
        cr_assert_eq(file_type(path), before, "%s %s was replaced", cases[i].option, path);
    }
    cr_assert(has_text(file, "keep\n"), "the regular file was changed");
}

/* Simulator i answers through its link to `pty` and its socket, exits 0 when
 * stopped, and leaves neither path behind. */
static void serves_then_cleans_up(int i, const char *link, const char *control, const char *pty)
{
    assert_links_to(link, pty);
    assert_serving(link, control);
    cr_assert_eq(stop_sim(i), 0, "simulator %d's exit: \"%s\"", i, out);
    cr_assert_eq(file_type(link), 0, "the link outlived the simulator");
    cr_assert_eq(file_type(control), 0, "the socket outlived the simulator");
}

Test(paths, a_second_simulator_on_the_same_paths_is_refused_and_the_first_keeps_working)
{
    const char *link = in_dir("link"), *control = in_dir("control"), *other_link = in_dir("other-link");
    char pty[256];
    start_sim(0, (const char *const[]){"--link", link, "--control", control, NULL}, pty, sizeof pty);
    const char *same_both[] = {"--baud", "0", "--link", link, "--control", control, NULL};
    cr_assert_eq(run_refused(same_both), EXIT_REFUSED, "the same --link and --control: \"%s\"", out);
    cr_assert(strstr(out, link) && strstr(out, "a pty in use"), "%s", out);
    const char *same_control[] = {"--baud", "0", "--link", other_link, "--control", control, NULL};
    cr_assert_eq(run_refused(same_control), EXIT_REFUSED, "the same --control: \"%s\"", out);
    cr_assert(strstr(out, control) && strstr(out, "a program is listening"), "%s", out);
    cr_assert_eq(file_type(other_link), 0, "the refused simulator left its own link behind");
    const char *same_link[] = {"--baud", "0", "--link", link, NULL};
    cr_assert_eq(run_refused(same_link), EXIT_REFUSED, "the same --link: \"%s\"", out);
    /* the first is untouched: its link, its socket, its module */
    serves_then_cleans_up(0, link, control, pty);
}

Test(paths, the_leftovers_of_a_killed_simulator_are_replaced)
{
    const char *link = in_dir("link"), *control = in_dir("control");
    const char *args[] = {"--link", link, "--control", control, NULL};
    char pty[256];
    start_sim(0, args, pty, sizeof pty);
    kill(sims[0].pid, SIGKILL);
    cr_assert_eq(program_finish(&sims[0], T, out, sizeof out), -1, "the simulator was not killed");
    sims[0].pid = 0;
    cr_assert_eq(file_type(link), S_IFLNK, "no stale link to replace");
    cr_assert_eq(file_type(control), S_IFSOCK, "no stale socket to replace");
    char again[256];
    start_sim(1, args, again, sizeof again);
    serves_then_cleans_up(1, link, control, again);
}

Test(paths, on_exit_only_what_it_made_is_removed)
{
    const char *link = in_dir("link"), *control = in_dir("control");
    char pty[256];
    start_sim(0, (const char *const[]){"--link", link, "--control", control, NULL}, pty, sizeof pty);
    /* someone else takes both paths while it runs */
    cr_assert_eq(unlink(link), 0);
    cr_assert_eq(unlink(control), 0);
    write_text(link, "theirs\n");
    write_text(control, "theirs\n");
    cr_assert_eq(stop_sim(0), 0, "exit: \"%s\"", out);
    cr_assert(has_text(link, "theirs\n"), "the simulator removed a link path that was no longer its own");
    cr_assert(has_text(control, "theirs\n"), "the simulator removed a socket path that was no longer its own");
}
