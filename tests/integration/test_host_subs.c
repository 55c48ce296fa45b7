/* The POSIX host runner owns the topics it subscribes with: one copy per
 * topic, freed once when the driver drops it (the broker refused it) or at
 * stop. Run under the sanitizers, these tests prove no double free and no
 * leak; the simulator's control socket makes the broker say no. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim7600_posix.h"
#include "sim_process.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
/* the next AT+CMQTTSUB is answered as a broker refusal (MQTT <err> 1) and not executed */
#define REFUSE_NEXT_SUB "rule on-send AT+CMQTTSUB replace \"\\r\\n+CMQTTSUB: 0,1\\r\\n\\r\\nERROR\\r\\n\""

static struct sim_process sim;
static struct sim7600_serial serial;
static struct sim7600_host host;
static bool host_running;

static pthread_mutex_t ev_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ev_cv = PTHREAD_COND_INITIALIZER;
static int reconnects;

static void on_event(void *ctx, enum sim7600_event ev, int status)
{
    (void)ctx;
    (void)status;
    if (ev != SIM7600_EV_RECONNECTED)
        return;
    pthread_mutex_lock(&ev_mu);
    reconnects++;
    pthread_cond_broadcast(&ev_cv);
    pthread_mutex_unlock(&ev_mu);
}

static void stop_host(void)
{
    if (host_running)
        sim7600_host_stop(&host);
    host_running = false;
}

static void teardown(void)
{
    stop_host();
    sim7600_serial_close(&serial);
    simproc_stop(&sim);
}

static void setup(void)
{
    char err[256];
    struct sim7600_host_config cfg = {
        .drv = {.apn = "internet", .broker = "tcp://broker.example:1883", .client_id = "subs-dev",
                .clean_session = true, .backoff_min_ms = 50},
        .on_event = on_event,
    };

    reconnects = 0;
    cr_assert_eq(simproc_start(&sim, NULL), 0);
    cr_assert_eq(sim7600_serial_open(&serial, sim.pty_path, 115200, SIM7600_BACKEND_AUTO, err,
                                     sizeof err), 0, "%s", err);
    cr_assert_eq(sim7600_host_start(&host, &serial, &cfg), SIM7600_OK);
    host_running = true;
    int rc = sim7600_host_connect(&host);
    cr_assert_eq(rc, SIM7600_OK, "connect: %s at %s", sim7600_strerror(rc),
                 sim7600_host_last_step(&host));
}

TestSuite(host_subs, .init = setup, .fini = teardown, .timeout = 60);

static void control(const char *line)
{
    char reply[256];
    cr_assert_eq(simproc_control(&sim, line, reply, sizeof reply), 0, "%s", line);
    cr_assert(strncmp(reply, "OK", 2) == 0, "%s: %s", line, reply);
}

static void subscribe(const char *topic, int want)
{
    int rc = sim7600_host_subscribe(&host, topic, 1);
    cr_assert_eq(rc, want, "subscribe %s: %s", topic, sim7600_status_name(rc));
}

/* The subscription list the driver renews: how many of its slots name `topic`. */
static int listed(const char *topic)
{
    int i, n = 0;
    for (i = 0; i < SIM7600_HOST_SUBS_MAX; i++)
        n += host.subs[i].topic != NULL && strcmp(host.subs[i].topic, topic) == 0;
    return n;
}

static void expect_message(const char *topic, const char *payload)
{
    struct sim7600_host_msg m;
    cr_assert_eq(sim7600_host_recv(&host, &m, T), 1, "nothing came on %s", topic);
    cr_assert_str_eq(m.topic, topic);
    cr_assert_str_eq((const char *)m.payload, payload);
    sim7600_host_msg_free(&m);
}

static void wait_reconnected(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20; /* the driver's backoff is 50 ms here; this bounds a failure */
    pthread_mutex_lock(&ev_mu);
    while (reconnects == 0 && pthread_cond_timedwait(&ev_cv, &ev_mu, &until) == 0)
        ;
    int got = reconnects;
    pthread_mutex_unlock(&ev_mu);
    cr_assert_gt(got, 0, "the driver did not reconnect");
}

Test(host_subs, a_refused_resubscription_keeps_the_other_topic_and_stops_clean)
{
    subscribe("cmd/a", SIM7600_OK);
    subscribe("cmd/b", SIM7600_OK);
    control(REFUSE_NEXT_SUB);
    subscribe("cmd/a", SIM7600_E_MQTT_FAILED);

    cr_assert_eq(listed("cmd/a"), 0, "a refused topic stays listed");
    cr_assert_eq(listed("cmd/b"), 1, "cmd/b listed %d times", listed("cmd/b"));
    control("deliver cmd/b still-here");
    expect_message("cmd/b", "still-here");

    /* the broker forgets the session; the reconnect renews cmd/b only, so the
     * first message to come is cmd/b's even though cmd/a's was sent before it */
    control("connlost 1");
    wait_reconnected();
    control("deliver cmd/a dropped");
    control("deliver cmd/b renewed");
    expect_message("cmd/b", "renewed");

    stop_host(); /* frees cmd/b's copy once; cmd/a's went at the refusal */
}

/* A refused first subscription, then another topic in the slot it had: the
 * refused copy must not be left behind to leak. */
Test(host_subs, a_topic_refused_on_first_subscribe_leaves_nothing_behind)
{
    subscribe("cmd/a", SIM7600_OK);
    control(REFUSE_NEXT_SUB);
    subscribe("cmd/c", SIM7600_E_MQTT_FAILED);
    subscribe("cmd/d", SIM7600_OK);

    cr_assert_eq(listed("cmd/c"), 0);
    cr_assert_eq(listed("cmd/a"), 1);
    cr_assert_eq(listed("cmd/d"), 1);
    control("deliver cmd/d hello");
    expect_message("cmd/d", "hello");
    stop_host();
}
