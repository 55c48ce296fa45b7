/* sim7600-hil run over TLS (issue 17): the tls_*.scn scenarios on the
 * embedded broker and, with --broker mosquitto, against a private mosquitto's
 * TLS listener; and a TLS session's key and password never in a transcript
 * or a failure report. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mosquitto_process.h"
#include "test_dir.h"

#define RUN_BOUND_MS 90000
#define OUT_CAP 65536
#define KEY_PASSWORD "testpass"   /* tls_mutual_publish.scn's key-password (make-test-certs.sh's) */

static char out[OUT_CAP];

/* scenarios/tls_*.scn: server-only and mutual TLS, the failures (a wrong CA, a
 * refused client certificate, an expired broker checked), an expired broker
 * not checked, DER with SNI and the store asked first, 100 messages over a
 * connection loss, and sim7600-mqtt through the placeholders. */
#define TLS_SCENARIOS                                                                                \
    "scenarios/tls_server_publish.scn", "scenarios/tls_mutual_publish.scn", "scenarios/tls_wrong_ca.scn", \
        "scenarios/tls_client_rejected.scn", "scenarios/tls_expired_checked.scn",                     \
        "scenarios/tls_expired_ignored.scn", "scenarios/tls_der_sni_stored.scn",                      \
        "scenarios/tls_mutual_100_connlost.scn", "scenarios/tls_client_program.scn"
#define TLS_SCENARIOS_PASSED "9 passed, 0 failed"

/* The runner keeps its test set in the test's directory, so the test can read
 * the keys it must not find. */
static void make_dir(void)
{
    test_dir_make("hil-tls-");
    cr_assert_eq(setenv("SIM7600_HIL_CERTS", test_dir_path("certs"), 1), 0);
}
#define hil_run(...) hil_tool(out, sizeof out, RUN_BOUND_MS, "run", __VA_ARGS__)

TestSuite(hil_tls, .init = make_dir, .fini = test_dir_remove, .timeout = 120);

/* The first base64 line of a PEM file of the runner's set (after a run):
 * what a leak would show. */
static char *pem_body_line(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "certs/%s", name);
    char *pem = strdup(test_read_text(test_dir_path(path)));
    char *start = strchr(pem, '\n');
    cr_assert_not_null(start, "%s is not PEM", name);
    start++;
    char *end = strchr(start, '\n');
    cr_assert_not_null(end);
    char *line = strndup(start, (size_t)(end - start));
    free(pem);
    return line;
}

Test(hil_tls, the_tls_scenarios_pass_on_the_embedded_broker)
{
    int st = hil_run("-j", "2", TLS_SCENARIOS, NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, TLS_SCENARIOS_PASSED), "%s", out);
}

Test(hil_tls, the_transcript_shows_the_certificates_but_never_the_key_or_its_password)
{
    int st = hil_run("--keep-logs", test_dir_path("logs"), "scenarios/tls_mutual_publish.scn", NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    char *key = pem_body_line("client-key-enc.pem"), *cert = pem_body_line("client.pem");
    const char *cap = test_read_text(test_dir_path("logs/tls-mutual-publish.cap"));
    cr_assert(strstr(cap, "AT+CCERTDOWN=\"client-key-enc.pem\""), "no key upload recorded:\n%.2000s", cap);
    cr_assert(strstr(cap, cert), "the client certificate's body should be recorded");
    cr_assert_null(strstr(cap, key), "the key's body is in the transcript");
    cr_assert_null(strstr(cap, KEY_PASSWORD), "the key's password is in the transcript");
    cr_assert(strstr(cap, "AT+CSSLCFG=\"password\",0,\"***\""), "the password command is not shown redacted");
    free(key);
    free(cert);
}

/* The key upload is the last thing before the failure: the report's tail shows it redacted. */
Test(hil_tls, a_failure_report_never_shows_the_key)
{
    const char *text = "scenario \"tls-refused-setting\"\ntargets sim\ntime-limit 20s\n"
                       "tls cert=\"client.pem\" key=\"client-key.pem\"\n"
                       "on-send \"AT+CSSLCFG=\\\"sslversion\\\"\" replace \"ERROR\"\n"
                       "bring-up\n";
    int st = hil_run(test_dir_file("refused.scn", text), NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    char *key = pem_body_line("client-key.pem");
    cr_assert(strstr(out, "at AT+CSSLCFG"), "%s", out);
    cr_assert(strstr(out, "AT+CCERTDOWN=\"client-key.pem\""), "the tail should show the upload:\n%s", out);
    cr_assert_null(strstr(out, key), "the key's body is in the report:\n%s", out);
    free(key);
}

Test(hil_tls, a_tls_placeholder_without_a_tls_statement_is_an_error_on_its_line)
{
    const char *text = "scenario \"no-tls\"\nprogram \"/bin/true --ca {ca}\"\nexpect-exit 0\n";
    int st = hil_tool(out, sizeof out, RUN_BOUND_MS, "check", test_dir_file("p.scn", text), NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "p.scn:2: {ca} needs a tls statement"), "%s", out);
}

Test(hil_tls, over_a_private_mosquittos_tls_listener)
{
    if (!mqproc_installed())
        cr_skip_test("mosquitto is not installed (make deps)");
    int st = hil_run("--broker", "mosquitto", "-j", "2", TLS_SCENARIOS, NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, TLS_SCENARIOS_PASSED), "%s", out);
}
