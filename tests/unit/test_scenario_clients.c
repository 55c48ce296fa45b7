/* The scenario language's clients of the module's own TCP server (issue 16):
 * client-connect, client-send, expect-client-received and client-close, each
 * into its fields with its defaults, which client a step names, and every
 * error on its line (unknown or closed client, bad port, too many clients,
 * hardware targets). */
#include "scn_fixture.h"

TestSuite(scn_clients, .fini = scn_fixture_free);

#define HDR "scenario x\n"

Test(scn_clients, the_four_steps_parse_with_their_defaults)
{
    parse_ok(HDR "client-connect 8080\nclient-send \"GET\\r\\n\\x00\"\nexpect-client-received \"OK\"\n"
                 "expect-client-received /^OK/ within=2s\nclient-close\n");
    cr_assert_eq(sc->n_steps, 5);
    cr_assert_eq(sc->n_clients, 1);
    cr_expect_str_eq(sc->clients[0].name, "client-1");
    cr_expect_eq(sc->clients[0].line, 2);

    const struct scn_step *c = &sc->steps[0];
    cr_expect_eq(c->kind, SCN_STEP_CLIENT_CONNECT);
    cr_expect_eq(c->port, 8080);
    cr_expect_eq(c->within_ms, SCN_DEFAULT_EXPECT_MS);
    cr_expect_eq(c->client_idx, 0);

    const struct scn_step *snd = &sc->steps[1];
    cr_expect_eq(snd->kind, SCN_STEP_CLIENT_SEND);
    cr_assert_eq(snd->text.len, 6, "C escapes, the NUL byte kept");
    cr_expect(memcmp(snd->text.ptr, "GET\r\n\0", 6) == 0);

    cr_expect_eq(sc->steps[2].kind, SCN_STEP_EXPECT_CLIENT_RECEIVED);
    cr_expect_eq(sc->steps[2].pat.kind, SCN_PAT_EXACT);
    cr_expect_eq(sc->steps[2].within_ms, SCN_DEFAULT_EXPECT_MS);
    cr_expect_eq(sc->steps[3].pat.kind, SCN_PAT_REGEX);
    cr_expect_eq(sc->steps[3].within_ms, 2000);
    cr_expect_eq(sc->steps[4].kind, SCN_STEP_CLIENT_CLOSE);
    cr_expect(sc->uses_sim_only, "the steps need the simulator");
    cr_expect_str_eq(scn_step_kind_str(SCN_STEP_EXPECT_CLIENT_RECEIVED), "expect-client-received");
}

Test(scn_clients, unnamed_clients_are_numbered_and_a_step_defaults_to_the_latest_connect)
{
    parse_ok(HDR "client-connect 80\nclient-connect 81 within=1s\nclient-send \"b\"\n"
                 "client-send \"a\" client=client-1\nclient-close\nexpect-client-received \"x\"\n");
    cr_assert_eq(sc->n_clients, 2);
    cr_expect_str_eq(sc->clients[1].name, "client-2");
    cr_expect_eq(sc->steps[1].within_ms, 1000);
    cr_expect_eq(sc->steps[2].client_idx, 1, "no client=: the latest client-connect's");
    cr_expect_eq(sc->steps[3].client_idx, 0);
    cr_expect_eq(sc->steps[4].client_idx, 1);
    cr_expect_eq(sc->steps[5].client_idx, 1, "what a closed client received may still be checked");
}

Test(scn_clients, a_named_client_connects_again_after_its_close)
{
    parse_ok(HDR "client-connect 80 client=poller\nclient-close client=poller\n"
                 "client-connect 80 client=poller\nclient-connect 80\nclient-close client=poller\n");
    cr_assert_eq(sc->n_clients, 2, "the second connect of poller is the same client");
    cr_expect_eq(sc->steps[2].client_idx, 0);
    cr_expect_str_eq(sc->clients[1].name, "client-2");
}

Test(scn_clients, an_unnamed_client_skips_a_number_a_name_took)
{
    parse_ok(HDR "client-connect 80 client=client-2\nclient-connect 80\nclient-connect 80\n");
    cr_assert_eq(sc->n_clients, 3);
    cr_expect_str_eq(sc->clients[1].name, "client-3");
    cr_expect_str_eq(sc->clients[2].name, "client-4");
}

Test(scn_clients, a_step_naming_no_connected_client_is_an_error_on_its_line)
{
    one_error(HDR "client-send \"x\"\n", 2, "no client-connect comes before it");
    one_error(HDR "client-connect 80\nexpect-client-received \"x\" client=other\n", 3, "no client named 'other'");
    one_error(HDR "client-close client=late\nclient-connect 80 client=late\n", 2, "no client named 'late'");
}

Test(scn_clients, a_closed_client_cannot_send_or_close_and_a_connected_one_cannot_connect)
{
    one_error(HDR "client-connect 80\nclient-close\nclient-send \"x\"\n", 4, "was closed above");
    one_error(HDR "client-connect 80\nclient-close\nclient-close\n", 4, "was closed above");
    one_error(HDR "client-connect 80 client=a\nclient-connect 81 client=a\n", 3, "still connected (line 2)");
}

Test(scn_clients, a_bad_port_is_refused_with_what_it_stands_for)
{
    one_error(HDR "client-connect 0\n", 2, "module port (AT+SERVERSTART's)");
    one_error(HDR "client-connect 65536\n", 2, "module port (AT+SERVERSTART's)");
    one_error(HDR "client-connect \"8080\"\n", 2, "module port (AT+SERVERSTART's)");
    one_error(HDR "client-connect\n", 2, "usage: client-connect PORT");
}

Test(scn_clients, a_fifth_client_is_too_many)
{
    one_error(HDR "client-connect 1\nclient-connect 2\nclient-connect 3\nclient-connect 4\nclient-connect 5\n", 6,
              "more than 4 clients");
}

Test(scn_clients, options_and_names_are_checked)
{
    one_error(HDR "client-connect 80 client=\"a b\"\n", 2, "client name");
    one_error(HDR "client-connect 80 client=a.b\n", 2, "bad client name=a.b");
    one_error(HDR "client-connect 80\nclient-send \"x\" within=1s\n", 3, "has no option 'within'");
    one_error(HDR "client-connect 80\nclient-close now\n", 3, "'client-close' takes 0 arguments");
    one_error(HDR "client-connect 80\nexpect-client-received /(/\n", 3, "bad regular expression");
}

Test(scn_clients, the_steps_need_the_simulator)
{
    one_error(HDR "targets hardware\nclient-connect 80\n", 3, "needs the simulator");
}

Test(scn_clients, the_example_scenario_parses_with_its_client)
{
    struct scenario *one = NULL;
    enum scn_status st = scn_parse_file("scenarios/wire-socket-server.scn", &one, &diags);
    if (st != SCN_OK)
        scn_diags_print(&diags, stderr);
    cr_assert_eq(st, SCN_OK);
    cr_expect_eq(one->n_clients, 1);
    cr_expect_str_eq(one->clients[0].name, "poller");
    scn_free(one);
}
