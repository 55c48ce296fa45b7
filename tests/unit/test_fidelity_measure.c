/* sim7600-fidelity, the measure behind `make fidelity`: tiny logs where the
 * model matches, differs with an explanation, differs without one, or is out
 * of scope; the counts it prints and its exit status (so the measure can fail). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strbuf.h"

#define FIDELITY SIM7600_BIN_DIR "/sim7600-fidelity"

static char dir[256];

/* Working files under $TMPDIR, as the project's tools keep them. */
static void make_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/fidelity-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert_not_null(mkdtemp(dir), "cannot make a directory under %s", dir);
}

static void remove_dir(void)
{
    char cmd[sizeof dir + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static void put(const char *name, const char *text)
{
    char path[sizeof dir + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static const char findings[] =
    "# findings\n## 22. Something else\n- **F9: not in 23.** no\n"
    "## 23. Fidelity: differences the model keeps\n"
    "- **F1: The module has a command the model lacks.** Why it is kept.\n"
    "## Extra observations\n";

static const char matching_log[] = "# a module that answers as the model does\n#! start cold\n"
                                   "AT\nOK\nAT+CSQ\n+CSQ: 12,99\nOK\n";
/* the model answers ERROR to a command it does not know; line 2 */
static const char differing_log[] = "#! start cold\nAT+FIDELITYTEST\n+FIDELITYTEST: 1\nOK\n";
static const char out_of_scope_log[] = "#! start cold\nAT+CGPS=1\nOK\nAT\nOK\n";

/* Runs the measure on `logs` (names in dir) and returns its exit status; its output in out. */
static int measure(const char *explained, const char *min_share, const char *logs, struct strbuf *out)
{
    put("findings.md", findings);
    put("explained.txt", explained);
    char cmd[sizeof dir + 512];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' --findings findings.md --explained explained.txt --min-share %s %s 2>&1",
             dir, FIDELITY, min_share, logs);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        sb_add(out, buf, n);
    int status = pclose(p);
    cr_assert(WIFEXITED(status), "the measure did not exit: %s", sb_str(out));
    return WEXITSTATUS(status);
}

/* Log `name` holding `head` then `body`, measured alone with nothing
 * explained: it exits with `status`; its output in out (emptied first). */
static void measured(const char *name, const char *head, const char *body, const char *min_share, int status,
                     struct strbuf *out)
{
    struct strbuf log = {0};
    sb_printf(&log, "%s%s", head, body);
    sb_reset(out);
    put(name, sb_str(&log));
    sb_free(&log);
    cr_assert_eq(measure("", min_share, name, out), status, "%s", sb_str(out));
}

static void assert_has(const struct strbuf *out, const char *text)
{
    cr_assert(strstr(sb_str(out), text), "expected \"%s\" in:\n%s", text, sb_str(out));
}

TestSuite(fidelity, .init = make_dir, .fini = remove_dir);

Test(fidelity, a_log_the_model_reproduces_passes)
{
    struct strbuf out = {0};
    measured("match.log", "", matching_log, "95", 0, &out);
    assert_has(&out, "match.log (SIM7600E, start cold): 2 of 2 exchanges reproduced (100.0 %)");
    assert_has(&out, "total: 2 of 2 exchanges reproduced (100.0 %)");
    assert_has(&out, "fidelity: PASS");
    sb_free(&out);
}

Test(fidelity, an_explained_difference_counts_against_the_share_only)
{
    struct strbuf out = {0};
    put("match.log", matching_log);
    put("differ.log", differing_log);
    cr_assert_eq(measure("differ.log:2 F1\n", "60", "match.log differ.log", &out), 0, "%s", sb_str(&out));
    assert_has(&out, "total: 2 of 3 exchanges reproduced (66.6 %)");
    assert_has(&out, "differ.log:2: sent AT+FIDELITYTEST: module said +FIDELITYTEST: 1 / OK, model said ERROR");
    assert_has(&out, "explained by F1 (sim/real-module-findings.md §23): The module has a command the model lacks.");
    sb_reset(&out);
    /* the same share under a higher target fails */
    cr_assert_eq(measure("differ.log:2 F1\n", "95", "match.log differ.log", &out), 1, "%s", sb_str(&out));
    assert_has(&out, "fidelity: FAIL: 66.6 % (target 95.0 %), 0 difference(s) unexplained");
    sb_free(&out);
}

Test(fidelity, a_command_pattern_explains_every_exchange_it_matches)
{
    struct strbuf out = {0};
    put("differ.log", differing_log);
    cr_assert_eq(measure("cmd at+fidelitytest F1\n", "0", "differ.log", &out), 0, "%s", sb_str(&out));
    assert_has(&out, "explained by F1");
    sb_free(&out);
}

Test(fidelity, an_unexplained_difference_fails_whatever_the_share)
{
    struct strbuf out = {0};
    measured("differ.log", "", differing_log, "0", 1, &out);
    assert_has(&out, "UNEXPLAINED");
    assert_has(&out, "1 difference(s) unexplained");
    sb_free(&out);
}

Test(fidelity, out_of_scope_commands_are_listed_not_counted)
{
    struct strbuf out = {0};
    measured("scope.log", "", out_of_scope_log, "95", 0, &out);
    assert_has(&out, "1 of 1 exchanges reproduced (100.0 %); 1 out of scope");
    assert_has(&out, "scope.log:2: AT+CGPS=1: GNSS (no issue yet)");
    sb_free(&out);
}

Test(fidelity, a_data_dial_and_ath_are_measured_a_voice_dial_is_not)
{
    struct strbuf out = {0};
    measured("dial.log", "", "#! start cold\nATD+4912345678;\nOK\nATH\nOK\n"
                             "AT+CGREG?\n+CGREG: 0,1\nOK\nATD*99#\nCONNECT 115200\n", "95", 0, &out);
    assert_has(&out, "3 of 3 exchanges reproduced (100.0 %); 1 out of scope");
    assert_has(&out, "dial.log:2: ATD+4912345678;: voice (no issue yet)");
    sb_free(&out);
}

Test(fidelity, the_data_typed_after_download_reaches_the_model)
{
    struct strbuf out = {0};
    /* a terminal shows the typed body on a line of its own; the model waits for all 5 bytes (10 s) */
    measured("download.log", "#! start cold\n", "AT+HTTPINIT\nOK\nAT+HTTPDATA=5,10\nDOWNLOAD\nhello\nOK\n", "95", 0,
             &out);
    assert_has(&out, "2 of 2 exchanges reproduced (100.0 %)");
    sb_free(&out);
}

/* A TLS client whose context names a CA: the log's module held the file and
 * its server's chain did not fit (S2), so the publish after the CONNECT fails. */
static const char tls_log[] = "AT+CSSLCFG=\"cacert\",0,\"ca.pem\"\nOK\nAT+CSSLCFG=\"authmode\",0,1\nOK\n"
                              "AT+CMQTTSTART\n+CMQTTSTART: 0\nOK\nAT+CMQTTACCQ=0,\"dev1\",1\nOK\n"
                              "AT+CMQTTCONNECT=0,\"tcp://broker.example:8883\",60,1\nOK\n+CMQTTCONNECT: 0,32\n"
                              "AT+CMQTTTOPIC=0,1\n>\nt\nOK\nAT+CMQTTPAYLOAD=0,1\n>\np\nOK\n"
                              "AT+CMQTTPUB=0,1,60\n+CMQTTPUB: 0,11\nERROR\n";

Test(fidelity, the_store_and_the_server_s_tls_fault_are_part_of_the_start_state)
{
    struct strbuf out = {0};
    measured("tls.log", "#! start cold\n#! store ca.pem\n#! tls-fail untrusted\nAT+CCERTLIST\n"
                        "+CCERTLIST: \"ca.pem\"\nOK\n", tls_log, "95", 0, &out);
    assert_has(&out, "9 of 9 exchanges reproduced (100.0 %)");
    /* without the server's fault the handshake succeeds: the publish goes out */
    measured("notls.log", "#! start cold\n#! store ca.pem\n", tls_log, "0", 1, &out);
    assert_has(&out, "sent AT+CMQTTPUB=0,1,60: module said +CMQTTPUB: 0,11 / ERROR, model said OK");
    sb_free(&out);
}

/* A transparent SSL session (C8's shape): #! baud gives CONNECT its rate, #!
 * net accept lets the connection open, #! escape is the host's "+++". */
static const char transparent_log[] = "AT+CCHMODE=1\nOK\nAT+CCHSTART\nOK\n+CCHSTART: 0\n"
                                      "AT+CCHOPEN=0,\"example.com\",443,2\nCONNECT 9600\n#! escape\nOK\n"
                                      "AT+CCHCLOSE=0\nOK\n";

Test(fidelity, a_transparent_session_is_measured_with_its_rate_its_network_and_its_escape)
{
    struct strbuf out = {0};
    measured("tm.log", "#! start cold\n#! baud 9600\n#! net accept\n", transparent_log, "95", 0, &out);
    assert_has(&out, "5 of 5 exchanges reproduced (100.0 %)");
    /* without a network the open fails, and the escape finds no data mode */
    measured("nonet.log", "#! start cold\n#! baud 9600\n", transparent_log, "0", 1, &out);
    assert_has(&out, "module said CONNECT 9600, model said CONNECT FAIL");
    assert_has(&out, "sent +++: module said OK, model said (nothing)");
    measured("badnet.log", "#! net reject\n", "AT\nOK\n", "0", 2, &out);
    assert_has(&out, "badnet.log:1: #! net \"reject\": expected accept");
    sb_free(&out);
}

Test(fidelity, an_exchange_the_capture_damaged_is_listed_not_compared)
{
    struct strbuf out = {0};
    measured("damaged.log", "", "#! start cold\n#! incomplete\nAT+CSQ\n+CSQ: 5,99\nAT\nOK\n", "95", 0, &out);
    assert_has(&out, "1 of 1 exchanges reproduced (100.0 %); 0 out of scope; 1 incomplete in the capture");
    assert_has(&out, "damaged.log:3: AT+CSQ");
    measured("stray.log", "", "AT\nOK\n#! incomplete\n", "0", 2, &out);
    assert_has(&out, "stray.log:3: \"#! incomplete\" marks no exchange");
    sb_free(&out);
}

Test(fidelity, a_capture_from_sim7600_hil_tap_is_measured_from_the_state_it_names)
{
    struct strbuf out = {0};
    measured("bench.cap", "", "# sim7600-hil capture v1: sim7600-hil tap\n#! start warm\n"
                              "0.100 > AT+CMQTTSTART\\r\n0.110 < AT+CMQTTSTART\\r\\r\\n\n"
                              "0.120 < +CMQTTSTART: 23\\r\\n\n0.120 < \\r\\nERROR\\r\\n\n", "95", 0, &out);
    assert_has(&out, "bench.cap (SIM7600E, start warm): 1 of 1 exchanges reproduced (100.0 %)");
    sb_free(&out);
}

Test(fidelity, a_registered_answer_gives_the_model_the_time_to_register)
{
    struct strbuf out = {0};
    /* from power-on the module is deaf, then searching: only a host that waited reads it registered */
    measured("waited.log", "", "#! start poweron\nAT+CGREG?\n+CGREG: 0,1\nOK\n", "95", 0, &out);
    assert_has(&out, "waited.log (SIM7600E, start poweron): 1 of 1 exchanges reproduced (100.0 %)");
    sb_free(&out);
}

Test(fidelity, a_log_with_times_gives_the_model_the_host_s_pauses)
{
    struct strbuf out = {0};
    /* realistic: deaf for 16 s after power-on; the host's second AT came at 17 s, after RDY */
    measured("timed.cap", "", "# sim7600-hil capture v1: sim7600-hil tap\n#! start poweron\n#! latency realistic\n"
                              "0.000 > AT\\r\n17.000 > AT\\r\n17.010 < AT\\r\\r\\nOK\\r\\n\n", "95", 0, &out);
    assert_has(&out, "timed.cap (SIM7600E, start poweron): 2 of 2 exchanges reproduced (100.0 %)");
    sb_free(&out);
}

Test(fidelity, a_long_payload_typed_after_the_prompt_reaches_the_model_whole)
{
    enum { PAYLOAD = 9000 };   /* longer than any fixed buffer would be; the module takes up to 10240 */
    struct strbuf log = {0}, out = {0};
    sb_printf(&log, "#! start cold\nAT+CMQTTSTART\n+CMQTTSTART: 0\nOK\nAT+CMQTTACCQ=0,\"dev1\"\nOK\n"
                    "AT+CMQTTPAYLOAD=0,%d\n>\n", PAYLOAD);
    for (int i = 0; i < PAYLOAD; i++)
        sb_add(&log, "x", 1);
    sb_puts(&log, "\nOK\n");
    measured("payload.log", "", sb_str(&log), "95", 0, &out);
    assert_has(&out, "payload.log (SIM7600E, start cold): 3 of 3 exchanges reproduced (100.0 %)");
    sb_free(&log);
    sb_free(&out);
}

Test(fidelity, an_explanation_must_be_a_finding_of_section_23)
{
    struct strbuf out = {0};
    put("differ.log", differing_log);
    cr_assert_eq(measure("differ.log:2 F9\n", "0", "differ.log", &out), 2, "%s", sb_str(&out));
    assert_has(&out, "F9 is not a finding of sim/real-module-findings.md §23");
    sb_free(&out);
}

Test(fidelity, a_wrong_directive_is_named_with_its_line)
{
    struct strbuf out = {0};
    measured("bad.log", "", "# header\n#! start lukewarm\nAT\nOK\n", "0", 2, &out);
    assert_has(&out, "bad.log:2: #! start \"lukewarm\": expected cold, poweron or warm");
    measured("badtls.log", "", "#! tls-fail sometimes\nAT\nOK\n", "0", 2, &out);
    assert_has(&out, "badtls.log:1: #! tls-fail \"sometimes\": expected handshake, untrusted, expired or rejected");
    /* a name the module's store refuses is said, not silently left out of the start state */
    measured("badstore.log", "", "#! store ca\nAT\nOK\n", "0", 0, &out);
    assert_has(&out, "the simulator refused AT+CCERTDOWN=\"ca\"");
    sb_free(&out);
}
