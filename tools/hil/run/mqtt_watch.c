#include "mqtt_watch.h"

#include "hil_clock.h"
#include "parse_num.h"

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
    /* The broker sets RETAIN only on what it replays because of a new
     * subscription, never on live traffic it forwards (MQTT 3.1.1 §3.3.1.3):
     * a retained message is stale, from before the run, not something the
     * module sent. Checked before the marker so a stale one cannot sync. */
    if (msg->retain)
        return;
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

/* Subscribes here rather than once after connecting: the session is clean,
 * so after the loop thread reconnects the broker has forgotten '#'. */
static void on_connect(struct mosquitto *m, void *obj, int rc)
{
    struct mqtt_watch *w = obj;
    int sub = rc == 0 ? mosquitto_subscribe(m, NULL, "#", 1) : MOSQ_ERR_SUCCESS;
    pthread_mutex_lock(&w->mu);
    w->connack = rc;
    w->sub_rc = sub;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* A connection that ends before any CONNACK: nothing (or no broker) there. */
static void on_disconnect(struct mosquitto *m, void *obj, int rc)
{
    struct mqtt_watch *w = obj;
    (void)m, (void)rc;
    pthread_mutex_lock(&w->mu);
    if (w->connack < 0)
        w->lost_unanswered = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *qos)
{
    struct mqtt_watch *w = obj;
    (void)m, (void)mid;
    pthread_mutex_lock(&w->mu);
    w->subscribed = true;
    w->sub_refused = n < 1 || qos[0] == 0x80;   /* 0x80: the broker refused it (an ACL) */
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Waits until done(w) (under the mutex) or the deadline. */
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

/* Start-up is over: subscribed, or something that waiting will not fix. */
static bool start_settled(const struct mqtt_watch *w)
{
    return w->subscribed || w->connack > 0 || w->sub_rc != MOSQ_ERR_SUCCESS || w->lost_unanswered;
}
static bool synced(const struct mqtt_watch *w) { return w->syncs_seen >= w->syncs_sent; }

/* The MQTT 3.1.1 CONNACK refusals (§3.2.2.3), as the end of a sentence. */
static const char *connack_name(int rc)
{
    switch (rc) {
    case 1: return "unacceptable protocol version";
    case 2: return "client identifier rejected";
    case 3: return "server unavailable";
    case 4: return "bad user name or password";
    case 5: return "not authorised";
    }
    return mosquitto_connack_string(rc);
}

/* 0 if start-up ended subscribed to '#'; else -1 with the reason in `err`,
 * the most specific one known: a refused CONNACK names the credentials, an
 * unanswered connect the address, a SUBACK of 0x80 the ACL. */
static int start_outcome(struct mqtt_watch *w, const char *host, int port, const char *user, struct strbuf *err)
{
    pthread_mutex_lock(&w->mu);
    int connack = w->connack, sub_rc = w->sub_rc;
    bool subscribed = w->subscribed, refused = w->sub_refused, lost = w->lost_unanswered;
    pthread_mutex_unlock(&w->mu);
    if (subscribed && !refused)
        return 0;
    if (connack > 0)
        sb_printf(err, "the broker at %s:%d refused the watch's connection%s%s: %s (check the user and password)",
                  host, port, user ? " as user " : "", user ? user : "", connack_name(connack));
    else if (connack < 0 && lost)
        sb_printf(err, "could not reach %s:%d: the connection failed or closed before the broker answered", host, port);
    else if (connack < 0)
        sb_printf(err, "could not reach %s:%d within %d ms (no CONNACK)", host, port, WATCH_READY_MS);
    else if (sub_rc != MOSQ_ERR_SUCCESS)
        sb_printf(err, "cannot subscribe the watch to '#' on %s:%d: %s", host, port, mosquitto_strerror(sub_rc));
    else if (subscribed)
        sb_printf(err, "the broker at %s:%d does not let the watch%s%s subscribe to '#' (an ACL?)", host, port,
                  user ? " user " : "", user ? user : "");
    else
        sb_printf(err, "the broker on %s:%d did not confirm the watch's subscription within %d ms", host, port,
                  WATCH_READY_MS);
    return -1;
}

int mqtt_watch_start(struct mqtt_watch *w, const char *host, int port, const char *user, const char *pass,
                     struct broker_log *log, struct strbuf *err)
{
    memset(w, 0, sizeof *w);
    w->log = log;
    w->connack = -1;
    pthread_mutex_init(&w->mu, NULL);
    hil_cond_init(&w->cv);
    snprintf(w->sync_topic, sizeof w->sync_topic, "sim7600-hil/sync/%ld", (long)getpid());
    mosquitto_lib_init();
    w->mosq = mosquitto_new(NULL, true, w);
    if (!w->mosq) {
        sb_puts(err, "cannot create a libmosquitto client (out of memory)");
        return -1;
    }
    mosquitto_connect_callback_set(w->mosq, on_connect);
    mosquitto_disconnect_callback_set(w->mosq, on_disconnect);
    mosquitto_message_callback_set(w->mosq, on_message);
    mosquitto_subscribe_callback_set(w->mosq, on_subscribe);
    if (user)
        mosquitto_username_pw_set(w->mosq, user, pass);
    /* The async connect only starts the TCP handshake, so a host that drops
     * packets cannot block us for minutes; the loop thread finishes it and
     * everything after is bounded by WATCH_READY_MS. (Name resolution still
     * happens here, bounded by the resolver's own timeouts.) */
    int rc = mosquitto_connect_async(w->mosq, host, port, WATCH_KEEPALIVE_S);
    if (rc == MOSQ_ERR_ERRNO || rc == MOSQ_ERR_EAI) {
        sb_printf(err, "could not reach %s:%d: %s", host, port,
                  rc == MOSQ_ERR_EAI ? "cannot resolve the host name" : strerror(errno));
        return -1;
    }
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_loop_start(w->mosq);
    if (rc != MOSQ_ERR_SUCCESS) {
        sb_printf(err, "cannot watch the broker on %s:%d: %s", host, port, mosquitto_strerror(rc));
        return -1;
    }
    wait_for(w, start_settled, WATCH_READY_MS);
    return start_outcome(w, host, port, user, err);
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
    if (!colon || !take(out->host, sizeof out->host, p, (size_t)(colon - p)))
        return -1;
    long port;
    if (!parse_long(colon + 1, 1, 65535, &port))
        return -1;
    out->port = (int)port;
    return 0;
}
