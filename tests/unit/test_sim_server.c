/* The module's TCP servers (AT+SERVERSTART, AT+SERVERSTOP, +CLIENT; issue
 * 16, findings §25) and its local ports, against the scripted network: the
 * test plays the clients that connect. */
#include "scripted_net.h"

TestSuite(server, .init = setup, .fini = teardown);

#define SERVER_PORT "8080"

/* Network open, server 0 listening on 8080. */
static void server0_up(void)
{
    net_up();
    cr_assert_str_eq(io("AT+SERVERSTART=" SERVER_PORT ",0\r"), "\r\nOK\r\n");
    cr_assert_str_eq(calls(), "listen 0 port 8080 backlog 3\n");
}

/* A client connects to `server`: what the module says. */
static const char *client_connects(int server)
{
    return post(SIM_NET_ACCEPTED, server, SIM_NET_OK, NULL, 0);
}

Test(server, serverstart_forms_and_refusals)
{
    EXCHANGES({"AT+SERVERSTART=?\r", "\r\n+SERVERSTART: (0-65535),(0-3)\r\n\r\nOK\r\n"},
              {"AT+SERVERSTART?\r", "\r\n+CIPERROR: 2\r\n\r\nERROR\r\n"},
              {"AT+SERVERSTART=8080,0\r", "\r\n+CIPERROR: 2\r\n\r\nERROR\r\n"},
              {"AT+SERVERSTART\r", "\r\nERROR\r\n"});
    server0_up();
    EXCHANGES({"AT+SERVERSTART?\r", "\r\n+SERVERSTART: 0,8080\r\n\r\nOK\r\n"},
              {"AT+SERVERSTART=8080,0\r", "\r\n+CIPERROR: 7\r\n\r\nERROR\r\n"},   /* already listening */
              {"AT+SERVERSTART=8080,1\r", "\r\n+CIPERROR: 6\r\n\r\nERROR\r\n"},   /* the port is server 0's */
              {"AT+SERVERSTART=8081,4\r", "\r\n+CIPERROR: 3\r\n\r\nERROR\r\n"},
              {"AT+SERVERSTART=65536,1\r", "\r\n+CIPERROR: 3\r\n\r\nERROR\r\n"},
              {"AT+SERVERSTART=8081,1,4\r", "\r\n+CIPERROR: 3\r\n\r\nERROR\r\n"},
              {"AT+SERVERSTART=8081,3,1\r", "\r\nOK\r\n"},
              {"AT+SERVERSTART?\r", "\r\n+SERVERSTART: 0,8080\r\n+SERVERSTART: 3,8081\r\n\r\nOK\r\n"});
    cr_assert_str_eq(calls(), "listen 3 port 8081 backlog 1\n", "only the good one reached the network");
}

Test(server, a_port_the_host_cannot_bind_is_a_bind_failure)
{
    net_up();
    net.listen_result = SIM_NET_IN_USE;
    EXCHANGES({"AT+SERVERSTART=8080,0\r", "\r\n+CIPERROR: 6\r\n\r\nERROR\r\n"},
              {"AT+SERVERSTART?\r", "\r\nOK\r\n"});
}

Test(server, a_client_takes_the_lowest_free_link_and_is_a_link_like_any_other)
{
    server0_up();
    cr_assert_str_eq(io("AT+CIPOPEN=0,\"TCP\",\"example.com\",80\r"), "\r\nOK\r\n");
    post(SIM_NET_OPENED, 0, SIM_NET_OK, NULL, 0);
    calls();
    cr_assert_str_eq(client_connects(0), "\r\n+CLIENT: 1,0,203.0.113.7:7000\r\n");
    cr_assert_str_eq(calls(), "accept 0 on 1\n");
    cr_assert(net.told_room[1], "the accepted link is given room at once");
    EXCHANGES({"AT+CIPOPEN?\r", "\r\n+CIPOPEN: 0,\"TCP\",\"example.com\",80,-1\r\n"
                                "+CIPOPEN: 1,\"TCP\",\"203.0.113.7\",7000,0\r\n+CIPOPEN: 2\r\n+CIPOPEN: 3\r\n"
                                "+CIPOPEN: 4\r\n+CIPOPEN: 5\r\n+CIPOPEN: 6\r\n+CIPOPEN: 7\r\n+CIPOPEN: 8\r\n"
                                "+CIPOPEN: 9\r\n\r\nOK\r\n"},
              {"AT+CIPCLOSE?\r", "\r\n+CIPCLOSE: 1,1,0,0,0,0,0,0,0,0\r\n\r\nOK\r\n"},
              {"AT+CIPSEND=1,5\r", "\r\n>"}, {"hello", "\r\nOK\r\n"});
    cr_assert_str_eq(calls(), "send 1 5\n");
    cr_assert_str_eq(post(SIM_NET_SENT, 1, SIM_NET_OK, NULL, 5), "\r\n+CIPSEND: 1,5,5\r\n");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 1, SIM_NET_OK, "hi", 2), "\r\n+RECEIVE,1,2\r\nhi");
    cr_assert_str_eq(post(SIM_NET_CLOSED, 1, SIM_NET_PEER_CLOSED, NULL, 0), "\r\n+IPCLOSE: 1,1\r\n");
}

Test(server, buffered_receive_works_on_an_accepted_link)
{
    server0_up();
    EXCHANGES({"AT+CIPRXGET=1\r", "\r\nOK\r\n"});
    cr_assert_str_eq(client_connects(0), "\r\n+CLIENT: 0,0,203.0.113.7:7000\r\n");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "ping", 4), "\r\n+CIPRXGET: 1,0\r\n");
    EXCHANGES({"AT+CIPRXGET=2,0\r", "\r\n+CIPRXGET: 2,0,4,0\r\nping\r\n\r\nOK\r\n"});
}

Test(server, with_every_link_busy_a_client_is_refused)
{
    server0_up();
    for (int i = 0; i < LINKS; i++)
        client_connects(0);
    calls();
    cr_assert_str_eq(client_connects(0), "", "no link: the host hears nothing");
    cr_assert_str_eq(calls(), "accept 0 on -1\n");
    cr_assert(strstr(ctl("state"), "\"server\":0,\"listening\":true,\"port\":8080,\"host_port\":8080,"
                                   "\"backlog\":3,\"accepted\":10,\"refused\":1}"),
              "state: %s", ctl("state"));
}

Test(server, serverstop_waits_for_its_clients_to_close)
{
    server0_up();
    client_connects(0);
    calls();
    EXCHANGES({"AT+SERVERSTOP=0\r", "\r\n+SERVERSTOP: 0,9\r\n\r\nERROR\r\n"},   /* sockets opened */
              {"AT+CIPCLOSE=0\r", "\r\nOK\r\n\r\n+CIPCLOSE: 0,0\r\n"},
              {"AT+SERVERSTOP=0\r", "\r\nOK\r\n\r\n+SERVERSTOP: 0,0\r\n"},
              {"AT+SERVERSTOP=0\r", "\r\n+SERVERSTOP: 0,4\r\n\r\nERROR\r\n"},    /* not listening */
              {"AT+SERVERSTOP=4\r", "\r\nERROR\r\n"}, {"AT+SERVERSTOP=?\r", "\r\nERROR\r\n"},
              {"AT+SERVERSTART?\r", "\r\nOK\r\n"});
    cr_assert_str_eq(calls(), "close 0\nunlisten 0\n");
    cr_assert_str_eq(client_connects(0), "", "a late connection of a stopped server is refused");
    cr_assert_str_eq(calls(), "accept 0 on -1\n");
}

Test(server, closing_or_losing_the_network_stops_the_servers)
{
    server0_up();
    cr_assert_str_eq(io("AT+NETCLOSE\r"), "\r\nOK\r\n\r\n+NETCLOSE: 0\r\n");
    cr_assert_str_eq(calls(), "unlisten 0\n");
    EXCHANGES({"AT+SERVERSTART?\r", "\r\n+CIPERROR: 2\r\n\r\nERROR\r\n"},
              {"AT+SERVERSTOP=0\r", "\r\n+SERVERSTOP: 0,2\r\n\r\nERROR\r\n"});
    server0_up();
    client_connects(0);
    calls();
    cr_assert_str_eq(ctl("reg 0"), "OK registration 0");
    cr_assert_str_eq(advance(1), "\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n");
    cr_assert_str_eq(calls(), "close 0\nunlisten 0\n");
}

Test(server, transparent_mode_serves_on_server_0_and_link_0)
{
    EXCHANGES({"AT+CIPMODE=1\r", "\r\nOK\r\n"});
    net_up();
    EXCHANGES({"AT+SERVERSTART=8080,1\r", "\r\n+CIPERROR: 4\r\n\r\nERROR\r\n"},
              {"AT+SERVERSTART=8080,0\r", "\r\nOK\r\n"});
    calls();
    cr_assert_str_eq(client_connects(0), "\r\n+CLIENT: 0,0,203.0.113.7:7000\r\n\r\nCONNECT 115200\r\n");
    cr_assert_str_eq(calls(), "accept 0 on 0\n");
    cr_assert_str_eq(io("abc"), "");
    cr_assert_eq(memcmp(net.sent, "abc", 3), 0, "the host's bytes go to the client");
    cr_assert_str_eq(post(SIM_NET_RECEIVED, 0, SIM_NET_OK, "xyz", 3), "xyz");
    calls();
    cr_assert_str_eq(client_connects(0), "", "link 0 is taken: a second client is refused");
    cr_assert_str_eq(calls(), "accept 0 on -1\n");
    cr_assert_str_eq(post(SIM_NET_CLOSED, 0, SIM_NET_PEER_CLOSED, NULL, 0), "\r\nCLOSED\r\n");
}

/* The SSL family's transparent open, pending, holds transparent mode: a
 * client of server 0 is refused rather than take the UART before its CONNECT. */
Test(server, a_pending_transparent_ssl_open_refuses_a_client)
{
    EXCHANGES({"AT+CIPMODE=1\r", "\r\nOK\r\n"});
    net_up();
    EXCHANGES({"AT+SERVERSTART=" SERVER_PORT ",0\r", "\r\nOK\r\n"}, {"AT+CCHMODE=1\r", "\r\nOK\r\n"},
              {"AT+CCHSTART\r", "\r\nOK\r\n\r\n+CCHSTART: 0\r\n"},
              {"AT+CCHOPEN=0,\"example.com\",443,2\r", ""});
    calls();
    cr_assert_str_eq(client_connects(0), "", "the SSL open holds transparent mode");
    cr_assert_str_eq(calls(), "accept 0 on -1\n");
    cr_assert(strstr(ctl("state"), "\"accepted\":0,\"refused\":1}"), "state: %s", ctl("state"));
    cr_assert_str_eq(post(SIM_NET_OPENED, 10, SIM_NET_OK, NULL, 0), "\r\nCONNECT 115200\r\n");
}

/* ---- local ports --------------------------------------------------------------------- */

Test(server, a_local_port_another_link_or_a_server_has_is_a_bind_failure)
{
    server0_up();
    EXCHANGES({"AT+CIPOPEN=1,\"UDP\",,,5000\r", "\r\nOK\r\n"});
    post(SIM_NET_OPENED, 1, SIM_NET_OK, NULL, 0);
    EXCHANGES({"AT+CIPOPEN=2,\"UDP\",,,5000\r", "\r\n+CIPOPEN: 2,6\r\n\r\nERROR\r\n"},
              {"AT+CIPOPEN=3,\"TCP\",\"example.com\",80,5000\r", "\r\n+CIPOPEN: 3,6\r\n\r\nERROR\r\n"},
              {"AT+CIPOPEN=3,\"TCP\",\"example.com\",80,8080\r", "\r\n+CIPOPEN: 3,6\r\n\r\nERROR\r\n"},
              {"AT+SERVERSTART=5000,1\r", "\r\n+CIPERROR: 6\r\n\r\nERROR\r\n"},
              {"AT+CIPOPEN=3,\"TCP\",\"example.com\",80,5001\r", "\r\nOK\r\n"});
    cr_assert_str_eq(calls(), "open 1 udp :0 local 5000\nopen 3 tcp example.com:80 local 5001\n");
    /* a port this module does not use but the host does: the network says so */
    cr_assert_str_eq(post(SIM_NET_OPENED, 3, SIM_NET_IN_USE, NULL, 0), "\r\n+CIPOPEN: 3,6\r\n");
}

Test(server, state_shows_where_the_host_reaches_each_server)
{
    net_up();
    net.listen_host_port = 40123;
    EXCHANGES({"AT+SERVERSTART=8080,2\r", "\r\nOK\r\n"});
    cr_assert(strstr(ctl("state"), "{\"server\":2,\"listening\":true,\"port\":8080,\"host_port\":40123,"),
              "state: %s", ctl("state"));
}

static void setup_without_network(void) { start_with(NULL); }

Test(server, without_a_network_a_server_cannot_start, .init = setup_without_network)
{
    net_up();
    EXCHANGES({"AT+SERVERSTART=8080,0\r", "\r\n+CIPERROR: 1\r\n\r\nERROR\r\n"});
}
