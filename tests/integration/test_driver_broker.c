/* End to end: the real driver → the simulator's pty → real MQTT → a private
 * mosquitto on loopback, started and stopped by each test. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mosquitto_process.h"
#include "sim7600_posix.h"
#include "sim_process.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
/* reconnecting waits out the driver's backoff (1 s, 2 s, ...) */
#define RECONNECT_BOUND_MS 20000

static struct mosquitto_process broker;
static struct sim_process sim;
static struct sim7600_serial serial;
static struct sim7600_host host;
static bool host_running;

static void teardown(void)
{
    if (host_running)
        sim7600_host_stop(&host);
    host_running = false;
    sim7600_serial_close(&serial);
    simproc_stop(&sim);
    mqproc_stop(&broker);
}

/* A broker, a simulator linked to it, and the driver connected through the simulator. */
static void setup(void)
{
    char target[64], err[256];
    cr_assert_eq(mqproc_start(&broker, NULL, NULL), 0, "mosquitto did not start");
    snprintf(target, sizeof target, "tcp://127.0.0.1:%d", broker.port);
    const char *args[] = {"--broker", target, NULL};
    cr_assert_eq(simproc_start(&sim, args), 0);
    cr_assert_eq(sim7600_serial_open(&serial, sim.pty_path, 115200, SIM7600_BACKEND_AUTO, err, sizeof err), 0,
                 "%s", err);
    struct sim7600_host_config cfg = {.drv = {.apn = "internet", .broker = "tcp://broker.example:1883",
                                              .client_id = "e2e-dev", .clean_session = true}};
    cr_assert_eq(sim7600_host_start(&host, &serial, &cfg), SIM7600_OK);
    host_running = true;
    int rc = sim7600_host_connect(&host);
    cr_assert_eq(rc, SIM7600_OK, "connect: %s at %s", sim7600_strerror(rc), sim7600_host_last_step(&host));
}

static void publish_seq(int from, int to, bool allow_queued)
{
    char payload[32];
    for (int i = from; i <= to; i++) {
        snprintf(payload, sizeof payload, "seq=%d", i);
        int rc = sim7600_host_publish(&host, "dev/seq", payload, strlen(payload), 1, false);
        cr_assert(rc == SIM7600_OK || (allow_queued && rc == SIM7600_QUEUED), "publish %d: %s", i,
                  sim7600_strerror(rc));
    }
}

/* Which of seq=from..to the watcher saw (duplicates allowed); returns how many are missing. */
static int missing(struct watch_client *w, int from, int to)
{
    int absent = 0;
    for (int want = from; want <= to; want++) {
        bool seen = false;
        char text[32];
        snprintf(text, sizeof text, "seq=%d", want);
        for (int i = 0; w && watch_topic(w, i); i++) {
            size_t len;
            const char *p = watch_payload(w, i, &len);
            seen |= len == strlen(text) && memcmp(p, text, len) == 0;
        }
        absent += !seen;
    }
    return absent;
}

TestSuite(end_to_end, .init = setup, .fini = teardown, .timeout = 60);

Test(end_to_end, the_driver_publishes_exact_payloads_to_the_broker)
{
    struct watch_client *w = watch_start(broker.port, "dev/#");
    cr_assert_not_null(w);
    publish_seq(1, 20, false);
    cr_assert_eq(watch_wait(w, 20, T), 20, "the broker saw %d of 20", w ? watch_wait(w, 20, 0) : 0);
    for (int i = 0; i < 20; i++) {
        char want[32];
        size_t len;
        snprintf(want, sizeof want, "seq=%d", i + 1);
        const char *p = watch_payload(w, i, &len);
        cr_assert_str_eq(watch_topic(w, i), "dev/seq");
        cr_assert(len == strlen(want) && memcmp(p, want, len) == 0, "message %d differs", i + 1);
    }
    watch_stop(w);
}

Test(end_to_end, a_message_published_at_the_broker_reaches_the_driver)
{
    cr_assert_eq(sim7600_host_subscribe(&host, "cmd/e2e-dev", 1), SIM7600_OK);
    cr_assert_eq(mq_publish(broker.port, "cmd/e2e-dev", "led on", 6, 1), 0);
    struct sim7600_host_msg m;
    cr_assert_eq(sim7600_host_recv(&host, &m, T), 1, "no message reached the driver");
    cr_assert_str_eq(m.topic, "cmd/e2e-dev");
    cr_assert_eq(m.payload_len, 6);
    cr_assert(memcmp(m.payload, "led on", 6) == 0);
    sim7600_host_msg_free(&m);
}

Test(end_to_end, a_broker_that_stops_and_comes_back_loses_no_qos1_message)
{
    struct watch_client *before = watch_start(broker.port, "dev/#");
    cr_assert_not_null(before);
    publish_seq(1, 10, false);
    cr_assert_eq(watch_wait(before, 10, T), 10);
    cr_assert_eq(missing(before, 1, 10), 0);
    watch_stop(before);

    mqproc_kill(&broker);
    publish_seq(11, 20, true);              /* kept in the driver's outbox meanwhile */
    cr_assert_eq(mqproc_restart(&broker), 0);
    struct watch_client *after = watch_start(broker.port, "dev/#");
    cr_assert_not_null(after);
    long long end = test_now_ms() + RECONNECT_BOUND_MS;
    while (missing(after, 11, 20) && test_now_ms() < end)
        watch_wait(after, 1000, 100);
    cr_assert_eq(missing(after, 11, 20), 0, "%d of seq 11-20 never reached the broker", missing(after, 11, 20));
    watch_stop(after);
}
