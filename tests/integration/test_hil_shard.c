/* sim7600-hil run scaled out as CI runs it: --shard splits the bundled suite
 * into disjoint shards whose union is the suite, --repeat reports each
 * scenario's pass rate, and --seed fixes every random choice, so a run (and
 * each repeat) can be replayed from the seed its report prints. Real
 * processes, real simulators on real ptys. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "program.h"
#include "test_dir.h"

#define RUN_BOUND_MS 60000
#define OUT_CAP 65536
#define MAX_SHARDS_TRIED 5
#define MAX_NAMES 256
#define REPEATS 10
#define SUITE SIM7600_SOURCE_DIR "/scenarios"

static char out[OUT_CAP];

static void make_dir(void) { test_dir_make("hil-shard-"); }
#define hil_run(...) hil_tool(out, sizeof out, RUN_BOUND_MS, "run", __VA_ARGS__)


TestSuite(hil_shard, .init = make_dir, .fini = test_dir_remove, .timeout = 120);

/* ---- --shard ------------------------------------------------------------------------- */

/* The names `--list` printed (NAME<tab>FILE a line), appended to names[]. */
static size_t take_names(char names[][128], size_t n)
{
    for (char *line = strtok(out, "\n"); line && n < MAX_NAMES; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        cr_assert_not_null(tab, "not NAME<tab>FILE: %s", line);
        snprintf(names[n++], 128, "%.*s", (int)(tab - line), line);
    }
    return n;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

Test(hil_shard, shards_of_the_bundled_suite_are_disjoint_balanced_and_together_the_suite)
{
    static char suite[MAX_NAMES][128], dealt[MAX_NAMES][128];
    cr_assert_eq(hil_run("--list", SUITE, NULL), 0, "%s", out);
    size_t total = take_names(suite, 0);
    cr_assert_gt(total, 30, "the bundled suite has its scenarios:\n%s", out);
    qsort(suite, total, sizeof suite[0], by_name);
    for (unsigned n = 1; n <= MAX_SHARDS_TRIED; n++) {
        size_t got = 0;
        for (unsigned k = 1; k <= n; k++) {
            char shard[16];
            snprintf(shard, sizeof shard, "%u/%u", k, n);
            cr_assert_eq(hil_run("--list", "--shard", shard, SUITE, NULL), 0, "%s", out);
            size_t before = got;
            got = take_names(dealt, got);
            size_t size = got - before, fair = total / n;
            cr_assert(size == fair || size == fair + 1, "shard %s holds %zu of %zu", shard, size, total);
        }
        /* every scenario exactly once: the same sorted list as the whole suite's */
        cr_assert_eq(got, total, "%u shards hold %zu scenarios, the suite %zu", n, got, total);
        qsort(dealt, got, sizeof dealt[0], by_name);
        for (size_t i = 0; i < total; i++)
            cr_assert_str_eq(dealt[i], suite[i], "%u shards: %s where the suite has %s", n, dealt[i], suite[i]);
    }
}

static const char *quick(const char *name)
{
    static char text[4][160];
    static int next;
    char *t = text[next++ % 4];
    snprintf(t, 160, "scenario \"%s\"\ntargets sim\nprofile warm\nsend \"AT\"\nexpect \"OK\" within=2s\n", name);
    return t;
}

static size_t count_of(const char *haystack, const char *needle)
{
    size_t n = 0;
    for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

Test(hil_shard, each_shard_runs_its_share_and_writes_its_own_junit_file)
{
    const char *names[] = {"alpha", "bravo", "charlie", "delta"};
    for (size_t i = 0; i < 4; i++) {
        char f[32];
        snprintf(f, sizeof f, "%s.scn", names[i]);
        test_dir_file(f, quick(names[i]));
    }
    char *junit[2];
    for (int k = 1; k <= 2; k++) {
        char shard[16], xml[32];
        snprintf(shard, sizeof shard, "%d/2", k);
        snprintf(xml, sizeof xml, "shard-%d.xml", k);
        cr_assert_eq(hil_run("--shard", shard, "--junit", test_dir_path(xml), "--seed", "5", test_dir, NULL), 0, "%s", out);
        char header[64];
        snprintf(header, sizeof header, "sim7600-hil run: shard %d/2: 2 of 4 scenarios, seed 5", k);
        cr_assert(strstr(out, header), "%s", out);
        cr_assert(strstr(out, "2 passed, 0 failed, 0 skipped"), "%s", out);
        junit[k - 1] = strdup(test_read_text(test_dir_path(xml)));
        char suite_name[64];
        snprintf(suite_name, sizeof suite_name, "<testsuite name=\"sim7600-hil shard %d/2\" tests=\"2\"", k);
        cr_assert(strstr(junit[k - 1], suite_name), "%s", junit[k - 1]);
        cr_assert(strstr(junit[k - 1], "<property name=\"seed\" value=\"5\"/>"), "%s", junit[k - 1]);
    }
    for (size_t i = 0; i < 4; i++) {   /* each scenario in exactly one shard's file */
        char testcase[64];
        snprintf(testcase, sizeof testcase, "name=\"%s\"", names[i]);
        cr_assert_eq(count_of(junit[0], testcase) + count_of(junit[1], testcase), 1, "%s:\n%s\n%s", names[i],
                     junit[0], junit[1]);
    }
    free(junit[0]);
    free(junit[1]);
}

Test(hil_shard, bad_shard_repeat_and_seed_values_are_refused_saying_what_is_expected)
{
    static const struct {
        const char *option, *value, *says;
    } bad[] = {
        {"--shard", "0/4", "--shard '0/4': K must be 1 to 4 (shards are numbered from 1)"},
        {"--shard", "5/4", "--shard '5/4': K must be 1 to 4"},
        {"--shard", "1/0", "--shard '1/0': N must be 1 to 1000 shards"},
        {"--shard", "1/1001", "N must be 1 to 1000 shards"},
        {"--shard", "3", "--shard '3' is not K/N (shard K of N, e.g. --shard 2/4"},
        {"--shard", "a/b", "--shard 'a/b' is not K/N"},
        {"--shard", "2/", "--shard '2/' is not K/N"},
        {"--shard", "/4", "--shard '/4' is not K/N"},
        {"--shard", "1/3x", "--shard '1/3x' is not K/N"},
        {"--repeat", "0", "--repeat '0' must be a number of runs per scenario, 1-1000"},
        {"--repeat", "ten", "--repeat 'ten' must be a number of runs per scenario"},
        {"--seed", "-1", "--seed '-1' must be a whole number, 0-18446744073709551615"},
        {"--seed", "18446744073709551616", "must be a whole number"},
    };
    const char *ok = test_dir_file("ok.scn", quick("ok"));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int st = hil_run(bad[i].option, bad[i].value, ok, NULL);
        cr_assert_eq(st, 2, "%s %s: exit %d\n%s", bad[i].option, bad[i].value, st, out);
        cr_assert(strstr(out, bad[i].says), "%s %s:\n%s", bad[i].option, bad[i].value, out);
        cr_assert_null(strstr(out, "passed"), "nothing runs after a usage error:\n%s", out);
    }
}

/* ---- --repeat and --seed ------------------------------------------------------------- */

/* Passes or fails by the garbled byte before the K of "OK": whether it is
 * printable. Each seed decides it, the same way every time. */
static const char *const coin =
    "scenario \"coin\"\ntargets sim\ntime-limit 10s\nprofile warm\n"
    "on-send \"AT\" nth=2 garble 3\n"
    "send \"ATE0\"\nexpect \"OK\" within=1s\n"
    "send \"AT\"\nexpect /[[:print:]]K$/ within=300ms\n";

/* The seeds of the failed runs ("run K/N, seed S:"), into seeds[]; returns how many. */
static size_t failed_seeds(uint64_t *seeds, size_t max)
{
    size_t n = 0;
    for (const char *p = out; n < max && (p = strstr(p, ", seed ")) != NULL; p++)
        if (sscanf(p, ", seed %" SCNu64 ":", &seeds[n]) == 1 && strchr(p, ':') < strchr(p, '\n'))
            n++;
    return n;
}

static bool holds(const uint64_t *v, size_t n, uint64_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

Test(hil_shard, repeat_reports_the_pass_rate_and_each_failed_run_replays_from_its_seed)
{
    const char *c = test_dir_file("coin.scn", coin), *ok = test_dir_file("ok.scn", quick("steady"));
    char repeats[8];
    snprintf(repeats, sizeof repeats, "%d", REPEATS);
    int st = hil_run("--seed", "100", "--repeat", repeats, "--junit", test_dir_path("r.xml"), c, ok, NULL);
    cr_assert_eq(st, 1, "a failed run fails the scenario and the run:\n%s", out);
    cr_assert(strstr(out, "sim7600-hil run: 2 scenarios, 10 runs each, seeds 100-109"), "%s", out);
    cr_assert(strstr(out, "pass 10/10"), "the steady scenario passes every run:\n%s", out);
    const char *line = strstr(out, "FAIL  coin");
    cr_assert_not_null(line, "%s", out);
    unsigned passed;
    cr_assert_eq(sscanf(strstr(line, "pass "), "pass %u/10", &passed), 1, "%s", out);
    cr_assert(passed > 0 && passed < REPEATS, "seed 100 gives coin a mix of runs:\n%s", out);
    uint64_t seeds[REPEATS];
    size_t n_failed = failed_seeds(seeds, REPEATS);
    cr_assert_eq(n_failed, REPEATS - passed, "each failed run is listed with its seed:\n%s", out);
    char totals[96];
    snprintf(totals, sizeof totals, "1 passed, 1 failed, 0 skipped");
    cr_assert(strstr(out, totals), "%s", out);
    snprintf(totals, sizeof totals, "runs: %u passed, %zu failed, 0 skipped; seed 100", passed + REPEATS, n_failed);
    cr_assert(strstr(out, totals), "%s", out);
    char *xml = strdup(test_read_text(test_dir_path("r.xml")));
    cr_assert_eq(count_of(xml, "name=\"coin [run "), REPEATS, "%s", xml);
    cr_assert(strstr(xml, "name=\"coin [run 10/10]\""), "%s", xml);
    cr_assert_eq(count_of(xml, "<failure "), n_failed, "%s", xml);
    free(xml);

    /* the same run again: the same runs fail */
    cr_assert_eq(hil_run("--seed", "100", "--repeat", repeats, c, NULL), 1, "%s", out);
    uint64_t again[REPEATS];
    cr_assert_eq(failed_seeds(again, REPEATS), n_failed, "%s", out);
    for (size_t i = 0; i < n_failed; i++)
        cr_assert(holds(seeds, n_failed, again[i]), "seed %" PRIu64 " failed only the second time", again[i]);

    /* each repeat alone, from its seed: the failed ones fail, the others pass */
    for (uint64_t s = 100; s < 100 + REPEATS; s++) {
        char seed[24];
        snprintf(seed, sizeof seed, "%" PRIu64, s);
        int alone = hil_run("--seed", seed, c, NULL);
        cr_assert_eq(alone, holds(seeds, n_failed, s) ? 1 : 0, "seed %s alone: exit %d\n%s", seed, alone, out);
    }
}

Test(hil_shard, tap_shows_one_test_point_per_run_and_the_pass_rate)
{
    const char *c = test_dir_file("coin.scn", coin);
    hil_run("--tap", "--seed", "100", "--repeat", "3", c, NULL);
    cr_assert(strncmp(out, "TAP version 13\n1..3\n# sim7600-hil run: 1 scenario, 3 runs each, seeds 100-102\n",
                      strlen("TAP version 13\n1..3\n")) == 0, "%s", out);
    cr_assert(strstr(out, " 3 - coin (run 3/3)"), "%s", out);
    cr_assert(strstr(out, "# coin: pass "), "%s", out);
}

/* Appends the capture format's escaped bytes as the transcript's lines: cut
 * at \r or \n, blank ones dropped, each line ending in "|". */
static void add_lines(char *to, const char *escaped, bool *in_line)
{
    size_t n = strlen(to);
    for (const char *p = escaped; *p; p++) {
        bool cut = p[0] == '\\' && (p[1] == 'r' || p[1] == 'n');
        if (cut) {
            if (*in_line)
                to[n++] = '|';
            *in_line = false;
            p++;
            continue;
        }
        size_t len = p[0] == '\\' ? (p[1] == 'x' ? 4 : 2) : 1;   /* \xHH, \\ or a byte */
        memcpy(to + n, p, len);
        n += len;
        p += len - 1;
        *in_line = true;
    }
    to[n] = '\0';
}

/* A transcript as its lines each way, in order: its time column, and how the
 * pty happened to cut the bytes into reads, left out (both vary run to run). */
static void transcript_lines(const char *cap, char **host, char **module)
{
    char *text = strdup(test_read_text(cap));
    size_t room = 2 * strlen(text) + 1;
    *host = calloc(1, room);
    *module = calloc(1, room);
    bool in_host = false, in_module = false;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *sp = strchr(line, ' ');
        if (line[0] == '#' || !sp || !sp[1] || !sp[2])
            continue;
        if (sp[1] == '>')
            add_lines(*host, sp + 3, &in_host);
        else
            add_lines(*module, sp + 3, &in_module);
    }
    free(text);
}

/* A warm module (no boot lines, whose first bytes a pty may lose) whose
 * answer to AT+CSQ is garbled from the seed. */
static const char *const garbled =
    "scenario \"garbled\"\ntargets sim\nprofile warm\n"
    "on-send \"AT+CSQ\" garble 12\n"
    "send \"AT+CSQ\"\nexpect \"OK\" within=2s\nsend \"AT\"\nexpect \"OK\" within=2s\n";

/* Runs `garbled` (and `also`, if any) with --seed (NULL: none); its transcript's lines. */
static void garbled_run(const char *seed, const char *also, char **host, char **module)
{
    static int runs;
    char logs[32];
    snprintf(logs, sizeof logs, "logs-%d", runs++);
    const char *g = test_dir_path("garbled.scn");
    int st = seed ? hil_run("--seed", seed, "--keep-logs", test_dir_path(logs), g, also, NULL)
                  : hil_run("--keep-logs", test_dir_path(logs), g, also, NULL);
    cr_assert_eq(st, 0, "%s", out);
    char cap[160];
    snprintf(cap, sizeof cap, "%s/garbled.cap", test_dir_path(logs));
    transcript_lines(cap, host, module);
}

Test(hil_shard, the_seed_printed_replays_a_garbled_transcript_and_another_seed_changes_it)
{
    test_dir_file("garbled.scn", garbled);
    char *host[4], *module[4];
    garbled_run(NULL, NULL, &host[0], &module[0]);   /* no --seed: one is picked and printed */
    uint64_t seed;
    const char *said = strstr(out, "1 scenario, seed ");
    cr_assert_not_null(said, "%s", out);
    cr_assert_eq(sscanf(said, "1 scenario, seed %" SCNu64, &seed), 1, "%s", out);
    char again[24], other[24];
    snprintf(again, sizeof again, "%" PRIu64, seed);
    snprintf(other, sizeof other, "%" PRIu64, seed + 1);
    char closing[64];
    snprintf(closing, sizeof closing, "1 passed, 0 failed, 0 skipped (");
    cr_assert(strstr(out, closing) && strstr(strstr(out, closing), again), "the closing line repeats the seed:\n%s",
              out);
    cr_assert_null(strstr(module[0], "+CSQ:"), "the answer was garbled: %s", module[0]);

    garbled_run(again, NULL, &host[1], &module[1]);
    garbled_run(again, test_dir_file("other.scn", quick("other")), &host[2], &module[2]);   /* with another scenario */
    garbled_run(other, NULL, &host[3], &module[3]);
    for (int i = 1; i < 3; i++) {
        cr_assert_str_eq(host[i], host[0], "run %d sent otherwise", i);
        cr_assert_str_eq(module[i], module[0], "seed %s garbled otherwise in run %d", again, i);
    }
    cr_assert_str_eq(host[3], host[0]);
    cr_assert_str_neq(module[3], module[0], "seeds %s and %s garbled alike", again, other);
    for (int i = 0; i < 4; i++) {
        free(host[i]);
        free(module[i]);
    }
}

/* Found by --repeat: a garbled byte can be NUL, and expect must still see
 * the rest of the line (wire-garbage-on-line.scn failed on 2 seeds of 20). */
Test(hil_shard, a_nul_byte_in_a_line_does_not_hide_the_rest_of_it_from_expect)
{
    const char *text = "scenario \"nul\"\ntargets sim\nprofile warm\n"
                       "at 0 inject \"\\x80\\x00 INCORPORATED\\r\\n\"\n"
                       "expect / INCORPORATED$/ within=2s\n";
    int st = hil_run(test_dir_file("nul.scn", text), NULL);
    cr_assert_eq(st, 0, "%s", out);
}
