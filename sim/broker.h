/* The embedded MQTT broker: subscriptions with + and # wildcards, retained
 * messages, delivery to subscribers by callback. No network, no threads. */
#ifndef SIM_BROKER_H
#define SIM_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct broker_message {
    const char *topic;
    size_t topic_len;
    const uint8_t *payload;
    size_t payload_len;
    int qos;
    bool retain;
};

/* Called once per matching subscriber; qos is min(publish qos, granted qos).
 * The message is only valid during the call. */
typedef void (*broker_deliver_fn)(void *ctx, int subscriber, const struct broker_message *m);

struct broker;

struct broker *broker_create(broker_deliver_fn deliver, void *ctx);
void broker_destroy(struct broker *b);

/* Every message published here, kept in order for a watcher (the control
 * socket's `watch`) to take later: a publish happens inside a command or an
 * event, so the broker never calls a watcher from there. Kept only while
 * `keep` is on (nobody watching, nothing piles up); turning it off drops what
 * waits. */
void broker_keep_published(struct broker *b, bool keep);
/* The oldest kept message: true and *m valid until the next call or
 * broker_destroy; false when none waits. */
bool broker_take_published(struct broker *b, struct broker_message *m);

/* Returns 0, or -1 for an invalid filter or no memory. Retained messages that
 * match are delivered at once, with retain set. */
int broker_subscribe(struct broker *b, int subscriber, const char *filter, size_t len, int qos);
/* Returns 0 whether or not the subscriber had that filter. */
int broker_unsubscribe(struct broker *b, int subscriber, const char *filter, size_t len);
void broker_drop_subscriber(struct broker *b, int subscriber);
/* Returns the number of deliveries made; -1 for an invalid topic. */
int broker_publish(struct broker *b, const struct broker_message *m);

size_t broker_subscription_count(const struct broker *b, int subscriber);
size_t broker_retained_count(const struct broker *b);
uint64_t broker_published_count(const struct broker *b);

/* MQTT 3.1.1 §4.7 topic rules. */
bool mqtt_topic_matches(const char *filter, size_t flen, const char *topic, size_t tlen);
bool mqtt_filter_valid(const char *filter, size_t len);
bool mqtt_topic_valid(const char *topic, size_t len);

#endif
