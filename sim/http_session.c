/* One HTTP request on its network connection (findings §31): AT+HTTPACTION's
 * OK, then the faults the control socket set (a name that does not resolve,
 * a refused port), the connection on link HTTP_NET_LINK (TLS for https://
 * through the SSL context of "SSLCFG"), the request, the response's head
 * (+HTTPACTION: <method>,<status>,<datalen>) and its body into the cache
 * AT+HTTPREAD reads. Every way it fails ends in one +HTTPACTION with the
 * module's 7xx code, or, once the status was told, in +HTTP_PEER_CLOSED. */
#include "sim_internal.h"

#include <stdint.h>
#include <string.h>

#define ROOM_NOT_TOLD SIZE_MAX       /* a new connection is always told its room */

static struct http_state *http(struct sim *s) { return &s->http; }

static const char *const phase_names[] = {
    [HTTP_IDLE] = "idle", [HTTP_STARTING] = "starting", [HTTP_CONNECTING] = "connecting",
    [HTTP_WAITING] = "waiting", [HTTP_RECEIVING] = "receiving",
};

static void schedule(struct sim *s, enum http_event what, uint64_t due_us)
{
    struct sim_event ev = {.kind = EV_HTTP, .code = (int)what, .arg = (int)http(s)->gen};
    if (what == HEV_START)
        sim_schedule(s, DELAY_SOCKET, &ev);
    else
        sim_schedule_at(s, due_us, &ev);
}

static void arm_deadline(struct sim *s, int seconds)
{
    http(s)->deadline_us = s->now_us + (uint64_t)seconds * HTTP_US_PER_S;
    schedule(s, HEV_DEADLINE, http(s)->deadline_us);
}

static bool connected(const struct http_state *h)
{
    return h->phase == HTTP_CONNECTING || h->phase == HTTP_WAITING || h->phase == HTTP_RECEIVING;
}

void http_session_end(struct sim *s)
{
    struct http_state *h = http(s);
    if (connected(h) && s->tcpip.ops)
        s->tcpip.ops->close(s->tcpip.ops_ctx, HTTP_NET_LINK);
    h->phase = HTTP_IDLE;
    h->stalled = false;
    h->room_told = ROOM_NOT_TOLD;
    sb_reset(&h->pending);
    h->gen++;                           /* its timers are not heard */
}

/* The request failed before a status: one +HTTPACTION with the module's code. */
static void fail(struct sim *s, enum http_err code)
{
    http_session_end(s);
    sim_urc(s, "+HTTPACTION: %d,%d,0", (int)http(s)->method, (int)code);
}

void http_session_start(struct sim *s)
{
    struct http_state *h = http(s);
    h->phase = HTTP_STARTING;
    h->gen++;
    h->have_response = false;
    h->read_pos = 0;
    h->reading = false;             /* a read still going out ends with the response it read */
    h->requests++;
    http_response_start(&h->resp, h->method == HTTP_HEAD);
    schedule(s, HEV_START, 0);
}

/* ---- connecting ------------------------------------------------------------------------ */

bool http_bearer_up(const struct sim *s)
{
    return modem_registered(s) && s->modem.pdp[HTTP_BEARER_CID].active;
}

/* What the control socket's faults answer before the network is asked; 0: none. */
static int fault_code(struct sim *s)
{
    const struct http_url *u = &http(s)->url;
    if (tcpip_dns_fails(s, u->host)) {
        s->tcpip.faults.took_effect[TFAULT_DNS_FAIL]++;
        return HTTP_ERR_DNS;
    }
    if (tcpip_refused(s, u->host, u->port)) {
        s->tcpip.faults.took_effect[TFAULT_REFUSE]++;
        return HTTP_ERR_CONNECT;
    }
    return 0;
}

static enum http_err tls_code(enum ssl_resolve_result r)
{
    return r == SSL_NO_CA ? HTTP_ERR_CA_MISSED : HTTP_ERR_HANDSHAKE;
}

static void start(struct sim *s)
{
    struct http_state *h = http(s);
    int code = 0;
    if (!http_url_parse(h->p.url, &h->url))
        code = HTTP_ERR_PARAMETER;
    else if (!http_bearer_up(s))
        code = HTTP_ERR_NONET;
    else if (!s->tcpip.ops)
        code = HTTP_ERR_CONNECT;    /* no network at all: as unreachable */
    else
        code = fault_code(s);
    struct sim_tls_config tls;
    enum ssl_resolve_result r = SSL_RESOLVED;
    if (!code && h->url.tls && (r = ssl_resolve(s, h->p.ssl_ctx, h->url.host, &tls)) != SSL_RESOLVED)
        code = (int)tls_code(r);
    if (code) {
        fail(s, (enum http_err)code);
        return;
    }
    struct sim_net_open o = {
        .link = HTTP_NET_LINK, .proto = SIM_NET_TCP, .host = h->url.host, .port = h->url.port,
        .timeout_ms = (uint32_t)h->p.connect_to_s * 1000u, .tls = h->url.tls ? &tls : NULL,
    };
    h->phase = HTTP_CONNECTING;
    h->room_told = ROOM_NOT_TOLD;
    arm_deadline(s, h->p.connect_to_s);
    s->tcpip.ops->open(s->tcpip.ops_ctx, &o);
}

/* ---- the request and the response --------------------------------------------------------- */

static void tell_room(struct sim *s)
{
    struct http_state *h = http(s);
    size_t room = h->stalled ? 0 : HTTP_BODY_MAX - h->resp.body_len;
    if (room != h->room_told && s->tcpip.ops) {
        h->room_told = room;
        s->tcpip.ops->receive_room(s->tcpip.ops_ctx, HTTP_NET_LINK, room);
    }
}

static void send_pending(struct sim *s)
{
    struct http_state *h = http(s);
    if (h->stalled || h->pending.len == 0)
        return;
    s->tcpip.ops->send(s->tcpip.ops_ctx, HTTP_NET_LINK, (const uint8_t *)h->pending.p, h->pending.len, NULL, 0);
    sb_reset(&h->pending);
}

static void opened(struct sim *s)
{
    struct http_state *h = http(s);
    struct http_request_fields f = {h->p.content_type, h->p.accept, h->p.user_data};
    sb_reset(&h->pending);
    http_request_build(&h->pending, h->method, &h->url, &f, h->data, h->data_len);
    h->phase = HTTP_WAITING;
    arm_deadline(s, h->p.recv_to_s);
    tell_room(s);
    send_pending(s);
}

/* The response's head is in: +HTTPACTION tells its status. */
static void head_told(struct sim *s)
{
    struct http_state *h = http(s);
    h->have_response = true;
    h->responses++;
    h->phase = HTTP_RECEIVING;
    sim_urc(s, "+HTTPACTION: %d,%d,%zu", (int)h->method, h->resp.status, http_response_datalen(&h->resp));
}

static void received(struct sim *s, const uint8_t *data, size_t len)
{
    struct http_state *h = http(s);
    if (h->phase != HTTP_WAITING && h->phase != HTTP_RECEIVING)
        return;
    bool ok = http_response_feed(&h->resp, data, len);
    if (h->phase == HTTP_WAITING && !http_response_head_done(&h->resp)) {
        if (!ok)
            fail(s, HTTP_ERR_NOT_HTTP_PDU);
        else
            arm_deadline(s, h->p.recv_to_s);
        return;
    }
    /* the status is told once the body is in, or once the stack's buffer is full */
    if (h->phase == HTTP_WAITING && (!ok || h->resp.state == HP_DONE || h->resp.body_len >= HTTP_STACK_BUFFER))
        head_told(s);
    if (!ok || h->resp.state == HP_DONE) {
        http_session_end(s);        /* complete, or the cache is full: the rest is not taken */
        return;
    }
    arm_deadline(s, h->p.recv_to_s);
    tell_room(s);
}

/* The connection went from the other side (the peer, a reset, the network). */
static void closed(struct sim *s)
{
    struct http_state *h = http(s);
    if (!http_response_head_done(&h->resp)) {
        fail(s, HTTP_ERR_CLOSED);
        return;
    }
    bool complete = http_response_eof(&h->resp);    /* a body that runs to the close is complete */
    if (h->phase == HTTP_WAITING)
        head_told(s);
    http_session_end(s);
    if (!complete)
        sim_urc(s, "+HTTP_PEER_CLOSED");
}

/* Why an open failed, as +HTTPACTION's code. */
static enum http_err open_code(enum sim_net_error e)
{
    switch (e) {
    case SIM_NET_DNS_FAILED:
        return HTTP_ERR_DNS;
    case SIM_NET_TLS_HANDSHAKE:
    case SIM_NET_TLS_CERT:
        return HTTP_ERR_HANDSHAKE;
    case SIM_NET_TLS_NO_CERT:
        return HTTP_ERR_CA_MISSED;
    default:
        return HTTP_ERR_CONNECT;    /* refused, unreachable, timed out: 714 (findings §31) */
    }
}

void http_net_event(struct sim *s, const struct sim_net_event *ev)
{
    struct http_state *h = http(s);
    switch (ev->kind) {
    case SIM_NET_OPENED:
        if (h->phase != HTTP_CONNECTING)
            return;
        if (ev->code == SIM_NET_OK)
            opened(s);
        else
            fail(s, open_code(ev->code));
        break;
    case SIM_NET_RECEIVED:
        received(s, ev->data, ev->len);
        break;
    case SIM_NET_CLOSED:
        if (connected(h) && h->phase != HTTP_CONNECTING)
            closed(s);
        break;
    default:
        break;                      /* SENT: the request went; nothing to tell */
    }
}

/* ---- time, faults, the network ------------------------------------------------------------- */

static void deadline(struct sim *s)
{
    switch (http(s)->phase) {
    case HTTP_CONNECTING:
        fail(s, HTTP_ERR_CONNECT);  /* CONNECTTO: as a connect that failed (findings §31) */
        break;
    case HTTP_WAITING:
        if (!http_response_head_done(&http(s)->resp)) {
            fail(s, HTTP_ERR_TIMEOUT);  /* RECVTO before the head */
            break;
        }
        head_told(s);               /* the body stopped coming: what came is readable */
        http_session_end(s);
        break;
    case HTTP_RECEIVING:
        http_session_end(s);        /* RECVTO in the body: what came stays readable */
        break;
    default:
        break;
    }
}

void http_event(struct sim *s, const struct sim_event *ev)
{
    struct http_state *h = http(s);
    if ((uint32_t)ev->arg != h->gen)
        return;                     /* a request that is over */
    if (ev->code == HEV_START && h->phase == HTTP_STARTING)
        start(s);
    else if (ev->code == HEV_DEADLINE && s->now_us >= h->deadline_us)
        deadline(s);
}

void http_network_lost(struct sim *s)
{
    struct http_state *h = http(s);
    if (!h->initialized)
        return;
    sim_urc(s, "+HTTP_NONET_EVENT");
    if (h->phase == HTTP_RECEIVING)
        http_session_end(s);
    else if (h->phase != HTTP_IDLE)
        fail(s, HTTP_ERR_NONET);
}

int http_peer_close(struct sim *s)
{
    struct http_state *h = http(s);
    if (h->phase != HTTP_WAITING && h->phase != HTTP_RECEIVING)
        return -1;
    closed(s);
    return 0;
}

void http_set_stall(struct sim *s, bool on)
{
    struct http_state *h = http(s);
    if (!connected(h) || h->stalled == on)
        return;
    h->stalled = on;
    tell_room(s);
    send_pending(s);
}

void http_state_json(const struct sim *s, struct strbuf *o)
{
    const struct http_state *h = &s->http;
    sb_printf(o, ",\"http\":{\"initialized\":%s,\"phase\":\"%s\",\"stalled\":%s,\"requests\":%llu,\"responses\":%llu,"
                 "\"body\":%zu}",
              h->initialized ? "true" : "false", phase_names[h->phase], h->stalled ? "true" : "false",
              (unsigned long long)h->requests, (unsigned long long)h->responses, h->resp.body_len);
}
