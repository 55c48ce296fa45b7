/* The module's HTTP client over TLS (issue 19): a real sim7600-sim, the test
 * CA uploaded with AT+CCERTDOWN, an SSL context set with AT+CSSLCFG and named
 * by AT+HTTPPARA="SSLCFG", an https:// URL, and the runner's HTTP server
 * (tools/hil/run/http_server.c) on loopback with the test set's server
 * certificate. GET, HEAD and POST of small bodies and of bodies bigger than
 * one AT+HTTPREAD piece, chunked, a server gone mid-body, HTTPTERM and a
 * reboot, all over TLS; a certificate that does not verify is 715, a context
 * without its CA 719. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_fixture.h"
#include "test_certs.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define CMD_MAX 160
#define BODY "{\"secure\":true}"
#define LARGE 6000                   /* bigger than one AT+HTTPREAD piece and than HTTP_DRIVE_READ_STEP */
#define POST_LARGE 20000
#define CTX 2                        /* the SSL context the tests verify with */
#define POST_STATUS 201

TestSuite(https, .fini = http_fixture_stop);

/* The server answers `a` (NULL: 200 and BODY) over TLS with server.pem (for
 * localhost); a warm module (echo off) maps `name`:443 to it and has its
 * HTTP service started. */
static void start(const char *name, const struct http_server_answer *a)
{
    struct http_server_answer plain;
    http_server_answer_init(&plain);
    sb_puts(&plain.body, BODY);
    char cert[512], key[512];
    snprintf(cert, sizeof cert, "%s", test_cert_path("server.pem"));
    snprintf(key, sizeof key, "%s", test_cert_path("server-key.pem"));
    struct http_server_tls tls = {cert, key};
    struct strbuf err = {0};
    cr_assert_eq(http_server_start_tls(&srv, 0, a ? a : &plain, &tls, &err), 0, "%s", sb_str(&err));
    sb_free(&err);
    http_server_answer_free(&plain);
    char map[96];
    snprintf(map, sizeof map, "%s:443=127.0.0.1:%u", name, (unsigned)srv.port);
    http_start_sim(&sim, map);
}

/* The test set's `file` in the module's store as ca.pem. */
static void upload_ca(const char *file)
{
    size_t len;
    uint8_t *bytes = test_cert_read(file, &len);
    cr_assert_not_null(bytes);
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof cmd, "AT+CCERTDOWN=\"ca.pem\",%zu\r", len);
    send_expect(cmd, ">");
    simproc_write(&sim, bytes, len);
    free(bytes);
    expect("OK\r\n");
}

/* Context `ctx` verifies the server with the store's ca.pem. */
static void verify_with_ca(int ctx)
{
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof cmd, "AT+CSSLCFG=\"cacert\",%d,\"ca.pem\"\r", ctx);
    send_expect(cmd, "OK\r\n");
    snprintf(cmd, sizeof cmd, "AT+CSSLCFG=\"authmode\",%d,1\r", ctx);
    send_expect(cmd, "OK\r\n");
}

/* SSLCFG and the URL, for the next AT+HTTPACTION. */
static void target(const char *url, int ctx)
{
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof cmd, "AT+HTTPPARA=\"SSLCFG\",%d\r", ctx);
    send_expect(cmd, "\r\nOK\r\n");
    http_url(&sim, url);
}

/* A verified session to localhost answering `a`, the URL set. */
static void verified(const struct http_server_answer *a, const char *path)
{
    start("localhost", a);
    upload_ca("ca.pem");
    verify_with_ca(CTX);
    char url[CMD_MAX];
    snprintf(url, sizeof url, "https://localhost%s", path);
    target(url, CTX);
}

static void request_is(unsigned i, const char *method, const char *path)
{
    struct http_server_request r;
    http_server_wait_request(&sim, &srv, i, &r);
    cr_assert_str_eq(r.method, method);
    cr_assert_str_eq(r.path, path);
    cr_assert_not_null(strstr(sb_str(&r.head), "Host: localhost\r\n"), "%s", sb_str(&r.head));
    http_server_request_free(&r);
}

/* ---- requests over TLS ------------------------------------------------------------------- */

Test(https, a_get_over_tls_verified_by_the_test_ca)
{
    verified(NULL, "/secure");
    size_t len;
    cr_assert_eq(http_action(&sim, 0, &len), 200);
    cr_assert_eq(len, strlen(BODY));
    send_expect("AT+HTTPREAD=0,100\r", "+HTTPREAD: DATA,15\r\n" BODY "\r\n+HTTPREAD: 0\r\n");
    request_is(0, "GET", "/secure");
    cr_assert_eq(http_server_tls_failures(&srv), 0);
}

Test(https, head_over_tls_reads_the_headers_only)
{
    struct http_server_answer a;
    http_answer_body(&a, "not sent for HEAD", 17);
    sb_puts(&a.headers, "ETag: \"v42\"\r\n");
    verified(&a, "/firmware.bin");
    http_server_answer_free(&a);
    size_t len;
    cr_assert_eq(http_action(&sim, 2, &len), 200);
    cr_assert_eq(len, 0);
    send_expect("AT+HTTPREAD?\r", "+HTTPREAD: LEN,0\r\n");
    send_expect("AT+HTTPHEAD\r", "+HTTPHEAD: ");
    expect("ETag: \"v42\"\r\n");
    expect("\r\nOK\r\n");
    request_is(0, "HEAD", "/firmware.bin");
}

static void large_get(bool chunked)
{
    static char body[LARGE];
    struct http_server_answer a;
    http_answer_filled(&a, body, sizeof body);
    a.chunked = chunked;
    verified(&a, "/fw/app.bin");
    http_server_answer_free(&a);
    http_get_large(&sim, body, sizeof body, chunked);
}

Test(https, get_a_body_larger_than_a_read) { large_get(false); }
Test(https, get_a_large_chunked_body) { large_get(true); }

static void post(size_t n)
{
    struct http_server_answer a;
    http_server_answer_init(&a);
    a.status = POST_STATUS;
    verified(&a, "/readings");
    http_server_answer_free(&a);
    http_post_checked(&sim, &srv, n, POST_STATUS);
}

Test(https, post_a_small_body_over_tls) { post(18); }
Test(https, post_a_large_body_over_tls) { post(POST_LARGE); }

/* The server sends the head and half the body, then its socket closes without
 * TLS's close_notify (a server that died): the status is told, then
 * +HTTP_PEER_CLOSED, and the half that came is readable. */
Test(https, a_server_gone_mid_body_is_peer_closed)
{
    static char body[LARGE], got[LARGE];
    struct http_server_answer a;
    http_answer_filled(&a, body, sizeof body);
    a.action = HTTP_SERVER_HALF;
    verified(&a, "/big");
    http_server_answer_free(&a);
    cr_assert_eq(http_action(&sim, 0, NULL), 200);
    expect("+HTTP_PEER_CLOSED\r\n");
    send_expect("AT+HTTPREAD?\r", "+HTTPREAD: LEN,");
    char line[32];
    cr_assert(simproc_take(&sim, "\r\n", T, line, sizeof line));
    size_t held = strtoul(line, NULL, 10);
    cr_assert(held > 0 && held < LARGE, "what came before the close is held: %zu", held);
    expect("\r\nOK\r\n");
    cr_assert_eq(http_read_body(&sim, 0, LARGE, got), held);
    cr_assert_eq(memcmp(got, body, held), 0, "the bytes held are the body's first ones");
}

/* HTTPTERM ends the HTTP service, not the SSL context or the store: after
 * HTTPINIT the same context verifies a new session (a second handshake). */
Test(https, term_and_init_again_over_tls)
{
    verified(NULL, "/one");
    cr_assert_eq(http_action(&sim, 0, NULL), 200);
    http_term_and_init(&sim);
    target("https://localhost/two", CTX);
    cr_assert_eq(http_action(&sim, 0, NULL), 200);
    request_is(1, "GET", "/two");
    cr_assert_eq(http_server_tls_failures(&srv), 0);
}

/* A reboot mid-request over TLS: no +HTTPACTION for it, the service must be
 * started again, the contexts are back at their defaults but the store kept
 * the CA (findings §27): configured again, the context verifies the server. */
Test(https, a_reboot_interrupts_the_session)
{
    struct http_server_answer a;
    http_server_answer_init(&a);
    a.action = HTTP_SERVER_SILENT;
    verified(&a, "/slow");
    http_server_answer_free(&a);
    send_expect("AT+HTTPACTION=0\r", "\r\nOK\r\n");
    request_is(0, "GET", "/slow");
    http_reboot_ends_the_session(&sim);
    struct http_server_answer ok;
    http_answer_body(&ok, BODY, strlen(BODY));
    http_server_set_answer(&srv, &ok);
    http_server_answer_free(&ok);
    send_expect("AT+CCERTLIST\r", "+CCERTLIST: \"ca.pem\"\r\n");
    verify_with_ca(CTX);
    target("https://localhost/again", CTX);
    cr_assert_eq(http_action(&sim, 0, NULL), 200);
    request_is(1, "GET", "/again");
}

/* ---- TLS failures -------------------------------------------------------------------------- */

Test(https, a_name_the_certificate_does_not_carry_is_715)
{
    start("api.example.com", NULL);
    upload_ca("ca.pem");
    verify_with_ca(0);
    target("https://api.example.com/secure", 0);
    cr_assert_eq(http_action(&sim, 0, NULL), 715);
    cr_assert_eq(http_server_count(&srv), 0);
}

Test(https, a_ca_that_did_not_sign_the_server_is_715)
{
    start("localhost", NULL);
    upload_ca("wrong-ca.pem");
    verify_with_ca(CTX);
    target("https://localhost/secure", CTX);
    cr_assert_eq(http_action(&sim, 0, NULL), 715);
    cr_assert_eq(http_server_count(&srv), 0, "no request goes over a handshake that failed");
}

Test(https, a_context_without_its_ca_is_719)
{
    start("localhost", NULL);
    send_expect("AT+CSSLCFG=\"authmode\",1,1\r", "OK\r\n");
    target("https://localhost/secure", 1);
    cr_assert_eq(http_action(&sim, 0, NULL), 719);
    cr_assert_eq(http_server_count(&srv), 0);
    cr_assert_eq(http_server_tls_failures(&srv), 0, "719 is told before connecting");
}

Test(https, no_verification_at_authmode_0)
{
    start("api.example.com", NULL);
    target("https://api.example.com/secure", 0);
    size_t len;
    cr_assert_eq(http_action(&sim, 0, &len), 200);
    cr_assert_eq(len, strlen(BODY));
}
