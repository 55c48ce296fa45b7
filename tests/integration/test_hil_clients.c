/* sim7600-hil run as a client of the module's own TCP server (issue 16):
 * client-connect finds where the simulator listens for the module's server
 * (its own port, or another when the host has that one), the bytes go both
 * ways, and each way it can go wrong fails with what happened and what to
 * do; against a port, a scenario with a client is skipped, saying why. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hil_bench.h"
#include "loopback_port.h"
#include "test_dir.h"

#define RUN_BOUND_MS 30000
#define OUT_CAP 65536
#define TEXT_CAP 2048
#define CLOSED_WITHIN_S 8    /* a within= the step must not wait out (under the time-limit) */

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

static int held_port(void) { return loopback_port_hold(&holder); }

/* The module's server on a port the host holds, client poller connected to
 * it (lines 8-9), then `steps` from line 10: the runner's exit status. */
static int run_connected(const char *name, const char *steps)
{
    char text[TEXT_CAP];
    int port = held_port();
    snprintf(text, sizeof text,
             SERVER_ON_PORT "client-connect %d client=poller\nexpect /^\\+CLIENT: 0,0,127\\.0\\.0\\.1:/\n%s", name, port,
             port, steps);
    return hil_run(test_dir_file("c.scn", text), NULL);
}

/* Scenario `text` fails, saying `want` (the output stays in out). */
static void fails_saying(const char *text, const char *want)
{
    int st = hil_run(test_dir_file("f.scn", text), NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, want), "expected \"%s\" in:\n%s", want, out);
}

/* Lines 10-13: the module sends "hello" on link 0. */
#define MODULE_SENDS_HELLO \
    "send \"AT+CIPSEND=0,5\"\nexpect-prompt\nsend-raw \"hello\"\nexpect \"+CIPSEND: 0,5,5\"\n"

Test(hil_clients, the_example_scenario_passes)
{
    int st = hil_run("scenarios/wire-socket-server.scn", NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "pass  wire-socket-server"), "%s", out);
}

Test(hil_clients, a_port_the_host_has_is_reached_where_the_simulator_moved_it)
{
    int st = run_connected("moved", "client-send \"ping\"\nexpect \"+RECEIVE,0,4\"\n"
                                    "send \"AT+CIPSEND=0,4\"\nexpect-prompt\nsend-raw \"pong\"\n"
                                    "expect-client-received \"pong\"\nclient-close\nexpect \"+IPCLOSE: 0,1\"\n");
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
    char want[256];
    snprintf(want, sizeof want, "line 8: no server of the module listens on port 7 within 0.30s (did the firmware "
                                "run AT+SERVERSTART=7,0 after +NETOPEN: 0?); its servers: server 0 on port %d", port);
    fails_saying(text, want);
}

Test(hil_clients, with_the_network_closed_no_server_listens)
{
    const char *text = "scenario \"no-network\"\ntargets sim\ntime-limit 10s\nsend \"AT\"\nexpect \"OK\"\n"
                       "client-connect 8080 within=200ms\n";
    fails_saying(text, "line 6: no server of the module listens on port 8080 within 0.20s");
    cr_assert(strstr(out, "its servers: none listening"), "%s", out);
}

Test(hil_clients, bytes_the_client_did_not_get_fail_the_step_showing_what_it_got)
{
    int st = run_connected("wrong-bytes", MODULE_SENDS_HELLO "expect-client-received \"hellO\" within=300ms\n");
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "line 14: client poller did not receive \"hellO\" within 0.30s; it received 5 bytes: "
                          "\"hello\""), "%s", out);
}

/* Once the module closed the link nothing more can come: the step says so at
 * once instead of waiting out its within=. */
Test(hil_clients, a_link_the_module_closed_fails_the_wait_at_once_saying_so)
{
    char steps[TEXT_CAP];
    snprintf(steps, sizeof steps,
             MODULE_SENDS_HELLO "send \"AT+CIPCLOSE=0\"\nexpect \"+CIPCLOSE: 0,0\"\n"
                                "expect-client-received \"hellO\" within=%ds\n", CLOSED_WITHIN_S);
    int st = run_connected("closed-early", steps);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    const char *want = "line 16: client poller did not receive \"hellO\": the module's end closed the connection "
                       "and nothing more can arrive (looked for ";
    const char *at = strstr(out, want);
    cr_assert(at, "%s", out);
    double looked = atof(at + strlen(want));
    cr_assert_lt(looked, CLOSED_WITHIN_S / 2.0, "the step looked for %.2fs, as if it waited out its within=:\n%s",
                 looked, out);
    cr_assert(strstr(at, "; it received 5 bytes: \"hello\""), "%s", out);
}

Test(hil_clients, against_a_port_a_scenario_with_a_client_is_skipped_saying_why)
{
    const char *text = "scenario \"client-needs-loopback\"\nsend \"AT\"\nexpect \"OK\"\nclient-connect 8080\n";
    hil_assert_skipped_on_bench(text, "client-needs-loopback",
                                "line 4: a client of the module's server from the runner's loopback");
}
