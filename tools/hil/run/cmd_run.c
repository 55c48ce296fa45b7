/* sim7600-hil run: every scenario in a worker process of its own (with its own
 * simulator), up to -j at once, each stopped at its time limit; one line per
 * scenario in file order, a closing count, JUnit XML and TAP on request
 * (report_writers.h formats them). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cescape.h"
#include "hil.h"
#include "hil_clock.h"
#include "report_writers.h"
#include "run.h"
#include "scratch_dir.h"
#include "suite.h"

#define RUN_TAIL_SHOWN 12
#define KILL_GRACE_MS 1000    /* after its time limit a worker gets this long to be reaped */
#define TEARDOWN_MS 10000     /* after its report: stopping a simulator and a mosquitto takes seconds at worst */
#define RUN_WORK_PREFIX "sim7600-hil-"        /* a scenario's work directory under $TMPDIR */
#define RUN_LOGS_PREFIX "sim7600-hil-logs-"   /* the transcripts, without --keep-logs */

struct job {
    const struct scenario *sc;
    enum { JOB_WAITING, JOB_RUNNING, JOB_DONE } state;
    pid_t pid;
    int fd;                   /* the worker's report pipe */
    struct strbuf out;        /* what the worker wrote so far */
    uint64_t start_ms;
    uint64_t end_ms;          /* when its time ended: its report, or its stop */
    uint64_t deadline_ms;     /* its time limit; after its report, the bound on its tear-down */
    struct scratch_dir work;  /* locked by the runner: a killed runner's is reaped by the next */
    bool reported;            /* its verdict arrived; what follows is tear-down */
    bool timed_out;
    struct run_report rep;
};

struct runner {
    struct run_options o;
    int jobs;
    const char *junit, *log_dir;
    bool tap, verbose;
    char sim_bin[PATH_MAX];
    struct scratch_dir tmp_logs;  /* without --keep-logs: transcripts of failures only */
    struct mqtt_url watch;    /* --watch */
    struct job *v;
    size_t n, printed;
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

/* ---- the worker: runs one scenario, writes its report to the pipe ---------------- */

static void put_field(int fd, char tag, const struct strbuf *b)
{
    struct strbuf line = {0};
    sb_add(&line, &tag, 1);
    sb_puts(&line, " ");
    sb_c_escape(&line, sb_str(b), b->len);
    sb_puts(&line, "\n");
    (void)!write(fd, line.p, line.len);
    sb_free(&line);
}

static void on_progress(void *ctx, const char *where)
{
    struct strbuf b = {0};
    sb_puts(&b, where);
    put_field(*(int *)ctx, '@', &b);
    sb_free(&b);
}

static void on_report(void *ctx, const struct run_report *rep)
{
    int fd = *(int *)ctx;
    struct strbuf v = {0};
    sb_puts(&v, run_verdict_str(rep->verdict));
    put_field(fd, 'W', &rep->why);
    put_field(fd, 'S', &rep->skipped);
    put_field(fd, 'N', &rep->notes);
    put_field(fd, 'T', &rep->tail);
    put_field(fd, 'C', &rep->capture);
    put_field(fd, 'V', &v);   /* last: a report without it is incomplete */
    sb_free(&v);
}

static void worker(const struct runner *rn, struct job *j, int fd, pid_t parent)
{
    setpgid(0, 0);   /* the worker and its simulator: one group, stopped together */
    prctl(PR_SET_PDEATHSIG, SIGKILL);   /* a runner killed outright takes its workers along */
    if (getppid() != parent)
        _exit(1);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    struct run_options o = rn->o;
    o.work_dir = j->work.path;
    o.started_ms = j->start_ms;
    struct run_report rep;
    struct run_hooks hooks = {on_progress, on_report, &fd};
    run_scenario(j->sc, &o, &rep, &hooks);   /* reports, then tears down */
    run_report_free(&rep);
    _exit(0);
}

/* ---- the parent: reading reports --------------------------------------------------- */

static void take_field(struct job *j, char tag, const char *text, size_t n)
{
    struct strbuf *dst = tag == 'W' ? &j->rep.why : tag == 'S' ? &j->rep.skipped : tag == 'N' ? &j->rep.notes
                       : tag == 'T' ? &j->rep.tail : tag == 'C' ? &j->rep.capture : NULL;
    uint8_t *buf = malloc(n + 1);
    size_t bad;
    long len = buf ? c_unescape(text, n, buf, &bad) : -1;
    if (len >= 0 && dst) {
        sb_add(dst, buf, (size_t)len);
    } else if (len >= 0 && tag == 'V') {
        j->rep.verdict = strncmp((char *)buf, "pass", 4) == 0 ? RUN_PASS : strncmp((char *)buf, "skip", 4) == 0 ? RUN_SKIP
                                                                                                       : RUN_FAIL;
        j->state = JOB_DONE;
    }
    free(buf);
}

/* The last "@ where" line the worker sent: where a stopped scenario was. */
static void last_progress(const struct job *j, struct strbuf *where)
{
    const char *p = sb_str(&j->out), *at = NULL;
    for (const char *q = p; (q = strstr(q, "@ ")) != NULL; q++)
        if (q == p || q[-1] == '\n')
            at = q + 2;
    if (!at) {
        sb_puts(where, "setting up");
        return;
    }
    const char *nl = strchr(at, '\n');
    size_t n = nl ? (size_t)(nl - at) : strlen(at);
    uint8_t *buf = malloc(n + 1);
    size_t bad;
    long len = buf ? c_unescape(at, n, buf, &bad) : -1;
    if (len >= 0)
        sb_add(where, buf, (size_t)len);
    free(buf);
}

static void parse_report(struct job *j)
{
    const char *p = sb_str(&j->out);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n >= 2 && p[1] == ' ' && p[0] != '@')
            take_field(j, p[0], p + 2, n - 2);
        p += n + (nl ? 1 : 0);
    }
}

/* ---- the parent: scheduling -------------------------------------------------------- */

static int start_job(struct runner *rn, struct job *j)
{
    int pfd[2];
    /* 0711: a private mosquitto inside, run as root, drops to its own user */
    if (scratch_dir_make_owned(&j->work, RUN_WORK_PREFIX, 0711) < 0) {
        fprintf(stderr, "sim7600-hil run: cannot create a work directory in %s: %s; set TMPDIR to a writable "
                        "directory\n", scratch_dir_default_parent(), strerror(errno));
        return -1;
    }
    if (pipe2(pfd, O_CLOEXEC) < 0) {   /* the simulators must not hold it */
        fprintf(stderr, "sim7600-hil run: cannot set up a worker: %s\n", strerror(errno));
        scratch_dir_release(&j->work);
        return -1;
    }
    fflush(NULL);
    j->start_ms = hil_now_ms();
    j->deadline_ms = j->start_ms + j->sc->time_limit_ms;
    pid_t parent = getpid();
    j->pid = fork();
    if (j->pid < 0) {
        fprintf(stderr, "sim7600-hil run: cannot start a worker: %s\n", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        scratch_dir_release(&j->work);
        return -1;
    }
    if (j->pid == 0) {
        close(pfd[0]);
        worker(rn, j, pfd[1], parent);
    }
    setpgid(j->pid, j->pid);   /* also here: no race with the kill below */
    close(pfd[1]);
    j->fd = pfd[0];
    j->state = JOB_RUNNING;
    return 0;
}

/* A stopped worker reported nothing: its transcript file (flushed as it went)
 * still tells what happened last. */
static void capture_tail(const struct runner *rn, struct job *j)
{
    struct strbuf path = {0};
    run_capture_path(&rn->o, j->sc, &path);
    FILE *f = fopen(sb_str(&path), "r");
    char *lines[RUN_TAIL_SHOWN] = {0};
    size_t n = 0;
    char buf[512];
    while (f && fgets(buf, sizeof buf, f)) {
        free(lines[n % RUN_TAIL_SHOWN]);
        lines[n++ % RUN_TAIL_SHOWN] = strdup(buf);
    }
    for (size_t i = n > RUN_TAIL_SHOWN ? n - RUN_TAIL_SHOWN : 0; i < n; i++)
        sb_printf(&j->rep.tail, "    %s", lines[i % RUN_TAIL_SHOWN] ? lines[i % RUN_TAIL_SHOWN] : "\n");
    for (size_t i = 0; i < RUN_TAIL_SHOWN; i++)
        free(lines[i]);
    if (f) {
        fclose(f);
        sb_add(&j->rep.capture, path.p, path.len);
    }
    sb_free(&path);
}

/* The worker's pipe closed (it exited), or `stop`: its time is up. */
static void finish_job(const struct runner *rn, struct job *j, bool stop)
{
    close(j->fd);
    j->fd = -1;
    if (stop)
        kill(-j->pid, SIGKILL);
    int status = 0;
    uint64_t end = hil_now_ms() + KILL_GRACE_MS;
    while (waitpid(j->pid, &status, WNOHANG) == 0) {
        if (hil_now_ms() > end)
            kill(-j->pid, SIGKILL);
        poll(NULL, 0, 5);
    }
    kill(-j->pid, SIGKILL);   /* anything the worker left in its group */
    parse_report(j);
    if (j->state != JOB_DONE) {
        struct strbuf where = {0};
        last_progress(j, &where);
        j->rep.verdict = RUN_FAIL;
        sb_reset(&j->rep.why);
        if (j->timed_out)
            sb_printf(&j->rep.why, "stopped at its time limit of %.0fs during %s", j->sc->time_limit_ms / 1000.0,
                      sb_str(&where));
        else
            sb_printf(&j->rep.why, "the worker died (%s) during %s",
                      WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exit without a report", sb_str(&where));
        sb_free(&where);
        capture_tail(rn, j);
        j->state = JOB_DONE;
    }
    scratch_dir_release(&j->work);   /* with what a stopped worker left there */
    if (!j->reported)
        j->end_ms = hil_now_ms();
}

/* The verdict line is the report's last: once it is in, the scenario's time
 * is over and the worker is tearing down. */
static bool report_arrived(const struct job *j)
{
    const char *p = sb_str(&j->out);
    size_t n = j->out.len;
    if (n < 2 || p[n - 1] != '\n')
        return false;
    size_t start = n - 1;
    while (start > 0 && p[start - 1] != '\n')
        start--;
    return strncmp(p + start, "V ", 2) == 0;
}

/* Reads what the worker wrote; -1 once its pipe is closed (it exited). */
static int read_job(struct job *j)
{
    char buf[4096];
    ssize_t n = read(j->fd, buf, sizeof buf);
    if (n > 0) {
        sb_add(&j->out, buf, (size_t)n);
        if (!j->reported && report_arrived(j)) {
            j->reported = true;
            j->end_ms = hil_now_ms();
            j->deadline_ms = j->end_ms + TEARDOWN_MS;
        }
        return 0;
    }
    return n == 0 || (errno != EINTR && errno != EAGAIN) ? -1 : 0;
}

/* Whatever the worker wrote before its deadline counts: read it all first. */
static int drain_job(struct job *j)
{
    struct pollfd p = {j->fd, POLLIN, 0};
    while (poll(&p, 1, 0) > 0)
        if (read_job(j) < 0)
            return -1;
    return 0;
}

/* ---- output ------------------------------------------------------------------------ */

static struct report_row job_row(const struct job *j)
{
    return (struct report_row){j->sc, &j->rep, (double)(j->end_ms - j->start_ms) / 1000};
}

static void print_line(const struct runner *rn, size_t i)
{
    struct report_row row = job_row(&rn->v[i]);
    if (rn->tap)
        report_tap_line(stdout, i + 1, &row);
    else
        report_line(stdout, &row, rn->verbose || rn->o.port, rn->verbose);
}

/* Lines come out in file order, as soon as every earlier scenario is done. */
static void print_done(struct runner *rn)
{
    while (rn->printed < rn->n && rn->v[rn->printed].state == JOB_DONE) {
        const struct job *j = &rn->v[rn->printed];
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
        struct report_row row = job_row(&rn->v[i]);
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

static void stop_all(const struct runner *rn)
{
    for (size_t i = 0; i < rn->n; i++) {
        struct job *j = &rn->v[i];
        if (j->state != JOB_RUNNING)
            continue;
        finish_job(rn, j, true);   /* not reported: the closing line counts what was done */
    }
}

static void run_all(struct runner *rn)
{
    size_t next = 0, running = 0;
    while (rn->printed < rn->n && !interrupted) {
        while (running < (size_t)rn->jobs && next < rn->n) {
            if (start_job(rn, &rn->v[next]) == 0) {
                running++;
            } else {
                rn->v[next].state = JOB_DONE;
                rn->v[next].rep.verdict = RUN_FAIL;
                sb_puts(&rn->v[next].rep.why, "could not start a worker process");
            }
            next++;
        }
        struct pollfd fds[256];
        size_t idx[256], nf = 0;
        uint64_t now = hil_now_ms(), wake = now + 1000;
        for (size_t i = 0; i < rn->n && nf < 256; i++) {
            struct job *j = &rn->v[i];
            if (j->state != JOB_RUNNING)
                continue;
            if (now >= j->deadline_ms) {
                bool exited = drain_job(j) < 0;
                j->timed_out = !j->reported;
                finish_job(rn, j, !exited);
                running--;
                continue;
            }
            if (j->deadline_ms < wake)
                wake = j->deadline_ms;
            fds[nf] = (struct pollfd){j->fd, POLLIN, 0};
            idx[nf++] = i;
        }
        if (nf && poll(fds, nf, (int)(wake - now)) > 0) {
            for (size_t k = 0; k < nf; k++) {
                struct job *j = &rn->v[idx[k]];
                if (fds[k].revents && read_job(j) < 0) {
                    finish_job(rn, j, false);
                    running--;
                }
            }
        }
        print_done(rn);
    }
    if (interrupted)
        stop_all(rn);
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
    if (errors || suite.nomem || suite.n_ok != suite.n_files || suite.n_files == 0) {
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
    rn.n = suite.n_ok;
    rn.v = calloc(rn.n, sizeof *rn.v);
    for (size_t i = 0; rn.v && i < rn.n; i++)
        rn.v[i] = (struct job){.sc = suite.ok[i], .fd = -1, .work.lock_fd = -1};
    rn.start_ms = hil_now_ms();
    if (rn.tap)
        report_tap_plan(stdout, rn.n);
    if (rn.v)
        run_all(&rn);
    double total = (double)(hil_now_ms() - rn.start_ms) / 1000;
    if (interrupted)
        printf("%sinterrupted (%s): %zu of %zu scenarios done, the rest stopped\n", rn.tap ? "# " : "",
               strsignal(interrupted), rn.printed, rn.n);
    printf("%s%u passed, %u failed, %u skipped (%.1fs)\n", rn.tap ? "# " : "", rn.passed, rn.failed, rn.skipped,
           total);
    int rc = interrupted ? 128 + interrupted : rn.failed || !rn.v ? HIL_EXIT_FAIL : HIL_EXIT_OK;
    if (rn.junit && write_junit(&rn) < 0)
        rc = HIL_EXIT_FAIL;
    finish_logs(&rn);
    for (size_t i = 0; rn.v && i < rn.n; i++) {
        run_report_free(&rn.v[i].rep);
        sb_free(&rn.v[i].out);
    }
    free(rn.v);
    suite_free(&suite);
    return rc;
}
