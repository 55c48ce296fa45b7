/* sim7600-hil run with a scenario's own program: any program on the wire,
 * run as a user runs it (real processes, real simulators, real ptys). The
 * programs are small shell scripts the tests write; each that must not
 * outlive its scenario writes its pids to a file, and the test looks for them
 * after the run (bounded, never slept). */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "program.h"
#include "sim_host.h"
#include "sim_process.h"
#include "test_dir.h"

#define RUN_BOUND_MS 40000
#define OUT_CAP 131072
#define GONE_WAIT_MS 3000
#define START_WAIT_MS 10000   /* runner, simulator and program up: ~0.2 s, far more when the machine is loaded */

static char out[OUT_CAP];

static void make_dir(void) { test_dir_make("hil-prog-"); }
#define hil(...) hil_tool(out, sizeof out, RUN_BOUND_MS, __VA_ARGS__)


static const char *scenario(const char *name, const char *text)
{
    return test_dir_file_mode(name, text, 0644);
}

static const char *script(const char *name, const char *body)
{
    char text[4096];
    snprintf(text, sizeof text, "#!/bin/sh\n%s", body);
    return test_dir_file_mode(name, text, 0755);
}

static char *read_file(const char *path)
{
    static char buf[OUT_CAP];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    return buf;
}

/* Every pid listed in the file (one a line) is gone, within a bound. */
static void assert_pids_gone(const char *pids_file)
{
    FILE *f = fopen(test_dir_path(pids_file), "r");
    cr_assert_not_null(f, "the program wrote no %s", pids_file);
    int pid, seen = 0;
    while (fscanf(f, "%d", &pid) == 1) {
        seen++;
        long long end = test_now_ms() + GONE_WAIT_MS;
        while (kill(pid, 0) == 0 && test_now_ms() < end)
            poll(NULL, 0, 10);
        cr_assert(kill(pid, 0) < 0 && errno == ESRCH, "pid %d of the program is still there", pid);
    }
    fclose(f);
    cr_assert_gt(seen, 0, "%s lists no pid", pids_file);
}

/* A firmware in shell: opens its port, says AT and asks for the signal,
 * prints what it does, then idles until it is told to stop. */
static const char *const fw =
    "echo \"fw: port=$1 env=$SIM7600_PORT baud=$SIM7600_BAUD broker=$SIM7600_BROKER\"\n"
    "echo $$ >> pids\n"
    "exec 3<>\"$1\"\n"
    "printf 'AT\\r' >&3\n"
    "sleep 0.2\n"
    "printf 'AT+CSQ\\r' >&3\n"
    "echo 'fw: asked' >&2\n"
    "while :; do sleep 0.1; done\n";

TestSuite(hil_program, .init = make_dir, .fini = test_dir_remove, .timeout = 90);

Test(hil_program, a_program_drives_the_wire_and_its_output_is_in_the_transcript)
{
    script("fw.sh", fw);
    const char *sc = scenario("a.scn", "scenario \"fw\"\nprogram \"./fw.sh {port}\"\n"
                                       "expect /^\\+CSQ: [0-9]+,[0-9]+$/ within=3s\n"
                                       "expect-output \"fw: asked\" within=2s\n"
                                       "expect-sent \"AT+CSQ\" count=1\nexpect-printed \"OK\"\n"
                                       "expect-no-output /error/\n");
    int st = hil("run", "--keep-logs", test_dir_path("logs"), sc, NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    const char *cap = read_file(test_dir_path("logs/fw.cap"));
    cr_assert(strstr(cap, "main stderr: fw: asked"), "the program's stderr is in the transcript:\n%s", cap);
    cr_assert(strstr(cap, "> AT+CSQ\\r"), "the program's bytes are in the transcript:\n%s", cap);
    assert_pids_gone("pids");
    /* the transcript stays a capture: diff reads it as one */
    st = hil("diff", test_dir_path("logs/fw.cap"), test_dir_path("logs/fw.cap"), NULL);
    cr_assert_eq(st, 0, "diff of a transcript with program lines: exit %d\n%s", st, out);
}

Test(hil_program, placeholders_and_environment_name_the_same_port_and_broker)
{
    script("fw.sh", fw);
    const char *sc = scenario("p.scn", "scenario \"placeholders\"\nbaud 57600\n"
                                       "program \"./fw.sh {port} {control} {bin}\"\n"
                                       "expect-output /^fw: port=(\\/dev\\/pts\\/[0-9]+) env=\\1 baud=57600 "
                                       "broker=tcp:\\/\\/127.0.0.1:1883$/ within=3s\n");
    int st = hil("run", sc, NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
}

Test(hil_program, expect_exit_passes_on_the_code_and_names_the_wrong_one)
{
    script("ends.sh", "echo bye\nexit \"$1\"\n");
    const char *ok = scenario("ok.scn", "scenario \"ends-0\"\nprogram \"./ends.sh 0\"\nexpect-exit 0 within=3s\n");
    const char *bad = scenario("bad.scn", "scenario \"ends-4\"\nprogram \"./ends.sh 4\"\nexpect-exit 0 within=3s\n");
    int st = hil("run", ok, bad, NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "pass  ends-0"), "%s", out);
    cr_assert(strstr(out, "line 3: expect-exit 0: program 'main' exited with status 4; it printed last: bye"), "%s",
              out);
}

Test(hil_program, expect_output_counts_and_expect_no_output_names_the_line)
{
    script("talk.sh", "echo $$ >> pids\nexec 3<>\"$1\"\nfor i in 1 2 3; do echo \"reading $i\"; done\n"
                      "echo 'ERROR: sensor missing' >&2\nwhile :; do sleep 0.1; done\n");
    const char *few = scenario("few.scn", "scenario \"too-few\"\nprogram \"./talk.sh {port}\"\n"
                                          "expect-output /^reading/ count=4 within=1s\n");
    const char *none = scenario("none.scn", "scenario \"no-errors\"\nprogram \"./talk.sh {port}\"\n"
                                            "expect-output /^reading/ count=3 within=2s\nwait 200ms\n"
                                            "expect-no-output /ERROR/\n");
    int st = hil("run", few, none, NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "line 3: expect-output /^reading/: program 'main' printed 3 matching line(s) within "
                          "1.00s, expected 4"), "%s", out);
    cr_assert(strstr(out, "line 5: expect-no-output /ERROR/: program 'main' printed \"ERROR: sensor missing\""),
              "%s", out);
    assert_pids_gone("pids");
}

/* Each start says which it is: a counter in a file beside the scenario, one
 * per scenario ($2), since the scenarios of one run run side by side. */
static const char *const counting =
    "n=$(cat starts-$2 2>/dev/null || echo 0); n=$((n+1)); echo $n > starts-$2\n"
    "echo $$ >> pids\nexec 3<>\"$1\"\necho \"boot $n\"\nprintf 'AT\\r' >&3\n"
    "while :; do sleep 0.05; echo tick; done\n";

Test(hil_program, restart_program_at_a_time_and_on_a_command_starts_it_again)
{
    script("fw.sh", counting);
    const char *at = scenario("at.scn", "scenario \"restart-at\"\nprogram \"./fw.sh {port} at\"\n"
                                        "at 500ms restart-program\n"
                                        "expect-output \"boot 2\" within=3s\nexpect-sent \"AT\" count=2\n");
    int st = hil("run", at, NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    const char *on_send = scenario("os.scn", "scenario \"restart-on-send\"\nprogram \"./fw.sh {port} os\"\n"
                                             "on-send \"AT\" nth=1 restart-program\n"
                                             "expect-output \"boot 2\" within=3s\nwait 300ms\n"
                                             "expect-no-output \"boot 3\"\n");
    st = hil("run", on_send, NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    assert_pids_gone("pids");
}

Test(hil_program, kill_program_stops_it_for_good_and_pause_program_holds_it)
{
    script("fw.sh", counting);
    const char *killed = scenario("k.scn", "scenario \"killed\"\nprogram \"./fw.sh {port} k\"\n"
                                           "at 300ms kill-program\nwait 600ms\nexpect-no-output \"boot 2\"\n");
    const char *paused = scenario("p.scn", "scenario \"paused\"\nprogram \"./fw.sh {port} p\"\n"
                                           "at 300ms pause-program 1s\nwait 1800ms\n");
    int st = hil("run", "--keep-logs", test_dir_path("logs"), killed, paused, NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    /* the ticks of the paused one leave a gap of about the pause */
    double prev = -1, gap = 0, t;
    char line[512];
    FILE *f = fopen(test_dir_path("logs/paused.cap"), "r");
    cr_assert_not_null(f);
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "# program %lf main stdout: tick", &t) == 1 && strstr(line, "tick")) {
            if (prev >= 0 && t - prev > gap)
                gap = t - prev;
            prev = t;
        }
    fclose(f);
    cr_assert(gap >= 0.9 && gap < 1.6, "the longest gap between ticks is %.3fs, expected the 1s pause", gap);
    assert_pids_gone("pids");
}

/* An event on a program may follow the broker: the second message kills the
 * publisher, so the broker gets two and no more. */
Test(hil_program, after_publishes_triggers_an_event_on_a_program)
{
    const char *sc = scenario("ap.scn", "scenario \"killed-after-two\"\n"
                                        "program \"{bin}/sim7600-mqtt --port {port} --broker {broker} --client-id c "
                                        "--pub t/p --interval 700 --count 0\"\n"
                                        "after-publishes 2 kill-program\nwait 3s\nexpect-message \"t/p\" count=2\n");
    int st = hil("run", sc, NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
}

/* With --broker mosquitto, {broker} names the private mosquitto the module
 * reaches: a cloud-side helper publishes there and the broker check sees it. */
Test(hil_program, with_a_private_mosquitto_a_helper_reaches_the_same_broker)
{
    script("fw.sh", fw);
    script("cloud.sh", "u=${1#tcp://}\nexec mosquitto_pub -h \"${u%:*}\" -p \"${u##*:}\" -t cloud/cmd -m reboot -q 1\n");
    const char *sc = scenario("e2e.scn", "scenario \"helper\"\nprogram \"./fw.sh {port}\"\n"
                                         "program \"./cloud.sh {broker}\" name=cloud\n"
                                         "expect-exit 0 program=cloud within=5s\nexpect /^\\+CSQ:/ within=3s\n"
                                         "expect-message \"cloud/cmd\" \"reboot\" count=1\n");
    int st = hil("run", "--broker", "mosquitto", sc, NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    assert_pids_gone("pids");
}

/* ---- bad input: a clear failure each, within the limit, nothing left ---- */

static void run_bad(const char *program, const char *steps, const char *needle)
{
    char text[512];
    snprintf(text, sizeof text, "scenario \"bad\"\ntime-limit 8s\nprogram \"%s\"\n%s", program, steps);
    long long start = test_now_ms();
    int st = hil("run", scenario("bad.scn", text), NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, needle), "expected '%s' in:\n%s", needle, out);
    cr_assert_lt(test_now_ms() - start, 8000, "it took longer than the scenario's time limit");
}

Test(hil_program, a_program_that_does_not_exist_or_cannot_run)
{
    test_dir_file_mode("plain.txt", "not a program\n", 0644);
    run_bad("./missing {port}", "wait 1s\n",
            "line 3: program 'main' (./missing {port}): './missing' does not exist");
    run_bad("./plain.txt", "wait 1s\n", "'./plain.txt' is not an executable file");
    run_bad("no-such-command-anywhere", "wait 1s\n", "'no-such-command-anywhere' is not found in PATH");
    test_dir_file_mode("garbage.bin", "\x7f" "ELF not really\n", 0755);
    run_bad("./garbage.bin", "wait 1s\n", "line 3: program 'main' (./garbage.bin) could not be executed: Exec format "
                                          "error (a program for this machine?");
}

Test(hil_program, a_program_that_exits_at_once)
{
    script("quick.sh", "echo 'no config file' >&2\nexit 3\n");
    run_bad("./quick.sh", "wait 2s\n",
            "program 'main' (./quick.sh) exited with status 3 after");
    cr_assert(strstr(out, "it printed last: no config file"), "%s", out);
}

Test(hil_program, a_program_that_floods_its_output)
{
    script("flood.sh", "echo $$ >> pids\nexec yes 'a line of output, again and again'\n");
    run_bad("./flood.sh", "wait 5s\n", "program 'main' (./flood.sh) flooded its output: more than 4 MiB");
    assert_pids_gone("pids");
}

Test(hil_program, a_program_that_ignores_sigterm)
{
    script("stubborn.sh", "trap '' TERM\necho $$ >> pids\nexec 3<>\"$1\"\nwhile :; do sleep 0.1; done\n");
    run_bad("./stubborn.sh {port}", "wait 300ms\n",
            "did not end within 1.0s of SIGTERM and was killed");
    assert_pids_gone("pids");
}

/* The child survives the hang-up of the session's port (as a daemon would:
 * SIGHUP ignored before the fork, so no race) and outlives its parent. */
Test(hil_program, a_program_whose_children_outlive_it)
{
    script("forker.sh", "trap '' HUP\nexec 3<>\"$1\"\n(while :; do sleep 0.1; done) &\necho $! >> pids\n"
                        "exit 0\n");
    run_bad("./forker.sh {port}", "wait 500ms\nexpect-exit 0\n",
            "left processes running in its process group after it ended");
    assert_pids_gone("pids");
}

/* A child in a session of its own is out of the program's group: the guard,
 * its subreaper, still finds it and kills it. */
Test(hil_program, a_program_whose_children_leave_its_session)
{
    script("escaper.sh", "exec 3<>\"$1\"\nsetsid sh -c 'echo $$ >> pids; while :; do sleep 0.1; done' &\n"
                         "while [ ! -s pids ]; do sleep 0.05; done\nexit 0\n");
    run_bad("./escaper.sh {port}", "wait 500ms\nexpect-exit 0\n",
            "left processes running in its process group after it ended");
    assert_pids_gone("pids");
}

Test(hil_program, a_program_that_never_opens_the_port)
{
    script("deaf.sh", "echo $$ >> pids\necho started\nwhile :; do sleep 0.1; done\n");
    run_bad("./deaf.sh", "wait 500ms\n", "program 'main' (./deaf.sh) never opened its port /dev/pts/");
    assert_pids_gone("pids");
}

Test(hil_program, a_program_stopped_at_the_time_limit_leaves_nothing)
{
    script("fw.sh", fw);
    run_bad("./fw.sh {port}", "expect \"never printed\" within=30s\n", "the time limit of 8s ran out");
    assert_pids_gone("pids");
}

/* The runner stopped from outside (Ctrl-C, a CI job's SIGTERM) kills its
 * workers outright: the guard still takes the program's group down. */
Test(hil_program, a_runner_terminated_midway_leaves_no_program_behind)
{
    script("fw.sh", fw);
    const char *sc = scenario("long.scn", "scenario \"long\"\nprogram \"./fw.sh {port}\"\nwait 30s\n");
    const char *argv[] = {SIM7600_BIN_DIR "/sim7600-hil", "run", sc, NULL};
    struct program runner;
    cr_assert_eq(program_start(&runner, argv), 0);
    /* its pid written, not only the file made: the shell creates `pids` before
     * it writes, and a program killed in between would list nobody */
    long long end = test_now_ms() + START_WAIT_MS;
    while (!strchr(read_file(test_dir_path("pids")), '\n') && test_now_ms() < end)
        poll(NULL, 0, 10);
    cr_assert(strchr(read_file(test_dir_path("pids")), '\n'), "the program did not start");
    kill(runner.pid, SIGTERM);
    int rc = program_finish(&runner, RUN_BOUND_MS, out, sizeof out);
    cr_assert_eq(rc, 128 + SIGTERM, "exit %d:\n%s", rc, out);
    assert_pids_gone("pids");
}

/* ---- the scenario file and the suite ---- */

Test(hil_program, check_refuses_what_a_program_cannot_share_or_give)
{
    const char *driver = scenario("d.scn", "scenario \"d\"\nprogram \"./fw {port}\"\nbring-up\n");
    const char *send = scenario("s.scn", "scenario \"s\"\nprogram \"./fw {port}\"\nsend \"AT\"\n");
    const char *rx = scenario("r.scn", "scenario \"r\"\nprogram \"./fw {port}\"\nwait 1s\n"
                                       "expect-received \"t\"\nexpect-exit 0 program=other\n");
    const char *ph = scenario("p.scn", "scenario \"p\"\nprogram \"./fw {prot}\"\nwait 1s\n");
    int st = hil("check", driver, send, rx, ph, NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "d.scn:3: 'bring-up' is a driver step, and the program (line 2) owns the wire"), "%s", out);
    cr_assert(strstr(out, "s.scn:3: 'send' writes to the wire, and the program (line 2) owns it"), "%s", out);
    cr_assert(strstr(out, "p.scn:2: unknown placeholder {prot}"), "%s", out);
    cr_assert(strstr(out, "r.scn:4: 'expect-received' needs our driver's own events"), "%s", out);
    cr_assert(strstr(out, "r.scn:5: no program is named 'other'"), "%s", out);
}

Test(hil_program, check_with_program_option_names_what_run_would_skip)
{
    const char *driver = scenario("d.scn", "scenario \"d\"\nbring-up\n");
    const char *wire = scenario("w.scn", "scenario \"w\"\nexpect \"OK\"\n");
    int st = hil("check", "--program", "./fw {port}", driver, wire, NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "d.scn: not applicable with --program: 'bring-up' (line 2) is a step of our driver"), "%s",
              out);
    cr_assert(!strstr(out, "w.scn: not applicable"), "%s", out);
    cr_assert(strstr(out, "2 scenario(s) OK"), "%s", out);
    st = hil("check", "--program", "./fw {prot}", wire, NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "--program: unknown placeholder {prot}"), "%s", out);
}

Test(hil_program, run_program_option_takes_the_wire_only_scenarios_and_skips_the_driver_ones)
{
    script("fw.sh", fw);
    const char *wire = scenario("w.scn", "scenario \"wire-only\"\nexpect /^\\+CSQ:/ within=3s\n");
    const char *driver = scenario("d.scn", "scenario \"driver\"\nbring-up\n");
    const char *needs = scenario("n.scn", "scenario \"needs-one\"\nexpect-exit 0\n");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "%s/fw.sh {port}", test_dir);
    int st = hil("run", "--program", cmd, wire, driver, NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "pass  wire-only"), "%s", out);
    cr_assert(strstr(out, "not applicable with --program: 'bring-up' (line 2) is a step of our driver"), "%s", out);
    st = hil("run", needs, NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "line 2: 'expect-exit' needs a program, and the scenario has none"), "%s", out);
    assert_pids_gone("pids");
}

/* On the bench the program gets the module's port through the runner's
 * relay; the statements that need the simulator are skipped, not passed. */
Test(hil_program, against_a_port_the_program_reaches_the_module)
{
    struct sim_process sim;
    host_start_bench(&sim, NULL);
    script("fw.sh", fw);
    const char *sc = scenario("b.scn", "scenario \"bench\"\nsignal 17\nprogram \"./fw.sh {port}\"\n"
                                       "at 100ms reboot\nexpect /^\\+CSQ:/ within=3s\n");
    int st = hil("run", "--target", sim.pty_path, sc, NULL);
    simproc_stop(&sim);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "skipped line 2: signal (needs the simulator)"), "%s", out);
    cr_assert(strstr(out, "skipped line 4: reboot event (needs the simulator)"), "%s", out);
    assert_pids_gone("pids");
}
