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
    int connack;           /* the CONNACK's return code; -1 before one came */
    int sub_rc;            /* mosquitto_subscribe's result, from the connect callback */
    bool lost_unanswered;  /* the connection ended before any CONNACK */
    bool subscribed;       /* a SUBACK came... */
    bool sub_refused;      /* ...granting 0x80: the broker refused '#' */
    unsigned syncs_sent, syncs_seen;
    char sync_topic[64];
};

/* Connects to host:port (user may be NULL) and subscribes to '#', all within
 * a few seconds however the network behaves. Returns 0, or -1 with the reason
 * in `err`: the address cannot be reached, the broker refused the connection
 * (CONNACK: the credentials), or refused the subscription (SUBACK 0x80: an
 * ACL). Retained messages the broker replays on subscribing are not logged:
 * they are from before the run. Call mqtt_watch_stop even after a failure. */
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
 * the broker routed before it is then in the log. False if the marker could
 * not be published (the watch lost its connection) or did not come back
 * within timeout_ms (the watch's user may not be allowed to read what it
 * publishes, or the broker is stalled): the log may then lack messages the
 * broker routed, and a broker check failing on it proves nothing. */
bool mqtt_watch_sync(struct mqtt_watch *w, int timeout_ms);
/* Publishes as another client of the broker would. 0 or -1. */
int mqtt_watch_publish(struct mqtt_watch *w, const char *topic, const void *payload, size_t len, int qos);
void mqtt_watch_stop(struct mqtt_watch *w);

#endif
