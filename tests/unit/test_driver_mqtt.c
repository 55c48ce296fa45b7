/* The MQTT session over a scripted module: warm starts, named errors,
 * subscribe syntax, publish, received messages. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fake_port.h"

static struct fake_dev fd;

static void setup(void)
{
    fake_dev_init(&fd);
    cr_assert_eq(fake_dev_start(&fd), SIM7600_OK);
}

TestSuite(mqtt, .init = setup);

static void connect_with(const struct fake_step *s, size_t n)
{
    fake_port_script(&fd.fp, s, n);
    cr_assert_eq(sim7600_connect(&fd.dev), SIM7600_OK, "%s\n%s", fd.fp.error, fd.log);
    cr_assert(fake_port_done(&fd.fp), "%s", fd.fp.error);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_CONNECTED);
}

Test(mqtt, cold_module_connects)
{
    static const struct fake_step s[] = {FAKE_BRINGUP, FAKE_SESSION_COLD};
    connect_with(FAKE_STEPS(s));
}

Test(mqtt, warm_module_start_23_is_classified_and_client_cleaned_up)
{
    static const struct fake_step s[] = {FAKE_BRINGUP, FAKE_SESSION_WARM};
    connect_with(FAKE_STEPS(s));
    cr_assert_not_null(strstr(fd.log, "already started"), "%s", fd.log);
}

Test(mqtt, warm_module_still_connected_is_disconnected_first)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP,
        FAKE_START_WARM,
        {"AT+CMQTTDISC=0,60\r", FAKE_OK "\r\n+CMQTTDISC: 0,0\r\n", 0},
        {"AT+CMQTTREL=0\r", FAKE_OK, 0},
        FAKE_ACCQ,
        FAKE_CONNECT,
    };
    connect_with(FAKE_STEPS(s));
}

Test(mqtt, accq_19_means_already_acquired)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP,
        FAKE_START_COLD,
        {"AT+CMQTTACCQ=0,\"dev1\",0\r", "\r\n+CMQTTACCQ: 0,19\r\n\r\nERROR\r\n", 0},
        FAKE_CONNECT,
    };
    connect_with(FAKE_STEPS(s));
    cr_assert_not_null(strstr(fd.log, "already acquired"), "%s", fd.log);
}

Test(mqtt, start_result_before_ok_is_accepted)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP,
        {"AT+CMQTTSTART\r", "\r\n+CMQTTSTART: 0\r\n" FAKE_OK, 0},
        FAKE_ACCQ,
        FAKE_CONNECT,
    };
    connect_with(FAKE_STEPS(s));
}

static int connect_refused(const char *code)
{
    static struct fake_step s[] = {
        FAKE_BRINGUP, FAKE_START_COLD, FAKE_ACCQ,
        {"AT+CMQTTCONNECT=0,\"tcp://broker:1883\",60,1,\"user\",\"hunter2\"\r", NULL, 0},
    };
    static char reply[64];
    snprintf(reply, sizeof reply, FAKE_OK "\r\n+CMQTTCONNECT: 0,%s\r\n", code);
    s[sizeof s / sizeof s[0] - 1].reply = reply;
    fd.cfg.user = "user";
    fd.cfg.pass = "hunter2";
    fake_dev_start(&fd);
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    return sim7600_connect(&fd.dev);
}

Test(mqtt, bad_credentials_give_a_named_error_and_no_password_in_logs)
{
    int st = connect_refused("30");
    cr_assert_eq(st, SIM7600_E_MQTT_REFUSED_CREDENTIALS, "%d %s", st, fd.fp.error);
    cr_assert_str_eq(sim7600_status_name(st), "SIM7600_E_MQTT_REFUSED_CREDENTIALS");
    cr_assert_not_null(strstr(sim7600_strerror(st), "bad user name or password"));
    cr_assert_str_eq(sim7600_last_step(&fd.dev), "AT+CMQTTCONNECT");
    cr_assert_null(strstr(fd.log, "hunter2"), "%s", fd.log);
}

/* AT has no escape inside a quoted string: a password with '"' must be
 * refused by name, not sent cut short nor reported as "too long". */
Test(mqtt, a_password_with_a_quote_is_refused_before_anything_is_sent)
{
    static const struct fake_step s[] = {FAKE_BRINGUP, FAKE_START_COLD, FAKE_ACCQ};
    fd.cfg.user = "user";
    fd.cfg.pass = "say \"hi\"";
    fake_dev_start(&fd);
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    int st = sim7600_connect(&fd.dev);
    cr_assert_eq(st, SIM7600_E_UNQUOTABLE, "%s (%d) %s", sim7600_status_name(st), st, fd.fp.error);
    cr_assert_not_null(strstr(sim7600_strerror(st), "cannot carry"), "%s", sim7600_strerror(st));
    cr_assert_null(strstr(fake_port_tx(&fd.fp), "CMQTTCONNECT"), "%s", fake_port_tx(&fd.fp));
}

Test(mqtt, dns_and_socket_failures_are_named)
{
    cr_assert_eq(connect_refused("25"), SIM7600_E_MQTT_DNS);
    cr_assert_not_null(strstr(sim7600_strerror(SIM7600_E_MQTT_DNS), "DNS"));
}

Test(mqtt, socket_failure_is_named)
{
    cr_assert_eq(connect_refused("3"), SIM7600_E_MQTT_SOCK_CONNECT);
}

Test(mqtt, subscribe_uses_length_then_topic_after_prompt)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP, FAKE_SESSION_COLD,
        {"AT+CMQTTSUB=0,20,1\r", "\r\n>", 0},
        {"test/sim7600/command", FAKE_OK "\r\n+CMQTTSUB: 0,0\r\n", 0},
    };
    connect_with(s, sizeof s / sizeof s[0] - 2);
    fake_port_script(&fd.fp, s + sizeof s / sizeof s[0] - 2, 2);
    cr_assert_eq(sim7600_subscribe(&fd.dev, "test/sim7600/command", 1), SIM7600_OK, "%s",
                 fd.fp.error);
    cr_assert_null(strstr(fake_port_tx(&fd.fp), "CMQTTSUB=0,\""), "quoted topic sent");
}

Test(mqtt, subscribe_before_connect_is_done_on_connect)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP, FAKE_SESSION_COLD,
        {"AT+CMQTTSUB=0,5,0\r", "\r\n> ", 0},
        {"cmd/x", FAKE_OK "\r\n+CMQTTSUB: 0,0\r\n", 0},
    };
    cr_assert_eq(sim7600_subscribe(&fd.dev, "cmd/x", 0), SIM7600_QUEUED);
    connect_with(FAKE_STEPS(s));
}

Test(mqtt, publish_qos1_waits_for_the_module_confirmation)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP, FAKE_SESSION_COLD, FAKE_PUB("a/b/c", 5, "hello", 5, 1),
    };
    connect_with(s, sizeof s / sizeof s[0] - 5);
    fake_port_script(&fd.fp, s + sizeof s / sizeof s[0] - 5, 5);
    cr_assert_eq(sim7600_publish(&fd.dev, "a/b/c", "hello", 5, 1, false), SIM7600_OK, "%s",
                 fd.fp.error);
    cr_assert_eq(sim7600_outbox_count(&fd.dev), 0);
}

Test(mqtt, publish_failure_code_is_returned_for_qos0)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP, FAKE_SESSION_COLD,
        {"AT+CMQTTTOPIC=0,1\r", "\r\n+CMQTTTOPIC: 0,22\r\n\r\nERROR\r\n", 0},
    };
    connect_with(s, sizeof s / sizeof s[0] - 1);
    fake_port_script(&fd.fp, s + sizeof s / sizeof s[0] - 1, 1);
    cr_assert_eq(sim7600_publish(&fd.dev, "t", "x", 1, 0, false), SIM7600_E_MQTT_LENGTH);
}

Test(mqtt, retained_publish_with_empty_payload_skips_the_payload_command)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP, FAKE_SESSION_COLD,
        {"AT+CMQTTTOPIC=0,1\r", "\r\n>", 0},
        {"t", FAKE_OK, 0},
        {"AT+CMQTTPUB=0,0,60,1\r", FAKE_OK "\r\n+CMQTTPUB: 0,0\r\n", 0},
    };
    connect_with(s, sizeof s / sizeof s[0] - 3);
    fake_port_script(&fd.fp, s + sizeof s / sizeof s[0] - 3, 3);
    cr_assert_eq(sim7600_publish(&fd.dev, "t", NULL, 0, 0, true), SIM7600_OK, "%s", fd.fp.error);
}

Test(mqtt, received_message_split_in_chunks_is_assembled)
{
    static const struct fake_step s[] = {FAKE_BRINGUP, FAKE_SESSION_COLD};
    connect_with(FAKE_STEPS(s));
    fd.fp.chunk = 3;
    fake_port_push_str(&fd.fp,
                       "\r\n+CMQTTRXSTART: 0,9,14\r\n"
                       "\r\n+CMQTTRXTOPIC: 0,4\r\nsimc\r\n"
                       "\r\n+CMQTTRXTOPIC: 0,5\r\nommsg\r\n"
                       "\r\n+CMQTTRXPAYLOAD: 0,8\r\nab\r\nOK\r\n\r\n"
                       "\r\n+CMQTTRXPAYLOAD: 0,6\r\n\r\nERR!\r\n"
                       "\r\n+CMQTTRXEND: 0\r\n",
                       10);
    fake_dev_run(&fd, 1000);
    cr_assert_eq(fd.n_msgs, 1, "%s", fd.log);
    cr_assert_str_eq(fd.msgs[0], "simcommsg|ab\r\nOK\r\n\r\nERR!");
    cr_assert_not(fd.truncated);
}

Test(mqtt, received_message_longer_than_the_buffer_is_truncated_not_overflowed)
{
    static const struct fake_step s[] = {FAKE_BRINGUP, FAKE_SESSION_COLD};
    char big[700];
    char urc[800];
    connect_with(FAKE_STEPS(s));
    memset(big, 'p', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    snprintf(urc, sizeof urc, "\r\n+CMQTTRXSTART: 0,1,699\r\n\r\n+CMQTTRXTOPIC: 0,1\r\nt\r\n"
                              "\r\n+CMQTTRXPAYLOAD: 0,699\r\n%s\r\n\r\n+CMQTTRXEND: 0\r\n", big);
    fake_port_push_str(&fd.fp, urc, 0);
    fake_dev_run(&fd, 1000);
    cr_assert_eq(fd.n_msgs, 1);
    cr_assert(fd.truncated);
    cr_assert_eq(fake_dev_events(&fd, SIM7600_EV_RX_TRUNCATED, NULL), 1);
}

/* Found by fuzzing: a corrupted length used to make the driver take everything
 * the module said next as payload. */
Test(mqtt, an_impossible_rx_length_is_not_claimed_and_the_driver_keeps_hearing)
{
    static const struct fake_step s[] = {FAKE_BRINGUP, FAKE_SESSION_COLD};
    connect_with(FAKE_STEPS(s));
    fake_port_push_str(&fd.fp,
                       "\r\n+CMQTTRXSTART: 0,1,2\r\n\r\n+CMQTTRXTOPIC: 0,1\r\nt\r\n"
                       "\r\n+CMQTTRXPAYLOAD: 0,99999999999\r\n"
                       "\r\n+CMQTTCONNLOST: 0,3\r\n",
                       0);
    fake_dev_run(&fd, 100);
    cr_assert_geq(fake_dev_events(&fd, SIM7600_EV_CONNLOST, NULL), 1,
                  "the URC after the bad length was swallowed as payload:\n%s", fd.log);
}

Test(mqtt, disconnect_stop_21_releases_and_retries)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP, FAKE_SESSION_COLD,
        {"AT+CMQTTDISC=0,60\r", FAKE_OK "\r\n+CMQTTDISC: 0,0\r\n", 0},
        {"AT+CMQTTREL=0\r", FAKE_OK, 0},
        {"AT+CMQTTSTOP\r", "\r\n+CMQTTSTOP: 21\r\n\r\nERROR\r\n", 0},
        {"AT+CMQTTDISC=0,60\r", "\r\n+CMQTTDISC: 0,11\r\n\r\nERROR\r\n", 0},
        {"AT+CMQTTREL=0\r", "\r\n+CMQTTREL: 0,20\r\n\r\nERROR\r\n", 0},
        {"AT+CMQTTSTOP\r", FAKE_OK "\r\n+CMQTTSTOP: 0\r\n", 0},
    };
    connect_with(s, sizeof s / sizeof s[0] - 6);
    fake_port_script(&fd.fp, s + sizeof s / sizeof s[0] - 6, 6);
    cr_assert_eq(sim7600_disconnect(&fd.dev), SIM7600_OK, "%s", fd.fp.error);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_CLOSED);
}

Test(mqtt, every_mqtt_err_code_has_a_name)
{
    int n;
    for (n = 1; n <= 33; n++) {
        int st = SIM7600_E_MQTT(n);
        cr_assert_neq(strcmp(sim7600_status_name(st), "SIM7600_E_MQTT(n)"), 0, "code %d", n);
        cr_assert_eq(sim7600_status_module_code(st), n);
    }
    cr_assert_str_eq(sim7600_status_name(SIM7600_E_MQTT(23)), "SIM7600_E_MQTT_NET_OPENED");
    cr_assert_str_eq(sim7600_status_name(SIM7600_E_MQTT(21)),
                     "SIM7600_E_MQTT_CLIENT_NOT_RELEASED");
    cr_assert_str_eq(sim7600_status_name(SIM7600_E_MQTT(19)), "SIM7600_E_MQTT_CLIENT_USED");
}

Test(mqtt, connect_stops_at_the_first_failed_bringup_step)
{
    static const struct fake_step s[] = {
        FAKE_SYNC,
        {"ATE0\r", FAKE_OK, 0},
        {"AT+CMEE=1\r", FAKE_OK, 0},
        {"AT+CPIN?\r", "\r\n+CME ERROR: 10\r\n", 0},
    };
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    cr_assert_eq(sim7600_connect(&fd.dev), SIM7600_E_CME_SIM_NOT_INSERTED);
    cr_assert(fake_port_done(&fd.fp), "sent more after the failure: %s", fd.fp.error);
}
