/* MQTT over the CMQTT commands (reference §6, §8): the session, publish,
 * subscribe, and the URCs (received messages, connection loss, reboot). */
#include <string.h>

#include "sim7600_internal.h"

/* ---- URCs -------------------------------------------------------------------- */

static size_t urc_rx_start(void *ctx, const char *line, size_t len)
{
    struct sim7600 *dev = ctx;
    (void)line;
    (void)len;
    memset(&dev->rx, 0, sizeof dev->rx);
    dev->rx.active = true;
    return 0;
}

/* "+CMQTTRXTOPIC: <i>,<n>" / "+CMQTTRXPAYLOAD: <i>,<n>": RAW(n) follows. */
/* The bytes announced after +CMQTTRXTOPIC/+CMQTTRXPAYLOAD are claimed as raw
 * data; a length beyond what the module can send is noise, not a claim: taking
 * it would make the driver deaf to everything the module says next. */
static size_t claim(struct sim7600 *dev, const char *line, size_t len, uint8_t target)
{
    long v[2];
    unsigned long max = target == 1 ? SIM7600_TOPIC_MAX : SIM7600_PAYLOAD_MAX;
    if (at_scan_ints(line, len, v, 2) != 2 || v[1] < 0 || (unsigned long)v[1] > max)
        return 0;
    dev->rx.target = target;
    return (size_t)v[1];
}

static size_t urc_rx_topic(void *ctx, const char *line, size_t len)
{
    return claim(ctx, line, len, 1);
}

static size_t urc_rx_payload(void *ctx, const char *line, size_t len)
{
    return claim(ctx, line, len, 2);
}

static void append(uint8_t *dst, size_t cap, size_t *fill, const uint8_t *src, size_t n,
                   bool *truncated)
{
    size_t room = cap - *fill;
    if (n > room) {
        n = room;
        *truncated = true;
    }
    memcpy(dst + *fill, src, n);
    *fill += n;
}

void sim7600_on_raw(void *ctx, const uint8_t *data, size_t len)
{
    struct sim7600 *dev = ctx;
    const struct sim7600_config *c = &dev->cfg;

    if (dev->rx.target == 1) /* one byte kept for the NUL */
        append(c->rx_topic, c->rx_topic_cap - 1, &dev->rx.topic_len, data, len,
               &dev->rx.truncated);
    else if (dev->rx.target == 2)
        append(c->rx_payload, c->rx_payload_cap, &dev->rx.payload_len, data, len,
               &dev->rx.truncated);
}

static size_t urc_rx_end(void *ctx, const char *line, size_t len)
{
    struct sim7600 *dev = ctx;
    struct sim7600_message m;
    (void)line;
    (void)len;
    dev->cfg.rx_topic[dev->rx.topic_len] = '\0';
    m.topic = dev->cfg.rx_topic;
    m.topic_len = dev->rx.topic_len;
    m.payload = dev->cfg.rx_payload;
    m.payload_len = dev->rx.payload_len;
    m.truncated = dev->rx.truncated;
    if (m.truncated)
        sim7600_event(dev, SIM7600_EV_RX_TRUNCATED, SIM7600_E_TOO_LONG);
    if (dev->cfg.on_message != NULL)
        dev->cfg.on_message(dev->cfg.cb_ctx, &m);
    memset(&dev->rx, 0, sizeof dev->rx);
    return 0;
}

/* PUB, SUB and UNSUB wait on the broker (marked AT_CMD_MARK): when one is
 * pending and its data (if any) is sent, only the broker's answer is missing.
 * (One still waiting for '>' is left alone: the module would take the next
 * command for its data.) */
#define WAITS_ON_BROKER AT_CMD_MARK

static bool waits_on_broker(const struct sim7600 *dev)
{
    return !at_idle(&dev->at) && dev->at.state != AT_STATE_WAIT_PROMPT &&
           (dev->at.cmd.flags & WAITS_ON_BROKER) != 0;
}

static size_t urc_connlost(void *ctx, const char *line, size_t len)
{
    struct sim7600 *dev = ctx;
    long v[2];
    size_t n = at_scan_ints(line, len, v, 2);
    dev->ev_connlost = true;
    if (waits_on_broker(dev)) /* the broker's answer cannot come: do not wait pub_timeout for it */
        dev->cancel = AT_CANCEL_LOST;
    sim7600_event(dev, SIM7600_EV_CONNLOST, n == 2 ? (int)v[1] : 0);
    return 0;
}

/* RDY starts a boot; +CPIN: READY, SMS DONE and PB DONE follow it over the
 * next seconds. Those only mean a (new) reboot when they interrupt a running
 * session; during bring-up they are the boot we are already handling. */
static size_t urc_boot(void *ctx, const char *line, size_t len)
{
    struct sim7600 *dev = ctx;
    bool rdy = at_line_is(line, len, "RDY");

    if ((rdy && dev->state != SIM7600_STATE_OFF) || dev->state == SIM7600_STATE_CONNECTED)
        dev->ev_rebooted = true;
    if (rdy && dev->ev_rebooted)
        dev->cancel = AT_CANCEL_RESTARTED; /* a restarted module never answers what was pending */
    return 0;
}

/* The SIM went away: whatever happens to the session, bring-up must check
 * the SIM and registration again before the next connect. */
static size_t urc_sim_lost(void *ctx, const char *line, size_t len)
{
    struct sim7600 *dev = ctx;
    (void)line;
    (void)len;
    dev->need_bringup = true;
    return 0;
}

static size_t urc_reg(void *ctx, const char *line, size_t len)
{
    struct sim7600 *dev = ctx;
    (void)line;
    (void)len;
    dev->ev_reg = true;
    return 0;
}

/* Boot lines are not in the manuals (reference §3.1); they are what modules
 * print after power-on, AT+CRESET or a crash. */
static const struct at_urc urcs[] = {
    {"+CMQTTRXSTART:", AT_MATCH_PREFIX, urc_rx_start},
    {"+CMQTTRXTOPIC:", AT_MATCH_PREFIX, urc_rx_topic},
    {"+CMQTTRXPAYLOAD:", AT_MATCH_PREFIX, urc_rx_payload},
    {"+CMQTTRXEND:", AT_MATCH_PREFIX, urc_rx_end},
    {"+CMQTTCONNLOST:", AT_MATCH_PREFIX, urc_connlost},
    {"+CMQTTNONET", AT_MATCH_LINE, urc_connlost},
    {"RDY", AT_MATCH_LINE, urc_boot},
    {"+CPIN: READY", AT_MATCH_LINE, urc_boot},
    {"SMS DONE", AT_MATCH_LINE, urc_boot},
    {"PB DONE", AT_MATCH_LINE, urc_boot},
    {"+CPIN: SIM REMOVED", AT_MATCH_LINE, urc_sim_lost},
    {"+CPIN: NOT READY", AT_MATCH_LINE, urc_sim_lost},
    {"+CPIN: NOT INSERTED", AT_MATCH_LINE, urc_sim_lost},
    {"+CREG:", AT_MATCH_PREFIX, urc_reg},
    {"+CGREG:", AT_MATCH_PREFIX, urc_reg},
    {"+CEREG:", AT_MATCH_PREFIX, urc_reg},
};

const struct at_urc *sim7600_urc_table(size_t *n)
{
    *n = sizeof urcs / sizeof urcs[0];
    return urcs;
}

/* ---- one CMQTT command ------------------------------------------------------------ */

/* "AT+CMQTTxxx=0" + the rest the caller appends. */
static struct at_buf *client_cmd(struct sim7600 *dev, struct at_buf *b, const char *step)
{
    sim7600_cmd_begin(dev, b, step);
    at_buf_str(b, "=" SIM7600_CLIENT);
    return b;
}

/* A CMQTT command whose lines are "+CMQTTxxx: ..." (AT_CMD_NAMED). */
static int run(struct sim7600 *dev, const struct at_buf *b, unsigned flags, uint32_t timeout_ms)
{
    return sim7600_run(dev, b, flags | AT_CMD_NAMED, timeout_ms, NULL, 0);
}

/* A '>' command: AT+CMQTTxxx=0,<n>[,<extra>] then the n bytes. */
static int run_data(struct sim7600 *dev, const char *step, const uint8_t *data, size_t n, int extra,
                    unsigned flags, uint32_t timeout_ms)
{
    struct at_buf b;

    client_cmd(dev, &b, step);
    at_buf_arg_u32(&b, (uint32_t)n);
    if (extra >= 0) {
        at_buf_arg_u32(&b, (uint32_t)extra);
    }
    return sim7600_run(dev, &b, AT_CMD_PROMPT | AT_CMD_ERR_LINE | AT_CMD_NAMED | flags, timeout_ms,
                       data, n);
}

static uint32_t broker_timeout(const struct sim7600 *dev)
{
    return dev->cfg.pub_timeout_s * 1000u + SIM7600_MODULE_TIMEOUT_MARGIN_MS;
}

/* ---- session --------------------------------------------------------------------- */

/* @retval OK (fresh), SIM7600_E_MQTT_NET_OPENED classified as "warm", or a failure */
static int start_service(struct sim7600 *dev, bool *warm)
{
    struct at_buf b;
    int st;

    sim7600_cmd_begin(dev, &b, "AT+CMQTTSTART");
    st = run(dev, &b, AT_CMD_RESULT_LINE, dev->cfg.start_timeout_ms);
    *warm = (st == SIM7600_E_MQTT_NET_OPENED);
    if (*warm)
        sim7600_log(dev, "AT+CMQTTSTART", "23: service already started (warm module)");
    return *warm ? SIM7600_OK : st;
}

/* Undo whatever a previous run left: DISC then REL (REL after DISC, MQTT
 * §2.2.4). Each "nothing to undo" answer is named. */
static const sim7600_status_set disc_nothing[] = {SIM7600_OK, SIM7600_E_MQTT_NO_CONNECTION,
                                   SIM7600_E_MQTT_CLIENT_NOT_ACQUIRED, SIM7600_E_ERROR};
static const sim7600_status_set rel_nothing[] = {SIM7600_OK, SIM7600_E_MQTT_CLIENT_NOT_ACQUIRED, SIM7600_E_ERROR};

static int disc(struct sim7600 *dev)
{
    struct at_buf b;

    client_cmd(dev, &b, "AT+CMQTTDISC");
    at_buf_str(&b, ",60");
    return run(dev, &b, AT_CMD_RESULT_LINE | AT_CMD_ACK_FIRST,
               60000u + SIM7600_MODULE_TIMEOUT_MARGIN_MS);
}

static int rel(struct sim7600 *dev)
{
    struct at_buf b;

    client_cmd(dev, &b, "AT+CMQTTREL");
    return run(dev, &b, AT_CMD_ERR_LINE, 0);
}

static int release_client(struct sim7600 *dev)
{
    int st = disc(dev);

    if (!SIM7600_STATUS_IN(st, disc_nothing))
        return st;
    st = rel(dev);
    return SIM7600_STATUS_IN(st, rel_nothing) ? SIM7600_OK : st;
}

static int acquire(struct sim7600 *dev)
{
    struct at_buf b;
    int st;

    client_cmd(dev, &b, "AT+CMQTTACCQ");
    at_buf_arg_quoted(&b, dev->cfg.client_id);
    at_buf_arg_u32(&b, dev->cfg.tls != NULL); /* server type: 1 SSL/TLS */
    st = run(dev, &b, AT_CMD_ERR_LINE, 0);
    if (st == SIM7600_E_MQTT_CLIENT_USED) {
        sim7600_log(dev, "AT+CMQTTACCQ", "19: client 0 already acquired");
        return SIM7600_OK;
    }
    return st;
}

static int connect_broker(struct sim7600 *dev)
{
    const struct sim7600_config *c = &dev->cfg;
    struct at_buf b;

    client_cmd(dev, &b, "AT+CMQTTCONNECT");
    at_buf_arg_quoted(&b, c->broker);
    at_buf_arg_u32(&b, c->keepalive_s);
    at_buf_arg_u32(&b, c->clean_session);
    if (c->user != NULL) {
        at_buf_arg_quoted(&b, c->user);
    }
    if (c->pass != NULL) {
        at_buf_arg_quoted(&b, c->pass);
    }
    return run(dev, &b, AT_CMD_RESULT_LINE | AT_CMD_SECRET | AT_CMD_ACK_FIRST,
               c->connect_timeout_ms);
}

static int resubscribe(struct sim7600 *dev)
{
    size_t i;
    for (i = 0; i < dev->n_subs; i++) {
        int st = sim7600_sub_send(dev, dev->cfg.subs[i].topic, dev->cfg.subs[i].qos);
        if (st != SIM7600_OK)
            return st;
    }
    return SIM7600_OK;
}

static bool params_ok(const struct sim7600_config *c)
{
    size_t id = c->client_id != NULL ? strlen(c->client_id) : 0;
    size_t br = c->broker != NULL ? strlen(c->broker) : 0;
    return id >= 1 && id <= 23 && br >= 9 && br <= 256 && memcmp(c->broker, "tcp://", 6) == 0;
}

#define DISC_STATE_DISCONNECTED 1   /* AT+CMQTTDISC?'s <disc_state> (AT reference §6.3) */

/* "+CMQTTDISC: <client>,<disc_state>", one line per client. */
static void on_disc_state(void *ctx, const char *line, size_t len)
{
    bool *down = ctx;
    long v[2];
    if (at_scan_ints(line, len, v, 2) == 2 && v[0] == SIM7600_CLIENT_INDEX && v[1] == DISC_STATE_DISCONNECTED)
        *down = true;
}

/* A session whose +CMQTTCONNLOST never arrived (a garbled or silent stretch
 * ate it) is found dead here, by the idle probe, not at the next publish,
 * which a device that only subscribes never makes. */
int sim7600_query_session(struct sim7600 *dev)
{
    bool down = false;
    int st = sim7600_exec_simple(dev, "AT+CMQTTDISC?", on_disc_state, &down);
    if (st == SIM7600_OK && down)
        dev->ev_connlost = true;
    return st;
}

int sim7600_session_open(struct sim7600 *dev)
{
    bool warm = false;
    int st;

    if (!params_ok(&dev->cfg))
        return SIM7600_E_PARAM;
    dev->ev_connlost = false;
    st = start_service(dev, &warm);
    if (st == SIM7600_OK && warm)
        st = release_client(dev);
    if (st == SIM7600_OK)
        st = acquire(dev);
    if (st == SIM7600_OK)
        st = sim7600_tls_bind(dev);
    if (st == SIM7600_OK)
        st = connect_broker(dev);
    if (st == SIM7600_OK)
        st = resubscribe(dev);
    if (st == SIM7600_OK) {
        dev->backoff_ms = dev->cfg.backoff_min_ms;
        sim7600_set_state(dev, SIM7600_STATE_CONNECTED);
    }
    return st;
}

static int stop_service(struct sim7600 *dev)
{
    struct at_buf b;
    int st;

    sim7600_cmd_begin(dev, &b, "AT+CMQTTSTOP");
    st = run(dev, &b, AT_CMD_RESULT_LINE, dev->cfg.start_timeout_ms);
    return st == SIM7600_E_MQTT_NET_NOT_OPENED ? SIM7600_OK : st; /* 9: already stopped */
}

void sim7600_session_teardown(struct sim7600 *dev)
{
    /* each step whatever the one before answered: a wedged client refuses some */
    (void)disc(dev);
    (void)rel(dev);
    (void)stop_service(dev);
}

int sim7600_session_close(struct sim7600 *dev)
{
    int st = release_client(dev);
    if (st == SIM7600_OK)
        st = stop_service(dev);
    if (st == SIM7600_E_MQTT_CLIENT_NOT_RELEASED) { /* 21: a client is still held */
        st = release_client(dev);
        if (st == SIM7600_OK)
            st = stop_service(dev);
    }
    if (st == SIM7600_OK)
        sim7600_set_state(dev, SIM7600_STATE_CLOSED);
    return st;
}

/* ---- publish / subscribe ------------------------------------------------------------ */

int sim7600_pub_send(struct sim7600 *dev, const uint8_t *topic, size_t topic_len,
                     const uint8_t *payload, size_t payload_len, uint8_t qos, bool retain)
{
    struct at_buf b;
    int st = run_data(dev, "AT+CMQTTTOPIC", topic, topic_len, -1, 0, 0);

    if (st == SIM7600_OK && payload_len > 0) /* an empty payload is legal (MQTT §3.5) */
        st = run_data(dev, "AT+CMQTTPAYLOAD", payload, payload_len, -1, 0, 0);
    if (st != SIM7600_OK)
        return st;
    client_cmd(dev, &b, "AT+CMQTTPUB");
    at_buf_arg_u32(&b, qos);
    at_buf_arg_u32(&b, dev->cfg.pub_timeout_s);
    if (retain)
        at_buf_str(&b, ",1");
    return run(dev, &b, AT_CMD_RESULT_LINE | AT_CMD_ACK_FIRST | WAITS_ON_BROKER,
               dev->cfg.pub_result_timeout_ms);
}

int sim7600_sub_send(struct sim7600 *dev, const char *topic, uint8_t qos)
{
    /* AT+CMQTTSUB=0,<len>,<qos>, then the topic after '>' (reference §8.2). */
    return run_data(dev, "AT+CMQTTSUB", (const uint8_t *)topic, strlen(topic), qos,
                    AT_CMD_RESULT_LINE | AT_CMD_ACK_FIRST | WAITS_ON_BROKER, broker_timeout(dev));
}

static int unsub_send(struct sim7600 *dev, const char *topic)
{
    return run_data(dev, "AT+CMQTTUNSUB", (const uint8_t *)topic, strlen(topic), 0,
                    AT_CMD_RESULT_LINE | AT_CMD_ACK_FIRST | WAITS_ON_BROKER, broker_timeout(dev));
}

/* The checks the module would make (MQTT §2.3.1 codes 2, 18, 22), made here,
 * so that its own codes never need to be trusted to drop a message. */
static bool topic_ok(const char *topic)
{
    size_t n = topic != NULL ? strlen(topic) : 0;
    return n >= 1 && n <= SIM7600_TOPIC_MAX && at_utf8_valid(topic, n);
}

static size_t find_sub(const struct sim7600 *dev, const char *topic)
{
    size_t i;
    for (i = 0; i < dev->n_subs; i++) {
        if (strcmp(dev->cfg.subs[i].topic, topic) == 0)
            break;
    }
    return i;
}

/* The last slot moves into the hole and is cleared: a topic left behind there
 * would sit in two slots, and an owner freeing what the table holds would
 * free it twice (the contract at struct sim7600_sub). */
static void forget_sub(struct sim7600 *dev, size_t i)
{
    dev->n_subs--;
    dev->cfg.subs[i] = dev->cfg.subs[dev->n_subs];
    dev->cfg.subs[dev->n_subs].topic = NULL;
}

static int subscribe_locked(struct sim7600 *dev, const char *topic, uint8_t qos)
{
    size_t i = find_sub(dev, topic);
    int st;

    if (i == dev->n_subs) {
        if (dev->n_subs == dev->cfg.subs_cap)
            return SIM7600_E_TOO_LONG;
        dev->n_subs++;
    }
    dev->cfg.subs[i].topic = topic;
    dev->cfg.subs[i].qos = qos;
    if (dev->state != SIM7600_STATE_CONNECTED)
        return SIM7600_QUEUED;
    st = sim7600_sub_send(dev, topic, qos);
    if (st != SIM7600_OK && !sim7600_status_is_link_error(st))
        forget_sub(dev, i); /* refused for good: do not renew it on every reconnect */
    return sim7600_link_check(dev, st);
}

int sim7600_subscribe(struct sim7600 *dev, const char *topic, uint8_t qos)
{
    int st;
    if (!topic_ok(topic) || qos > 2)
        return SIM7600_E_PARAM;
    sim7600_lock(dev);
    st = subscribe_locked(dev, topic, qos);
    sim7600_unlock(dev);
    return st;
}

int sim7600_unsubscribe(struct sim7600 *dev, const char *topic)
{
    size_t i;
    int st = SIM7600_OK;

    if (!topic_ok(topic))
        return SIM7600_E_PARAM;
    sim7600_lock(dev);
    i = find_sub(dev, topic);
    if (i < dev->n_subs)
        forget_sub(dev, i);
    if (dev->state == SIM7600_STATE_CONNECTED)
        st = sim7600_link_check(dev, unsub_send(dev, topic));
    sim7600_unlock(dev);
    return st;
}

static int publish_locked(struct sim7600 *dev, const char *topic, const void *payload, size_t len,
                          uint8_t qos, bool retain)
{
    size_t ticket;
    int st, ticket_st = SIM7600_QUEUED;

    if (qos == 0) {
        if (dev->state != SIM7600_STATE_CONNECTED)
            return SIM7600_E_NOT_CONNECTED;
        return sim7600_link_check(dev, sim7600_pub_send(dev, (const uint8_t *)topic,
                                                        strlen(topic), payload, len, 0, retain));
    }
    st = sim7600_outbox_push(dev, topic, payload, len, qos, retain, &ticket);
    if (st != SIM7600_OK)
        return st;
    if (dev->state == SIM7600_STATE_CONNECTED)
        sim7600_outbox_flush(dev, ticket, &ticket_st);
    return ticket_st;
}

int sim7600_publish(struct sim7600 *dev, const char *topic, const void *payload, size_t len,
                    uint8_t qos, bool retain)
{
    int st;
    if (!topic_ok(topic) || qos > 2 || len > SIM7600_PAYLOAD_MAX || (len > 0 && payload == NULL))
        return SIM7600_E_PARAM;
    sim7600_lock(dev);
    st = publish_locked(dev, topic, payload, len, qos, retain);
    sim7600_unlock(dev);
    return st;
}

int sim7600_mqtt_connect(struct sim7600 *dev)
{
    int st;
    sim7600_lock(dev);
    dev->want_connected = true;
    st = sim7600_session_open(dev);
    if (st == SIM7600_OK)
        sim7600_outbox_flush(dev, (size_t)-1, NULL);
    sim7600_unlock(dev);
    return st;
}

int sim7600_connect(struct sim7600 *dev)
{
    int st = SIM7600_OK;
    sim7600_lock(dev);
    dev->want_connected = true;
    if (dev->need_bringup || dev->state == SIM7600_STATE_OFF)
        st = sim7600_modem_up(dev);
    if (st == SIM7600_OK)
        st = sim7600_session_open(dev);
    if (st == SIM7600_OK)
        sim7600_outbox_flush(dev, (size_t)-1, NULL);
    sim7600_unlock(dev);
    return st;
}

int sim7600_disconnect(struct sim7600 *dev)
{
    int st;
    sim7600_lock(dev);
    dev->want_connected = false;
    st = sim7600_session_close(dev);
    sim7600_unlock(dev);
    return st;
}
