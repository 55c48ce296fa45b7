#include "scenario_sim.h"

#include "alloc.h"
#include "module_models.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *number(struct scn_sim_args *a, int slot, long v)
{
    snprintf(a->num[slot], sizeof a->num[slot], "%ld", v);
    return a->num[slot];
}

static void add(struct scn_sim_args *a, const char *opt, const char *value)
{
    a->v[a->n++] = opt;
    if (value)
        a->v[a->n++] = value;
    a->v[a->n] = NULL;
}

void scn_sim_args(const struct scn_world *w, struct scn_sim_args *a)
{
    memset(a, 0, sizeof *a);
    add(a, "--profile", scn_profile_str(w->profile));
    if (!w->sim_present)
        add(a, "--no-sim", NULL);
    add(a, "--rssi", number(a, 0, w->rssi));
    add(a, "--reg", number(a, 1, w->reg_stat));
    add(a, "--latency", scn_latency_str(w->latency));
    add(a, "--baud", number(a, 2, (long)w->baud));
    if (w->model)
        add(a, "--model", w->model->name);
    if (w->replay.ptr) {
        add(a, "--replay", w->replay.ptr);
        add(a, "--replay-speed", number(a, 3, (long)w->replay_speed));
        if (w->replay_strict)
            add(a, "--replay-strict", NULL);
    }
}

static void quoted(struct strbuf *out, const struct scn_bytes *b)
{
    sb_c_quote(out, b->ptr ? b->ptr : "", b->ptr ? b->len : 0);
}

/* refuse_code: the CONNACK code of refuse, the delay in ms of slow. */
static void broker_words(enum scn_broker b, int refuse_code, struct strbuf *out)
{
    if (b == SCN_BROKER_REFUSE || b == SCN_BROKER_SLOW)
        sb_printf(out, "broker %s %d", scn_broker_str(b), refuse_code);
    else
        sb_printf(out, "broker %s", scn_broker_str(b));
}

void scn_sim_broker_line(const struct scn_world *w, struct strbuf *out)
{
    if (w->broker == SCN_BROKER_ACCEPT && w->broker_user.ptr) {
        sb_puts(out, "broker credentials ");
        quoted(out, &w->broker_user);
        sb_puts(out, " ");
        quoted(out, &w->broker_password);
    } else if (w->broker != SCN_BROKER_ACCEPT) {
        broker_words(w->broker, w->broker_refuse_code, out);
    }
}

/* The simulator's connlost and deliver act on every client unless told which;
 * a scenario event always names one (client 0 when it says nothing, as the
 * parser leaves it), so it is always passed on. */
static void client_word(const struct scn_event *ev, struct strbuf *out)
{
    sb_printf(out, " client=%d", ev->client);
}

static void deliver_words(const struct scn_event *ev, struct strbuf *out)
{
    sb_puts(out, "deliver ");
    quoted(out, &ev->topic);
    sb_puts(out, " ");
    if (ev->payload.ptr) {
        quoted(out, &ev->payload);
    } else {
        char *p = xmalloc(ev->payload_size + 1);
        scn_fill_payload(p, ev->payload_size);
        sb_c_quote(out, p, ev->payload_size);
        free(p);
    }
    sb_printf(out, " qos=%d", ev->qos < 0 ? 0 : ev->qos);
    client_word(ev, out);
}

static void replace_words(const struct scn_event *ev, struct strbuf *out)
{
    struct strbuf answer = {0};
    for (size_t i = 0; i < ev->n_lines; i++) {   /* each line as the module frames it */
        sb_puts(&answer, "\r\n");
        sb_add(&answer, ev->lines[i].ptr, ev->lines[i].len);
        sb_puts(&answer, "\r\n");
    }
    sb_puts(out, "replace ");
    sb_c_quote(out, sb_str(&answer), answer.len);
    sb_free(&answer);
}

static void action_words(const struct scn_event *ev, struct strbuf *out)
{
    switch (ev->kind) {
    case SCN_ACT_CONNECTION_LOST:
        sb_printf(out, "connlost %d", ev->cause);
        client_word(ev, out);
        break;
    case SCN_ACT_REBOOT:          sb_puts(out, "reboot"); break;
    case SCN_ACT_SILENT:          sb_printf(out, "silent %u", (unsigned)ev->ms); break;
    case SCN_ACT_REPLACE:         replace_words(ev, out); break;
    case SCN_ACT_DELAY:           sb_printf(out, "delay %u", (unsigned)ev->ms); break;
    case SCN_ACT_GARBLE:
        /* no seed (one the runner did not draw): the simulator goes on with its own sequence */
        sb_printf(out, "garble %u", ev->count);
        if (ev->seed)
            sb_printf(out, " seed=%u", ev->seed);
        break;
    case SCN_ACT_INJECT:
        /* on-send: inside that command's answer, as a URC really arrives */
        sb_puts(out, ev->trig.kind == SCN_TRIG_ON_SEND ? "inject-in-answer " : "inject ");
        quoted(out, &ev->data);
        break;
    case SCN_ACT_DELIVER:         deliver_words(ev, out); break;
    case SCN_ACT_SIGNAL:          sb_printf(out, "signal %d", ev->value); break;
    case SCN_ACT_REGISTRATION:    sb_printf(out, "reg %d", ev->value); break;
    case SCN_ACT_SIM:             sb_puts(out, ev->value ? "sim insert" : "sim remove"); break;
    case SCN_ACT_BROKER:          broker_words(ev->broker, ev->value, out); break;
    case SCN_ACT_SOCKET_CLOSE:    sb_printf(out, "close %d", ev->value); break;
    case SCN_ACT_DNS_FAIL:        sb_puts(out, "dns-fail "); quoted(out, &ev->data); break;
    case SCN_ACT_RESTART_PROGRAM: /* the runner's, on a program: never the simulator's */
    case SCN_ACT_KILL_PROGRAM:
    case SCN_ACT_PAUSE_PROGRAM:   break;
    }
}

void scn_sim_event_line(const struct scn_event *ev, struct strbuf *out)
{
    switch (ev->trig.kind) {
    case SCN_TRIG_AT:
        break;
    case SCN_TRIG_ON_SEND:
        sb_puts(out, "rule on-send ");
        quoted(out, &ev->trig.prefix);
        sb_printf(out, " nth=%u ", ev->trig.nth);
        break;
    case SCN_TRIG_AFTER_PUBLISHES:
        sb_printf(out, "rule after-publishes %u ", ev->trig.publishes);
        break;
    }
    action_words(ev, out);
}
