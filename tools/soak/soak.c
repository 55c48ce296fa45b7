/* sim7600-soak: the fault soak (see tools/soak/README.md). The main thread
 * publishes; the driver's owner thread (the posix host runner) talks to the
 * simulator; the injector thread breaks things; the receiver counts what the
 * broker got. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hil_clock.h"
#include "mosquitto_process.h"
#include "sim7600_posix.h"
#include "sim_process.h"
#include "soak.h"

#define TOPIC "soak/seq"
#define CLIENT_ID "sim7600-soak"
#define EMBEDDED_BROKER_URL "tcp://broker.soak:1883"
#define QOS 1
#define PAYLOAD_MAX 16
#define MISSING_SHOWN 20
#define MS_PER_S 1000.0

/* The driver's timing, shortened so that the soak runs in seconds: the
 * simulator answers at once (--baud 0, fast latency), so a module that says
 * nothing for this long is silent, not slow. The defaults are for a real
 * module and a real network (seconds to minutes). */
#define SOAK_CMD_TIMEOUT_MS 300u
#define SOAK_AT_TIMEOUT_MS 200u
#define SOAK_AT_ATTEMPTS 20u
#define SOAK_START_TIMEOUT_MS 2000u
#define SOAK_CONNECT_TIMEOUT_MS 2000u
#define SOAK_REG_TIMEOUT_MS 3000u
#define SOAK_REG_POLL_MS 50u
#define SOAK_BACKOFF_MIN_MS 10u
#define SOAK_BACKOFF_MAX_MS 200u
#define SOAK_PROBE_IDLE_MS 1000u
/* Either broker acknowledges within milliseconds on loopback: a PUB result
 * line not seen in this long was swallowed by a fault (the real default is
 * pub_timeout + 5 s = 65 s). A late one then makes a duplicate, never a loss. */
#define SOAK_PUB_RESULT_TIMEOUT_MS 1000u
#define SOAK_BOOT_TIMEOUT_MS 2000u
#define SOAK_OUTBOX_SLOTS 64u
#define SOAK_OUTBOX_SLOT_SIZE 64u   /* topic + payload: "soak/seq" + up to 10 digits */
/* A '>' data phase the host abandoned (its prompt was garbled) ends this fast. */
#define SOAK_SIM_DATA_TIMEOUT "1000"

/* ---- shared state ------------------------------------------------------------------- */

long long soak_now_ms(void)
{
    return (long long)hil_now_ms();   /* signed: the soak subtracts deadlines freely */
}

bool soak_cond_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, long long deadline_ms)
{
    struct timespec until = {(time_t)(deadline_ms / 1000), (long)(deadline_ms % 1000) * 1000000L};
    if (soak_now_ms() >= deadline_ms)
        return false;
    pthread_cond_timedwait(cv, mu, &until);
    return true;
}

bool shared_wait(struct soak_shared *sh, long long deadline_ms)
{
    return soak_cond_wait_until(&sh->cv, &sh->mu, deadline_ms);
}

/* ---- driver events (on the driver's owner thread) ------------------------------------ */

struct soak_run {
    struct soak_options opt;
    struct soak_shared sh;
    struct sim_process sim;
    struct mosquitto_process mq;
    struct sim7600_serial ser;
    struct sim7600_host host;
    struct receiver *rx;
    struct planned_fault *plan;
    int planned;
    unsigned refused;             /* publishes the driver gave up on (not OK, not QUEUED) */
    bool stalled;
    bool sim_started, mq_started, ser_open;   /* what to tear down */
};

static void on_event(void *ctx, enum sim7600_event ev, int status)
{
    struct soak_run *run = ctx;
    struct soak_shared *sh = &run->sh;

    pthread_mutex_lock(&sh->mu);
    switch (ev) {
    case SIM7600_EV_STATE:
        sh->state = (enum sim7600_state)status;
        sh->state_changes++;
        break;
    case SIM7600_EV_CONNLOST:
        sh->ev_connlost++;
        break;
    case SIM7600_EV_REBOOT:
        sh->ev_reboot++;
        break;
    case SIM7600_EV_SILENT:
        sh->ev_silent++;
        break;
    case SIM7600_EV_RETRY:
        sh->ev_retry++;
        break;
    case SIM7600_EV_RECONNECTED:
        sh->ev_reconnected++;
        break;
    case SIM7600_EV_DROPPED:
        sh->ev_dropped++;
        break;
    case SIM7600_EV_GAVE_UP:
        sh->ev_gave_up++;
        break;
    case SIM7600_EV_ESCALATED:
        sh->ev_escalated++;
        break;
    default:
        break;
    }
    pthread_cond_broadcast(&sh->cv);
    pthread_mutex_unlock(&sh->mu);
    if (run->opt.verbose && ev != SIM7600_EV_STATE)
        printf("driver: %s (%s)\n", sim7600_event_str(ev),
               ev == SIM7600_EV_ESCALATED ? sim7600_rung_str((enum sim7600_rung)status)
               : ev == SIM7600_EV_CONNLOST || ev == SIM7600_EV_RECONNECTED ? ""
                                                                          : sim7600_status_name(status));
    if (ev == SIM7600_EV_DROPPED || ev == SIM7600_EV_GAVE_UP)
        fprintf(stderr, "sim7600-soak: the driver dropped a queued message (%s): %s\n",
                sim7600_event_str(ev), sim7600_strerror(status));
}

static void on_log(void *ctx, const char *what, const char *text, size_t len)
{
    struct soak_run *run = ctx;
    if (run->opt.verbose)
        printf("driver log: %s: %.*s\n", what, (int)len, text);
}

/* ---- set-up -------------------------------------------------------------------------- */

static int start_world(struct soak_run *run)
{
    char url[64], err[256];
    const char *args[8] = {"--data-timeout", SOAK_SIM_DATA_TIMEOUT};
    int n = 2;

    if (run->opt.broker == SOAK_BROKER_MOSQUITTO) {
        if (mqproc_start(&run->mq, NULL, NULL) != 0) {
            fprintf(stderr, "sim7600-soak: mosquitto did not start (is it installed? make deps)\n");
            return -1;
        }
        run->mq_started = true;
        snprintf(url, sizeof url, "tcp://127.0.0.1:%d", run->mq.port);
        args[n++] = "--broker";
        args[n++] = url;
    }
    if (run->opt.sim_log != NULL) {
        args[n++] = "--log";
        args[n++] = run->opt.sim_log;
    }
    args[n] = NULL;
    if (simproc_start(&run->sim, args) != 0) {
        fprintf(stderr, "sim7600-soak: %s/sim7600-sim did not start\n", SIM7600_BIN_DIR);
        return -1;
    }
    run->sim_started = true;
    run->rx = run->opt.broker == SOAK_BROKER_MOSQUITTO
                  ? receiver_mqtt_start(run->mq.port, TOPIC, run->opt.messages)
                  : receiver_watch_start(run->sim.control_path, TOPIC, run->opt.messages);
    if (run->rx == NULL) {
        fprintf(stderr, "sim7600-soak: the receiver could not subscribe\n");
        return -1;
    }
    if (sim7600_serial_open(&run->ser, run->sim.pty_path, 115200, SIM7600_BACKEND_AUTO, err,
                            sizeof err) != 0) {
        fprintf(stderr, "sim7600-soak: %s\n", err);
        return -1;
    }
    run->ser_open = true;
    return 0;
}

static int start_driver(struct soak_run *run)
{
    static char broker_url[64];
    struct sim7600_host_config hc;
    struct sim7600_config *d = &hc.drv;
    int st;

    memset(&hc, 0, sizeof hc);
    if (run->opt.broker == SOAK_BROKER_MOSQUITTO)
        snprintf(broker_url, sizeof broker_url, "tcp://127.0.0.1:%d", run->mq.port);
    else
        snprintf(broker_url, sizeof broker_url, "%s", EMBEDDED_BROKER_URL);
    d->apn = "internet";
    d->broker = broker_url;
    d->client_id = CLIENT_ID;
    d->clean_session = true;
    d->cmd_timeout_ms = SOAK_CMD_TIMEOUT_MS;
    d->at_timeout_ms = SOAK_AT_TIMEOUT_MS;
    d->at_attempts = SOAK_AT_ATTEMPTS;
    d->start_timeout_ms = SOAK_START_TIMEOUT_MS;
    d->connect_timeout_ms = SOAK_CONNECT_TIMEOUT_MS;
    d->reg_timeout_ms = SOAK_REG_TIMEOUT_MS;
    d->reg_poll_ms = SOAK_REG_POLL_MS;
    d->backoff_min_ms = SOAK_BACKOFF_MIN_MS;
    d->backoff_max_ms = SOAK_BACKOFF_MAX_MS;
    d->probe_idle_ms = SOAK_PROBE_IDLE_MS;
    d->pub_result_timeout_ms = SOAK_PUB_RESULT_TIMEOUT_MS;
    d->boot_timeout_ms = SOAK_BOOT_TIMEOUT_MS;
    hc.outbox_slots = SOAK_OUTBOX_SLOTS;
    hc.outbox_slot_size = SOAK_OUTBOX_SLOT_SIZE;
    hc.on_event = on_event;
    hc.on_log = on_log;
    hc.ctx = run;
    st = sim7600_host_start(&run->host, &run->ser, &hc);
    if (st == SIM7600_OK)
        st = sim7600_host_connect(&run->host);
    if (st != SIM7600_OK)
        fprintf(stderr, "sim7600-soak: the driver did not connect: %s at %s\n", sim7600_strerror(st),
                sim7600_host_last_step(&run->host));
    return st == SIM7600_OK ? 0 : -1;
}

/* ---- the publisher --------------------------------------------------------------------- */

static void handed(struct soak_run *run)
{
    pthread_mutex_lock(&run->sh.mu);
    run->sh.handed++;
    pthread_cond_broadcast(&run->sh.cv);
    pthread_mutex_unlock(&run->sh.mu);
}

/* The outbox is full while the driver reconnects: wait for it to report
 * something (a state change, a reconnection), bounded by the stall limit. */
static bool wait_for_room(struct soak_run *run, long long deadline)
{
    struct soak_shared *sh = &run->sh;
    bool ok;
    pthread_mutex_lock(&sh->mu);
    ok = shared_wait(sh, deadline);
    pthread_mutex_unlock(&sh->mu);
    return ok;
}

static void publish_all(struct soak_run *run)
{
    char payload[PAYLOAD_MAX];
    long long deadline = soak_now_ms() + run->opt.stall_ms;

    for (unsigned seq = 0; seq < run->opt.messages;) {
        int len = snprintf(payload, sizeof payload, "%u", seq);
        int st = sim7600_host_publish(&run->host, TOPIC, payload, (size_t)len, QOS, false);
        if (st == SIM7600_E_OUTBOX_FULL) {
            if (!wait_for_room(run, deadline)) {
                fprintf(stderr, "sim7600-soak: no progress for %u ms at message %u; giving up\n",
                        run->opt.stall_ms, seq);
                run->stalled = true;
                return;
            }
            continue;
        }
        if (st != SIM7600_OK && st != SIM7600_QUEUED) {
            /* the driver gave up on it: the soak does not retry (that would hide it) */
            run->refused++;
            fprintf(stderr, "sim7600-soak: message %u not taken: %s [%s]\n", seq, sim7600_strerror(st),
                    sim7600_status_name(st));
        }
        handed(run);
        seq++;
        deadline = soak_now_ms() + run->opt.stall_ms;
    }
}

/* ---- the report ------------------------------------------------------------------------- */

static void print_plan(const struct soak_run *run)
{
    const struct soak_options *o = &run->opt;
    printf("sim7600-soak: %u QoS %d messages, broker %s, seed %" PRIu64
           " (repeat with --seed %" PRIu64 ")\n",
           o->messages, QOS, o->broker == SOAK_BROKER_MOSQUITTO ? "mosquitto" : "embedded", o->seed,
           o->seed);
    printf("faults planned: %u connlost, %u reboot, %u silent (%u-%u ms), %u garble (1-%u bytes)\n",
           o->faults[FAULT_CONNLOST], o->faults[FAULT_REBOOT], o->faults[FAULT_SILENT],
           o->silent_min_ms, o->silent_max_ms, o->faults[FAULT_GARBLE], o->garble_max_bytes);
    printf("faults placed %s\n", o->random_only ? "at random moments only"
                                                : "at random moments and, by a seeded draw, before a "
                                                  "'>', in a data phase and between a PUB's OK and its result");
    printf("driver timing shortened for the simulator (it answers at once): command timeout %u ms, "
           "AT probe %u ms x %u, backoff %u-%u ms, idle probe %u ms, PUB result %u ms; simulator "
           "--baud 0, --data-timeout %s\n",
           SOAK_CMD_TIMEOUT_MS, SOAK_AT_TIMEOUT_MS, SOAK_AT_ATTEMPTS, SOAK_BACKOFF_MIN_MS,
           SOAK_BACKOFF_MAX_MS, SOAK_PROBE_IDLE_MS, SOAK_PUB_RESULT_TIMEOUT_MS, SOAK_SIM_DATA_TIMEOUT);
}

/* Every planned fault must have taken effect by the simulator's own count,
 * and every rule armed must have fired. */
static bool faults_all_fired(const struct soak_run *run, const struct sim_fault_counts *c)
{
    bool ok = c->rules == c->rules_fired;
    printf("fired:       ");
    for (int k = 0; k < FAULT_KINDS; k++) {
        printf("%s %s %lld/%u", k ? "," : "", fault_kind_name((enum fault_kind)k), c->took_effect[k],
               run->opt.faults[k]);
        ok &= c->took_effect[k] == (long long)run->opt.faults[k];
    }
    printf(" (the simulator's count); rules fired %lld/%lld\n", c->rules_fired, c->rules);
    return ok;
}

static int report(struct soak_run *run, double seconds, const struct sim_fault_counts *fired)
{
    const struct soak_options *o = &run->opt;
    struct receiver_tally t;
    struct sim7600_health h;
    unsigned missing[MISSING_SHOWN], nmiss, lost;
    struct soak_shared *sh = &run->sh;
    bool faults_ok;
    int st;

    receiver_tally(run->rx, &t);
    lost = o->messages - t.distinct;
    st = sim7600_host_health(&run->host, &h);
    faults_ok = faults_all_fired(run, fired);
    pthread_mutex_lock(&sh->mu);
    faults_ok &= sh->not_injected == 0;
    printf("sent:        %u (handed to the driver; %u refused by it)\n", sh->handed - run->refused,
           run->refused);
    printf("received:    %u distinct of %u, %u messages in all%s\n", t.distinct, o->messages,
           t.messages, t.malformed ? " (some malformed)" : "");
    printf("lost:        %u\n", lost);
    printf("duplicated:  %u (QoS 1 allows them)\n", t.duplicates);
    printf("malformed:   %u\n", t.malformed);
    printf("reconnects:  %u (driver: %u connection losses seen, %u reboots seen, %u silences, "
           "%u failed attempts, %u escalations, %u dropped, %u given up)\n",
           sh->ev_reconnected, sh->ev_connlost, sh->ev_reboot, sh->ev_silent, sh->ev_retry,
           sh->ev_escalated, sh->ev_dropped, sh->ev_gave_up);
    printf("faults:      connlost %u, reboot %u, silent %u, garble %u (not injected: %u)\n",
           sh->injected[FAULT_CONNLOST], sh->injected[FAULT_REBOOT], sh->injected[FAULT_SILENT],
           sh->injected[FAULT_GARBLE], sh->not_injected);
    pthread_mutex_unlock(&sh->mu);
    if (st == SIM7600_OK)
        printf("driver:      %" PRIu32 " reconnects, %" PRIu32 " reboots, %" PRIu32
               " timeouts, %zu still in its outbox\n",
               h.reconnects, h.reboots, h.timeouts, h.outbox);
    printf("time:        %.1f s (%.0f messages/s)\n", seconds, seconds > 0 ? o->messages / seconds : 0.0);
    nmiss = receiver_missing(run->rx, missing, MISSING_SHOWN);
    if (nmiss > 0) {
        printf("missing:    ");
        for (unsigned i = 0; i < nmiss; i++)
            printf(" %u", missing[i]);
        printf("%s\n", lost > nmiss ? " ..." : "");
    }
    if (lost == 0 && faults_ok && !run->stalled) {
        printf("PASS: 0 lost, %u duplicated, every planned fault fired\n", t.duplicates);
        return 0;
    }
    printf("FAIL: %u lost%s%s\n", lost, faults_ok ? "" : ", some planned faults never took effect",
           run->stalled ? ", the run stalled" : "");
    return 1;
}

/* The plan a seed names, one fault a line: what --print-plan shows. */
static void print_fault_plan(const struct soak_options *o)
{
    struct planned_fault *plan;
    int n = soak_plan(o, &plan);

    printf("seed %" PRIu64 ": %d faults over %u messages\n", o->seed, n, o->messages);
    for (int i = 0; i < n; i++) {
        char cmd[64];
        soak_fault_command(&plan[i], cmd, sizeof cmd);
        printf("  after message %u +%u us: %s, %s\n", plan[i].at_seq, plan[i].jitter_us, cmd,
               fault_place_name(plan[i].place));
    }
    free(plan);
}

static void stop_injector(struct soak_run *run)
{
    pthread_mutex_lock(&run->sh.mu);
    run->sh.stopping = true;
    pthread_cond_broadcast(&run->sh.cv);
    pthread_mutex_unlock(&run->sh.mu);
}

/* One seed, start to finish. @retval 0 pass, 1 fail */
static int run_one(struct soak_run *run)
{
    struct injector inj;
    struct sim_fault_counts fired;
    long long t0, t1;
    int rc = 1;

    pthread_mutex_init(&run->sh.mu, NULL);
    hil_cond_init(&run->sh.cv);
    run->sh.state = SIM7600_STATE_OFF;
    run->planned = soak_plan(&run->opt, &run->plan);
    print_plan(run);
    if (start_world(run) != 0 || start_driver(run) != 0)
        goto out;
    inj = (struct injector){.sim = &run->sim, .plan = run->plan, .count = run->planned,
                            .messages = run->opt.messages,
                            .stall_ms = run->opt.stall_ms, .verbose = run->opt.verbose, .sh = &run->sh};
    t0 = soak_now_ms();
    if (injector_start(&inj) != 0)
        goto out;
    publish_all(run);
    if (run->stalled)               /* the injector must not wait for messages that will not come */
        stop_injector(run);
    injector_join(&inj);
    receiver_wait_all(run->rx, run->opt.stall_ms);
    t1 = soak_now_ms();
    if (sim_fault_counts(&run->sim, &fired) != 0) {
        fprintf(stderr, "sim7600-soak: could not read the simulator's fault counters\n");
        goto out;
    }
    rc = report(run, (double)(t1 - t0) / MS_PER_S, &fired);
out:
    stop_injector(run);
    sim7600_host_stop(&run->host);
    if (run->ser_open)
        sim7600_serial_close(&run->ser);
    receiver_stop(run->rx);
    if (run->sim_started)
        simproc_stop(&run->sim);
    if (run->mq_started)
        mqproc_stop(&run->mq);
    free(run->plan);
    pthread_cond_destroy(&run->sh.cv);
    pthread_mutex_destroy(&run->sh.mu);
    return rc;
}

int main(int argc, char **argv)
{
    static struct soak_run run;
    struct soak_options opt;
    unsigned passed = 0, failed = 0;
    int rc = soak_parse_options(&opt, argc, argv);

    if (rc != 0)
        return rc == 1 ? 0 : 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (unsigned i = 0; i < opt.seeds; i++) {
        memset(&run, 0, sizeof run);
        run.opt = opt;
        run.opt.seed = opt.seed + i;
        if (opt.print_plan)
            print_fault_plan(&run.opt);
        else if (run_one(&run) == 0)
            passed++;
        else
            failed++;
    }
    if (opt.seeds > 1 && !opt.print_plan)
        printf("seeds: %u passed, %u failed (first seed %" PRIu64 ")\n", passed, failed, opt.seed);
    return failed == 0 ? 0 : 1;
}
