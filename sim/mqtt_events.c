/* The MQTT model's other half: what happens after a command's OK (results
 * of CONNECT, PUB, SUB ... as events), messages from the broker (the RX URCs),
 * connection losses, and events from an external broker link. */
#include "mqtt_internal.h"

#include "alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- asynchronous outcomes ----------------------------------------------------------- */

static void finish_connect(struct sim *s, struct mqtt_client *cl, int code)
{
    if (cl->state != MQTT_CL_CONNECTING) {
        /* the module rebooted or lost its network meanwhile: a late success is closed again */
        if (code == MQTT_OK)
            s->link->drop(s->link_ctx, mqtt_client_index(s, cl));
        return;
    }
    cl->state = code == MQTT_OK ? MQTT_CL_CONNECTED : MQTT_CL_ACQUIRED;
    sim_urc(s, "+CMQTTCONNECT: %d,%d", mqtt_client_index(s, cl), code);
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
        if (ev->code == MQTT_OK)    /* START activates the PDP context when attach has not already */
            s->modem.pdp[1].active = true;
        sim_urc(s, "+CMQTTSTART: %d", ev->code);
        if (!modem_model(s)->mqtt_ok_first)     /* an A76xx said OK when the command came */
            sim_final(s, ev->code == MQTT_OK ? V250_OK : V250_ERROR);
        return;
    case EV_STOP_DONE:
        s->mqtt.service = MQTT_SVC_STOPPED;    /* the LTE default bearer stays: it is the attach's */
        sim_urc(s, "+CMQTTSTOP: %d", ev->code);
        if (!modem_model(s)->mqtt_ok_first)
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
                           .data = xmalloc(tlen + plen + 1)};
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
        mqtt_clear_client(&s->mqtt.client[i]);
    s->mqtt.service = MQTT_SVC_STOPPED;    /* the contexts went with the registration (modem_packet_detach) */
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
            mqtt_received(s, ev->client, ev->msg.topic, ev->msg.topic_len, ev->msg.payload,
                          ev->msg.payload_len);
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
