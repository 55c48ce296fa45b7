/* The subscription table's contract (struct sim7600_sub): a topic the driver
 * drops is held by no slot afterwards, so an owner that frees what the table
 * holds frees each string once; a reconnect renews exactly what is left. */
#include <criterion/criterion.h>
#include <string.h>

#include "fake_port.h"

/* every topic here is 5 bytes, subscribed with QoS 1 */
#define SUB_PROMPT {"AT+CMQTTSUB=0,5,1\r", "\r\n>", 0}
#define SUB_OK(T) SUB_PROMPT, {T, FAKE_OK "\r\n+CMQTTSUB: 0,0\r\n", 0}
/* the broker says no: the module's <err> 1, "failed" (MQTT manual §2.3.1) */
#define SUB_REFUSED(T) SUB_PROMPT, {T, FAKE_OK "\r\n+CMQTTSUB: 0,1\r\n", 0}

static struct fake_dev fd;
/* strings of their own, as an owner that allocates its topics passes them */
static char topic_a[] = "cmd/a", topic_b[] = "cmd/b", topic_c[] = "cmd/c";

static void exchange(const struct fake_step *s, size_t n)
{
    fake_port_script(&fd.fp, s, n);
}

static void subscribe_ok(char *topic)
{
    const struct fake_step s[] = {SUB_OK(topic)};
    exchange(FAKE_STEPS(s));
    cr_assert_eq(sim7600_subscribe(&fd.dev, topic, 1), SIM7600_OK, "%s", fd.fp.error);
}

static void setup(void)
{
    static const struct fake_step s[] = {FAKE_BRINGUP, FAKE_SESSION_COLD};
    fake_dev_init(&fd);
    cr_assert_eq(fake_dev_start(&fd), SIM7600_OK);
    exchange(FAKE_STEPS(s));
    cr_assert_eq(sim7600_connect(&fd.dev), SIM7600_OK, "%s\n%s", fd.fp.error, fd.log);
    subscribe_ok(topic_a);
    subscribe_ok(topic_b);
}

TestSuite(subs, .init = setup);

/* How many slots of the caller's table hold this very pointer. */
static int slots_holding(const char *topic)
{
    int i, n = 0;
    for (i = 0; i < (int)(sizeof fd.subs / sizeof fd.subs[0]); i++)
        n += fd.subs[i].topic == topic;
    return n;
}

/* The driver reconnects and renews exactly `renewed`, nothing more. */
static void expect_reconnect_renewing(const struct fake_step *renewed, size_t n)
{
    static const struct fake_step session[] = {FAKE_SESSION_WARM};
    enum { SESSION_STEPS = sizeof session / sizeof session[0] };
    struct fake_step s[SESSION_STEPS + 6];

    cr_assert_leq(n, 6);
    memcpy(s, session, sizeof session);
    memcpy(s + SESSION_STEPS, renewed, n * sizeof *renewed);
    exchange(s, SESSION_STEPS + n);
    fake_dev_run(&fd, 20000);
    cr_assert(fake_port_done(&fd.fp), "%s\n%s", fd.fp.error, fd.log);
    cr_assert_eq(fake_dev_events(&fd, SIM7600_EV_RECONNECTED, NULL), 1);
}

/* The module loses the broker; the reconnect must renew exactly `renewed`. */
static void reconnect_renewing(const struct fake_step *renewed, size_t n)
{
    fake_port_push_str(&fd.fp, "\r\n+CMQTTCONNLOST: 0,1\r\n", 0);
    expect_reconnect_renewing(renewed, n);
}

Test(subs, a_refused_resubscription_of_the_first_topic_leaves_it_in_no_slot)
{
    static const struct fake_step renew_b[] = {SUB_OK("cmd/b")};
    const struct fake_step s[] = {SUB_REFUSED(topic_a)};

    exchange(FAKE_STEPS(s));
    cr_assert_eq(sim7600_subscribe(&fd.dev, topic_a, 1), SIM7600_E_MQTT_FAILED, "%s", fd.fp.error);
    cr_assert_eq(slots_holding(topic_a), 0);
    cr_assert_eq(slots_holding(topic_b), 1, "cmd/b is in %d slots", slots_holding(topic_b));
    cr_assert_eq(slots_holding(NULL), 3);
    reconnect_renewing(FAKE_STEPS(renew_b));
}

Test(subs, an_accepted_resubscription_keeps_one_slot)
{
    static const struct fake_step renew[] = {SUB_OK("cmd/a"), SUB_OK("cmd/b")};

    subscribe_ok(topic_a);
    cr_assert_eq(slots_holding(topic_a), 1);
    cr_assert_eq(slots_holding(topic_b), 1);
    reconnect_renewing(FAKE_STEPS(renew));
}

Test(subs, a_topic_refused_on_first_subscribe_is_in_no_slot)
{
    static const struct fake_step renew[] = {SUB_OK("cmd/a"), SUB_OK("cmd/b")};
    const struct fake_step s[] = {SUB_REFUSED(topic_c)};

    exchange(FAKE_STEPS(s));
    cr_assert_eq(sim7600_subscribe(&fd.dev, topic_c, 1), SIM7600_E_MQTT_FAILED, "%s", fd.fp.error);
    cr_assert_eq(slots_holding(topic_c), 0);
    cr_assert_eq(slots_holding(NULL), 2);
    reconnect_renewing(FAKE_STEPS(renew));
}

Test(subs, an_unsubscribed_topic_is_in_no_slot)
{
    static const struct fake_step renew_b[] = {SUB_OK("cmd/b")};
    static const struct fake_step s[] = {
        {"AT+CMQTTUNSUB=0,5,0\r", "\r\n>", 0},
        {"cmd/a", FAKE_OK "\r\n+CMQTTUNSUB: 0,0\r\n", 0},
    };

    exchange(FAKE_STEPS(s));
    cr_assert_eq(sim7600_unsubscribe(&fd.dev, "cmd/a"), SIM7600_OK, "%s", fd.fp.error);
    cr_assert_eq(slots_holding(topic_a), 0);
    cr_assert_eq(slots_holding(topic_b), 1, "cmd/b is in %d slots", slots_holding(topic_b));
    reconnect_renewing(FAKE_STEPS(renew_b));
}

/* A lost link is no refusal: the topic stays, to be renewed by the reconnect. */
Test(subs, a_subscription_cut_by_a_lost_link_is_kept)
{
    static const struct fake_step renew[] = {SUB_OK("cmd/a"), SUB_OK("cmd/b"), SUB_OK("cmd/c")};
    const struct fake_step s[] = {
        SUB_PROMPT,
        {topic_c, "\r\n+CMQTTCONNLOST: 0,3\r\n" FAKE_OK "\r\n+CMQTTSUB: 0,11\r\n", 0},
    };

    exchange(FAKE_STEPS(s));
    cr_assert_neq(sim7600_subscribe(&fd.dev, topic_c, 1), SIM7600_OK, "%s", fd.fp.error);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_RECOVERING);
    cr_assert_eq(slots_holding(topic_c), 1);
    expect_reconnect_renewing(FAKE_STEPS(renew));
}
