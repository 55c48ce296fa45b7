/* Keywords of the events (simulator only): a trigger (at, on-send,
 * after-publishes) and, on the same line, the action it fires. */
#include "scn_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- triggers ---- */

static void trig_at(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_event *e = obj;
    (void)d;
    scn_get_duration(p, a->pos[0], "'at'", &e->trig.at_ms);
}

static void trig_on_send(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_event *e = obj;
    long n = 1;
    (void)d;
    if (scn_get_string(p, a->pos[0], "the command prefix", &e->trig.prefix) && e->trig.prefix.len == 0)
        scn_perr(p, "the command prefix is empty; expected the start of a command line, as in \"AT+CMQTTPUB\"");
    scn_opt_uint(p, a, "nth", 1, 1000000, &n);
    e->trig.nth = (unsigned)n;
}

static void trig_after_publishes(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_event *e = obj;
    long n;
    (void)d;
    if (scn_get_uint(p, a->pos[0], "publish count", 1, 1000000, &n)) e->trig.publishes = (unsigned)n;
}

/* ---- actions ---- */

static void act_connection_lost(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_event *e = obj;
    long v;
    (void)d;
    if (scn_get_uint(p, a->pos[0], "connection-lost cause", 1, 3, &v)) e->cause = (int)v;
    scn_opt_int(p, a, "client", 0, 1, &e->client);
}

static void act_none(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    (void)p; (void)d; (void)a; (void)obj;
}

static void act_duration(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_event *e = obj;
    char what[48];
    snprintf(what, sizeof what, "'%s'", d->name);
    scn_get_duration(p, a->pos[0], what, &e->ms);
}

static void act_replace(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_event *e = obj;
    (void)d;
    for (size_t i = 0; i < a->n_pos && i < SCN_MAX_REPLACE_LINES; i++) {
        if (!scn_get_string(p, a->pos[i], "a replacement line", &e->lines[i])) return;
        e->n_lines = i + 1;
    }
}

static void act_garble(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_event *e = obj;
    long v, seed = 0;   /* none given: the runner draws one from the run's seed (seeds.h) */
    (void)d;
    if (scn_get_uint(p, a->pos[0], "garble byte count", 1, 100000, &v)) e->count = (unsigned)v;
    scn_opt_uint(p, a, "seed", 1, 0xFFFFFFFFul, &seed);
    e->seed = (unsigned)seed;
}

static void act_inject(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_event *e = obj;
    (void)d;
    if (scn_get_string(p, a->pos[0], "the bytes", &e->data) && e->data.len == 0)
        scn_perr(p, "'inject' needs at least one byte");
}

static void act_deliver(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_event *e = obj;
    if (scn_get_string(p, a->pos[0], "the topic", &e->topic) && (e->topic.len < 1 || e->topic.len > 1024))
        scn_perr(p, "the topic must be 1 to 1024 bytes, got %zu", e->topic.len);
    scn_get_payload(p, a, 1, d->name, &e->payload, &e->payload_size);
    if (e->payload.ptr) e->payload_size = e->payload.len;
    scn_opt_int(p, a, "qos", 0, 2, &e->qos);
    scn_opt_int(p, a, "client", 0, 1, &e->client);
}

/* The world changes during the run: the start state's words (scn_kw_world.c). */

static void act_signal(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    (void)d;
    scn_get_rssi(p, a, &((struct scn_event *)obj)->value);
}

static void act_registration(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    (void)d;
    scn_get_reg(p, a, &((struct scn_event *)obj)->value);
}

static void act_sim(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    (void)d;
    scn_get_sim(p, a, &((struct scn_event *)obj)->value);
}

static void act_broker(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_event *e = obj;
    (void)d;
    scn_get_broker(p, a, &e->broker, &e->value);
}

/* The socket family's faults (the simulator's control words close, dns-fail). */

#define SOCKET_LINK_MAX 9      /* links 0-9, as AT+CIPOPEN numbers them */
#define HOST_NAME_MAX_LEN 253  /* a DNS name's longest text form */
#define REG_NOT_REGISTERED 0   /* 3GPP 27.007 <stat> 0 */

static void act_socket_close(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_event *e = obj;
    long v;
    (void)d;
    if (scn_get_uint(p, a->pos[0], "socket link", 0, SOCKET_LINK_MAX, &v)) e->value = (int)v;
}

static void act_dns_fail(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_event *e = obj;
    (void)d;
    if (!scn_get_string(p, a->pos[0], "the host name", &e->data)) return;
    if (e->data.len == 0 || e->data.len > HOST_NAME_MAX_LEN || e->data.len != strlen(e->data.ptr) ||
        strpbrk(e->data.ptr, " \t\"\\:"))
        scn_perr(p, "bad host name \"%s\" for dns-fail; expected a name as the firmware opens it, "
                    "1 to %d characters without blanks, quotes or a port (\"cloud.example.com\")",
                 e->data.ptr, HOST_NAME_MAX_LEN);
}

/* The network drops: registration goes to 0, which closes the module's
 * network (+CIPEVENT) and its sockets (+IPCLOSE), as the simulator's reg 0. */
static void act_network_lost(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    (void)p; (void)d; (void)a;
    ((struct scn_event *)obj)->value = REG_NOT_REGISTERED;
}

/* ---- the tables ---- */

static const char *const K_NTH[] = { "nth", NULL };
static const char *const K_CLIENT[] = { "client", NULL };
static const char *const K_GARBLE[] = { "seed", NULL };
static const char *const K_DELIVER[] = { "size", "qos", "client", NULL };
static const char *const K_PROGRAM[] = { "program", NULL };

#define EV (KW_EVENT | KW_SIM_ONLY)

static const struct scn_kw triggers[] = {
    { "at", 1, 1, EV, NULL, "at DURATION ACTION ...", trig_at, SCN_TRIG_AT },
    { "on-send", 1, 1, EV, K_NTH, "on-send \"PREFIX\" [nth=N] ACTION ...", trig_on_send, SCN_TRIG_ON_SEND },
    { "after-publishes", 1, 1, EV, NULL, "after-publishes N ACTION ...", trig_after_publishes,
      SCN_TRIG_AFTER_PUBLISHES },
};

#undef EV

static const struct scn_kw actions[] = {
    { "connection-lost", 1, 1, 0, K_CLIENT, "connection-lost CAUSE(1-3) [client=0|1]", act_connection_lost,
      SCN_ACT_CONNECTION_LOST },
    { "reboot", 0, 0, 0, NULL, "reboot", act_none, SCN_ACT_REBOOT },
    { "silent", 1, 1, 0, NULL, "silent DURATION", act_duration, SCN_ACT_SILENT },
    { "replace", 1, SCN_MAX_REPLACE_LINES, KW_ON_SEND, NULL, "replace \"LINE\" [\"LINE\"...]", act_replace,
      SCN_ACT_REPLACE },
    { "delay", 1, 1, KW_ON_SEND, NULL, "delay DURATION", act_duration, SCN_ACT_DELAY },
    { "garble", 1, 1, 0, K_GARBLE, "garble N [seed=S]", act_garble, SCN_ACT_GARBLE },
    { "inject", 1, 1, 0, NULL, "inject \"BYTES\"", act_inject, SCN_ACT_INJECT },
    { "deliver", 1, 2, 0, K_DELIVER, "deliver \"TOPIC\" \"PAYLOAD\"|size=N [qos=0-2] [client=0|1]", act_deliver,
      SCN_ACT_DELIVER },
    { "signal", 1, 1, 0, NULL, "signal RSSI", act_signal, SCN_ACT_SIGNAL },
    { "registration", 1, 1, 0, NULL, "registration STAT", act_registration, SCN_ACT_REGISTRATION },
    { "sim", 1, 1, 0, NULL, "sim present|absent", act_sim, SCN_ACT_SIM },
    { "broker", 1, 2, 0, NULL, "broker accept|refuse CODE|unreachable|dns-fail|no-connack", act_broker,
      SCN_ACT_BROKER },
    { "socket-close", 1, 1, 0, NULL, "socket-close LINK(0-9)", act_socket_close, SCN_ACT_SOCKET_CLOSE },
    { "dns-fail", 1, 1, 0, NULL, "dns-fail \"NAME\"", act_dns_fail, SCN_ACT_DNS_FAIL },
    { "network-lost", 0, 0, 0, NULL, "network-lost (= registration 0)", act_network_lost, SCN_ACT_REGISTRATION },
    { "restart-program", 0, 0, 0, K_PROGRAM, "restart-program [program=NAME]", scn_act_program,
      SCN_ACT_RESTART_PROGRAM },
    { "kill-program", 0, 0, 0, K_PROGRAM, "kill-program [program=NAME]", scn_act_program, SCN_ACT_KILL_PROGRAM },
    { "pause-program", 1, 1, 0, K_PROGRAM, "pause-program DURATION [program=NAME]", scn_act_program,
      SCN_ACT_PAUSE_PROGRAM },
};

const struct scn_kw_family scn_kw_triggers = { triggers, sizeof triggers / sizeof triggers[0] };
const struct scn_kw_family scn_kw_actions = { actions, sizeof actions / sizeof actions[0] };
