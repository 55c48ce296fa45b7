/* sim7600-hil run as a user runs it: real processes, real simulators on real
 * ptys. A failing scenario fails the run and names its expectation; a hung one
 * is stopped at its time limit; against a port, simulator-only statements are
 * skipped, never passed; reports come out as lines, TAP and JUnit. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mosquitto_process.h"
#include "sim_host.h"
#include "program.h"
#include "sim_process.h"
#include "test_dir.h"

#define RUN_BOUND_MS 30000
#define OUT_CAP 65536

static char out[OUT_CAP];

static void make_dir(void) { test_dir_make("hil-run-"); }
#define hil_run(...) hil_tool(out, sizeof out, RUN_BOUND_MS, "run", __VA_ARGS__)


/* A simulator standing in for a bench module that has been powered a while:
 * the first open of its port powers it on, and it is up once PB DONE came. */
static const char *const passing =
    "scenario \"publishes\"\n"
    "bring-up\nconnect\npublish \"t/a\" \"hello\" qos=1\ndisconnect\n"
    "expect-message \"t/a\" \"hello\" count=1\n";

static const char *const failing =
    "scenario \"expects-the-wrong-payload\"\n"
    "bring-up\nconnect\npublish \"t/a\" \"hello\" qos=1\ndisconnect\n"
    "expect-message \"t/a\" \"goodbye\"\n";

TestSuite(hil_run, .init = make_dir, .fini = test_dir_remove, .timeout = 60);

Test(hil_run, a_passing_scenario_exits_0_with_one_line_and_the_count)
{
    int st = hil_run(test_dir_file("ok.scn", passing), NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "pass  publishes"), "%s", out);
    cr_assert(strstr(out, "1 passed, 0 failed, 0 skipped"), "%s", out);
}

Test(hil_run, a_failing_scenario_exits_1_and_names_the_failed_expectation)
{
    int st = hil_run("-j", "2", test_dir_file("a.scn", passing), test_dir_file("b.scn", failing), NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "FAIL  expects-the-wrong-payload"), "%s", out);
    cr_assert(strstr(out, "line 6: expect-message: \"t/a\" \"goodbye\" never reached the broker"), "%s", out);
    cr_assert(strstr(out, "last lines of the transcript"), "%s", out);
    cr_assert(strstr(out, "AT+CMQTT"), "the transcript's tail shows the wire:\n%s", out);
    cr_assert(strstr(out, "1 passed, 1 failed, 0 skipped"), "%s", out);
}

Test(hil_run, a_failed_driver_step_names_expected_and_actual_result)
{
    const char *text = "scenario \"refused\"\nbroker accept user=\"u\" password=\"p\"\n"
                       "bring-up\nconnect user=\"u\" password=\"nope\"\n";
    int st = hil_run(test_dir_file("r.scn", text), NULL);
    cr_assert_eq(st, 1, "%s", out);
    cr_assert(strstr(out, "line 4: connect expected result=ok, got SIM7600_E_MQTT_REFUSED_CREDENTIALS"), "%s", out);
}

Test(hil_run, a_hung_scenario_is_stopped_at_its_time_limit_and_its_transcript_kept)
{
    const char *text = "scenario \"hangs\"\ntime-limit 1s\nsend \"AT\"\nexpect \"NEVER\" within=20s\n";
    char logs[128];
    snprintf(logs, sizeof logs, "%s/logs", test_dir);
    long long t0 = test_now_ms();
    int st = hil_run("--keep-logs", logs, test_dir_file("h.scn", text), NULL);
    cr_assert_eq(st, 1, "%s", out);
    cr_assert(strstr(out, "stopped at its time limit of 1s during line 4: expect"), "%s", out);
    cr_assert(test_now_ms() - t0 < RUN_BOUND_MS, "the runner did not stop the scenario");
    char cap[256];
    snprintf(cap, sizeof cap, "%s/hangs.cap", logs);
    struct stat sb;
    cr_assert_eq(stat(cap, &sb), 0, "no transcript %s", cap);
    cr_assert(strstr(out, "> AT\\r"), "the tail of the transcript is shown:\n%s", out);
}

Test(hil_run, a_scenario_file_with_errors_runs_nothing_and_exits_2)
{
    int st = hil_run(test_dir_file("ok.scn", passing), test_dir_file("bad.scn", "scenario \"bad\"\npubish \"x\"\n"), NULL);
    cr_assert_eq(st, 2, "%s", out);
    cr_assert(strstr(out, "bad.scn:2: unknown keyword 'pubish'"), "%s", out);
    cr_assert_null(strstr(out, "pass"), "nothing runs when a file has errors:\n%s", out);
}

Test(hil_run, tap_and_junit_reports)
{
    char xml[128];
    snprintf(xml, sizeof xml, "%s/junit.xml", test_dir);
    int st = hil_run("--tap", "--junit", xml, test_dir_file("a.scn", passing), test_dir_file("b.scn", failing), NULL);
    cr_assert_eq(st, 1, "%s", out);
    cr_assert(strstr(out, "1..2\n"), "%s", out);
    cr_assert(strstr(out, "ok 1 - publishes\n"), "%s", out);
    cr_assert(strstr(out, "not ok 2 - expects-the-wrong-payload\n"), "%s", out);
    FILE *f = fopen(xml, "r");
    cr_assert_not_null(f);
    static char x[OUT_CAP];
    size_t n = fread(x, 1, sizeof x - 1, f);
    x[n] = '\0';
    fclose(f);
    cr_assert(strstr(x, "tests=\"2\" failures=\"1\""), "%s", x);
    cr_assert(strstr(x, "<testcase classname=\"") && strstr(x, "name=\"publishes\""), "%s", x);
    cr_assert(strstr(x, "<failure message=\"line 6: expect-message: &quot;t/a&quot; &quot;goodbye&quot;"), "%s", x);
}

/* Against a port, the runner has no simulator to arrange the world: those
 * statements are listed as skipped; the steps run against whatever is there
 * (here a simulator the test started, standing in for a module). */
Test(hil_run, simulator_only_statements_are_skipped_against_a_port)
{
    struct sim_process sim;
    host_start_bench(&sim, NULL);
    const char *both = "scenario \"on-any-target\"\nsignal 17\nat 100ms reboot\n"
                       "send \"AT\"\nexpect \"OK\"\n";
    const char *sim_only = "scenario \"sim-only\"\ntargets sim\nsend \"AT\"\nexpect \"OK\"\n";
    int st = hil_run("--target", sim.pty_path, test_dir_file("both.scn", both), test_dir_file("simonly.scn", sim_only), NULL);
    simproc_stop(&sim);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert(strstr(out, "skipped line 2: signal (needs the simulator)"), "%s", out);
    cr_assert(strstr(out, "skipped line 3: reboot event (needs the simulator)"), "%s", out);
    cr_assert(strstr(out, "skip  sim-only"), "%s", out);
    cr_assert(strstr(out, "targets the simulator only"), "%s", out);
    cr_assert(strstr(out, "1 passed, 0 failed, 1 skipped"), "%s", out);
}

/* On the bench the module reaches a real broker; --watch lets the runner
 * check what arrived there. A simulator speaking real MQTT to a private
 * mosquitto stands in for module and broker. */
Test(hil_run, against_a_port_the_broker_checks_use_the_watched_broker)
{
    struct mosquitto_process mq;
    struct sim_process sim;
    cr_assert_eq(mqproc_start(&mq, NULL, NULL), 0, "mosquitto did not start (is it installed?)");
    char url[64];
    snprintf(url, sizeof url, "tcp://127.0.0.1:%d", mq.port);
    const char *args[] = {"--broker", url, NULL};
    host_start_bench(&sim, args);
    int st = hil_run("--target", sim.pty_path, "--watch", url, "--server", url,
                     test_dir_file("a.scn", passing), test_dir_file("b.scn", failing), NULL);
    simproc_stop(&sim);
    mqproc_stop(&mq);
    cr_assert_eq(st, 1, "%s", out);
    cr_assert(strstr(out, "pass  publishes"), "%s", out);
    cr_assert(strstr(out, "expect-message: \"t/a\" \"goodbye\" never reached the broker"), "%s", out);
}

Test(hil_run, without_watch_the_broker_checks_against_a_port_are_skipped_not_passed)
{
    struct sim_process sim;
    host_start_bench(&sim, NULL);
    int st = hil_run("--target", sim.pty_path, test_dir_file("a.scn", passing), NULL);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert(strstr(out, "skipped line 6: expect-message (the runner cannot watch this broker)"), "%s", out);
    /* TAP readers see it too, not a bare "ok" */
    st = hil_run("--tap", "--target", sim.pty_path, test_dir_file("a.scn", passing), NULL);
    simproc_stop(&sim);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert(strstr(out, "ok 1 - publishes\n# skipped line 6: expect-message"), "%s", out);
}

/* A field log as a regression test: the driver that departs from it fails,
 * and the report says where, in the simulator's words. */
Test(hil_run, a_departure_from_a_replayed_log_fails_and_says_where)
{
    const char *text = "scenario \"departs\"\ntime-limit 20s\n"
                       "replay \"" SIM7600_SOURCE_DIR "/scenarios/logs/driver-cold-publish.cap\" strict=1\n"
                       "bring-up apn=\"internet\"\nconnect server=\"tcp://broker.example:1883\" client-id=\"other\"\n";
    int st = hil_run(test_dir_file("d.scn", text), NULL);
    cr_assert_eq(st, 1, "%s", out);
    cr_assert(strstr(out, "line 5: connect expected result=ok"), "%s", out);
    cr_assert(strstr(out, "the simulator said:"), "%s", out);
    cr_assert(strstr(out, "departed from the replayed log at log line"), "%s", out);
}

static char tmp[128];   /* the runner's TMPDIR in the tests that look at what is left there */

/* A fresh TMPDIR for the runner, empty but for what it will leave; 0711: a
 * private mosquitto, run as root, reads its files as its own user. */
static void private_tmpdir(void)
{
    snprintf(tmp, sizeof tmp, "%s/tmp", test_dir);
    cr_assert_eq(mkdir(tmp, 0711), 0);
    cr_assert_eq(chmod(tmp, 0711), 0);
    setenv("TMPDIR", tmp, 1);
}

static void assert_nothing_left(void)
{
    pid_t pids[4];
    char needle[160];
    snprintf(needle, sizeof needle, "%s/", tmp);
    /* a SIGKILLed simulator takes a moment to be gone: bounded, not slept */
    int left = program_find(needle, pids, 4);
    for (long long end = test_now_ms() + 2000; left && test_now_ms() < end; left = program_find(needle, pids, 4))
        poll(NULL, 0, 10);
    cr_assert_eq(left, 0, "a process of the run is still running (pid %d)", (int)pids[0]);
    DIR *d = opendir(tmp);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        cr_assert(e->d_name[0] == '.', "%s/%s was left behind", tmp, e->d_name);
    if (d)
        closedir(d);
}

/* A worker stopped at its time limit cannot clean up: its simulator's socket,
 * its private mosquitto's config and password file must go all the same. The
 * password has what a shell would trip on. */
Test(hil_run, a_stopped_scenario_with_a_private_broker_leaves_no_files_behind)
{
    const char *text = "scenario \"stopped-with-broker\"\ntime-limit 3s\n"
                       "broker accept user=\"dev\" password=\"it's $(x) `y` \\\\\"\n"
                       "bring-up\nconnect user=\"dev\" password=\"it's $(x) `y` \\\\\"\n"
                       "wait 20s\n";
    private_tmpdir();
    int st = hil_run("--broker", "mosquitto", "--keep-logs", test_dir_path("logs"), test_dir_file("s.scn", text), NULL);
    cr_assert_eq(st, 1, "%s", out);
    /* past connect (the password went through whole), stopped in the wait */
    cr_assert(strstr(out, "stopped at its time limit of 3s during line 6: wait"), "%s", out);
    assert_nothing_left();
}


/* The checks read what the module said after the last step: the answer to a
 * last `send` is not lost because nothing waited for it. */
Test(hil_run, the_checks_see_the_answer_to_the_last_command)
{
    const char *bogus = "scenario \"bogus-last\"\nsend \"AT+BOGUS\"\nexpect-not-printed \"ERROR\"\n";
    const char *ok = "scenario \"at-last\"\nsend \"AT\"\nexpect-printed \"OK\"\n";
    int st = hil_run(test_dir_file("bogus.scn", bogus), test_dir_file("ok.scn", ok), NULL);
    cr_assert_eq(st, 1, "%s", out);
    cr_assert(strstr(out, "FAIL  bogus-last"), "%s", out);
    cr_assert(strstr(out, "line 3: expect-not-printed: \"ERROR\" was printed 1 time(s)"), "%s", out);
    cr_assert(strstr(out, "pass  at-last"), "%s", out);
}

/* An expect after a driver step waits for a new line, not one the driver
 * has already read (bring-up asked AT+CSQ itself). */
/* Runs one scenario file with `text`; asserts the exit status and that the
 * output holds `needle`. */
static void run_one(const char *text, const char *const *opts, int status, const char *needle)
{
    const char *argv[8] = {0};
    int n = 0;
    for (; opts && opts[n] && n < 6; n++)
        argv[n] = opts[n];
    argv[n] = test_dir_file("one.scn", text);
    int st = hil_run(argv[0], argv[1], argv[2], argv[3], argv[4], argv[5], argv[6], NULL);
    cr_assert_eq(st, status, "exit %d, expected %d:\n%s", st, status, out);
    cr_assert(strstr(out, needle), "no \"%s\" in:\n%s", needle, out);
}

Test(hil_run, an_expect_after_a_driver_step_does_not_match_what_the_driver_read)
{
    run_one("scenario \"after-bring-up\"\nbring-up\nexpect /^\\+CSQ: / within=500ms\n", NULL, 1,
            "line 3: the module printed no line matching /^\\+CSQ: / within 0.50s");
}

Test(hil_run, names_that_make_one_transcript_file_are_refused)
{
    int st = hil_run(test_dir_file("a.scn", "scenario \"x y\"\nsend \"AT\"\n"), test_dir_file("b.scn", "scenario \"x_y\"\nsend \"AT\"\n"),
                     NULL);
    cr_assert_eq(st, 2, "%s", out);
    cr_assert(strstr(out, "scenario name \"x_y\" makes the same transcript file (x_y.cap) as \"x y\""), "%s", out);
}

/* An `at` event the steps ended too soon to see was never tested. */
Test(hil_run, an_event_due_after_the_last_step_fails_the_scenario)
{
    run_one("scenario \"too-short\"\nat 20s connection-lost 1\nsend \"AT\"\nexpect \"OK\"\n", NULL, 1,
            "line 2: the event at 20.00s never fired: the steps ended at");
}

Test(hil_run, a_delivery_with_an_unreachable_broker_needs_the_embedded_one)
{
    static const char *const mosquitto[] = {"--broker", "mosquitto", NULL};
    run_one("scenario \"deliver-unreachable\"\nbroker unreachable\nat 100ms deliver \"t\" \"p\"\nbring-up\n",
            mosquitto, 0, "needs the embedded broker (line 3: a message delivered while the broker is unreachable)");
}

Test(hil_run, a_private_broker_that_cannot_start_says_what_to_look_at)
{
    static const char *const mosquitto[] = {"--broker", "mosquitto", NULL};
    run_one("scenario \"colon-user\"\nbroker accept user=\"a:b\" password=\"p\"\nbring-up\n", mosquitto, 1,
            "a private mosquitto did not start: a user name mosquitto_passwd refuses (':')");
}

/* Does the file at `path` hold `text` yet? */
static bool file_holds(const char *path, const char *text)
{
    static char buf[OUT_CAP];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return strstr(buf, text) != NULL;
}

/* Starts the runner on scenario `name` (whose first step sends AT) with
 * TMPDIR a fresh directory; waits (bounded) until the steps run, as its
 * transcript shows, and returns the pid of its simulator, whose command line
 * names the work directory there. */
static pid_t start_runner(struct program *p, const char *name, const char *steps)
{
    private_tmpdir();
    char text[256], cap[256];
    snprintf(text, sizeof text, "scenario \"%s\"\nsend \"AT\"\n%s", name, steps);
    snprintf(cap, sizeof cap, "%s/%s.cap", test_dir_path("logs"), name);
    const char *argv[] = {SIM7600_BIN_DIR "/sim7600-hil", "run", "--keep-logs", test_dir_path("logs"),
                          test_dir_file("run.scn", text), NULL};
    cr_assert_eq(program_start(p, argv), 0);
    long long end = test_now_ms() + RUN_BOUND_MS;
    while (!file_holds(cap, " > AT") && test_now_ms() < end)
        poll(NULL, 0, 10);
    cr_assert(file_holds(cap, " > AT"), "the runner never sent the first step's AT (%s)", cap);
    char needle[160];
    snprintf(needle, sizeof needle, "sim7600-sim --control %s/", tmp);
    pid_t sim = 0;
    cr_assert_eq(program_find(needle, &sim, 1), 1, "no simulator under %s", tmp);
    return sim;
}

/* A simulator that dies under a scenario is named as the cause, at once,
 * not after the step's whole wait, and not blamed on the module. */
Test(hil_run, a_simulator_that_dies_is_reported_as_the_cause)
{
    struct program p;
    pid_t sim = start_runner(&p, "sim-dies", "expect \"NEVER\" within=20s\n");
    long long t0 = test_now_ms();
    kill(sim, SIGKILL);
    int st = program_finish(&p, RUN_BOUND_MS, out, sizeof out);
    cr_assert_eq(st, 1, "%s", out);
    cr_assert_lt(test_now_ms() - t0, 10000, "the runner waited out the expect:\n%s", out);
    cr_assert(strstr(out, "line 3: the wire broke: the simulator was killed by signal 9"), "%s", out);
    assert_nothing_left();
}

/* Ctrl-C or a CI job's SIGTERM stops the run with its workers and simulators. */
Test(hil_run, a_terminated_runner_leaves_no_process_or_file_behind)
{
    struct program p;
    start_runner(&p, "long", "wait 30s\n");
    kill(p.pid, SIGTERM);
    int st = program_finish(&p, RUN_BOUND_MS, out, sizeof out);
    cr_assert_eq(st, 128 + SIGTERM, "%s", out);
    cr_assert(strstr(out, "interrupted (Terminated): 0 of 1 scenarios done"), "%s", out);
    assert_nothing_left();
}

/* ---- what a runner killed outright leaves: the next run reaps it ------------------- */

#define ENTRIES_MAX 16

struct entries {
    char name[ENTRIES_MAX][64];
    int n;
};

/* What is in the runner's TMPDIR now. */
static void list_entries(struct entries *e)
{
    DIR *d = opendir(tmp);
    struct dirent *de;
    e->n = 0;
    while (d && (de = readdir(d)) != NULL)
        if (de->d_name[0] != '.' && e->n < ENTRIES_MAX)
            snprintf(e->name[e->n++], sizeof e->name[0], "%.63s", de->d_name);
    if (d)
        closedir(d);
}

static bool entry_exists(const char *name)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    return lstat(path, &st) == 0;
}

/* Starts a runner on a scenario that waits 30 s, without --keep-logs, and
 * waits (bounded) until its simulator runs: its directories are all made. */
static void start_long_runner(struct program *p, const char *name)
{
    char text[128], scn[64];
    snprintf(text, sizeof text, "scenario \"%s\"\nsend \"AT\"\nwait 30s\n", name);
    snprintf(scn, sizeof scn, "%s.scn", name);
    const char *argv[] = {SIM7600_BIN_DIR "/sim7600-hil", "run", test_dir_file(scn, text), NULL};
    pid_t before[4], sims[4];
    char needle[160];
    snprintf(needle, sizeof needle, "sim7600-sim --control %s/", tmp);
    int had = program_find(needle, before, 4);
    cr_assert_eq(program_start(p, argv), 0);
    long long end = test_now_ms() + RUN_BOUND_MS;
    while (program_find(needle, sims, 4) <= had && test_now_ms() < end)
        poll(NULL, 0, 10);
    cr_assert_gt(program_find(needle, sims, 4), had, "the runner's simulator never started under %s", tmp);
}

/* Waits (bounded) until no process of a run under TMPDIR is left. */
static void wait_for_no_process(void)
{
    char needle[160];
    pid_t pid;
    snprintf(needle, sizeof needle, "%s/", tmp);
    long long end = test_now_ms() + 5000;
    while (program_find(needle, &pid, 1) && test_now_ms() < end)
        poll(NULL, 0, 10);
    cr_assert_eq(program_find(needle, &pid, 1), 0, "a process of the killed run is still there (pid %d)", (int)pid);
}

/* Makes a directory in TMPDIR, with an unlocked owner file if `owner`. */
static void decoy(const char *name, bool owner)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    cr_assert_eq(mkdir(path, 0700), 0, "%s", path);
    if (owner) {
        snprintf(path, sizeof path, "%s/%s/%s", tmp, name, SCRATCH_DIR_OWNER_FILE);
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f);
        fclose(f);
    }
}

/* kill -9 (or the OOM killer) gives the runner no chance to clean up: its
 * work and transcript directories stay. The next run removes them, and
 * nothing else: not a live runner's, not one it cannot prove is a dead
 * runner's, not another tool's. */
Test(hil_run, the_next_run_reaps_what_a_killed_runner_left_and_nothing_else)
{
    private_tmpdir();
    static const char *const decoys[] = {"sim7600-hil-NoOwnr", "sim7600-hil-x", "mqtest-abcdef", "keep.scn"};
    decoy(decoys[0], false);   /* our name, but no owner file: not provably ours */
    decoy(decoys[1], true);    /* not a name mkdtemp made from our prefix */
    decoy(decoys[2], true);    /* another prefix */
    struct entries before, left, live_dirs;
    FILE *plain = fopen(test_dir_path("tmp/keep.scn"), "w");   /* a plain file */
    cr_assert_not_null(plain);
    fclose(plain);
    list_entries(&before);

    struct program killed;
    start_long_runner(&killed, "killed");
    kill(killed.pid, SIGKILL);
    cr_assert_eq(program_finish(&killed, RUN_BOUND_MS, out, sizeof out), -1, "%s", out);
    wait_for_no_process();
    list_entries(&left);
    cr_assert_eq(left.n, before.n + 2, "the killed runner left %d entries, expected its work and log directories",
                 left.n - before.n);

    struct program live;
    start_long_runner(&live, "live");
    list_entries(&live_dirs);

    int st = hil_run(test_dir_file("ok.scn", "scenario \"quick\"\nsend \"AT\"\nexpect \"OK\"\n"), NULL);
    cr_assert_eq(st, 0, "%s", out);
    for (int i = 0; i < left.n; i++) {
        bool old = false;
        for (int k = 0; k < before.n; k++)
            old |= strcmp(left.name[i], before.name[k]) == 0;
        cr_assert(old || !entry_exists(left.name[i]), "the killed runner's %s/%s is still there", tmp, left.name[i]);
    }
    for (int i = 0; i < live_dirs.n; i++)
        cr_assert(entry_exists(live_dirs.name[i]), "the live runner's %s/%s was removed", tmp, live_dirs.name[i]);
    for (size_t i = 0; i < sizeof decoys / sizeof decoys[0]; i++)
        cr_assert(entry_exists(decoys[i]), "%s/%s was removed", tmp, decoys[i]);

    kill(live.pid, SIGTERM);
    st = program_finish(&live, RUN_BOUND_MS, out, sizeof out);
    cr_assert_eq(st, 128 + SIGTERM, "%s", out);
    for (size_t i = 0; i < sizeof decoys / sizeof decoys[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", tmp, decoys[i]);
        scratch_dir_remove(path);
        unlink(path);
    }
    assert_nothing_left();
}

/* The transcripts of a failed run are left for the user to read: no later
 * run takes them for a killed runner's. */
Test(hil_run, kept_failure_transcripts_are_not_reaped)
{
    private_tmpdir();
    int st = hil_run(test_dir_file("b.scn", failing), NULL);
    cr_assert_eq(st, 1, "%s", out);
    const char *at = strstr(out, "transcripts of the failed scenarios are in ");
    cr_assert_not_null(at, "%s", out);
    char kept[256];
    cr_assert_eq(sscanf(at, "transcripts of the failed scenarios are in %255s", kept), 1);
    st = hil_run(test_dir_file("a.scn", passing), NULL);
    cr_assert_eq(st, 0, "%s", out);
    char cap[300];
    snprintf(cap, sizeof cap, "%s/expects-the-wrong-payload.cap", kept);
    struct stat sb;
    cr_assert_eq(stat(cap, &sb), 0, "the kept transcript %s was removed", cap);
}

/* ---- scenario names of any length -------------------------------------------------- */

#define HUGE_NAME_LEN (1u << 20)

/* A file with `name` (repeated `c` to `len` bytes, then `tail`) as its scenario's name. */
static const char *long_name_scenario(const char *file_name, char c, size_t len, const char *tail)
{
    char *text = malloc(len + 128);
    cr_assert_not_null(text);
    int n = sprintf(text, "scenario \"");
    memset(text + n, c, len);
    sprintf(text + n + len, "%s\"\nsend \"AT\"\nexpect \"OK\"\n", tail);
    const char *path = test_dir_file(file_name, text);
    free(text);
    return path;
}

/* A transcript file in `logs`: how many, and the longest name's length. */
static int count_transcripts(const char *logs, size_t *longest)
{
    DIR *d = opendir(logs);
    struct dirent *e;
    int n = 0;
    *longest = 0;
    while (d && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".cap") == 0) {
            n++;
            *longest = len > *longest ? len : *longest;
        }
    }
    if (d)
        closedir(d);
    return n;
}

/* A name is the user's to choose: a megabyte of it must not fail a passing
 * scenario at "cannot write the transcript" (a file name has 255 bytes at
 * most); two long names that differ only near their end keep two transcripts. */
Test(hil_run, a_scenario_with_a_huge_name_passes_and_keeps_its_transcript)
{
    const char *logs = test_dir_path("logs");
    int st = hil_run("--keep-logs", logs, long_name_scenario("huge.scn", 'n', HUGE_NAME_LEN, ""),
                     long_name_scenario("huge2.scn", 'n', HUGE_NAME_LEN, "2"), NULL);
    cr_assert_null(strstr(out, "cannot write the transcript"), "%.300s", out);
    cr_assert_eq(st, 0, "exit %d: %.300s", st, out);
    cr_assert(strstr(out, "\npass  nnnn"), "%.300s", out);   /* after the line that says what runs */
    size_t longest;
    cr_assert_eq(count_transcripts(logs, &longest), 2, "one transcript per scenario in %s", logs);
    cr_assert_leq(longest, 255, "a transcript name of %zu bytes", longest);
}
