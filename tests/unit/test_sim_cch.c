/* The SSL sockets (AT+CCH*, issue 17) against a scripted network: the test
 * plays the network on the sessions' links (10 + session), records what the
 * core asks of it and posts its answers through sim_net_event. */
#include "scripted_net.h"

#define LINK0 10                     /* session 0's link: after the socket family's 0-9 */
#define LINK1 11
#define SESSION_CACHE 8192           /* a session's receive cache (findings §29) */

static void started(void)
{
    cr_assert_str_eq(io("AT+CCHSTART\r"), "\r\nOK\r\n\r\n+CCHSTART: 0\r\n");
}

/* Service started and session 0 connected over TLS to example.com:443. */
static void session0(void)
{
    started();
    cr_assert_str_eq(io("AT+CCHOPEN=0,\"example.com\",443,2\r"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "open 10 tcp example.com:443 local 0 tls auth 0 sni -\n");
    cr_assert_str_eq(post(SIM_NET_OPENED, LINK0, SIM_NET_OK, NULL, 0), "\r\n+CCHOPEN: 0,0\r\n");
}

TestSuite(cch, .init = setup, .fini = teardown);

/* ---- the service ------------------------------------------------------------------------- */

Test(cch, start_and_stop_answer_ok_then_their_result_and_refuse_what_does_not_fit)
{
    EXCHANGES({"AT+CCHSTOP\r", "\r\nERROR\r\n"},
              {"AT+CCHSTART\r", "\r\nOK\r\n\r\n+CCHSTART: 0\r\n"},
              {"AT+CCHSTART\r", "\r\nERROR\r\n"},
              {"AT+CCHSTOP\r", "\r\n+CCHSTOP: 0\r\n\r\nOK\r\n"},
              {"AT+CCHSTOP\r", "\r\nERROR\r\n"},
              {"AT+CCHSTART=1\r", "\r\nERROR\r\n"},
              {"AT+CCHSTART=?\r", "\r\nOK\r\n"});
}

Test(cch, start_without_the_bearer_fails_with_nonet)
{
    ctl("reg 0");
    advance(1);
    cr_assert_str_eq(io("AT+CCHSTART\r"), "\r\nOK\r\n\r\n+CCHSTART: 17\r\n");
    cr_assert_str_eq(io("AT+CCHOPEN=0,\"example.com\",443\r"), "\r\nERROR\r\n", "the service did not start");
}

Test(cch, settings_show_their_ranges_and_values)
{
    EXCHANGES({"AT+CCHSET=?\r", "\r\n+CCHSET: (0,1),(0,1)\r\n\r\nOK\r\n"},
              {"AT+CCHSET?\r", "\r\n+CCHSET: 0,0\r\n\r\nOK\r\n"},
              {"AT+CCHSET=1\r", "\r\nOK\r\n"},
              {"AT+CCHSET?\r", "\r\n+CCHSET: 1,0\r\n\r\nOK\r\n"},
              {"AT+CCHSET=0,1\r", "\r\nOK\r\n"},
              {"AT+CCHSET?\r", "\r\n+CCHSET: 0,1\r\n\r\nOK\r\n"},
              {"AT+CCHSET=2,0\r", "\r\nERROR\r\n"},
              {"AT+CCHMODE=?\r", "\r\n+CCHMODE: (0,1)\r\n\r\nOK\r\n"},
              {"AT+CCHMODE?\r", "\r\n+CCHMODE: 0\r\n\r\nOK\r\n"},
              {"AT+CCHMODE=1\r", "\r\nOK\r\n"},
              {"AT+CCHMODE?\r", "\r\n+CCHMODE: 1\r\n\r\nOK\r\n"},
              {"AT+CCHMODE=0\r", "\r\nOK\r\n"},
              {"AT+CCHSSLCFG=?\r", "\r\n+CCHSSLCFG: (0-1),(0-9)\r\n\r\nOK\r\n"},
              {"AT+CCHSSLCFG=1,9\r", "\r\nOK\r\n"},
              {"AT+CCHSSLCFG=2,0\r", "\r\nERROR\r\n"},
              {"AT+CCHSSLCFG=0,10\r", "\r\nERROR\r\n"},
              {"AT+CCHOPEN=?\r", "\r\n+CCHOPEN: (0-1),\"ADDRESS\",(1-65535)[,(1-2)[,(1-65535)]]\r\n\r\nOK\r\n"},
              {"AT+CCHSEND=?\r", "\r\n+CCHSEND: (0-1),(1-2048)\r\n\r\nOK\r\n"},
              {"AT+CCHRECV=?\r", "\r\n+CCHRECV: (0-1),(0-2048)\r\n\r\nOK\r\n"},
              {"AT+CCHCLOSE=?\r", "\r\n+CCHCLOSE: (0-1)\r\n\r\nOK\r\n"});
}

Test(cch, the_mode_is_set_only_while_the_service_is_stopped)
{
    started();
    cr_assert_str_eq(io("AT+CCHMODE=1\r"), "\r\nERROR\r\n", "the service runs");
    io("AT+CCHSTOP\r");
    cr_assert_str_eq(io("AT+CCHMODE=1\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CCHMODE?\r"), "\r\n+CCHMODE: 1\r\n\r\nOK\r\n");
}

/* ---- opening -------------------------------------------------------------------------------- */

Test(cch, open_asks_the_network_for_tls_on_the_session_link_and_reports_the_result)
{
    session0();
    EXCHANGES({"AT+CCHOPEN?\r", "\r\n+CCHOPEN: 0,\"example.com\",443,2\r\n+CCHOPEN: 1\r\n\r\nOK\r\n"},
              {"AT+CCHOPEN=0,\"example.com\",443\r", "\r\nERROR\r\n"});
    cr_assert_eq(net.room[LINK0], SESSION_CACHE, "the network may read a cache's worth");
    cr_assert_str_eq(io("AT+CCHOPEN=1,\"10.0.0.2\",8080,1,5000\r"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "open 11 tcp 10.0.0.2:8080 local 5000\n", "client type 1 is plain TCP");
}

Test(cch, open_forms_that_do_not_fit_answer_error)
{
    cr_assert_str_eq(io("AT+CCHOPEN=0,\"example.com\",443\r"), "\r\nERROR\r\n", "not started");
    started();
    EXCHANGES({"AT+CCHOPEN=2,\"example.com\",443\r", "\r\nERROR\r\n"},
              {"AT+CCHOPEN=0,\"\",443\r", "\r\nERROR\r\n"},
              {"AT+CCHOPEN=0,\"example.com\",0\r", "\r\nERROR\r\n"},
              {"AT+CCHOPEN=0,\"example.com\",443,3\r", "\r\nERROR\r\n"},
              {"AT+CCHOPEN=0,example,443\r", "\r\nERROR\r\n"},
              {"AT+CCHOPEN\r", "\r\nERROR\r\n"});
    cr_assert_str_eq(calls(), "");
}

struct open_failure {
    enum sim_net_error code;
    const char *urc;
};

Test(cch, what_ends_an_open_is_told_with_the_manual_code)
{
    static const struct open_failure cases[] = {
        {SIM_NET_DNS_FAILED, "\r\n+CCHOPEN: 0,13\r\n"},      /* Get DNS error */
        {SIM_NET_REFUSED, "\r\n+CCHOPEN: 0,14\r\n"},         /* Connect socket error */
        {SIM_NET_TIMEOUT, "\r\n+CCHOPEN: 0,5\r\n"},          /* Operation timeout */
        {SIM_NET_TLS_HANDSHAKE, "\r\n+CCHOPEN: 0,15\r\n"},   /* Handshake error */
        {SIM_NET_TLS_CERT, "\r\n+CCHOPEN: 0,15\r\n"},
        {SIM_NET_TLS_NO_CERT, "\r\n+CCHOPEN: 0,19\r\n"},     /* Not set certificates */
        {SIM_NET_PEER_CLOSED, "\r\n+CCHOPEN: 0,15\r\n"},     /* the server hung up mid-handshake */
    };
    started();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_str_eq(io("AT+CCHOPEN=0,\"example.com\",443\r"), "\r\nOK\r\n", "case %zu", i);
        cr_assert_str_eq(post(SIM_NET_OPENED, LINK0, cases[i].code, NULL, 0), cases[i].urc, "case %zu", i);
    }
}

Test(cch, a_context_without_its_ca_fails_with_not_set_certificates_before_the_network)
{
    started();
    EXCHANGES({"AT+CSSLCFG=\"authmode\",3,1\r", "\r\nOK\r\n"},
              {"AT+CCHSSLCFG=0,3\r", "\r\nOK\r\n"},
              {"AT+CCHOPEN=0,\"example.com\",443\r", "\r\nOK\r\n\r\n+CCHOPEN: 0,19\r\n"});
    cr_assert_str_eq(calls(), "", "the network was never asked");
    cr_assert_str_eq(io("AT+CCHOPEN=1,\"example.com\",443\r"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "open 11 tcp example.com:443 local 0 tls auth 0 sni -\n", "session 1 uses context 0");
}

Test(cch, the_socket_familys_faults_answer_for_the_network)
{
    started();
    ctl("dns-fail nowhere.example");
    ctl("refuse example.com:443");
    EXCHANGES({"AT+CCHOPEN=0,\"nowhere.example\",443\r", "\r\nOK\r\n\r\n+CCHOPEN: 0,13\r\n"},
              {"AT+CCHOPEN=0,\"example.com\",443\r", "\r\nOK\r\n\r\n+CCHOPEN: 0,14\r\n"});
    cr_assert_str_eq(calls(), "");
}

/* ---- sending ---------------------------------------------------------------------------------- */

Test(cch, send_takes_exactly_its_bytes_and_reports_the_result_when_asked)
{
    session0();
    cr_assert_str_eq(io("AT+CCHSEND=0,5\r"), "\r\n>");
    cr_assert_str_eq(io("hello"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "send 10 5\n");
    cr_assert_eq(memcmp(net.sent, "hello", 5), 0);
    cr_assert_str_eq(post(SIM_NET_SENT, LINK0, SIM_NET_OK, NULL, 5), "", "CCHSET's report is off");
    io("AT+CCHSET=1\r");
    io("AT+CCHSEND=0,3\r");
    cr_assert_str_eq(io("a\x1a" "b"), "\r\nOK\r\n", "Ctrl-Z is data: the length ends it");
    cr_assert_str_eq(post(SIM_NET_SENT, LINK0, SIM_NET_OK, NULL, 3), "\r\n+CCHSEND: 0,0\r\n");
    io("AT+CCHSEND=0,4\r");
    io("abcd");
    cr_assert_str_eq(post(SIM_NET_SENT, LINK0, SIM_NET_OK, NULL, 2), "\r\n+CCHSEND: 0,6\r\n",
                     "part of it went: transfer failed");
}

Test(cch, send_on_a_session_that_is_not_open_or_too_long_answers_error)
{
    started();
    EXCHANGES({"AT+CCHSEND=0,5\r", "\r\nERROR\r\n"},
              {"AT+CCHSEND=0,2049\r", "\r\nERROR\r\n"},
              {"AT+CCHSEND=0\r", "\r\nERROR\r\n"});
}

Test(cch, a_stalled_session_holds_its_send_until_unstalled)
{
    session0();
    cr_assert_str_eq(ctl("stall ssl:0"), "OK SSL session 0 stalled");
    cr_assert_eq(net.room[LINK0], 0, "a stalled session takes nothing");
    io("AT+CCHSEND=0,2\r");
    cr_assert_str_eq(io("hi"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "", "held back");
    ctl("unstall ssl:0");
    cr_assert_str_eq(calls(), "send 10 2\n");
    cr_assert_eq(net.room[LINK0], SESSION_CACHE);
}

/* ---- receiving ----------------------------------------------------------------------------- */

Test(cch, automatic_receive_pushes_data_after_its_header)
{
    session0();
    cr_assert_str_eq(post(SIM_NET_RECEIVED, LINK0, SIM_NET_OK, "world", 5), "\r\n+CCHRECV: DATA,0,5\r\nworld");
    cr_assert_str_eq(io("AT+CCHRECV=0\r"), "\r\nERROR\r\n", "nothing is cached in this mode");
}

Test(cch, manual_receive_caches_tells_once_and_reads_in_pieces)
{
    io("AT+CCHSET=0,1\r");
    session0();
    cr_assert_str_eq(post(SIM_NET_RECEIVED, LINK0, SIM_NET_OK, "0123456789", 10), "\r\n+CCHEVENT: 0,RECV EVENT\r\n");
    cr_assert_eq(net.room[LINK0], SESSION_CACHE - 10);
    cr_assert_str_eq(post(SIM_NET_RECEIVED, LINK0, SIM_NET_OK, "ab", 2), "", "told once until read");
    EXCHANGES({"AT+CCHRECV?\r", "\r\n+CCHRECV: LEN,12,0\r\n\r\nOK\r\n"},
              {"AT+CCHRECV=0,4\r", "\r\n+CCHRECV: DATA,0,4\r\n0123\r\n+CCHRECV: 0,0\r\n\r\nOK\r\n"},
              {"AT+CCHRECV=0\r", "\r\n+CCHRECV: DATA,0,8\r\n456789ab\r\n+CCHRECV: 0,0\r\n\r\nOK\r\n"},
              {"AT+CCHRECV=0\r", "\r\n+CCHRECV: 0,0\r\n\r\nOK\r\n"},
              {"AT+CCHRECV=0,2049\r", "\r\nERROR\r\n"});
    cr_assert_eq(net.room[LINK0], SESSION_CACHE);
    cr_assert_str_eq(post(SIM_NET_RECEIVED, LINK0, SIM_NET_OK, "x", 1), "\r\n+CCHEVENT: 0,RECV EVENT\r\n");
}

Test(cch, cached_data_stays_readable_after_the_peer_closed)
{
    io("AT+CCHSET=0,1\r");
    session0();
    post(SIM_NET_RECEIVED, LINK0, SIM_NET_OK, "bye", 3);
    cr_assert_str_eq(post(SIM_NET_CLOSED, LINK0, SIM_NET_PEER_CLOSED, NULL, 0), "\r\n+CCH_PEER_CLOSED: 0\r\n");
    cr_assert_str_eq(io("AT+CCHRECV=0\r"), "\r\n+CCHRECV: DATA,0,3\r\nbye\r\n+CCHRECV: 0,0\r\n\r\nOK\r\n");
}

/* ---- ending ----------------------------------------------------------------------------------- */

Test(cch, close_lets_the_connection_go_then_says_so)
{
    session0();
    cr_assert_str_eq(io("AT+CCHCLOSE=0\r"), "\r\nOK\r\n\r\n+CCHCLOSE: 0,0\r\n");
    cr_assert_str_eq(calls(), "close 10\n");
    EXCHANGES({"AT+CCHCLOSE=0\r", "\r\nERROR\r\n"},
              {"AT+CCHOPEN?\r", "\r\n+CCHOPEN: 0\r\n+CCHOPEN: 1\r\n\r\nOK\r\n"});
    cr_assert_str_eq(post(SIM_NET_RECEIVED, LINK0, SIM_NET_OK, "late", 4), "", "a closed session hears nothing");
}

Test(cch, the_peer_or_the_network_ending_a_session_is_told)
{
    session0();
    cr_assert_str_eq(post(SIM_NET_CLOSED, LINK0, SIM_NET_RESET, NULL, 0), "\r\n+CCH_PEER_CLOSED: 0\r\n");
    cr_assert_str_eq(io("AT+CCHOPEN=0,\"example.com\",443\r"), "\r\nOK\r\n", "the session is free again");
    post(SIM_NET_OPENED, LINK0, SIM_NET_OK, NULL, 0);
    cr_assert_str_eq(post(SIM_NET_CLOSED, LINK0, SIM_NET_TIMEOUT, NULL, 0), "\r\n+CCH_RECV_CLOSED: 0,5\r\n");
}

Test(cch, control_close_is_the_peer_closing)
{
    cr_assert_str_eq(ctl("close ssl:0"),
                     "ERR SSL session 0 is not open (AT+CCHOPEN it first; AT+CCHOPEN? lists the open ones)");
    session0();
    calls();
    cr_assert_str_eq(ctl("close ssl:0"), "OK SSL session 0 closed by the peer");
    cr_assert_str_eq(advance(1), "\r\n+CCH_PEER_CLOSED: 0\r\n");
    cr_assert_str_eq(calls(), "close 10\n");
}

Test(cch, losing_the_network_ends_open_sessions)
{
    session0();
    calls();
    ctl("reg 0");
    const char *out = advance(1);
    cr_assert(strstr(out, "+CCH_RECV_CLOSED: 0,9\r\n"), "got %s", out);
    cr_assert_str_eq(calls(), "close 10\n");
}

Test(cch, stop_and_reboot_drop_the_sessions_silently)
{
    session0();
    calls();
    cr_assert_str_eq(io("AT+CCHSTOP\r"), "\r\n+CCHSTOP: 0\r\n\r\nOK\r\n");
    cr_assert_str_eq(calls(), "close 10\n");
    session0();
    calls();
    ctl("reboot");
    cr_assert_str_eq(calls(), "close 10\n");
    advance(BOOT_MS);
    io("ATE0\r");
    cr_assert_str_eq(io("AT+CCHOPEN=0,\"example.com\",443\r"), "\r\nERROR\r\n", "the service stopped with the power");
}

Test(cch, state_shows_the_service_and_sessions)
{
    session0();
    const char *st = ctl("state");
    cr_assert(strstr(st, "\"ssl_sockets\":{\"service\":\"started\",\"recv_mode\":0,\"report_send\":false,"
                         "\"mode\":0,\"transparent\":\"off\",\"transparent_lost\":0,\"sessions\":[{\"session\":0,\"state\":\"open\",\"tls\":true,\"ctx\":0,"
                         "\"host\":\"example.com\",\"port\":443"),
              "got %s", st);
}

Test(cch, the_context_gives_the_open_its_sni_and_authmode)
{
    started();
    EXCHANGES({"AT+CSSLCFG=\"enableSNI\",2,1\r", "\r\nOK\r\n"},
              {"AT+CCHSSLCFG=1,2\r", "\r\nOK\r\n"},
              {"AT+CCHOPEN=1,\"broker.example.com\",8883\r", "\r\nOK\r\n"});
    cr_assert_str_eq(calls(), "open 11 tcp broker.example.com:8883 local 0 tls auth 0 sni broker.example.com\n");
    cr_assert_str_eq(io("AT+CCHSSLCFG=1,0\r"), "\r\nERROR\r\n", "not while the session is in use");
}

Test(cch, two_sessions_run_side_by_side_each_on_its_own_link)
{
    session0();
    cr_assert_str_eq(io("AT+CCHOPEN=1,\"other.example\",8443\r"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "open 11 tcp other.example:8443 local 0 tls auth 0 sni -\n");
    cr_assert_str_eq(post(SIM_NET_OPENED, LINK1, SIM_NET_OK, NULL, 0), "\r\n+CCHOPEN: 1,0\r\n");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, LINK1, SIM_NET_OK, "one", 3), "\r\n+CCHRECV: DATA,1,3\r\none");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, LINK0, SIM_NET_OK, "zero", 4), "\r\n+CCHRECV: DATA,0,4\r\nzero");
    io("AT+CCHSEND=1,2\r");
    io("hi");
    cr_assert_str_eq(calls(), "send 11 2\n");
    cr_assert_str_eq(post(SIM_NET_CLOSED, LINK1, SIM_NET_PEER_CLOSED, NULL, 0), "\r\n+CCH_PEER_CLOSED: 1\r\n");
    cr_assert_str_eq(io("AT+CCHOPEN?\r"), "\r\n+CCHOPEN: 0,\"example.com\",443,2\r\n+CCHOPEN: 1\r\n\r\nOK\r\n",
                     "session 0 is untouched");
}

/* ---- transparent mode (AT+CCHMODE=1, findings §29) ------------------------------------------ */

#define GUARD_MS 100                 /* the "+++" guard time of the fast profile */

/* AT+CCHMODE=1, the service started, session 0 opening: no OK, CONNECT is the result. */
static void transparent_opening(void)
{
    cr_assert_str_eq(io("AT+CCHMODE=1\r"), "\r\nOK\r\n");
    started();
    cr_assert_str_eq(io("AT+CCHOPEN=0,\"example.com\",443,2\r"), "", "no OK before CONNECT");
    cr_assert_str_eq(calls(), "open 10 tcp example.com:443 local 0 tls auth 0 sni -\n", "TLS as in normal mode");
}

static void transparent_session0(void)
{
    transparent_opening();
    cr_assert_str_eq(post(SIM_NET_OPENED, LINK0, SIM_NET_OK, NULL, 0), "\r\nCONNECT 115200\r\n");
}

/* "+++" framed by guard times: OK, the session stays open. */
static void escape(void)
{
    advance(2 * GUARD_MS);
    cr_assert_str_eq(io("+++"), "");
    cr_assert_str_eq(advance(2 * GUARD_MS), "\r\nOK\r\n");
}

Test(cch, a_transparent_session_moves_bytes_both_ways_raw)
{
    cr_assert_str_eq(io("AT+CCHSET=1,1\r"), "\r\nOK\r\n", "ignored in transparent mode");
    transparent_session0();
    cr_assert_not_null(strstr(ctl("state"), "\"input\":\"transparent\""));
    cr_assert_str_eq(io("GET / HTTP/1.1\r\n"), "", "no echo, no command: data");
    cr_assert_str_eq(calls(), "send 10 16\n");
    cr_assert_eq(memcmp(net.sent, "GET / HTTP/1.1\r\n", 16), 0);
    cr_assert_str_eq(post(SIM_NET_RECEIVED, LINK0, SIM_NET_OK, "HTTP/1.1 200", 12), "HTTP/1.1 200",
                     "no +CCHRECV, no +CCHEVENT: raw");
    cr_assert_str_eq(post(SIM_NET_SENT, LINK0, SIM_NET_OK, NULL, 16), "", "no +CCHSEND report");
    const char *st = ctl("state");
    cr_assert_not_null(strstr(st, "\"mode\":1,\"transparent\":\"data\",\"transparent_lost\":0"), "got %s", st);
    cr_assert_not_null(strstr(st, "\"sent\":16,\"received\":12"), "got %s", st);
    cr_assert_not_null(strstr(st, "\"sockets\":{\"network\":\"closed\",\"rx_mode\":0,\"transparent\":\"off\""),
                       "the socket family's view does not claim it: %s", st);
}

Test(cch, plus_plus_plus_escapes_and_ato_returns_with_what_came_meanwhile)
{
    transparent_session0();
    escape();
    EXCHANGES({"AT+CCHOPEN?\r", "\r\n+CCHOPEN: 0,\"example.com\",443,2\r\n+CCHOPEN: 1\r\n\r\nOK\r\n"},
              {"AT+CCHSEND=0,1\r", "\r\nERROR\r\n"});
    cr_assert_str_eq(calls(), "", "the escape is not data");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, LINK0, SIM_NET_OK, "later", 5), "", "kept for ATO");
    cr_assert_str_eq(io("ATO\r"), "\r\nCONNECT 115200\r\nlater");
    cr_assert_str_eq(io("more"), "");
    cr_assert_str_eq(calls(), "send 10 4\n");
}

Test(cch, closing_an_escaped_session_says_ok_then_closed)
{
    transparent_session0();
    escape();
    cr_assert_str_eq(io("AT+CCHCLOSE=0\r"), "\r\nOK\r\n\r\nCLOSED\r\n");
    cr_assert_str_eq(calls(), "close 10\n");
    EXCHANGES({"ATO\r", "\r\nNO CARRIER\r\n"}, {"AT+CCHOPEN?\r", "\r\n+CCHOPEN: 0\r\n+CCHOPEN: 1\r\n\r\nOK\r\n"});
    cr_assert_str_eq(io("AT+CCHOPEN=0,\"example.com\",443,2\r"), "", "the session opens again");
    cr_assert_str_eq(post(SIM_NET_OPENED, LINK0, SIM_NET_OK, NULL, 0), "\r\nCONNECT 115200\r\n");
}

Test(cch, the_server_closing_a_transparent_session_says_closed_in_command_mode)
{
    transparent_session0();
    cr_assert_str_eq(post(SIM_NET_CLOSED, LINK0, SIM_NET_PEER_CLOSED, NULL, 0), "\r\nCLOSED\r\n");
    cr_assert_not_null(strstr(ctl("state"), "\"input\":\"command\""));
    EXCHANGES({"AT\r", "\r\nOK\r\n"}, {"ATO\r", "\r\nNO CARRIER\r\n"});
}

Test(cch, losing_the_network_ends_a_transparent_session_with_closed)
{
    transparent_session0();
    ctl("reg 0");
    const char *out = advance(1);
    cr_assert_not_null(strstr(out, "\r\nCLOSED\r\n"), "got %s", out);
    cr_assert_str_eq(calls(), "close 10\n");
    EXCHANGES({"AT\r", "\r\nOK\r\n"});
}

Test(cch, a_transparent_open_that_fails_says_connect_fail)
{
    transparent_opening();
    cr_assert_str_eq(post(SIM_NET_OPENED, LINK0, SIM_NET_TLS_CERT, NULL, 0), "\r\nCONNECT FAIL\r\n");
    cr_assert_str_eq(ctl("refuse example.com:443"), "OK example.com:443 refuses connections");
    cr_assert_str_eq(io("AT+CCHOPEN=0,\"example.com\",443,2\r"), "\r\nCONNECT FAIL\r\n");
    EXCHANGES({"AT\r", "\r\nOK\r\n"});
}

Test(cch, transparent_mode_has_session_0_only_and_one_transparent_connection)
{
    transparent_session0();
    escape();
    cr_assert_str_eq(io("AT+CCHOPEN=1,\"example.com\",443,2\r"), "\r\nERROR\r\n");
    EXCHANGES({"AT+CIPMODE=1\r", "\r\nOK\r\n"});
    net_up();
    cr_assert_str_eq(io("AT+CIPOPEN=0,\"TCP\",\"example.com\",80\r"), "\r\n+CIPOPEN: 0,4\r\n\r\nERROR\r\n",
                     "the SSL session holds transparent mode");
    cr_assert_str_eq(calls(), "");
}

/* The probe of the review: a socket's transparent open, or a PPP call, while
 * the SSL open waits for its CONNECT took the UART over and left session 0's
 * bytes in the host's raw stream as +CCHRECV. */
Test(cch, a_pending_transparent_open_holds_the_mode_against_sockets_and_ppp)
{
    EXCHANGES({"AT+CIPMODE=1\r", "\r\nOK\r\n"});
    net_up();
    transparent_opening();
    const char *st = ctl("state");
    cr_assert_not_null(strstr(st, "\"mode\":1,\"transparent\":\"opening\""), "got %s", st);
    EXCHANGES({"AT+CIPOPEN=0,\"TCP\",\"example.com\",80\r", "\r\n+CIPOPEN: 0,4\r\n\r\nERROR\r\n"},
              {"ATD*99#\r", "\r\nERROR\r\n"});
    cr_assert_str_eq(calls(), "", "the network was not asked");
    cr_assert_str_eq(post(SIM_NET_OPENED, LINK0, SIM_NET_OK, NULL, 0), "\r\nCONNECT 115200\r\n");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, LINK0, SIM_NET_OK, "tls", 3), "tls", "the session's bytes, raw");
}

Test(cch, a_failed_or_closed_pending_open_frees_the_mode)
{
    transparent_opening();
    cr_assert_str_eq(post(SIM_NET_OPENED, LINK0, SIM_NET_REFUSED, NULL, 0), "\r\nCONNECT FAIL\r\n");
    cr_assert_str_eq(io("AT+CCHOPEN=0,\"example.com\",443,2\r"), "", "free again");
    cr_assert_str_eq(io("AT+CCHCLOSE=0\r"), "\r\nOK\r\n\r\n+CCHCLOSE: 0,0\r\n", "no CONNECT came: no CLOSED");
    const char *st = ctl("state");
    cr_assert_not_null(strstr(st, "\"mode\":1,\"transparent\":\"off\""), "got %s", st);
    EXCHANGES({"AT+CIPMODE=1\r", "\r\nOK\r\n"});
    net_up();
    calls();
    cr_assert_str_eq(io("AT+CIPOPEN=0,\"TCP\",\"example.com\",80\r"), "", "the socket family may take it");
    cr_assert_str_eq(calls(), "open 0 tcp example.com:80 local 0\n");
}

/* Escaped, the transparent session holds only its own link: the sockets of
 * AT+CIPMODE=0 are the host's to use in command mode. */
Test(cch, an_escaped_transparent_session_leaves_the_other_sockets_sending)
{
    transparent_session0();
    escape();
    net_up();
    cr_assert_str_eq(io("AT+CIPOPEN=1,\"TCP\",\"example.com\",80\r"), "\r\nOK\r\n");
    cr_assert_str_eq(post(SIM_NET_OPENED, 1, SIM_NET_OK, NULL, 0), "\r\n+CIPOPEN: 1,0\r\n");
    cr_assert_str_eq(io("AT+CIPSEND=1,2\r"), "\r\n>");
    cr_assert_str_eq(io("hi"), "\r\nOK\r\n");
}

/* What waits for ATO is the session's: shown as buffered, and what a network
 * that ignores the room gives beyond it counted as lost, not dropped unseen. */
Test(cch, bytes_waiting_for_ato_show_as_buffered_and_an_overflow_as_lost)
{
    static uint8_t flood[SESSION_CACHE];
    memset(flood, 'z', sizeof flood);
    transparent_session0();
    escape();
    cr_assert_str_eq(post(SIM_NET_RECEIVED, LINK0, SIM_NET_OK, "later", 5), "");
    cr_assert_eq(net.room[LINK0], SESSION_CACHE - 5);
    const char *st = ctl("state");
    cr_assert_not_null(strstr(st, "\"received\":5,\"buffered\":5,\"lost\":0,"), "got %s", st);
    post(SIM_NET_RECEIVED, LINK0, SIM_NET_OK, flood, sizeof flood);
    st = ctl("state");
    cr_assert_not_null(strstr(st, "\"buffered\":8192,\"lost\":5,"), "got %s", st);
    io("ATO\r");
    st = ctl("state");
    cr_assert_not_null(strstr(st, "\"buffered\":0,\"lost\":5,"), "given to the host: %s", st);
}

#define HELD_MAX 1500                /* what a stalled transparent link holds of the host's bytes (§25) */
#define OVER 100

Test(cch, a_stalled_transparent_session_sends_when_unstalled_and_counts_what_it_could_not_hold)
{
    transparent_session0();
    cr_assert_str_eq(ctl("stall ssl:0"), "OK SSL session 0 stalled");
    cr_assert_eq(net.room[LINK0], 0, "nothing is taken from the peer");
    static char typed[HELD_MAX + OVER + 1];
    memset(typed, 'x', HELD_MAX + OVER);
    cr_assert_str_eq(io(typed), "");
    cr_assert_str_eq(calls(), "");
    const char *st = ctl("state");
    cr_assert_not_null(strstr(st, "\"transparent\":\"data\",\"transparent_lost\":100"), "got %s", st);
    cr_assert_not_null(strstr(st, "\"transparent\":\"off\",\"transparent_lost\":0,\"links\""),
                       "the socket family's view does not count them: %s", st);
    ctl("unstall ssl:0");
    cr_assert_str_eq(calls(), "send 10 1500\n");
    cr_assert_gt(net.room[LINK0], 0);
}

Test(cch, stopping_the_service_ends_an_escaped_session_silently)
{
    transparent_session0();
    escape();
    cr_assert_str_eq(io("AT+CCHSTOP\r"), "\r\n+CCHSTOP: 0\r\n\r\nOK\r\n");
    cr_assert_str_eq(calls(), "close 10\n");
    EXCHANGES({"ATO\r", "\r\nNO CARRIER\r\n"});
}
