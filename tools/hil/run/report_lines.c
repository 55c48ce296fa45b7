/* The line per scenario that sim7600-hil run prints, plain or TAP. */
#include "report_writers.h"

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

void report_line(FILE *out, const struct report_row *row, bool show_skipped, bool show_notes)
{
    const struct run_report *r = row->rep;
    fprintf(out, "%-4s  %-40s %6.2fs  %s\n", run_verdict_str(r->verdict), row->sc->name, row->seconds,
            r->verdict == RUN_SKIP ? sb_str(&r->why) : "");
    if (r->verdict == RUN_FAIL) {
        fprintf(out, "      %s: ", row->sc->file);
        indent(out, sb_str(&r->why), "");
        if (r->tail.len) {
            fprintf(out, "      last lines of the transcript:\n");
            indent(out, sb_str(&r->tail), "  ");
        }
        if (r->capture.len)
            fprintf(out, "      transcript: %s\n", sb_str(&r->capture));
    }
    if (r->skipped.len && show_skipped)
        indent(out, sb_str(&r->skipped), "      skipped ");
    if (r->notes.len && show_notes)
        indent(out, sb_str(&r->notes), "      ");
}

void report_tap_plan(FILE *out, size_t n)
{
    fprintf(out, "TAP version 13\n1..%zu\n", n);
}

void report_tap_line(FILE *out, size_t number, const struct report_row *row)
{
    const struct run_report *r = row->rep;
    fprintf(out, "%s %zu - %s%s%s\n", r->verdict == RUN_FAIL ? "not ok" : "ok", number, row->sc->name,
            r->verdict == RUN_SKIP ? " # SKIP " : "", r->verdict == RUN_SKIP ? sb_str(&r->why) : "");
    if (r->verdict == RUN_FAIL) {
        fprintf(out, "  ---\n  message: ");
        indent(out, sb_str(&r->why), "");
        fprintf(out, "  file: %s\n  seconds: %.2f\n", row->sc->file, row->seconds);
        if (r->tail.len) {
            fprintf(out, "  transcript: |\n");
            indent(out, sb_str(&r->tail), "  ");
        }
        fprintf(out, "  ...\n");
    }
    if (r->skipped.len)
        indent(out, sb_str(&r->skipped), "# skipped ");
}
