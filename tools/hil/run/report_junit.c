/* JUnit XML for CI: one testsuite, a testcase per scenario, a failure or
 * skipped element with the reason and the transcript's last lines. */
#include "report_writers.h"

#include <inttypes.h>

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '<') fputs("&lt;", f);
        else if (c == '>') fputs("&gt;", f);
        else if (c == '&') fputs("&amp;", f);
        else if (c == '"') fputs("&quot;", f);
        else if (c < 0x20 && c != '\n' && c != '\t') fprintf(f, "&#x%X;", 0xFFFD);   /* not allowed in XML 1.0 */
        else fputc(c, f);
    }
}

/* The run's seed, shard and repeats: a CI page shows how to replay it. */
static void properties(FILE *f, const struct report_run *run)
{
    fprintf(f, "    <properties>\n"
               "      <property name=\"seed\" value=\"%" PRIu64 "\"/>\n"
               "      <property name=\"shard\" value=\"%u/%u\"/>\n"
               "      <property name=\"repeat\" value=\"%u\"/>\n"
               "    </properties>\n", run->seed, run->shard, run->shards, run->runs);
}

FILE *report_junit_open(const char *path, const struct report_totals *t)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    /* a shard's own suite name: CI pages that merge the shards' files keep them apart */
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"sim7600-hil");
    if (t->run->shards > 1)
        fprintf(f, " shard %u/%u", t->run->shard, t->run->shards);
    fprintf(f, "\" tests=\"%zu\" failures=\"%u\" skipped=\"%u\" errors=\"0\" time=\"%.3f\">\n",
            t->tests, t->failures, t->skipped, t->seconds);
    properties(f, t->run);
    return f;
}

void report_junit_case(FILE *f, const struct report_row *row)
{
    const struct run_report *r = row->rep;
    fputs("    <testcase classname=\"", f);
    xml_text(f, row->sc->file);
    fputs("\" name=\"", f);
    xml_text(f, row->sc->name);
    if (row->runs > 1)
        fprintf(f, " [run %u/%u]", row->run + 1, row->runs);
    fprintf(f, "\" time=\"%.3f\">", row->seconds);
    if (r->verdict != RUN_PASS) {
        fputs(r->verdict == RUN_FAIL ? "\n      <failure message=\"" : "\n      <skipped message=\"", f);
        xml_text(f, sb_str(&r->why));
        fputs("\">", f);
        if (r->verdict == RUN_FAIL) {
            fprintf(f, "replay: sim7600-hil run --seed %" PRIu64 " ", row->seed);
            xml_text(f, row->sc->file);
            fputs("\n", f);
        }
        xml_text(f, sb_str(&r->tail));
        fputs(r->verdict == RUN_FAIL ? "</failure>\n    " : "</skipped>\n    ", f);
    }
    if (r->skipped.len) {
        fputs("\n      <system-out>skipped statements:\n", f);
        xml_text(f, sb_str(&r->skipped));
        fputs("</system-out>\n    ", f);
    }
    fputs("</testcase>\n", f);
}

int report_junit_close(FILE *f)
{
    fputs("  </testsuite>\n</testsuites>\n", f);
    return fclose(f) == 0 ? 0 : -1;
}
