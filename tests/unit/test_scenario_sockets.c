/* The scenario language's socket side (issue 16): net-map rules, the
 * runner's test servers and their {server} placeholders, expect-server-
 * received, and the events socket-close, dns-fail and network-lost, each
 * into its fields and its simulator control line, every error with its line. */
#include "scenario_sim.h"
#include "scn_fixture.h"

static struct strbuf line;

static void teardown(void)
{
    scn_fixture_free();
    sb_free(&line);
}

TestSuite(scn_sockets, .fini = teardown);

static const char *event_line(size_t i)
{
    sb_reset(&line);
    scn_sim_event_line(&sc->events[i], &line);
    return sb_str(&line);
}

static const char *expanded(const struct scn_bytes *b, const uint16_t *ports)
{
    sb_reset(&line);
    scn_expand_servers(sc, b, ports, &line);
    return sb_str(&line);
}

#define HDR "scenario x\n"

Test(scn_sockets, net_map_rules_are_kept_in_order_with_their_lines)
{
    parse_ok(HDR "net-map \"cloud.example.com:5000=127.0.0.1:7000\"\n"
                 "net-map \"*:8883=127.0.0.1:*\"\nwait 1\n");
    cr_assert_eq(sc->world.n_net_map, 2);
    cr_expect_str_eq(sc->world.net_map[0].ptr, "cloud.example.com:5000=127.0.0.1:7000");
    cr_expect_str_eq(sc->world.net_map[1].ptr, "*:8883=127.0.0.1:*");
    cr_expect_eq(sc->world.net_map_line[0], 2);
    cr_expect_eq(sc->world.net_map_line[1], 3);
    cr_expect(sc->uses_sim_only);
}

Test(scn_sockets, a_net_map_rule_without_both_sides_is_refused_with_the_form)
{
    one_error(HDR "net-map \"cloud.example.com:5000\"\nwait 1\n", 2, "expected \"HOST:PORT=HOST:PORT\"");
}

Test(scn_sockets, a_net_map_rule_after_the_first_step_is_refused)
{
    one_error(HDR "wait 1\nnet-map \"a:1=b:2\"\n", 3, "must come before the first step");
}

Test(scn_sockets, net_map_on_hardware_only_is_refused)
{
    one_error(HDR "targets hardware\nnet-map \"a:1=b:2\"\nwait 1\n", 3, "needs the simulator");
}

Test(scn_sockets, servers_get_their_kind_name_and_port)
{
    parse_ok(HDR "server echo\nserver sink name=cloud port=15000\nwait 1\n");
    cr_assert_eq(sc->n_servers, 2);
    cr_expect_eq(sc->servers[0].kind, SCN_SERVER_ECHO);
    cr_expect_str_eq(sc->servers[0].name, "server-1");
    cr_expect_eq(sc->servers[0].port, 0);
    cr_expect_eq(sc->servers[1].kind, SCN_SERVER_SINK);
    cr_expect_str_eq(sc->servers[1].name, "cloud");
    cr_expect_eq(sc->servers[1].port, 15000);
    cr_expect_eq(sc->servers[1].line, 3);
}

Test(scn_sockets, server_errors_name_the_line_and_what_to_write)
{
    one_error(HDR "server udp\nwait 1\n", 2, "expected one of: echo, sink");
    scn_diags_free(&diags);
    one_error(HDR "server echo name=a\nserver sink name=a\nwait 1\n", 3, "already started");
    scn_diags_free(&diags);
    one_error(HDR "server echo port=70000\nwait 1\n", 2, "port=70000");
    scn_diags_free(&diags);
    one_error(HDR "server echo name=a/b\nwait 1\n", 2, "bad server name=a/b");
}

Test(scn_sockets, placeholders_in_net_map_and_send_become_the_servers_ports)
{
    parse_ok(HDR "server echo\nserver sink name=log\n"
                 "net-map \"cloud.example.com:5000=127.0.0.1:{server}\"\n"
                 "send \"AT+CIPOPEN=0,\\\"TCP\\\",\\\"127.0.0.1\\\",{server:log}\"\n"
                 "send-raw \"{not-a-placeholder} {server:log}{server}\"\n");
    const uint16_t ports[] = {40001, 40002};
    cr_expect_str_eq(expanded(&sc->world.net_map[0], ports), "cloud.example.com:5000=127.0.0.1:40001");
    cr_expect_str_eq(expanded(&sc->steps[0].text, ports), "AT+CIPOPEN=0,\"TCP\",\"127.0.0.1\",40002");
    cr_expect_str_eq(expanded(&sc->steps[1].text, ports), "{not-a-placeholder} 4000240001");
}

Test(scn_sockets, a_placeholder_without_its_server_is_an_error_on_its_line)
{
    one_error(HDR "net-map \"a:1=127.0.0.1:{server}\"\nwait 1\n", 2, "starts none");
    scn_diags_free(&diags);
    one_error(HDR "server echo\nsend \"AT {server:other}\"\n", 3, "'{server:other}' names no test server");
    scn_diags_free(&diags);
    one_error(HDR "server echo\nsend \"AT {server\"\n", 3, "names no test server");
}

Test(scn_sockets, expect_server_received_takes_bytes_or_a_regex_a_server_and_a_bound)
{
    parse_ok(HDR "server echo\nserver sink name=log\nwait 1\n"
                 "expect-server-received \"a\\r\\n\\x00b\"\n"
                 "expect-server-received /^GET / server=log within=2s\n");
    const struct scn_step *s = &sc->steps[1];
    cr_expect_eq(s->kind, SCN_STEP_EXPECT_SERVER_RECEIVED);
    cr_expect_eq(s->pat.kind, SCN_PAT_EXACT);
    cr_expect_eq(s->pat.text.len, 5);
    cr_expect(memcmp(s->pat.text.ptr, "a\r\n\0b", 5) == 0, "the bytes are kept exactly, NUL included");
    cr_expect_eq(s->server_idx, 0);
    cr_expect_eq(s->within_ms, SCN_DEFAULT_EXPECT_MS);
    cr_expect_eq(sc->steps[2].pat.kind, SCN_PAT_REGEX);
    cr_expect_eq(sc->steps[2].server_idx, 1);
    cr_expect_eq(sc->steps[2].within_ms, 2000);
    cr_expect(scn_pattern_match(&s->pat, "a\r\n\0b", 5));
    cr_expect_not(scn_pattern_match(&s->pat, "a\r\n\0bc", 6), "byte-exact: one byte more does not match");
}

Test(scn_sockets, expect_server_received_needs_a_server)
{
    one_error(HDR "wait 1\nexpect-server-received \"x\"\n", 3, "starts none");
    scn_diags_free(&diags);
    one_error(HDR "server echo\nexpect-server-received \"x\" server=nope\n", 3, "no server named 'nope'");
}

Test(scn_sockets, socket_events_become_the_simulators_control_lines)
{
    parse_ok(HDR "at 1s socket-close 3\n"
                 "on-send \"AT+CIPOPEN=1\" dns-fail \"cloud.example.com\"\n"
                 "after-publishes 2 network-lost\n"
                 "on-send \"AT+CSQ\" nth=2 socket-close 0\nwait 1\n");
    cr_assert_eq(sc->n_events, 4);
    cr_expect_eq(sc->events[0].kind, SCN_ACT_SOCKET_CLOSE);
    cr_expect_eq(sc->events[0].value, 3);
    cr_expect_eq(sc->events[1].kind, SCN_ACT_DNS_FAIL);
    cr_expect_eq(sc->events[2].kind, SCN_ACT_REGISTRATION, "network-lost is registration 0");
    cr_expect_eq(sc->events[2].value, 0);
    cr_expect_str_eq(event_line(0), "close 3");
    cr_expect_str_eq(event_line(1), "rule on-send \"AT+CIPOPEN=1\" nth=1 dns-fail \"cloud.example.com\"");
    cr_expect_str_eq(event_line(2), "rule after-publishes 2 reg 0");
    cr_expect_str_eq(event_line(3), "rule on-send \"AT+CSQ\" nth=2 close 0");
    cr_expect_str_eq(scn_action_kind_str(sc->events[0].kind), "socket-close");
    cr_expect_str_eq(scn_action_kind_str(sc->events[1].kind), "dns-fail");
}

Test(scn_sockets, socket_event_errors_name_the_line_and_the_range)
{
    one_error(HDR "at 1s socket-close 10\nwait 1\n", 2, "from 0 to 9");
    scn_diags_free(&diags);
    one_error(HDR "at 1s dns-fail \"cloud.example.com:5000\"\nwait 1\n", 2, "without blanks, quotes or a port");
    scn_diags_free(&diags);
    one_error(HDR "at 1s dns-fail cloud\nwait 1\n", 2, "must be a quoted string");
    scn_diags_free(&diags);
    one_error(HDR "at 1s network-lost 2\nwait 1\n", 2, "network-lost");
}

Test(scn_sockets, the_example_scenarios_with_sockets_parse)
{
    const char *files[] = {"scenarios/wire-socket-echo.scn", "scenarios/wire-socket-faults.scn"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        struct scenario *one = NULL;
        enum scn_status st = scn_parse_file(files[i], &one, &diags);
        if (st != SCN_OK)
            scn_diags_print(&diags, stderr);
        cr_expect_eq(st, SCN_OK, "%s does not parse", files[i]);
        cr_expect_gt(one ? one->n_servers : 0, 0, "%s starts a test server", files[i]);
        scn_free(one);
    }
}
