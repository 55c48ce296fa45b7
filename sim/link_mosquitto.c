#include "link_mosquitto.h"

#include "codes.h"

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
    /* shared with the thread, under lm->lock */
    bool stop, asked_disconnect, dropped, connacked;
    int subs_pending, sub_code, unsubs_pending;
    bool pub_pending;
    uint64_t pub_deadline_ms, connack_deadline_ms;
};

/* What a thread heard, waiting for the simulator's thread. */
struct queued {
    struct queued *next;
    struct conn *conn;          /* NULL: a result decided without a connection */
    bool thread_done;           /* the thread has ended: join it and free the connection */
    struct sim_link_event ev;   /* topic and payload point into `data` */
    uint8_t data[];
};

struct link_mosquitto {
    pthread_mutex_t lock;
    int pipe_rd, pipe_wr;
    struct queued *head, **tail;
    struct conn *conns[CLIENTS];
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

static void post(struct link_mosquitto *lm, struct conn *c, const struct sim_link_event *ev, bool done)
{
    size_t extra = ev ? ev->topic_len + ev->payload_len + 1 : 0;
    struct queued *q = calloc(1, sizeof *q + extra);
    if (!q)
        return;
    q->conn = c;
    q->thread_done = done;
    if (ev) {
        q->ev = *ev;
        if (ev->topic_len)
            memcpy(q->data, ev->topic, ev->topic_len);
        if (ev->payload_len)
            memcpy(q->data + ev->topic_len, ev->payload, ev->payload_len);
        q->ev.topic = (const char *)q->data;
        q->ev.payload = q->data + ev->topic_len;
    }
    pthread_mutex_lock(&lm->lock);
    *lm->tail = q;
    lm->tail = &q->next;
    pthread_mutex_unlock(&lm->lock);
    (void)!write(lm->pipe_wr, "", 1);     /* a full pipe already wakes the reader */
}

static void post_code(struct conn *c, enum sim_link_kind kind, int code)
{
    struct sim_link_event ev = {.kind = kind, .client = c->client, .code = code};
    post(c->lm, c, &ev, false);
}

/* A result for a client that has no connection to ask (none yet, or none left). */
static void post_without_conn(struct link_mosquitto *lm, int client, enum sim_link_kind kind, int code)
{
    struct sim_link_event ev = {.kind = kind, .client = client, .code = code};
    post(lm, NULL, &ev, false);
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
    post_code(c, SIM_LINK_CONNECTED, rc == 0 ? MQTT_OK : MQTT_REFUSED_PROTOCOL - 1 + rc);
    if (rc != 0) {
        pthread_mutex_lock(&c->lm->lock);
        c->stop = true;                    /* refused: the broker closes, nothing more to hear */
        pthread_mutex_unlock(&c->lm->lock);
    }
}

static void on_publish(struct mosquitto *m, void *obj, int mid)
{
    (void)m;
    (void)mid;                  /* one publish at a time per client: the model keeps it busy */
    struct conn *c = obj;
    pthread_mutex_lock(&c->lm->lock);
    bool pending = c->pub_pending;
    c->pub_pending = false;
    pthread_mutex_unlock(&c->lm->lock);
    if (pending)
        post_code(c, SIM_LINK_PUBLISHED, MQTT_OK);
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *granted)
{
    (void)m;
    (void)mid;
    struct conn *c = obj;
    bool refused = false;
    for (int i = 0; i < n; i++)
        refused |= granted[i] >= 0x80;
    pthread_mutex_lock(&c->lm->lock);
    if (refused)
        c->sub_code = MQTT_FAILED;
    bool last = c->subs_pending > 0 && --c->subs_pending == 0;
    int code = c->sub_code;
    pthread_mutex_unlock(&c->lm->lock);
    if (last)
        post_code(c, SIM_LINK_SUBSCRIBED, code);
}

static void on_unsubscribe(struct mosquitto *m, void *obj, int mid)
{
    (void)m;
    (void)mid;
    struct conn *c = obj;
    pthread_mutex_lock(&c->lm->lock);
    bool last = c->unsubs_pending > 0 && --c->unsubs_pending == 0;
    pthread_mutex_unlock(&c->lm->lock);
    if (last)
        post_code(c, SIM_LINK_UNSUBSCRIBED, MQTT_OK);
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    (void)m;
    struct conn *c = obj;
    struct sim_link_event ev = {.kind = SIM_LINK_MESSAGE, .client = c->client, .topic = msg->topic,
                                .topic_len = strlen(msg->topic), .payload = msg->payload,
                                .payload_len = (size_t)msg->payloadlen, .qos = msg->qos, .retain = msg->retain};
    post(c->lm, c, &ev, false);
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
        post_code(c, SIM_LINK_DISCONNECTED, MQTT_OK);
    else if (!connacked)
        post_code(c, SIM_LINK_CONNECTED, MQTT_SOCK_CONNECT_FAIL);
    else
        post_code(c, SIM_LINK_LOST, rc == MOSQ_ERR_ERRNO && err == ECONNRESET ? CONNLOST_SOCKET_RESET
                                                                            : CONNLOST_PEER_CLOSED);
}

/* Deadlines the broker can miss: the CONNACK, and a QoS 1/2 acknowledgement. */
static bool check_deadlines(struct conn *c, uint64_t now)
{
    pthread_mutex_lock(&c->lm->lock);
    bool connack_late = !c->connacked && now >= c->connack_deadline_ms;
    bool pub_late = c->pub_pending && now >= c->pub_deadline_ms;
    if (pub_late)
        c->pub_pending = false;
    if (connack_late)
        c->dropped = true;                 /* reported here, not again when it closes */
    pthread_mutex_unlock(&c->lm->lock);
    if (pub_late)
        post_code(c, SIM_LINK_PUBLISHED, MQTT_TIMEOUT);
    if (connack_late)
        post_code(c, SIM_LINK_CONNECTED, MQTT_TIMEOUT);
    return connack_late;
}

static void *conn_thread(void *arg)
{
    struct conn *c = arg;
    int rc = mosquitto_connect(c->mosq, c->host, c->port, c->keepalive);
    if (rc != MOSQ_ERR_SUCCESS) {
        post_code(c, SIM_LINK_CONNECTED, connect_error_code(rc));
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
    post(c->lm, c, NULL, true);
    return NULL;
}

/* ---- the link operations (on the simulator's thread) ------------------------------- */

static void free_conn(struct conn *c)
{
    mosquitto_destroy(c->mosq);
    free(c);
}

static struct conn *new_conn(struct link_mosquitto *lm, const struct sim_link_connect *p)
{
    struct conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
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
    struct conn *c = new_conn(lm, p);
    if (!c || pthread_create(&c->thread, NULL, conn_thread, c) != 0) {
        if (c)
            free_conn(c);
        post_without_conn(lm, p->client, SIM_LINK_CONNECTED, MQTT_SOCK_CREATE_FAIL);
        return;
    }
    lm->live_threads++;
    lm->conns[p->client] = c;
}

static struct conn *current(struct link_mosquitto *lm, int client)
{
    return client >= 0 && client < CLIENTS ? lm->conns[client] : NULL;
}

static void lm_disconnect(void *ctx, int client)
{
    struct conn *c = current(ctx, client);
    if (!c)
        return;
    pthread_mutex_lock(&c->lm->lock);
    c->asked_disconnect = true;
    pthread_mutex_unlock(&c->lm->lock);
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
    /* What was in flight ends with the connection: a dropped connection reports
     * nothing more, so its results are given here, as "no connection" (11),
     * as the embedded broker gives them. Without this a PUB, SUB or UNSUB in
     * flight at a connection loss never completes and the client stays busy
     * (14) until the module reboots. */
    bool pub = c->pub_pending, sub = c->subs_pending > 0, unsub = c->unsubs_pending > 0;
    c->pub_pending = false;
    c->subs_pending = c->unsubs_pending = 0;
    pthread_mutex_unlock(&lm->lock);
    if (pub)
        post_without_conn(lm, client, SIM_LINK_PUBLISHED, MQTT_NO_CONNECTION);
    if (sub)
        post_without_conn(lm, client, SIM_LINK_SUBSCRIBED, MQTT_NO_CONNECTION);
    if (unsub)
        post_without_conn(lm, client, SIM_LINK_UNSUBSCRIBED, MQTT_NO_CONNECTION);
    int fd = mosquitto_socket(c->mosq);
    if (fd >= 0)
        shutdown(fd, SHUT_RDWR);
    lm->conns[client] = NULL;               /* its thread ends and is joined in dispatch */
}

static void lm_subscribe(void *ctx, int client, int count, char *const *filters, const int *qos)
{
    struct conn *c = current(ctx, client);
    if (!c) {
        post_without_conn(ctx, client, SIM_LINK_SUBSCRIBED, MQTT_NO_CONNECTION);
        return;
    }
    pthread_mutex_lock(&c->lm->lock);
    c->subs_pending = count;
    c->sub_code = MQTT_OK;
    pthread_mutex_unlock(&c->lm->lock);
    for (int i = 0; i < count; i++) {
        if (mosquitto_subscribe(c->mosq, NULL, filters[i], qos[i]) != MOSQ_ERR_SUCCESS) {
            pthread_mutex_lock(&c->lm->lock);
            c->subs_pending = 0;
            pthread_mutex_unlock(&c->lm->lock);
            post_code(c, SIM_LINK_SUBSCRIBED, MQTT_FAILED);
            return;
        }
    }
}

static void lm_unsubscribe(void *ctx, int client, int count, char *const *filters)
{
    struct conn *c = current(ctx, client);
    if (!c) {
        post_without_conn(ctx, client, SIM_LINK_UNSUBSCRIBED, MQTT_NO_CONNECTION);
        return;
    }
    pthread_mutex_lock(&c->lm->lock);
    c->unsubs_pending = count;
    pthread_mutex_unlock(&c->lm->lock);
    for (int i = 0; i < count; i++)
        mosquitto_unsubscribe(c->mosq, NULL, filters[i]);
}

static void lm_publish(void *ctx, int client, const char *topic, size_t topic_len, const uint8_t *payload,
                       size_t len, int qos, bool retain, uint32_t timeout_s)
{
    struct conn *c = current(ctx, client);
    char name[1025];
    if (!c) {
        post_without_conn(ctx, client, SIM_LINK_PUBLISHED, MQTT_NO_CONNECTION);
        return;
    }
    if (topic_len >= sizeof name || memchr(topic, '\0', topic_len)) {   /* libmosquitto takes C strings */
        post_code(c, SIM_LINK_PUBLISHED, MQTT_FAILED);
        return;
    }
    memcpy(name, topic, topic_len);
    name[topic_len] = '\0';
    pthread_mutex_lock(&c->lm->lock);
    c->pub_pending = true;
    c->pub_deadline_ms = mono_ms() + (uint64_t)timeout_s * 1000u;
    pthread_mutex_unlock(&c->lm->lock);
    if (mosquitto_publish(c->mosq, NULL, name, (int)len, payload, qos, retain) != MOSQ_ERR_SUCCESS) {
        pthread_mutex_lock(&c->lm->lock);
        c->pub_pending = false;
        pthread_mutex_unlock(&c->lm->lock);
        post_code(c, SIM_LINK_PUBLISHED, MQTT_SOCK_SEND_FAIL);
    }
}

const struct sim_link_ops link_mosquitto_ops = {
    lm_connect, lm_disconnect, lm_drop, lm_subscribe, lm_unsubscribe, lm_publish,
};

/* ---- lifecycle ----------------------------------------------------------------------- */

struct link_mosquitto *link_mosquitto_create(const char *host, int port, uint32_t connack_timeout_ms,
                                             char *err, size_t errlen)
{
    struct link_mosquitto *lm = calloc(1, sizeof *lm);
    int fds[2];
    if (!lm || pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
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

void link_mosquitto_dispatch(struct link_mosquitto *lm, struct sim *s, uint64_t now_us)
{
    struct queued *q = take_all(lm);
    while (q) {
        struct queued *next = q->next;
        if (q->thread_done)
            reap(lm, q->conn);
        else if (!q->conn || is_current(lm, q->conn))   /* a dropped connection has nothing more to say */
            sim_link_event(s, &q->ev, now_us);
        free(q);
        q = next;
    }
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
