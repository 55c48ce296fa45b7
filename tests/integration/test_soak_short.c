/* The fault soak, short: sim7600-soak as a user runs it, 1,000 QoS 1 messages
 * through the simulator's embedded broker with a tenth of the full soak's
 * faults, placed by the seed at random moments and where they hurt most
 * (before a '>', in a data phase, between a PUB's OK and its result).
 * Asserts that nothing was lost and that every planned fault fired, by the
 * simulator's own count. Every wait is bounded; the soak's own children
 * (simulator) die with it. */
#include <criterion/criterion.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "program.h"
#include "sim_process.h"

#ifndef SIM7600_BIN_DIR
#define SIM7600_BIN_DIR "build/bin"
#endif

#define RUN_TIMEOUT_MS 60000   /* far above the few seconds it takes: a bound, not an expectation */
#define OUT_MAX 65536

static char out[OUT_MAX];

/* Runs sim7600-soak with args (NULL-terminated); its output goes to `out`.
 * Returns the exit status, or a negative value as program_run says. */
static int run_soak(const char *const *args, int timeout_ms)
{
    return program_run_args(SIM7600_BIN_DIR "/sim7600-soak", args, timeout_ms, out, sizeof out);
}

/* The number after `label` in the report ("lost:        0"), or -1. */
static long number_after(const char *label)
{
    const char *p = strstr(out, label);
    return p != NULL ? strtol(p + strlen(label), NULL, 10) : -1;
}

/* The number after `kind` on the report's line starting `line_label`, or -1. */
static long on_line(const char *line_label, const char *kind)
{
    const char *line = strstr(out, line_label), *p;
    const char *eol = line != NULL ? strchr(line + 1, '\n') : NULL;
    if (line == NULL || (p = strstr(line, kind)) == NULL || (eol != NULL && p > eol))
        return -1;
    return strtol(p + strlen(kind), NULL, 10);
}

/* Runs a short soak through `broker` and checks what a user reads in its report. */
static void short_soak(const char *broker)
{
    const char *args[] = {"--messages", "1000", "--seed", "7", "--broker", broker,
                          "--connlost", "5", "--reboots", "1", "--silences", "1", "--garbles", "2",
                          NULL};
    long long t0 = test_now_ms();
    int rc = run_soak(args, RUN_TIMEOUT_MS);

    cr_assert_eq(rc, 0, "sim7600-soak exited %d:\n%s", rc, out);
    cr_assert_eq(number_after("lost:"), 0, "%s", out);
    cr_assert_eq(number_after("sent:"), 1000, "%s", out);
    cr_assert_eq(number_after("received:"), 1000, "%s", out);
    /* the simulator counted each planned fault as fired */
    cr_assert_eq(on_line("\nfired:", "connlost "), 5, "%s", out);
    cr_assert_eq(on_line("\nfired:", "reboot "), 1, "%s", out);
    cr_assert_eq(on_line("\nfired:", "silent "), 1, "%s", out);
    cr_assert_eq(on_line("\nfired:", "garble "), 2, "%s", out);
    cr_assert_eq(on_line("\nfaults:", "not injected: "), 0, "%s", out);
    cr_assert_not_null(strstr(out, "PASS: 0 lost"), "%s", out);
    /* and the driver saw them: reconnections, a reboot */
    cr_assert_gt(number_after("reconnects:"), 0, "%s", out);
    cr_assert_geq(number_after("driver:      "), 1, "%s", out);
    cr_log_info("short soak (%s): %lld ms", broker, test_now_ms() - t0);
}

Test(soak, short_soak_loses_nothing_and_every_fault_happens, .timeout = 90)
{
    short_soak("embedded");
}

/* The real-broker leg: the PUBACK comes from mosquitto, so a fault between a
 * PUB's OK and its result lands where only the broker knows the outcome. */
Test(soak, short_soak_through_a_real_mosquitto_loses_nothing, .timeout = 90)
{
    short_soak("mosquitto");
}

/* What --print-plan printed for these arguments, in `copy`. */
static void plan_of(const char *seed, char *copy, size_t cap)
{
    const char *args[] = {"--print-plan", "--seed", seed, "--messages", "1000", NULL};
    cr_assert_eq(run_soak(args, RUN_TIMEOUT_MS), 0, "%s", out);
    snprintf(copy, cap, "%s", out);
}

Test(soak, a_seed_names_its_fault_plan_and_every_place_is_used)
{
    static char first[OUT_MAX], again[OUT_MAX], other[OUT_MAX];

    plan_of("42", first, sizeof first);
    plan_of("42", again, sizeof again);
    plan_of("43", other, sizeof other);
    cr_assert_str_eq(first, again, "the same seed gave two plans");
    cr_assert_str_neq(first + strcspn(first, "\n"), other + strcspn(other, "\n"),
                      "two seeds gave the same plan");
    cr_assert_not_null(strstr(first, "seed 42: 80 faults over 1000 messages"), "%s", first);
    cr_assert_not_null(strstr(first, "between a PUB's OK and its result"), "%s", first);
    cr_assert_not_null(strstr(first, "in AT+CMQTTPAYLOAD's data phase"), "%s", first);
    cr_assert_not_null(strstr(first, "before the '>' of AT+CMQTTTOPIC"), "%s", first);
    cr_assert_not_null(strstr(first, "at a random moment"), "%s", first);
}

Test(soak, seeds_run_in_a_row_and_each_says_its_seed, .timeout = 90)
{
    const char *args[] = {"--messages", "300", "--seed", "70", "--seeds", "2", "--connlost", "2",
                          "--reboots", "1", "--silences", "1", "--garbles", "1", NULL};
    int rc = run_soak(args, RUN_TIMEOUT_MS);

    cr_assert_eq(rc, 0, "sim7600-soak exited %d:\n%s", rc, out);
    cr_assert_not_null(strstr(out, "seed 70 (repeat with --seed 70)"), "%s", out);
    cr_assert_not_null(strstr(out, "seed 71 (repeat with --seed 71)"), "%s", out);
    cr_assert_not_null(strstr(out, "seeds: 2 passed, 0 failed (first seed 70)"), "%s", out);
}

Test(soak, help_and_usage_errors)
{
    const char *help[] = {"--help", NULL};
    const char *bad[] = {"--broker", "nowhere", NULL};

    cr_assert_eq(run_soak(help, RUN_TIMEOUT_MS), 0, "%s", out);
    cr_assert(strstr(out, "--messages N") != NULL && strstr(out, "--seed S") != NULL, "%s", out);
    cr_assert_eq(run_soak(bad, RUN_TIMEOUT_MS), 2, "%s", out);
    cr_assert(strstr(out, "--broker 'nowhere'") != NULL, "%s", out);
}
