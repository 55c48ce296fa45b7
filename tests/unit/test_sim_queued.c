/* What the simulator's core queues instead of calling up: a fired rule's
 * action (run by the loop once its hook returned) and the messages published
 * at the broker (taken by the owner after the core returned, for `watch`). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "sim_fixture.h"

static struct strbuf watched;      /* "topic=payload;" per message the observer saw */
static int observed;

static void observe(void *ctx, const char *topic, size_t tlen, const uint8_t *payload, size_t plen,
                    int qos, bool retain)
{
    (void)ctx;
    (void)qos;
    (void)retain;
    observed++;
    sb_add(&watched, topic, tlen);
    sb_puts(&watched, "=");
    sb_add(&watched, payload, plen);
    sb_puts(&watched, ";");
}

/* What the observer got from one flush, as "topic=payload;..." ("" for nothing). */
static const char *flush(void)
{
    sb_reset(&watched);
    sb_add(&watched, "", 0);
    sim_flush_published(drive.sim);
    return sb_str(&watched);
}

/* A fast boot (boot.c) is over well within this. */
#define BOOT_MS 500

static void cold(void)
{
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = 0;
    drive.now_us = 1000000;
    drive.sim = sim_create(&cfg, drive.now_us);
    cr_assert_not_null(drive.sim);
    advance(BOOT_MS);
    io("ATE0\r");
    observed = 0;
}

static void teardown(void)
{
    sim_drive_free(&drive);
    sb_free(&watched);
}

/* Client 0 connected. */
static void connect_client0(void)
{
    cr_assert_str_eq(io("AT+CMQTTSTART\r"), "\r\n+CMQTTSTART: 0\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CMQTTACCQ=0,\"dev1\"\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CMQTTCONNECT=0,\"tcp://broker.example:1883\",60,1\r"),
                     "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
}

/* AT+CMQTTTOPIC and AT+CMQTTPAYLOAD for topic "t", then the PUB's answer. */
static const char *publish(const char *payload, int qos)
{
    char line[64];
    io("AT+CMQTTTOPIC=0,1\rt");
    snprintf(line, sizeof line, "AT+CMQTTPAYLOAD=0,%zu\r", strlen(payload));
    io(line);
    io(payload);
    snprintf(line, sizeof line, "AT+CMQTTPUB=0,%d,60\r", qos);
    return io(line);
}

TestSuite(rule_queue, .init = cold, .fini = teardown);

Test(rule_queue, the_actions_of_one_line_run_in_the_order_their_rules_were_armed_before_it_is_answered)
{
    ctl("rule on-send AT+CSQ inject \"A\"");
    ctl("rule on-send AT+CSQ inject \"B\"");
    cr_assert_str_eq(io("AT+CSQ\r"), "AB\r\n+CSQ: 23,0\r\n\r\nOK\r\n");
}

/* A hook looks at the rules as they stood when the line arrived; the queue
 * runs after it. So a rule an action arms first fires at a later line... */
Test(rule_queue, a_rule_armed_by_an_action_first_fires_on_a_later_line)
{
    cr_assert_str_eq(ctl("rule on-send AT+CSQ rule on-send AT+CSQ replace \"X\""), "OK rule 1 armed");
    cr_assert_str_eq(io("AT+CSQ\r"), "\r\n+CSQ: 23,0\r\n\r\nOK\r\n");
    cr_assert_not_null(strstr(ctl("state"), "\"rules\":2,\"rules_fired\":1"), "%s", ctl("state"));
    cr_assert_str_eq(io("AT+CSQ\r"), "X");
}

/* ... and a rule that clears the rules does not stop the others that matched the same line. */
Test(rule_queue, rules_clear_as_an_action_leaves_the_other_rules_of_that_line_firing)
{
    ctl("rule on-send AT+CSQ rules clear");
    ctl("rule on-send AT+CSQ inject-in-answer \"\\r\\n+CREG: 0\\r\\n\"");
    cr_assert_str_eq(io("AT+CSQ\r"), "\r\n+CSQ: 23,0\r\n\r\n+CREG: 0\r\n\r\nOK\r\n");
    cr_assert_not_null(strstr(ctl("state"), "\"rules\":0,"), "%s", ctl("state"));
}

/* An after-publishes rule runs once the PUBACK's event is done: the result
 * is printed and the message published; its reboot then drops the delivery
 * that event queued behind it (the loop re-reads the emptied event queue). */
Test(rule_queue, an_after_publishes_reboot_runs_once_the_event_that_fired_it_is_done)
{
    connect_client0();
    cr_assert_str_eq(io("AT+CMQTTSUB=0,1,0\r"), "\r\n>");
    cr_assert_str_eq(io("t"), "\r\nOK\r\n\r\n+CMQTTSUB: 0,0\r\n", "client 0 hears its own topic");
    sim_set_publish_observer(drive.sim, observe, NULL);
    ctl("rule after-publishes 1 reboot");
    cr_assert_str_eq(publish("p", 0), "\r\nOK\r\n\r\n+CMQTTPUB: 0,0\r\n");
    cr_assert_str_eq(advance(BOOT_MS), "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n",
                     "no +CMQTTRXSTART: the reboot dropped the delivery");
    cr_assert_str_eq(flush(), "t=p;");
    cr_assert_not_null(strstr(ctl("state"), "\"faults\":{\"connlost\":0,\"reboot\":1,"), "%s", ctl("state"));
}

TestSuite(publish_queue, .init = cold, .fini = teardown);

Test(publish_queue, the_observer_is_called_only_when_the_owner_flushes_and_in_order)
{
    connect_client0();
    sim_set_publish_observer(drive.sim, observe, NULL);
    cr_assert_str_eq(ctl("deliver a 1"), "OK published");
    publish("2", 1);
    cr_assert_str_eq(ctl("deliver b 3"), "OK published");
    advance(10);
    cr_assert_eq(observed, 0, "the core called the observer from inside a command or an event");
    cr_assert_str_eq(flush(), "a=1;t=2;b=3;");
    cr_assert_str_eq(flush(), "", "a message was handed out twice");
}

/* An on-answer rule lands between the PUB's OK and its PUBACK: its message
 * is published before the PUB's own. */
Test(publish_queue, an_on_answer_action_publishes_before_the_pub_it_followed)
{
    connect_client0();
    sim_set_publish_observer(drive.sim, observe, NULL);
    ctl("rule on-answer AT+CMQTTPUB deliver x y");
    cr_assert_str_eq(publish("p", 1), "\r\nOK\r\n\r\n+CMQTTPUB: 0,0\r\n");
    cr_assert_str_eq(flush(), "x=y;t=p;");
}

Test(publish_queue, nothing_is_kept_while_nobody_observes)
{
    cr_assert_str_eq(ctl("deliver a 1"), "OK published");
    sim_set_publish_observer(drive.sim, observe, NULL);
    cr_assert_str_eq(flush(), "");
    ctl("deliver b 2");
    sim_set_publish_observer(drive.sim, NULL, NULL);    /* the watcher went away: what waited goes too */
    sim_set_publish_observer(drive.sim, observe, NULL);
    cr_assert_str_eq(flush(), "");
    cr_assert_not_null(strstr(ctl("state"), "\"broker\":{\"published\":2,"), "%s", ctl("state"));
}
