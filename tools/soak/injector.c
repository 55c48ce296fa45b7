/* The fault injector: a thread that follows the publisher and, when the plan
 * says so, changes the simulated world through its control socket: at once
 * (a random moment) or through a simulator rule that fires at a chosen place
 * of the next publish. A fault counts as injected only when the simulator's
 * own counters say it took effect; one that found nothing to act on (a
 * connection loss without a connection) is tried again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_read.h"
#include "sim_process.h"
#include "soak.h"

#define US_PER_S 1000000u
#define NS_PER_US 1000u
/* How often the simulator's counters are read while a rule waits to fire. */
#define FIRED_POLL_MS 2
/* Once every message was handed over, a rule still waiting for a publish is
 * given this long (the driver drains its outbox in far less) before the fault
 * is sent at once instead. */
#define TAIL_GRACE_MS 1000

/* the rule trigger of each targeted place (PLACE_RANDOM has none) */
static const char *const place_rule[PLACE_KINDS] = {
    [PLACE_BEFORE_PROMPT] = "rule on-send AT+CMQTTTOPIC",
    [PLACE_IN_DATA] = "rule in-data AT+CMQTTPAYLOAD",
    [PLACE_MID_PUB] = "rule on-answer AT+CMQTTPUB",
};

/* where the simulator's state counts each kind of fault that took effect */
static const char *const sim_kind_path[FAULT_KINDS] = {
    [FAULT_CONNLOST] = "faults.connlost", [FAULT_REBOOT] = "faults.reboot",
    [FAULT_SILENT] = "faults.silent",     [FAULT_GARBLE] = "faults.garble",
};

int sim_fault_counts(struct sim_process *sim, struct sim_fault_counts *c)
{
    struct strbuf json = {0};
    int rc = simproc_state(sim, &json);
    if (rc == 0 && (json_get_int(json.p, json.len, "rules", &c->rules) != JSON_OK ||
                    json_get_int(json.p, json.len, "rules_fired", &c->rules_fired) != JSON_OK))
        rc = -1;
    for (int k = 0; rc == 0 && k < FAULT_KINDS; k++)
        if (json_get_int(json.p, json.len, sim_kind_path[k], &c->took_effect[k]) != JSON_OK)
            rc = -1;
    sb_free(&json);
    return rc;
}

/* Progress (a message handed over since *handed) starts the stall clock again. */
static void on_progress(const struct soak_shared *sh, unsigned *handed, long long *deadline, unsigned stall_ms)
{
    if (sh->handed != *handed) {
        *handed = sh->handed;
        *deadline = soak_now_ms() + stall_ms;
    }
}

static bool wait_for(struct soak_shared *sh, bool (*cond)(const struct soak_shared *, unsigned),
                     unsigned arg, unsigned stall_ms)
{
    long long deadline = soak_now_ms() + stall_ms;
    unsigned handed = sh->handed;
    while (!cond(sh, arg)) {
        if (sh->stopping || !shared_wait(sh, deadline))
            return false;
        on_progress(sh, &handed, &deadline, stall_ms);
    }
    return true;
}

static bool reached(const struct soak_shared *sh, unsigned seq)
{
    return sh->handed >= seq;
}

static bool connected(const struct soak_shared *sh, unsigned unused)
{
    (void)unused;
    return sh->state == SIM7600_STATE_CONNECTED;
}

/* The jitter puts the fault at a random point of the exchange in progress;
 * it is part of the plan, not a wait for something. */
static void jitter(unsigned us)
{
    struct timespec ts = {us / US_PER_S, (long)(us % US_PER_S) * NS_PER_US};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

void soak_fault_command(const struct planned_fault *f, char *line, size_t cap)
{
    switch (f->kind) {
    case FAULT_CONNLOST:
        snprintf(line, cap, "connlost %u", f->amount);
        break;
    case FAULT_REBOOT:
        snprintf(line, cap, "reboot");
        break;
    case FAULT_SILENT:
        snprintf(line, cap, "silent %u", f->amount);
        break;
    default:
        snprintf(line, cap, "garble %u", f->amount);
        break;
    }
}

static int control(struct injector *in, const char *line)
{
    char reply[256] = "";
    if (simproc_control(in->sim, line, reply, sizeof reply) != 0 || strncmp(reply, "OK", 2) != 0) {
        fprintf(stderr, "sim7600-soak: control '%s' failed: %s\n", line, reply);
        return -1;
    }
    return 0;
}

/* Sends the fault now, or arms the rule that places it. */
static int send_fault(struct injector *in, const struct planned_fault *f)
{
    char cmd[64], line[160];

    soak_fault_command(f, cmd, sizeof cmd);
    if (f->place == PLACE_RANDOM)
        return control(in, cmd);
    snprintf(line, sizeof line, "%s %s", place_rule[f->place], cmd);
    return control(in, line);
}

enum outcome { TOOK_EFFECT, NO_EFFECT, NOT_FIRED, GAVE_UP };

/* Nothing more to publish: a rule waiting for the next publish might never fire. */
static bool publisher_done(struct injector *in)
{
    pthread_mutex_lock(&in->sh->mu);
    bool done = in->sh->handed >= in->messages;
    pthread_mutex_unlock(&in->sh->mu);
    return done;
}

/* Waits until the simulator counts the fault (TOOK_EFFECT), or it found
 * nothing to act on (NO_EFFECT: only a connection loss without a connection;
 * a garble takes effect later, at the next bytes out), or its rule waits for
 * a publish that will not come (NOT_FIRED), bounded by stall_ms without
 * progress. */
static enum outcome await_effect(struct injector *in, const struct planned_fault *f,
                                 const struct sim_fault_counts *before)
{
    struct soak_shared *sh = in->sh;
    long long deadline = soak_now_ms() + in->stall_ms, tail_since = -1;
    unsigned handed = 0;            /* read under the lock below; the first look restarts the clock */

    for (;;) {
        struct sim_fault_counts now;
        if (f->place != PLACE_RANDOM && tail_since < 0 && publisher_done(in))
            tail_since = soak_now_ms();
        if (tail_since >= 0 && soak_now_ms() - tail_since > TAIL_GRACE_MS)
            return NOT_FIRED;
        if (sim_fault_counts(in->sim, &now) != 0)
            return GAVE_UP;
        if (now.took_effect[f->kind] > before->took_effect[f->kind])
            return TOOK_EFFECT;
        if (f->kind == FAULT_CONNLOST &&
            (now.rules_fired > before->rules_fired || f->place == PLACE_RANDOM))
            return NO_EFFECT;
        pthread_mutex_lock(&sh->mu);
        on_progress(sh, &handed, &deadline, in->stall_ms);
        bool go = !sh->stopping && soak_now_ms() < deadline;
        if (go)
            shared_wait(sh, soak_now_ms() + FIRED_POLL_MS);
        pthread_mutex_unlock(&sh->mu);
        if (!go)
            return GAVE_UP;
    }
}

/* A connection loss at a random moment needs a connection: wait for one.
 * *changes is the driver's state change count the fault is aimed at. */
static bool ready_for(struct injector *in, const struct planned_fault *f, unsigned *changes)
{
    bool go = true;
    pthread_mutex_lock(&in->sh->mu);
    if (f->kind == FAULT_CONNLOST && f->place == PLACE_RANDOM)
        go = wait_for(in->sh, connected, 0, in->stall_ms);
    *changes = in->sh->state_changes;
    pthread_mutex_unlock(&in->sh->mu);
    return go;
}

static bool state_changed_since(const struct soak_shared *sh, unsigned changes)
{
    return sh->state_changes != changes;
}

/* After a fault found nothing to act on, waits for the driver to change state
 * since the fault was aimed (`changes`, from ready_for), not since now: the
 * driver may have lost and rebuilt its session meanwhile, and no further
 * change would come. False if none within stall_ms (the fault then counts as
 * not injected). */
static bool after_no_effect(struct injector *in, unsigned changes)
{
    pthread_mutex_lock(&in->sh->mu);
    bool go = wait_for(in->sh, state_changed_since, changes, in->stall_ms) && !in->sh->stopping;
    pthread_mutex_unlock(&in->sh->mu);
    return go;
}

/* Why a fault was given up (INJECTED: it was not), as the soak tells it. */
enum give_up { INJECTED, GIVE_UP_NOT_REACHED, GIVE_UP_NOT_CONNECTED, GIVE_UP_CONTROL, GIVE_UP_NOT_COUNTED,
               GIVE_UP_UNSEEN_LOSS };

static const char *const give_up_text[] = {
    [GIVE_UP_NOT_REACHED] = "the publisher never handed over its message",
    [GIVE_UP_NOT_CONNECTED] = "the driver never connected (a connection loss needs a connection)",
    [GIVE_UP_CONTROL] = "the simulator's control socket failed (above)",
    [GIVE_UP_NOT_COUNTED] = "the simulator never counted it as taking effect",
    [GIVE_UP_UNSEEN_LOSS] = "the module had no connection to drop and the driver's state did not change "
                            "(a session it lost without seeing +CMQTTCONNLOST?)",
};

/* A rule that waited in vain is cleared; its fault goes at once next time.
 * @retval 1 it fired just before the clear, 0 it did not, -1 the control socket failed */
static int clear_unfired(struct injector *in, struct planned_fault *f, const struct sim_fault_counts *before)
{
    struct sim_fault_counts after;
    if (control(in, "rules clear") != 0 || sim_fault_counts(in->sim, &after) != 0)
        return -1;
    f->place = PLACE_RANDOM;
    return after.took_effect[f->kind] > before->took_effect[f->kind];
}

/* INJECTED once the fault took effect, else why not; *place says where it was sent in the end. */
static enum give_up inject(struct injector *in, const struct planned_fault *plan, enum fault_place *place)
{
    struct planned_fault f = *plan;

    for (;;) {
        struct sim_fault_counts before;
        unsigned changes;
        if (!ready_for(in, &f, &changes))
            return GIVE_UP_NOT_CONNECTED;
        if (sim_fault_counts(in->sim, &before) != 0 || send_fault(in, &f) != 0)
            return GIVE_UP_CONTROL;
        *place = f.place;
        switch (await_effect(in, &f, &before)) {
        case TOOK_EFFECT:
            return INJECTED;
        case GAVE_UP:
            return GIVE_UP_NOT_COUNTED;
        case NOT_FIRED: {
            int fired = clear_unfired(in, &f, &before);
            if (fired != 0)
                return fired > 0 ? INJECTED : GIVE_UP_CONTROL;
            break;
        }
        case NO_EFFECT:
            if (f.place == PLACE_RANDOM && !after_no_effect(in, changes))
                return GIVE_UP_UNSEEN_LOSS;
            if (publisher_done(in))
                f.place = PLACE_RANDOM;
            break;
        }
    }
}

/* A fault given up is always told, with why: the report's count alone does not say which. */
static void tell(const struct injector *in, int i, const struct planned_fault *f, enum fault_place place,
                 enum give_up why)
{
    if (in->verbose)
        printf("fault %d/%d: %s %u after message %u, %s%s: %s\n", i + 1, in->count, fault_kind_name(f->kind),
               f->amount, f->at_seq, fault_place_name(f->place),
               place != f->place ? " (no publish came: sent at once)" : "",
               why == INJECTED ? "took effect" : "DID NOT take effect");
    if (why == INJECTED)
        return;
    pthread_mutex_lock(&in->sh->mu);
    enum sim7600_state state = in->sh->state;
    pthread_mutex_unlock(&in->sh->mu);
    fprintf(stderr, "sim7600-soak: fault %d/%d (%s after message %u) given up after %u ms without progress: "
            "%s; the driver is %s\n", i + 1, in->count, fault_kind_name(f->kind), f->at_seq, in->stall_ms,
            give_up_text[why], sim7600_state_str(state));
}

static void *run(void *arg)
{
    struct injector *in = arg;
    struct soak_shared *sh = in->sh;

    for (int i = 0; i < in->count; i++) {
        const struct planned_fault *f = &in->plan[i];
        enum fault_place place = f->place;
        enum give_up why = GIVE_UP_NOT_REACHED;

        pthread_mutex_lock(&sh->mu);
        bool go = wait_for(sh, reached, f->at_seq, in->stall_ms);
        pthread_mutex_unlock(&sh->mu);
        if (go) {
            jitter(f->jitter_us);
            why = inject(in, f, &place);
        }
        pthread_mutex_lock(&sh->mu);
        if (why == INJECTED)
            sh->injected[f->kind]++;
        else
            sh->not_injected++;
        pthread_cond_broadcast(&sh->cv);
        pthread_mutex_unlock(&sh->mu);
        tell(in, i, f, place, why);
    }
    return NULL;
}

int injector_start(struct injector *in)
{
    return pthread_create(&in->thread, NULL, run, in) == 0 ? 0 : -1;
}

void injector_join(struct injector *in)
{
    pthread_join(in->thread, NULL);
}
