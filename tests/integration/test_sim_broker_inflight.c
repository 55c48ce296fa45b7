/* sim7600-sim --broker tcp: what is in flight when the connection drops. A
 * stopped (SIGSTOP) mosquitto never acknowledges, so a QoS 1 publish stays in
 * flight for as long as the test wants; then the connection is lost. Found by
 * the fault soak (tools/soak): the PUB never completed and the client stayed
 * busy (14) until the module rebooted. Every order of acknowledgement, drop
 * and dispatch is forced in tests/unit/test_link_mosquitto.c; these are the
 * same endings against a real broker and a real simulator process. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "sim_host.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS

static struct sim_process sim;
static struct mosquitto_process broker;

static void stop_all(void)
{
    if (broker.pid > 0)
        kill(broker.pid, SIGCONT);      /* a stopped broker cannot take its SIGTERM */
    simproc_stop(&sim);
    mqproc_stop(&broker);
}

static void expect(const char *text) { host_expect(&sim, text); }
static void send_expect(const char *cmd, const char *answer) { host_send_expect(&sim, cmd, answer); }

/* Like expect, and keeps what was consumed in `seen` (for what must not be there). */
static char seen[8192];

static void expect_keep(const char *text)
{
    size_t n = strlen(seen);
    cr_assert(simproc_take(&sim, text, T, seen + n, sizeof seen - n), "expected \"%s\"; the module said: \"%s\"",
              text, simproc_pending(&sim));
}

static void control(const char *line)
{
    char reply[256];
    cr_assert_eq(simproc_control(&sim, line, reply, sizeof reply), 0, "control %s", line);
    cr_assert_eq(strncmp(reply, "OK", 2), 0, "control %s: %s", line, reply);
}

static void connect_and_stage(void)
{
    host_start_broker(&sim, broker.port);
    send_expect("AT+CMQTTCONNECT=0,\"tcp://broker.example:1883\",60,1\r",
                "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
    send_expect("AT+CMQTTTOPIC=0,4\r", "\r\n>");
    send_expect("t/q1", "\r\nOK\r\n");
    send_expect("AT+CMQTTPAYLOAD=0,2\r", "\r\n>");
    send_expect("hi", "\r\nOK\r\n");
}

TestSuite(inflight, .fini = stop_all);

Test(inflight, a_publish_in_flight_at_a_connection_loss_ends_with_no_connection)
{
    cr_assert_eq(mqproc_start(&broker, NULL, NULL), 0, "mosquitto did not start (is it installed?)");
    connect_and_stage();
    cr_assert_eq(kill(broker.pid, SIGSTOP), 0);     /* no PUBACK from now on */
    send_expect("AT+CMQTTPUB=0,1,60\r", "\r\nOK\r\n");
    cr_assert(simproc_quiet_for(&sim, 100), "a stopped broker acknowledged: \"%s\"", simproc_pending(&sim));
    control("connlost 1");
    expect("+CMQTTCONNLOST: 0,1\r\n");
    expect("+CMQTTPUB: 0,11\r\n");
    /* the client is free again: it connects, not "14 client busy" */
    kill(broker.pid, SIGCONT);
    send_expect("AT+CMQTTCONNECT=0,\"tcp://broker.example:1883\",60,1\r",
                "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
}

Test(inflight, a_broker_gone_under_a_publish_ends_it_with_no_connection)
{
    cr_assert_eq(mqproc_start(&broker, NULL, NULL), 0, "mosquitto did not start (is it installed?)");
    connect_and_stage();
    cr_assert_eq(kill(broker.pid, SIGSTOP), 0);
    send_expect("AT+CMQTTPUB=0,1,60\r", "\r\nOK\r\n");
    cr_assert(simproc_quiet_for(&sim, 100), "a stopped broker acknowledged: \"%s\"", simproc_pending(&sim));
    cr_assert_eq(kill(broker.pid, SIGKILL), 0);    /* the broker's end closes: no drop by the module */
    expect("+CMQTTCONNLOST: 0,");
    expect("+CMQTTPUB: 0,11\r\n");
    simproc_gather_for(&sim, 200);        /* what a second result would have had time to say */
    cr_assert_null(strstr(simproc_pending(&sim), "+CMQTTPUB"), "a second result: \"%s\"", simproc_pending(&sim));
    /* the client is free again: a topic is taken, not "14 client busy" */
    send_expect("AT+CMQTTTOPIC=0,1\r", "\r\n>");
    send_expect("x", "\r\nOK\r\n");
}

Test(inflight, a_reboot_with_a_publish_in_flight_prints_no_stale_result)
{
    cr_assert_eq(mqproc_start(&broker, NULL, NULL), 0, "mosquitto did not start (is it installed?)");
    connect_and_stage();
    cr_assert_eq(kill(broker.pid, SIGSTOP), 0);
    send_expect("AT+CMQTTPUB=0,1,60\r", "\r\nOK\r\n");
    seen[0] = '\0';
    control("reboot");
    expect_keep("PB DONE\r\n");
    kill(broker.pid, SIGCONT);
    /* the rebooted module starts from nothing, and says nothing of the old publish */
    simproc_send(&sim, "AT+CMQTTSTART\r");
    expect_keep("+CMQTTSTART: 0\r\n");
    simproc_send(&sim, "AT+CMQTTACCQ=0,\"c\",0\r");
    expect_keep("OK\r\n");
    simproc_gather_for(&sim, 200);        /* what a stale result would have had time to say */
    cr_assert_null(strstr(seen, "+CMQTTPUB"), "a rebooted module spoke of the old publish: \"%s\"", seen);
    cr_assert_null(strstr(simproc_pending(&sim), "+CMQTTPUB"), "after the reboot: \"%s\"",
                   simproc_pending(&sim));
}
