/* The line per scenario that sim7600-hil run prints, plain or TAP. */
#include "report_writers.h"

#include <inttypes.h>
#include <string.h>

/* Each line of text on a line of its own, after prefix. */
static void indent(FILE *out, const char *text, const char *prefix)
{
    while (*text) {
        const char *nl = strchr(text, '\n');
        int n = nl ? (int)(nl - text) : (int)strlen(text);
        fprintf(out, "%s%.*s\n", prefix, n, text);
        text += n + (nl ? 1 : 0);
    }
}

void report_run_header(FILE *out, const struct report_run *run, bool tap)
{
    fprintf(out, "%ssim7600-hil run: ", tap ? "# " : "");
    if (run->shards > 1)
        fprintf(out, "shard %u/%u: %zu of %zu scenarios", run->shard, run->shards, run->scenarios, run->suite);
    else
        fprintf(out, "%zu scenario%s", run->scenarios, run->scenarios == 1 ? "" : "s");
    if (run->runs > 1)
        fprintf(out, ", %u runs each, seeds %" PRIu64 "-%" PRIu64 "\n", run->runs, run->seed,
                run->seed + run->runs - 1);
    else
        fprintf(out, ", seed %" PRIu64 "\n", run->seed);
}

/* A failure: why, the transcript's last lines and path, and how to run it again. */
static void failure_details(FILE *out, const struct report_row *row)
{
    const struct run_report *r = row->rep;
    if (row->runs > 1)
        fprintf(out, "      run %u/%u, seed %" PRIu64 ": ", row->run + 1, row->runs, row->seed);
    else
        fputs("      ", out);
    fprintf(out, "%s: ", row->sc->file);
    indent(out, sb_str(&r->why), "");
    if (r->tail.len) {
        fprintf(out, "      last lines of the transcript:\n");
        indent(out, sb_str(&r->tail), "  ");
    }
    if (r->capture.len)
        fprintf(out, "      transcript: %s\n", sb_str(&r->capture));
    fprintf(out, "      replay: sim7600-hil run --seed %" PRIu64 " %s\n", row->seed, row->sc->file);
}

static void skipped_and_notes(FILE *out, const struct run_report *r, bool show_skipped, bool show_notes)
{
    if (r->skipped.len && show_skipped)
        indent(out, sb_str(&r->skipped), "      skipped ");
    if (r->notes.len && show_notes)
        indent(out, sb_str(&r->notes), "      ");
}

void report_line(FILE *out, const struct report_row *row, bool show_skipped, bool show_notes)
{
    const struct run_report *r = row->rep;
    fprintf(out, "%-4s  %-40s %6.2fs  %s\n", run_verdict_str(r->verdict), row->sc->name, row->seconds,
            r->verdict == RUN_SKIP ? sb_str(&r->why) : "");
    if (r->verdict == RUN_FAIL)
        failure_details(out, row);
    skipped_and_notes(out, r, show_skipped, show_notes);
}

/* How a scenario's runs went, together: FAIL if any failed, skip if all were skipped. */
struct run_tally {
    unsigned passed, failed;
    double seconds;           /* the mean of the runs' times */
    enum run_verdict verdict;
};

static struct run_tally tally(const struct report_row *rows, size_t n)
{
    struct run_tally t = {0};
    for (size_t i = 0; i < n; i++) {
        t.passed += rows[i].rep->verdict == RUN_PASS;
        t.failed += rows[i].rep->verdict == RUN_FAIL;
        t.seconds += rows[i].seconds / (double)n;
    }
    t.verdict = t.failed ? RUN_FAIL : t.passed ? RUN_PASS : RUN_SKIP;
    return t;
}

void report_repeat_line(FILE *out, const struct report_row *rows, size_t n, bool show_skipped, bool show_notes)
{
    struct run_tally t = tally(rows, n);
    fprintf(out, "%-4s  %-40s %6.2fs  pass %u/%zu", run_verdict_str(t.verdict), rows[0].sc->name, t.seconds,
            t.passed, n);
    if (t.verdict == RUN_SKIP)
        fprintf(out, "  %s", sb_str(&rows[0].rep->why));
    fputc('\n', out);
    for (size_t i = 0; i < n; i++)
        if (rows[i].rep->verdict == RUN_FAIL)
            failure_details(out, &rows[i]);
    skipped_and_notes(out, rows[0].rep, show_skipped, show_notes);
}

void report_tap_plan(FILE *out, size_t n)
{
    fprintf(out, "TAP version 13\n1..%zu\n", n);
}

void report_tap_line(FILE *out, size_t number, const struct report_row *row)
{
    const struct run_report *r = row->rep;
    fprintf(out, "%s %zu - %s", r->verdict == RUN_FAIL ? "not ok" : "ok", number, row->sc->name);
    if (row->runs > 1)
        fprintf(out, " (run %u/%u)", row->run + 1, row->runs);
    fprintf(out, "%s%s\n", r->verdict == RUN_SKIP ? " # SKIP " : "", r->verdict == RUN_SKIP ? sb_str(&r->why) : "");
    if (r->verdict == RUN_FAIL) {
        fprintf(out, "  ---\n  message: ");
        indent(out, sb_str(&r->why), "");
        fprintf(out, "  file: %s\n  seconds: %.2f\n  seed: %" PRIu64 "\n", row->sc->file, row->seconds, row->seed);
        if (r->tail.len) {
            fprintf(out, "  transcript: |\n");
            indent(out, sb_str(&r->tail), "  ");
        }
        fprintf(out, "  ...\n");
    }
    if (r->skipped.len)
        indent(out, sb_str(&r->skipped), "# skipped ");
}

void report_tap_rate(FILE *out, const struct report_row *rows, size_t n)
{
    struct run_tally t = tally(rows, n);
    fprintf(out, "# %s: pass %u/%zu\n", rows[0].sc->name, t.passed, n);
}
