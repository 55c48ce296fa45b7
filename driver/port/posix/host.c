/* The host runner: one thread owns the UART and the driver; others post
 * requests and drain received messages (see sim7600_posix.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim7600_posix.h"

#define POLL_MS 500

enum req_kind { REQ_CONNECT, REQ_PUBLISH, REQ_SUBSCRIBE, REQ_HEALTH, REQ_DISCONNECT };

struct sim7600_host_req {
    enum req_kind kind;
    const char *topic;
    const void *payload;
    size_t len;
    uint8_t qos;
    bool retain;
    struct sim7600_health *health;
    int status;
    bool done;
    struct sim7600_host_req *next;
};

void sim7600_host_msg_free(struct sim7600_host_msg *m)
{
    free(m->topic);
    free(m->payload);
    m->topic = NULL;
    m->payload = NULL;
}

/* ---- callbacks on the owner thread ---------------------------------------------- */

static void on_message(void *ctx, const struct sim7600_message *m)
{
    struct sim7600_host *h = ctx;
    struct sim7600_host_msg copy;

    copy.topic = strndup((const char *)m->topic, m->topic_len);
    copy.payload = malloc(m->payload_len + 1);
    copy.payload_len = m->payload_len;
    copy.truncated = m->truncated;
    if (copy.topic == NULL || copy.payload == NULL) {
        sim7600_host_msg_free(&copy);
        return;
    }
    memcpy(copy.payload, m->payload, m->payload_len);
    copy.payload[m->payload_len] = '\0';

    pthread_mutex_lock(&h->mu);
    if (h->rxq_count == h->cfg.rx_queue) { /* nobody drains: drop the oldest, count it */
        sim7600_host_msg_free(&h->rxq[h->rxq_head]);
        h->rxq_head = (h->rxq_head + 1) % h->cfg.rx_queue;
        h->rxq_count--;
        h->rx_dropped++;
    }
    h->rxq[(h->rxq_head + h->rxq_count) % h->cfg.rx_queue] = copy;
    h->rxq_count++;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

static void on_event(void *ctx, enum sim7600_event ev, int status)
{
    struct sim7600_host *h = ctx;
    if (h->cfg.on_event != NULL)
        h->cfg.on_event(h->cfg.ctx, ev, status);
}

static void on_log(void *ctx, const char *what, const char *text, size_t len)
{
    struct sim7600_host *h = ctx;
    if (h->cfg.on_log != NULL)
        h->cfg.on_log(h->cfg.ctx, what, text, len);
}

/* ---- the owner thread --------------------------------------------------------- */

/* The host owns every topic string it gives the driver (h->topics); the
 * driver's table (h->subs, contract at struct sim7600_sub) says which are
 * still in use. */
static bool topic_held(const struct sim7600_host *h, const char *topic)
{
    size_t i;
    for (i = 0; i < SIM7600_HOST_SUBS_MAX; i++) {
        if (h->subs[i].topic == topic)
            return true;
    }
    return false;
}

/* The copy already held for an equal topic, so that one string is never in
 * two slots; else a new one, or NULL when out of memory or of room. */
static char *keep_topic(struct sim7600_host *h, const char *topic)
{
    char **free_slot = NULL;
    size_t i;
    for (i = 0; i < sizeof h->topics / sizeof h->topics[0]; i++) {
        if (h->topics[i] != NULL && strcmp(h->topics[i], topic) == 0)
            return h->topics[i];
        if (h->topics[i] == NULL && free_slot == NULL)
            free_slot = &h->topics[i];
    }
    if (free_slot != NULL)
        *free_slot = strdup(topic);
    return free_slot != NULL ? *free_slot : NULL;
}

/* Frees the copies the driver let go of (refused, invalid, no room, unsubscribed). */
static void drop_unheld_topics(struct sim7600_host *h)
{
    size_t i;
    for (i = 0; i < sizeof h->topics / sizeof h->topics[0]; i++) {
        if (h->topics[i] != NULL && !topic_held(h, h->topics[i])) {
            free(h->topics[i]);
            h->topics[i] = NULL;
        }
    }
}

static int subscribe(struct sim7600_host *h, const char *topic, uint8_t qos)
{
    const char *t = keep_topic(h, topic);
    int st;

    if (t == NULL)
        return SIM7600_E_PARAM;
    st = sim7600_subscribe(&h->dev, t, qos);
    drop_unheld_topics(h);
    return st;
}

static int run_req(struct sim7600_host *h, struct sim7600_host_req *r)
{
    switch (r->kind) {
    case REQ_CONNECT:
        return sim7600_connect(&h->dev);
    case REQ_PUBLISH:
        return sim7600_publish(&h->dev, r->topic, r->payload, r->len, r->qos, r->retain);
    case REQ_SUBSCRIBE:
        return subscribe(h, r->topic, r->qos);
    case REQ_HEALTH:
        return sim7600_health(&h->dev, r->health);
    case REQ_DISCONNECT:
        return sim7600_disconnect(&h->dev);
    }
    return SIM7600_E_PARAM;
}

static void *owner(void *arg)
{
    struct sim7600_host *h = arg;

    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        struct sim7600_host_req *r = h->req_head;
        if (r != NULL) {
            h->req_head = r->next;
            if (h->req_head == NULL)
                h->req_tail = NULL;
            pthread_mutex_unlock(&h->mu);
            r->status = run_req(h, r);
            pthread_mutex_lock(&h->mu);
            r->done = true;
            pthread_cond_broadcast(&h->cv);
            continue;
        }
        pthread_mutex_unlock(&h->mu);
        sim7600_poll(&h->dev, POLL_MS);
        pthread_mutex_lock(&h->mu);
    }
    while (h->req_head != NULL) { /* stopping: refuse what is left */
        h->req_head->status = SIM7600_E_STATE;
        h->req_head->done = true;
        h->req_head = h->req_head->next;
    }
    h->req_tail = NULL;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

static int post(struct sim7600_host *h, struct sim7600_host_req *r)
{
    pthread_mutex_lock(&h->mu);
    if (h->stop) {
        pthread_mutex_unlock(&h->mu);
        return SIM7600_E_STATE;
    }
    r->next = NULL;
    r->done = false;
    if (h->req_tail != NULL)
        h->req_tail->next = r;
    else
        h->req_head = r;
    h->req_tail = r;
    pthread_mutex_unlock(&h->mu);
    sim7600_serial_wake(h->serial);
    pthread_mutex_lock(&h->mu);
    while (!r->done)
        pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
    return r->status;
}

/* ---- set-up --------------------------------------------------------------------- */

static size_t or_default(size_t v, size_t d)
{
    return v != 0 ? v : d;
}

static int alloc_buffers(struct sim7600_host *h)
{
    struct sim7600_host_config *c = &h->cfg;
    struct sim7600_config *d = &c->drv;

    c->rx_queue = or_default(c->rx_queue, 64);
    c->outbox_slots = or_default(c->outbox_slots, 32);
    c->outbox_slot_size = or_default(c->outbox_slot_size, 2048);
    c->max_message = or_default(c->max_message, 4096);
    h->line = malloc(512);
    h->cmd = malloc(1024);
    h->rx_topic = malloc(c->max_message + 1);
    h->rx_payload = malloc(c->max_message);
    h->ob = calloc(c->outbox_slots, sizeof *h->ob);
    h->ob_data = malloc(c->outbox_slots * c->outbox_slot_size);
    h->subs = calloc(SIM7600_HOST_SUBS_MAX, sizeof *h->subs);
    h->rxq = calloc(c->rx_queue, sizeof *h->rxq);
    if (!h->line || !h->cmd || !h->rx_topic || !h->rx_payload || !h->ob || !h->ob_data ||
        !h->subs || !h->rxq)
        return -1;
    d->line_buf = h->line;
    d->line_cap = 512;
    d->cmd_buf = h->cmd;
    d->cmd_cap = 1024;
    d->rx_topic = h->rx_topic;
    d->rx_topic_cap = c->max_message + 1;
    d->rx_payload = h->rx_payload;
    d->rx_payload_cap = c->max_message;
    d->outbox = h->ob;
    d->outbox_slots = c->outbox_slots;
    d->outbox_data = h->ob_data;
    d->outbox_slot_size = c->outbox_slot_size;
    d->subs = h->subs;
    d->subs_cap = SIM7600_HOST_SUBS_MAX;
    d->on_message = on_message;
    d->on_event = on_event;
    d->on_log = on_log;
    d->cb_ctx = h;
    return 0;
}

static void free_buffers(struct sim7600_host *h)
{
    size_t i;
    for (i = 0; i < sizeof h->topics / sizeof h->topics[0]; i++) {
        free(h->topics[i]);
        h->topics[i] = NULL;
    }
    while (h->rxq != NULL && h->rxq_count > 0) {
        sim7600_host_msg_free(&h->rxq[h->rxq_head]);
        h->rxq_head = (h->rxq_head + 1) % h->cfg.rx_queue;
        h->rxq_count--;
    }
    free(h->line);
    free(h->cmd);
    free(h->rx_topic);
    free(h->rx_payload);
    free(h->ob);
    free(h->ob_data);
    free(h->subs);
    free(h->rxq);
}

int sim7600_host_start(struct sim7600_host *h, struct sim7600_serial *serial,
                       const struct sim7600_host_config *cfg)
{
    pthread_condattr_t ca;
    int st;

    memset(h, 0, sizeof *h);
    h->serial = serial;
    h->cfg = *cfg;
    if (alloc_buffers(h) != 0) {
        free_buffers(h);
        return SIM7600_E_PARAM;
    }
    st = sim7600_init(&h->dev, &serial->port, &h->cfg.drv);
    if (st != SIM7600_OK) {
        free_buffers(h);
        return st;
    }
    pthread_mutex_init(&h->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&h->thread, NULL, owner, h) != 0) {
        free_buffers(h);
        return SIM7600_E_PARAM;
    }
    h->started = true;
    return SIM7600_OK;
}

void sim7600_host_stop(struct sim7600_host *h)
{
    if (!h->started)
        return;
    pthread_mutex_lock(&h->mu);
    h->stop = true;
    pthread_mutex_unlock(&h->mu);
    sim7600_serial_wake(h->serial);
    pthread_join(h->thread, NULL);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free_buffers(h);
    h->started = false;
}

/* ---- requests -------------------------------------------------------------------- */

int sim7600_host_connect(struct sim7600_host *h)
{
    struct sim7600_host_req r = {.kind = REQ_CONNECT};
    return post(h, &r);
}

int sim7600_host_publish(struct sim7600_host *h, const char *topic, const void *payload,
                         size_t len, uint8_t qos, bool retain)
{
    struct sim7600_host_req r = {.kind = REQ_PUBLISH, .topic = topic, .payload = payload,
                                 .len = len, .qos = qos, .retain = retain};
    return post(h, &r);
}

int sim7600_host_subscribe(struct sim7600_host *h, const char *topic, uint8_t qos)
{
    struct sim7600_host_req r = {.kind = REQ_SUBSCRIBE, .topic = topic, .qos = qos};
    return post(h, &r);
}

int sim7600_host_health(struct sim7600_host *h, struct sim7600_health *out)
{
    struct sim7600_host_req r = {.kind = REQ_HEALTH, .health = out};
    return post(h, &r);
}

int sim7600_host_disconnect(struct sim7600_host *h)
{
    struct sim7600_host_req r = {.kind = REQ_DISCONNECT};
    return post(h, &r);
}

const char *sim7600_host_last_step(struct sim7600_host *h)
{
    return sim7600_last_step(&h->dev);
}

int sim7600_host_recv(struct sim7600_host *h, struct sim7600_host_msg *m, int timeout_ms)
{
    struct timespec until;
    int got = 0;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&h->mu);
    while (h->rxq_count == 0 && !h->stop) {
        if (pthread_cond_timedwait(&h->cv, &h->mu, &until) == ETIMEDOUT)
            break;
    }
    if (h->rxq_count > 0) {
        *m = h->rxq[h->rxq_head];
        h->rxq_head = (h->rxq_head + 1) % h->cfg.rx_queue;
        h->rxq_count--;
        got = 1;
    }
    pthread_mutex_unlock(&h->mu);
    return got;
}
