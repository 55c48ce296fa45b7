#include "mqtt_watch.h"

#include "hil_clock.h"

#include <errno.h>
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WATCH_KEEPALIVE_S 60
#define WATCH_READY_MS 5000

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    struct mqtt_watch *w = obj;
    (void)m;
    if (strcmp(msg->topic, w->sync_topic) == 0) {
        pthread_mutex_lock(&w->mu);
        w->syncs_seen++;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        return;
    }
    broker_log_add(w->log, msg->topic, strlen(msg->topic), msg->payload, (size_t)msg->payloadlen, msg->qos,
                   msg->retain);
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *qos)
{
    struct mqtt_watch *w = obj;
    (void)m, (void)mid, (void)n, (void)qos;
    pthread_mutex_lock(&w->mu);
    w->subscribed = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Waits until *flag (under the mutex) or the deadline. */
static bool wait_for(struct mqtt_watch *w, bool (*done)(const struct mqtt_watch *), int timeout_ms)
{
    struct timespec end = hil_deadline_in((uint64_t)timeout_ms);
    pthread_mutex_lock(&w->mu);
    int rc = 0;
    while (!done(w) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&w->cv, &w->mu, &end);
    bool ok = done(w);
    pthread_mutex_unlock(&w->mu);
    return ok;
}

static bool is_subscribed(const struct mqtt_watch *w) { return w->subscribed; }
static bool synced(const struct mqtt_watch *w) { return w->syncs_seen >= w->syncs_sent; }

int mqtt_watch_start(struct mqtt_watch *w, const char *host, int port, const char *user, const char *pass,
                     struct broker_log *log, struct strbuf *err)
{
    memset(w, 0, sizeof *w);
    w->log = log;
    pthread_mutex_init(&w->mu, NULL);
    hil_cond_init(&w->cv);
    snprintf(w->sync_topic, sizeof w->sync_topic, "sim7600-hil/sync/%ld", (long)getpid());
    mosquitto_lib_init();
    w->mosq = mosquitto_new(NULL, true, w);
    if (!w->mosq) {
        sb_puts(err, "cannot create a libmosquitto client (out of memory)");
        return -1;
    }
    mosquitto_message_callback_set(w->mosq, on_message);
    mosquitto_subscribe_callback_set(w->mosq, on_subscribe);
    if (user)
        mosquitto_username_pw_set(w->mosq, user, pass);
    int rc = mosquitto_connect(w->mosq, host, port, WATCH_KEEPALIVE_S);
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_subscribe(w->mosq, NULL, "#", 1);
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_loop_start(w->mosq);
    if (rc != MOSQ_ERR_SUCCESS) {
        sb_printf(err, "cannot watch the broker on %s:%d: %s", host, port, mosquitto_strerror(rc));
        return -1;
    }
    if (!wait_for(w, is_subscribed, WATCH_READY_MS)) {
        sb_printf(err, "the broker on %s:%d did not confirm the watch's subscription within %d ms", host, port,
                  WATCH_READY_MS);
        return -1;
    }
    return 0;
}

bool mqtt_watch_sync(struct mqtt_watch *w, int timeout_ms)
{
    pthread_mutex_lock(&w->mu);
    w->syncs_sent++;
    pthread_mutex_unlock(&w->mu);
    if (mosquitto_publish(w->mosq, NULL, w->sync_topic, 0, NULL, 1, false) != MOSQ_ERR_SUCCESS)
        return false;
    return wait_for(w, synced, timeout_ms);
}

int mqtt_watch_publish(struct mqtt_watch *w, const char *topic, const void *payload, size_t len, int qos)
{
    return mosquitto_publish(w->mosq, NULL, topic, (int)len, payload, qos, false) == MOSQ_ERR_SUCCESS ? 0 : -1;
}

void mqtt_watch_stop(struct mqtt_watch *w)
{
    if (w->mosq) {
        mosquitto_disconnect(w->mosq);
        mosquitto_loop_stop(w->mosq, true);
        mosquitto_destroy(w->mosq);
        mosquitto_lib_cleanup();
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    memset(w, 0, sizeof *w);
}

/* Copies text[0..n) into a field of `cap` bytes; false if it does not fit. */
static bool take(char *dst, size_t cap, const char *text, size_t n)
{
    if (n == 0 || n >= cap)
        return false;
    memcpy(dst, text, n);
    dst[n] = '\0';
    return true;
}

int mqtt_url_parse(const char *url, struct mqtt_url *out)
{
    memset(out, 0, sizeof *out);
    if (strncmp(url, "tcp://", 6) != 0)
        return -1;
    const char *p = url + 6, *at = strrchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (!colon || !take(out->user, sizeof out->user, p, (size_t)(colon - p)) ||
            (size_t)(at - colon - 1) >= sizeof out->pass)
            return -1;
        memcpy(out->pass, colon + 1, (size_t)(at - colon - 1));
        out->has_user = true;
        p = at + 1;
    }
    const char *colon = strrchr(p, ':');
    char *end;
    if (!colon || !take(out->host, sizeof out->host, p, (size_t)(colon - p)))
        return -1;
    long port = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 1 || port > 65535)
        return -1;
    out->port = (int)port;
    return 0;
}
