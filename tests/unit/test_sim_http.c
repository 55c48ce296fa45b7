/* The module's HTTP(S) client (issue 19; findings §31) against a scripted
 * network: the test plays the network and the server behind it, records
 * what the core asks of it (the request's bytes among them) and posts the
 * server's answers through sim_net_event. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module_models.h"
#include "sim.h"
#include "sim_fixture.h"

#define HTTP_LINK 12                 /* after the sockets' 0-9 and the SSL sessions' 10-11 */
#define BOOT_MS 500
#define READ_CHUNK 1024              /* one +HTTPREAD: DATA,<n> carries at most this */
#define S_MS 1000
#define STACK_BUFFER 10240           /* the module's protocol stack buffer (CAT4: 10 KB) */

/* ---- the scripted network ------------------------------------------------------------- */

struct scripted_net {
    struct strbuf log;               /* one line per call the core made */
    struct strbuf sent;              /* the bytes of every send */
    size_t room;
    uint32_t open_timeout_ms;
    bool open_tls;
};

static struct scripted_net net;

static void net_open(void *ctx, const struct sim_net_open *p)
{
    (void)ctx;
    net.open_timeout_ms = p->timeout_ms;
    net.open_tls = p->tls != NULL;
    sb_printf(&net.log, "open %d %s:%d%s\n", p->link, p->host, p->port, p->tls ? " tls" : "");
}

static void net_send(void *ctx, int link, const uint8_t *data, size_t len, const char *host, int port)
{
    (void)ctx, (void)host, (void)port;
    sb_printf(&net.log, "send %d %zu\n", link, len);
    sb_add(&net.sent, data, len);
}

static void net_close(void *ctx, int link)
{
    (void)ctx;
    sb_printf(&net.log, "close %d\n", link);
}

static void net_room(void *ctx, int link, size_t room)
{
    (void)ctx;
    if (link == HTTP_LINK)
        net.room = room;
}

static void net_resolve(void *ctx, int query, const char *host)
{
    (void)ctx, (void)query, (void)host;
}

static const struct sim_net_ops scripted_ops = {.open = net_open, .send = net_send, .close = net_close,
                                                .receive_room = net_room, .resolve = net_resolve};

static char *calls(void)
{
    static char text[1024];
    snprintf(text, sizeof text, "%s", sb_str(&net.log));
    sb_reset(&net.log);
    return text;
}

static const char *sent(void)
{
    return sb_str(&net.sent);
}

/* The calls of a request that went and a connection the module closed. */
static const char *sent_and_closed(void)
{
    static char text[64];
    snprintf(text, sizeof text, "send %d %zu\nclose %d\n", HTTP_LINK, net.sent.len, HTTP_LINK);
    return text;
}

static const char *post(enum sim_net_kind kind, enum sim_net_error code, const void *data, size_t len)
{
    struct sim_net_event ev = {.kind = kind, .link = HTTP_LINK, .code = code, .data = data, .len = len,
                               .host = "203.0.113.7", .port = 80};
    sim_net_event(drive.sim, &ev, drive.now_us);
    return advance(1);
}

static const char *answer(const char *text)
{
    return post(SIM_NET_RECEIVED, SIM_NET_OK, text, strlen(text));
}

/* A booted module of that --model (NULL: the default) on the scripted network, echo off. */
static void start_model(const char *model)
{
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = 0;
    if (model)
        cfg.model = module_model_find(model);
    sim_drive_start(&drive, &cfg);
    cr_assert_not_null(drive.sim);
    memset(&net, 0, sizeof net);
    sim_set_net(drive.sim, &scripted_ops, NULL);
    advance(BOOT_MS);
    io("ATE0\r");
    cr_assert_str_eq(io("AT\r"), "\r\nOK\r\n", "the module is up, echo off");
}

static void setup(void)
{
    start_model(NULL);
}

static void teardown(void)
{
    sim_fixture_teardown();
    sb_free(&net.log);
    sb_free(&net.sent);
}

TestSuite(http, .init = setup, .fini = teardown);

static void init_url(const char *url)
{
    char line[600];
    snprintf(line, sizeof line, "AT+HTTPPARA=\"URL\",\"%s\"\r", url);
    cr_assert_str_eq(io("AT+HTTPINIT\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io(line), "\r\nOK\r\n");
}

/* AT+HTTPACTION=<method> to an open connection: OK, the open, the request sent. */
static void action_connected(int method)
{
    char line[32];
    snprintf(line, sizeof line, "AT+HTTPACTION=%d\r", method);
    cr_assert_str_eq(io(line), "\r\nOK\r\n");
    calls();
    cr_assert_str_eq(post(SIM_NET_OPENED, SIM_NET_OK, NULL, 0), "", "nothing is said until the answer");
}

/* ---- the service and its parameters ------------------------------------------------------ */

Test(http, init_and_term_bracket_the_service)
{
    EXCHANGES({"AT+HTTPPARA=\"URL\",\"http://example.com/\"\r", "\r\nERROR\r\n"},
              {"AT+HTTPTERM\r", "\r\nERROR\r\n"}, {"AT+HTTPINIT=?\r", "\r\nOK\r\n"},
              {"AT+HTTPINIT\r", "\r\nOK\r\n"}, {"AT+HTTPINIT\r", "\r\nERROR\r\n"},
              {"AT+HTTPINIT?\r", "\r\nERROR\r\n"}, {"AT+HTTPTERM=?\r", "\r\nOK\r\n"},
              {"AT+HTTPTERM\r", "\r\nOK\r\n"}, {"AT+HTTPTERM\r", "\r\nERROR\r\n"},
              {"AT+HTTPINIT\r", "\r\nOK\r\n"});
}

/* T-SIM7600X #135's SIM7600G-H answered a stop with no service OK (findings §31) */
Test(http, a_g_h_stops_no_service_with_ok)
{
    sim_fixture_teardown();
    start_model("SIM7600G-H");
    EXCHANGES({"AT+HTTPTERM\r", "\r\nOK\r\n"}, {"AT+HTTPINIT\r", "\r\nOK\r\n"},
              {"AT+HTTPTERM\r", "\r\nOK\r\n"}, {"AT+HTTPTERM\r", "\r\nOK\r\n"});
}

Test(http, init_needs_the_packet_network)
{
    cr_assert_str_eq(ctl("reg 0"), "OK registration 0");
    advance(1);
    EXCHANGES({"AT+HTTPINIT\r", "\r\nERROR\r\n"});
}

Test(http, para_takes_each_parameter_in_its_range)
{
    EXCHANGES({"AT+HTTPINIT\r", "\r\nOK\r\n"}, {"AT+HTTPPARA=?\r", "\r\nOK\r\n"},
              {"AT+HTTPPARA?\r", "\r\nERROR\r\n"},
              {"AT+HTTPPARA=\"URL\",\"http://example.com:8080/a?b=1\"\r", "\r\nOK\r\n"},
              {"AT+HTTPPARA=\"URL\",\"https://example.com\"\r", "\r\nOK\r\n"},
              {"AT+HTTPPARA=\"URL\",\"ftp://example.com/\"\r", "\r\nERROR\r\n"},
              {"AT+HTTPPARA=\"URL\",\"http://:80/\"\r", "\r\nERROR\r\n"},
              {"AT+HTTPPARA=\"URL\",\"http://example.com:0/\"\r", "\r\nERROR\r\n"},
              {"AT+HTTPPARA=\"CONNECTTO\",20\r", "\r\nOK\r\n"}, {"AT+HTTPPARA=\"CONNECTTO\",120\r", "\r\nOK\r\n"},
              {"AT+HTTPPARA=\"CONNECTTO\",19\r", "\r\nERROR\r\n"}, {"AT+HTTPPARA=\"CONNECTTO\",121\r", "\r\nERROR\r\n"},
              {"AT+HTTPPARA=\"RECVTO\",2\r", "\r\nOK\r\n"}, {"AT+HTTPPARA=\"RECVTO\",1\r", "\r\nERROR\r\n"},
              {"AT+HTTPPARA=\"RECVTO\",121\r", "\r\nERROR\r\n"},
              {"AT+HTTPPARA=\"CONTENT\",\"application/json\"\r", "\r\nOK\r\n"},
              {"AT+HTTPPARA=\"ACCEPT\",\"application/json\"\r", "\r\nOK\r\n"},
              {"AT+HTTPPARA=\"SSLCFG\",9\r", "\r\nOK\r\n"}, {"AT+HTTPPARA=\"SSLCFG\",10\r", "\r\nERROR\r\n"},
              {"AT+HTTPPARA=\"USERDATA\",\"X-Device: 7\"\r", "\r\nOK\r\n"},
              {"AT+HTTPPARA=\"READMODE\",1\r", "\r\nOK\r\n"}, {"AT+HTTPPARA=\"READMODE\",2\r", "\r\nERROR\r\n"},
              {"AT+HTTPPARA=\"TIMEOUT\",30\r", "\r\nERROR\r\n"}, {"AT+HTTPPARA=\"URL\"\r", "\r\nERROR\r\n"});
    char longer[400];
    snprintf(longer, sizeof longer, "AT+HTTPPARA=\"CONTENT\",\"%0257d\"\r", 0);
    cr_assert_str_eq(io(longer), "\r\nERROR\r\n", "CONTENT is at most 256 characters");
}

Test(http, action_needs_a_url_and_a_method_0_to_4)
{
    EXCHANGES({"AT+HTTPACTION=0\r", "\r\nERROR\r\n"}, {"AT+HTTPINIT\r", "\r\nOK\r\n"},
              {"AT+HTTPACTION=?\r", "\r\n+HTTPACTION: (0-4)\r\n\r\nOK\r\n"},
              {"AT+HTTPACTION=0\r", "\r\nERROR\r\n"},
              {"AT+HTTPPARA=\"URL\",\"http://example.com/\"\r", "\r\nOK\r\n"},
              {"AT+HTTPACTION=5\r", "\r\nERROR\r\n"}, {"AT+HTTPHEAD\r", "\r\nERROR\r\n"},
              {"AT+HTTPHEAD=?\r", "\r\nOK\r\n"}, {"AT+HTTPHEAD?\r", "\r\nERROR\r\n"},
              {"AT+HTTPREAD?\r", "\r\n+HTTPREAD: LEN,0\r\n\r\nOK\r\n"},
              {"AT+HTTPREAD=0,10\r", "\r\nERROR\r\n"});
    cr_assert_str_eq(calls(), "");
}

/* ---- requests and responses ----------------------------------------------------------------- */

Test(http, get_with_a_content_length_body)
{
    init_url("http://example.com/status?x=1");
    cr_assert_str_eq(io("AT+HTTPACTION=0\r"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "open 12 example.com:80\n");
    cr_assert_eq(net.open_timeout_ms, 120 * S_MS, "CONNECTTO's default bounds the connect");
    cr_assert_str_eq(io("AT+HTTPACTION=0\r"), "\r\nERROR\r\n", "one request at a time");
    cr_assert_str_eq(post(SIM_NET_OPENED, SIM_NET_OK, NULL, 0), "");
    cr_assert_str_eq(sent(), "GET /status?x=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n");
    cr_assert_str_eq(answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"), "", "told once the body is in");
    cr_assert_str_eq(answer("lo"), "\r\n+HTTPACTION: 0,200,5\r\n");
    cr_assert_str_eq(calls(), sent_and_closed(), "the module closes once the body is in");
    EXCHANGES({"AT+HTTPREAD?\r", "\r\n+HTTPREAD: LEN,5\r\n\r\nOK\r\n"},
              {"AT+HTTPREAD=0,5\r", "\r\nOK\r\n\r\n+HTTPREAD: DATA,5\r\nhello\r\n+HTTPREAD: 0\r\n"},
              {"AT+HTTPREAD=1,100\r", "\r\nOK\r\n\r\n+HTTPREAD: DATA,4\r\nello\r\n+HTTPREAD: 0\r\n"},
              {"AT+HTTPREAD=5,10\r", "\r\nOK\r\n\r\n+HTTPREAD: 0\r\n"},
              {"AT+HTTPREAD=0,0\r", "\r\nERROR\r\n"}, {"AT+HTTPREAD=?\r", "\r\nOK\r\n"},
              {"AT+HTTPHEAD\r", "\r\n+HTTPHEAD: 38\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n\r\nOK\r\n"});
}

Test(http, a_large_body_reads_in_pieces_of_1024)
{
    static char body[3000], head[64];
    memset(body, 'a', sizeof body);
    body[READ_CHUNK] = 'b';
    body[sizeof body - 1] = 'z';
    init_url("http://example.com/big");
    action_connected(0);
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", sizeof body);
    cr_assert_str_eq(answer(head), "");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, SIM_NET_OK, body, sizeof body), "\r\n+HTTPACTION: 0,200,3000\r\n");
    const char *out = io("AT+HTTPREAD=0,3000\r");
    const char *first = "\r\nOK\r\n\r\n+HTTPREAD: DATA,1024\r\n";
    cr_assert_eq(strncmp(out, first, strlen(first)), 0, "%.40s", out);
    out += strlen(first) + READ_CHUNK;
    cr_assert_eq(strncmp(out, "+HTTPREAD: DATA,1024\r\nb", 23), 0, "the next piece follows the bytes at once");
    out += strlen("+HTTPREAD: DATA,1024\r\n") + READ_CHUNK;
    cr_assert_eq(strncmp(out, "+HTTPREAD: DATA,952\r\n", 21), 0);
    out += strlen("+HTTPREAD: DATA,952\r\n") + 952;
    cr_assert_str_eq(out, "\r\n+HTTPREAD: 0\r\n");
    /* the <byte_size>-only form reads on from where the last read ended */
    cr_assert_str_eq(io("AT+HTTPREAD=2999,1\r"), "\r\nOK\r\n\r\n+HTTPREAD: DATA,1\r\nz\r\n+HTTPREAD: 0\r\n");
    cr_assert_str_eq(io("AT+HTTPREAD=10\r"), "\r\nOK\r\n\r\n+HTTPREAD: 0\r\n");
}

/* The protocol stack holds 10 KiB: a bigger body is told once that much is
 * in, and the rest goes on arriving while the host reads. */
Test(http, a_body_bigger_than_the_stack_is_told_when_its_buffer_fills)
{
    static char part[STACK_BUFFER / 2];
    memset(part, 'x', sizeof part);
    init_url("http://example.com/big");
    action_connected(0);
    cr_assert_str_eq(answer("HTTP/1.1 200 OK\r\nContent-Length: 20480\r\n\r\n"), "");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, SIM_NET_OK, part, sizeof part), "");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, SIM_NET_OK, part, sizeof part), "\r\n+HTTPACTION: 0,200,20480\r\n");
    EXCHANGES({"AT+HTTPREAD?\r", "\r\n+HTTPREAD: LEN,10240\r\n\r\nOK\r\n"});
    post(SIM_NET_RECEIVED, SIM_NET_OK, part, sizeof part);
    cr_assert_str_eq(post(SIM_NET_RECEIVED, SIM_NET_OK, part, sizeof part), "", "told once only");
    cr_assert_str_eq(calls(), sent_and_closed());
    EXCHANGES({"AT+HTTPREAD?\r", "\r\n+HTTPREAD: LEN,20480\r\n\r\nOK\r\n"});
}

Test(http, a_chunked_body_is_joined_and_its_length_said_as_0)
{
    init_url("http://example.com/chunked");
    action_connected(0);
    cr_assert_str_eq(answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n"), "");
    cr_assert_str_eq(answer("5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n"), "\r\n+HTTPACTION: 0,200,0\r\n");
    cr_assert_str_eq(calls(), sent_and_closed());
    EXCHANGES({"AT+HTTPREAD?\r", "\r\n+HTTPREAD: LEN,23\r\n\r\nOK\r\n"},
              {"AT+HTTPREAD=0,100\r", "\r\nOK\r\n\r\n+HTTPREAD: DATA,23\r\nWikipedia in\r\n\r\nchunks.\r\n+HTTPREAD: 0\r\n"});
}

Test(http, a_body_to_the_close_ends_with_it)
{
    init_url("http://example.com/");
    action_connected(0);
    cr_assert_str_eq(answer("HTTP/1.0 200 OK\r\n\r\nall of it"), "");
    cr_assert_str_eq(post(SIM_NET_CLOSED, SIM_NET_PEER_CLOSED, NULL, 0), "\r\n+HTTPACTION: 0,200,0\r\n",
                     "the close ends it: no error");
    EXCHANGES({"AT+HTTPREAD?\r", "\r\n+HTTPREAD: LEN,9\r\n\r\nOK\r\n"});
}

Test(http, post_sends_what_httpdata_took)
{
    init_url("http://example.com:8080/readings");
    EXCHANGES({"AT+HTTPPARA=\"CONTENT\",\"application/json\"\r", "\r\nOK\r\n"},
              {"AT+HTTPPARA=\"USERDATA\",\"Authorization: Bearer t\\r\\nX-Id: 7\"\r", "\r\nOK\r\n"},
              {"AT+HTTPDATA=?\r", "\r\nOK\r\n"}, {"AT+HTTPDATA=0,10\r", "\r\nERROR\r\n"},
              {"AT+HTTPDATA=153601,10\r", "\r\nERROR\r\n"}, {"AT+HTTPDATA=5,9\r", "\r\nERROR\r\n"},
              {"AT+HTTPDATA=11,10\r", "\r\nDOWNLOAD\r\n"}, {"{\"t\":21.5}\r\n", "\r\nOK\r\n"});
    cr_assert_str_eq(io("AT+HTTPACTION=1\r"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "open 12 example.com:8080\n");
    post(SIM_NET_OPENED, SIM_NET_OK, NULL, 0);
    cr_assert_str_eq(sent(), "POST /readings HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\n"
                             "Content-Type: application/json\r\nContent-Length: 11\r\n"
                             "Authorization: Bearer t\r\nX-Id: 7\r\n\r\n{\"t\":21.5}\r");
    cr_assert_str_eq(answer("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"), "\r\n+HTTPACTION: 1,201,0\r\n");
}

Test(http, httpdata_times_out_after_its_time)
{
    init_url("http://example.com/");
    cr_assert_str_eq(io("AT+HTTPDATA=5,10\r"), "\r\nDOWNLOAD\r\n");
    cr_assert_str_eq(io("ab"), "");
    cr_assert_str_eq(advance(9 * S_MS), "", "the time bounds the whole input");
    cr_assert_str_eq(advance(1 * S_MS), "\r\nERROR\r\n");
}

Test(http, head_has_no_body_whatever_the_headers_say)
{
    init_url("http://example.com/file");
    action_connected(2);
    cr_assert_eq(strncmp(sent(), "HEAD /file HTTP/1.1\r\n", 21), 0);
    cr_assert_str_eq(answer("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"), "\r\n+HTTPACTION: 2,200,0\r\n");
    cr_assert_str_eq(calls(), sent_and_closed());
}

Test(http, delete_and_put_name_their_method)
{
    init_url("http://example.com/x");
    action_connected(3);
    cr_assert_eq(strncmp(sent(), "DELETE /x HTTP/1.1\r\n", 20), 0);
    answer("HTTP/1.1 204 No Content\r\n\r\n");
    sb_reset(&net.sent);
    action_connected(4);
    cr_assert_eq(strncmp(sent(), "PUT /x HTTP/1.1\r\n", 17), 0);
    cr_assert_not_null(strstr(sent(), "Content-Length: 0\r\n"));
}

Test(http, a_redirect_is_told_not_followed)
{
    init_url("http://example.com/old");
    action_connected(0);
    cr_assert_str_eq(answer("HTTP/1.1 302 Found\r\nLocation: http://example.com/new\r\nContent-Length: 0\r\n\r\n"),
                     "\r\n+HTTPACTION: 0,302,0\r\n");
    cr_assert_str_eq(calls(), sent_and_closed(), "no second request");
    const char *head = io("AT+HTTPHEAD\r");
    cr_assert_not_null(strstr(head, "Location: http://example.com/new\r\n"), "%s", head);
}

Test(http, term_and_init_again_forget_the_response)
{
    init_url("http://example.com/");
    action_connected(0);
    answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    EXCHANGES({"AT+HTTPTERM\r", "\r\nOK\r\n"}, {"AT+HTTPINIT\r", "\r\nOK\r\n"},
              {"AT+HTTPREAD?\r", "\r\n+HTTPREAD: LEN,0\r\n\r\nOK\r\n"}, {"AT+HTTPREAD=0,2\r", "\r\nERROR\r\n"},
              {"AT+HTTPACTION=0\r", "\r\nERROR\r\n"});
}

/* ---- the module's own failures ---------------------------------------------------------------- */

Test(http, failures_of_the_connection_give_7xx_codes)
{
    static const struct { enum sim_net_error why; const char *urc; } cases[] = {
        {SIM_NET_DNS_FAILED, "\r\n+HTTPACTION: 0,713,0\r\n"}, {SIM_NET_REFUSED, "\r\n+HTTPACTION: 0,714,0\r\n"},
        {SIM_NET_UNREACHABLE, "\r\n+HTTPACTION: 0,714,0\r\n"}, {SIM_NET_TIMEOUT, "\r\n+HTTPACTION: 0,714,0\r\n"},
        {SIM_NET_TLS_HANDSHAKE, "\r\n+HTTPACTION: 0,715,0\r\n"}, {SIM_NET_TLS_CERT, "\r\n+HTTPACTION: 0,715,0\r\n"},
        {SIM_NET_TLS_NO_CERT, "\r\n+HTTPACTION: 0,719,0\r\n"},
    };
    init_url("http://example.com/");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_str_eq(io("AT+HTTPACTION=0\r"), "\r\nOK\r\n");
        cr_assert_str_eq(post(SIM_NET_OPENED, cases[i].why, NULL, 0), cases[i].urc, "case %zu", i);
    }
}

Test(http, control_faults_answer_before_the_network_is_asked)
{
    init_url("http://cloud.example.com:8080/");
    cr_assert_str_eq(ctl("dns-fail cloud.example.com"), "OK cloud.example.com does not resolve");
    cr_assert_str_eq(io("AT+HTTPACTION=0\r"), "\r\nOK\r\n\r\n+HTTPACTION: 0,713,0\r\n");
    /* a failed action leaves nothing to read (Maduino Zero #2's SIM7600A, findings §31) */
    EXCHANGES({"AT+HTTPREAD?\r", "\r\n+HTTPREAD: LEN,0\r\n\r\nOK\r\n"});
    ctl("dns-ok all");
    cr_assert_str_eq(ctl("refuse cloud.example.com:8080"), "OK cloud.example.com:8080 refuses connections");
    cr_assert_str_eq(io("AT+HTTPACTION=1\r"), "\r\nOK\r\n\r\n+HTTPACTION: 1,714,0\r\n");
    cr_assert_str_eq(calls(), "");
}

Test(http, connectto_bounds_the_connect)
{
    init_url("http://example.com/");
    EXCHANGES({"AT+HTTPPARA=\"CONNECTTO\",20\r", "\r\nOK\r\n"}, {"AT+HTTPACTION=0\r", "\r\nOK\r\n"});
    cr_assert_eq(net.open_timeout_ms, 20 * S_MS);
    cr_assert_str_eq(advance(20 * S_MS - 10), "");
    cr_assert_str_eq(advance(20), "\r\n+HTTPACTION: 0,714,0\r\n");
    cr_assert_str_eq(calls(), "open 12 example.com:80\nclose 12\n");
}

Test(http, recvto_bounds_the_wait_for_the_answer)
{
    init_url("http://example.com/");
    EXCHANGES({"AT+HTTPPARA=\"RECVTO\",2\r", "\r\nOK\r\n"});
    action_connected(0);
    cr_assert_str_eq(advance(2 * S_MS - 10), "");
    cr_assert_str_eq(advance(20), "\r\n+HTTPACTION: 0,705,0\r\n");
}

Test(http, the_peer_closing_before_the_answer_is_704_and_after_it_peer_closed)
{
    init_url("http://example.com/");
    action_connected(0);
    cr_assert_str_eq(post(SIM_NET_CLOSED, SIM_NET_PEER_CLOSED, NULL, 0), "\r\n+HTTPACTION: 0,704,0\r\n");
    action_connected(0);
    cr_assert_str_eq(answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf"), "");
    cr_assert_str_eq(post(SIM_NET_CLOSED, SIM_NET_PEER_CLOSED, NULL, 0),
                     "\r\n+HTTPACTION: 0,200,10\r\n\r\n+HTTP_PEER_CLOSED\r\n");
    EXCHANGES({"AT+HTTPREAD?\r", "\r\n+HTTPREAD: LEN,4\r\n\r\nOK\r\n"});
}

Test(http, control_close_and_stall_act_on_the_http_connection)
{
    init_url("http://example.com/");
    cr_assert_str_eq(ctl("close http"),
                     "ERR no HTTP connection is open (AT+HTTPACTION opens one; it closes once the response is in)");
    action_connected(0);
    cr_assert_str_eq(ctl("close http"), "OK the HTTP connection closed by the peer");
    cr_assert_str_eq(advance(1), "\r\n+HTTPACTION: 0,704,0\r\n");
    cr_assert_str_eq(io("AT+HTTPACTION=0\r"), "\r\nOK\r\n");
    cr_assert_str_eq(ctl("stall http"), "OK the HTTP connection stalled");
    sb_reset(&net.sent);
    post(SIM_NET_OPENED, SIM_NET_OK, NULL, 0);
    cr_assert_str_eq(sent(), "", "a stalled connection sends nothing");
    cr_assert_eq(net.room, 0);
    cr_assert_str_eq(ctl("unstall http"), "OK unstalled");
    cr_assert_eq(strncmp(sent(), "GET / HTTP/1.1\r\n", 16), 0);
    cr_assert_gt(net.room, 0);
}

Test(http, the_network_dropping_is_nonet)
{
    init_url("http://example.com/");
    action_connected(0);
    cr_assert_str_eq(ctl("reg 0"), "OK registration 0");
    const char *out = advance(1);
    cr_assert_not_null(strstr(out, "\r\n+HTTP_NONET_EVENT\r\n\r\n+HTTPACTION: 0,717,0\r\n"), "%s", out);
    cr_assert_str_eq(io("AT+HTTPACTION=0\r"), "\r\nOK\r\n\r\n+HTTPACTION: 0,717,0\r\n");
}

Test(http, an_answer_that_is_not_http_is_600)
{
    init_url("http://example.com/");
    action_connected(0);
    cr_assert_str_eq(answer("SSH-2.0-OpenSSH_9.6\r\n"), "\r\n+HTTPACTION: 0,600,0\r\n");
}

Test(http, https_resolves_the_ssl_context)
{
    init_url("https://example.com/secure");
    cr_assert_str_eq(io("AT+HTTPACTION=0\r"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "open 12 example.com:443 tls\n", "context 0 by default, no CA needed at authmode 0");
    post(SIM_NET_OPENED, SIM_NET_OK, NULL, 0);
    answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    EXCHANGES({"AT+CSSLCFG=\"authmode\",3,1\r", "\r\nOK\r\n"}, {"AT+HTTPPARA=\"SSLCFG\",3\r", "\r\nOK\r\n"},
              {"AT+HTTPACTION=0\r", "\r\nOK\r\n\r\n+HTTPACTION: 0,719,0\r\n"});
}

Test(http, a_reboot_ends_the_service)
{
    init_url("http://example.com/");
    action_connected(0);
    cr_assert_str_eq(ctl("reboot"), "OK rebooting");
    cr_assert_str_eq(calls(), sent_and_closed());
    advance(BOOT_MS);
    io("ATE0\r");
    EXCHANGES({"AT+HTTPTERM\r", "\r\nERROR\r\n"}, {"AT+HTTPINIT\r", "\r\nOK\r\n"},
              {"AT+HTTPACTION=0\r", "\r\nERROR\r\n"});
}

Test(http, a_response_that_arrives_a_byte_at_a_time)
{
    static const char resp[] = "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\nX-A: 1\r\n\r\n"
                               "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n";
    init_url("http://example.com/");
    action_connected(0);
    struct strbuf said = {0};
    for (size_t i = 0; i < sizeof resp - 1; i++)
        sb_puts(&said, post(SIM_NET_RECEIVED, SIM_NET_OK, resp + i, 1));
    cr_assert_str_eq(sb_str(&said), "\r\n+HTTPACTION: 0,200,0\r\n", "told once, when the head is in");
    sb_free(&said);
    cr_assert_str_eq(calls(), sent_and_closed(), "the last chunk and the trailer end it");
    EXCHANGES({"AT+HTTPREAD=0,10\r", "\r\nOK\r\n\r\n+HTTPREAD: DATA,5\r\nabcde\r\n+HTTPREAD: 0\r\n"});
}

/* A read bigger than the UART holds goes out as the UART drains: every byte
 * arrives, in order, in pieces of 1024, and +HTTPREAD: 0 ends it. */
Test(http, a_read_bigger_than_the_uart_goes_out_as_it_drains)
{
    enum { BIG = 300 * 1024 };
    static char body[BIG], head[64];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (char)('a' + i % 26);
    init_url("http://example.com/big");
    action_connected(0);
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", BIG);
    answer(head);
    cr_assert_str_eq(post(SIM_NET_RECEIVED, SIM_NET_OK, body, sizeof body), "\r\n+HTTPACTION: 0,200,307200\r\n");
    const char *out = io("AT+HTTPREAD=0,307200\r");
    cr_assert_eq(strncmp(out, "\r\nOK\r\n\r\n", 8), 0);
    out += 6;
    size_t got = 0;
    for (bool first = true; got < BIG; first = false) {
        char header[40];
        snprintf(header, sizeof header, "%s+HTTPREAD: DATA,%d\r\n", first ? "\r\n" : "",
                 BIG - (int)got < READ_CHUNK ? BIG - (int)got : READ_CHUNK);
        cr_assert_eq(strncmp(out, header, strlen(header)), 0, "piece at %zu: %.30s", got, out);
        out += strlen(header);
        size_t n = BIG - got < READ_CHUNK ? BIG - got : READ_CHUNK;
        cr_assert_eq(memcmp(out, body + got, n), 0, "the bytes at %zu", got);
        out += n;
        got += n;
    }
    cr_assert_str_eq(out, "\r\n+HTTPREAD: 0\r\n");
}
