/* The embedded broker as the MQTT model's link: every request is answered by
 * the world of struct world (accept, refuse, unreachable...) and broker.c,
 * after the delays of the latency profile. No network. */
#include "sim_internal.h"

#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static int connect_outcome(const struct world *w, const struct sim_link_connect *p)
{
    /* the TLS handshake follows the TCP connect and precedes the CONNACK */
    bool reached = w->broker != SIM_BROKER_UNREACHABLE && w->broker != SIM_BROKER_DNS_FAIL;
    if (reached && p->tls && world_tls_fault_fails(w->tls_fault, p->tls))
        return MQTT_HANDSHAKE_FAIL;
    switch (w->broker) {
    case SIM_BROKER_UNREACHABLE:
        return MQTT_SOCK_CONNECT_FAIL;
    case SIM_BROKER_DNS_FAIL:
        return MQTT_DNS_ERROR;
    case SIM_BROKER_NO_CONNACK:
        return MQTT_TIMEOUT;
    case SIM_BROKER_REFUSE:
        return MQTT_REFUSED_PROTOCOL - 1 + w->refuse_code;   /* CONNACK 1-5 → 27-31 */
    case SIM_BROKER_ACCEPT:
    case SIM_BROKER_SLOW:
        break;
    }
    bool creds_ok = p->user && p->pass && strcmp(p->user, w->user) == 0 && strcmp(p->pass, w->pass) == 0;
    if (w->user[0] && !creds_ok)
        return MQTT_REFUSED_BAD_CREDENTIALS;
    return MQTT_OK;
}

static void schedule(struct sim *s, enum sim_delay d, enum event_kind kind, int client, int code)
{
    sim_schedule(s, d, &(struct sim_event){.kind = kind, .client = client, .code = code});
}

/* A slow broker's CONNACK, as late as it comes; the module waits for it as
 * long as a real one does (the realistic profile's CONNECT timeout) whatever
 * the latency profile, then reports the timeout. */
static void connect_slowly(struct sim *s, int client, int code)
{
    uint64_t wait_us = sim_real_delay_us(DELAY_CONNECT_TIMEOUT);
    uint64_t late_us = (uint64_t)s->world.connack_ms * 1000u;
    struct sim_event ev = {.kind = EV_CONNECT_DONE, .client = client, .code = code};
    if (late_us >= wait_us)
        ev.code = MQTT_TIMEOUT;
    sim_schedule_at(s, s->now_us + (late_us < wait_us ? late_us : wait_us), &ev);
}

static void emb_connect(void *ctx, const struct sim_link_connect *p)
{
    struct sim *s = ctx;
    int code = connect_outcome(&s->world, p);
    if (code == MQTT_OK && p->clean_session)
        broker_drop_subscriber(s->broker, p->client);      /* a clean session starts empty */
    if (s->world.broker == SIM_BROKER_SLOW)
        connect_slowly(s, p->client, code);
    else
        schedule(s, code == MQTT_TIMEOUT ? DELAY_CONNECT_TIMEOUT : DELAY_CONNECT, EV_CONNECT_DONE, p->client, code);
}

static void end_session(struct sim *s, int client)
{
    if (s->mqtt.client[client].clean_session)
        broker_drop_subscriber(s->broker, client);
}

static void emb_disconnect(void *ctx, int client)
{
    struct sim *s = ctx;
    end_session(s, client);
    schedule(s, DELAY_DISC, EV_DISC_DONE, client, MQTT_OK);
}

/* The connection is gone without a DISCONNECT: the broker publishes the will. */
static void emb_drop(void *ctx, int client)
{
    struct sim *s = ctx;
    const struct mqtt_client *cl = &s->mqtt.client[client];
    if (cl->will_topic_len) {
        struct broker_message m = {(const char *)cl->will_topic, cl->will_topic_len, cl->will_msg,
                                   cl->will_msg_len, cl->will_qos, false};
        broker_publish(s->broker, &m);
    }
    end_session(s, client);
}

/* The SUBACK is scheduled before the subscription takes effect, so retained
 * messages follow it, as from a real broker. */
static void emb_subscribe(void *ctx, int client, int count, char *const *filters, const int *qos)
{
    struct sim *s = ctx;
    int code = MQTT_OK;
    for (int i = 0; i < count; i++)
        if (!mqtt_filter_valid(filters[i], strlen(filters[i])))
            code = MQTT_FAILED;
    schedule(s, DELAY_SUB, EV_SUB_DONE, client, code);
    for (int i = 0; i < count && code == MQTT_OK; i++)
        broker_subscribe(s->broker, client, filters[i], strlen(filters[i]), qos[i]);
}

static void emb_unsubscribe(void *ctx, int client, int count, char *const *filters)
{
    struct sim *s = ctx;
    for (int i = 0; i < count; i++)
        broker_unsubscribe(s->broker, client, filters[i], strlen(filters[i]));
    schedule(s, DELAY_SUB, EV_UNSUB_DONE, client, MQTT_OK);
}

static void emb_publish(void *ctx, int client, const char *topic, size_t topic_len, const uint8_t *payload,
                        size_t len, int qos, bool retain, uint32_t timeout_s)
{
    struct sim *s = ctx;
    (void)timeout_s;
    struct sim_event done = {.kind = EV_PUB_DONE, .client = client,
                             .code = mqtt_topic_valid(topic, topic_len) ? MQTT_OK : MQTT_FAILED};
    /* The message reaches the broker with its PUBACK (mqtt_model's EV_PUB_DONE),
     * and only if the connection still stands then: a PUBLISH lost with its
     * connection never arrives, so a host that took a failed PUB for a
     * delivered one is caught losing it. */
    if (done.code == MQTT_OK) {
        done.data = xmalloc(topic_len + len + 1);
        memcpy(done.data, topic, topic_len);
        if (len)
            memcpy(done.data + topic_len, payload, len);
        done.topic_len = topic_len;
        done.payload_len = len;
        done.qos = qos;
        done.retain = retain;
    }
    sim_schedule(s, qos ? DELAY_PUB_ACK : DELAY_PUB_QOS0, &done);
}

const struct sim_link_ops link_embedded_ops = {
    emb_connect, emb_disconnect, emb_drop, emb_subscribe, emb_unsubscribe, emb_publish,
};

/* broker.c's delivery callback: subscriber numbers are client indexes. */
void mqtt_deliver(void *ctx, int subscriber, const struct broker_message *m)
{
    mqtt_received(ctx, subscriber, m->topic, m->topic_len, m->payload, m->payload_len);
}
