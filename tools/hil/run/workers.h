/* The runner's worker processes: each scenario runs in a process of its own
 * (run_scenario, with its own simulator, in a process group of its own), at
 * most `max` at once, each stopped at its time limit. A worker tells its
 * report over a pipe, a C-escaped field a line and the verdict last; one that
 * was stopped, or died, is reported failed with the step it was at and the
 * last lines of its transcript file. */
#ifndef HIL_WORKERS_H
#define HIL_WORKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "run.h"
#include "scratch_dir.h"
#include "strbuf.h"

#define RUN_WORK_PREFIX "sim7600-hil-"   /* a scenario's work directory under $TMPDIR */

struct job {
    struct scenario *sc;      /* the worker seeds its own copy (seeds.h) */
    unsigned run;             /* which repeat of the scenario, from 0 */
    uint64_t seed;            /* this repeat's run seed (seed_of_repeat) */
    const char *log_dir;      /* its transcript's directory */
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
    struct run_report rep;    /* final once state is JOB_DONE */
};

struct workers {
    const struct run_options *o;  /* each worker's, with its own work_dir, start time and log_dir */
    int max;                      /* workers at once */
    struct job *v;                /* each scenario's runs in a row, the scenarios in file order */
    size_t n;
    size_t next, running;         /* the next job to start; how many run */
};

/* How often each scenario runs, and from which seed. */
struct workers_plan {
    unsigned runs;                /* repeats of each scenario (1: once) */
    uint64_t seed;                /* the run's seed; repeat r runs with seed_of_repeat(seed, r) */
    const char *const *log_dirs;  /* repeat r's transcripts go to log_dirs[r]; NULL: o->log_dir */
};

/* plan->runs waiting jobs for each of the n scenarios (job i * runs + r is
 * scenario i's repeat r). o and plan->log_dirs are kept: they must outlive w. */
void workers_init(struct workers *w, struct scenario *const *sc, size_t n, const struct run_options *o, int max,
                  const struct workers_plan *plan);
void workers_free(struct workers *w);

/* One round: starts waiting jobs up to max, waits up to a second for
 * reports, and finishes the jobs whose workers exited or whose time is up
 * (their state becomes JOB_DONE). Returns early on a signal. */
void workers_round(struct workers *w);

/* Stops every running job now (an interruption); they are reported failed. */
void workers_stop(struct workers *w);

#endif
