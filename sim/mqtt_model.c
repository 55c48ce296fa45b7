/* The MQTT model of reference §6-§7: a module-wide service and two clients.
 *
 * Result codes are never written per command: each command names the state it
 * needs (struct mqtt_spec), and mqtt_precondition() derives the code from the
 * state it finds. Asynchronous outcomes run as events after OK. */
#include "mqtt_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The warm profile's client: what the seed firmware acquired before the MCU reset. */
#define WARM_CLIENT_ID "SIM7600_ESP32_Client"


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
int mqtt_precondition(const struct sim *s, const struct mqtt_client *cl, enum client_need need)
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
enum cmd_result mqtt_refuse(struct sim *s, const struct at_cmdline_cmd *c, int client, int err)
{
    if (client < 0)
        sim_info(s, "%s: %d", c->name, err);
    else
        sim_info(s, "%s: %d,%d", c->name, client, err);
    return CMD_ERROR;
}

/* Reads a number parameter: 0, or the code for a non-number (12) or a value out of range. */
int mqtt_number_param(const struct at_args *a, int i, long min, long max, int range_err, long *out)
{
    const struct at_arg *v = &a->v[i];
    if (v->type != AT_ARG_NUMBER)
        return MQTT_INVALID_PARAMETER;
    if (v->number < min || v->number > max)
        return range_err;
    *out = v->number;
    return MQTT_OK;
}

int mqtt_optional_flag(const struct at_args *a, int i, long *out)
{
    *out = 0;
    return i < a->count ? mqtt_number_param(a, i, 0, 1, MQTT_INVALID_PARAMETER, out) : MQTT_OK;
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
struct mqtt_client *mqtt_client_arg(struct sim *s, const struct at_cmdline_cmd *c, const struct at_args *a,
                                      int min_args, int max_args, enum cmd_result *res)
{
    *res = CMD_ERROR;
    if (c->form != AT_FORM_WRITE || a->count < min_args || a->count > max_args ||
        a->v[0].type != AT_ARG_NUMBER)
        return NULL;
    if (a->v[0].number < 0 || a->v[0].number >= MQTT_CLIENTS) {
        *res = mqtt_refuse(s, c, (int)a->v[0].number, MQTT_CLIENT_INDEX_ERROR);
        return NULL;
    }
    return &s->mqtt.client[a->v[0].number];
}

int mqtt_client_index(const struct sim *s, const struct mqtt_client *cl)
{
    return (int)(cl - s->mqtt.client);
}

/* ---- lifecycle ---------------------------------------------------------------------- */

void mqtt_clear_client(struct mqtt_client *cl)
{
    memset(cl, 0, sizeof *cl);
    cl->check_utf8 = 1;
    cl->mqtt_version = SIM_MQTT_V31;    /* findings §24 */
}

void mqtt_power_on(struct sim *s)
{
    /* the broker sees the module's TCP sessions end with the power */
    mqtt_connection_lost(s, 0);
    for (int i = 0; i < MQTT_CLIENTS; i++)
        mqtt_clear_client(&s->mqtt.client[i]);
    mqtt_tls_power_on(s);
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

/* START and STOP: module-wide. The SIM7600's final result waits for the work
 * and follows the result line; an A76xx says OK first (findings §22). */
static enum cmd_result service_command(struct sim *s, const struct at_cmdline_cmd *c, enum client_need need,
                                       enum mqtt_service during, enum sim_delay delay,
                                       enum event_kind done, int code)
{
    if (c->form != AT_FORM_EXEC)
        return CMD_ERROR;
    int err = mqtt_precondition(s, NULL, need);
    if (err)
        return mqtt_refuse(s, c, -1, err);
    s->mqtt.service = during;
    schedule_result(s, delay, done, -1, code);
    return modem_model(s)->mqtt_ok_first ? CMD_OK : CMD_PENDING;
}

static DECLARE_HANDLER(cmd_mqtt_start)
{
    (void)a;
    return service_command(s, c, NEED_SERVICE_STOPPED, MQTT_SVC_STARTING, DELAY_START, EV_START_DONE,
                           modem_registered(s) ? MQTT_OK : MQTT_NETWORK_OPEN_FAIL);
}

static DECLARE_HANDLER(cmd_mqtt_stop)
{
    (void)a;
    return service_command(s, c, NEED_ALL_RELEASED, MQTT_SVC_STOPPING, DELAY_STOP, EV_STOP_DONE, MQTT_OK);
}

/* ---- ACCQ / REL / CFG ------------------------------------------------------------- */

static DECLARE_HANDLER(cmd_mqtt_accq)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: (0-1),(1-23),(0-1),(3-4)", c->name);
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
    struct mqtt_client *cl = mqtt_client_arg(s, c, a, 2, 4, &res);
    if (!cl)
        return res;
    int i = mqtt_client_index(s, cl);
    char id[MQTT_CLIENT_ID_MAX + 1];
    long type = 0, version = SIM_MQTT_V31;
    int err = string_param(a, 1, 1, MQTT_CLIENT_ID_MAX, id);
    if (!err && a->count > 2)
        err = mqtt_number_param(a, 2, MQTT_SERVER_TCP, MQTT_SERVER_TLS, MQTT_INVALID_PARAMETER, &type);
    if (!err && a->count > 3)
        err = mqtt_number_param(a, 3, SIM_MQTT_V31, SIM_MQTT_V311, MQTT_INVALID_PARAMETER, &version);
    if (!err)
        err = mqtt_precondition(s, cl, NEED_FREE);
    if (err)
        return mqtt_refuse(s, c, i, err);
    mqtt_clear_client(cl);
    cl->state = MQTT_CL_ACQUIRED;
    cl->server_type = (int)type;
    cl->mqtt_version = (enum sim_mqtt_version)version;
    strcpy(cl->id, id);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_mqtt_rel)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: (0-1)", c->name);
        return CMD_OK;
    }
    if (c->form == AT_FORM_READ)
        return CMD_OK;
    enum cmd_result res;
    struct mqtt_client *cl = mqtt_client_arg(s, c, a, 1, 1, &res);
    if (!cl)
        return res;
    int err = mqtt_precondition(s, cl, NEED_RELEASABLE);
    if (err)
        return mqtt_refuse(s, c, mqtt_client_index(s, cl), err);
    mqtt_clear_client(cl);
    return CMD_OK;
}

/* The test and read forms of a setting each client has: the ranges, then a
 * "<client>,<value>" line per client. @retval true if the form was one of them */
static bool client_setting_forms(struct sim *s, const struct at_cmdline_cmd *c, const char *ranges,
                                 const int values[MQTT_CLIENTS])
{
    if (c->form == AT_FORM_TEST)
        sim_info(s, "%s: %s", c->name, ranges);
    else if (c->form == AT_FORM_READ)
        for (int i = 0; i < MQTT_CLIENTS; i++)
            sim_info(s, "%s: %d,%d", c->name, i, values[i]);
    return c->form == AT_FORM_TEST || c->form == AT_FORM_READ;
}

static DECLARE_HANDLER(cmd_mqtt_cfg)
{
    int check_utf8[MQTT_CLIENTS];
    for (int i = 0; i < MQTT_CLIENTS; i++)
        check_utf8[i] = s->mqtt.client[i].check_utf8;
    if (client_setting_forms(s, c, "\"checkUTF8\",(0-1),(0-1)", check_utf8))
        return CMD_OK;
    long idx, flag;
    if (c->form != AT_FORM_WRITE || a->count != 3 || a->v[0].type != AT_ARG_STRING ||
        a->v[0].len != 9 || memcmp(a->v[0].text, "checkUTF8", 9) != 0 ||
        mqtt_number_param(a, 1, 0, MQTT_CLIENTS - 1, 1, &idx) || mqtt_number_param(a, 2, 0, 1, 1, &flag))
        return CMD_ERROR;      /* only "checkUTF8" exists in manual V1.00 (reference §8.3) */
    s->mqtt.client[idx].check_utf8 = (int)flag;
    return CMD_OK;
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
    int i = mqtt_client_index(s, cl);
    if (!modem_registered(s)) {
        schedule_result(s, DELAY_CONNECT, EV_CONNECT_DONE, i, MQTT_NETWORK_NOT_OPENED);
        return;
    }
    char host[MQTT_FIELD_MAX + 1];
    int port;
    split_server(cl->server, host, sizeof host, &port);
    struct sim_tls_config tls;
    const struct sim_tls_config *use_tls;
    int code = mqtt_tls_prepare(s, cl, host, &tls, &use_tls);
    if (code != MQTT_OK) {
        schedule_result(s, DELAY_CONNECT, EV_CONNECT_DONE, i, code);
        return;
    }
    struct sim_link_connect p = {
        .client = i, .client_id = cl->id, .host = host, .port = port, .keepalive = cl->keepalive,
        .mqtt_version = cl->mqtt_version,
        .clean_session = cl->clean_session != 0, .user = cl->user[0] ? cl->user : NULL,
        .pass = cl->pass[0] ? cl->pass : NULL,
        .will_topic = cl->will_topic_len ? (const char *)cl->will_topic : NULL,
        .will_msg = cl->will_msg, .will_msg_len = cl->will_msg_len, .will_qos = cl->will_qos,
        .tls = use_tls,
    };
    s->link->connect(s->link_ctx, &p);
}

static DECLARE_HANDLER(cmd_mqtt_connect)
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
    struct mqtt_client *cl = mqtt_client_arg(s, c, a, 4, 6, &res);
    if (!cl)
        return res;
    char server[MQTT_FIELD_MAX + 1], user[MQTT_FIELD_MAX + 1] = "", pass[MQTT_FIELD_MAX + 1] = "";
    long keepalive, clean;
    int err = string_param(a, 1, 9, MQTT_FIELD_MAX, server);
    if (!err && !starts_with(server, "tcp://"))
        err = MQTT_INVALID_PARAMETER;
    if (!err)
        err = mqtt_number_param(a, 2, 60, 64800, MQTT_INVALID_PARAMETER, &keepalive);
    if (!err)
        err = mqtt_number_param(a, 3, 0, 1, MQTT_INVALID_PARAMETER, &clean);
    if (!err && a->count > 4)
        err = string_param(a, 4, 1, MQTT_FIELD_MAX, user);
    if (!err && a->count > 5)
        err = string_param(a, 5, 1, MQTT_FIELD_MAX, pass);
    if (!err)
        err = mqtt_precondition(s, cl, NEED_IDLE);
    if (err)
        return mqtt_refuse(s, c, mqtt_client_index(s, cl), err);
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

static DECLARE_HANDLER(cmd_mqtt_disc)
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
    struct mqtt_client *cl = mqtt_client_arg(s, c, a, 2, 2, &res);
    if (!cl)
        return res;
    long timeout = 0;
    int err = mqtt_number_param(a, 1, 0, 180, MQTT_INVALID_PARAMETER, &timeout);
    if (!err && timeout > 0 && timeout < 60)
        err = MQTT_INVALID_PARAMETER;
    if (!err)
        err = mqtt_precondition(s, cl, NEED_CONNECTED);
    if (err)
        return mqtt_refuse(s, c, mqtt_client_index(s, cl), err);
    cl->state = MQTT_CL_DISCONNECTING;
    cl->busy = true;
    s->link->disconnect(s->link_ctx, mqtt_client_index(s, cl));
    return CMD_OK;
}

/* ---- PUB / SUB / UNSUB ------------------------------------------------------------- */

static DECLARE_HANDLER(cmd_mqtt_pub)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: (0-1),(0-2),(60-180),(0-1),(0-1)", c->name);
        return CMD_OK;
    }
    enum cmd_result res;
    struct mqtt_client *cl = mqtt_client_arg(s, c, a, 3, 5, &res);
    if (!cl)
        return res;
    long qos, pub_timeout, retain, dup;
    int err = mqtt_number_param(a, 1, 0, 2, MQTT_INVALID_PARAMETER, &qos);
    if (!err)
        err = mqtt_number_param(a, 2, 60, 180, MQTT_INVALID_PARAMETER, &pub_timeout);
    if (!err)
        err = mqtt_optional_flag(a, 3, &retain);
    if (!err)
        err = mqtt_optional_flag(a, 4, &dup);
    if (!err)
        err = mqtt_precondition(s, cl, NEED_CONNECTED);
    if (!err && cl->topic_len == 0)
        err = MQTT_TOPIC_EMPTY;
    if (err)
        return mqtt_refuse(s, c, mqtt_client_index(s, cl), err);
    cl->busy = true;
    s->link->publish(s->link_ctx, mqtt_client_index(s, cl), (const char *)cl->topic, cl->topic_len, cl->payload,
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
        return mqtt_refuse(s, c, mqtt_client_index(s, cl), err);
    char *filters[MQTT_LIST_MAX];
    int qos[MQTT_LIST_MAX];
    for (int k = 0; k < *count; k++) {
        filters[k] = list[k].topic;
        qos[k] = list[k].qos;
    }
    cl->busy = true;
    if (subscribe)
        s->link->subscribe(s->link_ctx, mqtt_client_index(s, cl), *count, filters, qos);
    else
        s->link->unsubscribe(s->link_ctx, mqtt_client_index(s, cl), *count, filters);
    *count = 0;
    return CMD_OK;
}

/* SUB and UNSUB: with a topic they open a data phase; without, they send the
 * list SUBTOPIC/UNSUBTOPIC built ("<i>[,<dup>]" for SUB, "<i>,<dup>" for UNSUB). */
static enum cmd_result sub_or_unsub(struct sim *s, const struct at_cmdline_cmd *c, const struct at_args *a,
                                    bool sub)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: %s", c->name, sub ? "(0-1),(1-1024),(0-2),(0-1)" : "(0-1),(1-1024),(0-1)");
        return CMD_OK;
    }
    if (c->form == AT_FORM_WRITE && (sub ? a->count >= 3 : a->count == 3))
        return mqtt_data_command(s, c, a, sub ? DATA_SUB : DATA_UNSUB, "");
    enum cmd_result res;
    struct mqtt_client *cl = mqtt_client_arg(s, c, a, sub ? 1 : 2, 2, &res);
    if (!cl)
        return res;
    long dup;
    int err = mqtt_optional_flag(a, 1, &dup);
    if (err)
        return mqtt_refuse(s, c, mqtt_client_index(s, cl), err);
    return list_command(s, c, cl, sub);
}

static DECLARE_HANDLER(cmd_mqtt_sub) { return sub_or_unsub(s, c, a, true); }
static DECLARE_HANDLER(cmd_mqtt_unsub) { return sub_or_unsub(s, c, a, false); }

static const struct command commands[] = {
    {"+CMQTTSTART", cmd_mqtt_start, 0}, {"+CMQTTSTOP", cmd_mqtt_stop, 0},
    {"+CMQTTACCQ", cmd_mqtt_accq, 0}, {"+CMQTTREL", cmd_mqtt_rel, 0},
    {"+CMQTTSSLCFG", cmd_mqtt_sslcfg, 0}, {"+CMQTTWILLTOPIC", cmd_mqtt_willtopic, 0},
    {"+CMQTTWILLMSG", cmd_mqtt_willmsg, 0}, {"+CMQTTCONNECT", cmd_mqtt_connect, 0},
    {"+CMQTTDISC", cmd_mqtt_disc, 0}, {"+CMQTTTOPIC", cmd_mqtt_topic, 0},
    {"+CMQTTPAYLOAD", cmd_mqtt_payload, 0}, {"+CMQTTPUB", cmd_mqtt_pub, 0},
    {"+CMQTTSUBTOPIC", cmd_mqtt_subtopic, 0}, {"+CMQTTSUB", cmd_mqtt_sub, 0},
    {"+CMQTTUNSUBTOPIC", cmd_mqtt_unsubtopic, 0}, {"+CMQTTUNSUB", cmd_mqtt_unsub, 0},
    {"+CMQTTCFG", cmd_mqtt_cfg, 0},
};

const struct command_family mqtt_commands = {commands, sizeof commands / sizeof commands[0]};
