#include "link_mosquitto.h"

#include "alloc.h"
#include "codes.h"
#include "link_inflight.h"
#include "link_mosquitto_tls.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CLIENTS 2
#define LOOP_TIMEOUT_MS 50

struct conn {
    struct link_mosquitto *lm;
    struct mosquitto *mosq;
    pthread_t thread;
    int client;
    char host[257];
    int port, keepalive;
    struct ssl_ctx_st *tls;     /* MQTT over TLS (link_mosquitto_tls.c); NULL plain */
    /* shared with the thread, under lm->lock: requests to it, and what it
     * needs to know of them. What is in flight is not here: the simulator's
     * thread keeps that (struct inflight), the thread only reports. */
    bool stop, asked_disconnect, dropped, connacked;
    bool pub_timer;             /* armed: report pub_timer_mid late at pub_deadline_ms */
    int pub_timer_mid;
    uint64_t pub_deadline_ms, connack_deadline_ms;
};

/* What a thread heard, waiting for the simulator's thread. */
struct queued {
    struct queued *next;
    struct conn *conn;          /* NULL: a result decided on the simulator's thread */
    bool thread_done;           /* the thread has ended: join it and free the connection */
    int mid;                    /* the packet an answer is for (INFLIGHT_NO_MID: none) */
    struct sim_link_event ev;   /* topic and payload point into `data` */
    uint8_t data[];
};

struct link_mosquitto {
    pthread_mutex_t lock;
    int pipe_rd, pipe_wr;
    struct queued *head, **tail;
    struct conn *conns[CLIENTS];
    struct inflight inflight[CLIENTS];  /* the simulator's thread only */
    char host[257];             /* the --broker tcp://HOST:PORT override */
    int port;
    uint32_t connack_timeout_ms;
    int live_threads;           /* started and not yet joined */
};

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the queue between threads ---------------------------------------------------- */

static void post(struct link_mosquitto *lm, struct conn *c, const struct sim_link_event *ev, int mid, bool done)
{
    size_t extra = ev ? ev->msg.topic_len + ev->msg.payload_len + 1 : 0;
    struct queued *q = xmalloc(sizeof *q + extra);
    memset(q, 0, sizeof *q + extra);
    q->conn = c;
    q->thread_done = done;
    q->mid = mid;
    if (ev) {
        q->ev = *ev;
        if (ev->msg.topic_len)
            memcpy(q->data, ev->msg.topic, ev->msg.topic_len);
        if (ev->msg.payload_len)
            memcpy(q->data + ev->msg.topic_len, ev->msg.payload, ev->msg.payload_len);
        q->ev.msg.topic = (const char *)q->data;
        q->ev.msg.payload = q->data + ev->msg.topic_len;
    }
    pthread_mutex_lock(&lm->lock);
    *lm->tail = q;
    lm->tail = &q->next;
    pthread_mutex_unlock(&lm->lock);
    (void)!write(lm->pipe_wr, "", 1);     /* a full pipe already wakes the reader */
}

/* What the connection's thread heard; an answer names its packet (mid). */
static void post_code(struct conn *c, enum sim_link_kind kind, int code, int mid)
{
    struct sim_link_event ev = {.kind = kind, .client = c->client, .code = code};
    post(c->lm, c, &ev, mid, false);
}

/* A result decided on the simulator's thread (no connection to ask, or none
 * left). It is queued all the same: the model is inside the call that asked. */
static void post_without_conn(struct link_mosquitto *lm, int client, enum sim_link_kind kind, int code)
{
    struct sim_link_event ev = {.kind = kind, .client = client, .code = code};
    post(lm, NULL, &ev, INFLIGHT_NO_MID, false);
}

static bool stopping(struct conn *c)
{
    pthread_mutex_lock(&c->lm->lock);
    bool stop = c->stop;
    pthread_mutex_unlock(&c->lm->lock);
    return stop;
}

/* ---- libmosquitto callbacks (on the connection's thread) -------------------------- */

static void on_connect(struct mosquitto *m, void *obj, int rc)
{
    (void)m;
    struct conn *c = obj;
    pthread_mutex_lock(&c->lm->lock);
    c->connacked = true;
    pthread_mutex_unlock(&c->lm->lock);
    /* CONNACK return codes 1-5 are reported as 27-31 (reference §6.7) */
    post_code(c, SIM_LINK_CONNECTED, rc == 0 ? MQTT_OK : MQTT_REFUSED_PROTOCOL - 1 + rc, INFLIGHT_NO_MID);
    if (rc != 0) {
        pthread_mutex_lock(&c->lm->lock);
        c->stop = true;                    /* refused: the broker closes, nothing more to hear */
        pthread_mutex_unlock(&c->lm->lock);
    }
}

/* The answers are only reported: whether one ends what is in flight is the
 * simulator's thread's call (link_inflight.h), made when it is dispatched. */
static void on_publish(struct mosquitto *m, void *obj, int mid)
{
    (void)m;
    post_code(obj, SIM_LINK_PUBLISHED, MQTT_OK, mid);
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *granted)
{
    (void)m;
    bool refused = false;
    for (int i = 0; i < n; i++)
        refused |= granted[i] >= 0x80;
    post_code(obj, SIM_LINK_SUBSCRIBED, refused ? MQTT_FAILED : MQTT_OK, mid);
}

static void on_unsubscribe(struct mosquitto *m, void *obj, int mid)
{
    (void)m;
    post_code(obj, SIM_LINK_UNSUBSCRIBED, MQTT_OK, mid);
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    (void)m;
    struct conn *c = obj;
    struct sim_link_event ev = {.kind = SIM_LINK_MESSAGE, .client = c->client,
                                .msg = {msg->topic, strlen(msg->topic), msg->payload,
                                        (size_t)msg->payloadlen, msg->qos, msg->retain}};
    post(c->lm, c, &ev, INFLIGHT_NO_MID, false);
}

/* ---- the connection's thread ------------------------------------------------------- */

static int connect_error_code(int rc)
{
    if (rc == MOSQ_ERR_EAI)
        return MQTT_DNS_ERROR;
    return MQTT_SOCK_CONNECT_FAIL;
}

/* A closed connection, told apart by who closed it: a reset socket is cause 2,
 * any other end the peer's close, cause 1 (MQTT §2.3.2.1). */
static void report_end(struct conn *c, int rc, int err)
{
    pthread_mutex_lock(&c->lm->lock);
    bool connacked = c->connacked, asked = c->asked_disconnect, dropped = c->dropped;
    pthread_mutex_unlock(&c->lm->lock);
    if (dropped)
        return;                            /* the model dropped it and knows */
    if (asked)
        post_code(c, SIM_LINK_DISCONNECTED, MQTT_OK, INFLIGHT_NO_MID);
    else if (!connacked)
        post_code(c, SIM_LINK_CONNECTED, lm_tls_connect_code(c->tls, MQTT_SOCK_CONNECT_FAIL), INFLIGHT_NO_MID);
    else
        post_code(c, SIM_LINK_LOST,
                  rc == MOSQ_ERR_ERRNO && err == ECONNRESET ? CONNLOST_SOCKET_RESET : CONNLOST_PEER_CLOSED,
                  INFLIGHT_NO_MID);
}

/* Deadlines the broker can miss: the CONNACK, and a QoS 1/2 acknowledgement.
 * A publish's deadline is reported like an answer to its packet; if the
 * PUBACK is dispatched first, the deadline ends nothing. */
static bool check_deadlines(struct conn *c, uint64_t now)
{
    pthread_mutex_lock(&c->lm->lock);
    bool connack_late = !c->connacked && now >= c->connack_deadline_ms;
    bool pub_late = c->pub_timer && now >= c->pub_deadline_ms;
    int pub_mid = c->pub_timer_mid;
    if (pub_late)
        c->pub_timer = false;
    if (connack_late)
        c->dropped = true;                 /* reported here, not again when it closes */
    pthread_mutex_unlock(&c->lm->lock);
    if (pub_late)
        post_code(c, SIM_LINK_PUBLISHED, MQTT_TIMEOUT, pub_mid);
    if (connack_late)
        post_code(c, SIM_LINK_CONNECTED, MQTT_TIMEOUT, INFLIGHT_NO_MID);
    return connack_late;
}

static void *conn_thread(void *arg)
{
    struct conn *c = arg;
    int rc = mosquitto_connect(c->mosq, c->host, c->port, c->keepalive);
    if (rc != MOSQ_ERR_SUCCESS) {
        post_code(c, SIM_LINK_CONNECTED, lm_tls_connect_code(c->tls, connect_error_code(rc)), INFLIGHT_NO_MID);
    } else {
        while (!stopping(c)) {
            rc = mosquitto_loop(c->mosq, LOOP_TIMEOUT_MS, 1);
            int err = errno;
            if (check_deadlines(c, mono_ms()))
                break;
            if (rc != MOSQ_ERR_SUCCESS) {
                report_end(c, rc, err);
                break;
            }
        }
        mosquitto_disconnect(c->mosq);
    }
    post(c->lm, c, NULL, INFLIGHT_NO_MID, true);
    return NULL;
}

/* ---- the link operations (on the simulator's thread) ------------------------------- */

static void free_conn(struct conn *c)
{
    mosquitto_destroy(c->mosq);
    lm_tls_free(c->tls);
    free(c);
}

/* NULL with *code the +CMQTTCONNECT result when the connection cannot be set up. */
static struct conn *new_conn(struct link_mosquitto *lm, const struct sim_link_connect *p, int *code)
{
    *code = MQTT_SOCK_CREATE_FAIL;
    struct conn *c = xmalloc(sizeof *c);
    memset(c, 0, sizeof *c);
    c->lm = lm;
    c->client = p->client;
    c->keepalive = p->keepalive;
    snprintf(c->host, sizeof c->host, "%s", lm->host[0] ? lm->host : p->host);
    c->port = lm->host[0] ? lm->port : p->port;
    c->connack_deadline_ms = mono_ms() + lm->connack_timeout_ms;
    c->mosq = mosquitto_new(p->client_id, p->clean_session, c);
    if (!c->mosq) {
        free(c);
        return NULL;
    }
    /* Only the connection's thread writes: a request from the simulator's thread
     * is queued and the loop woken, so an SSL is never used by two threads at once. */
    mosquitto_threaded_set(c->mosq, true);
    if (p->tls && (*code = lm_tls_setup(c->mosq, c->client, p->tls, c->host, &c->tls)) != MQTT_OK) {
        free_conn(c);
        return NULL;
    }
    mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION,
                         p->mqtt_version == SIM_MQTT_V311 ? MQTT_PROTOCOL_V311 : MQTT_PROTOCOL_V31);
    mosquitto_connect_callback_set(c->mosq, on_connect);
    mosquitto_publish_callback_set(c->mosq, on_publish);
    mosquitto_subscribe_callback_set(c->mosq, on_subscribe);
    mosquitto_unsubscribe_callback_set(c->mosq, on_unsubscribe);
    mosquitto_message_callback_set(c->mosq, on_message);
    if (p->user)
        mosquitto_username_pw_set(c->mosq, p->user, p->pass);
    if (p->will_topic)
        mosquitto_will_set(c->mosq, p->will_topic, (int)p->will_msg_len, p->will_msg, p->will_qos, false);
    return c;
}

static void lm_connect(void *ctx, const struct sim_link_connect *p)
{
    struct link_mosquitto *lm = ctx;
    int code;
    struct conn *c = new_conn(lm, p, &code);
    if (c && pthread_create(&c->thread, NULL, conn_thread, c) != 0) {
        free_conn(c);
        c = NULL;
        code = MQTT_SOCK_CREATE_FAIL;
    }
    if (!c) {
        post_without_conn(lm, p->client, SIM_LINK_CONNECTED, code);
        return;
    }
    lm->live_threads++;
    lm->conns[p->client] = c;
}

static struct conn *current(struct link_mosquitto *lm, int client)
{
    return client >= 0 && client < CLIENTS ? lm->conns[client] : NULL;
}

/* Which answer ends which operation, and the result each gives when its
 * connection is gone before the answer is dispatched: "no connection" (11),
 * as the embedded link gives it (a result due after a drop is 11 there too);
 * a DISCONNECT wanted the connection closed, and it is. */
static const struct {
    enum sim_link_kind answer;
    int code_when_gone;
} op_results[] = {
    [INFLIGHT_PUBLISH] = {SIM_LINK_PUBLISHED, MQTT_NO_CONNECTION},
    [INFLIGHT_SUBSCRIBE] = {SIM_LINK_SUBSCRIBED, MQTT_NO_CONNECTION},
    [INFLIGHT_UNSUBSCRIBE] = {SIM_LINK_UNSUBSCRIBED, MQTT_NO_CONNECTION},
    [INFLIGHT_DISCONNECT] = {SIM_LINK_DISCONNECTED, MQTT_OK},
};

static enum inflight_op op_answered_by(enum sim_link_kind kind)
{
    for (size_t op = INFLIGHT_NONE + 1; op < sizeof op_results / sizeof op_results[0]; op++)
        if (op_results[op].answer == kind)
            return (enum inflight_op)op;
    return INFLIGHT_NONE;                   /* CONNECTED, LOST, MESSAGE: not an answer */
}

static struct sim_link_event gone_result(enum inflight_op op, int client)
{
    return (struct sim_link_event){.kind = op_results[op].answer, .client = client,
                                   .code = op_results[op].code_when_gone};
}

static void lm_disconnect(void *ctx, int client)
{
    struct link_mosquitto *lm = ctx;
    struct conn *c = current(lm, client);
    if (!c) {
        post_without_conn(lm, client, SIM_LINK_DISCONNECTED, MQTT_OK);   /* nothing left to close */
        return;
    }
    inflight_begin(&lm->inflight[client], INFLIGHT_DISCONNECT, c);
    inflight_expect(&lm->inflight[client], INFLIGHT_NO_MID);
    pthread_mutex_lock(&lm->lock);
    c->asked_disconnect = true;
    pthread_mutex_unlock(&lm->lock);
    mosquitto_disconnect(c->mosq);          /* the loop ends; report_end says DISCONNECTED */
}

/* Closes the socket under the loop without a DISCONNECT: the broker sends the will. */
static void lm_drop(void *ctx, int client)
{
    struct link_mosquitto *lm = ctx;
    struct conn *c = current(lm, client);
    if (!c)
        return;
    pthread_mutex_lock(&lm->lock);
    c->dropped = true;
    c->stop = true;
    pthread_mutex_unlock(&lm->lock);
    /* What was in flight ends with the connection, here and now, whether or
     * not its answer is already queued: a dropped connection's answers are
     * never dispatched. Queued, as the model is inside the call that dropped. */
    enum inflight_op op = inflight_abandon(&lm->inflight[client], c);
    if (op != INFLIGHT_NONE) {
        struct sim_link_event ev = gone_result(op, client);
        post(lm, NULL, &ev, INFLIGHT_NO_MID, false);
    }
    int fd = mosquitto_socket(c->mosq);
    if (fd >= 0)
        shutdown(fd, SHUT_RDWR);
    lm->conns[client] = NULL;               /* its thread ends and is joined in dispatch */
}

/* SUBSCRIBE or UNSUBSCRIBE, a packet per topic; the operation ends when
 * every one is answered. */
static void topics_request(struct link_mosquitto *lm, int client, enum inflight_op op, int count,
                           char *const *filters, const int *qos)
{
    enum sim_link_kind kind = op_results[op].answer;
    struct conn *c = current(lm, client);
    if (!c) {
        post_without_conn(lm, client, kind, MQTT_NO_CONNECTION);
        return;
    }
    if (count < 1 || count > INFLIGHT_MIDS_MAX) {
        post_without_conn(lm, client, kind, MQTT_FAILED);
        return;
    }
    struct inflight *f = &lm->inflight[client];
    inflight_begin(f, op, c);
    for (int i = 0; i < count; i++) {
        int mid = 0;
        int rc = op == INFLIGHT_SUBSCRIBE ? mosquitto_subscribe(c->mosq, &mid, filters[i], qos[i])
                                          : mosquitto_unsubscribe(c->mosq, &mid, filters[i]);
        if (rc != MOSQ_ERR_SUCCESS) {
            inflight_abandon(f, c);          /* the answers to the topics already sent end nothing */
            post_without_conn(lm, client, kind, MQTT_FAILED);
            return;
        }
        inflight_expect(f, mid);
    }
}

static void lm_subscribe(void *ctx, int client, int count, char *const *filters, const int *qos)
{
    topics_request(ctx, client, INFLIGHT_SUBSCRIBE, count, filters, qos);
}

static void lm_unsubscribe(void *ctx, int client, int count, char *const *filters)
{
    topics_request(ctx, client, INFLIGHT_UNSUBSCRIBE, count, filters, NULL);
}

static void lm_publish(void *ctx, int client, const char *topic, size_t topic_len, const uint8_t *payload,
                       size_t len, int qos, bool retain, uint32_t timeout_s)
{
    struct link_mosquitto *lm = ctx;
    struct conn *c = current(lm, client);
    char name[1025];
    if (!c) {
        post_without_conn(lm, client, SIM_LINK_PUBLISHED, MQTT_NO_CONNECTION);
        return;
    }
    if (topic_len >= sizeof name || memchr(topic, '\0', topic_len)) {   /* libmosquitto takes C strings */
        post_without_conn(lm, client, SIM_LINK_PUBLISHED, MQTT_FAILED);
        return;
    }
    memcpy(name, topic, topic_len);
    name[topic_len] = '\0';
    int mid = 0;
    if (mosquitto_publish(c->mosq, &mid, name, (int)len, payload, qos, retain) != MOSQ_ERR_SUCCESS) {
        post_without_conn(lm, client, SIM_LINK_PUBLISHED, MQTT_SOCK_SEND_FAIL);
        return;
    }
    /* Its PUBACK may be queued already: it is dispatched after this returns. */
    inflight_begin(&lm->inflight[client], INFLIGHT_PUBLISH, c);
    inflight_expect(&lm->inflight[client], mid);
    pthread_mutex_lock(&lm->lock);
    c->pub_timer = true;
    c->pub_timer_mid = mid;
    c->pub_deadline_ms = mono_ms() + (uint64_t)timeout_s * 1000u;
    pthread_mutex_unlock(&lm->lock);
}

const struct sim_link_ops link_mosquitto_ops = {
    lm_connect, lm_disconnect, lm_drop, lm_subscribe, lm_unsubscribe, lm_publish,
};

/* ---- lifecycle ----------------------------------------------------------------------- */

struct link_mosquitto *link_mosquitto_create(const char *host, int port, uint32_t connack_timeout_ms,
                                             char *err, size_t errlen)
{
    struct link_mosquitto *lm = xmalloc(sizeof *lm);
    memset(lm, 0, sizeof *lm);
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot set up the broker link: %s", strerror(errno));
        free(lm);
        return NULL;
    }
    mosquitto_lib_init();
    pthread_mutex_init(&lm->lock, NULL);
    lm->pipe_rd = fds[0];
    lm->pipe_wr = fds[1];
    lm->tail = &lm->head;
    lm->connack_timeout_ms = connack_timeout_ms;
    if (host) {
        snprintf(lm->host, sizeof lm->host, "%s", host);
        lm->port = port;
    }
    return lm;
}

int link_mosquitto_fd(const struct link_mosquitto *lm)
{
    return lm->pipe_rd;
}

static struct queued *take_all(struct link_mosquitto *lm)
{
    char buf[256];
    while (read(lm->pipe_rd, buf, sizeof buf) > 0)
        ;
    pthread_mutex_lock(&lm->lock);
    struct queued *q = lm->head;
    lm->head = NULL;
    lm->tail = &lm->head;
    pthread_mutex_unlock(&lm->lock);
    return q;
}

static bool is_current(struct link_mosquitto *lm, const struct conn *c)
{
    for (int i = 0; i < CLIENTS; i++)
        if (lm->conns[i] == c)
            return true;
    return false;
}

static void reap(struct link_mosquitto *lm, struct conn *c)
{
    pthread_join(c->thread, NULL);
    lm->live_threads--;
    if (is_current(lm, c))
        lm->conns[c->client] = NULL;
    free_conn(c);
}

/* A connection whose thread ended (the broker closed it, its LOST came
 * first) answers nothing more: what it had in flight ends now. */
static void end_conn(struct link_mosquitto *lm, struct sim *s, struct conn *c, uint64_t now_us)
{
    int client = c->client;
    enum inflight_op op = inflight_abandon(&lm->inflight[client], c);
    reap(lm, c);
    if (op != INFLIGHT_NONE) {
        struct sim_link_event ev = gone_result(op, client);
        sim_link_event(s, &ev, now_us);
    }
}

static void hand_over(struct link_mosquitto *lm, struct sim *s, const struct queued *q, uint64_t now_us)
{
    if (!q->conn) {                             /* decided on this thread */
        sim_link_event(s, &q->ev, now_us);
        return;
    }
    if (!is_current(lm, q->conn))               /* a dropped connection has nothing more to say */
        return;
    enum inflight_op op = op_answered_by(q->ev.kind);
    if (op == INFLIGHT_NONE) {
        sim_link_event(s, &q->ev, now_us);
        return;
    }
    struct sim_link_event ev = q->ev;
    if (inflight_settle(&lm->inflight[ev.client], op, q->conn, q->mid, q->ev.code, &ev.code))
        sim_link_event(s, &ev, now_us);
}

void link_mosquitto_dispatch(struct link_mosquitto *lm, struct sim *s, uint64_t now_us)
{
    struct queued *q = take_all(lm);
    while (q) {
        struct queued *next = q->next;
        if (q->thread_done)
            end_conn(lm, s, q->conn, now_us);
        else
            hand_over(lm, s, q, now_us);
        free(q);
        q = next;
    }
}

int link_mosquitto_live_threads(const struct link_mosquitto *lm)
{
    return lm->live_threads;
}

/* Threads still inside a TCP connect cannot be interrupted; after this long the
 * process exits without them. */
#define DESTROY_WAIT_MS 2000

void link_mosquitto_destroy(struct link_mosquitto *lm)
{
    if (!lm)
        return;
    for (int i = 0; i < CLIENTS; i++)
        lm_drop(lm, i);
    uint64_t end = mono_ms() + DESTROY_WAIT_MS;
    while (lm->live_threads > 0 && mono_ms() < end) {
        struct pollfd pfd = {lm->pipe_rd, POLLIN, 0};
        poll(&pfd, 1, 50);
        for (struct queued *q = take_all(lm), *next; q; q = next) {
            next = q->next;
            if (q->thread_done)
                reap(lm, q->conn);
            free(q);
        }
    }
    if (lm->live_threads > 0)
        return;                 /* a thread may still post: leave lm to the exiting process */
    close(lm->pipe_rd);
    close(lm->pipe_wr);
    pthread_mutex_destroy(&lm->lock);
    mosquitto_lib_cleanup();
    free(lm);
}
