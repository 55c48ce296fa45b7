/* The final checks, evaluated when the steps are done: on the transcript
 * (sent, printed), on the broker (message, seq), on the driver (reconnects,
 * received). The first failure is the one reported. */
#include "run_internal.h"

#include <limits.h>
#include <string.h>

#include "hil_clock.h"
#include "program_run.h"
#include "json_read.h"

#define BROKER_SYNC_MS 2000   /* the watch stream trails the broker by a socket hop */

static void pattern_text(const struct scn_pattern *p, struct strbuf *out)
{
    switch (p->kind) {
    case SCN_PAT_NONE:  sb_puts(out, "(any)"); break;
    case SCN_PAT_EXACT: sb_c_quote(out, p->text.ptr, p->text.len); break;
    case SCN_PAT_REGEX: sb_printf(out, "/%s/", p->text.ptr); break;
    case SCN_PAT_SIZE:  sb_printf(out, "size=%zu", p->size); break;
    }
}

/* count -1: at least once; otherwise exactly count. */
static int count_ok(struct run *r, const struct scn_check *c, long got, const char *what)
{
    bool ok = c->count < 0 ? got >= 1 : got == c->count;
    if (ok)
        return 0;
    struct strbuf pat = {0};
    pattern_text(&c->pat, &pat);
    if (c->kind == SCN_CHECK_MESSAGE || c->kind == SCN_CHECK_RECEIVED) {
        struct strbuf topic = {0};
        sb_c_quote(&topic, c->topic.ptr, c->topic.len);
        sb_puts(&topic, " ");
        sb_add(&topic, pat.p, pat.len);
        sb_free(&pat);
        pat = topic;
    }
    if (c->count < 0)
        run_fail(r, "line %d: %s: %s never %s", c->line, scn_check_kind_str(c->kind), sb_str(&pat), what);
    else
        run_fail(r, "line %d: %s: %s %s %ld time(s), expected %ld", c->line, scn_check_kind_str(c->kind),
                 sb_str(&pat), what, got, c->count);
    sb_free(&pat);
    return -1;
}

static int never(struct run *r, const struct scn_check *c, long got, const char *what)
{
    if (got == 0)
        return 0;
    struct strbuf pat = {0};
    pattern_text(&c->pat, &pat);
    run_fail(r, "line %d: %s: %s was %s %ld time(s)", c->line, scn_check_kind_str(c->kind), sb_str(&pat), what, got);
    sb_free(&pat);
    return -1;
}

static long received_count(const struct run *r, const struct scn_check *c)
{
    long n = 0;
    for (size_t i = 0; i < r->n_rx; i++)
        if (strcmp(r->rx[i].topic, c->topic.ptr) == 0 && scn_pattern_match(&c->pat, r->rx[i].payload, r->rx[i].len))
            n++;
    return n;
}

static int check_seq(struct run *r, const struct scn_check *c)
{
    struct broker_seq q;
    broker_log_seq(&r->broker, c->topic.ptr, c->prefix.ptr, c->count, &q);
    sb_printf(&r->rep->notes, "line %d: %s: %ld of %ld received, %ld duplicate(s)\n", c->line, c->topic.ptr,
              c->count - q.missing, c->count, q.duplicates);
    if (q.missing)
        return run_fail(r, "line %d: expect-seq %s: %ld of %ld messages lost (the first: %ld)", c->line,
                        c->topic.ptr, q.missing, c->count, q.first_missing);
    if (c->max_dup >= 0 && q.duplicates > c->max_dup)
        return run_fail(r, "line %d: expect-seq %s: %ld duplicates, more than max-dup=%ld", c->line, c->topic.ptr,
                        q.duplicates, c->max_dup);
    return 0;
}

static int check_reconnects(struct run *r, const struct scn_check *c)
{
    /* a program tells us nothing: its reconnects are read from the wire */
    long got = r->progs ? programs_reconnects(r) : (long)r->reconnects;
    const char *who = r->progs ? "the program (successful connects on the wire after the first)" : "the driver";
    if (got >= c->min && (c->max < 0 || got <= c->max))
        return 0;
    if (c->min == c->max)
        return run_fail(r, "line %d: expect-reconnects: %s reconnected %ld time(s), expected %ld", c->line,
                        who, got, c->min);
    if (c->max < 0)
        return run_fail(r, "line %d: expect-reconnects: %s reconnected %ld time(s), expected at least %ld",
                        c->line, who, got, c->min);
    return run_fail(r, "line %d: expect-reconnects: %s reconnected %ld time(s), expected %ld to %ld", c->line,
                    who, got, c->min, c->max);
}

static bool is_broker_check(enum scn_check_kind k)
{
    return k == SCN_CHECK_MESSAGE || k == SCN_CHECK_SEQ;
}

/* How many messages the simulator's broker has received (its state's
 * broker.published), or -1 when the simulator does not say. */
static long sim_broker_published(struct run *r)
{
    struct strbuf json = {0};
    long long n = -1;
    if (simproc_state_on(r->sim.control_fd, &json) < 0 ||
        json_get_int(json.p, json.len, "broker.published", &n) != JSON_OK || n < 0 || n > LONG_MAX)
        n = -1;
    sb_free(&json);
    return (long)n;
}

/* The broker's log holds everything the broker had received when the steps
 * ended; if the runner cannot be sure of that, the broker checks would blame
 * the firmware for the runner's blind spot, so they fail saying so. */
static int sync_broker(struct run *r)
{
    if (r->watch_started) {
        if (mqtt_watch_sync(&r->watch, BROKER_SYNC_MS))
            return 0;
        return run_fail(r, "the broker checks cannot be made: the watch did not see its own marker message within "
                           "%.1fs (may the watch's user read and write every topic? see --watch)",
                        BROKER_SYNC_MS / 1000.0);
    }
    long published = r->on_sim ? sim_broker_published(r) : -1;
    if (published < 0)
        return run_fail(r, "the broker checks cannot be made: the simulator did not say how many messages "
                           "its broker received");
    if (published == 0 || broker_log_wait(&r->broker, (size_t)published, BROKER_SYNC_MS))
        return 0;
    return run_fail(r, "the broker checks cannot be made: the simulator's broker received %ld message(s), its "
                       "watch stream brought %zu within %.1fs", published, broker_log_size(&r->broker),
                    BROKER_SYNC_MS / 1000.0);
}

/* What the module says after the last step (the answer to a last `send`, a
 * late URC, a message for the driver) belongs to what the checks read: the
 * wire is served until it has been quiet a moment, within a bound. */
#define SETTLE_QUIET_MS 150
#define SETTLE_MAX_MS 2000

static int settle(struct run *r)
{
    uint64_t now = hil_now_ms(), quiet_since = now, seen = r->rx_bytes;
    uint64_t end = now + SETTLE_MAX_MS < r->deadline_ms ? now + SETTLE_MAX_MS : r->deadline_ms;
    while (now < end && now - quiet_since < SETTLE_QUIET_MS) {
        if (run_idle(r, SETTLE_QUIET_MS / 5) < 0)
            return -1;
        now = hil_now_ms();
        if (r->rx_bytes != seen) {
            seen = r->rx_bytes;
            quiet_since = now;
        }
    }
    return 0;
}

static int run_check(struct run *r, const struct scn_check *c)
{
    switch (c->kind) {
    case SCN_CHECK_SENT:        return count_ok(r, c, transcript_count(&r->tr, TR_HOST_COMMAND, &c->pat), "sent");
    case SCN_CHECK_NOT_SENT:    return never(r, c, transcript_count(&r->tr, TR_HOST_COMMAND, &c->pat), "sent");
    case SCN_CHECK_PRINTED:     return count_ok(r, c, transcript_count(&r->tr, TR_MODULE, &c->pat), "printed");
    case SCN_CHECK_NOT_PRINTED: return never(r, c, transcript_count(&r->tr, TR_MODULE, &c->pat), "printed");
    case SCN_CHECK_MESSAGE:
        return count_ok(r, c, broker_log_count(&r->broker, c->topic.ptr, &c->pat), "reached the broker");
    case SCN_CHECK_SEQ:         return check_seq(r, c);
    case SCN_CHECK_RECONNECTS:  return check_reconnects(r, c);
    case SCN_CHECK_RECEIVED:    return count_ok(r, c, received_count(r, c), "reached the driver");
    case SCN_CHECK_NO_OUTPUT:   return programs_check(r, c);
    }
    return 0;
}

int run_checks(struct run *r)
{
    bool synced = false;
    if (r->sc->n_checks && settle(r) < 0)
        return -1;
    for (size_t i = 0; i < r->sc->n_checks; i++) {
        const struct scn_check *c = &r->sc->checks[i];
        if (is_broker_check(c->kind) && !r->broker_watched) {
            sb_printf(&r->rep->skipped, "line %d: %s (the runner cannot watch this broker)\n", c->line,
                      scn_check_kind_str(c->kind));
            continue;
        }
        if (is_broker_check(c->kind) && !synced) {
            if (sync_broker(r) < 0)
                return -1;
            synced = true;
        }
        if (run_check(r, c) < 0)
            return -1;
    }
    return 0;
}
