/* How sim7600-hil run shows its results: a line per scenario as each is done
 * (plain, or TAP with --tap), and JUnit XML at the end (--junit). Writers
 * only: they format what the runner measured and decide nothing. */
#ifndef HIL_REPORT_WRITERS_H
#define HIL_REPORT_WRITERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "run.h"

/* What the whole run was: in every report, so that a failure can be replayed. */
struct report_run {
    uint64_t seed;                /* the run's seed; repeat r ran with seed + r */
    unsigned runs;                /* each scenario's repeats (--repeat; 1: once) */
    unsigned shard, shards;       /* this is shard `shard` of `shards` (1 of 1: no --shard) */
    size_t scenarios, suite;      /* the scenarios this shard holds, and the whole suite's */
};

/* The run's first line: what runs, how often, and its seed ("# " before it with tap). */
void report_run_header(FILE *out, const struct report_run *run, bool tap);

/* One run of one scenario as the reports show it. */
struct report_row {
    const struct scenario *sc;
    const struct run_report *rep;
    double seconds;               /* the scenario's own time, without its tear-down */
    unsigned run, runs;           /* repeat `run` (from 0) of `runs` */
    uint64_t seed;                /* the run seed of this repeat: --seed replays it */
};

/* The plain line; on failure also why, the transcript's last lines, its path
 * and how to replay it. Skipped statements are listed with show_skipped,
 * notes with show_notes. */
void report_line(FILE *out, const struct report_row *r, bool show_skipped, bool show_notes);
/* With --repeat: one line for the n runs of a scenario (rows[0..n)) with its
 * pass rate ("pass 9/10": FAIL if any run failed), then each failed run as
 * report_line tells a failure, with its seed. */
void report_repeat_line(FILE *out, const struct report_row *rows, size_t n, bool show_skipped, bool show_notes);

/* TAP version 13: the plan, then one test point per scenario, numbered from 1.
 * Skipped statements are always listed: a pass that checked less than the
 * file says must show it. */
void report_tap_plan(FILE *out, size_t n);
void report_tap_line(FILE *out, size_t number, const struct report_row *r);
/* With --repeat, after a scenario's test points: "# NAME: pass 9/10". */
void report_tap_rate(FILE *out, const struct report_row *rows, size_t n);

/* JUnit XML: the suite's totals and the run's seed, shard and repeats as
 * properties, then one testcase per run of a scenario (named "NAME [run 2/10]"
 * with --repeat). */
struct report_totals {
    size_t tests;
    unsigned failures, skipped;
    double seconds;
    const struct report_run *run;
};
/* Opens path and writes the header; NULL (errno set) when it cannot. */
FILE *report_junit_open(const char *path, const struct report_totals *t);
void report_junit_case(FILE *f, const struct report_row *r);
/* Closes the document and the file: 0, or -1 when it was not all written. */
int report_junit_close(FILE *f);

#endif
