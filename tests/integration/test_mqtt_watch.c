/* The scenario runner's broker watch (tools/hil/run/mqtt_watch.c) against a real
 * mosquitto on loopback, started and stopped by each test: what it logs is
 * what the broker routed during the run, and when it cannot watch it says why
 * within its own bound. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "broker_log.h"
#include "hil_clock.h"
#include "mosquitto_process.h"
#include "mqtt_watch.h"
#include "strbuf.h"

#define SYNC_MS 5000
#define PUBLISH_MS 5000
/* A refusal or an unanswered connect must be reported well inside the watch's
 * own 5 s ready bound: it is not a timeout. */
#define PROMPT_MS 2500
/* The watch's ready bound (WATCH_READY_MS) and some slack for a loaded host. */
#define READY_BOUND_MS (5000 + 3000)

static struct mosquitto_process broker;
static struct mqtt_watch watch;
static bool watching;
static int silent_fd = -1;
static struct broker_log blog;
static struct strbuf err;

static void set_up(void)
{
    broker_log_init(&blog);
}

static void tear_down(void)
{
    if (watching)
        mqtt_watch_stop(&watch);
    watching = false;
    if (silent_fd >= 0)
        close(silent_fd);
    silent_fd = -1;
    mqproc_stop(&broker);
    broker_log_free(&blog);
    sb_free(&err);
}

static void start_broker(const char *user, const char *pass)
{
    cr_assert_eq(mqproc_start(&broker, user, pass), 0, "mosquitto did not start (is it installed?)");
}

/* Starts the watch on the private broker; returns mqtt_watch_start's result. */
static int start_watch(int port, const char *user, const char *pass)
{
    int rc = mqtt_watch_start(&watch, "127.0.0.1", port, user, pass, &blog, &err);
    watching = true;   /* stopped even after a failure, as the runner does */
    return rc;
}

static long logged(const char *topic, const char *payload)
{
    char text[256];
    snprintf(text, sizeof text, "%s", payload);
    struct scn_pattern pat = {.kind = SCN_PAT_EXACT, .text = {text, strlen(text)}};
    return broker_log_count(&blog, topic, &pat);
}

static void on_published(struct mosquitto *m, void *obj, int mid)
{
    (void)m, (void)mid;
    *(bool *)obj = true;
}

/* Publishes a retained QoS 1 message and returns once the broker acknowledged
 * it (mq_publish cannot set RETAIN). */
static void publish_retained(int port, const char *topic, const char *payload)
{
    bool done = false;
    mosquitto_lib_init();
    struct mosquitto *mosq = mosquitto_new(NULL, true, &done);
    cr_assert_not_null(mosq);
    mosquitto_publish_callback_set(mosq, on_published);
    cr_assert_eq(mosquitto_connect(mosq, "127.0.0.1", port, 60), MOSQ_ERR_SUCCESS);
    cr_assert_eq(mosquitto_publish(mosq, NULL, topic, (int)strlen(payload), payload, 1, true), MOSQ_ERR_SUCCESS);
    uint64_t end = hil_now_ms() + PUBLISH_MS;
    while (!done && hil_now_ms() < end && mosquitto_loop(mosq, 50, 1) == MOSQ_ERR_SUCCESS)
        ;
    mosquitto_disconnect(mosq);
    mosquitto_destroy(mosq);
    mosquitto_lib_cleanup();
    cr_assert(done, "the broker did not acknowledge the retained message within %d ms", PUBLISH_MS);
}

/* A loopback port where the kernel completes TCP handshakes (listen backlog)
 * but nobody ever reads: a broker that never answers CONNECT. */
static int silent_listener(void)
{
    silent_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert_geq(silent_fd, 0);
    cr_assert_eq(bind(silent_fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(silent_fd, 8), 0);
    cr_assert_eq(getsockname(silent_fd, (struct sockaddr *)&a, &len), 0);
    return ntohs(a.sin_port);
}

TestSuite(mqtt_watch, .init = set_up, .fini = tear_down);

Test(mqtt_watch, a_retained_message_from_before_the_run_is_not_logged_a_live_one_is)
{
    start_broker(NULL, NULL);
    publish_retained(broker.port, "test/stale", "hello");
    /* the broker does replay it to a new subscriber: the check below is not vacuous */
    struct watch_client *probe = watch_start(broker.port, "test/stale");
    cr_assert_not_null(probe);
    int replayed = watch_wait(probe, 1, SYNC_MS);
    watch_stop(probe);
    cr_assert_eq(replayed, 1, "mosquitto did not replay the retained message");

    cr_assert_eq(start_watch(broker.port, NULL, NULL), 0, "%s", sb_str(&err));
    cr_assert_eq(mq_publish(broker.port, "test/live", "now", 3, 1), 0);
    cr_assert(mqtt_watch_sync(&watch, SYNC_MS), "the watch did not see its own marker");
    cr_assert_eq(logged("test/live", "now"), 1, "the live message is not in the broker log");
    cr_assert_eq(logged("test/stale", "hello"), 0, "the stale retained message counts as traffic of the run");
}

Test(mqtt_watch, a_live_message_published_retained_is_logged)
{
    /* RETAIN set by the publisher is cleared when the broker forwards it to
     * an existing subscriber: only the replay on subscribing is ignored. */
    start_broker(NULL, NULL);
    cr_assert_eq(start_watch(broker.port, NULL, NULL), 0, "%s", sb_str(&err));
    publish_retained(broker.port, "test/kept", "fresh");
    cr_assert(mqtt_watch_sync(&watch, SYNC_MS), "the watch did not see its own marker");
    cr_assert_eq(logged("test/kept", "fresh"), 1);
}

Test(mqtt_watch, a_wrong_password_is_reported_as_refused_promptly)
{
    start_broker("watcher", "right");
    uint64_t t0 = hil_now_ms();
    cr_assert_eq(start_watch(broker.port, "watcher", "wrong"), -1);
    uint64_t took = hil_now_ms() - t0;
    const char *why = sb_str(&err);
    cr_assert(strstr(why, "refused") && (strstr(why, "not authorised") || strstr(why, "password")),
              "the error does not say the broker refused the credentials: %s", why);
    cr_assert(!strstr(why, "wrong"), "the error shows the password: %s", why);
    cr_assert_lt(took, PROMPT_MS, "a refused connection took %llu ms to report", (unsigned long long)took);
}

Test(mqtt_watch, the_right_password_is_accepted)
{
    start_broker("watcher", "right");
    cr_assert_eq(start_watch(broker.port, "watcher", "right"), 0, "%s", sb_str(&err));
    cr_assert(mqtt_watch_sync(&watch, SYNC_MS));
}

/* Reads one MQTT packet (fixed header, remaining length, body) into buf;
 * its type byte, or -1 on EOF, error or a packet larger than buf. */
static int read_packet(int fd, uint8_t *buf, size_t cap, size_t *len)
{
    uint8_t type, b;
    size_t n = 0;
    if (read(fd, &type, 1) != 1)
        return -1;
    for (int shift = 0; shift < 28; shift += 7) {
        if (read(fd, &b, 1) != 1)
            return -1;
        n |= (size_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    if (n > cap)
        return -1;
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    *len = n;
    return type;
}

/* Every accept and read of the fake broker below ends within 10 s, so that a
 * watch that never comes cannot hang the test's join. */
static void bound_reads(int fd)
{
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

/* A broker that accepts any CONNECT and refuses every subscription with a
 * SUBACK of 0x80, as an ACL plugin would: mosquitto's own acl_file never
 * refuses a subscription (it filters on delivery), so a real one cannot be
 * made to. Serves one client, until it disconnects. */
static void *refusing_broker(void *arg)
{
    int fd = accept(*(int *)arg, NULL, NULL);
    uint8_t buf[512];
    size_t len;
    int type;
    if (fd >= 0)
        bound_reads(fd);
    while (fd >= 0 && (type = read_packet(fd, buf, sizeof buf, &len)) >= 0) {
        if ((type & 0xf0) == 0x10) {
            static const uint8_t connack[] = {0x20, 2, 0, 0};
            if (write(fd, connack, sizeof connack) != sizeof connack)
                break;
        } else if ((type & 0xf0) == 0x80 && len >= 2) {
            uint8_t suback[] = {0x90, 3, buf[0], buf[1], 0x80};
            if (write(fd, suback, sizeof suback) != sizeof suback)
                break;
        } else if ((type & 0xf0) == 0xe0) {
            break;
        }
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

Test(mqtt_watch, a_subscription_refused_by_an_acl_is_reported)
{
    int port = silent_listener();
    bound_reads(silent_fd);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, refusing_broker, &silent_fd), 0);
    int rc = start_watch(port, "watcher", "pw");
    mqtt_watch_stop(&watch);   /* disconnects: the fake broker's thread ends */
    watching = false;
    pthread_join(th, NULL);
    const char *why = sb_str(&err);
    cr_assert_eq(rc, -1);
    cr_assert(strstr(why, "subscribe to '#'") && strstr(why, "ACL"), "unexpected error: %s", why);
}

Test(mqtt_watch, a_port_nobody_listens_on_fails_quickly_naming_the_address)
{
    int port = free_tcp_port();
    cr_assert_gt(port, 0);
    char where[32];
    snprintf(where, sizeof where, "127.0.0.1:%d", port);
    uint64_t t0 = hil_now_ms();
    cr_assert_eq(start_watch(port, NULL, NULL), -1);
    uint64_t took = hil_now_ms() - t0;
    const char *why = sb_str(&err);
    cr_assert(strstr(why, "could not reach") && strstr(why, where), "unexpected error: %s", why);
    cr_assert_lt(took, PROMPT_MS, "an unreachable port took %llu ms to report", (unsigned long long)took);
}

Test(mqtt_watch, a_listener_that_never_answers_fails_within_the_ready_bound)
{
    int port = silent_listener();
    uint64_t t0 = hil_now_ms();
    cr_assert_eq(start_watch(port, NULL, NULL), -1);
    uint64_t took = hil_now_ms() - t0;
    const char *why = sb_str(&err);
    cr_assert(strstr(why, "could not reach") && strstr(why, "within"), "unexpected error: %s", why);
    cr_assert_lt(took, READY_BOUND_MS, "an unanswered connect took %llu ms to report", (unsigned long long)took);
}

Test(mqtt_watch, sync_succeeds_on_a_working_broker_and_again_after_traffic)
{
    start_broker(NULL, NULL);
    cr_assert_eq(start_watch(broker.port, NULL, NULL), 0, "%s", sb_str(&err));
    cr_assert(mqtt_watch_sync(&watch, SYNC_MS), "the first sync failed");
    for (int i = 0; i < 3; i++)
        cr_assert_eq(mqtt_watch_publish(&watch, "test/seq", "x", 1, 1), 0);
    cr_assert(mqtt_watch_sync(&watch, SYNC_MS), "the second sync failed");
    cr_assert_eq(logged("test/seq", "x"), 3);
}
