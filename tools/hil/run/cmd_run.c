/* sim7600-hil run: every scenario in a worker process of its own (with its own
 * simulator), up to -j at once, each stopped at its time limit; one line per
 * scenario in file order, a closing count, JUnit XML and TAP on request
 * (report_writers.h formats them, workers.c runs the processes). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hil.h"
#include "hil_clock.h"
#include "report_writers.h"
#include "run.h"
#include "scratch_dir.h"
#include "suite.h"
#include "workers.h"

#define RUN_LOGS_PREFIX "sim7600-hil-logs-"   /* the transcripts, without --keep-logs */

struct runner {
    struct run_options o;
    int jobs;
    const char *junit, *log_dir;
    bool tap, verbose;
    char sim_bin[PATH_MAX];
    struct scratch_dir tmp_logs;  /* without --keep-logs: transcripts of failures only */
    struct mqtt_url watch;    /* --watch */
    struct workers w;         /* one job per scenario */
    size_t printed;
    unsigned passed, failed, skipped;
    uint64_t start_ms;
};

static void run_usage(FILE *f)
{
    fputs("usage: sim7600-hil run [OPTIONS] FILES-OR-DIRS...\n"
          "Runs scenario files (directories: every *.scn below) and reports one line each.\n\n"
          "  --target sim|PORT   sim (default): each scenario gets its own simulator;\n"
          "                      PORT: a real module on that serial port (simulator-only\n"
          "                      statements are reported as skipped)\n"
          "  --baud N            the port's baud rate (default 115200)\n"
          "  -j, --jobs N        scenarios at once (default: 2 per CPU)\n"
          "  --junit FILE        also write JUnit XML to FILE\n"
          "  --tap               print TAP instead of the per-scenario lines\n"
          "  --keep-logs DIR     keep every transcript (capture format) in DIR; without it\n"
          "                      only the transcripts of failed scenarios are kept\n"
          "  --broker embedded|mosquitto\n"
          "                      embedded (default): the simulator's own broker;\n"
          "                      mosquitto: each scenario gets a private mosquitto on\n"
          "                      loopback, the simulator speaks real MQTT to it and the\n"
          "                      broker checks are made on it (scenarios that need the\n"
          "                      embedded broker's tricks are skipped, saying why)\n"
          "  --server URL        the broker the driver connects to (default tcp://127.0.0.1:1883)\n"
          "  --watch tcp://[USER:PASS@]HOST:PORT\n"
          "                      with a port target: watch this broker (the one the\n"
          "                      module reaches) for the broker checks; without it\n"
          "                      they are skipped\n"
          "  --sim PATH          the simulator to run (default: sim7600-sim next to this program)\n"
          "  -v, --verbose       also list skipped statements and notes of passing scenarios\n"
          "  -h, --help          this help\n\n"
          "Exit status: 0 when nothing failed, 1 when a scenario failed, 2 on a usage\n"
          "error or when a scenario file has errors (then nothing runs).\n"
          "The scenario format: scenarios/README.md\n", f);
}

/* ---- output ------------------------------------------------------------------------ */

static struct report_row job_row(const struct job *j)
{
    return (struct report_row){j->sc, &j->rep, (double)(j->end_ms - j->start_ms) / 1000};
}

static void print_line(const struct runner *rn, size_t i)
{
    struct report_row row = job_row(&rn->w.v[i]);
    if (rn->tap)
        report_tap_line(stdout, i + 1, &row);
    else
        report_line(stdout, &row, rn->verbose || rn->o.port, rn->verbose);
}

/* Lines come out in file order, as soon as every earlier scenario is done. */
static void print_done(struct runner *rn)
{
    while (rn->printed < rn->w.n && rn->w.v[rn->printed].state == JOB_DONE) {
        const struct job *j = &rn->w.v[rn->printed];
        if (j->rep.verdict == RUN_PASS)
            rn->passed++;
        else if (j->rep.verdict == RUN_FAIL)
            rn->failed++;
        else
            rn->skipped++;
        /* without --keep-logs a passing scenario's transcript is not kept */
        if (!rn->log_dir && j->rep.verdict != RUN_FAIL && j->rep.capture.len)
            unlink(sb_str(&j->rep.capture));
        print_line(rn, rn->printed++);
        fflush(stdout);
    }
}

static int write_junit(const struct runner *rn)
{
    struct report_totals t = {rn->printed, rn->failed, rn->skipped, (double)(hil_now_ms() - rn->start_ms) / 1000};
    FILE *f = report_junit_open(rn->junit, &t);
    if (!f) {
        fprintf(stderr, "sim7600-hil run: cannot write %s: %s\n", rn->junit, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < rn->printed; i++) {   /* after an interruption: those that ran */
        struct report_row row = job_row(&rn->w.v[i]);
        report_junit_case(f, &row);
    }
    return report_junit_close(f);
}

/* ---- options ----------------------------------------------------------------------- */

static bool parse_count(const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static void default_sim_bin(struct runner *rn)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        snprintf(rn->sim_bin, sizeof rn->sim_bin, "sim7600-sim");
        return;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    size_t dir_len = slash ? (size_t)(slash - self) + 1 : 0;
    if (dir_len + sizeof "sim7600-sim" > sizeof rn->sim_bin)
        dir_len = 0;
    memcpy(rn->sim_bin, self, dir_len);
    memcpy(rn->sim_bin + dir_len, "sim7600-sim", sizeof "sim7600-sim");
}

static int parse_options(struct runner *rn, int argc, char **argv)
{
    static const struct option longs[] = {
        {"target", required_argument, NULL, 't'}, {"baud", required_argument, NULL, 'b'},
        {"jobs", required_argument, NULL, 'j'}, {"junit", required_argument, NULL, 'x'},
        {"tap", no_argument, NULL, 'T'}, {"keep-logs", required_argument, NULL, 'k'},
        {"server", required_argument, NULL, 's'}, {"sim", required_argument, NULL, 'S'},
        {"broker", required_argument, NULL, 'm'}, {"watch", required_argument, NULL, 'W'}, {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    long v;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    rn->jobs = (int)(cpus > 0 ? cpus * 2 : 2);
    default_sim_bin(rn);
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "j:vh", longs, NULL)) != -1) {
        switch (c) {
        case 't': rn->o.port = strcmp(optarg, "sim") == 0 ? NULL : optarg; break;
        case 'b':
            if (!parse_count(optarg, 300, 4000000, &v)) {
                fprintf(stderr, "sim7600-hil run: --baud '%s' is not a baud rate (300-4000000)\n", optarg);
                return -1;
            }
            rn->o.port_baud = (int)v;
            break;
        case 'j':
            if (!parse_count(optarg, 1, 256, &v)) {
                fprintf(stderr, "sim7600-hil run: -j '%s' must be a number of scenarios at once, 1-256\n", optarg);
                return -1;
            }
            rn->jobs = (int)v;
            break;
        case 'x': rn->junit = optarg; break;
        case 'T': rn->tap = true; break;
        case 'k': rn->log_dir = optarg; break;
        case 's': rn->o.server = optarg; break;
        case 'W':
            if (mqtt_url_parse(optarg, &rn->watch) < 0) {
                fprintf(stderr, "sim7600-hil run: --watch '%s' is not tcp://[USER:PASS@]HOST:PORT\n", optarg);
                return -1;
            }
            rn->o.watch = &rn->watch;
            break;
        case 'm':
            if (strcmp(optarg, "embedded") != 0 && strcmp(optarg, "mosquitto") != 0) {
                fprintf(stderr, "sim7600-hil run: --broker '%s': use embedded or mosquitto\n", optarg);
                return -1;
            }
            rn->o.private_mosquitto = strcmp(optarg, "mosquitto") == 0;
            break;
        case 'S': snprintf(rn->sim_bin, sizeof rn->sim_bin, "%s", optarg); break;
        case 'v': rn->verbose = true; break;
        case 'h': run_usage(stdout); exit(HIL_EXIT_OK);
        default:
            fputs("sim7600-hil run: see 'sim7600-hil run --help'\n", stderr);
            return -1;
        }
    }
    if (optind >= argc) {
        fputs("sim7600-hil run: name scenario files or directories, e.g. 'sim7600-hil run scenarios/'\n", stderr);
        return -1;
    }
    if (rn->o.port && rn->o.private_mosquitto) {
        fputs("sim7600-hil run: --broker mosquitto needs the simulator; a module on a port reaches its broker "
              "over the cellular network\n", stderr);
        return -1;
    }
    if (rn->o.watch && !rn->o.port) {
        fputs("sim7600-hil run: --watch goes with --target PORT (the simulator's broker is watched anyway)\n", stderr);
        return -1;
    }
    if (rn->o.port)
        rn->jobs = 1;   /* one module, one scenario at a time */
    return optind;
}

static int prepare_logs(struct runner *rn)
{
    if (rn->log_dir) {
        if (mkdir(rn->log_dir, 0777) < 0 && errno != EEXIST) {
            fprintf(stderr, "sim7600-hil run: cannot create --keep-logs directory %s: %s\n", rn->log_dir,
                    strerror(errno));
            return -1;
        }
        rn->o.log_dir = rn->log_dir;
        return 0;
    }
    if (scratch_dir_make_owned(&rn->tmp_logs, RUN_LOGS_PREFIX, 0700) < 0) {
        fprintf(stderr, "sim7600-hil run: cannot create a directory for transcripts in %s: %s; "
                        "set TMPDIR to a writable directory or give --keep-logs DIR\n",
                scratch_dir_default_parent(), strerror(errno));
        return -1;
    }
    rn->o.log_dir = rn->tmp_logs.path;
    return 0;
}

/* Without --keep-logs the failures' transcripts stay for the user, no longer
 * owned (no later run reaps them); the rest goes. */
static void finish_logs(struct runner *rn)
{
    if (rn->log_dir)
        return;
    if (!rn->failed) {
        scratch_dir_release(&rn->tmp_logs);   /* after an interruption it may hold unfinished ones */
        return;
    }
    char path[sizeof rn->tmp_logs.path];
    memcpy(path, rn->tmp_logs.path, sizeof path);
    scratch_dir_disown(&rn->tmp_logs);
    if (rmdir(path) < 0)
        printf("transcripts of the failed scenarios are in %s\n", path);
}

/* ---- the loop ---------------------------------------------------------------------- */

/* Ctrl-C or a CI job's SIGTERM reach the runner only (workers have process
 * groups of their own): it stops them, with their simulators and files. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    interrupted = sig;
}

static void catch_interrupts(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_interrupt;   /* no SA_RESTART: poll returns at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static void run_all(struct runner *rn)
{
    while (rn->printed < rn->w.n && !interrupted) {
        workers_round(&rn->w);
        print_done(rn);
    }
    if (interrupted)
        workers_stop(&rn->w);
}

int hil_cmd_run(int argc, char **argv)
{
    struct runner rn = {.tmp_logs.lock_fd = -1};
    signal(SIGPIPE, SIG_IGN);
    catch_interrupts();
    int first = parse_options(&rn, argc, argv);
    if (first < 0)
        return HIL_EXIT_USAGE;
    rn.o.sim_bin = rn.sim_bin;
    struct scn_suite suite;
    suite_load(&suite, argv + first, argc - first);
    size_t errors = suite_report(&suite, stderr);
    if (errors || suite.n_ok != suite.n_files || suite.n_files == 0) {
        fprintf(stderr, "sim7600-hil run: %s; nothing was run\n",
                suite.n_files == 0 ? "no *.scn files found" : "the scenario files have errors (above)");
        suite_free(&suite);
        return HIL_EXIT_USAGE;
    }
    /* what runners killed outright (SIGKILL, the OOM killer) left behind */
    scratch_dir_reap(NULL, RUN_WORK_PREFIX);
    scratch_dir_reap(NULL, RUN_LOGS_PREFIX);
    if (prepare_logs(&rn) < 0) {
        suite_free(&suite);
        return HIL_EXIT_USAGE;
    }
    workers_init(&rn.w, suite.ok, suite.n_ok, &rn.o, rn.jobs);
    rn.start_ms = hil_now_ms();
    if (rn.tap)
        report_tap_plan(stdout, rn.w.n);
    run_all(&rn);
    double total = (double)(hil_now_ms() - rn.start_ms) / 1000;
    if (interrupted)
        printf("%sinterrupted (%s): %zu of %zu scenarios done, the rest stopped\n", rn.tap ? "# " : "",
               strsignal(interrupted), rn.printed, rn.w.n);
    printf("%s%u passed, %u failed, %u skipped (%.1fs)\n", rn.tap ? "# " : "", rn.passed, rn.failed, rn.skipped,
           total);
    int rc = interrupted ? 128 + interrupted : rn.failed ? HIL_EXIT_FAIL : HIL_EXIT_OK;
    if (rn.junit && write_junit(&rn) < 0)
        rc = HIL_EXIT_FAIL;
    finish_logs(&rn);
    workers_free(&rn.w);
    suite_free(&suite);
    return rc;
}
