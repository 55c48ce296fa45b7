/* The embedded broker: MQTT 3.1.1 topic matching, retained messages, QoS. */
#include <criterion/criterion.h>
#include <string.h>

#include "broker.h"

struct delivery {
    int subscriber, qos;
    bool retain;
    char topic[64];
};
static struct delivery got[16];
static int ngot;

static void record(void *ctx, int subscriber, const struct broker_message *m)
{
    (void)ctx;
    struct delivery *d = &got[ngot++];
    d->subscriber = subscriber;
    d->qos = m->qos;
    d->retain = m->retain;
    memcpy(d->topic, m->topic, m->topic_len);
    d->topic[m->topic_len] = '\0';
}

static bool matches(const char *filter, const char *topic)
{
    return mqtt_topic_matches(filter, strlen(filter), topic, strlen(topic));
}

Test(broker, wildcards_match_as_the_mqtt_spec_says)
{
    cr_assert(matches("a/b", "a/b"));
    cr_assert_not(matches("a/b", "a/b/c"));
    cr_assert(matches("a/+/c", "a/x/c"));
    cr_assert_not(matches("a/+/c", "a/x/y/c"));
    cr_assert(matches("a/#", "a"));
    cr_assert(matches("a/#", "a/b/c"));
    cr_assert(matches("#", "anything/at/all"));
    cr_assert(matches("+/+", "/x"));
    cr_assert(matches("a/+", "a/"));
    cr_assert_not(matches("#", "$SYS/uptime"));
    cr_assert_not(matches("+/uptime", "$SYS/uptime"));
    cr_assert(matches("$SYS/#", "$SYS/uptime"));
}

Test(broker, invalid_filters_and_topics_are_refused)
{
    cr_assert_not(mqtt_filter_valid("a/#/b", 5));
    cr_assert_not(mqtt_filter_valid("a+", 2));
    cr_assert_not(mqtt_filter_valid("", 0));
    cr_assert(mqtt_filter_valid("+/a/#", 5));
    cr_assert_not(mqtt_topic_valid("a/+", 3));
    cr_assert_not(mqtt_topic_valid("a/#", 3));
}

Test(broker, one_delivery_per_subscriber_at_the_best_granted_qos)
{
    ngot = 0;
    struct broker *b = broker_create(record, NULL);
    broker_subscribe(b, 0, "a/#", 3, 0);
    broker_subscribe(b, 0, "a/b", 3, 2);
    broker_subscribe(b, 1, "a/b", 3, 0);
    struct broker_message m = {"a/b", 3, (const uint8_t *)"x", 1, 1, false};
    cr_assert_eq(broker_publish(b, &m), 2);
    cr_assert_eq(ngot, 2);
    cr_assert_eq(got[0].subscriber, 0);
    cr_assert_eq(got[0].qos, 1);     /* min(publish 1, granted 2) */
    cr_assert_eq(got[1].qos, 0);
    broker_destroy(b);
}

Test(broker, retained_message_reaches_later_subscribers_and_empty_clears_it)
{
    ngot = 0;
    struct broker *b = broker_create(record, NULL);
    struct broker_message m = {"cfg/x", 5, (const uint8_t *)"v", 1, 1, true};
    broker_publish(b, &m);
    cr_assert_eq(broker_retained_count(b), 1);
    broker_subscribe(b, 3, "cfg/+", 5, 1);
    cr_assert_eq(ngot, 1);
    cr_assert(got[0].retain);
    struct broker_message clear = {"cfg/x", 5, NULL, 0, 0, true};
    broker_publish(b, &clear);
    cr_assert_eq(broker_retained_count(b), 0);
    broker_destroy(b);
}

Test(broker, unsubscribe_and_drop_stop_deliveries)
{
    ngot = 0;
    struct broker *b = broker_create(record, NULL);
    broker_subscribe(b, 0, "t", 1, 0);
    broker_subscribe(b, 1, "t", 1, 0);
    broker_unsubscribe(b, 0, "t", 1);
    broker_drop_subscriber(b, 1);
    struct broker_message m = {"t", 1, (const uint8_t *)"x", 1, 0, false};
    cr_assert_eq(broker_publish(b, &m), 0);
    cr_assert_eq(broker_subscription_count(b, 0) + broker_subscription_count(b, 1), 0);
    broker_destroy(b);
}
