/* The module's HTTP client over TLS (issue 19): a real sim7600-sim, the test
 * CA uploaded with AT+CCERTDOWN, an SSL context set with AT+CSSLCFG and named
 * by AT+HTTPPARA="SSLCFG", an https:// URL, and an OpenSSL server the test
 * runs on loopback answering HTTP/1.1. What the host reads is what the
 * server answered; a certificate that does not verify is 715, a context
 * without its CA 719. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim_process.h"
#include "test_certs.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define ACCEPT_POLL_MS 20            /* how often the server's thread looks whether it should stop */
#define SERVER_IO_MS 5000            /* a connection the test forgot ends after this */
#define CMD_MAX 160
#define BODY "{\"secure\":true}"

/* ---- an HTTPS server on loopback: one answer per connection ----------------------------- */

struct https_server {
    int fd, port;
    SSL_CTX *ctx;
    pthread_t thread;
    atomic_bool stop;
    atomic_int requests, failed;     /* requests answered / handshakes that failed */
    bool running;
};

static struct https_server srv;
static struct sim_process sim;

/* Reads the request's head, answers BODY, closes. */
static void answer(SSL *ssl)
{
    char buf[4096];
    size_t got = 0;
    while (got < sizeof buf - 1) {
        int n = SSL_read(ssl, buf + got, (int)(sizeof buf - 1 - got));
        if (n <= 0)
            return;
        got += (size_t)n;
        buf[got] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    char reply[256];
    int n = snprintf(reply, sizeof reply, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     strlen(BODY), BODY);
    if (SSL_write(ssl, reply, n) == n)
        atomic_fetch_add(&srv.requests, 1);
    SSL_shutdown(ssl);
}

static void *server_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&srv.stop)) {
        struct pollfd p = {.fd = srv.fd, .events = POLLIN};
        if (poll(&p, 1, ACCEPT_POLL_MS) <= 0)
            continue;
        int c = accept(srv.fd, NULL, NULL);
        if (c < 0)
            continue;
        struct timeval tv = {.tv_sec = SERVER_IO_MS / 1000};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        SSL *ssl = SSL_new(srv.ctx);
        SSL_set_fd(ssl, c);
        if (SSL_accept(ssl) == 1)
            answer(ssl);
        else
            atomic_fetch_add(&srv.failed, 1);
        SSL_free(ssl);
        close(c);
    }
    return NULL;
}

static void server_start(void)
{
    srv.ctx = SSL_CTX_new(TLS_server_method());
    cr_assert_not_null(srv.ctx);
    cr_assert_eq(SSL_CTX_use_certificate_chain_file(srv.ctx, test_cert_path("server.pem")), 1);
    cr_assert_eq(SSL_CTX_use_PrivateKey_file(srv.ctx, test_cert_path("server-key.pem"), SSL_FILETYPE_PEM), 1);
    srv.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert_eq(bind(srv.fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(srv.fd, 4), 0);
    getsockname(srv.fd, (struct sockaddr *)&a, &len);
    srv.port = ntohs(a.sin_port);
    atomic_store(&srv.stop, false);
    cr_assert_eq(pthread_create(&srv.thread, NULL, server_main, NULL), 0);
    srv.running = true;
}

static void stop_all(void)
{
    simproc_stop(&sim);
    if (srv.running) {
        atomic_store(&srv.stop, true);
        pthread_join(srv.thread, NULL);
        close(srv.fd);
        SSL_CTX_free(srv.ctx);
    }
    memset(&srv, 0, sizeof srv);
}

TestSuite(https, .fini = stop_all);

/* ---- the module -------------------------------------------------------------------------- */

static void expect(const char *text)
{
    cr_assert(simproc_expect(&sim, text, T), "expected \"%s\"; the module said: \"%s\"", text,
              simproc_pending(&sim));
}

static void send_expect(const char *cmd, const char *text)
{
    simproc_send(&sim, cmd);
    expect(text);
}

/* The server runs; a warm module (echo off) maps `name`:443 to it and has
 * its HTTP service started. */
static void start(const char *name)
{
    server_start();
    char map[96];
    snprintf(map, sizeof map, "%s:443=127.0.0.1:%d", name, srv.port);
    const char *args[] = {"--profile", "warm", "--net-map", map, NULL};
    cr_assert_eq(simproc_start(&sim, args), 0, "sim7600-sim did not start");
    cr_assert_eq(simproc_open(&sim), 0);
    send_expect("ATE0\r", "OK\r\n");
    send_expect("AT+HTTPINIT\r", "\r\nOK\r\n");
}

/* The test set's CA in the store; context `ctx` verifies the server with it. */
static void verify_with_ca(int ctx)
{
    size_t len;
    uint8_t *bytes = test_cert_read("ca.pem", &len);
    cr_assert_not_null(bytes);
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof cmd, "AT+CCERTDOWN=\"ca.pem\",%zu\r", len);
    send_expect(cmd, ">");
    simproc_write(&sim, bytes, len);
    free(bytes);
    expect("OK\r\n");
    snprintf(cmd, sizeof cmd, "AT+CSSLCFG=\"cacert\",%d,\"ca.pem\"\r", ctx);
    send_expect(cmd, "OK\r\n");
    snprintf(cmd, sizeof cmd, "AT+CSSLCFG=\"authmode\",%d,1\r", ctx);
    send_expect(cmd, "OK\r\n");
}

static void get(const char *url, int ctx, const char *result)
{
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof cmd, "AT+HTTPPARA=\"SSLCFG\",%d\r", ctx);
    send_expect(cmd, "\r\nOK\r\n");
    snprintf(cmd, sizeof cmd, "AT+HTTPPARA=\"URL\",\"%s\"\r", url);
    send_expect(cmd, "\r\nOK\r\n");
    send_expect("AT+HTTPACTION=0\r", "\r\nOK\r\n");
    expect(result);
}

Test(https, a_get_over_tls_verified_by_the_test_ca)
{
    start("localhost");
    verify_with_ca(2);
    char len[48];
    snprintf(len, sizeof len, "+HTTPACTION: 0,200,%zu\r\n", strlen(BODY));
    get("https://localhost/secure", 2, len);
    send_expect("AT+HTTPREAD=0,100\r", "+HTTPREAD: DATA,15\r\n" BODY "\r\n+HTTPREAD: 0\r\n");
    cr_assert_eq(atomic_load(&srv.requests), 1);
}

Test(https, a_name_the_certificate_does_not_carry_is_715)
{
    start("api.example.com");
    verify_with_ca(0);
    get("https://api.example.com/secure", 0, "+HTTPACTION: 0,715,0\r\n");
    cr_assert_eq(atomic_load(&srv.requests), 0);
}

Test(https, a_context_without_its_ca_is_719)
{
    start("localhost");
    send_expect("AT+CSSLCFG=\"authmode\",1,1\r", "OK\r\n");
    get("https://localhost/secure", 1, "+HTTPACTION: 0,719,0\r\n");
    cr_assert_eq(atomic_load(&srv.requests), 0);
}

Test(https, no_verification_at_authmode_0)
{
    start("api.example.com");
    char len[48];
    snprintf(len, sizeof len, "+HTTPACTION: 0,200,%zu\r\n", strlen(BODY));
    get("https://api.example.com/secure", 0, len);
}
