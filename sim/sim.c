/* The simulator instance: bytes in → line framing → command dispatch → model →
 * responses out. Everything timed goes through one event queue. */
#include "sim_internal.h"

#include "alloc.h"

#include <stdlib.h>
#include <string.h>

/* ms per delay, by latency profile. "fast" keeps only what a test must be able
 * to observe (a CONNECT that never gets its CONNACK still takes a while). The
 * boot's timeline has its own table, in boot.c. */
static const uint32_t delay_ms[2][DELAY_COUNT] = {
    [SIM_LATENCY_FAST] = {
        [DELAY_CONNECT_TIMEOUT] = 200, [DELAY_ESCAPE_GUARD] = 100,
    },
    [SIM_LATENCY_REALISTIC] = {
        [DELAY_START] = 150, [DELAY_STOP] = 100, [DELAY_CONNECT] = 600,
        [DELAY_CONNECT_TIMEOUT] = 30000, [DELAY_SUB] = 250, [DELAY_PUB_QOS0] = 40,
        [DELAY_PUB_ACK] = 200, [DELAY_DISC] = 150, [DELAY_DELIVER] = 80,
        [DELAY_NETOPEN] = 800, [DELAY_SOCKET] = 50,   /* estimates (findings §25) */
        [DELAY_ESCAPE_GUARD] = 1000,                 /* the "+++" guard time, S12's 1 s */
    },
};

void sim_config_defaults(struct sim_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->profile = SIM_PROFILE_COLD;
    cfg->latency = SIM_LATENCY_FAST;
    cfg->baud = 115200;
    cfg->data_timeout_ms = 10000;
    cfg->sim_present = true;
    cfg->rssi = 23;
    cfg->reg_stat = 1;
    cfg->rx_chunk = 500;
}

static void power_cycle_state(struct sim *s);

uint64_t sim_delay_us(const struct sim *s, enum sim_delay d)
{
    return (uint64_t)delay_ms[s->cfg.latency][d] * 1000u;
}

uint64_t sim_real_delay_us(enum sim_delay d)
{
    return (uint64_t)delay_ms[SIM_LATENCY_REALISTIC][d] * 1000u;
}

struct sim *sim_create(const struct sim_config *cfg, uint64_t now_us)
{
    struct sim *s = xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->now_us = now_us;
    s->host_attached = true;     /* output waits in the pty for the first client (a replayed log's) */
    s->world.sim_present = cfg->sim_present;
    s->world.rssi = cfg->rssi;
    s->world.reg_stat = cfg->reg_stat;
    s->world.broker = SIM_BROKER_ACCEPT;
    s->broker = broker_create(mqtt_deliver, s);
    s->link = &link_embedded_ops;
    s->link_ctx = s;
    ssl_init(s);                 /* the store starts empty; the edge may load it */
    http_init(s);
    fifo_init(&s->out, cfg->baud, SIM_OUTPUT_MAX);
    fifo_init(&s->in, cfg->baud, SIM_OUTPUT_MAX);
    if (cfg->profile == SIM_PROFILE_WARM) {
        /* powered long ago: no boot banner, MQTT left as the last firmware run left it */
        modem_power_on(&s->modem);
        s->modem.reported_stat = modem_reg_stat(s);
        mqtt_power_on(s);
        mqtt_apply_warm_profile(s);
        tcpip_power_on(s);
        cch_power_on(s);
        boot_skip(s);
    } else if (cfg->power_on_at_open) {
        power_cycle_state(s);
        s->power = POWER_OFF;     /* until boot_host_opened */
        s->boot = BOOT_OFF;
    } else {
        sim_reboot(s);
    }
    return s;
}

static void free_events(struct sim *s)
{
    for (size_t i = 0; i < s->nevents; i++)
        free(s->events[i].data);
    s->nevents = 0;
}

void sim_destroy(struct sim *s)
{
    if (!s)
        return;
    free_events(s);
    free(s->events);
    faults_free(&s->faults);
    replay_free(s->replay);
    broker_destroy(s->broker);
    ssl_free(s);
    http_free(s);
    fifo_free(&s->out);
    fifo_free(&s->in);
    free(s);
}

void sim_set_publish_observer(struct sim *s, sim_publish_observer fn, void *ctx)
{
    s->observer = fn;
    s->observer_ctx = ctx;
    broker_keep_published(s->broker, fn != NULL);
}

void sim_flush_published(struct sim *s)
{
    struct broker_message m;
    while (broker_take_published(s->broker, &m))
        s->observer(s->observer_ctx, m.topic, m.topic_len, m.payload, m.payload_len, m.qos, m.retain);
}

/* ---- the event queue -------------------------------------------------------- */

void sim_schedule_at(struct sim *s, uint64_t due_us, const struct sim_event *ev)
{
    s->events = grow_array(s->events, &s->events_cap, s->nevents + 1, sizeof *s->events);
    struct sim_event e = *ev;
    e.due_us = due_us;
    e.seq = s->event_seq++;
    size_t i = s->nevents;
    while (i > 0 && s->events[i - 1].due_us > e.due_us)
        i--;
    memmove(&s->events[i + 1], &s->events[i], (s->nevents - i) * sizeof e);
    s->events[i] = e;
    s->nevents++;
}

void sim_schedule(struct sim *s, enum sim_delay delay, const struct sim_event *ev)
{
    sim_schedule_at(s, s->now_us + sim_delay_us(s, delay), ev);
}

/* ---- what a hook queued ------------------------------------------------------ */

/* A rule fires inside a command or an event (its hook), where rebooting the
 * module or running a control command would pull the model out from under
 * its caller; so its action is queued and runs here, as soon as the hook
 * returns and before anything else happens. Every hook's caller calls this. */
void sim_run_rule_actions(struct sim *s)
{
    struct fault_action_item a;
    while (faults_take_action(&s->faults, &a)) {
        switch (a.action) {
        case FAULT_REPLACE:
            sim_raw(s, a.bytes, a.len);
            break;
        case FAULT_DELAY:
            s->out.hold_until_us = s->now_us + (uint64_t)a.amount * 1000u;
            break;
        case FAULT_GARBLE:
            faults_arm_garble(&s->faults, a.amount, a.seed);
            break;
        case FAULT_INJECT_IN_ANSWER:
            faults_arm_answer_inject(&s->faults, a.bytes, a.len);
            a.bytes = NULL;
            break;
        case FAULT_CONTROL: {
            struct strbuf reply = {0};
            control_run(s, a.control, &reply);
            sb_free(&reply);
            break;
        }
        }
        fault_action_item_free(&a);
    }
}

/* ---- events ------------------------------------------------------------------ */

static void run_event(struct sim *s, struct sim_event *ev)
{
    if (ev->kind == EV_BOOT_STEP || ev->kind == EV_BOOT_REGISTERED) {
        boot_event(s, ev);
    } else if (ev->kind == EV_TCPIP) {
        tcpip_event(s, ev);
    } else if (ev->kind == EV_CCH) {
        cch_event(s, ev);
    } else if (ev->kind == EV_HTTP) {
        http_event(s, ev);
    } else {
        mqtt_event(s, ev);
    }
}


/* Host bytes the wire has delivered by now reach the module. */
static void deliver_input(struct sim *s, uint64_t now_us)
{
    uint8_t buf[4096];
    size_t n;
    while ((n = fifo_take(&s->in, buf, sizeof buf, now_us)) > 0)
        sim_process_input(s, buf, n);
}

static void end_data_phase_on_timeout(struct sim *s)
{
    if (s->mode == INPUT_DATA && s->now_us >= s->data.deadline_us) {
        s->mode = INPUT_COMMAND;          /* the partial data is dropped */
        sim_final(s, V250_ERROR);
    }
}

void sim_tick(struct sim *s, uint64_t now_us)
{
    s->now_us = now_us;
    while (s->nevents && s->events[0].due_us <= now_us) {
        struct sim_event ev = s->events[0];
        memmove(&s->events[0], &s->events[1], (s->nevents - 1) * sizeof ev);
        s->nevents--;
        run_event(s, &ev);
        free(ev.data);
        sim_run_rule_actions(s);   /* an after-publishes rule's; a reboot empties the queue, re-read below */
    }
    if (s->replay) {
        struct strbuf due = {0};
        if (replay_due_output(s->replay, now_us, &due))
            sim_raw(s, due.p, due.len);
        sb_free(&due);
    }
    deliver_input(s, now_us);
    end_data_phase_on_timeout(s);
    tcpip_transparent_tick(s);
    ppp_tick(s);
}

/* The paced wires are looked at in slices of this much: a wake-up per byte
 * (every 87 µs at 115200 baud) cost a fifth of a core while a burst streamed;
 * a burst's last byte still arrives on time, so no exchange ends later. */
#define WIRE_SLICE_US 1000u

uint64_t sim_next_deadline(const struct sim *s)
{
    uint64_t t = fifo_wake_us(&s->out, s->now_us, WIRE_SLICE_US);
    uint64_t in = fifo_wake_us(&s->in, s->now_us, WIRE_SLICE_US);
    if (in < t)
        t = in;
    if (s->nevents && s->events[0].due_us < t)
        t = s->events[0].due_us;
    if (s->mode == INPUT_DATA && s->data.deadline_us < t)
        t = s->data.deadline_us;
    if (s->replay && replay_next_due(s->replay) < t)
        t = replay_next_due(s->replay);
    if (tcpip_transparent_deadline(s) < t)
        t = tcpip_transparent_deadline(s);
    if (ppp_deadline(s) < t)
        t = ppp_deadline(s);
    return t;
}

size_t sim_take_output(struct sim *s, uint8_t *dst, size_t cap, uint64_t now_us)
{
    size_t n = fifo_take(&s->out, dst, cap, now_us);
    s->stats.bytes_out += n;
    if (n > 0) {
        tcpip_output_drained(s);    /* pushed socket data may flow again */
        cch_output_drained(s);
        http_output_drained(s);     /* so may an AT+HTTPREAD bigger than the UART holds */
    }
    return n;
}

void sim_unread_output(struct sim *s, size_t n)
{
    fifo_unread(&s->out, n);
    s->stats.bytes_out -= n;
}

/* ---- power, silence, attachment -------------------------------------------- */

/* Everything a power cycle forgets. */
static void power_cycle_state(struct sim *s)
{
    free_events(s);                       /* what was queued for the wire still leaves (CRESET's OK) */
    s->mode = INPUT_COMMAND;
    s->line_len = 0;
    s->prev_len = 0;
    s->silent_until_us = 0;
    modem_power_on(&s->modem);
    s->modem.reported_stat = 0;
    ppp_power_on(s);
    mqtt_power_on(s);
    tcpip_power_on(s);
    cch_power_on(s);
    ssl_power_on(s);                      /* the store is flash: it stays */
    http_power_on(s);
}

/* A power cycle (the control socket's reboot, a cold start). */
void sim_reboot(struct sim *s)
{
    power_cycle_state(s);
    boot_start(s, BOOT_POWER_ON);
}

/* AT+CRESET and AT+CFUN=1,1: the module says goodbye to its network first (findings §7). */
void sim_reset_command(struct sim *s)
{
    sim_final(s, V250_OK);
    mqtt_network_lost(s);
    power_cycle_state(s);
    boot_start(s, BOOT_RESET);
}

/* AT+CPOF: the same goodbye, then the module is off: no boot follows until a
 * power-on (the control socket's reboot), and opening the port wakes nothing. */
void sim_power_off_command(struct sim *s)
{
    sim_final(s, V250_OK);
    mqtt_network_lost(s);
    power_cycle_state(s);
    s->power = POWER_OFF;
    s->boot = BOOT_SWITCHED_OFF;
}

void sim_set_silent(struct sim *s, uint32_t ms)
{
    s->silent_until_us = s->now_us + (uint64_t)ms * 1000u;
    fifo_clear(&s->out);
    s->mode = INPUT_COMMAND;
    s->line_len = 0;
}

void sim_set_host_attached(struct sim *s, bool attached, uint64_t now_us)
{
    s->now_us = now_us;
    s->stats.host_opens += attached;
    if (attached)
        boot_host_opened(s);   /* before the early return: a first host finds the port "attached" */
    if (s->host_attached == attached)
        return;
    s->host_attached = attached;
    if (!attached) {
        fifo_clear(&s->out);
        fifo_clear(&s->in);
        if (s->mode != INPUT_TRANSPARENT && s->mode != INPUT_PPP) /* a data call outlives the host's port */
            s->mode = INPUT_COMMAND;      /* the half-typed line or data dies with the host */
        s->line_len = 0;
        s->after_cr = false;
    }
}

bool sim_host_attached(const struct sim *s)
{
    return s->host_attached;
}

size_t sim_input_room(const struct sim *s)
{
    return s->in.max_bytes > s->in.len ? s->in.max_bytes - s->in.len : 0;
}

/* Bytes enter the host-to-module wire; they reach the module at the baud rate. */
void sim_input(struct sim *s, const uint8_t *data, size_t n, uint64_t now_us)
{
    s->stats.bytes_in += n;
    fifo_append(&s->in, data, n, now_us);
    sim_tick(s, now_us);
}

/* ---- the other ways in ------------------------------------------------------- */

int sim_control(struct sim *s, const char *line, struct strbuf *reply, uint64_t now_us)
{
    sim_tick(s, now_us);
    return control_run(s, line, reply);
}

void sim_link_event(struct sim *s, const struct sim_link_event *ev, uint64_t now_us)
{
    sim_tick(s, now_us);
    mqtt_link_event(s, ev);
    sim_run_rule_actions(s);      /* a PUBACK may fire an after-publishes rule */
}

void sim_net_event(struct sim *s, const struct sim_net_event *ev, uint64_t now_us)
{
    sim_tick(s, now_us);
    if (ev->kind != SIM_NET_RESOLVED && ev->link == HTTP_NET_LINK)
        http_net_event(s, ev);      /* the HTTP client's connection */
    else if (ev->kind != SIM_NET_RESOLVED && ev->link >= CCH_LINK_BASE)
        cch_net_dispatch(s, ev);    /* an SSL session's link */
    else
        tcpip_net_dispatch(s, ev);
    sim_run_rule_actions(s);
}

void sim_set_replay(struct sim *s, struct replay *r, bool strict, uint64_t now_us)
{
    s->now_us = now_us;
    replay_free(s->replay);
    s->replay = r;
    s->replay_strict = strict;
    if (!r)
        return;
    free_events(s);                       /* the log plays its own boot */
    boot_skip(s);
    s->modem.reported_stat = modem_reg_stat(s);
    replay_start(r, now_us);
}

const char *sim_replay_divergence(const struct sim *s)
{
    return s->replay ? replay_divergence(s->replay) : "";
}
