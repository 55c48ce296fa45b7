/* sim7600-sim --broker tcp against a real mosquitto on loopback, started and
 * stopped by each test: what the module reports comes from what the broker does. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mosquitto_process.h"
#include "sim_host.h"
#include "sim_process.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS

static struct sim_process sim;
static struct mosquitto_process broker;

static void stop_all(void)
{
    simproc_stop(&sim);
    mqproc_stop(&broker);
}

static void start_sim_to(int port, const char *extra)
{
    char target[64];
    snprintf(target, sizeof target, "tcp://127.0.0.1:%d", port);
    const char *args[] = {"--broker", target, "--profile", "warm", extra ? "--connack-timeout" : NULL, extra, NULL};
    cr_assert_eq(simproc_start(&sim, args), 0, "sim7600-sim did not start");
    cr_assert_eq(simproc_open(&sim), 0);
}

static void start_broker(const char *user, const char *pass)
{
    cr_assert_eq(mqproc_start(&broker, user, pass), 0, "mosquitto did not start (is it installed?)");
}

static void expect(const char *text) { host_expect(&sim, text); }
static void send_expect(const char *cmd, const char *answer) { host_send_expect(&sim, cmd, answer); }

static void connect_ok(const char *credentials)
{
    char cmd[256];
    send_expect("ATE0\r", "OK\r\n");
    snprintf(cmd, sizeof cmd, "AT+CMQTTCONNECT=0,\"tcp://broker.example:1883\",60,1%s\r", credentials);
    send_expect(cmd, "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
}

/* Publishes through the module: TOPIC, PAYLOAD, PUB. */
static void publish(const char *topic, const char *payload, size_t len, int qos)
{
    char cmd[96];
    snprintf(cmd, sizeof cmd, "AT+CMQTTTOPIC=0,%zu\r", strlen(topic));
    send_expect(cmd, "\r\n>");
    send_expect(topic, "\r\nOK\r\n");
    snprintf(cmd, sizeof cmd, "AT+CMQTTPAYLOAD=0,%zu\r", len);
    send_expect(cmd, "\r\n>");
    simproc_write(&sim, payload, len);
    expect("\r\nOK\r\n");
    snprintf(cmd, sizeof cmd, "AT+CMQTTPUB=0,%d,60\r", qos);
    send_expect(cmd, "\r\nOK\r\n\r\n+CMQTTPUB: 0,0\r\n");
}

TestSuite(real_broker, .fini = stop_all);

Test(real_broker, a_published_message_reaches_the_broker_exactly)
{
    start_broker(NULL, NULL);
    start_sim_to(broker.port, NULL);
    struct watch_client *w = watch_start(broker.port, "tele/#");
    cr_assert_not_null(w);
    connect_ok("");
    publish("tele/dev1", "temp=21.5", 9, 1);
    cr_assert_eq(watch_wait(w, 1, T), 1, "the broker never saw the message");
    size_t len;
    const char *p = watch_payload(w, 0, &len);
    cr_assert_str_eq(watch_topic(w, 0), "tele/dev1");
    cr_assert_eq(len, 9);
    cr_assert(memcmp(p, "temp=21.5", 9) == 0);
    watch_stop(w);
}

Test(real_broker, a_message_from_the_broker_becomes_rx_urcs)
{
    start_broker(NULL, NULL);
    start_sim_to(broker.port, NULL);
    connect_ok("");
    send_expect("AT+CMQTTSUB=0,8,1\r", "\r\n>");
    send_expect("cmd/dev1", "\r\nOK\r\n\r\n+CMQTTSUB: 0,0\r\n");
    cr_assert_eq(mq_publish(broker.port, "cmd/dev1", "reboot", 6, 1), 0);
    expect("\r\n+CMQTTRXSTART: 0,8,6\r\n+CMQTTRXTOPIC: 0,8\r\ncmd/dev1\r\n+CMQTTRXPAYLOAD: 0,6\r\nreboot\r\n+CMQTTRXEND: 0\r\n");
}

/* Found by the worked example run against mosquitto: our own message coming
 * back while the PUB waited for its PUBACK used to swallow the PUB's result. */
Test(real_broker, a_message_to_our_own_subscription_does_not_swallow_the_publish_result)
{
    start_broker(NULL, NULL);
    start_sim_to(broker.port, NULL);
    connect_ok("");
    send_expect("AT+CMQTTSUB=0,6,1\r", "\r\n>");
    send_expect("t/self", "\r\nOK\r\n\r\n+CMQTTSUB: 0,0\r\n");
    simproc_send(&sim, "AT+CMQTTTOPIC=0,6\r");
    send_expect("t/self", "\r\nOK\r\n");
    send_expect("AT+CMQTTPAYLOAD=0,1\r", "\r\n>");
    send_expect("x", "\r\nOK\r\n");
    simproc_send(&sim, "AT+CMQTTPUB=0,1,60\r");
    char taken[1024];
    cr_assert(simproc_take(&sim, "+CMQTTRXEND: 0\r\n", T, taken, sizeof taken), "our message never came back: %s",
              simproc_pending(&sim));
    /* the RX block and the PUB's result may come in either order; both must come */
    if (!strstr(taken, "+CMQTTPUB: 0,0\r\n"))
        expect("+CMQTTPUB: 0,0\r\n");
}

/* AT+CMQTTACCQ's fourth parameter picks the protocol the broker sees: 3 for
 * MQTT 3.1 (the default), 4 for 3.1.1 (findings §24). mosquitto logs the
 * level as p1 (3.1) or p2 (3.1.1). */
Test(real_broker, the_acquire_command_chooses_the_mqtt_version)
{
    start_broker(NULL, NULL);
    const char *args[] = {"--broker", "tcp", NULL};
    cr_assert_eq(simproc_start(&sim, args), 0, "sim7600-sim did not start");
    cr_assert_eq(simproc_open(&sim), 0);
    cr_assert(simproc_expect(&sim, "PB DONE", T), "no boot: \"%s\"", simproc_pending(&sim));
    char cmd[128], answer[32];
    send_expect("ATE0\r", "OK\r\n");
    send_expect("AT+CMQTTSTART\r", "+CMQTTSTART: 0\r\n");
    send_expect("AT+CMQTTACCQ=0,\"v311\",0,4\r", "OK\r\n");
    send_expect("AT+CMQTTACCQ=1,\"v31\"\r", "OK\r\n");
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "AT+CMQTTCONNECT=%d,\"tcp://127.0.0.1:%d\",60,1\r", i, broker.port);
        snprintf(answer, sizeof answer, "+CMQTTCONNECT: %d,0", i);
        send_expect(cmd, answer);
    }
    cr_assert(mqproc_log_has(&broker, "as v311 (p2", T), "mosquitto did not see MQTT 3.1.1 from client 0");
    cr_assert(mqproc_log_has(&broker, "as v31 (p1", T), "mosquitto did not see MQTT 3.1 from client 1");
}

Test(real_broker, wrong_password_is_refused_by_the_broker)
{
    start_broker("alice", "s3cret");
    start_sim_to(broker.port, NULL);
    send_expect("ATE0\r", "OK\r\n");
    simproc_send(&sim, "AT+CMQTTCONNECT=0,\"tcp://b.example:1883\",60,1,\"alice\",\"wrong\"\r");
    expect("\r\nOK\r\n\r\n+CMQTTCONNECT: 0,");
    cr_assert(simproc_expect(&sim, "30\r\n", 100) || simproc_expect(&sim, "31\r\n", T),
              "expected 30 (bad user name or password) or 31 (not authorized): %s", simproc_pending(&sim));
    send_expect("AT+CMQTTCONNECT=0,\"tcp://b.example:1883\",60,1,\"alice\",\"s3cret\"\r",
                "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
}

Test(real_broker, a_stopped_broker_is_a_lost_connection_and_a_restarted_one_takes_it_back)
{
    start_broker(NULL, NULL);
    start_sim_to(broker.port, NULL);
    connect_ok("");
    mqproc_kill(&broker);
    expect("\r\n+CMQTTCONNLOST: 0,1\r\n");
    send_expect("AT+CMQTTPUB=0,1,60\r", "\r\n+CMQTTPUB: 0,11\r\n\r\nERROR\r\n");
    cr_assert_eq(mqproc_restart(&broker), 0);
    struct watch_client *w = watch_start(broker.port, "seq/#");
    cr_assert_not_null(w);
    send_expect("AT+CMQTTCONNECT=0,\"tcp://b.example:1883\",60,1\r", "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
    publish("seq/1", "1", 1, 1);
    cr_assert_eq(watch_wait(w, 1, T), 1);
    watch_stop(w);
}

Test(real_broker, an_unreachable_port_is_a_socket_connect_failure)
{
    int port = free_tcp_port();
    start_sim_to(port, NULL);
    send_expect("AT+CMQTTCONNECT=0,\"tcp://b.example:1883\",60,1\r", "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,3\r\n");
}

Test(real_broker, no_connack_in_time_is_a_timeout_and_at_commands_go_on_meanwhile)
{
    /* a server that accepts TCP (the kernel does) and never says a word */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(fd, 4), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    start_sim_to(ntohs(a.sin_port), "1500");
    send_expect("ATE0\r", "OK\r\n");
    send_expect("AT+CMQTTCONNECT=0,\"tcp://b.example:1883\",60,1\r", "\r\nOK\r\n");
    /* the module answers other commands while the broker keeps it waiting */
    send_expect("AT+CSQ\r", "\r\n+CSQ: 23,0\r\n\r\nOK\r\n");
    cr_assert_str_eq(simproc_pending(&sim), "", "the CONNECT result came before AT+CSQ was answered");
    expect("\r\n+CMQTTCONNECT: 0,17\r\n");
    close(fd);
}

Test(real_broker, ten_thousand_bytes_both_ways)
{
    start_broker(NULL, NULL);
    start_sim_to(broker.port, NULL);
    struct watch_client *w = watch_start(broker.port, "big/#");
    cr_assert_not_null(w);
    connect_ok("");
    send_expect("AT+CMQTTSUB=0,6,1\r", "\r\n>");
    send_expect("big/in", "+CMQTTSUB: 0,0\r\n");
    static char out[10000], in[10000];
    for (size_t i = 0; i < sizeof out; i++) {
        out[i] = (char)('A' + i % 26);
        in[i] = (char)('a' + i % 26);
    }
    publish("big/out", out, sizeof out, 1);
    cr_assert_eq(watch_wait(w, 1, T), 1);
    size_t len;
    const void *got = watch_payload(w, 0, &len);
    cr_assert_eq(len, sizeof out);
    cr_assert(memcmp(got, out, sizeof out) == 0, "the broker got different bytes");
    cr_assert_eq(mq_publish(broker.port, "big/in", in, sizeof in, 1), 0);
    expect("+CMQTTRXSTART: 0,6,10000\r\n+CMQTTRXTOPIC: 0,6\r\nbig/in\r\n");
    /* 20 chunks of 500 bytes, each exactly the bytes sent */
    for (int chunk = 0; chunk < 20; chunk++) {
        expect("+CMQTTRXPAYLOAD: 0,500\r\n");
        cr_assert(simproc_expect(&sim, "\r\n", T));
    }
    expect("+CMQTTRXEND: 0\r\n");
    watch_stop(w);
}

Test(real_broker, world_commands_of_the_embedded_broker_say_they_do_not_apply)
{
    start_broker(NULL, NULL);
    start_sim_to(broker.port, NULL);
    char reply[512];
    cr_assert_eq(simproc_control(&sim, "broker refuse 5", reply, sizeof reply), 0);
    cr_assert(strstr(reply, "ERR broker works with the embedded broker"), "%s", reply);
    cr_assert_eq(simproc_control(&sim, "deliver a b", reply, sizeof reply), 0);
    cr_assert(strstr(reply, "ERR deliver works with the embedded broker"), "%s", reply);
}
