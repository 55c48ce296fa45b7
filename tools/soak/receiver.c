/* The receiver: counts every sequence number that reached the broker.
 * Embedded broker: the simulator's control socket, after `watch`, streams one
 * MSG line per published message. Real broker: a libmosquitto subscriber. */
#include <errno.h>
#include <mosquitto.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "alloc.h"
#include "hil_clock.h"
#include "soak.h"

#define TOPIC_MAX 128
#define WATCH_LINE_MAX 4096
#define READY_TIMEOUT_MS 5000
#define MQTT_KEEPALIVE_S 60
#define SUB_QOS 1
#define DECIMAL_BASE 10u

struct receiver {
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* a new message was counted */
    char topic[TOPIC_MAX];
    unsigned messages;          /* sequence numbers 0..messages-1 */
    uint32_t *seen;             /* how often each one arrived */
    struct receiver_tally t;
    /* watch */
    int fd;
    pthread_t thread;
    bool threaded;
    /* mosquitto */
    struct mosquitto *mosq;
    bool mosq_lib;              /* mosquitto_lib_init() was called */
    bool subscribed;
};

static struct receiver *receiver_new(const char *topic, unsigned messages)
{
    struct receiver *r = xmalloc(sizeof *r);
    memset(r, 0, sizeof *r);
    r->seen = xmalloc(messages * sizeof *r->seen);
    memset(r->seen, 0, messages * sizeof *r->seen);
    snprintf(r->topic, sizeof r->topic, "%s", topic);
    r->messages = messages;
    r->fd = -1;
    pthread_mutex_init(&r->mu, NULL);
    hil_cond_init(&r->cv);
    return r;
}

/* A payload is the sequence number in decimal, nothing else. */
static void record(struct receiver *r, const char *payload, size_t len)
{
    unsigned long v = 0;
    bool ok = len > 0 && len <= 10;

    for (size_t i = 0; ok && i < len; i++) {
        ok = payload[i] >= '0' && payload[i] <= '9';
        v = v * DECIMAL_BASE + (unsigned long)(payload[i] - '0');
    }
    pthread_mutex_lock(&r->mu);
    r->t.messages++;
    if (!ok || v >= r->messages) {
        r->t.malformed++;
    } else if (r->seen[v]++ == 0) {
        r->t.distinct++;
    } else {
        r->t.duplicates++;
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* ---- the embedded broker's watch stream ------------------------------------------- */

/* The quoted word starting at *p (C escapes kept as they are; ours need none). */
static bool quoted(const char **p, const char **start, size_t *len)
{
    const char *s = strchr(*p, '"'), *e;
    if (s == NULL)
        return false;
    for (e = s + 1; *e != '\0' && *e != '"'; e++) {
        if (*e == '\\' && e[1] != '\0')
            e++;
    }
    if (*e != '"')
        return false;
    *start = s + 1;
    *len = (size_t)(e - s - 1);
    *p = e + 1;
    return true;
}

/* MSG <qos> <retain> "<topic>" "<payload>" */
static void watch_line(struct receiver *r, const char *line)
{
    const char *p = line, *topic, *payload;
    size_t tlen, plen;

    if (strncmp(line, "MSG ", 4) != 0 || !quoted(&p, &topic, &tlen) || !quoted(&p, &payload, &plen))
        return;
    if (tlen == strlen(r->topic) && memcmp(topic, r->topic, tlen) == 0)
        record(r, payload, plen);
}

static void *watch_thread(void *arg)
{
    struct receiver *r = arg;
    char buf[WATCH_LINE_MAX];
    size_t fill = 0;

    for (;;) {
        ssize_t got = read(r->fd, buf + fill, sizeof buf - 1 - fill);
        if (got <= 0) {
            if (got < 0 && errno == EINTR)
                continue;
            return NULL;        /* shut down by receiver_stop, or the simulator exited */
        }
        fill += (size_t)got;
        buf[fill] = '\0';
        char *line = buf, *nl;
        while ((nl = strchr(line, '\n')) != NULL) {
            *nl = '\0';
            watch_line(r, line);
            line = nl + 1;
        }
        fill -= (size_t)(line - buf);
        memmove(buf, line, fill);
        if (fill == sizeof buf - 1)
            fill = 0;           /* a line longer than any MSG of ours: not ours, drop it */
    }
}

/* Reads the reply to `watch` byte by byte, so no MSG line after it is consumed here. */
static bool watch_ack(int fd)
{
    char c, first = '\0';
    long long deadline = soak_now_ms() + READY_TIMEOUT_MS;
    for (size_t n = 0;; n++) {
        struct pollfd pfd = {fd, POLLIN, 0};
        long long left = deadline - soak_now_ms();
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0 || read(fd, &c, 1) != 1)
            return false;
        if (n == 0)
            first = c;
        if (c == '\n')
            return first == 'O';
    }
}

struct receiver *receiver_watch_start(const char *control_path, const char *topic, unsigned messages)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    struct receiver *r = receiver_new(topic, messages);
    static const char cmd[] = "watch\n";

    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", control_path);
    r->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (r->fd < 0 || connect(r->fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        write(r->fd, cmd, sizeof cmd - 1) != (ssize_t)(sizeof cmd - 1) || !watch_ack(r->fd) ||
        pthread_create(&r->thread, NULL, watch_thread, r) != 0) {
        receiver_stop(r);
        return NULL;
    }
    r->threaded = true;
    return r;
}

/* ---- a real broker: a libmosquitto subscriber --------------------------------------- */

static void on_connect(struct mosquitto *m, void *obj, int rc)
{
    struct receiver *r = obj;
    if (rc == 0)
        mosquitto_subscribe(m, NULL, r->topic, SUB_QOS);
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *granted)
{
    struct receiver *r = obj;
    (void)m;
    (void)mid;
    pthread_mutex_lock(&r->mu);
    r->subscribed = n == 1 && granted[0] == SUB_QOS;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    struct receiver *r = obj;
    (void)m;
    if (strcmp(msg->topic, r->topic) == 0)
        record(r, msg->payload, (size_t)msg->payloadlen);
}

struct receiver *receiver_mqtt_start(int port, const char *topic, unsigned messages)
{
    struct receiver *r = receiver_new(topic, messages);
    bool ok;

    mosquitto_lib_init();
    r->mosq_lib = true;
    r->mosq = mosquitto_new("sim7600-soak-rx", true, r);
    ok = r->mosq != NULL;
    if (ok) {
        mosquitto_connect_callback_set(r->mosq, on_connect);
        mosquitto_subscribe_callback_set(r->mosq, on_subscribe);
        mosquitto_message_callback_set(r->mosq, on_message);
        ok = mosquitto_connect(r->mosq, "127.0.0.1", port, MQTT_KEEPALIVE_S) == MOSQ_ERR_SUCCESS &&
             mosquitto_loop_start(r->mosq) == MOSQ_ERR_SUCCESS;
    }
    if (ok) {
        long long deadline = soak_now_ms() + READY_TIMEOUT_MS;
        pthread_mutex_lock(&r->mu);
        while (!r->subscribed && soak_cond_wait_until(&r->cv, &r->mu, deadline))
            ;
        ok = r->subscribed;
        pthread_mutex_unlock(&r->mu);
    }
    if (!ok) {
        receiver_stop(r);
        return NULL;
    }
    return r;
}

/* ---- results ------------------------------------------------------------------------ */

bool receiver_wait_all(struct receiver *r, unsigned stall_ms)
{
    bool all;
    pthread_mutex_lock(&r->mu);
    long long deadline = soak_now_ms() + stall_ms;
    unsigned distinct = r->t.distinct;
    while (r->t.distinct < r->messages && soak_cond_wait_until(&r->cv, &r->mu, deadline)) {
        if (r->t.distinct != distinct) {
            distinct = r->t.distinct;
            deadline = soak_now_ms() + stall_ms;
        }
    }
    all = r->t.distinct == r->messages;
    pthread_mutex_unlock(&r->mu);
    return all;
}

void receiver_tally(struct receiver *r, struct receiver_tally *t)
{
    pthread_mutex_lock(&r->mu);
    *t = r->t;
    pthread_mutex_unlock(&r->mu);
}

unsigned receiver_missing(struct receiver *r, unsigned *out, unsigned max)
{
    unsigned n = 0;
    pthread_mutex_lock(&r->mu);
    for (unsigned i = 0; i < r->messages && n < max; i++) {
        if (r->seen[i] == 0)
            out[n++] = i;
    }
    pthread_mutex_unlock(&r->mu);
    return n;
}

void receiver_stop(struct receiver *r)
{
    if (r == NULL)
        return;
    if (r->fd >= 0)
        shutdown(r->fd, SHUT_RDWR);     /* ends the watch thread's read */
    if (r->threaded)
        pthread_join(r->thread, NULL);
    if (r->fd >= 0)
        close(r->fd);
    if (r->mosq != NULL) {
        mosquitto_disconnect(r->mosq);
        mosquitto_loop_stop(r->mosq, false);
        mosquitto_destroy(r->mosq);
    }
    if (r->mosq_lib)
        mosquitto_lib_cleanup();
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r->seen);
    free(r);
}
