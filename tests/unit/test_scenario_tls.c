/* The scenario language's TLS side (issue 17): the tls statement into its
 * fields, connect tls=, the TLS results and placeholders, every error with
 * its line. */
#include "scn_fixture.h"

TestSuite(scn_tls, .fini = scn_fixture_free);

#define HEAD "scenario \"t\"\n"

Test(scn_tls, a_mutual_tls_statement_fills_every_field)
{
    parse_ok(HEAD "tls ca=\"ca.pem\" cert=\"client.pem\" key=\"client-key-enc.pem\" key-password=\"testpass\" "
                  "version=1.2 sni=1 check-time=1 upload=if-missing broker-cert=expired\nbring-up\nconnect\n");
    const struct scn_tls *t = &sc->tls;
    cr_assert_eq(t->line, 2);
    cr_assert_str_eq(t->file[SCN_TLS_CA], "ca.pem");
    cr_assert_str_eq(t->file[SCN_TLS_CERT], "client.pem");
    cr_assert_str_eq(t->file[SCN_TLS_KEY], "client-key-enc.pem");
    cr_assert(t->from_set[SCN_TLS_CA] && t->from_set[SCN_TLS_KEY]);
    cr_assert_str_eq(t->key_password, "testpass");
    cr_assert_eq(t->version, 4, "1.2 is enum sim7600_tls_version's SIM7600_TLS_1_2");
    cr_assert(t->sni && t->check_time && t->if_missing && t->expired_broker);
    cr_assert_eq(sc->steps[1].tls, -1, "a connect without tls= takes the statement's TLS");
}

Test(scn_tls, without_a_statement_there_is_no_tls_and_defaults_hold)
{
    parse_ok(HEAD "bring-up\nconnect tls=0\n");
    cr_assert_eq(sc->tls.line, 0);
    cr_assert_null(sc->tls.file[SCN_TLS_CA]);
    cr_assert_eq(sc->steps[1].tls, 0);
}

Test(scn_tls, a_path_is_resolved_against_the_scenarios_folder)
{
    struct scenario *none = NULL;
    const char *text = HEAD "tls ca=\"certs/mine.pem\"\nbring-up\n";
    cr_assert_eq(scn_parse_buffer("dir/t.scn", text, strlen(text), &none, &diags), SCN_ERR_INVALID);
    cr_assert_eq(diags.n, 1);
    cr_assert(strstr(diags.v[0].msg, "cannot read ca=\"dir/certs/mine.pem\""), "%s", diags.v[0].msg);
}

Test(scn_tls, a_name_outside_the_test_set_lists_the_set)
{
    one_error(HEAD "tls ca=\"root.pem\"\nbring-up\n", 2, "not in the runner's test set; expected one of: ca.pem");
}

Test(scn_tls, cert_and_key_go_together)
{
    one_error(HEAD "tls cert=\"client.pem\"\nbring-up\n", 2, "cert= and key= go together");
}

Test(scn_tls, a_key_password_needs_a_key_and_no_quote)
{
    one_error(HEAD "tls ca=\"ca.pem\" key-password=\"x\"\nbring-up\n", 2, "key-password= needs key=");
    scn_diags_free(&diags);
    one_error(HEAD "tls cert=\"client.pem\" key=\"client-key.pem\" key-password=\"a\\\"b\"\nbring-up\n", 2,
              "without '\"'");
}

Test(scn_tls, bad_names_are_told_with_the_choices)
{
    one_error(HEAD "tls ca=\"ca.pem\" version=1.3\nbring-up\n", 2, "1.3");
    scn_diags_free(&diags);
    one_error(HEAD "tls ca=\"ca.pem\" upload=never\nbring-up\n", 2, "never");
}

Test(scn_tls, tls_is_given_once_and_before_the_steps)
{
    one_error(HEAD "tls ca=\"ca.pem\"\ntls ca=\"ca.der\"\nbring-up\n", 3, "tls");
    scn_diags_free(&diags);
    one_error(HEAD "bring-up\ntls ca=\"ca.pem\"\n", 3, "before the first step");
}

Test(scn_tls, connect_tls_1_needs_a_statement)
{
    one_error(HEAD "bring-up\nconnect tls=1\n", 3, "connect tls=1 needs a tls statement");
}

Test(scn_tls, the_tls_results_have_names)
{
    parse_ok(HEAD "tls ca=\"wrong-ca.pem\"\nbring-up\nconnect result=tls-handshake\nconnect result=tls-no-cert\n");
    cr_assert_eq(sc->steps[1].result, SCN_RES_TLS_HANDSHAKE);
    cr_assert_eq(sc->steps[2].result, SCN_RES_TLS_NO_CERT);
    cr_assert_str_eq(scn_result_str(SCN_RES_TLS_HANDSHAKE), "tls-handshake");
}

Test(scn_tls, tls_placeholders_are_known_and_need_a_statement)
{
    parse_ok(HEAD "tls ca=\"ca.pem\" cert=\"client.pem\" key=\"client-key.pem\"\n"
                  "program \"/bin/echo {tls-broker} {ca} {cert} {key}\"\nexpect-exit 0\n");
    cr_assert_str_eq(sc->programs[0].argv[1], "{tls-broker}");
    scn_free(sc);
    sc = NULL;
    one_error(HEAD "program \"/bin/echo --key {key}\"\nexpect-exit 0\n", 2, "{key} needs a tls statement");
}

Test(scn_tls, the_tls_statement_runs_on_hardware_too)
{
    parse_ok(HEAD "targets hardware\ntls ca=\"ca.pem\"\nbring-up\nconnect\n");
    cr_assert_eq(sc->tls.line, 3);
}
