/* sim7600-soak's command line. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "soak.h"
#include "parse_num.h"

#define DEFAULT_MESSAGES 10000u
#define DEFAULT_CONNLOST 50u
#define DEFAULT_REBOOTS 5u
#define DEFAULT_SILENCES 5u
#define DEFAULT_GARBLES 20u
#define DEFAULT_SILENT_MIN_MS 300u   /* longer than the soak's command timeout: it must be noticed */
#define DEFAULT_SILENT_MAX_MS 1000u
#define DEFAULT_GARBLE_BYTES 16u
/* Far longer than the driver's longest wait in the soak (a PUB whose result
 * line was swallowed: SOAK_PUB_RESULT_TIMEOUT_MS) and its escalation ladder. */
#define DEFAULT_STALL_MS 30000u
#define MAX_MESSAGES 10000000u
#define MAX_FAULTS 100000u
#define MAX_SILENT_MS 60000u
#define MAX_GARBLE_BYTES 4096u
#define MAX_SEEDS 1000u

static const char *const kind_names[FAULT_KINDS] = {
    [FAULT_CONNLOST] = "connlost", [FAULT_REBOOT] = "reboot",
    [FAULT_SILENT] = "silent", [FAULT_GARBLE] = "garble",
};

const char *fault_kind_name(enum fault_kind k)
{
    return (unsigned)k < FAULT_KINDS ? kind_names[k] : "?";
}

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: sim7600-soak [OPTIONS]\n"
        "The driver publishes a numbered sequence of QoS 1 messages through sim7600-sim\n"
        "while faults are injected at random; a receiver on the broker side checks every\n"
        "sequence number. Exits 0 only if none was lost (duplicates are allowed by QoS 1\n"
        "and reported).\n"
        "\n"
        "  --messages N          messages to publish (default %u)\n"
        "  --seed S              seed of the fault plan (default: from the clock; printed\n"
        "                        at start, so a failing run can be repeated)\n"
        "  --broker embedded|mosquitto\n"
        "                        embedded (default): the simulator's own broker, checked\n"
        "                        through its control socket's `watch`; mosquitto: a\n"
        "                        private mosquitto on a free loopback port, checked by a\n"
        "                        libmosquitto subscriber\n"
        "  --connlost N          broker connection losses to inject (default %u)\n"
        "  --reboots N           module reboots (default %u)\n"
        "  --silences N          silent periods, the module hears and says nothing (default %u)\n"
        "  --garbles N           bursts of corrupted bytes from the module (default %u)\n"
        "  --silent-ms MIN MAX   length of each silent period (default %u %u)\n"
        "  --garble-bytes N      each burst corrupts 1..N bytes (default %u)\n"
        "  --stall-ms N          give up when nothing progresses for N ms (default %u)\n"
        "  --random-only         every fault at a random moment (default: a seeded mix of\n"
        "                        random moments and the places that hurt most: as the\n"
        "                        module receives AT+CMQTTTOPIC before its '>', at the\n"
        "                        first byte of a payload's data phase, and between a\n"
        "                        PUB's OK and its result line)\n"
        "  --seeds N             N runs in a row, seeds S, S+1, ... (S from --seed or the\n"
        "                        clock); each prints its seed; exits 0 only if all pass\n"
        "  --print-plan          print each seed's fault plan (message, kind, size, place)\n"
        "                        and exit without running it\n"
        "  --verbose             print each fault, driver event and driver log line\n"
        "  --sim-log FILE        the simulator writes every byte both ways to FILE\n"
        "  -h, --help            this help\n",
        DEFAULT_MESSAGES, DEFAULT_CONNLOST, DEFAULT_REBOOTS, DEFAULT_SILENCES, DEFAULT_GARBLES,
        DEFAULT_SILENT_MIN_MS, DEFAULT_SILENT_MAX_MS, DEFAULT_GARBLE_BYTES, DEFAULT_STALL_MS);
}

static int bad(const char *opt, const char *val, const char *range)
{
    fprintf(stderr, "sim7600-soak: %s '%s': %s (see --help)\n", opt, val ? val : "", range);
    return 2;
}

static bool to_uint(const char *s, unsigned max, unsigned *out)
{
    uint64_t v;
    if (!parse_u64(s, max, &v))
        return false;
    *out = (unsigned)v;
    return true;
}

static uint64_t clock_seed(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_sec * 1000003u) ^ (uint64_t)ts.tv_nsec;
}

int soak_parse_options(struct soak_options *o, int argc, char **argv)
{
    static const struct {
        const char *name;
        enum fault_kind kind;
    } counts[] = {
        {"--connlost", FAULT_CONNLOST}, {"--reboots", FAULT_REBOOT},
        {"--silences", FAULT_SILENT},   {"--garbles", FAULT_GARBLE},
    };
    bool seeded = false;

    memset(o, 0, sizeof *o);
    o->messages = DEFAULT_MESSAGES;
    o->broker = SOAK_BROKER_EMBEDDED;
    o->faults[FAULT_CONNLOST] = DEFAULT_CONNLOST;
    o->faults[FAULT_REBOOT] = DEFAULT_REBOOTS;
    o->faults[FAULT_SILENT] = DEFAULT_SILENCES;
    o->faults[FAULT_GARBLE] = DEFAULT_GARBLES;
    o->silent_min_ms = DEFAULT_SILENT_MIN_MS;
    o->silent_max_ms = DEFAULT_SILENT_MAX_MS;
    o->garble_max_bytes = DEFAULT_GARBLE_BYTES;
    o->stall_ms = DEFAULT_STALL_MS;
    o->seeds = 1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        size_t k;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 1;
        }
        if (strcmp(a, "--verbose") == 0) {
            o->verbose = true;
            continue;
        }
        if (strcmp(a, "--random-only") == 0) {
            o->random_only = true;
            continue;
        }
        if (strcmp(a, "--print-plan") == 0) {
            o->print_plan = true;
            continue;
        }
        for (k = 0; k < sizeof counts / sizeof counts[0]; k++) {
            if (strcmp(a, counts[k].name) == 0)
                break;
        }
        if (k < sizeof counts / sizeof counts[0]) {
            if (!to_uint(v, MAX_FAULTS, &o->faults[counts[k].kind]))
                return bad(a, v, "a count of 0-100000");
        } else if (strcmp(a, "--seeds") == 0) {
            if (!to_uint(v, MAX_SEEDS, &o->seeds) || o->seeds == 0)
                return bad(a, v, "a count of 1-1000");
        } else if (strcmp(a, "--messages") == 0) {
            if (!to_uint(v, MAX_MESSAGES, &o->messages) || o->messages == 0)
                return bad(a, v, "a count of 1-10000000");
        } else if (strcmp(a, "--seed") == 0) {
            if (!parse_u64(v, UINT64_MAX, &o->seed))
                return bad(a, v, "an unsigned 64-bit number");
            seeded = true;
        } else if (strcmp(a, "--broker") == 0) {
            if (v != NULL && strcmp(v, "embedded") == 0)
                o->broker = SOAK_BROKER_EMBEDDED;
            else if (v != NULL && strcmp(v, "mosquitto") == 0)
                o->broker = SOAK_BROKER_MOSQUITTO;
            else
                return bad(a, v, "embedded or mosquitto");
        } else if (strcmp(a, "--silent-ms") == 0) {
            const char *v2 = i + 2 < argc ? argv[i + 2] : NULL;
            if (!to_uint(v, MAX_SILENT_MS, &o->silent_min_ms) ||
                !to_uint(v2, MAX_SILENT_MS, &o->silent_max_ms) || o->silent_min_ms == 0 ||
                o->silent_max_ms < o->silent_min_ms)
                return bad(a, v, "two durations MIN MAX, 1 <= MIN <= MAX <= 60000 ms");
            i++;
        } else if (strcmp(a, "--sim-log") == 0) {
            if (v == NULL || *v == '\0')
                return bad(a, v, "a file name");
            o->sim_log = v;
        } else if (strcmp(a, "--garble-bytes") == 0) {
            if (!to_uint(v, MAX_GARBLE_BYTES, &o->garble_max_bytes) || o->garble_max_bytes == 0)
                return bad(a, v, "a byte count of 1-4096");
        } else if (strcmp(a, "--stall-ms") == 0) {
            if (!to_uint(v, UINT32_MAX / 2, &o->stall_ms) || o->stall_ms == 0)
                return bad(a, v, "a duration of 1 ms or more");
        } else {
            return bad("unknown option", a, "not an option of sim7600-soak");
        }
        i++;
    }
    if (!seeded)
        o->seed = clock_seed();
    return 0;
}
