/* The MQTT model of reference §6-§7: a module-wide service and two clients.
 *
 * Result codes are never written per command: each command names the state it
 * needs (struct mqtt_spec), and mqtt_precondition() derives the code from the
 * state it finds. Asynchronous outcomes run as events after OK. */
#include "sim_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The warm profile's client: what the seed firmware acquired before the MCU reset. */
#define WARM_CLIENT_ID "SIM7600_ESP32_Client"

enum client_need {
    NEED_SERVICE_STOPPED,   /* START */
    NEED_ALL_RELEASED,      /* STOP */
    NEED_FREE,              /* ACCQ */
    NEED_HELD,              /* acquired, connected or not: buffers */
    NEED_IDLE,              /* acquired and not connected: CONNECT */
    NEED_RELEASABLE,        /* not connected: REL (a free client releases with plain OK) */
    NEED_CONNECTED,         /* PUB, SUB, UNSUB, DISC */
};

const char *mqtt_client_state_str(enum mqtt_client_state st)
{
    static const char *const names[] = {"free", "acquired", "connecting", "connected", "disconnecting"};
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "?";
}

const char *mqtt_service_str(enum mqtt_service st)
{
    static const char *const names[] = {"stopped", "starting", "started", "stopping"};
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "?";
}

static bool any_client_held(const struct sim *s)
{
    for (int i = 0; i < MQTT_CLIENTS; i++)
        if (s->mqtt.client[i].state != MQTT_CL_FREE)
            return true;
    return false;
}

/* The one place where a state becomes a result code (reference §7.2). */
static int mqtt_precondition(const struct sim *s, const struct mqtt_client *cl, enum client_need need)
{
    enum mqtt_service svc = s->mqtt.service;
    switch (need) {
    case NEED_SERVICE_STOPPED:
        return svc == MQTT_SVC_STOPPED ? MQTT_OK : MQTT_NETWORK_IS_OPENED;
    case NEED_ALL_RELEASED:
        if (svc != MQTT_SVC_STARTED)
            return MQTT_NETWORK_NOT_OPENED;
        return any_client_held(s) ? MQTT_CLIENT_NOT_RELEASED : MQTT_OK;
    default:
        break;
    }
    if (cl->busy)
        return MQTT_CLIENT_BUSY;
    switch (need) {
    case NEED_FREE:
        if (svc != MQTT_SVC_STARTED)
            return MQTT_NETWORK_NOT_OPENED;
        return cl->state == MQTT_CL_FREE ? MQTT_OK : MQTT_CLIENT_USED;
    case NEED_HELD:
        return cl->state == MQTT_CL_FREE ? MQTT_CLIENT_NOT_ACQUIRED : MQTT_OK;
    case NEED_IDLE:
        if (cl->state == MQTT_CL_FREE)
            return MQTT_CLIENT_NOT_ACQUIRED;
        return cl->state == MQTT_CL_CONNECTED ? MQTT_NOT_SUPPORTED : MQTT_OK;
    case NEED_RELEASABLE:
        return cl->state == MQTT_CL_CONNECTED ? MQTT_CLIENT_BUSY : MQTT_OK;
    case NEED_CONNECTED:
        if (cl->state == MQTT_CL_FREE)
            return MQTT_CLIENT_NOT_ACQUIRED;
        return cl->state == MQTT_CL_CONNECTED ? MQTT_OK : MQTT_NO_CONNECTION;
    default:
        return MQTT_OK;
    }
}

/* ---- parameters ------------------------------------------------------------------- */

/* A synchronous refusal: the command's own result line, then ERROR (reference §10). */
static enum cmd_result refuse(struct sim *s, const struct at_cmdline_cmd *c, int client, int err)
{
    if (client < 0)
        sim_info(s, "%s: %d", c->name, err);
    else
        sim_info(s, "%s: %d,%d", c->name, client, err);
    return CMD_ERROR;
}

/* Reads a number parameter: 0, or the code for a non-number (12) or a value out of range. */
static int number_param(const struct at_args *a, int i, long min, long max, int range_err, long *out)
{
    const struct at_arg *v = &a->v[i];
    if (v->type != AT_ARG_NUMBER)
        return MQTT_INVALID_PARAMETER;
    if (v->number < min || v->number > max)
        return range_err;
    *out = v->number;
    return MQTT_OK;
}

static int optional_flag(const struct at_args *a, int i, long *out)
{
    *out = 0;
    return i < a->count ? number_param(a, i, 0, 1, MQTT_INVALID_PARAMETER, out) : MQTT_OK;
}

static int string_param(const struct at_args *a, int i, size_t min, size_t max, char *dst)
{
    const struct at_arg *v = &a->v[i];
    if (v->type != AT_ARG_STRING)
        return MQTT_INVALID_PARAMETER;
    if (v->len < min || v->len > max)
        return MQTT_LENGTH_OUT_OF_RANGE;
    memcpy(dst, v->text, v->len);
    dst[v->len] = '\0';
    return MQTT_OK;
}

/* Write-form preamble shared by every client command: arity, then the client index.
 * Returns the client, or NULL after printing the refusal (*res set). */
static struct mqtt_client *client_arg(struct sim *s, const struct at_cmdline_cmd *c, const struct at_args *a,
                                      int min_args, int max_args, enum cmd_result *res)
{
    *res = CMD_ERROR;
    if (c->form != AT_FORM_WRITE || a->count < min_args || a->count > max_args ||
        a->v[0].type != AT_ARG_NUMBER)
        return NULL;
    if (a->v[0].number < 0 || a->v[0].number >= MQTT_CLIENTS) {
        *res = refuse(s, c, (int)a->v[0].number, MQTT_CLIENT_INDEX_ERROR);
        return NULL;
    }
    return &s->mqtt.client[a->v[0].number];
}

static int client_index(const struct sim *s, const struct mqtt_client *cl)
{
    return (int)(cl - s->mqtt.client);
}

/* ---- lifecycle ---------------------------------------------------------------------- */

static void clear_client(struct mqtt_client *cl)
{
    memset(cl, 0, sizeof *cl);
    cl->check_utf8 = 1;
}

void mqtt_power_on(struct sim *s)
{
    /* the broker sees the module's TCP sessions end with the power */
    mqtt_connection_lost(s, 0);
    for (int i = 0; i < MQTT_CLIENTS; i++)
        clear_client(&s->mqtt.client[i]);
    s->mqtt.service = MQTT_SVC_STOPPED;
}

void mqtt_apply_warm_profile(struct sim *s)
{
    s->mqtt.service = MQTT_SVC_STARTED;
    s->modem.pdp[1].active = true;
    struct mqtt_client *cl = &s->mqtt.client[0];
    cl->state = MQTT_CL_ACQUIRED;
    strcpy(cl->id, WARM_CLIENT_ID);
}

static void schedule_result(struct sim *s, enum sim_delay d, enum event_kind kind, int client, int code)
{
    sim_schedule(s, d, &(struct sim_event){.kind = kind, .client = client, .code = code});
}

/* ---- START / STOP ------------------------------------------------------------------- */

/* START and STOP: module-wide, and their final result waits for the work. */
static enum cmd_result service_command(struct sim *s, const struct at_cmdline_cmd *c, enum client_need need,
                                       enum mqtt_service during, enum sim_delay delay,
                                       enum event_kind done, int code)
{
    if (c->form != AT_FORM_EXEC)
        return CMD_ERROR;
    int err = mqtt_precondition(s, NULL, need);
    if (err)
        return refuse(s, c, -1, err);
    s->mqtt.service = during;
    schedule_result(s, delay, done, -1, code);
    return CMD_PENDING;
}

DECLARE_HANDLER(cmd_mqtt_start)
{
    (void)a;
    return service_command(s, c, NEED_SERVICE_STOPPED, MQTT_SVC_STARTING, DELAY_START, EV_START_DONE,
                           modem_registered(s) ? MQTT_OK : MQTT_NETWORK_OPEN_FAIL);
}

DECLARE_HANDLER(cmd_mqtt_stop)
{
    (void)a;
    return service_command(s, c, NEED_ALL_RELEASED, MQTT_SVC_STOPPING, DELAY_STOP, EV_STOP_DONE, MQTT_OK);
}

/* ---- ACCQ / REL / CFG / SSLCFG ------------------------------------------------------ */

DECLARE_HANDLER(cmd_mqtt_accq)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: (0-1),(1-23),(0-1)", c->name);
        return CMD_OK;
    }
    if (c->form == AT_FORM_READ) {
        for (int i = 0; i < MQTT_CLIENTS; i++) {
            const struct mqtt_client *cl = &s->mqtt.client[i];
            sim_info(s, "%s: %d,\"%s\",%d", c->name, i, cl->id, cl->server_type);
        }
        return CMD_OK;
    }
    enum cmd_result res;
    struct mqtt_client *cl = client_arg(s, c, a, 2, 3, &res);
    if (!cl)
        return res;
    int i = client_index(s, cl);
    char id[MQTT_CLIENT_ID_MAX + 1];
    long type = 0;
    int err = string_param(a, 1, 1, MQTT_CLIENT_ID_MAX, id);
    if (!err && a->count > 2)
        err = number_param(a, 2, 0, 1, MQTT_INVALID_PARAMETER, &type);
    if (!err)
        err = mqtt_precondition(s, cl, NEED_FREE);
    if (err)
        return refuse(s, c, i, err);
    clear_client(cl);
    cl->state = MQTT_CL_ACQUIRED;
    cl->server_type = (int)type;
    strcpy(cl->id, id);
    return CMD_OK;
}

DECLARE_HANDLER(cmd_mqtt_rel)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: (0-1)", c->name);
        return CMD_OK;
    }
    if (c->form == AT_FORM_READ)
        return CMD_OK;
    enum cmd_result res;
    struct mqtt_client *cl = client_arg(s, c, a, 1, 1, &res);
    if (!cl)
        return res;
    int err = mqtt_precondition(s, cl, NEED_RELEASABLE);
    if (err)
        return refuse(s, c, client_index(s, cl), err);
    clear_client(cl);
    return CMD_OK;
}

DECLARE_HANDLER(cmd_mqtt_cfg)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: \"checkUTF8\",(0-1),(0-1)", c->name);
        return CMD_OK;
    }
    if (c->form == AT_FORM_READ) {
        for (int i = 0; i < MQTT_CLIENTS; i++)
            sim_info(s, "%s: %d,%d", c->name, i, s->mqtt.client[i].check_utf8);
        return CMD_OK;
    }
    long idx, flag;
    if (c->form != AT_FORM_WRITE || a->count != 3 || a->v[0].type != AT_ARG_STRING ||
        a->v[0].len != 9 || memcmp(a->v[0].text, "checkUTF8", 9) != 0 ||
        number_param(a, 1, 0, MQTT_CLIENTS - 1, 1, &idx) || number_param(a, 2, 0, 1, 1, &flag))
        return CMD_ERROR;      /* only "checkUTF8" exists in manual V1.00 (reference §8.3) */
    s->mqtt.client[idx].check_utf8 = (int)flag;
    return CMD_OK;
}

DECLARE_HANDLER(cmd_mqtt_sslcfg)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: (0,1),(0-9)", c->name);
        return CMD_OK;
    }
    if (c->form == AT_FORM_READ) {
        for (int i = 0; i < MQTT_CLIENTS; i++)
            sim_info(s, "%s: %d,%d", c->name, i, i);
        return CMD_OK;
    }
    long session, ctx;
    if (c->form != AT_FORM_WRITE || a->count != 2 || number_param(a, 0, 0, 1, 1, &session) ||
        number_param(a, 1, 0, 9, 1, &ctx))
        return CMD_ERROR;
    return CMD_OK;
}

/* ---- '>' data commands -------------------------------------------------------------- */

struct data_spec {
    enum data_target target;
    size_t max_len;
    bool has_qos;
    enum client_need need;
};

static const struct data_spec data_specs[] = {
    [DATA_WILL_TOPIC] = {DATA_WILL_TOPIC, MQTT_TOPIC_MAX, false, NEED_HELD},
    [DATA_WILL_MSG] = {DATA_WILL_MSG, MQTT_PAYLOAD_MAX, true, NEED_HELD},
    [DATA_TOPIC] = {DATA_TOPIC, MQTT_TOPIC_MAX, false, NEED_HELD},
    [DATA_PAYLOAD] = {DATA_PAYLOAD, MQTT_PAYLOAD_MAX, false, NEED_HELD},
    [DATA_SUBTOPIC] = {DATA_SUBTOPIC, MQTT_TOPIC_MAX, true, NEED_HELD},
    [DATA_UNSUBTOPIC] = {DATA_UNSUBTOPIC, MQTT_TOPIC_MAX, false, NEED_HELD},
    [DATA_SUB] = {DATA_SUB, MQTT_TOPIC_MAX, true, NEED_CONNECTED},
    [DATA_UNSUB] = {DATA_UNSUB, MQTT_TOPIC_MAX, false, NEED_CONNECTED},
};

static void begin_data(struct sim *s, enum data_target t, int client, long len, long qos, long dup)
{
    s->data.target = t;
    s->data.client = client;
    s->data.want = (size_t)len;
    s->data.got = 0;
    s->data.qos = (int)qos;
    s->data.dup = (int)dup;
    s->data.deadline_us = s->now_us + (uint64_t)s->cfg.data_timeout_ms * 1000u;
    s->mode = INPUT_DATA;
    sim_prompt(s);
}

static bool list_full(const struct mqtt_client *cl, enum data_target t)
{
    return (t == DATA_SUBTOPIC && cl->sub_count == MQTT_LIST_MAX) ||
           (t == DATA_UNSUBTOPIC && cl->unsub_count == MQTT_LIST_MAX);
}

/* The write form "<i>,<len>[,<qos>][,<dup>]" of every '>' command. */
static enum cmd_result data_command(struct sim *s, const struct at_cmdline_cmd *c, const struct at_args *a,
                                    enum data_target t, const char *test_text)
{
    const struct data_spec *spec = &data_specs[t];
    bool has_dup = t == DATA_SUB || t == DATA_UNSUB;
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: %s", c->name, test_text);
        return CMD_OK;
    }
    int nargs = 2 + spec->has_qos;
    enum cmd_result res;
    struct mqtt_client *cl = client_arg(s, c, a, nargs, nargs + has_dup, &res);
    if (!cl)
        return res;
    int i = client_index(s, cl);
    long len, qos = 0, dup = 0;
    int err = number_param(a, 1, 1, (long)spec->max_len, MQTT_LENGTH_OUT_OF_RANGE, &len);
    if (!err && spec->has_qos)
        err = number_param(a, 2, 0, 2, MQTT_INVALID_PARAMETER, &qos);
    if (!err && has_dup)
        err = optional_flag(a, nargs, &dup);
    if (!err)
        err = mqtt_precondition(s, cl, spec->need);
    if (!err && list_full(cl, t))
        err = MQTT_FAILED;
    if (err)
        return refuse(s, c, i, err);
    begin_data(s, t, i, len, qos, dup);
    return CMD_PROMPT;
}

DECLARE_HANDLER(cmd_mqtt_willtopic) { return data_command(s, c, a, DATA_WILL_TOPIC, "(0-1),(1-1024)"); }
DECLARE_HANDLER(cmd_mqtt_willmsg) { return data_command(s, c, a, DATA_WILL_MSG, "(0-1),(1-10240),(0-2)"); }
DECLARE_HANDLER(cmd_mqtt_topic) { return data_command(s, c, a, DATA_TOPIC, "(0-1),(1-1024)"); }
DECLARE_HANDLER(cmd_mqtt_payload) { return data_command(s, c, a, DATA_PAYLOAD, "(0-1),(1-10240)"); }
DECLARE_HANDLER(cmd_mqtt_subtopic) { return data_command(s, c, a, DATA_SUBTOPIC, "(0-1),(1-1024),(0-2)"); }
DECLARE_HANDLER(cmd_mqtt_unsubtopic) { return data_command(s, c, a, DATA_UNSUBTOPIC, "(0-1),(1-1024)"); }

static bool valid_utf8(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint8_t b = p[i];
        size_t extra = b < 0x80 ? 0 : (b & 0xE0) == 0xC0 ? 1 : (b & 0xF0) == 0xE0 ? 2 : (b & 0xF8) == 0xF0 ? 3 : SIZE_MAX;
        if (extra == SIZE_MAX || extra >= n - i)
            return false;
        for (size_t k = 1; k <= extra; k++)
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
        i += extra + 1;
    }
    return true;
}

static void add_entry(struct topic_entry *list, int *count, const uint8_t *data, size_t n, int qos)
{
    struct topic_entry *e = &list[(*count)++];
    memcpy(e->topic, data, n);
    e->topic[n] = '\0';
    e->len = n;
    e->qos = qos;
}

static const char *data_command_name(enum data_target t)
{
    static const char *const names[] = {
        [DATA_WILL_TOPIC] = "+CMQTTWILLTOPIC", [DATA_WILL_MSG] = "+CMQTTWILLMSG",
        [DATA_TOPIC] = "+CMQTTTOPIC", [DATA_PAYLOAD] = "+CMQTTPAYLOAD",
        [DATA_SUBTOPIC] = "+CMQTTSUBTOPIC", [DATA_UNSUBTOPIC] = "+CMQTTUNSUBTOPIC",
        [DATA_SUB] = "+CMQTTSUB", [DATA_UNSUB] = "+CMQTTUNSUB",
    };
    return names[t];
}

void mqtt_data_complete(struct sim *s)
{
    struct data_phase *d = &s->data;
    struct mqtt_client *cl = &s->mqtt.client[d->client];
    if (cl->check_utf8 && !valid_utf8(d->buf, d->want)) {
        sim_info(s, "%s: %d,%d", data_command_name(d->target), d->client, MQTT_BAD_UTF8);
        sim_final(s, V250_ERROR);
        return;
    }
    switch (d->target) {
    case DATA_WILL_TOPIC:
        memcpy(cl->will_topic, d->buf, d->want);
        cl->will_topic[d->want] = '\0';
        cl->will_topic_len = d->want;
        break;
    case DATA_WILL_MSG:
        memcpy(cl->will_msg, d->buf, d->want);
        cl->will_msg_len = d->want;
        cl->will_qos = d->qos;
        break;
    case DATA_TOPIC:
        memcpy(cl->topic, d->buf, d->want);
        cl->topic_len = d->want;
        break;
    case DATA_PAYLOAD:
        memcpy(cl->payload, d->buf, d->want);
        cl->payload_len = d->want;
        break;
    case DATA_SUBTOPIC:
        add_entry(cl->sub_list, &cl->sub_count, d->buf, d->want, d->qos);
        break;
    case DATA_UNSUBTOPIC:
        add_entry(cl->unsub_list, &cl->unsub_count, d->buf, d->want, 0);
        break;
    case DATA_SUB:
    case DATA_UNSUB: {
        /* the one-topic forms act on that topic alone, not on the list */
        char *filter = (char *)d->buf;
        d->buf[d->want] = '\0';
        cl->busy = true;
        sim_final(s, V250_OK);
        if (d->target == DATA_SUB)
            s->link->subscribe(s->link_ctx, d->client, 1, &filter, &d->qos);
        else
            s->link->unsubscribe(s->link_ctx, d->client, 1, &filter);
        return;
    }
    }
    sim_final(s, V250_OK);
}

/* ---- CONNECT / DISC ----------------------------------------------------------------- */

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "tcp://host[:port]" into its parts; 1883 when no port is given (MQTT §2.2.8). */
static void split_server(const char *server, char *host, size_t cap, int *port)
{
    const char *h = server + strlen("tcp://");
    const char *colon = strrchr(h, ':');
    size_t n = colon ? (size_t)(colon - h) : strlen(h);
    if (n >= cap)
        n = cap - 1;
    memcpy(host, h, n);
    host[n] = '\0';
    *port = colon ? atoi(colon + 1) : 1883;
}

/* The module opens its TCP connection; without a packet network there is none to open. */
static void link_connect(struct sim *s, struct mqtt_client *cl)
{
    int i = client_index(s, cl);
    if (!modem_registered(s)) {
        schedule_result(s, DELAY_CONNECT, EV_CONNECT_DONE, i, MQTT_NETWORK_NOT_OPENED);
        return;
    }
    char host[MQTT_FIELD_MAX + 1];
    int port;
    split_server(cl->server, host, sizeof host, &port);
    struct sim_link_connect p = {
        .client = i, .client_id = cl->id, .host = host, .port = port, .keepalive = cl->keepalive,
        .clean_session = cl->clean_session != 0, .user = cl->user[0] ? cl->user : NULL,
        .pass = cl->pass[0] ? cl->pass : NULL,
        .will_topic = cl->will_topic_len ? (const char *)cl->will_topic : NULL,
        .will_msg = cl->will_msg, .will_msg_len = cl->will_msg_len, .will_qos = cl->will_qos,
    };
    s->link->connect(s->link_ctx, &p);
}

DECLARE_HANDLER(cmd_mqtt_connect)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: (0-1),(9-256),(60-64800),(0-1)", c->name);
        return CMD_OK;
    }
    if (c->form == AT_FORM_READ) {
        for (int i = 0; i < MQTT_CLIENTS; i++) {
            const struct mqtt_client *cl = &s->mqtt.client[i];
            if (cl->state != MQTT_CL_CONNECTED)
                sim_info(s, "%s: %d", c->name, i);
            else if (cl->user[0])
                sim_info(s, "%s: %d,\"%s\",%d,%d,\"%s\",\"%s\"", c->name, i, cl->server, cl->keepalive,
                         cl->clean_session, cl->user, cl->pass);
            else
                sim_info(s, "%s: %d,\"%s\",%d,%d", c->name, i, cl->server, cl->keepalive, cl->clean_session);
        }
        return CMD_OK;
    }
    enum cmd_result res;
    struct mqtt_client *cl = client_arg(s, c, a, 4, 6, &res);
    if (!cl)
        return res;
    char server[MQTT_FIELD_MAX + 1], user[MQTT_FIELD_MAX + 1] = "", pass[MQTT_FIELD_MAX + 1] = "";
    long keepalive, clean;
    int err = string_param(a, 1, 9, MQTT_FIELD_MAX, server);
    if (!err && !starts_with(server, "tcp://"))
        err = MQTT_INVALID_PARAMETER;
    if (!err)
        err = number_param(a, 2, 60, 64800, MQTT_INVALID_PARAMETER, &keepalive);
    if (!err)
        err = number_param(a, 3, 0, 1, MQTT_INVALID_PARAMETER, &clean);
    if (!err && a->count > 4)
        err = string_param(a, 4, 1, MQTT_FIELD_MAX, user);
    if (!err && a->count > 5)
        err = string_param(a, 5, 1, MQTT_FIELD_MAX, pass);
    if (!err)
        err = mqtt_precondition(s, cl, NEED_IDLE);
    if (err)
        return refuse(s, c, client_index(s, cl), err);
    strcpy(cl->server, server);
    strcpy(cl->user, user);
    strcpy(cl->pass, pass);
    cl->keepalive = (int)keepalive;
    cl->clean_session = (int)clean;
    cl->state = MQTT_CL_CONNECTING;
    cl->busy = true;
    link_connect(s, cl);
    return CMD_OK;
}

DECLARE_HANDLER(cmd_mqtt_disc)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: (0-1),(0,60-180)", c->name);
        return CMD_OK;
    }
    if (c->form == AT_FORM_READ) {    /* <disc_state>: 1 disconnected, 0 connected */
        for (int i = 0; i < MQTT_CLIENTS; i++)
            sim_info(s, "%s: %d,%d", c->name, i, s->mqtt.client[i].state != MQTT_CL_CONNECTED);
        return CMD_OK;
    }
    enum cmd_result res;
    struct mqtt_client *cl = client_arg(s, c, a, 2, 2, &res);
    if (!cl)
        return res;
    long timeout = 0;
    int err = number_param(a, 1, 0, 180, MQTT_INVALID_PARAMETER, &timeout);
    if (!err && timeout > 0 && timeout < 60)
        err = MQTT_INVALID_PARAMETER;
    if (!err)
        err = mqtt_precondition(s, cl, NEED_CONNECTED);
    if (err)
        return refuse(s, c, client_index(s, cl), err);
    cl->state = MQTT_CL_DISCONNECTING;
    cl->busy = true;
    s->link->disconnect(s->link_ctx, client_index(s, cl));
    return CMD_OK;
}

/* ---- PUB / SUB / UNSUB ------------------------------------------------------------- */

DECLARE_HANDLER(cmd_mqtt_pub)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: (0-1),(0-2),(60-180),(0-1),(0-1)", c->name);
        return CMD_OK;
    }
    enum cmd_result res;
    struct mqtt_client *cl = client_arg(s, c, a, 3, 5, &res);
    if (!cl)
        return res;
    long qos, pub_timeout, retain, dup;
    int err = number_param(a, 1, 0, 2, MQTT_INVALID_PARAMETER, &qos);
    if (!err)
        err = number_param(a, 2, 60, 180, MQTT_INVALID_PARAMETER, &pub_timeout);
    if (!err)
        err = optional_flag(a, 3, &retain);
    if (!err)
        err = optional_flag(a, 4, &dup);
    if (!err)
        err = mqtt_precondition(s, cl, NEED_CONNECTED);
    if (!err && cl->topic_len == 0)
        err = MQTT_TOPIC_EMPTY;
    if (err)
        return refuse(s, c, client_index(s, cl), err);
    cl->busy = true;
    s->link->publish(s->link_ctx, client_index(s, cl), (const char *)cl->topic, cl->topic_len, cl->payload,
                     cl->payload_len, (int)qos, retain != 0, (uint32_t)pub_timeout);
    cl->topic_len = cl->payload_len = 0;     /* PUB clears both buffers (MQTT §2.2.10-12) */
    return CMD_OK;
}

/* The list forms act on what SUBTOPIC/UNSUBTOPIC collected, and empty the list. */
static enum cmd_result list_command(struct sim *s, const struct at_cmdline_cmd *c, struct mqtt_client *cl,
                                    bool subscribe)
{
    struct topic_entry *list = subscribe ? cl->sub_list : cl->unsub_list;
    int *count = subscribe ? &cl->sub_count : &cl->unsub_count;
    int err = mqtt_precondition(s, cl, NEED_CONNECTED);
    if (!err && *count == 0)
        err = MQTT_TOPIC_EMPTY;
    if (err)
        return refuse(s, c, client_index(s, cl), err);
    char *filters[MQTT_LIST_MAX];
    int qos[MQTT_LIST_MAX];
    for (int k = 0; k < *count; k++) {
        filters[k] = list[k].topic;
        qos[k] = list[k].qos;
    }
    cl->busy = true;
    if (subscribe)
        s->link->subscribe(s->link_ctx, client_index(s, cl), *count, filters, qos);
    else
        s->link->unsubscribe(s->link_ctx, client_index(s, cl), *count, filters);
    *count = 0;
    return CMD_OK;
}

DECLARE_HANDLER(cmd_mqtt_sub)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: (0-1),(1-1024),(0-2),(0-1)", c->name);
        return CMD_OK;
    }
    if (c->form == AT_FORM_WRITE && a->count >= 3)
        return data_command(s, c, a, DATA_SUB, "");
    enum cmd_result res;
    struct mqtt_client *cl = client_arg(s, c, a, 1, 2, &res);
    if (!cl)
        return res;
    long dup;
    int err = optional_flag(a, 1, &dup);
    if (err)
        return refuse(s, c, client_index(s, cl), err);
    return list_command(s, c, cl, true);
}

DECLARE_HANDLER(cmd_mqtt_unsub)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: (0-1),(1-1024),(0-1)", c->name);
        return CMD_OK;
    }
    if (c->form == AT_FORM_WRITE && a->count == 3)
        return data_command(s, c, a, DATA_UNSUB, "");
    enum cmd_result res;
    struct mqtt_client *cl = client_arg(s, c, a, 2, 2, &res);
    if (!cl)
        return res;
    long dup;
    int err = optional_flag(a, 1, &dup);
    if (err)
        return refuse(s, c, client_index(s, cl), err);
    return list_command(s, c, cl, false);
}

/* ---- asynchronous outcomes ----------------------------------------------------------- */

static void finish_connect(struct sim *s, struct mqtt_client *cl, int code)
{
    if (cl->state != MQTT_CL_CONNECTING) {
        /* the module rebooted or lost its network meanwhile: a late success is closed again */
        if (code == MQTT_OK)
            s->link->drop(s->link_ctx, client_index(s, cl));
        return;
    }
    cl->state = code == MQTT_OK ? MQTT_CL_CONNECTED : MQTT_CL_ACQUIRED;
    sim_urc(s, "+CMQTTCONNECT: %d,%d", client_index(s, cl), code);
}

static void print_rx(struct sim *s, int client, const uint8_t *data, size_t tlen, size_t plen);

static void client_event(struct sim *s, const struct sim_event *ev)
{
    struct mqtt_client *cl = &s->mqtt.client[ev->client];
    bool lost = cl->state != MQTT_CL_CONNECTED && ev->kind != EV_CONNECT_DONE;
    int code = ev->code;
    if (ev->kind != EV_RX)   /* a message from the broker is no answer to what is in flight */
        cl->busy = false;
    switch (ev->kind) {
    case EV_CONNECT_DONE:
        finish_connect(s, cl, code);
        return;
    case EV_DISC_DONE:
        if (cl->state == MQTT_CL_DISCONNECTING)
            cl->state = MQTT_CL_ACQUIRED;
        sim_urc(s, "+CMQTTDISC: %d,%d", ev->client, MQTT_OK);
        return;
    case EV_RX:
        if (cl->state == MQTT_CL_CONNECTED) {
            cl->received++;
            s->stats.rx_messages++;
            print_rx(s, ev->client, ev->data, ev->topic_len, ev->payload_len);
        }
        return;
    case EV_PUB_DONE:
        code = lost ? MQTT_NO_CONNECTION : code;
        cl->published += code == MQTT_OK;
        sim_urc(s, "+CMQTTPUB: %d,%d", ev->client, code);
        if (code == MQTT_OK && ev->data)   /* the embedded broker takes it with its PUBACK */
            mqtt_inject(s, (const char *)ev->data, ev->topic_len, ev->data + ev->topic_len,
                        ev->payload_len, ev->qos, ev->retain);
        if (code == MQTT_OK)
            faults_on_publish(&s->faults);
        return;
    case EV_SUB_DONE:
        sim_urc(s, "+CMQTTSUB: %d,%d", ev->client, lost ? MQTT_NO_CONNECTION : code);
        return;
    case EV_UNSUB_DONE:
        sim_urc(s, "+CMQTTUNSUB: %d,%d", ev->client, lost ? MQTT_NO_CONNECTION : code);
        return;
    default:
        return;
    }
}

void mqtt_event(struct sim *s, const struct sim_event *ev)
{
    switch (ev->kind) {
    /* START and STOP print their result line before the final result (findings §2) */
    case EV_START_DONE:
        s->mqtt.service = ev->code == MQTT_OK ? MQTT_SVC_STARTED : MQTT_SVC_STOPPED;
        s->modem.pdp[1].active = ev->code == MQTT_OK;     /* START activates the PDP context */
        sim_urc(s, "+CMQTTSTART: %d", ev->code);
        sim_final(s, ev->code == MQTT_OK ? V250_OK : V250_ERROR);
        return;
    case EV_STOP_DONE:
        s->mqtt.service = MQTT_SVC_STOPPED;
        s->modem.pdp[1].active = false;
        sim_urc(s, "+CMQTTSTOP: %d", ev->code);
        sim_final(s, V250_OK);
        return;
    default:
        client_event(s, ev);
    }
}

/* ---- incoming messages ------------------------------------------------------------- */

/* One header line per chunk, then the chunk's bytes and <CR><LF> (reference §6.8). */
static void print_chunks(struct sim *s, const char *header, int client, const uint8_t *p, size_t n)
{
    char line[64];
    size_t chunk = s->cfg.rx_chunk ? s->cfg.rx_chunk : n;
    for (size_t off = 0; off < n; off += chunk) {
        size_t len = n - off < chunk ? n - off : chunk;
        int k = snprintf(line, sizeof line, "%s: %d,%zu\r\n", header, client, len);
        sim_raw(s, line, (size_t)k);
        sim_raw(s, p + off, len);
        sim_raw(s, "\r\n", 2);
    }
}

/* The RX block is one unit on the wire: a URC's leading <CR><LF>, then lines. */
static void print_rx(struct sim *s, int client, const uint8_t *data, size_t tlen, size_t plen)
{
    char line[64];
    int k = snprintf(line, sizeof line, "\r\n+CMQTTRXSTART: %d,%zu,%zu\r\n", client, tlen, plen);
    sim_raw(s, line, (size_t)k);
    print_chunks(s, "+CMQTTRXTOPIC", client, data, tlen);
    print_chunks(s, "+CMQTTRXPAYLOAD", client, data + tlen, plen);
    k = snprintf(line, sizeof line, "+CMQTTRXEND: %d\r\n", client);
    sim_raw(s, line, (size_t)k);
}

/* A message from the broker for a client: the RX URCs follow after the delivery delay. */
void mqtt_received(struct sim *s, int client, const char *topic, size_t tlen, const uint8_t *payload,
                   size_t plen)
{
    if (client < 0 || client >= MQTT_CLIENTS)
        return;
    struct sim_event ev = {.kind = EV_RX, .client = client, .topic_len = tlen, .payload_len = plen,
                           .data = malloc(tlen + plen + 1)};
    if (!ev.data)
        return;
    memcpy(ev.data, topic, tlen);
    if (plen)
        memcpy(ev.data + tlen, payload, plen);
    sim_schedule(s, DELAY_DELIVER, &ev);
}

void mqtt_inject(struct sim *s, const char *topic, size_t tlen, const uint8_t *payload, size_t plen,
                 int qos, bool retain)
{
    struct broker_message m = {topic, tlen, payload, plen, qos, retain};
    broker_publish(s->broker, &m);
}

static void lose_client(struct sim *s, int i, int cause)
{
    s->mqtt.client[i].state = MQTT_CL_ACQUIRED;
    if (cause) {
        s->stats.connlost++;
        sim_urc(s, "+CMQTTCONNLOST: %d,%d", i, cause);
    }
}

/* The link reports that the broker or the network closed a connection. */
void mqtt_client_lost(struct sim *s, int client, int cause)
{
    enum mqtt_client_state st = s->mqtt.client[client].state;
    if (st == MQTT_CL_CONNECTED || st == MQTT_CL_DISCONNECTING)
        lose_client(s, client, cause);
}

/* Every connection drops without the host asking: the link closes them (the
 * broker sends the wills). Cause 0 is a power loss: nothing is printed. */
void mqtt_connection_lost(struct sim *s, int cause)
{
    for (int i = 0; i < MQTT_CLIENTS; i++) {
        enum mqtt_client_state st = s->mqtt.client[i].state;
        if (st != MQTT_CL_CONNECTED && st != MQTT_CL_DISCONNECTING)
            continue;
        s->link->drop(s->link_ctx, i);
        lose_client(s, i, cause);
    }
}

/* The packet network is gone (registration lost, radio off, reset): every
 * connection drops with cause 3, then +CMQTTNONET (findings §14). That the
 * service is stopped afterwards, its clients released, is an inference. */
void mqtt_network_lost(struct sim *s)
{
    if (s->mqtt.service == MQTT_SVC_STOPPED)
        return;
    mqtt_connection_lost(s, CONNLOST_NETWORK_CLOSED);
    sim_urc(s, "+CMQTTNONET");
    for (int i = 0; i < MQTT_CLIENTS; i++)
        clear_client(&s->mqtt.client[i]);
    s->mqtt.service = MQTT_SVC_STOPPED;
    s->modem.pdp[1].active = false;
}

/* ---- an external link --------------------------------------------------------------- */

void sim_set_link(struct sim *s, const struct sim_link_ops *ops, void *ctx)
{
    s->link = ops ? ops : &link_embedded_ops;
    s->link_ctx = ops ? ctx : s;
}

/* What an external link reports (sim_link_event in sim.c runs the clock first). */
void mqtt_link_event(struct sim *s, const struct sim_link_event *ev)
{
    static const enum event_kind completions[] = {
        [SIM_LINK_CONNECTED] = EV_CONNECT_DONE, [SIM_LINK_DISCONNECTED] = EV_DISC_DONE,
        [SIM_LINK_SUBSCRIBED] = EV_SUB_DONE, [SIM_LINK_UNSUBSCRIBED] = EV_UNSUB_DONE,
        [SIM_LINK_PUBLISHED] = EV_PUB_DONE,
    };
    if (ev->client < 0 || ev->client >= MQTT_CLIENTS)
        return;
    switch (ev->kind) {
    case SIM_LINK_LOST:
        mqtt_client_lost(s, ev->client, ev->code);
        return;
    case SIM_LINK_MESSAGE:
        if (s->mqtt.client[ev->client].state == MQTT_CL_CONNECTED)
            mqtt_received(s, ev->client, ev->topic, ev->topic_len, ev->payload, ev->payload_len);
        return;
    default: {
        /* a result for an operation a power loss already forgot (the link
         * reports what was in flight when a connection drops) */
        if (!s->mqtt.client[ev->client].busy)
            return;
        struct sim_event done = {.kind = completions[ev->kind], .client = ev->client, .code = ev->code};
        mqtt_event(s, &done);
        return;
    }
    }
}
