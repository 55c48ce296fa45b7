/* sim7600-hil run's transcripts and failure reports hide the credentials a
 * scenario's driver sends (AT+CMQTTCONNECT's password here; TLS keys and
 * passwords in test_hil_tls.c), while the checks still see the lines whole. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "test_dir.h"

#define RUN_BOUND_MS 30000
#define OUT_CAP 65536
#define PASSWORD "Wonderl4nd-secret"

static char out[OUT_CAP];

static void make_dir(void) { test_dir_make("hil-redact-"); }
#define hil_run(...) hil_tool(out, sizeof out, RUN_BOUND_MS, "run", __VA_ARGS__)

TestSuite(hil_redact, .init = make_dir, .fini = test_dir_remove, .timeout = 60);

#define SCENARIO(NAME, LAST)                                                                        \
    "scenario \"" NAME "\"\ntargets sim\ntime-limit 20s\n"                                           \
    "broker accept user=\"alice\" password=\"" PASSWORD "\"\n"                                       \
    "bring-up\nconnect user=\"alice\" password=\"" PASSWORD "\"\n"                                   \
    "expect-sent \"AT+CMQTTCONNECT=0,\\\"tcp://127.0.0.1:1883\\\",60,1,\\\"alice\\\",\\\"" PASSWORD "\\\"\"\n" LAST

Test(hil_redact, the_transcript_hides_the_password_the_checks_still_see_it)
{
    int st = hil_run("--keep-logs", test_dir_path("logs"), test_dir_file("ok.scn", SCENARIO("redact-ok", "")), NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    const char *cap = test_read_text(test_dir_path("logs/redact-ok.cap"));
    cr_assert(strstr(cap, "AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:1883\",60,1,\"alice\",\"***\""),
              "the connect line is not there, redacted:\n%.3000s", cap);
    cr_assert_null(strstr(cap, PASSWORD), "the password is in the transcript");
}

Test(hil_redact, a_failure_report_hides_the_password)
{
    int st = hil_run(test_dir_file("bad.scn", SCENARIO("redact-fail", "expect-message \"never\"\n")), NULL);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "\"alice\",\"***\""), "the tail should show the connect, redacted:\n%s", out);
    cr_assert_null(strstr(out, PASSWORD), "the password is in the report:\n%s", out);
}
