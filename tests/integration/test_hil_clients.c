/* sim7600-hil run as a client of the module's own TCP server (issue 16):
 * client-connect finds where the simulator listens for the module's server
 * (its own port, or another when the host has that one), the bytes go both
 * ways, and each way it can go wrong fails with what happened and what to
 * do; against a port, a scenario with a client is skipped, saying why. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim_process.h"
#include "test_dir.h"

#define RUN_BOUND_MS 30000
#define OUT_CAP 65536
#define TEXT_CAP 2048
#define HOLDER_BACKLOG 1

static char out[OUT_CAP];
static int holder = -1;   /* a host socket holding a port the module's server then asks for */

static void make_dir(void) { test_dir_make("hil-clients-"); }

static void cleanup(void)
{
    if (holder >= 0)
        close(holder);
    test_dir_remove();
}

#define hil_run(...) hil_tool(out, sizeof out, RUN_BOUND_MS, "run", __VA_ARGS__)

TestSuite(hil_clients, .init = make_dir, .fini = cleanup, .timeout = 60);

/* Opens the network and starts server 0 on PORT (a printf argument). */
#define SERVER_ON_PORT                                          \
    "scenario \"%s\"\ntargets sim\ntime-limit 10s\n"            \
    "send \"AT+NETOPEN\"\nexpect \"+NETOPEN: 0\"\n"             \
    "send \"AT+SERVERSTART=%d,0\"\nexpect \"OK\"\n"

/* A loopback port a host socket of the test listens on, held until it ends. */
static int held_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    holder = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(holder >= 0 && bind(holder, (struct sockaddr *)&a, sizeof a) == 0 &&
              listen(holder, HOLDER_BACKLOG) == 0 && getsockname(holder, (struct sockaddr *)&a, &len) == 0);
    return ntohs(a.sin_port);
}

Test(hil_clients, the_example_scenario_passes)
{
    int st = hil_run("scenarios/wire-socket-server.scn", NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "pass  wire-socket-server"), "%s", out);
}

Test(hil_clients, a_port_the_host_has_is_reached_where_the_simulator_moved_it)
{
    char text[TEXT_CAP];
    int port = held_port();
    snprintf(text, sizeof text,
             SERVER_ON_PORT "client-connect %d\nexpect /^\\+CLIENT: 0,0,127\\.0\\.0\\.1:/\n"
                            "client-send \"ping\"\nexpect \"+RECEIVE,0,4\"\n"
                            "send \"AT+CIPSEND=0,4\"\nexpect-prompt\nsend-raw \"pong\"\n"
                            "expect-client-received \"pong\"\nclient-close\nexpect \"+IPCLOSE: 0,1\"\n",
             "moved", port, port);
    int st = hil_run(test_dir_file("m.scn", text), NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
}

Test(hil_clients, two_clients_each_get_their_own_link_and_a_named_one_connects_again_afresh)
{
    char text[TEXT_CAP];
    int port = held_port();
    snprintf(text, sizeof text,
             SERVER_ON_PORT "client-connect %d client=a\nexpect /^\\+CLIENT: 0,0,/\n"
                            "client-connect %d client=b\nexpect /^\\+CLIENT: 1,0,/\n"
                            "client-send \"from b\"\nexpect \"+RECEIVE,1,6\"\n"
                            "client-send \"from a\" client=a\nexpect \"+RECEIVE,0,6\"\n"
                            "send \"AT+CIPSEND=1,5\"\nexpect-prompt\nsend-raw \"to b!\"\nexpect \"+CIPSEND: 1,5,5\"\n"
                            "send \"AT+CIPSEND=0,5\"\nexpect-prompt\nsend-raw \"to a!\"\n"
                            "expect-client-received \"to b!\"\nexpect-client-received \"to a!\" client=a\n"
                            "client-close client=a\nexpect \"+IPCLOSE: 0,1\"\n"
                            "client-connect %d client=a\nexpect /^\\+CLIENT: 0,0,/\n"
                            "send \"AT+CIPSEND=0,5\"\nexpect-prompt\nsend-raw \"again\"\n"
                            "expect-client-received \"again\" client=a\n"
                            "expect-client-received \"to b!\" client=b\n",
             "two-clients", port, port, port, port);
    int st = hil_run(test_dir_file("t.scn", text), NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
}

Test(hil_clients, no_server_on_the_port_fails_saying_what_listens_and_what_to_do)
{
    char text[TEXT_CAP];
    int port = held_port();   /* the module listens there, never on 7 */
    snprintf(text, sizeof text, SERVER_ON_PORT "client-connect 7 within=300ms\n", "none-there", port);
    int st = hil_run(test_dir_file("n.scn", text), NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    char want[256];
    snprintf(want, sizeof want, "line 8: no server of the module listens on port 7 within 0.30s (did the firmware "
                                "run AT+SERVERSTART=7,0 after +NETOPEN: 0?); its servers: server 0 on port %d", port);
    cr_assert(strstr(out, want), "%s", out);
}

Test(hil_clients, with_the_network_closed_no_server_listens)
{
    const char *text = "scenario \"no-network\"\ntargets sim\ntime-limit 10s\nsend \"AT\"\nexpect \"OK\"\n"
                       "client-connect 8080 within=200ms\n";
    int st = hil_run(test_dir_file("c.scn", text), NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "line 6: no server of the module listens on port 8080 within 0.20s"), "%s", out);
    cr_assert(strstr(out, "its servers: none listening"), "%s", out);
}

Test(hil_clients, bytes_the_client_did_not_get_fail_the_step_showing_what_it_got)
{
    char text[TEXT_CAP];
    int port = held_port();
    snprintf(text, sizeof text,
             SERVER_ON_PORT "client-connect %d client=poller\nexpect /^\\+CLIENT: 0,/\n"
                            "send \"AT+CIPSEND=0,5\"\nexpect-prompt\nsend-raw \"hello\"\nexpect \"+CIPSEND: 0,5,5\"\n"
                            "send \"AT+CIPCLOSE=0\"\nexpect \"+CIPCLOSE: 0,0\"\n"
                            "expect-client-received \"hellO\" within=300ms\n",
             "wrong-bytes", port, port);
    int st = hil_run(test_dir_file("w.scn", text), NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "line 16: client poller did not receive \"hellO\" within 0.30s; it received 5 bytes "
                          "(the module's end closed the connection): \"hello\""), "%s", out);
}

Test(hil_clients, against_a_port_a_scenario_with_a_client_is_skipped_saying_why)
{
    struct sim_process sim;
    cr_assert_eq(simproc_start(&sim, NULL), 0);
    cr_assert_eq(simproc_open(&sim), 0, "cannot open %s", sim.pty_path);
    cr_assert(simproc_expect(&sim, "PB DONE\r\n", SIMPROC_DEFAULT_TIMEOUT_MS), "no boot: %s", simproc_pending(&sim));
    simproc_close_port(&sim);
    const char *text = "scenario \"client-needs-loopback\"\nsend \"AT\"\nexpect \"OK\"\nclient-connect 8080\n";
    int st = hil_run("--target", sim.pty_path, test_dir_file("s.scn", text), NULL);
    simproc_stop(&sim);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert(strstr(out, "skip  client-needs-loopback"), "%s", out);
    cr_assert(strstr(out, "line 4: a client of the module's server from the runner's loopback"), "%s", out);
}
