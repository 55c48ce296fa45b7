/* The real-broker link (sim7600-sim --broker tcp, sim/link_mosquitto.c) and
 * the simulator core in-process, against a broker the test plays over
 * loopback TCP. The test decides when each acknowledgement goes out and waits
 * (bounded) until the link has queued it; connection loss (`connlost`) and
 * dispatch are the test's own calls. So each order of "the broker answered",
 * "the connection dropped" and "the answer was dispatched" is forced, not
 * left to timing.
 *
 * Issue 12: a PUBACK queued before a drop and dispatched after it ended
 * nothing: +CMQTTPUB never came and the client answered 14 (busy) until a
 * reboot. Whatever the order, an operation in flight ends with exactly one
 * result line. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "link_mosquitto.h"
#include "sim_process.h"
#include "sim_drive.h"

#define WAIT_MS 5000                /* bound on every wait for the other side */

/* MQTT 3.1.1 control packet types (first byte), as the broker sees them. */
#define MQTT_PKT_CONNECT 0x10
#define MQTT_PKT_PUBLISH_QOS1 0x32
#define MQTT_PKT_SUBSCRIBE 0x82
#define MQTT_PKT_UNSUBSCRIBE 0xA2
#define MQTT_PKT_DISCONNECT 0xE0
#define MQTT_PKT_PINGREQ 0xC0

static struct sim_drive drive;
static struct link_mosquitto *lm;
static int listen_fd = -1, peer = -1;
static char said[16384];            /* everything the module printed, in order */

/* ---- the broker's side -------------------------------------------------------- */

static void broker_listen(int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(listen_fd, 0);
    cr_assert_eq(bind(listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(listen_fd, 1), 0);
    cr_assert_eq(getsockname(listen_fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
}

static bool readable(int fd, int timeout_ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, timeout_ms) == 1;
}

static void read_exactly(uint8_t *buf, size_t n)
{
    for (size_t got = 0; got < n;) {
        cr_assert(readable(peer, WAIT_MS), "the link sent nothing more");
        ssize_t k = read(peer, buf + got, n - got);
        cr_assert_gt(k, 0, "the link closed the connection");
        got += (size_t)k;
    }
}

/* One packet from the link: its first byte, and its body into body. */
static uint8_t read_packet(uint8_t *body, size_t cap, size_t *len)
{
    uint8_t type, b;
    size_t n = 0;
    read_exactly(&type, 1);
    for (int shift = 0;; shift += 7) {       /* the remaining length, 7 bits a byte */
        read_exactly(&b, 1);
        n |= (size_t)(b & 0x7F) << shift;
        if (!(b & 0x80))
            break;
    }
    cr_assert_leq(n, cap, "a packet larger than the test expects");
    read_exactly(body, n);
    *len = n;
    return type;
}

/* The next packet of that type (a keep-alive ping may come first); returns
 * the packet identifier of a packet that has one. */
static int expect_packet(uint8_t want)
{
    uint8_t body[512];
    size_t len;
    uint8_t type;
    while ((type = read_packet(body, sizeof body, &len)) == MQTT_PKT_PINGREQ)
        ;
    cr_assert_eq(type, want, "the link sent packet 0x%02x, not 0x%02x", type, want);
    if (type == MQTT_PKT_PUBLISH_QOS1) {
        size_t topic_len = (size_t)body[0] << 8 | body[1];
        return body[2 + topic_len] << 8 | body[3 + topic_len];
    }
    if (type == MQTT_PKT_SUBSCRIBE || type == MQTT_PKT_UNSUBSCRIBE)
        return body[0] << 8 | body[1];
    return 0;
}

static void broker_send(const uint8_t *p, size_t n)
{
    cr_assert_eq(send(peer, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* An acknowledgement: PUBACK 0x40, SUBACK 0x90 (granting QoS 1), UNSUBACK 0xB0. */
static void broker_ack(uint8_t type, int mid)
{
    uint8_t p[5] = {type, 2, (uint8_t)(mid >> 8), (uint8_t)mid, 1};
    if (type == 0x90)
        p[1] = 3;
    broker_send(p, (size_t)p[1] + 2);
}

/* ---- the module's side ----------------------------------------------------------- */

static const char *keep(const char *out)
{
    cr_assert_lt(strlen(said) + strlen(out), sizeof said);
    strcat(said, out);
    return out;
}

/* Host bytes in; what the module answers (also kept in `said`). */
static const char *module(const char *text)
{
    sim_input(drive.sim, (const uint8_t *)text, strlen(text), drive.now_us);
    return keep(sim_drive_advance(&drive, 1));
}

static void control(const char *line)
{
    const char *reply = sim_drive_control(&drive, line);
    cr_assert_eq(strncmp(reply, "OK", 2), 0, "%s: %s", line, reply);
    keep(sim_drive_advance(&drive, 1));
}

/* Waits until the connection's thread has queued what it heard. */
static void wait_queued(void)
{
    cr_assert(readable(link_mosquitto_fd(lm), WAIT_MS), "the link queued nothing; the module said: \"%s\"", said);
}

static void dispatch(void)
{
    link_mosquitto_dispatch(lm, drive.sim, drive.now_us);
    keep(sim_drive_advance(&drive, 1));
}

/* Dispatches until every connection's thread is joined: nothing more can be
 * heard, so what the module said is all it will say. */
static void dispatch_all(void)
{
    long long end = test_now_ms() + WAIT_MS;
    while (link_mosquitto_live_threads(lm) > 0 && test_now_ms() < end) {
        readable(link_mosquitto_fd(lm), 50);
        dispatch();
    }
    cr_assert_eq(link_mosquitto_live_threads(lm), 0, "a connection's thread did not end");
    dispatch();
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Exactly one result line for that command, and it is `line`. */
static void one_result(const char *prefix, const char *line)
{
    cr_assert_eq(count_of(said, prefix), 1, "%d \"%s\" lines, not one; the module said: \"%s\"",
                 count_of(said, prefix), prefix, said);
    cr_assert_not_null(strstr(said, line), "expected \"%s\"; the module said: \"%s\"", line, said);
}

/* A client still busy answers 14 to anything; a free one takes a topic. */
static void client_not_busy(void)
{
    const char *answer = module("AT+CMQTTTOPIC=0,1\r");
    cr_assert_str_eq(answer, "\r\n>", "the client is still busy: \"%s\"", answer);
    cr_assert_str_eq(module("x"), "\r\nOK\r\n");
}

/* ---- set-up ------------------------------------------------------------------------ */

static void start(void)
{
    struct sim_config cfg;
    char err[256];
    int port;
    broker_listen(&port);
    sim_config_defaults(&cfg);
    cfg.baud = 0;
    cfg.profile = SIM_PROFILE_WARM;             /* MQTT started, client 0 acquired */
    drive.now_us = 1000000;
    drive.sim = sim_create(&cfg, drive.now_us);
    cr_assert_not_null(drive.sim);
    lm = link_mosquitto_create("127.0.0.1", port, WAIT_MS, err, sizeof err);
    cr_assert_not_null(lm, "%s", err);
    sim_set_link(drive.sim, &link_mosquitto_ops, lm);
    said[0] = '\0';
}

static void stop(void)
{
    if (peer >= 0)
        close(peer);
    link_mosquitto_destroy(lm);           /* drops and joins what is left */
    sim_drive_free(&drive);
    if (listen_fd >= 0)
        close(listen_fd);
    peer = listen_fd = -1;
    lm = NULL;
}

static void connect_client(void)
{
    static const uint8_t connack[] = {0x20, 2, 0, 0};
    module("ATE0\r");
    cr_assert_str_eq(module("AT+CMQTTCONNECT=0,\"tcp://broker.example:1883\",60,1\r"), "\r\nOK\r\n");
    cr_assert(readable(listen_fd, WAIT_MS), "the link did not connect");
    peer = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    cr_assert_geq(peer, 0);
    expect_packet(MQTT_PKT_CONNECT);
    broker_send(connack, sizeof connack);
    wait_queued();
    dispatch();
    cr_assert_not_null(strstr(said, "+CMQTTCONNECT: 0,0\r\n"), "%s", said);
}

/* A QoS 1 PUB the broker has received and not acknowledged; its packet id. */
static int publish_in_flight(void)
{
    connect_client();
    cr_assert_str_eq(module("AT+CMQTTTOPIC=0,4\r"), "\r\n>");
    cr_assert_str_eq(module("t/q1"), "\r\nOK\r\n");
    cr_assert_str_eq(module("AT+CMQTTPAYLOAD=0,2\r"), "\r\n>");
    cr_assert_str_eq(module("hi"), "\r\nOK\r\n");
    cr_assert_str_eq(module("AT+CMQTTPUB=0,1,60\r"), "\r\nOK\r\n");
    return expect_packet(MQTT_PKT_PUBLISH_QOS1);
}

/* A SUB or UNSUB of one topic the broker has received; its packet id. */
static int topic_request_in_flight(const char *cmd, uint8_t packet)
{
    connect_client();
    cr_assert_str_eq(module(cmd), "\r\n>");
    cr_assert_str_eq(module("t/s"), "\r\nOK\r\n");
    return expect_packet(packet);
}

TestSuite(link, .init = start, .fini = stop, .timeout = 30);

/* ---- a publish in flight, every order ------------------------------------------------ */

Test(link, a_puback_dispatched_before_the_drop_gives_0_once)
{
    broker_ack(0x40, publish_in_flight());
    wait_queued();
    dispatch();
    control("connlost 1");
    dispatch_all();
    one_result("+CMQTTPUB:", "+CMQTTPUB: 0,0\r\n");
    cr_assert_not_null(strstr(said, "+CMQTTCONNLOST: 0,1\r\n"), "%s", said);
    client_not_busy();
}

Test(link, a_puback_queued_before_the_drop_and_dispatched_after_it_gives_one_result)
{
    broker_ack(0x40, publish_in_flight());
    wait_queued();                          /* acknowledged, not yet dispatched */
    control("connlost 1");
    dispatch_all();
    /* the model reports what ends after its connection is gone as 11, as with the embedded broker */
    one_result("+CMQTTPUB:", "+CMQTTPUB: 0,11\r\n");
    client_not_busy();
}

Test(link, a_drop_before_any_puback_gives_11_once)
{
    publish_in_flight();
    control("connlost 1");
    dispatch_all();
    one_result("+CMQTTPUB:", "+CMQTTPUB: 0,11\r\n");
    client_not_busy();
}

Test(link, a_broker_that_acknowledges_then_closes_gives_0_then_the_loss)
{
    broker_ack(0x40, publish_in_flight());
    close(peer);
    peer = -1;
    dispatch_all();
    one_result("+CMQTTPUB:", "+CMQTTPUB: 0,0\r\n");
    cr_assert_not_null(strstr(said, "+CMQTTPUB: 0,0\r\n\r\n+CMQTTCONNLOST: 0,1\r\n"), "%s", said);
    client_not_busy();
}

Test(link, a_broker_that_closes_under_a_publish_gives_the_loss_then_11_once)
{
    publish_in_flight();
    close(peer);
    peer = -1;
    dispatch_all();
    one_result("+CMQTTPUB:", "+CMQTTPUB: 0,11\r\n");
    cr_assert_not_null(strstr(said, "+CMQTTCONNLOST: 0,1\r\n\r\n+CMQTTPUB: 0,11\r\n"), "%s", said);
    client_not_busy();
}

/* ---- the other operations in flight at a drop ---------------------------------------- */

Test(link, a_suback_queued_before_the_drop_and_dispatched_after_it_gives_one_result)
{
    broker_ack(0x90, topic_request_in_flight("AT+CMQTTSUB=0,3,1\r", MQTT_PKT_SUBSCRIBE));
    wait_queued();
    control("connlost 1");
    dispatch_all();
    one_result("+CMQTTSUB:", "+CMQTTSUB: 0,11\r\n");
    client_not_busy();
}

Test(link, an_unsuback_queued_before_the_drop_and_dispatched_after_it_gives_one_result)
{
    broker_ack(0xB0, topic_request_in_flight("AT+CMQTTUNSUB=0,3,0\r", MQTT_PKT_UNSUBSCRIBE));
    wait_queued();
    control("connlost 1");
    dispatch_all();
    one_result("+CMQTTUNSUB:", "+CMQTTUNSUB: 0,11\r\n");
    client_not_busy();
}

Test(link, a_disconnect_done_before_the_drop_and_dispatched_after_it_gives_one_result)
{
    connect_client();
    cr_assert_str_eq(module("AT+CMQTTDISC=0,60\r"), "\r\nOK\r\n");
    expect_packet(MQTT_PKT_DISCONNECT);
    wait_queued();                          /* the link heard its connection close */
    control("connlost 1");
    dispatch_all();
    one_result("+CMQTTDISC:", "+CMQTTDISC: 0,0\r\n");
    client_not_busy();
}

Test(link, a_suback_dispatched_before_the_drop_gives_0_once)
{
    broker_ack(0x90, topic_request_in_flight("AT+CMQTTSUB=0,3,1\r", MQTT_PKT_SUBSCRIBE));
    wait_queued();
    dispatch();
    control("connlost 1");
    dispatch_all();
    one_result("+CMQTTSUB:", "+CMQTTSUB: 0,0\r\n");
    client_not_busy();
}
