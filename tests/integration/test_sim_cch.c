/* The SSL sockets end to end (issue 17): a real sim7600-sim on a real pty,
 * certificates uploaded with AT+CCERTDOWN, a context set with AT+CSSLCFG,
 * AT+CCHSTART / AT+CCHOPEN / AT+CCHSEND as firmware sends them, over real
 * TLS to an OpenSSL server the test runs on loopback, and to a private
 * mosquitto's TLS listener carrying a hand-written MQTT session. What the host
 * reads is what the server did. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop_server.h"
#include "sim_host.h"
#include "test_certs.h"
#include "tls_server_ctx.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define ECHO_SERVER "the test's TLS echo server"   /* its name in a failure's text */
#define LISTEN_BACKLOG 4
#define CERT_PATH_MAX 512
#define SERVER_IO_MS 5000            /* a connection the test forgot ends after this */
#define BYE "BYE"                    /* the server closes the connection when it reads this */
#define CERT_CMD_MAX 96
#define GATHER_MS 2                  /* one read window while waiting on the server */
#define ESCAPE_GUARD_MS 150          /* over the "+++" guard time of the warm profile (100 ms) */

/* ---- a TLS echo server on loopback ------------------------------------------------------ */

struct tls_server {
    uint16_t port;
    SSL_CTX *ctx;
    struct loop_server loop;         /* its listening socket and thread */
    atomic_int handshakes, failed;   /* connections whose handshake finished / failed */
    atomic_int goodbyes;             /* connections the client ended with close_notify */
};

static struct tls_server srv;
static struct sim_process sim;
static struct mosquitto_process broker;

/* Echoes what it reads until the client ends or sends BYE; then it closes first. */
static void serve(SSL *ssl)
{
    char buf[4096];
    for (;;) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0) {
            if (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN)
                atomic_fetch_add(&srv.goodbyes, 1);
            return;
        }
        if (n >= (int)strlen(BYE) && memcmp(buf, BYE, strlen(BYE)) == 0) {
            SSL_shutdown(ssl);
            return;
        }
        if (SSL_write(ssl, buf, n) != n)
            return;
    }
}

static void *server_main(void *arg)
{
    (void)arg;
    for (int c; (c = loop_server_accept(&srv.loop)) >= 0;) {
        struct timeval tv = {.tv_sec = SERVER_IO_MS / 1000};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        SSL *ssl = SSL_new(srv.ctx);
        SSL_set_fd(ssl, c);
        if (SSL_accept(ssl) == 1) {
            atomic_fetch_add(&srv.handshakes, 1);
            serve(ssl);
        } else {
            atomic_fetch_add(&srv.failed, 1);
        }
        SSL_free(ssl);
        close(c);
    }
    return NULL;
}

/* Serves `cert` (a certificate of the test set, for localhost) with its key. */
static void server_start(const char *cert, const char *key)
{
    char certfile[CERT_PATH_MAX], keyfile[CERT_PATH_MAX];
    snprintf(certfile, sizeof certfile, "%s", test_cert_path(cert));
    snprintf(keyfile, sizeof keyfile, "%s", test_cert_path(key));
    struct strbuf err = {0};
    srv.ctx = tls_server_ctx_new(certfile, keyfile, ECHO_SERVER, &err);
    cr_assert_not_null(srv.ctx, "%s", sb_str(&err));
    loop_server_init(&srv.loop);
    cr_assert_eq(loop_server_start(&srv.loop, 0, LISTEN_BACKLOG, ECHO_SERVER, server_main, NULL,
                                   &srv.port, &err), 0, "%s", sb_str(&err));
    sb_free(&err);
}

static void stop_all(void)
{
    simproc_stop(&sim);
    mqproc_stop(&broker);
    if (srv.ctx) {
        loop_server_stop(&srv.loop);
        tls_server_ctx_free(srv.ctx);
    }
    memset(&srv, 0, sizeof srv);
}

TestSuite(cch_tls, .fini = stop_all);

/* ---- the module -------------------------------------------------------------------------- */

static void expect(const char *text) { host_expect(&sim, text); }
static void send_expect(const char *cmd, const char *answer) { host_send_expect(&sim, cmd, answer); }

/* A warm module, echo off; `net_map` (a --net-map rule) or none. */
static void start_sim_mapped(const char *net_map)
{
    const char *args[] = {"--profile", "warm", net_map ? "--net-map" : NULL, net_map, NULL};
    host_start(&sim, args);
}

static void start_sim(void)
{
    start_sim_mapped(NULL);
}

/* The test set's file `name` into the module's store as `as`. */
static void upload(const char *name, const char *as)
{
    size_t len;
    uint8_t *bytes = test_cert_read(name, &len);
    cr_assert_not_null(bytes, "%s is readable", name);
    char cmd[CERT_CMD_MAX];
    snprintf(cmd, sizeof cmd, "AT+CCERTDOWN=\"%s\",%zu\r", as, len);
    send_expect(cmd, ">");
    simproc_write(&sim, bytes, len);
    free(bytes);
    expect("OK\r\n");
}

/* Context 0 verifies the server against the store's `ca`; the service runs. */
static void verify_with(const char *ca)
{
    char cmd[CERT_CMD_MAX];
    snprintf(cmd, sizeof cmd, "AT+CSSLCFG=\"cacert\",0,\"%s\"\r", ca);
    send_expect(cmd, "OK\r\n");
    send_expect("AT+CSSLCFG=\"authmode\",0,1\r", "OK\r\n");
    send_expect("AT+CCHSTART\r", "+CCHSTART: 0\r\n");
}

static void open_session0_to(const char *host, int port, const char *result)
{
    char cmd[CERT_CMD_MAX];
    snprintf(cmd, sizeof cmd, "AT+CCHOPEN=0,\"%s\",%d,2\r", host, port);
    send_expect(cmd, "OK\r\n");
    expect(result);
}

static void open_session0(const char *result)
{
    open_session0_to("localhost", srv.port, result);
}

static void cchsend(const char *text)
{
    char cmd[CERT_CMD_MAX];
    snprintf(cmd, sizeof cmd, "AT+CCHSEND=0,%zu\r", strlen(text));
    send_expect(cmd, ">");
    simproc_send(&sim, text);
    expect("OK\r\n");
}

/* ---- the tests --------------------------------------------------------------------------- */

Test(cch_tls, bytes_go_both_ways_over_a_verified_tls_session)
{
    server_start("server.pem", "server-key.pem");
    start_sim();
    upload("ca.pem", "ca.pem");
    verify_with("ca.pem");
    open_session0("+CCHOPEN: 0,0\r\n");
    cchsend("hello over tls");
    expect("+CCHRECV: DATA,0,14\r\nhello over tls");
    /* Only now: with TLS 1.3 the client's handshake ends when it sends its
     * Finished, the server's when it reads it, so +CCHOPEN: 0,0 can come
     * before the server counted; the echo comes after. */
    cr_assert_eq(atomic_load(&srv.handshakes), 1, "the server saw one finished handshake");
    send_expect("AT+CCHCLOSE=0\r", "+CCHCLOSE: 0,0\r\n");
    long long end = test_now_ms() + T;
    while (atomic_load(&srv.goodbyes) == 0 && test_now_ms() < end)
        simproc_gather_for(&sim, GATHER_MS);
    cr_assert_eq(atomic_load(&srv.goodbyes), 1, "the module ended the session with close_notify");
    send_expect("AT+CCHSTOP\r", "+CCHSTOP: 0\r\n\r\nOK\r\n");
}

/* ---- transparent mode (AT+CCHMODE=1) ------------------------------------------------------- */

/* Transparent mode, context 0 verifying against the store's `ca`, the service running. */
static void transparent_with(const char *ca)
{
    send_expect("AT+CCHMODE=1\r", "OK\r\n");
    verify_with(ca);
}

/* AT+CCHOPEN on session 0 to the echo server: no OK, `result` is the answer. */
static void transparent_open(const char *result)
{
    char cmd[CERT_CMD_MAX];
    snprintf(cmd, sizeof cmd, "AT+CCHOPEN=0,\"localhost\",%d,2\r", srv.port);
    send_expect(cmd, result);
}

/* "+++" framed by the guard times: OK, the session stays open. */
static void escape(void)
{
    cr_assert(simproc_quiet_for(&sim, ESCAPE_GUARD_MS), "the module spoke in data mode");
    simproc_write(&sim, "+++", 3);
    expect("\r\nOK\r\n");
}

Test(cch_tls, a_transparent_session_carries_raw_bytes_both_ways_until_the_server_closes)
{
    server_start("server.pem", "server-key.pem");
    start_sim();
    upload("ca.pem", "ca.pem");
    transparent_with("ca.pem");
    transparent_open("CONNECT 115200\r\n");
    simproc_send(&sim, "raw over tls");
    expect("raw over tls");                        /* the echo, with no +CCHRECV header */
    cr_assert_eq(atomic_load(&srv.handshakes), 1, "the server saw one finished handshake");
    escape();
    char open_line[CERT_CMD_MAX];
    snprintf(open_line, sizeof open_line, "+CCHOPEN: 0,\"localhost\",%d,2\r\n", srv.port);
    send_expect("AT+CCHOPEN?\r", open_line);
    send_expect("ATO\r", "CONNECT 115200\r\n");
    simproc_send(&sim, BYE);                       /* the server closes first */
    expect("CLOSED\r\n");
    send_expect("ATO\r", "NO CARRIER\r\n");
}

Test(cch_tls, closing_an_escaped_transparent_session_says_closed_and_ends_tls_with_close_notify)
{
    server_start("server.pem", "server-key.pem");
    start_sim();
    upload("ca.pem", "ca.pem");
    transparent_with("ca.pem");
    transparent_open("CONNECT 115200\r\n");
    simproc_send(&sim, "ping");
    expect("ping");
    escape();
    send_expect("AT+CCHCLOSE=0\r", "OK\r\n\r\nCLOSED\r\n");
    long long end = test_now_ms() + T;
    while (atomic_load(&srv.goodbyes) == 0 && test_now_ms() < end)
        simproc_gather_for(&sim, GATHER_MS);
    cr_assert_eq(atomic_load(&srv.goodbyes), 1, "the module ended the session with close_notify");
}

Test(cch_tls, a_transparent_open_the_ca_does_not_vouch_for_says_connect_fail)
{
    server_start("server.pem", "server-key.pem");
    start_sim();
    upload("wrong-ca.pem", "other.pem");
    transparent_with("other.pem");
    transparent_open("CONNECT FAIL\r\n");
    send_expect("AT+CCHOPEN?\r", "+CCHOPEN: 0\r\n+CCHOPEN: 1\r\n\r\nOK\r\n");
}

Test(cch_tls, a_server_the_ca_does_not_vouch_for_is_a_handshake_error)
{
    server_start("server.pem", "server-key.pem");
    start_sim();
    upload("wrong-ca.pem", "other.pem");
    verify_with("other.pem");
    open_session0("+CCHOPEN: 0,15\r\n");
    send_expect("AT+CCHOPEN?\r", "+CCHOPEN: 0\r\n+CCHOPEN: 1\r\n\r\nOK\r\n");
}

Test(cch_tls, an_expired_server_certificate_fails_only_when_the_time_is_checked)
{
    server_start("expired.pem", "expired-key.pem");
    start_sim();
    upload("ca.pem", "ca.pem");
    send_expect("AT+CSSLCFG=\"ignorelocaltime\",0,0\r", "OK\r\n");
    verify_with("ca.pem");
    open_session0("+CCHOPEN: 0,15\r\n");
    send_expect("AT+CSSLCFG=\"ignorelocaltime\",0,1\r", "OK\r\n");
    open_session0("+CCHOPEN: 0,0\r\n");
}

Test(cch_tls, the_server_closing_is_told_and_manual_receive_reads_what_came_first)
{
    server_start("server.pem", "server-key.pem");
    start_sim();
    send_expect("AT+CCHSET=1,1\r", "OK\r\n");
    send_expect("AT+CCHSTART\r", "+CCHSTART: 0\r\n");
    open_session0("+CCHOPEN: 0,0\r\n");     /* authmode 0: no verification */
    cchsend("ping");
    expect("+CCHSEND: 0,0\r\n");
    expect("+CCHEVENT: 0,RECV EVENT\r\n");
    send_expect("AT+CCHRECV=0\r", "+CCHRECV: DATA,0,4\r\nping\r\n+CCHRECV: 0,0\r\n\r\nOK\r\n");
    cchsend(BYE);
    expect("+CCH_PEER_CLOSED: 0\r\n");
    send_expect("AT+CCHSEND=0,1\r", "ERROR\r\n");
}

Test(cch_tls, a_mapped_name_is_verified_as_the_firmware_wrote_it)
{
    server_start("server.pem", "server-key.pem");
    char rule[64];
    snprintf(rule, sizeof rule, "secure.example.com:443=127.0.0.1:%d", srv.port);
    start_sim_mapped(rule);
    upload("ca.pem", "ca.pem");
    send_expect("AT+CCHSTART\r", "+CCHSTART: 0\r\n");
    open_session0_to("secure.example.com", 443, "+CCHOPEN: 0,0\r\n");   /* authmode 0: any name */
    cchsend("mapped");
    expect("+CCHRECV: DATA,0,6\r\nmapped");
    send_expect("AT+CCHCLOSE=0\r", "+CCHCLOSE: 0,0\r\n");
    send_expect("AT+CSSLCFG=\"cacert\",0,\"ca.pem\"\r", "OK\r\n");
    send_expect("AT+CSSLCFG=\"authmode\",0,1\r", "OK\r\n");
    open_session0_to("secure.example.com", 443, "+CCHOPEN: 0,15\r\n");  /* the certificate is for localhost */
}

/* ---- MQTT by hand over an SSL session, to mosquitto's TLS listener ---------------------- */

/* mosquitto wanting a client certificate of the test CA on its TLS
 * listener; the module started with the CA in its store. */
static void mutual_broker_and_module(void)
{
    host_tls_broker_start(&broker, "server.pem", "server-key.pem", true);
    start_sim();
    upload("ca.pem", "ca.pem");
}

/* One MQTT packet out over session 0, and the one the broker answers with. */
static void exchange(const uint8_t *packet, size_t len, const uint8_t *answer, size_t answer_len)
{
    char cmd[CERT_CMD_MAX], head[CERT_CMD_MAX];
    snprintf(cmd, sizeof cmd, "AT+CCHSEND=0,%zu\r", len);
    send_expect(cmd, ">");
    simproc_write(&sim, packet, len);
    expect("OK\r\n");
    snprintf(head, sizeof head, "+CCHRECV: DATA,0,%zu\r\n", answer_len);
    expect(head);
    uint8_t got[64];
    host_take_exact(&sim, got, answer_len);
    cr_assert_eq(memcmp(got, answer, answer_len), 0, "the broker's answer");
}

Test(cch_tls, an_mqtt_session_by_hand_over_mutual_tls_to_mosquitto)
{
    mutual_broker_and_module();
    upload("client.pem", "client.pem");
    upload("client-key.pem", "client-key.pem");
    send_expect("AT+CSSLCFG=\"clientcert\",0,\"client.pem\"\r", "OK\r\n");
    send_expect("AT+CSSLCFG=\"clientkey\",0,\"client-key.pem\"\r", "OK\r\n");
    send_expect("AT+CSSLCFG=\"cacert\",0,\"ca.pem\"\r", "OK\r\n");
    send_expect("AT+CSSLCFG=\"authmode\",0,2\r", "OK\r\n");
    send_expect("AT+CCHSTART\r", "+CCHSTART: 0\r\n");
    open_session0_to("localhost", broker.tls_port, "+CCHOPEN: 0,0\r\n");
    static const uint8_t connect[] = {0x10, 15, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 3, 'c', 'c', 'h'};
    static const uint8_t connack[] = {0x20, 2, 0, 0};
    static const uint8_t subscribe[] = {0x82, 10, 0, 1, 0, 5, 'c', 'c', 'h', '/', 't', 0};
    static const uint8_t suback[] = {0x90, 3, 0, 1, 0};
    static const uint8_t publish[] = {0x30, 9, 0, 5, 'c', 'c', 'h', '/', 't', 'h', 'i'};
    exchange(connect, sizeof connect, connack, sizeof connack);
    exchange(subscribe, sizeof subscribe, suback, sizeof suback);
    exchange(publish, sizeof publish, publish, sizeof publish);   /* our own subscription brings it back */
}

Test(cch_tls, mosquitto_wanting_a_client_certificate_refuses_a_session_without_one)
{
    mutual_broker_and_module();
    /* TLS 1.2, where the server refuses inside the handshake (TLS 1.3 refuses after it) */
    send_expect("AT+CSSLCFG=\"sslversion\",0,3\r", "OK\r\n");
    verify_with("ca.pem");
    open_session0_to("localhost", broker.tls_port, "+CCHOPEN: 0,15\r\n");
}

/* ---- the handshake's bound ---------------------------------------------------------------- */

#define NEGOTIATE_S 10               /* AT+CSSLCFG="negotiatetime"'s least */
#define NEGOTIATE_SLACK_MS 5000

Test(cch_tls, a_server_that_never_answers_the_handshake_times_out_after_negotiatetime)
{
    /* a listener nobody accepts on: the kernel completes TCP, no TLS ever comes */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(fd, 4), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    start_sim();
    char cmd[CERT_CMD_MAX];
    snprintf(cmd, sizeof cmd, "AT+CSSLCFG=\"negotiatetime\",0,%d\r", NEGOTIATE_S);
    send_expect(cmd, "OK\r\n");
    send_expect("AT+CCHSTART\r", "+CCHSTART: 0\r\n");
    long long start = test_now_ms();
    snprintf(cmd, sizeof cmd, "AT+CCHOPEN=0,\"127.0.0.1\",%d\r", ntohs(a.sin_port));
    send_expect(cmd, "OK\r\n");
    cr_assert(simproc_expect(&sim, "+CCHOPEN: 0,5\r\n", NEGOTIATE_S * 1000 + NEGOTIATE_SLACK_MS),
              "the module said: \"%s\"", simproc_pending(&sim));
    cr_assert_geq(test_now_ms() - start, NEGOTIATE_S * 1000 - 100, "not before negotiatetime");
    close(fd);
}
