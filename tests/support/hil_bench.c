/* Test support: a scenario skipped on the bench (hil_bench.h). */
#include "hil_bench.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sim_host.h"
#include "test_dir.h"

#define RUN_BOUND_MS 30000
#define OUT_CAP 65536
#define SKIP_LINE_MAX 256

void hil_assert_skipped_on_bench(const char *text, const char *name, const char *why)
{
    static char out[OUT_CAP];
    struct sim_process sim;
    char skipped[SKIP_LINE_MAX];
    host_start_bench(&sim, NULL);
    int st = hil_tool(out, sizeof out, RUN_BOUND_MS, "run", "--target", sim.pty_path,
                      test_dir_file("bench.scn", text), NULL);
    simproc_stop(&sim);
    snprintf(skipped, sizeof skipped, "skip  %s", name);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, skipped), "expected \"%s\" in:\n%s", skipped, out);
    cr_assert(strstr(out, why), "expected \"%s\" in:\n%s", why, out);
}
