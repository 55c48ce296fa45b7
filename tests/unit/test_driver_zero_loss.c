/* Zero loss (issue 12): a QoS 1 message leaves the outbox only when the
 * module confirmed it or refused that message for good; a corrupted answer is
 * retried with a bound; a connection loss ends a PUB's wait at once; and a
 * supervisor that cannot reconnect climbs a ladder up to a module reset. */
#include <criterion/criterion.h>
#include <string.h>

#include "at_text.h"
#include "fake_port.h"

static struct fake_dev fd;

static void setup(void)
{
    fake_dev_init(&fd);
    fd.cfg.backoff_min_ms = 10;
    fd.cfg.backoff_max_ms = 80;
    cr_assert_eq(fake_dev_start(&fd), SIM7600_OK);
}

TestSuite(zero_loss, .init = setup);

static void connected(void)
{
    cr_assert_eq(fake_dev_connect_cold(&fd), SIM7600_OK, "%s\n%s", fd.fp.error, fd.log);
}

/* The information line "+CMQTTTOPIC: 0,20" lost to line noise: only ERROR arrives. */
#define TOPIC_BARE_ERROR {"AT+CMQTTTOPIC=0,3\r", "\r\nERROR\r\n", 0}
/* After an answer that says nothing clear, bring-up and the session run again. */
#define REOPENED FAKE_BRINGUP, FAKE_SESSION_WARM
#define PUB_UP_TO_PUB                                                                    \
    {"AT+CMQTTTOPIC=0,3\r", "\r\n>", 0}, {"t/1", FAKE_OK, 0},                              \
        {"AT+CMQTTPAYLOAD=0,3\r", "\r\n>", 0}, {"one", FAKE_OK, 0}

/* Publishes t/1 "one" through `s` and checks the message is still queued and
 * was sent again once the session came back (the script's end). */
static void kept_and_sent_again(const struct fake_step *s, size_t n, int why)
{
    int status = 0;

    connected();
    fake_port_script(&fd.fp, s, n);
    cr_assert_eq(sim7600_publish(&fd.dev, "t/1", "one", 3, 1, false), SIM7600_QUEUED, "%s\n%s",
                 fd.fp.error, fd.log);
    cr_assert_eq(sim7600_outbox_count(&fd.dev), 1, "an answer that may be damaged is no refusal");
    cr_assert_eq(fake_dev_events(&fd, SIM7600_EV_PUB_RETRY, &status), 1);
    cr_assert_eq(status, why, "%s", sim7600_status_name(status));
    fake_dev_run(&fd, 5000);
    cr_assert(fake_port_done(&fd.fp), "%s\n%s", fd.fp.error, fd.log);
    cr_assert_eq(sim7600_outbox_count(&fd.dev), 0);
    cr_assert_eq(fake_dev_events(&fd, SIM7600_EV_DROPPED, NULL), 0);
    cr_assert_eq(fake_dev_events(&fd, SIM7600_EV_GAVE_UP, NULL), 0);
}

Test(zero_loss, a_bare_error_keeps_the_message_and_sends_it_again)
{
    static const struct fake_step s[] = {TOPIC_BARE_ERROR, REOPENED, FAKE_PUB("t/1", 3, "one", 3, 1)};
    kept_and_sent_again(FAKE_STEPS(s), SIM7600_E_ERROR);
}

/* "+CMQTTTOPIC: 0,20" (client not acquired, after a reboot) with one byte damaged */
Test(zero_loss, a_damaged_code_that_reads_bad_utf8_does_not_drop_the_message)
{
    static const struct fake_step s[] = {
        {"AT+CMQTTTOPIC=0,3\r", "\r\n+CMQTTTOPIC: 0,2\xb3\r\n\r\nERROR\r\n", 0},
        REOPENED, FAKE_PUB("t/1", 3, "one", 3, 1),
    };
    kept_and_sent_again(FAKE_STEPS(s), SIM7600_E_PROTOCOL);
}

/* "+CMQTTPUB: 0,11" with its last digit damaged into '8': topic empty, which
 * the driver's own check rules out, so it can only be noise */
Test(zero_loss, a_code_the_driver_ruled_out_itself_does_not_drop_the_message)
{
    static const struct fake_step s[] = {
        PUB_UP_TO_PUB, {"AT+CMQTTPUB=0,1,60\r", "\r\n+CMQTTPUB: 0,18\r\n\r\nERROR\r\n", 0},
        REOPENED, FAKE_PUB("t/1", 3, "one", 3, 1),
    };
    kept_and_sent_again(FAKE_STEPS(s), SIM7600_E_MQTT_TOPIC_EMPTY);
}

/* "+CMQTTPUB: 0,11" after OK with a damaged digit: "0,\xb11" must not read as "0" (success) */
Test(zero_loss, a_damaged_result_line_after_ok_is_no_confirmation)
{
    static const struct fake_step s[] = {
        PUB_UP_TO_PUB, {"AT+CMQTTPUB=0,1,60\r", FAKE_OK "\r\n+CMQTTPUB: 0,\xb1" "1\r\n", 0},
        REOPENED, FAKE_PUB("t/1", 3, "one", 3, 1),
    };
    kept_and_sent_again(FAKE_STEPS(s), SIM7600_E_PROTOCOL);
}

Test(zero_loss, a_topic_that_is_not_utf8_is_refused_before_anything_is_sent)
{
    connected();
    cr_assert_eq(sim7600_publish(&fd.dev, "t/\xc3\x28", "one", 3, 1, false), SIM7600_E_PARAM);
    cr_assert_eq(sim7600_publish(&fd.dev, "t/\xed\xa0\x80", "one", 3, 1, false), SIM7600_E_PARAM,
                 "a UTF-16 surrogate is not UTF-8");
    cr_assert(at_utf8_valid("t/\xe2\x82\xac", 5), "the euro sign is");
    cr_assert_eq(sim7600_outbox_count(&fd.dev), 0);
}

Test(zero_loss, a_message_that_always_fails_is_given_up_after_the_bound)
{
    static const struct fake_step s[] = {
        TOPIC_BARE_ERROR, REOPENED, TOPIC_BARE_ERROR, REOPENED, TOPIC_BARE_ERROR, REOPENED,
    };
    int why = 0;

    fd.cfg.outbox_max_attempts = 3;
    cr_assert_eq(fake_dev_start(&fd), SIM7600_OK);
    connected();
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    cr_assert_eq(sim7600_publish(&fd.dev, "t/1", "one", 3, 1, false), SIM7600_QUEUED);
    fake_dev_run(&fd, 5000);
    cr_assert(fake_port_done(&fd.fp), "%s\n%s", fd.fp.error, fd.log);
    cr_assert_eq(fake_dev_events(&fd, SIM7600_EV_PUB_RETRY, NULL), 2);
    cr_assert_eq(fake_dev_events(&fd, SIM7600_EV_GAVE_UP, &why), 1);
    cr_assert_eq(why, SIM7600_E_ERROR);
    cr_assert_eq(sim7600_outbox_count(&fd.dev), 0);
}

/* acknowledged, then the connection drops: no result line follows */
#define PUB_THEN_CONNLOST                                                                \
    {"AT+CMQTTTOPIC=0,3\r", "\r\n>", 0}, {"t/1", FAKE_OK, 0},                              \
        {"AT+CMQTTPAYLOAD=0,3\r", "\r\n>", 0}, {"one", FAKE_OK, 0},                        \
        {"AT+CMQTTPUB=0,1,60\r", FAKE_OK "\r\n+CMQTTCONNLOST: 0,1\r\n", 100}

Test(zero_loss, a_connection_loss_ends_the_wait_for_the_pub_result_at_once)
{
    static const struct fake_step s[] = {PUB_THEN_CONNLOST};
    uint32_t t0;

    connected();
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    t0 = fd.fp.now;
    cr_assert_eq(sim7600_publish(&fd.dev, "t/1", "one", 3, 1, false), SIM7600_QUEUED, "%s\n%s",
                 fd.fp.error, fd.log);
    cr_assert_lt(fd.fp.now - t0, 1000, "the publish waited %u ms after the connection was lost",
                 fd.fp.now - t0);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_RECOVERING);
    cr_assert_eq(sim7600_outbox_count(&fd.dev), 1);
}

/* A client the module keeps busy (the soak's wedge): every reconnect fails at DISC. */
#define DISC_BUSY {"AT+CMQTTDISC=0,60\r", "\r\n+CMQTTDISC: 0,14\r\n\r\nERROR\r\n", 0}
#define REL_BUSY {"AT+CMQTTREL=0\r", "\r\n+CMQTTREL: 0,14\r\n\r\nERROR\r\n", 0}
#define STOP_HELD {"AT+CMQTTSTOP\r", "\r\n+CMQTTSTOP: 21\r\n\r\nERROR\r\n", 0}
#define WEDGED_RECONNECT FAKE_BRINGUP, FAKE_START_WARM, DISC_BUSY
#define WEDGED_RESTART DISC_BUSY, REL_BUSY, STOP_HELD, WEDGED_RECONNECT
#define WEDGED_TWO_RUNGS                                                                 \
    PUB_THEN_CONNLOST, FAKE_START_WARM, DISC_BUSY, WEDGED_RECONNECT, WEDGED_RECONNECT, WEDGED_RESTART,      \
        WEDGED_RESTART, WEDGED_RESTART

static int escalations(int *rungs, int max)
{
    int n = 0;
    for (int i = 0; i < fd.n_events && n < max; i++) {
        if (fd.events[i] == SIM7600_EV_ESCALATED)
            rungs[n++] = fd.ev_status[i];
    }
    return n;
}

Test(zero_loss, a_wedged_client_climbs_to_a_module_reset_and_nothing_is_lost)
{
    static const struct fake_step s[] = {WEDGED_TWO_RUNGS};
    static const struct fake_step after_reset[] = {
        {NULL, "\r\nRDY\r\n", 0}, FAKE_BRINGUP, FAKE_SESSION_COLD, FAKE_PUB("t/1", 3, "one", 3, 1),
    };
    int rungs[4];

    connected();
    fd.fp.on_reset = after_reset;
    fd.fp.on_reset_n = sizeof after_reset / sizeof after_reset[0];
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    cr_assert_eq(sim7600_publish(&fd.dev, "t/1", "one", 3, 1, false), SIM7600_QUEUED);
    fake_dev_run(&fd, 60000);
    cr_assert(fake_port_done(&fd.fp), "%s\n%s", fd.fp.error, fd.log);
    cr_assert_eq(escalations(rungs, 4), 2, "%s", fd.log);
    cr_assert_eq(rungs[0], SIM7600_RUNG_RESTART_MQTT);
    cr_assert_eq(rungs[1], SIM7600_RUNG_RESET_MODULE);
    cr_assert_eq(fd.fp.resets, 1);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_CONNECTED);
    cr_assert_eq(sim7600_outbox_count(&fd.dev), 0);
    cr_assert_eq(fd.dev.health.reboots, 0, "our own reset is not a reboot to react to");
}

/* After the reset rung the broker is down: a refusal proves the module works,
 * so the ladder starts over instead of resetting the module at every retry. */
Test(zero_loss, a_broker_that_refuses_after_a_reset_does_not_get_the_module_reset_again)
{
    static const struct fake_step s[] = {WEDGED_TWO_RUNGS};
    static const struct fake_step after_reset[] = {
        {NULL, "\r\nRDY\r\n", 0}, FAKE_BRINGUP, FAKE_START_COLD, FAKE_ACCQ,
        {"AT+CMQTTCONNECT=0,\"tcp://broker:1883\",60,1\r", FAKE_OK "\r\n+CMQTTCONNECT: 0,3\r\n", 0},
        FAKE_START_WARM, {"AT+CMQTTDISC=0,60\r", "\r\n+CMQTTDISC: 0,11\r\n\r\nERROR\r\n", 0},
        {"AT+CMQTTREL=0\r", FAKE_OK, 0}, FAKE_ACCQ,
        {"AT+CMQTTCONNECT=0,\"tcp://broker:1883\",60,1\r", FAKE_OK "\r\n+CMQTTCONNECT: 0,3\r\n", 0},
    };
    uint32_t t0;

    connected();
    fd.fp.on_reset = after_reset;
    fd.fp.on_reset_n = sizeof after_reset / sizeof after_reset[0];
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    cr_assert_eq(sim7600_publish(&fd.dev, "t/1", "one", 3, 1, false), SIM7600_QUEUED);
    t0 = fd.fp.now;
    while ((fd.fp.resets == 0 || !fake_port_done(&fd.fp)) && fd.fp.error[0] == '\0' &&
           fd.fp.now - t0 < 20000)
        sim7600_poll(&fd.dev, 100);
    cr_assert(fake_port_done(&fd.fp), "%s\n%s", fd.fp.error, fd.log);
    cr_assert_eq(fd.fp.resets, 1, "the module was reset %d times for a broker that refuses", fd.fp.resets);
    cr_assert_eq(fd.dev.rung, SIM7600_RUNG_RECONNECT);
}

Test(zero_loss, without_a_reset_line_the_module_gets_creset_and_a_stuck_supervisor_says_so)
{
    static const struct fake_step s[] = {
        WEDGED_TWO_RUNGS,
        {"AT+CRESET\r", "\r\nERROR\r\n", 0},
        {"AT+CRESET\r", "\r\nERROR\r\n", 0},
        {"AT+CRESET\r", "\r\nERROR\r\n", 0},
    };
    int rungs[4];
    uint32_t t0;

    fd.fp.port.reset_module = NULL;
    connected();
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    cr_assert_eq(sim7600_publish(&fd.dev, "t/1", "one", 3, 1, false), SIM7600_QUEUED);
    t0 = fd.fp.now;
    while (!fake_port_done(&fd.fp) && fd.fp.error[0] == '\0' && fd.fp.now - t0 < 60000)
        sim7600_poll(&fd.dev, 100);
    cr_assert(fake_port_done(&fd.fp), "%s\n%s", fd.fp.error, fd.log);
    cr_assert_eq(escalations(rungs, 4), 3, "%s", fd.log);
    cr_assert_eq(rungs[2], SIM7600_RUNG_STUCK);
    cr_assert_eq(fd.dev.backoff_ms, fd.cfg.backoff_max_ms, "the ladder starts over at the longest backoff");
    cr_assert_str_eq(sim7600_rung_str(SIM7600_RUNG_STUCK), "stuck");
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_RECOVERING);
    cr_assert_eq(sim7600_outbox_count(&fd.dev), 1, "still kept: nothing is given up on a link");
}
