/* How sim7600-hil run shows its results: a line per scenario as each is done
 * (plain, or TAP with --tap), and JUnit XML at the end (--junit). Writers
 * only: they format what the runner measured and decide nothing. */
#ifndef HIL_REPORT_WRITERS_H
#define HIL_REPORT_WRITERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "run.h"

/* One scenario's result as the reports show it. */
struct report_row {
    const struct scenario *sc;
    const struct run_report *rep;
    double seconds;               /* the scenario's own time, without its tear-down */
};

/* The plain line; on failure also why, the transcript's last lines and its
 * path. Skipped statements are listed with show_skipped, notes with show_notes. */
void report_line(FILE *out, const struct report_row *r, bool show_skipped, bool show_notes);

/* TAP version 13: the plan, then one test point per scenario, numbered from 1.
 * Skipped statements are always listed: a pass that checked less than the
 * file says must show it. */
void report_tap_plan(FILE *out, size_t n);
void report_tap_line(FILE *out, size_t number, const struct report_row *r);

/* JUnit XML: the suite's totals, then one testcase per scenario. */
struct report_totals {
    size_t tests;
    unsigned failures, skipped;
    double seconds;
};
/* Opens path and writes the header; NULL (errno set) when it cannot. */
FILE *report_junit_open(const char *path, const struct report_totals *t);
void report_junit_case(FILE *f, const struct report_row *r);
/* Closes the document and the file: 0, or -1 when it was not all written. */
int report_junit_close(FILE *f);

#endif
