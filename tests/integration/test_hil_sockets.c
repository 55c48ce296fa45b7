/* sim7600-hil run with a firmware's own sockets (issue 16): the runner's
 * loopback test servers reached through net-map rules, what they received
 * checked byte for byte, the socket events fired; against a port, a
 * scenario with a test server is skipped, saying why. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "hil_bench.h"
#include "mosquitto_process.h"
#include "test_dir.h"

#define RUN_BOUND_MS 30000
#define OUT_CAP 65536

static char out[OUT_CAP];

static void make_dir(void) { test_dir_make("hil-sockets-"); }
#define hil_run(...) hil_tool(out, sizeof out, RUN_BOUND_MS, "run", __VA_ARGS__)

TestSuite(hil_sockets, .init = make_dir, .fini = test_dir_remove, .timeout = 60);

/* Opens the network and link 0 to cloud.example.com:5000, then sends "hello". */
#define OPEN_AND_SEND_HELLO                                             \
    "send \"ATE0\"\nexpect \"OK\"\n"                                    \
    "send \"AT+NETOPEN\"\nexpect \"+NETOPEN: 0\"\n"                     \
    "send \"AT+CIPOPEN=0,\\\"TCP\\\",\\\"cloud.example.com\\\",5000\"\n" \
    "expect \"+CIPOPEN: 0,0\"\n"                                        \
    "send \"AT+CIPSEND=0,5\"\nexpect-prompt\nsend-raw \"hello\"\n"      \
    "expect \"+CIPSEND: 0,5,5\"\n"

Test(hil_sockets, the_example_socket_scenarios_pass_side_by_side)
{
    int st = hil_run("-j", "2", "scenarios/wire-socket-echo.scn", "scenarios/wire-socket-faults.scn", NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "pass  wire-socket-echo"), "%s", out);
    cr_assert(strstr(out, "pass  wire-socket-faults"), "%s", out);
}

Test(hil_sockets, bytes_the_server_did_not_get_fail_the_step_showing_what_it_got)
{
    const char *text = "scenario \"wrong-bytes\"\ntime-limit 10s\nserver sink name=cloud\n"
                       "net-map \"cloud.example.com:5000=127.0.0.1:{server:cloud}\"\n" OPEN_AND_SEND_HELLO
                       "expect-server-received \"hellO\" within=500ms\n";
    int st = hil_run(test_dir_file("w.scn", text), NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "line 15: server cloud did not receive \"hellO\" within 0.50s; it received 5 bytes: "
                          "\"hello\""), "%s", out);
}

Test(hil_sockets, without_a_net_map_rule_the_message_says_nothing_reached_the_server)
{
    const char *text = "scenario \"not-steered\"\ntime-limit 10s\nserver echo\n"
                       "send \"AT\"\nexpect \"OK\"\nexpect-server-received /x/ within=200ms\n";
    int st = hil_run(test_dir_file("n.scn", text), NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "no connection reached it"), "%s", out);
}

Test(hil_sockets, a_server_on_a_fixed_port_is_reached_by_a_literal_rule)
{
    char text[1024], port[16];
    snprintf(port, sizeof port, "%d", free_tcp_port());
    snprintf(text, sizeof text,
             "scenario \"fixed-port\"\ntime-limit 10s\nserver echo port=%s\n"
             "net-map \"cloud.example.com:5000=127.0.0.1:%s\"\n" OPEN_AND_SEND_HELLO
             "expect-server-received \"hello\"\nexpect \"+RECEIVE,0,5\"\n", port, port);
    int st = hil_run(test_dir_file("f.scn", text), NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
}

Test(hil_sockets, a_dns_fail_event_at_a_time_makes_the_next_open_a_dns_error)
{
    const char *text = "scenario \"dns-later\"\ntime-limit 10s\nserver sink\n"
                       "net-map \"cloud.example.com:5000=127.0.0.1:{server}\"\n"
                       "at 300ms dns-fail \"cloud.example.com\"\n"
                       "send \"AT+NETOPEN\"\nexpect \"+NETOPEN: 0\"\nwait 600ms\n"
                       "send \"AT+CIPOPEN=0,\\\"TCP\\\",\\\"cloud.example.com\\\",5000\"\n"
                       "expect \"+CIPOPEN: 0,11\"\n";
    int st = hil_run(test_dir_file("d.scn", text), NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
}

Test(hil_sockets, against_a_port_a_scenario_with_a_test_server_is_skipped_saying_why)
{
    const char *text = "scenario \"needs-loopback\"\nserver echo\nsend \"AT\"\nexpect \"OK\"\n";
    hil_assert_skipped_on_bench(text, "needs-loopback", "line 2: a test server on the runner's loopback");
}
