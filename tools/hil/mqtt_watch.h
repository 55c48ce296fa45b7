/* A libmosquitto client on a real broker that logs every message the broker
 * routes (subscribed to '#') into a broker_log, for the broker checks of a
 * scenario run with a private mosquitto; it also publishes the scenario's
 * `deliver` events, as a backend would. */
#ifndef HIL_MQTT_WATCH_H
#define HIL_MQTT_WATCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "broker_log.h"
#include "strbuf.h"

struct mosquitto;

struct mqtt_watch {
    struct mosquitto *mosq;
    struct broker_log *log;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool subscribed;
    unsigned syncs_sent, syncs_seen;
    char sync_topic[64];
};

/* Connects to host:port (user may be NULL) and subscribes to '#'.
 * Returns 0, or -1 with the reason in `err`. */
int mqtt_watch_start(struct mqtt_watch *w, const char *host, int port, const char *user, const char *pass,
                     struct broker_log *log, struct strbuf *err);

/* A broker to watch, from "tcp://[USER:PASS@]HOST:PORT". */
struct mqtt_url {
    char host[256], user[256], pass[256];
    int port;
    bool has_user;
};
/* 0, or -1 if `url` is not of that form. */
int mqtt_url_parse(const char *url, struct mqtt_url *out);
/* Publishes a marker and waits (up to timeout_ms) until it comes back: what
 * the broker routed before it is then in the log. */
bool mqtt_watch_sync(struct mqtt_watch *w, int timeout_ms);
/* Publishes as another client of the broker would. 0 or -1. */
int mqtt_watch_publish(struct mqtt_watch *w, const char *topic, const void *payload, size_t len, int qos);
void mqtt_watch_stop(struct mqtt_watch *w);

#endif
