/* The module's HTTP(S) client end to end: a real sim7600-sim on a real pty,
 * AT+HTTPINIT ... AT+HTTPREAD as firmware sends them, real HTTP/1.1 to a
 * loopback server (tools/hil/run/http_server.c) the test starts, reached
 * through --net-map as CI reaches a private server. What the host reads is
 * what the server answered; what the server read is what the host asked. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "http_fixture.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define CLOUD "api.example.com"
#define LARGE 5000                   /* bigger than one piece of AT+HTTPREAD, and than HTTP_DRIVE_READ_STEP */
#define POST_LARGE 20000
#define POST_STATUS 201
#define RECVTO_S 2

TestSuite(http, .fini = http_fixture_stop);

/* The server answers `answer` (NULL: 200 and an empty body); the module is
 * warm, echo off, its HTTP service started, CLOUD mapped to the server. */
static void start(const struct http_server_answer *answer)
{
    struct http_server_answer plain;
    http_server_answer_init(&plain);
    struct strbuf err = {0};
    cr_assert_eq(http_server_start(&srv, 0, answer ? answer : &plain, &err), 0, "%s", sb_str(&err));
    sb_free(&err);
    char map[64];
    snprintf(map, sizeof map, CLOUD ":80=127.0.0.1:%u", (unsigned)srv.port);
    http_start_sim(&sim, map);
}

static void url(const char *path)
{
    char u[160];
    snprintf(u, sizeof u, "http://" CLOUD "%s", path);
    http_url(&sim, u);
}

/* ---- requests ------------------------------------------------------------------------------ */

Test(http, get_a_small_body)
{
    struct http_server_answer a;
    http_answer_body(&a, "{\"interval\":60}", 15);
    sb_puts(&a.headers, "Content-Type: application/json\r\n");
    start(&a);
    http_server_answer_free(&a);
    url("/config?id=7");
    size_t len;
    cr_assert_eq(http_action(&sim, 0, &len), 200);
    cr_assert_eq(len, 15);
    char body[16] = {0};
    http_wait_held(&sim, 15);
    cr_assert_eq(http_read_body(&sim, 0, 100, body), 15);
    cr_assert_str_eq(body, "{\"interval\":60}");
    struct http_server_request r;
    http_server_wait_request(&sim, &srv, 0, &r);
    cr_assert_str_eq(r.method, "GET");
    cr_assert_str_eq(r.path, "/config?id=7");
    cr_assert_not_null(strstr(sb_str(&r.head), "Host: " CLOUD "\r\n"), "%s", sb_str(&r.head));
    http_server_request_free(&r);
    send_expect("AT+HTTPHEAD\r", "+HTTPHEAD: ");
    expect("Content-Type: application/json\r\n");
    expect("\r\nOK\r\n");
}

static void large_get(bool chunked)
{
    static char body[LARGE];
    struct http_server_answer a;
    http_answer_filled(&a, body, sizeof body);
    a.chunked = chunked;
    start(&a);
    http_server_answer_free(&a);
    url("/firmware.bin");
    http_get_large(&sim, body, sizeof body, chunked);
}

Test(http, get_a_body_larger_than_a_read) { large_get(false); }
Test(http, get_a_large_chunked_body) { large_get(true); }

Test(http, head_reads_the_headers_only)
{
    struct http_server_answer a;
    http_answer_body(&a, "not sent for HEAD", 17);
    start(&a);
    http_server_answer_free(&a);
    url("/file");
    size_t len;
    cr_assert_eq(http_action(&sim, 2, &len), 200);
    cr_assert_eq(len, 0);
    send_expect("AT+HTTPREAD?\r", "+HTTPREAD: LEN,0\r\n");
    struct http_server_request r;
    http_server_wait_request(&sim, &srv, 0, &r);
    cr_assert_str_eq(r.method, "HEAD");
    http_server_request_free(&r);
}

static void post(size_t n)
{
    struct http_server_answer a;
    http_server_answer_init(&a);
    a.status = POST_STATUS;
    start(&a);
    http_server_answer_free(&a);
    url("/readings");
    http_post_checked(&sim, &srv, n, POST_STATUS);
}

Test(http, post_a_small_body) { post(18); }
Test(http, post_a_large_body) { post(POST_LARGE); }

Test(http, term_and_init_again)
{
    start(NULL);
    url("/");
    cr_assert_eq(http_action(&sim, 0, NULL), 200);
    http_term_and_init(&sim);
    url("/again");
    cr_assert_eq(http_action(&sim, 0, NULL), 200);
    cr_assert_eq(http_server_count(&srv), 2);
}

/* ---- what goes wrong ------------------------------------------------------------------------- */

Test(http, a_closed_port_is_714)
{
    start(NULL);
    char cmd[96];
    http_server_stop(&srv);          /* its port is closed now */
    snprintf(cmd, sizeof cmd, "AT+HTTPPARA=\"URL\",\"http://" CLOUD "/\"\r");
    send_expect(cmd, "\r\nOK\r\n");
    cr_assert_eq(http_action(&sim, 0, NULL), 714);
}

Test(http, a_name_that_does_not_resolve_is_713)
{
    start(NULL);
    char reply[256];
    cr_assert_eq(simproc_control(&sim, "dns-fail " CLOUD, reply, sizeof reply), 0, "%s", reply);
    url("/");
    cr_assert_eq(http_action(&sim, 0, NULL), 713);
    cr_assert_eq(http_server_count(&srv), 0);
}

Test(http, a_silent_server_is_705_after_recvto)
{
    struct http_server_answer a;
    http_server_answer_init(&a);
    a.action = HTTP_SERVER_SILENT;
    start(&a);
    http_server_answer_free(&a);
    url("/");
    send_expect("AT+HTTPPARA=\"RECVTO\",2\r", "\r\nOK\r\n");
    long long t0 = test_now_ms();
    send_expect("AT+HTTPACTION=0\r", "\r\nOK\r\n");
    cr_assert(simproc_expect(&sim, "+HTTPACTION: 0,705,0\r\n", RECVTO_S * 1000 + T), "%s", simproc_pending(&sim));
    cr_assert_geq(test_now_ms() - t0, RECVTO_S * 1000 - 100, "not before RECVTO");
}

Test(http, a_server_that_drops_the_connection_is_704)
{
    struct http_server_answer a;
    http_server_answer_init(&a);
    a.action = HTTP_SERVER_DROP;
    start(&a);
    http_server_answer_free(&a);
    url("/");
    cr_assert_eq(http_action(&sim, 0, NULL), 704);
}

Test(http, a_server_gone_mid_body_is_peer_closed)
{
    static char body[LARGE];
    struct http_server_answer a;
    http_answer_filled(&a, body, sizeof body);
    a.action = HTTP_SERVER_HALF;
    start(&a);
    http_server_answer_free(&a);
    url("/");
    cr_assert_eq(http_action(&sim, 0, NULL), 200);
    expect("+HTTP_PEER_CLOSED\r\n");
}

Test(http, a_reboot_interrupts_the_session)
{
    struct http_server_answer a;
    http_server_answer_init(&a);
    a.action = HTTP_SERVER_SILENT;
    start(&a);
    http_server_answer_free(&a);
    url("/slow");
    send_expect("AT+HTTPACTION=0\r", "\r\nOK\r\n");
    struct http_server_request r;
    http_server_wait_request(&sim, &srv, 0, &r);
    http_server_request_free(&r);
    http_reboot_ends_the_session(&sim);
}
