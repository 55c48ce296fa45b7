/* sim7600-hil run: every scenario in a worker process of its own (with its own
 * simulator), up to -j at once, each stopped at its time limit; one line per
 * scenario in file order, a closing count, JUnit XML and TAP on request
 * (report_writers.h formats them, workers.c runs the processes). --shard
 * runs a share of the suite, --repeat each scenario several times, and one
 * seed (--seed, else from the clock) fixes every random choice (seeds.h). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "hil.h"
#include "hil_clock.h"
#include "parse_num.h"
#include "report_writers.h"
#include "run.h"
#include "scratch_dir.h"
#include "seeds.h"
#include "suite.h"
#include "workers.h"

#define RUN_LOGS_PREFIX "sim7600-hil-logs-"   /* the transcripts, without --keep-logs */
#define MAX_SHARDS 1000
#define MAX_REPEAT 1000
#define REPEAT_DIR "run-%u"   /* with --repeat, repeat K's transcripts: LOGS/run-K/NAME.cap */

struct tally {
    unsigned passed, failed, skipped;
};

struct runner {
    struct run_options o;
    int jobs;
    const char *junit, *log_dir;
    bool tap, verbose, list;
    char sim_bin[PATH_MAX];
    struct scratch_dir tmp_logs;  /* without --keep-logs: transcripts of failures only */
    struct mqtt_url watch;    /* --watch */
    struct workers w;         /* one job per run of a scenario */
    struct report_run run;    /* seed, repeats, shard */
    bool seeded;              /* --seed given */
    struct scenario **chosen; /* this shard's scenarios */
    char **run_dirs;          /* with --repeat: each repeat's transcripts directory */
    struct report_row *rows;  /* one scenario's runs, as they are printed */
    size_t printed;           /* jobs printed: whole scenarios, all their runs */
    struct tally scenarios, runs;
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
          "  --program CMD       the main program of every scenario without a 'program'\n"
          "                      statement (placeholders {port} {baud} {broker} {control}\n"
          "                      {bin}); scenarios with driver steps or send are skipped\n"
          "  --shard K/N         run shard K of N (1 <= K <= N): the scenarios whose name\n"
          "                      hashes to K; the N shards are disjoint and together are\n"
          "                      the suite (a CI matrix: one machine and one --junit each)\n"
          "  --repeat N          run each scenario N times (1-1000); one line per scenario\n"
          "                      with its pass rate, FAIL if any run failed\n"
          "  --seed S            the seed of every random choice (garble bytes); default:\n"
          "                      from the clock. Printed in every report: run a failure\n"
          "                      again with it (repeat K of --repeat runs with S+K-1)\n"
          "  --list              print the scenarios that would run (NAME<tab>FILE, after\n"
          "                      --shard) and run nothing\n"
          "  -v, --verbose       also list skipped statements and notes of passing scenarios\n"
          "  -h, --help          this help\n\n"
          "Exit status: 0 when nothing failed, 1 when a scenario failed, 2 on a usage\n"
          "error or when a scenario file has errors (then nothing runs).\n"
          "The scenario format: scenarios/README.md\n", f);
}

/* ---- output ------------------------------------------------------------------------ */

static struct report_row job_row(const struct runner *rn, const struct job *j)
{
    return (struct report_row){j->sc, &j->rep, (double)(j->end_ms - j->start_ms) / 1000, j->run, rn->run.runs,
                               j->seed};
}

static void count(struct tally *t, enum run_verdict v)
{
    t->passed += v == RUN_PASS;
    t->failed += v == RUN_FAIL;
    t->skipped += v == RUN_SKIP;
}

/* The scenario whose runs start at job `first`: its lines, or its TAP test points. */
static void print_scenario(const struct runner *rn, size_t first)
{
    unsigned runs = rn->run.runs;
    bool show_skipped = rn->verbose || rn->o.port;
    if (rn->tap) {
        for (unsigned r = 0; r < runs; r++)
            report_tap_line(stdout, first + r + 1, &rn->rows[r]);
        if (runs > 1)
            report_tap_rate(stdout, rn->rows, runs);
    } else if (runs > 1) {
        report_repeat_line(stdout, rn->rows, runs, show_skipped, rn->verbose);
    } else {
        report_line(stdout, &rn->rows[0], show_skipped, rn->verbose);
    }
}

static bool scenario_done(const struct runner *rn, size_t first)
{
    for (unsigned r = 0; r < rn->run.runs; r++)
        if (rn->w.v[first + r].state != JOB_DONE)
            return false;
    return true;
}

/* Lines come out in file order, as soon as every run of every earlier scenario is done. */
static void print_done(struct runner *rn)
{
    while (rn->printed < rn->w.n && scenario_done(rn, rn->printed)) {
        struct tally one = {0};
        for (unsigned r = 0; r < rn->run.runs; r++) {
            const struct job *j = &rn->w.v[rn->printed + r];
            count(&one, j->rep.verdict);
            /* without --keep-logs a passing run's transcript is not kept */
            if (!rn->log_dir && j->rep.verdict != RUN_FAIL && j->rep.capture.len)
                unlink(sb_str(&j->rep.capture));
            rn->rows[r] = job_row(rn, j);
        }
        rn->runs.passed += one.passed;
        rn->runs.failed += one.failed;
        rn->runs.skipped += one.skipped;
        count(&rn->scenarios, one.failed ? RUN_FAIL : one.passed ? RUN_PASS : RUN_SKIP);
        print_scenario(rn, rn->printed);
        rn->printed += rn->run.runs;
        fflush(stdout);
    }
}

static int write_junit(const struct runner *rn)
{
    struct report_totals t = {rn->printed, rn->runs.failed, rn->runs.skipped,
                              (double)(hil_now_ms() - rn->start_ms) / 1000, &rn->run};
    FILE *f = report_junit_open(rn->junit, &t);
    if (!f) {
        fprintf(stderr, "sim7600-hil run: cannot write %s: %s\n", rn->junit, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < rn->printed; i++) {   /* after an interruption: those that ran */
        struct report_row row = job_row(rn, &rn->w.v[i]);
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

/* --shard K/N: shard K of N, both counted from 1 (as GitLab's CI_NODE_INDEX/CI_NODE_TOTAL). */
static int parse_shard(struct report_run *run, const char *text)
{
    const char *slash = strchr(text, '/');
    char k_text[32];
    long k, n;
    size_t k_len = slash ? (size_t)(slash - text) : 0;
    if (k_len && k_len < sizeof k_text) {
        memcpy(k_text, text, k_len);
        k_text[k_len] = '\0';
    }
    if (!k_len || k_len >= sizeof k_text || !parse_long(k_text, LONG_MIN, LONG_MAX, &k) ||
        !parse_long(slash + 1, LONG_MIN, LONG_MAX, &n)) {
        fprintf(stderr, "sim7600-hil run: --shard '%s' is not K/N (shard K of N, e.g. --shard 2/4; "
                        "GitLab: --shard $CI_NODE_INDEX/$CI_NODE_TOTAL)\n", text);
        return -1;
    }
    if (n < 1 || n > MAX_SHARDS) {
        fprintf(stderr, "sim7600-hil run: --shard '%s': N must be 1 to %d shards\n", text, MAX_SHARDS);
        return -1;
    }
    if (k < 1 || k > n) {
        fprintf(stderr, "sim7600-hil run: --shard '%s': K must be 1 to %ld (shards are numbered from 1)\n", text, n);
        return -1;
    }
    run->shard = (unsigned)k;
    run->shards = (unsigned)n;
    return 0;
}

/* The options that scale a run out: --shard, --repeat, --seed. */
static int parse_scale_option(struct runner *rn, int c, const char *arg)
{
    long v;
    switch (c) {
    case 'K': return parse_shard(&rn->run, arg);
    case 'R':
        if (!parse_long(arg, 1, MAX_REPEAT, &v)) {
            fprintf(stderr, "sim7600-hil run: --repeat '%s' must be a number of runs per scenario, 1-%d\n", arg,
                    MAX_REPEAT);
            return -1;
        }
        rn->run.runs = (unsigned)v;
        return 0;
    default:
        if (!parse_u64(arg, UINT64_MAX, &rn->run.seed)) {
            fprintf(stderr, "sim7600-hil run: --seed '%s' must be a whole number, 0-%" PRIu64 " (every report "
                            "prints the seed it ran with)\n", arg, UINT64_MAX);
            return -1;
        }
        rn->seeded = true;
        return 0;
    }
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
        {"broker", required_argument, NULL, 'm'}, {"watch", required_argument, NULL, 'W'}, {"program", required_argument, NULL, 'P'},
        {"shard", required_argument, NULL, 'K'}, {"repeat", required_argument, NULL, 'R'},
        {"seed", required_argument, NULL, 'D'}, {"list", no_argument, NULL, 'L'},
        {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    long v;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    rn->jobs = (int)(cpus > 0 ? cpus * 2 : 2);
    rn->run = (struct report_run){.runs = 1, .shard = 1, .shards = 1};
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
        case 'P': rn->o.program = optarg; break;
        case 'K': case 'R': case 'D':
            if (parse_scale_option(rn, c, optarg) < 0)
                return -1;
            break;
        case 'v': rn->verbose = true; break;
        case 'L': rn->list = true; break;
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

/* With --repeat the runs of one scenario would write one NAME.cap: each
 * repeat gets a directory of its own, LOGS/run-K. */
static int prepare_repeat_dirs(struct runner *rn)
{
    if (rn->run.runs == 1)
        return 0;
    rn->run_dirs = xmalloc(rn->run.runs * sizeof *rn->run_dirs);
    for (unsigned r = 0; r < rn->run.runs; r++) {
        struct strbuf b = {0};
        sb_printf(&b, "%s/" REPEAT_DIR, rn->o.log_dir, r + 1);
        rn->run_dirs[r] = b.p;
        if (mkdir(b.p, 0777) < 0 && errno != EEXIST) {
            fprintf(stderr, "sim7600-hil run: cannot create the transcripts directory %s for --repeat: %s\n", b.p,
                    strerror(errno));
            return -1;
        }
    }
    return 0;
}

static void free_repeat_dirs(struct runner *rn)
{
    for (unsigned r = 0; rn->run_dirs && r < rn->run.runs; r++)
        free(rn->run_dirs[r]);
    free(rn->run_dirs);
    rn->run_dirs = NULL;
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
        return prepare_repeat_dirs(rn);
    }
    if (scratch_dir_make_owned(&rn->tmp_logs, RUN_LOGS_PREFIX, 0700) < 0) {
        fprintf(stderr, "sim7600-hil run: cannot create a directory for transcripts in %s: %s; "
                        "set TMPDIR to a writable directory or give --keep-logs DIR\n",
                scratch_dir_default_parent(), strerror(errno));
        return -1;
    }
    rn->o.log_dir = rn->tmp_logs.path;
    return prepare_repeat_dirs(rn);
}

/* Without --keep-logs the failures' transcripts stay for the user, no longer
 * owned (no later run reaps them); the rest goes. */
static void finish_logs(struct runner *rn)
{
    if (rn->log_dir)
        return;
    if (!rn->scenarios.failed) {
        scratch_dir_release(&rn->tmp_logs);   /* after an interruption it may hold unfinished ones */
        return;
    }
    char path[sizeof rn->tmp_logs.path];
    memcpy(path, rn->tmp_logs.path, sizeof path);
    scratch_dir_disown(&rn->tmp_logs);
    for (unsigned r = 0; rn->run_dirs && r < rn->run.runs; r++)
        rmdir(rn->run_dirs[r]);   /* the repeats that all passed leave theirs empty */
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

/* The scenarios this run holds (its shard) and its seed. */
static void choose(struct runner *rn, const struct scn_suite *suite)
{
    rn->chosen = xmalloc(suite->n_ok * sizeof *rn->chosen);
    rn->run.suite = suite->n_ok;
    rn->run.scenarios = suite_shard(suite, rn->run.shard, rn->run.shards, rn->chosen);
    if (!rn->seeded)
        rn->run.seed = seed_from_clock();
    rn->rows = xmalloc(rn->run.runs * sizeof *rn->rows);
}

/* The closing lines: what was done, the count, the seed again (CI logs are read from the end). */
static void print_totals(const struct runner *rn)
{
    const char *hash = rn->tap ? "# " : "";
    double total = (double)(hil_now_ms() - rn->start_ms) / 1000;
    size_t runs = rn->run.runs;
    if (interrupted)
        printf("%sinterrupted (%s): %zu of %zu scenarios done, the rest stopped\n", hash, strsignal(interrupted),
               rn->printed / runs, rn->w.n / runs);
    printf("%s%u passed, %u failed, %u skipped (%.1fs)", hash, rn->scenarios.passed, rn->scenarios.failed,
           rn->scenarios.skipped, total);
    if (runs > 1)
        printf("; runs: %u passed, %u failed, %u skipped", rn->runs.passed, rn->runs.failed, rn->runs.skipped);
    printf("; seed %" PRIu64 "\n", rn->run.seed);
}

static void free_runner(struct runner *rn)
{
    workers_free(&rn->w);
    free_repeat_dirs(rn);
    free(rn->chosen);
    free(rn->rows);
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
    choose(&rn, &suite);
    if (rn.list) {
        for (size_t i = 0; i < rn.run.scenarios; i++)
            printf("%s\t%s\n", rn.chosen[i]->name, rn.chosen[i]->file);
        free_runner(&rn);
        suite_free(&suite);
        return HIL_EXIT_OK;
    }
    /* what runners killed outright (SIGKILL, the OOM killer) left behind */
    scratch_dir_reap(NULL, RUN_WORK_PREFIX);
    scratch_dir_reap(NULL, RUN_LOGS_PREFIX);
    if (prepare_logs(&rn) < 0) {
        finish_logs(&rn);
        free_runner(&rn);
        suite_free(&suite);
        return HIL_EXIT_USAGE;
    }
    struct workers_plan plan = {rn.run.runs, rn.run.seed, (const char *const *)rn.run_dirs};
    workers_init(&rn.w, rn.chosen, rn.run.scenarios, &rn.o, rn.jobs, &plan);
    rn.start_ms = hil_now_ms();
    if (rn.tap)
        report_tap_plan(stdout, rn.w.n);
    report_run_header(stdout, &rn.run, rn.tap);
    run_all(&rn);
    print_totals(&rn);
    int rc = interrupted ? 128 + interrupted : rn.scenarios.failed ? HIL_EXIT_FAIL : HIL_EXIT_OK;
    if (rn.junit && write_junit(&rn) < 0)
        rc = HIL_EXIT_FAIL;
    finish_logs(&rn);
    free_runner(&rn);
    suite_free(&suite);
    return rc;
}
