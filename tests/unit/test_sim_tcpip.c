/* The module's own TCP/IP stack (issue 16) against a scripted network: the
 * test plays the network, records what the core asks of it and posts its
 * answers through sim_net_event. */
#include "scripted_net.h"

/* Network open and link 0 connected to example.com:80. */
static void tcp_link0(void)
{
    net_up();
    cr_assert_str_eq(io("AT+CIPOPEN=0,\"TCP\",\"example.com\",80\r"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "open 0 tcp example.com:80 local 0\n");
    cr_assert_str_eq(post(SIM_NET_OPENED, 0, SIM_NET_OK, NULL, 0), "\r\n+CIPOPEN: 0,0\r\n");
}

TestSuite(tcpip, .init = setup, .fini = teardown);

/* ---- the network ------------------------------------------------------------------------- */

Test(tcpip, netopen_netclose_and_ipaddr_answer_as_the_module_does)
{
    EXCHANGES({"AT+NETOPEN?\r", "\r\n+NETOPEN: 0\r\n\r\nOK\r\n"},
              {"AT+IPADDR\r", "\r\n+IP ERROR: Network not opened\r\n\r\nERROR\r\n"},
              {"AT+NETCLOSE\r", "\r\n+NETCLOSE: 2\r\n\r\nERROR\r\n"},
              {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n"},
              {"AT+NETOPEN\r", "\r\n+IP ERROR: Network is already opened\r\n\r\nERROR\r\n"},
              {"AT+NETOPEN?\r", "\r\n+NETOPEN: 1\r\n\r\nOK\r\n"},
              {"AT+IPADDR\r", "\r\n+IPADDR: 10.49.14.68\r\n\r\nOK\r\n"},
              {"AT+NETCLOSE\r", "\r\nOK\r\n\r\n+NETCLOSE: 0\r\n"},
              {"AT+NETOPEN?\r", "\r\n+NETOPEN: 0\r\n\r\nOK\r\n"});
}

Test(tcpip, netopen_while_the_network_closes_is_busy)
{
    net_up();
    cr_assert_str_eq(io("AT+NETCLOSE;+NETOPEN\r"), "\r\n+NETOPEN: 8\r\n\r\nERROR\r\n\r\n+NETCLOSE: 0\r\n");
}

Test(tcpip, netopen_without_registration_or_bearer_says_network_failure)
{
    cr_assert_str_eq(ctl("reg 0"), "OK registration 0");
    advance(1);
    cr_assert_str_eq(io("AT+NETOPEN\r"), "\r\nOK\r\n\r\n+NETOPEN: 1\r\n");
    cr_assert_str_eq(ctl("reg 1"), "OK registration 1");
    advance(1);
    EXCHANGES({"AT+CGACT=0,1\r", "\r\nOK\r\n"}, {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 1\r\n"},
              {"AT+CGACT=1,1\r", "\r\nOK\r\n"}, {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n"});
}

Test(tcpip, losing_registration_closes_the_network_and_its_sockets)
{
    tcp_link0();
    cr_assert_str_eq(ctl("reg 0"), "OK registration 0");
    cr_assert_str_eq(advance(1), "\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n");
    cr_assert_str_eq(calls(), "close 0\n");
    EXCHANGES({"AT+NETOPEN?\r", "\r\n+NETOPEN: 0\r\n\r\nOK\r\n"},
              {"AT+CIPCLOSE?\r", "\r\n+CIPCLOSE: 0,0,0,0,0,0,0,0,0,0\r\n\r\nOK\r\n"},
              {"AT+CIPSEND=0,2\r", "\r\n+CIPERROR: 4\r\n\r\nERROR\r\n"},
              {"AT+CIPRXGET=4,0\r", "\r\n+CIPRXGET: 4,0,0\r\n\r\nOK\r\n"},
              {"AT+CIPCLOSE=0\r", "\r\n+CIPCLOSE: 0,4\r\n\r\nERROR\r\n"},
              {"AT+NETCLOSE\r", "\r\n+NETCLOSE: 2\r\n\r\nERROR\r\n"});
    /* a late report about the dropped connection tells the host nothing */
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "late", 4), "");
}

Test(tcpip, a_ps_detach_closes_the_network_too)
{
    tcp_link0();
    cr_assert_str_eq(io("AT+CGATT=0\r"), "\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n\r\nOK\r\n");
    cr_assert_str_eq(calls(), "close 0\n");
}

Test(tcpip, netclose_closes_every_open_link)
{
    tcp_link0();
    cr_assert_str_eq(io("AT+CIPOPEN=3,\"TCP\",\"example.com\",81\r"), "\r\nOK\r\n");
    post(SIM_NET_OPENED, 3, SIM_NET_OK, NULL, 0);
    calls();
    cr_assert_str_eq(io("AT+NETCLOSE\r"), "\r\nOK\r\n\r\n+NETCLOSE: 0\r\n");
    cr_assert_str_eq(calls(), "close 0\nclose 3\n");
}

/* ---- TCP --------------------------------------------------------------------------------- */

Test(tcpip, tcp_open_send_receive_close)
{
    tcp_link0();
    cr_assert(net.told_room[0]);
    cr_assert_eq(net.room[0], MODULE_RX_BUFFER);
    cr_assert_str_eq(io("AT+CIPSEND=0,5\r"), "\r\n>");
    cr_assert_str_eq(io("hello"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "send 0 5\n");
    cr_assert_eq(net.sent_len, 5);
    cr_assert_eq(memcmp(net.sent, "hello", 5), 0);
    cr_assert_str_eq(post(SIM_NET_SENT, 0, SIM_NET_OK, NULL, 5), "\r\n+CIPSEND: 0,5,5\r\n");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "world", 5), "\r\n+RECEIVE,0,5\r\nworld");
    EXCHANGES({"AT+CIPCLOSE?\r", "\r\n+CIPCLOSE: 1,0,0,0,0,0,0,0,0,0\r\n\r\nOK\r\n"},
              {"AT+CIPOPEN?\r", "\r\n+CIPOPEN: 0,\"TCP\",\"example.com\",80,-1\r\n+CIPOPEN: 1\r\n+CIPOPEN: 2\r\n"
                                "+CIPOPEN: 3\r\n+CIPOPEN: 4\r\n+CIPOPEN: 5\r\n+CIPOPEN: 6\r\n+CIPOPEN: 7\r\n"
                                "+CIPOPEN: 8\r\n+CIPOPEN: 9\r\n\r\nOK\r\n"},
              {"AT+CIPACK=0\r", "\r\n+CIPACK: 5,5,5\r\n\r\nOK\r\n"},
              {"AT+CIPCLOSE=0\r", "\r\nOK\r\n\r\n+CIPCLOSE: 0,0\r\n"},
              {"AT+CIPCLOSE=0\r", "\r\n+CIPCLOSE: 0,4\r\n\r\nERROR\r\n"});
    cr_assert_str_eq(calls(), "close 0\n");
}

Test(tcpip, the_lf_of_a_crlf_host_is_not_data)
{
    tcp_link0();
    sim_input(drive.sim, (const uint8_t *)"AT+CIPSEND=0,3\r\n", 16, drive.now_us);
    cr_assert_str_eq(advance(1), "\r\n>");
    cr_assert_str_eq(io("abc"), "\r\nOK\r\n");
    cr_assert_eq(memcmp(net.sent, "abc", 3), 0);
}

Test(tcpip, variable_length_send_ends_at_ctrl_z_and_esc_cancels)
{
    tcp_link0();
    cr_assert_str_eq(io("AT+CIPSEND=0,\r"), "\r\n>");
    cr_assert_str_eq(io("GET /\r\n"), "");
    cr_assert_str_eq(io("\x1a"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "send 0 7\n");
    cr_assert_eq(memcmp(net.sent, "GET /\r\n", 7), 0);
    cr_assert_str_eq(post(SIM_NET_SENT, 0, SIM_NET_OK, NULL, 7), "\r\n+CIPSEND: 0,7,7\r\n");
    cr_assert_str_eq(io("AT+CIPSEND=0\r"), "\r\n>");
    cr_assert_str_eq(io("never\x1b"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "");
    cr_assert_str_eq(io("AT\r"), "\r\nOK\r\n");
}

Test(tcpip, cipopen_refuses_what_the_manual_refuses)
{
    EXCHANGES({"AT+CIPOPEN=0,\"TCP\",\"example.com\",80\r", "\r\n+CIPOPEN: 0,2\r\n\r\nERROR\r\n"});
    tcp_link0();
    EXCHANGES({"AT+CIPOPEN=0,\"TCP\",\"example.com\",80\r", "\r\n+CIPOPEN: 0,4\r\n\r\nERROR\r\n"},
              {"AT+CIPOPEN=1,\"UDP\",\"203.0.113.7\",9000\r", "\r\n+CIPOPEN: 1,3\r\n\r\nERROR\r\n"},
              {"AT+CIPOPEN=1,\"SCTP\",\"example.com\",80\r", "\r\n+CIPOPEN: 1,3\r\n\r\nERROR\r\n"},
              {"AT+CIPOPEN=1,\"TCP\",\"example.com\",70000\r", "\r\n+CIPOPEN: 1,3\r\n\r\nERROR\r\n"},
              {"AT+CIPOPEN=10,\"TCP\",\"example.com\",80\r", "\r\nERROR\r\n"},
              {"AT+CIPOPEN=?\r", "\r\n+CIPOPEN: (0-9),(\"TCP\",\"UDP\")\r\n\r\nOK\r\n"});
    cr_assert_str_eq(calls(), "");
}

Test(tcpip, connection_failures_give_the_manuals_codes)
{
    static const struct { enum sim_net_error why; const char *urc; } cases[] = {
        {SIM_NET_REFUSED, "\r\n+CIPOPEN: 1,1\r\n"}, {SIM_NET_UNREACHABLE, "\r\n+CIPOPEN: 1,1\r\n"},
        {SIM_NET_TIMEOUT, "\r\n+CIPOPEN: 1,10\r\n"}, {SIM_NET_DNS_FAILED, "\r\n+CIPOPEN: 1,11\r\n"},
    };
    net_up();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_str_eq(io("AT+CIPOPEN=1,\"TCP\",\"example.com\",80\r"), "\r\nOK\r\n");
        cr_assert_str_eq(post(SIM_NET_OPENED, 1, cases[i].why, NULL, 0), cases[i].urc);
    }
    /* a connection that closes before it opened failed too */
    cr_assert_str_eq(io("AT+CIPOPEN=1,\"TCP\",\"example.com\",80\r"), "\r\nOK\r\n");
    cr_assert_str_eq(post(SIM_NET_CLOSED, 1, SIM_NET_RESET, NULL, 0), "\r\n+CIPOPEN: 1,1\r\n");
    cr_assert_str_eq(io("AT+CIPCLOSE?\r"), "\r\n+CIPCLOSE: 0,0,0,0,0,0,0,0,0,0\r\n\r\nOK\r\n");
}

Test(tcpip, cipsend_refusals)
{
    EXCHANGES({"AT+CIPSEND=0,5\r", "\r\n+CIPERROR: 4\r\n\r\nERROR\r\n"});
    tcp_link0();
    EXCHANGES({"AT+CIPSEND=0,1501\r", "\r\nERROR\r\n"}, {"AT+CIPSEND=0,0\r", "\r\nERROR\r\n"},
              {"AT+CIPSEND=10,5\r", "\r\nERROR\r\n"},
              {"AT+CIPSEND=?\r", "\r\n+CIPSEND: (0-9),(1-1500)\r\n\r\nOK\r\n"},
              {"AT+CIPSEND=0,2\r", "\r\n>"}, {"ab", "\r\nOK\r\n"},
              {"AT+CIPSEND=0,2\r", "\r\n+CIPERROR: 8\r\n\r\nERROR\r\n"});
}

Test(tcpip, the_peer_closing_says_ipclose_and_keeps_what_was_buffered)
{
    tcp_link0();
    cr_assert_str_eq(io("AT+CIPRXGET=1\r"), "\r\nOK\r\n");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "bye", 3), "\r\n+CIPRXGET: 1,0\r\n");
    cr_assert_str_eq(post(SIM_NET_CLOSED, 0, SIM_NET_PEER_CLOSED, NULL, 0), "\r\n+IPCLOSE: 0,1\r\n");
    EXCHANGES({"AT+CIPRXGET=2,0\r", "\r\n+CIPRXGET: 2,0,3,0\r\nbye\r\n\r\nOK\r\n"},
              {"AT+CIPCLOSE=0\r", "\r\n+CIPCLOSE: 0,4\r\n\r\nERROR\r\n"});
    cr_assert_str_eq(io("AT+CIPOPEN=0,\"TCP\",\"example.com\",80\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CIPRXGET=2,0\r"), "\r\n+IP ERROR: No data\r\n\r\nERROR\r\n", "a new connection, a new buffer");
    cr_assert_str_eq(post(SIM_NET_OPENED, 0, SIM_NET_OK, NULL, 0), "\r\n+CIPOPEN: 0,0\r\n");
    cr_assert_str_eq(post(SIM_NET_CLOSED, 0, SIM_NET_TIMEOUT, NULL, 0), "\r\n+IPCLOSE: 0,2\r\n");
}

/* ---- UDP --------------------------------------------------------------------------------- */

Test(tcpip, udp_names_the_peer_of_each_send)
{
    net_up();
    cr_assert_str_eq(io("AT+CIPOPEN=1,\"UDP\",,,5000\r"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "open 1 udp :0 local 5000\n");
    cr_assert_str_eq(post(SIM_NET_OPENED, 1, SIM_NET_OK, NULL, 0), "\r\n+CIPOPEN: 1,0\r\n");
    EXCHANGES({"AT+CIPSEND=1,3,\"203.0.113.7\",9000\r", "\r\n>"}, {"one", "\r\nOK\r\n"});
    cr_assert_str_eq(post(SIM_NET_SENT, 1, SIM_NET_OK, NULL, 3), "\r\n+CIPSEND: 1,3,3\r\n");
    EXCHANGES({"AT+CIPSEND=1,3,\"198.51.100.1\",53\r", "\r\n>"}, {"two", "\r\nOK\r\n"},
              {"AT+CIPSEND=1,3\r", "\r\n+CIPERROR: 8\r\n\r\nERROR\r\n"});
    cr_assert_str_eq(calls(), "send 1 3 to 203.0.113.7:9000\nsend 1 3 to 198.51.100.1:53\n");
    post(SIM_NET_SENT, 1, SIM_NET_OK, NULL, 3);
    EXCHANGES({"AT+CIPSEND=1,3\r", "\r\n+CIPERROR: 3\r\n\r\nERROR\r\n"},
              {"AT+CIPOPEN?\r", "\r\n+CIPOPEN: 0\r\n+CIPOPEN: 1,\"UDP\",,,5000\r\n+CIPOPEN: 2\r\n+CIPOPEN: 3\r\n"
                                "+CIPOPEN: 4\r\n+CIPOPEN: 5\r\n+CIPOPEN: 6\r\n+CIPOPEN: 7\r\n+CIPOPEN: 8\r\n"
                                "+CIPOPEN: 9\r\n\r\nOK\r\n"});
}

/* ---- receiving ----------------------------------------------------------------------------- */

Test(tcpip, direct_push_honours_ciphead_and_cipsrip)
{
    tcp_link0();
    EXCHANGES({"AT+CIPSRIP=1\r", "\r\nOK\r\n"});
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "ab", 2),
                     "\r\nRECV FROM:203.0.113.7:7000\r\n\r\n+RECEIVE,0,2\r\nab");
    EXCHANGES({"AT+CIPHEAD=0\r", "\r\nOK\r\n"}, {"AT+CIPSRIP=0\r", "\r\nOK\r\n"});
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "cd", 2), "cd");
    /* byte by byte, each byte is its own push */
    EXCHANGES({"AT+CIPHEAD=1\r", "\r\nOK\r\n"});
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "e", 1), "\r\n+RECEIVE,0,1\r\ne");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "f", 1), "\r\n+RECEIVE,0,1\r\nf");
}

Test(tcpip, pushed_data_holds_the_peer_back_until_the_uart_has_sent_it)
{
    static uint8_t big[MODULE_RX_BUFFER / 2];
    memset(big, 'x', sizeof big);
    tcp_link0();
    cr_assert_eq(net.room[0], MODULE_RX_BUFFER);
    struct sim_net_event ev = {.kind = SIM_NET_RECEIVED, .link = 0, .data = big, .len = sizeof big};
    sim_net_event(drive.sim, &ev, drive.now_us);
    cr_assert_lt(net.room[0], MODULE_RX_BUFFER - sizeof big, "what waits for the UART takes room");
    cr_assert_eq(strlen(advance(1)), strlen("\r\n+RECEIVE,0,4096\r\n") + sizeof big);
    cr_assert_eq(net.room[0], MODULE_RX_BUFFER, "sent, the room comes back");
}

Test(tcpip, buffered_receive_tells_once_and_reads_raw_hex_and_how_much)
{
    tcp_link0();
    EXCHANGES({"AT+CIPRXGET=1\r", "\r\nOK\r\n"}, {"AT+CIPRXGET?\r", "\r\n+CIPRXGET: 1\r\n\r\nOK\r\n"},
              {"AT+CIPRXGET=2,0\r", "\r\n+IP ERROR: No data\r\n\r\nERROR\r\n"});
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "a", 1), "\r\n+CIPRXGET: 1,0\r\n");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "b", 1), "");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "c", 1), "");
    cr_assert_eq(net.room[0], MODULE_RX_BUFFER - 3);
    EXCHANGES({"AT+CIPRXGET=4,0\r", "\r\n+CIPRXGET: 4,0,3\r\n\r\nOK\r\n"},
              {"AT+CIPRXGET=2,0,2\r", "\r\n+CIPRXGET: 2,0,2,1\r\nab\r\n\r\nOK\r\n"},
              {"AT+CIPRXGET=3,0\r", "\r\n+CIPRXGET: 3,0,1,0\r\n63\r\n\r\nOK\r\n"},
              {"AT+CIPRXGET=2,0,1501\r", "\r\nERROR\r\n"}, {"AT+CIPRXGET=3,0,751\r", "\r\nERROR\r\n"},
              {"AT+CIPRXGET=5\r", "\r\nERROR\r\n"},
              {"AT+CIPRXGET=?\r", "\r\n+CIPRXGET: (0-4),(0-9),(1-1500)\r\n\r\nOK\r\n"});
    cr_assert_eq(net.room[0], MODULE_RX_BUFFER);
    /* read empty: the next arrival is told again */
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "d", 1), "\r\n+CIPRXGET: 1,0\r\n");
}

/* The peer sends what the window (the room the module gave) lets through. */
static void peer_sends(int link, const uint8_t *data, size_t len)
{
    net.backlog[link] = realloc(net.backlog[link], net.backlog_len[link] + len);
    memcpy(net.backlog[link] + net.backlog_len[link], data, len);
    net.backlog_len[link] += len;
}

static void pump(int link)
{
    while (net.backlog_len[link] > 0 && net.room[link] > 0) {
        size_t n = net.backlog_len[link] < net.room[link] ? net.backlog_len[link] : net.room[link];
        post(SIM_NET_RECEIVED, link, SIM_NET_OK, net.backlog[link], n);
        memmove(net.backlog[link], net.backlog[link] + n, net.backlog_len[link] - n);
        net.backlog_len[link] -= n;
    }
}

/* Reads one AT+CIPRXGET=2 answer's data into got; returns its length. */
static size_t read_chunk(uint8_t *got)
{
    const char *out = io("AT+CIPRXGET=2,0,1500\r");
    unsigned link, n, rest;
    cr_assert_eq(sscanf(out, "\r\n+CIPRXGET: 2,%u,%u,%u\r\n", &link, &n, &rest), 3, "answer: %s", out);
    const char *data = strstr(out, "\r\n") + 2;
    data = strstr(data, "\r\n") + 2;
    memcpy(got, data, n);
    cr_assert_eq(memcmp(data + n, "\r\n\r\nOK\r\n", 8), 0);
    return n;
}

Test(tcpip, a_burst_larger_than_the_buffer_is_held_back_and_nothing_is_lost)
{
    enum { BURST = 3 * MODULE_RX_BUFFER + 123 };
    static uint8_t sent[BURST], got[BURST];
    for (size_t i = 0; i < BURST; i++)
        sent[i] = (uint8_t)('a' + i % 26);
    tcp_link0();
    cr_assert_str_eq(io("AT+CIPRXGET=1\r"), "\r\nOK\r\n");
    peer_sends(0, sent, BURST);
    pump(0);
    cr_assert_eq(net.room[0], 0, "the full buffer holds the peer back");
    cr_assert_eq(net.backlog_len[0], BURST - MODULE_RX_BUFFER);
    cr_assert_str_eq(io("AT+CIPRXGET=4,0\r"), "\r\n+CIPRXGET: 4,0,8192\r\n\r\nOK\r\n");
    size_t total = 0;
    while (total < BURST) {
        total += read_chunk(got + total);
        pump(0);
    }
    cr_assert_eq(total, BURST);
    cr_assert_eq(memcmp(got, sent, BURST), 0);
    cr_assert_eq(net.backlog_len[0], 0);
    cr_assert_not_null(strstr(ctl("state"), "\"lost\":0,"));
}

Test(tcpip, a_network_that_ignores_the_room_is_caught_losing_bytes)
{
    static uint8_t flood[MODULE_RX_BUFFER + 100];
    memset(flood, 'z', sizeof flood);
    tcp_link0();
    cr_assert_str_eq(io("AT+CIPRXGET=1\r"), "\r\nOK\r\n");
    post(SIM_NET_RECEIVED, 0, SIM_NET_OK, flood, sizeof flood);
    cr_assert_str_eq(io("AT+CIPRXGET=4,0\r"), "\r\n+CIPRXGET: 4,0,8192\r\n\r\nOK\r\n");
    const char *st = ctl("state");
    cr_assert_not_null(strstr(st, "\"buffered\":8192,\"lost\":100,"), "state: %s", st);
}

/* ---- faults --------------------------------------------------------------------------------- */

Test(tcpip, dns_fail_and_refuse_answer_before_the_network_is_asked)
{
    net_up();
    cr_assert_str_eq(ctl("dns-fail cloud.example.com"), "OK cloud.example.com does not resolve");
    cr_assert_str_eq(io("AT+CIPOPEN=0,\"TCP\",\"cloud.example.com\",1883\r"), "\r\nOK\r\n\r\n+CIPOPEN: 0,11\r\n");
    cr_assert_str_eq(io("AT+CDNSGIP=\"cloud.example.com\"\r"), "\r\n+CDNSGIP: 0,10\r\n\r\nERROR\r\n");
    cr_assert_str_eq(ctl("dns-ok cloud.example.com"), "OK cloud.example.com resolves");
    cr_assert_str_eq(ctl("dns-ok cloud.example.com"),
                     "ERR 'cloud.example.com' was not made to fail (dns-fail <name>); 'dns-ok all' clears every name");
    cr_assert_str_eq(ctl("refuse cloud.example.com:1883"), "OK cloud.example.com:1883 refuses connections");
    cr_assert_str_eq(io("AT+CIPOPEN=0,\"TCP\",\"cloud.example.com\",1883\r"), "\r\nOK\r\n\r\n+CIPOPEN: 0,1\r\n");
    cr_assert_str_eq(calls(), "");
    cr_assert_str_eq(io("AT+CIPOPEN=0,\"TCP\",\"cloud.example.com\",8883\r"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "open 0 tcp cloud.example.com:8883 local 0\n");
    const char *st = ctl("state");
    cr_assert_not_null(strstr(st, "\"dns_fail\":2,\"refuse\":1,"), "the faults that took effect: %s", st);
    cr_assert_str_eq(ctl("refuse clear"), "OK no port refuses");
    cr_assert_str_eq(ctl("refuse nonsense"),
                     "ERR 'nonsense' must be HOST:PORT, as the firmware opens it (e.g. broker.example.com:1883), or clear");
}

Test(tcpip, a_stalled_link_holds_sends_and_the_peer_until_unstalled)
{
    tcp_link0();
    cr_assert_str_eq(ctl("stall 0"), "OK link 0 stalled");
    cr_assert_eq(net.room[0], 0);
    EXCHANGES({"AT+CIPSEND=0,4\r", "\r\n>"}, {"ping", "\r\nOK\r\n"});
    cr_assert_str_eq(advance(1000), "");
    cr_assert_str_eq(calls(), "", "nothing leaves a stalled link");
    cr_assert_str_eq(ctl("unstall"), "OK unstalled");
    cr_assert_str_eq(calls(), "send 0 4\n");
    cr_assert_eq(net.room[0], MODULE_RX_BUFFER);
    cr_assert_str_eq(post(SIM_NET_SENT, 0, SIM_NET_OK, NULL, 4), "\r\n+CIPSEND: 0,4,4\r\n");
    cr_assert_str_eq(ctl("stall 10"), "ERR link '10' must be 0-9 (the module's socket, as in AT+CIPOPEN)");
    cr_assert_str_eq(ctl("stall 5"), "OK link 5 stalled");
    const char *st = ctl("state");
    cr_assert_not_null(strstr(st, "\"stall\":1,"), "a stall that found no open link took no effect: %s", st);
}

Test(tcpip, close_makes_the_peer_close_the_link)
{
    cr_assert_str_eq(ctl("close 0"),
                     "ERR link 0 is not open (AT+CIPOPEN it first; AT+CIPCLOSE? lists the open ones)");
    tcp_link0();
    cr_assert_str_eq(ctl("close 0"), "OK link 0 closed by the peer");
    cr_assert_str_eq(advance(1), "\r\n+IPCLOSE: 0,1\r\n");
    cr_assert_str_eq(calls(), "close 0\n");
    cr_assert_str_eq(io("AT+CIPSEND=0,1\r"), "\r\n+CIPERROR: 4\r\n\r\nERROR\r\n");
    const char *st = ctl("state");
    cr_assert_not_null(strstr(st, "\"close\":1}}"), "state: %s", st);
}

Test(tcpip, a_rule_can_close_a_link_when_the_firmware_sends)
{
    tcp_link0();
    cr_assert(strncmp(ctl("rule on-send AT+CIPSEND close 0"), "OK", 2) == 0);
    cr_assert_str_eq(io("AT+CIPSEND=0,1\r"), "\r\n+IPCLOSE: 0,1\r\n\r\n+CIPERROR: 4\r\n\r\nERROR\r\n");
}

Test(tcpip, state_shows_the_sockets)
{
    tcp_link0();
    post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "xyz", 3);
    const char *st = ctl("state");
    cr_assert(strstr(st, "\"sockets\":{\"network\":\"open\",\"rx_mode\":0,\"transparent\":\"off\","
                         "\"transparent_lost\":0,\"links\":[{\"link\":0,\"state\":\"open\","
                         "\"proto\":\"tcp\",\"host\":\"example.com\",\"port\":80,\"sent\":0,\"received\":3,"
                         "\"buffered\":0,\"lost\":0,\"stalled\":false}"), "state: %s", st);
}

/* ---- names, pings, settings ------------------------------------------------------------------ */

Test(tcpip, cdnsgip_asks_the_network)
{
    EXCHANGES({"AT+CDNSGIP=\"example.com\"\r", "\r\n+CDNSGIP: 0,10\r\n\r\nERROR\r\n"});
    net_up();
    cr_assert_str_eq(io("AT+CDNSGIP=\"example.com\"\r"), "");
    cr_assert_str_eq(calls(), "resolve 1 example.com\n");
    struct sim_net_event ev = {.kind = SIM_NET_RESOLVED, .link = net.query, .host = "93.184.216.34"};
    sim_net_event(drive.sim, &ev, drive.now_us);
    cr_assert_str_eq(advance(1), "\r\n+CDNSGIP: 1,\"example.com\",\"93.184.216.34\"\r\n\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CDNSGIP=\"nowhere.invalid\"\r"), "");
    cr_assert_str_eq(io("AT+CDNSGIP=\"example.org\"\r"), "\r\nERROR\r\n", "one look-up at a time");
    ev = (struct sim_net_event){.kind = SIM_NET_RESOLVED, .link = net.query, .code = SIM_NET_DNS_FAILED};
    sim_net_event(drive.sim, &ev, drive.now_us);
    cr_assert_str_eq(advance(1), "\r\n+CDNSGIP: 0,10\r\n\r\nERROR\r\n");
    EXCHANGES({"AT+CDNSGIP=\"192.0.2.1\"\r", "\r\n+CDNSGIP: 1,\"192.0.2.1\",\"192.0.2.1\"\r\n\r\nOK\r\n"});
}

Test(tcpip, cping_answers_on_an_open_network_and_loses_everything_without_one)
{
    EXCHANGES({"AT+CPING=\"8.8.8.8\",1\r", "\r\nOK\r\n\r\n+CPING: 3,0,0,0,0,0,0\r\n"});
    net_up();
    EXCHANGES({"AT+CPING=\"8.8.8.8\",1,2,32\r",
               "\r\nOK\r\n\r\n+CPING: 1,8.8.8.8,32,30,64\r\n\r\n+CPING: 1,8.8.8.8,32,30,64\r\n"
               "\r\n+CPING: 3,2,2,0,30,30,30\r\n"},
              {"AT+CPING=\"8.8.8.8\",3\r", "\r\nERROR\r\n"});
}

Test(tcpip, settings_read_back_what_was_written)
{
    EXCHANGES({"AT+CIPMODE?\r", "\r\n+CIPMODE: 0\r\n\r\nOK\r\n"}, {"AT+CIPMODE=1\r", "\r\nOK\r\n"},
              {"AT+CIPMODE?\r", "\r\n+CIPMODE: 1\r\n\r\nOK\r\n"}, {"AT+CIPMODE\r", "\r\nOK\r\n"},
              {"AT+CIPMODE?\r", "\r\n+CIPMODE: 0\r\n\r\nOK\r\n"},    /* S5: bare sets the default */
              {"AT+CIPMODE=0\r", "\r\nOK\r\n"}, {"AT+CIPMODE=2\r", "\r\nERROR\r\n"},
              {"AT+CIPSENDMODE=0\r", "\r\nOK\r\n"}, {"AT+CIPSENDMODE=2\r", "\r\nERROR\r\n"},
              {"AT+CIPSENDMODE?\r", "\r\n+CIPSENDMODE: 0\r\n\r\nOK\r\n"},
              {"AT+CIPHEAD?\r", "\r\n+CIPHEAD: 1\r\n\r\nOK\r\n"}, {"AT+CIPSRIP?\r", "\r\n+CIPSRIP: 0\r\n\r\nOK\r\n"},
              {"AT+CIPCCFG?\r", "\r\n+CIPCCFG: 10,0,0,1,0,0,500\r\n\r\nOK\r\n"},
              {"AT+CIPCCFG=10,0,0,0,1,0,75000\r", "\r\nOK\r\n"},
              {"AT+CIPCCFG?\r", "\r\n+CIPCCFG: 10,0,0,0,1,0,75000\r\n\r\nOK\r\n"},
              {"AT+CIPCCFG=11\r", "\r\nERROR\r\n"},
              {"AT+CIPTIMEOUT?\r", "\r\n+CIPTIMEOUT: 120000,120000,120000\r\n\r\nOK\r\n"},
              {"AT+CIPTIMEOUT=75000,15000,15000\r", "\r\nOK\r\n"},
              {"AT+CIPTIMEOUT?\r", "\r\n+CIPTIMEOUT: 75000,15000,15000\r\n\r\nOK\r\n"},
              {"AT+CIPTIMEOUT=100\r", "\r\nERROR\r\n"});
}

/* AT+CIPDNSSET: SIMCom's DNS query settings, kept (findings §25). */
Test(tcpip, cipdnsset_keeps_the_dns_query_settings_until_power_on)
{
    EXCHANGES({"AT+CIPDNSSET=?\r", "\r\n+CIPDNSSET: (0-3),(3000-120000),(1-5)\r\n\r\nOK\r\n"},
              {"AT+CIPDNSSET?\r", "\r\n+CIPDNSSET: 0,30000,5\r\n\r\nOK\r\n"},
              {"AT+CIPDNSSET=1,30000,3\r", "\r\nOK\r\n"},
              {"AT+CIPDNSSET=,,2\r", "\r\nOK\r\n"},
              {"AT+CIPDNSSET?\r", "\r\n+CIPDNSSET: 1,30000,2\r\n\r\nOK\r\n"},
              {"AT+CIPDNSSET=4\r", "\r\nERROR\r\n"}, {"AT+CIPDNSSET=0,1000\r", "\r\nERROR\r\n"},
              {"AT+CIPDNSSET=0,30000,5,1\r", "\r\nERROR\r\n"}, {"AT+CIPDNSSET\r", "\r\nERROR\r\n"},
              {"AT+CIPCCFG=?\r", "\r\n+CIPCCFG: (0-10),(0-1000),(0-1),(0-1),(0-1),(0-1),(500-120000)\r\n\r\nOK\r\n"},
              {"AT+CIPTIMEOUT=?\r", "\r\n+CIPTIMEOUT: (3000-120000),(3000-120000),(3000-120000)\r\n\r\nOK\r\n"},
              {"AT+CFUN=1,1\r", "\r\nOK\r\n"});
    advance(BOOT_MS);
    io("ATE0\r");
    EXCHANGES({"AT+CIPDNSSET?\r", "\r\n+CIPDNSSET: 0,30000,5\r\n\r\nOK\r\n"});
}

/* No source lists AT+CIPERRCODE for the SIM7600 (findings §25): refused. */
Test(tcpip, ciperrcode_is_not_a_sim7600_command)
{
    EXCHANGES({"AT+CIPERRCODE=?\r", "\r\nERROR\r\n"}, {"AT+CIPERRCODE?\r", "\r\nERROR\r\n"},
              {"AT+CIPERRCODE=1\r", "\r\nERROR\r\n"});
}

/* What TinyGSM's SIM7600 client sends, in its order (findings §25, N7). */
Test(tcpip, a_tinygsm_style_session_runs_step_by_step)
{
    EXCHANGES({"AT+NETCLOSE\r", "\r\n+NETCLOSE: 2\r\n\r\nERROR\r\n"},
              {"AT+CGDCONT=1,\"IP\",\"internet\"\r", "\r\nOK\r\n"}, {"AT+CIPMODE=0\r", "\r\nOK\r\n"},
              {"AT+CIPSENDMODE=0\r", "\r\nOK\r\n"}, {"AT+CIPCCFG=10,0,0,0,1,0,75000\r", "\r\nOK\r\n"},
              {"AT+CIPTIMEOUT=75000,15000,15000\r", "\r\nOK\r\n"},
              {"AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n"}, {"AT+NETOPEN?\r", "\r\n+NETOPEN: 1\r\n\r\nOK\r\n"},
              {"AT+IPADDR\r", "\r\n+IPADDR: 10.49.14.68\r\n\r\nOK\r\n"},
              {"AT+CIPCLOSE=0\r", "\r\n+CIPCLOSE: 0,4\r\n\r\nERROR\r\n"}, {"AT+CIPRXGET=1\r", "\r\nOK\r\n"},
              {"AT+CIPOPEN=0,\"TCP\",\"vsh.pp.ua\",80\r", "\r\nOK\r\n"});
    cr_assert_str_eq(post(SIM_NET_OPENED, 0, SIM_NET_OK, NULL, 0), "\r\n+CIPOPEN: 0,0\r\n");
    EXCHANGES({"AT+CIPSEND=0,18\r", "\r\n>"}, {"GET / HTTP/1.0\r\n\r\n", "\r\nOK\r\n"});
    cr_assert_str_eq(post(SIM_NET_SENT, 0, SIM_NET_OK, NULL, 18), "\r\n+CIPSEND: 0,18,18\r\n");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "HTTP/1.0 200 OK\r\n", 17), "\r\n+CIPRXGET: 1,0\r\n");
    EXCHANGES({"AT+CIPRXGET=4,0\r", "\r\n+CIPRXGET: 4,0,17\r\n\r\nOK\r\n"},
              {"AT+CIPRXGET=2,0,17\r", "\r\n+CIPRXGET: 2,0,17,0\r\nHTTP/1.0 200 OK\r\n\r\n\r\nOK\r\n"},
              {"AT+CIPCLOSE?\r", "\r\n+CIPCLOSE: 1,0,0,0,0,0,0,0,0,0\r\n\r\nOK\r\n"},
              {"AT+CIPCLOSE=0\r", "\r\nOK\r\n\r\n+CIPCLOSE: 0,0\r\n"},
              {"AT+NETCLOSE\r", "\r\nOK\r\n\r\n+NETCLOSE: 0\r\n"});
}

/* ---- transparent mode ------------------------------------------------------------------------ */

#define GUARD_MS 100     /* the "+++" guard time of the fast profile */

static void transparent_link0(void)
{
    EXCHANGES({"AT+CIPMODE=1\r", "\r\nOK\r\n"});
    net_up();
    EXCHANGES({"AT+CIPMODE=0\r", "\r\nERROR\r\n"},
              {"AT+CIPOPEN=1,\"TCP\",\"example.com\",80\r", "\r\n+CIPOPEN: 1,4\r\n\r\nERROR\r\n"},
              {"AT+CIPOPEN=0,\"TCP\",\"example.com\",80\r", ""});
    cr_assert_str_eq(calls(), "open 0 tcp example.com:80 local 0\n");
    cr_assert_str_eq(post(SIM_NET_OPENED, 0, SIM_NET_OK, NULL, 0), "\r\nCONNECT 115200\r\n");
}

Test(tcpip, transparent_mode_moves_bytes_both_ways)
{
    transparent_link0();
    cr_assert_not_null(strstr(ctl("state"), "\"input\":\"transparent\""));
    cr_assert_str_eq(io("hello AT\r\n"), "", "no echo, no command: data");
    cr_assert_str_eq(calls(), "send 0 10\n");
    cr_assert_eq(memcmp(net.sent, "hello AT\r\n", 10), 0);
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "world", 5), "world");
    cr_assert_str_eq(io("+++"), "", "no guard time before: data");
    cr_assert_str_eq(advance(2 * GUARD_MS), "");
    cr_assert_str_eq(calls(), "send 0 3\n");
    cr_assert_str_eq(io("++x"), "", "a byte after the pluses makes them data");
    cr_assert_str_eq(calls(), "send 0 3\n");
    cr_assert_eq(memcmp(net.sent + 13, "++x", 3), 0);
}

Test(tcpip, plus_plus_plus_between_guard_times_escapes_and_ato_returns)
{
    transparent_link0();
    advance(2 * GUARD_MS);
    cr_assert_str_eq(io("+++"), "");
    cr_assert_str_eq(advance(GUARD_MS / 2), "", "the closing guard time is not over");
    cr_assert_str_eq(advance(GUARD_MS), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "", "the escape is not data");
    EXCHANGES({"AT+CIPCLOSE?\r", "\r\n+CIPCLOSE: 1,0,0,0,0,0,0,0,0,0\r\n\r\nOK\r\n"},
              {"AT+CIPSEND=0,1\r", "\r\n+CIPERROR: 4\r\n\r\nERROR\r\n"});
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "later", 5), "", "kept for ATO");
    cr_assert_str_eq(io("ATO\r"), "\r\nCONNECT 115200\r\nlater");
    cr_assert_str_eq(io("more"), "");
    cr_assert_str_eq(calls(), "send 0 4\n");
    cr_assert_str_eq(post(SIM_NET_CLOSED, 0, SIM_NET_PEER_CLOSED, NULL, 0), "\r\nCLOSED\r\n");
    EXCHANGES({"AT\r", "\r\nOK\r\n"}, {"ATO\r", "\r\nNO CARRIER\r\n"});
    cr_assert_not_null(strstr(ctl("state"), "\"input\":\"command\""));
}

Test(tcpip, losing_the_network_in_data_mode_returns_to_command_mode)
{
    transparent_link0();
    cr_assert_str_eq(ctl("reg 0"), "OK registration 0");
    cr_assert_str_eq(advance(1), "\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n");
    cr_assert_str_eq(calls(), "close 0\n");
    EXCHANGES({"AT\r", "\r\nOK\r\n"}, {"ATO\r", "\r\nNO CARRIER\r\n"});
}

Test(tcpip, a_transparent_open_that_fails_says_connect_fail)
{
    EXCHANGES({"AT+CIPMODE=1\r", "\r\nOK\r\n"});
    net_up();
    cr_assert_str_eq(ctl("refuse example.com:80"), "OK example.com:80 refuses connections");
    cr_assert_str_eq(io("AT+CIPOPEN=0,\"TCP\",\"example.com\",80\r"), "\r\nCONNECT FAIL\r\n");
    EXCHANGES({"AT\r", "\r\nOK\r\n"});
}

Test(tcpip, a_stalled_transparent_link_sends_when_unstalled)
{
    transparent_link0();
    cr_assert_str_eq(ctl("stall 0"), "OK link 0 stalled");
    cr_assert_str_eq(io("abc"), "");
    cr_assert_str_eq(calls(), "");
    cr_assert_str_eq(ctl("unstall 0"), "OK unstalled");
    cr_assert_str_eq(calls(), "send 0 3\n");
}

/* An open pending in transparent mode holds it: the SSL family's transparent
 * open and a PPP call are refused until its CONNECT FAIL frees it. */
Test(tcpip, a_pending_transparent_open_holds_the_mode_against_ssl_and_ppp)
{
    EXCHANGES({"AT+CIPMODE=1\r", "\r\nOK\r\n"});
    net_up();
    EXCHANGES({"AT+CCHMODE=1\r", "\r\nOK\r\n"}, {"AT+CCHSTART\r", "\r\nOK\r\n\r\n+CCHSTART: 0\r\n"},
              {"AT+CIPOPEN=0,\"TCP\",\"example.com\",80\r", ""});
    cr_assert_str_eq(calls(), "open 0 tcp example.com:80 local 0\n");
    const char *st = ctl("state");
    cr_assert_not_null(strstr(st, "\"rx_mode\":0,\"transparent\":\"opening\""), "got %s", st);
    EXCHANGES({"AT+CCHOPEN=0,\"example.com\",443,2\r", "\r\nERROR\r\n"}, {"ATD*99#\r", "\r\nERROR\r\n"});
    cr_assert_str_eq(calls(), "", "the network was not asked");
    cr_assert_str_eq(post(SIM_NET_OPENED, 0, SIM_NET_REFUSED, NULL, 0), "\r\nCONNECT FAIL\r\n");
    cr_assert_str_eq(io("AT+CCHOPEN=0,\"example.com\",443,2\r"), "", "free again");
    cr_assert_str_eq(calls(), "open 10 tcp example.com:443 local 0 tls auth 0 sni -\n");
}

static void escape(void)
{
    advance(2 * GUARD_MS);
    cr_assert_str_eq(io("+++"), "");
    cr_assert_str_eq(advance(2 * GUARD_MS), "\r\nOK\r\n");
}

/* A PPP call, escaped, still holds the UART's data mode (ATO resumes it): a
 * transparent open beside it is refused, as the SSL family's is. */
Test(tcpip, an_escaped_ppp_call_refuses_a_transparent_open)
{
    EXCHANGES({"AT+CIPMODE=1\r", "\r\nOK\r\n"});
    net_up();
    const char *out = io("ATD*99#\r");
    cr_assert(strncmp(out, "\r\nCONNECT", strlen("\r\nCONNECT")) == 0, "got %s", out);
    advance(2 * GUARD_MS);
    io("+++");
    out = advance(2 * GUARD_MS);
    cr_assert_not_null(strstr(out, "\r\nOK\r\n"), "escaped: %s", out);
    out = io("AT+CIPOPEN=0,\"TCP\",\"example.com\",80\r");
    cr_assert_not_null(strstr(out, "\r\n+CIPOPEN: 0,4\r\n\r\nERROR\r\n"), "got %s", out);
    cr_assert_str_eq(calls(), "", "the network was not asked");
}

/* What waits for ATO is link 0's: shown as buffered, and what a network that
 * ignores the room gives beyond it counted as lost, not dropped unseen. */
Test(tcpip, bytes_waiting_for_ato_show_as_buffered_and_an_overflow_as_lost)
{
    static uint8_t flood[MODULE_RX_BUFFER];
    memset(flood, 'z', sizeof flood);
    transparent_link0();
    escape();
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "later", 5), "");
    cr_assert_eq(net.room[0], MODULE_RX_BUFFER - 5);
    const char *st = ctl("state");
    cr_assert_not_null(strstr(st, "\"link\":0,\"state\":\"open\""), "got %s", st);
    cr_assert_not_null(strstr(st, "\"received\":5,\"buffered\":5,\"lost\":0,"), "got %s", st);
    post(SIM_NET_RECEIVED, 0, SIM_NET_OK, flood, sizeof flood);
    st = ctl("state");
    cr_assert_not_null(strstr(st, "\"buffered\":8192,\"lost\":5,"), "got %s", st);
    io("ATO\r");
    st = ctl("state");
    cr_assert_not_null(strstr(st, "\"buffered\":0,\"lost\":5,"), "given to the host: %s", st);
}

/* ---- no network ------------------------------------------------------------------------------ */

static void setup_without_network(void) { start_with(NULL); }

Test(tcpip, without_a_network_every_open_fails_as_unreachable, .init = setup_without_network)
{
    net_up();
    cr_assert_str_eq(io("AT+CIPOPEN=0,\"TCP\",\"example.com\",80\r"), "\r\nOK\r\n\r\n+CIPOPEN: 0,1\r\n");
    cr_assert_str_eq(io("AT+CDNSGIP=\"example.com\"\r"), "\r\n+CDNSGIP: 0,10\r\n\r\nERROR\r\n");
}

Test(tcpip, a_reset_drops_the_links_silently)
{
    tcp_link0();
    cr_assert_str_eq(io("AT+CRESET\r"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "close 0\n");
    advance(30000);
    io("ATE0\r");
    cr_assert_str_eq(io("AT+NETOPEN?\r"), "\r\n+NETOPEN: 0\r\n\r\nOK\r\n");
}

/* AT+CIPTIMEOUT's second value bounds the connect the network makes. */
Test(tcpip, the_open_timeout_reaches_the_network)
{
    tcp_link0();
    cr_assert_eq(net.open_timeout_ms, 120000, "the power-on value");
    cr_assert_str_eq(io("AT+CIPTIMEOUT=,5000\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CIPOPEN=1,\"TCP\",\"example.com\",81\r"), "\r\nOK\r\n");
    cr_assert_eq(net.open_timeout_ms, 5000);
}
