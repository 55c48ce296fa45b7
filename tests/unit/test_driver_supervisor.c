/* Supervision and the outbox: connection loss, reboot, a silent module,
 * backoff, and QoS 1 messages that survive all of them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fake_port.h"

static struct fake_dev fd;

static void setup(void)
{
    fake_dev_init(&fd);
    fd.cfg.backoff_min_ms = 1000;
    fd.cfg.backoff_max_ms = 8000;
    cr_assert_eq(fake_dev_start(&fd), SIM7600_OK);
}

TestSuite(supervisor, .init = setup);

static void connected(void)
{
    cr_assert_eq(fake_dev_connect_cold(&fd), SIM7600_OK, "%s\n%s", fd.fp.error, fd.log);
}

Test(supervisor, outbox_full_is_a_clear_error_not_a_silent_drop)
{
    int i, st;
    for (i = 0; i < 4; i++)
        cr_assert_eq(sim7600_publish(&fd.dev, "t", "m", 1, 1, false), SIM7600_QUEUED);
    st = sim7600_publish(&fd.dev, "t", "m", 1, 1, false);
    cr_assert_eq(st, SIM7600_E_OUTBOX_FULL);
    cr_assert_not_null(strstr(sim7600_strerror(st), "outbox full"));
    cr_assert_eq(sim7600_outbox_count(&fd.dev), 4);
}

Test(supervisor, qos0_while_down_is_refused)
{
    cr_assert_eq(sim7600_publish(&fd.dev, "t", "m", 1, 0, false), SIM7600_E_NOT_CONNECTED);
}

Test(supervisor, message_too_big_for_a_slot_is_refused)
{
    char big[100];
    memset(big, 'x', sizeof big);
    cr_assert_eq(sim7600_publish(&fd.dev, "t", big, sizeof big, 1, false), SIM7600_E_TOO_LONG);
}

Test(supervisor, connlost_then_reconnect_resubscribes_and_flushes_the_outbox)
{
    static const struct fake_step s[] = {
        {"AT+CMQTTSTART\r", "\r\n+CMQTTSTART: 7\r\n\r\nERROR\r\n", 0}, /* first retry fails */
        FAKE_BRINGUP, /* network trouble: SIM and registration are checked again */
        FAKE_SESSION_WARM,
        {"AT+CMQTTSUB=0,5,1\r", "\r\n>", 0},
        {"cmd/x", FAKE_OK "\r\n+CMQTTSUB: 0,0\r\n", 0},
        FAKE_PUB("t/1", 3, "one", 3, 1),
        FAKE_PUB("t/2", 3, "two", 3, 2),
    };
    static const struct fake_step sub[] = {
        {"AT+CMQTTSUB=0,5,1\r", "\r\n>", 0},
        {"cmd/x", FAKE_OK "\r\n+CMQTTSUB: 0,0\r\n", 0},
    };
    int cause = 0;

    connected();
    fake_port_script(&fd.fp, FAKE_STEPS(sub));
    cr_assert_eq(sim7600_subscribe(&fd.dev, "cmd/x", 1), SIM7600_OK);

    fake_port_script(&fd.fp, FAKE_STEPS(s));
    fake_port_push_str(&fd.fp, "\r\n+CMQTTCONNLOST: 0,1\r\n", 0);
    while (fd.fp.step < 1)
        sim7600_poll(&fd.dev, 10);
    cr_assert_eq(fake_dev_events(&fd, SIM7600_EV_CONNLOST, &cause), 1);
    cr_assert_eq(cause, 1);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_RECOVERING);
    /* down: the QoS 1/2 messages are kept, and go out in order once back */
    cr_assert_eq(sim7600_publish(&fd.dev, "t/1", "one", 3, 1, false), SIM7600_QUEUED);
    cr_assert_eq(sim7600_publish(&fd.dev, "t/2", "two", 3, 2, false), SIM7600_QUEUED);
    cr_assert_eq(sim7600_outbox_count(&fd.dev), 2);
    fake_dev_run(&fd, 20000);
    cr_assert(fake_port_done(&fd.fp), "%s\n%s", fd.fp.error, fd.log);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_CONNECTED);
    cr_assert_eq(sim7600_outbox_count(&fd.dev), 0);
    cr_assert_eq(fake_dev_events(&fd, SIM7600_EV_RECONNECTED, NULL), 1);
}

Test(supervisor, publish_failing_on_lost_link_keeps_the_message)
{
    static const struct fake_step s[] = {
        {"AT+CMQTTTOPIC=0,3\r", "\r\n>", 0},
        {"t/1", FAKE_OK, 0},
        {"AT+CMQTTPAYLOAD=0,3\r", "\r\n>", 0},
        {"one", FAKE_OK, 0},
        {"AT+CMQTTPUB=0,1,60\r", "\r\n+CMQTTCONNLOST: 0,3\r\n" FAKE_OK "\r\n+CMQTTPUB: 0,11\r\n", 0},
    };
    static const struct fake_step again[] = {
        FAKE_SESSION_WARM,
        FAKE_PUB("t/1", 3, "one", 3, 1),
    };
    connected();
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    cr_assert_eq(sim7600_publish(&fd.dev, "t/1", "one", 3, 1, false), SIM7600_QUEUED, "%s",
                 fd.fp.error);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_RECOVERING);
    fake_port_script(&fd.fp, FAKE_STEPS(again));
    fake_dev_run(&fd, 20000);
    cr_assert(fake_port_done(&fd.fp), "%s\n%s", fd.fp.error, fd.log);
    cr_assert_eq(sim7600_outbox_count(&fd.dev), 0);
}

Test(supervisor, a_reboot_during_a_publish_ends_its_wait_and_keeps_the_message)
{
    static const struct fake_step s[] = {
        {"AT+CMQTTTOPIC=0,3\r", "\r\n>", 0},
        {"t/1", FAKE_OK, 0},
        {"AT+CMQTTPAYLOAD=0,3\r", "\r\n>", 0},
        {"one", FAKE_OK, 0},
        /* acknowledged, then the module restarts: the result line never comes */
        {"AT+CMQTTPUB=0,1,60\r", FAKE_OK "\r\nRDY\r\n", 100},
    };
    connected();
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    uint32_t t0 = fd.fp.now;
    cr_assert_eq(sim7600_publish(&fd.dev, "t/1", "one", 3, 1, false), SIM7600_QUEUED, "%s\n%s", fd.fp.error,
                 fd.log);
    cr_assert_lt(fd.fp.now - t0, 1000, "the publish waited %u ms for an answer a rebooted module never gives",
                 fd.fp.now - t0);
    cr_assert_eq(sim7600_outbox_count(&fd.dev), 1, "the message stays for the next connection");
}

Test(supervisor, reboot_urcs_rerun_bringup_and_reconnect)
{
    static const struct fake_step s[] = {FAKE_BRINGUP, FAKE_SESSION_COLD};
    connected();
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    fake_port_push_str(&fd.fp, "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n", 50);
    fake_dev_run(&fd, 20000);
    cr_assert(fake_port_done(&fd.fp), "%s\n%s", fd.fp.error, fd.log);
    cr_assert_geq(fake_dev_events(&fd, SIM7600_EV_REBOOT, NULL), 1);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_CONNECTED);
    cr_assert_eq(fd.dev.health.reboots, 1, "one reboot counted once");
}

#define REFUSED                                                                          \
    FAKE_START_COLD, FAKE_ACCQ,                                                          \
        {"AT+CMQTTCONNECT=0,\"tcp://broker:1883\",60,1\r",                               \
         FAKE_OK "\r\n+CMQTTCONNECT: 0,29\r\n", 0}

Test(supervisor, reconnect_backoff_doubles)
{
    static const struct fake_step s[] = {REFUSED, REFUSED, REFUSED, REFUSED};
    uint32_t at[4], t0;
    size_t seen = 0;
    int why = 0;

    connected();
    fake_port_push_str(&fd.fp, "\r\n+CMQTTCONNLOST: 0,2\r\n", 0);
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    t0 = fd.fp.now;
    while (seen < 4 && fd.fp.now - t0 < 30000) {
        sim7600_poll(&fd.dev, 100);
        while (seen < 4 && fd.fp.step > seen * 3) /* each attempt starts with START */
            at[seen++] = fd.fp.now - t0;
    }
    cr_assert_eq(seen, 4, "%s\n%s", fd.fp.error, fd.log);
    cr_assert_lt(at[0], 100);
    cr_assert(at[1] - at[0] >= 1000 && at[1] - at[0] < 1100, "%u", at[1] - at[0]);
    cr_assert(at[2] - at[1] >= 2000 && at[2] - at[1] < 2100, "%u", at[2] - at[1]);
    cr_assert(at[3] - at[2] >= 4000 && at[3] - at[2] < 4100, "%u", at[3] - at[2]);
    cr_assert_geq(fake_dev_events(&fd, SIM7600_EV_RETRY, &why), 3);
    cr_assert_eq(why, SIM7600_E_MQTT_REFUSED_UNAVAILABLE);
}

Test(supervisor, network_failure_reruns_bringup_before_the_next_attempt)
{
    static const struct fake_step s[] = {
        {"AT+CMQTTSTART\r", "\r\n+CMQTTSTART: 7\r\n\r\nERROR\r\n", 0},
        FAKE_BRINGUP,
        FAKE_SESSION_WARM,
    };
    connected();
    fake_port_push_str(&fd.fp, "\r\n+CMQTTCONNLOST: 0,3\r\n", 0);
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    fake_dev_run(&fd, 20000);
    cr_assert(fake_port_done(&fd.fp), "%s\n%s", fd.fp.error, fd.log);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_CONNECTED);
}

Test(supervisor, silent_module_is_reset_after_repeated_timeouts_and_nothing_is_lost)
{
    static const struct fake_step after_reset[] = {
        {NULL, "\r\nRDY\r\n", 0},
        FAKE_BRINGUP,
        FAKE_SESSION_COLD,
        FAKE_PUB("t/1", 3, "one", 3, 1),
    };
    fd.cfg.at_attempts = 3;
    fake_dev_start(&fd);
    connected();
    fd.fp.on_reset = after_reset;
    fd.fp.on_reset_n = sizeof after_reset / sizeof after_reset[0];
    fd.fp.silent = true;
    cr_assert_eq(sim7600_publish(&fd.dev, "t/1", "one", 3, 1, false), SIM7600_QUEUED);
    fake_dev_run(&fd, 120000);
    cr_assert_eq(fd.fp.resets, 1, "%s", fd.log);
    cr_assert_geq(fake_dev_events(&fd, SIM7600_EV_SILENT, NULL), 1);
    cr_assert(fake_port_done(&fd.fp), "%s\n%s", fd.fp.error, fd.log);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_CONNECTED);
    cr_assert_eq(sim7600_outbox_count(&fd.dev), 0);
}

Test(supervisor, idle_link_is_probed)
{
    static const struct fake_step s[] = {
        {"AT+CSQ\r", "\r\n+CSQ: 11,0\r\n" FAKE_OK, 0},
        {"AT+CMQTTDISC?\r", "\r\n+CMQTTDISC: 0,0\r\n+CMQTTDISC: 1,1\r\n" FAKE_OK, 0},
    };
    connected();
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    fake_dev_run(&fd, 40000);
    cr_assert(fake_port_done(&fd.fp), "%s", fd.fp.error);
    cr_assert_eq(fd.dev.health.rssi, 11);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_CONNECTED);
}

/* Its +CMQTTCONNLOST lost (garbled, or said while the module was silent),
 * the session is found dead by the idle probe and opened again, not kept
 * for ever by a device that publishes nothing. */
Test(supervisor, a_session_that_died_unseen_is_found_by_the_idle_probe)
{
    static const struct fake_step s[] = {
        {"AT+CSQ\r", "\r\n+CSQ: 11,0\r\n" FAKE_OK, 0},
        {"AT+CMQTTDISC?\r", "\r\n+CMQTTDISC: 0,1\r\n+CMQTTDISC: 1,1\r\n" FAKE_OK, 0},
        FAKE_SESSION_WARM,
    };
    connected();
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    fake_dev_run(&fd, 40000);
    cr_assert(fake_port_done(&fd.fp), "%s\n%s", fd.fp.error, fd.log);
    cr_assert_eq(fake_dev_events(&fd, SIM7600_EV_RECONNECTED, NULL), 1, "%s", fd.log);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_CONNECTED);
}

Test(supervisor, health_reports_signal_and_registration)
{
    static const struct fake_step s[] = {
        {"AT+CSQ\r", "\r\n+CSQ: 17,99\r\n" FAKE_OK, 0},
        {"AT+CREG?\r", "\r\n+CREG: 0,5\r\n" FAKE_OK, 0},
        {"AT+CGREG?\r", "\r\n+CGREG: 0,5\r\n" FAKE_OK, 0},
        {"AT+CEREG?\r", "\r\n+CME ERROR: 4\r\n", 0},
    };
    struct sim7600_health h;
    connected();
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    cr_assert_eq(sim7600_health(&fd.dev, &h), SIM7600_OK);
    cr_assert_eq(h.rssi, 17);
    cr_assert_eq(h.cgreg, 5);
    cr_assert_eq(h.cereg, -1);
    cr_assert_eq(h.state, SIM7600_STATE_CONNECTED);
}

Test(supervisor, a_dead_port_is_reported_not_spun_on)
{
    int why = 0, i;
    uint32_t t0;
    connected();
    fd.fp.gone = true;
    t0 = fd.fp.now;
    for (i = 0; i < 20; i++)
        sim7600_poll(&fd.dev, 100);
    cr_assert_geq(fd.fp.now - t0, 1000, "polls on a dead port must still wait");
    cr_assert_geq(fake_dev_events(&fd, SIM7600_EV_RETRY, &why), 1);
    cr_assert_eq(why, SIM7600_E_IO);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_RECOVERING);
}
