/* JUnit XML for CI: one testsuite, a testcase per scenario, a failure or
 * skipped element with the reason and the transcript's last lines. */
#include "report_writers.h"

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

FILE *report_junit_open(const char *path, const struct report_totals *t)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
               "  <testsuite name=\"sim7600-hil\" tests=\"%zu\" failures=\"%u\" skipped=\"%u\" errors=\"0\" time=\"%.3f\">\n",
            t->tests, t->failures, t->skipped, t->seconds);
    return f;
}

void report_junit_case(FILE *f, const struct report_row *row)
{
    const struct run_report *r = row->rep;
    fputs("    <testcase classname=\"", f);
    xml_text(f, row->sc->file);
    fputs("\" name=\"", f);
    xml_text(f, row->sc->name);
    fprintf(f, "\" time=\"%.3f\">", row->seconds);
    if (r->verdict != RUN_PASS) {
        fputs(r->verdict == RUN_FAIL ? "\n      <failure message=\"" : "\n      <skipped message=\"", f);
        xml_text(f, sb_str(&r->why));
        fputs("\">", f);
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
