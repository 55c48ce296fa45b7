/* The real driver (libsim7600 + the posix termios port) against a real
 * sim7600-sim process over its pty; faults injected through the control
 * socket. The test thread is the driver's owning task. Every wait is bounded
 * by a deadline; nothing sleeps a fixed time. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sim7600_posix.h"
#include "sim_process.h"

static struct sim_process sim;
static struct sim7600_serial ser;
static struct sim7600 dev;
static struct sim7600_config cfg;
static char line[512], cmd[1024];
static uint8_t rx_topic[256], rx_payload[1024];
static struct sim7600_outbox_slot slots[16];
static uint8_t ob_data[16 * 128];
static struct sim7600_sub subs[4];

static struct {
    char msgs[64][128];
    int n_msgs;
    int events[64];
    int n_events;
    char log[16384];
    size_t log_len;
} seen;

static void on_message(void *ctx, const struct sim7600_message *m)
{
    (void)ctx;
    if (seen.n_msgs < 64)
        snprintf(seen.msgs[seen.n_msgs++], sizeof seen.msgs[0], "%.*s %.*s", (int)m->topic_len,
                 (const char *)m->topic, (int)m->payload_len, (const char *)m->payload);
}

static void on_event(void *ctx, enum sim7600_event ev, int status)
{
    (void)ctx;
    (void)status;
    if (seen.n_events < 64)
        seen.events[seen.n_events++] = (int)ev;
}

static void on_log(void *ctx, const char *what, const char *text, size_t len)
{
    int n;
    (void)ctx;
    n = snprintf(seen.log + seen.log_len, sizeof seen.log - seen.log_len, "%s: %.*s\n", what,
                 (int)len, text);
    if (n > 0 && (size_t)n < sizeof seen.log - seen.log_len)
        seen.log_len += (size_t)n;
}

static void start_sim(const char *const *args)
{
    char err[256];

    memset(&seen, 0, sizeof seen);
    cr_assert_eq(simproc_start(&sim, args), 0, "sim7600-sim did not start (is build/bin/sim7600-sim built?)");
    cr_assert_eq(sim7600_serial_open(&ser, sim.pty_path, 115200, SIM7600_BACKEND_AUTO, err,
                                     sizeof err), 0, "%s", err);
    cr_assert_eq(ser.backend, SIM7600_BACKEND_TERMIOS, "a pty must go through termios");
    memset(&cfg, 0, sizeof cfg);
    cfg.apn = "internet";
    cfg.broker = "tcp://broker.example:1883";
    cfg.client_id = "hil-test";
    cfg.clean_session = true;
    cfg.line_buf = line;
    cfg.line_cap = sizeof line;
    cfg.cmd_buf = cmd;
    cfg.cmd_cap = sizeof cmd;
    cfg.rx_topic = rx_topic;
    cfg.rx_topic_cap = sizeof rx_topic;
    cfg.rx_payload = rx_payload;
    cfg.rx_payload_cap = sizeof rx_payload;
    cfg.outbox = slots;
    cfg.outbox_slots = 16;
    cfg.outbox_data = ob_data;
    cfg.outbox_slot_size = 128;
    cfg.subs = subs;
    cfg.subs_cap = 4;
    cfg.on_message = on_message;
    cfg.on_event = on_event;
    cfg.on_log = on_log;
    cfg.cmd_timeout_ms = 2000;
    cfg.at_timeout_ms = 500;
    cfg.backoff_min_ms = 100;
    cfg.backoff_max_ms = 1000;
    cfg.reg_timeout_ms = 5000;
    cfg.connect_timeout_ms = 10000;
    cfg.start_timeout_ms = 10000;
    cfg.probe_idle_ms = 60000;
}

static void init_driver(void)
{
    cr_assert_eq(sim7600_init(&dev, &ser.port, &cfg), SIM7600_OK);
}

static void teardown(void)
{
    sim7600_serial_close(&ser);
    simproc_stop(&sim);
}

static void control(const char *cmdline)
{
    char reply[4096];
    cr_assert_eq(simproc_control(&sim, cmdline, reply, sizeof reply), 0, "control %s", cmdline);
    cr_assert_eq(strncmp(reply, "OK", 2), 0, "control %s: %s", cmdline, reply);
}

static int count_events(enum sim7600_event ev)
{
    int i, n = 0;
    for (i = 0; i < seen.n_events; i++)
        n += seen.events[i] == (int)ev;
    return n;
}

static bool settled(void)
{
    return sim7600_get_state(&dev) == SIM7600_STATE_CONNECTED && sim7600_outbox_count(&dev) == 0;
}

/* Runs the owner loop until cond() holds; false after timeout_ms. */
static bool poll_until(bool (*cond)(void), long timeout_ms)
{
    long long end = test_now_ms() + timeout_ms;
    while (!cond()) {
        if (test_now_ms() >= end)
            return false;
        sim7600_poll(&dev, 50);
    }
    return true;
}

static int want_msgs;
static bool got_msgs(void)
{
    return seen.n_msgs >= want_msgs;
}

static bool received(const char *msg)
{
    int i;
    for (i = 0; i < seen.n_msgs; i++) {
        if (strcmp(seen.msgs[i], msg) == 0)
            return true;
    }
    return false;
}

static void connect_ok(void)
{
    int st;
    init_driver();
    st = sim7600_connect(&dev);
    cr_assert_eq(st, SIM7600_OK, "connect: %s at %s\n%s", sim7600_strerror(st),
                 sim7600_last_step(&dev), seen.log);
}

TestSuite(driver_sim, .fini = teardown, .timeout = 60);

Test(driver_sim, cold_module_connects_and_publishes)
{
    start_sim(NULL);
    connect_ok();
    cr_assert_eq(sim7600_publish(&dev, "hil/cold", "qos0", 4, 0, false), SIM7600_OK);
    cr_assert_eq(sim7600_publish(&dev, "hil/cold", "qos1", 4, 1, false), SIM7600_OK, "%s",
                 seen.log);
    cr_assert_eq(sim7600_outbox_count(&dev), 0);
}

Test(driver_sim, warm_module_connects_and_publishes)
{
    static const char *const args[] = {"--profile", "warm", NULL};
    start_sim(args);
    connect_ok();
    cr_assert_not_null(strstr(seen.log, "already started"), "START 23 should be classified:\n%s",
                       seen.log);
    cr_assert_eq(sim7600_publish(&dev, "hil/warm", "hello", 5, 1, false), SIM7600_OK, "%s",
                 seen.log);
}

Test(driver_sim, subscribe_and_receive_through_the_broker)
{
    start_sim(NULL);
    connect_ok();
    cr_assert_eq(sim7600_subscribe(&dev, "hil/cmd", 1), SIM7600_OK, "%s", seen.log);
    control("deliver hil/cmd led-on");
    want_msgs = 1;
    cr_assert(poll_until(got_msgs, 5000), "nothing received\n%s", seen.log);
    cr_assert_str_eq(seen.msgs[0], "hil/cmd led-on");
    /* our own publish comes back through the subscription */
    cr_assert_eq(sim7600_publish(&dev, "hil/cmd", "echo", 4, 1, false), SIM7600_OK);
    want_msgs = 2;
    cr_assert(poll_until(got_msgs, 5000), "own message not echoed\n%s", seen.log);
    cr_assert(received("hil/cmd echo"));
}

Test(driver_sim, connection_loss_is_survived_without_losing_qos1)
{
    char payload[32];
    int i;

    start_sim(NULL);
    connect_ok();
    cr_assert_eq(sim7600_subscribe(&dev, "hil/q1", 1), SIM7600_OK);
    for (i = 1; i <= 6; i++) {
        int st;
        if (i == 3)
            control("connlost 1");
        snprintf(payload, sizeof payload, "m%d", i);
        st = sim7600_publish(&dev, "hil/q1", payload, strlen(payload), 1, false);
        cr_assert(st == SIM7600_OK || st == SIM7600_QUEUED, "#%d: %s", i, sim7600_strerror(st));
        sim7600_poll(&dev, 10);
    }
    cr_assert(poll_until(settled, 10000), "not back: %s, outbox %zu\n%s",
              sim7600_state_str(sim7600_get_state(&dev)), sim7600_outbox_count(&dev), seen.log);
    cr_assert_geq(count_events(SIM7600_EV_CONNLOST), 1);
    want_msgs = 6;
    poll_until(got_msgs, 5000);
    for (i = 1; i <= 6; i++) {
        snprintf(payload, sizeof payload, "hil/q1 m%d", i);
        cr_assert(received(payload), "%s was lost\n%s", payload, seen.log);
    }
}

Test(driver_sim, module_reboot_is_survived)
{
    start_sim(NULL);
    connect_ok();
    cr_assert_eq(sim7600_subscribe(&dev, "hil/rb", 1), SIM7600_OK);
    control("reboot");
    {
        long long end = test_now_ms() + 15000;
        while (!(count_events(SIM7600_EV_REBOOT) > 0 && settled()) && test_now_ms() < end)
            sim7600_poll(&dev, 50);
    }
    cr_assert_geq(count_events(SIM7600_EV_REBOOT), 1, "reboot not detected\n%s", seen.log);
    cr_assert(settled(), "not reconnected\n%s", seen.log);
    cr_assert_eq(sim7600_publish(&dev, "hil/rb", "after", 5, 1, false), SIM7600_OK, "%s", seen.log);
    want_msgs = 1;
    cr_assert(poll_until(got_msgs, 5000), "subscription not renewed after reboot\n%s", seen.log);
}

Test(driver_sim, silent_module_is_detected_and_survived)
{
    int st;
    start_sim(NULL);
    connect_ok();
    control("silent 3000");
    st = sim7600_publish(&dev, "hil/silent", "kept", 4, 1, false);
    cr_assert_eq(st, SIM7600_QUEUED, "%s", sim7600_strerror(st));
    cr_assert(poll_until(settled, 20000), "not back after the silence\n%s", seen.log);
    cr_assert_geq(dev.health.timeouts, 1);
}

Test(driver_sim, broker_refusing_credentials_gives_the_named_error)
{
    int st;
    start_sim(NULL);
    control("broker credentials alice s3cret");
    cfg.user = "alice";
    cfg.pass = "wrong-password";
    init_driver();
    st = sim7600_connect(&dev);
    cr_assert_eq(st, SIM7600_E_MQTT_REFUSED_CREDENTIALS, "%s [%s]", sim7600_strerror(st),
                 sim7600_status_name(st));
    cr_assert_str_eq(sim7600_last_step(&dev), "AT+CMQTTCONNECT");
    cr_assert_null(strstr(seen.log, "wrong-password"), "password leaked into the log");
}

Test(driver_sim, broker_not_authorized_is_named)
{
    start_sim(NULL);
    control("broker refuse 5");
    init_driver();
    cr_assert_eq(sim7600_connect(&dev), SIM7600_E_MQTT_REFUSED_NOT_AUTHORIZED);
}

Test(driver_sim, missing_sim_is_named)
{
    static const char *const args[] = {"--no-sim", NULL};
    start_sim(args);
    init_driver();
    cr_assert_eq(sim7600_connect(&dev), SIM7600_E_CME_SIM_NOT_INSERTED, "%s", seen.log);
}
