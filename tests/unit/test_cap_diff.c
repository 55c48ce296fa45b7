/* sim7600-hil diff: two captures of one scenario reduced to their
 * conversations and compared. What the report says, what it leaves out
 * (times, echo, blank lines, chunking), and the command's exit status. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cap_diff.h"
#include "hil.h"

static struct cap_diff_options opt;
static struct cap_diff_transcript ta, tb;
static struct cap_diff_result res;
static struct strbuf report, err;

static void teardown(void)
{
    cap_diff_transcript_free(&ta);
    cap_diff_transcript_free(&tb);
    cap_diff_result_free(&res);
    cap_diff_options_free(&opt);
    sb_free(&report);
    sb_free(&err);
}

TestSuite(cap_diff, .fini = teardown);

/* Reads both texts as captures, compares them and builds the report. */
static void diff(const char *a, const char *b)
{
    cr_assert_eq(cap_diff_read_text("A.cap", a, strlen(a), &opt, &ta, &err), 0, "A: %s", sb_str(&err));
    cr_assert_eq(cap_diff_read_text("B.cap", b, strlen(b), &opt, &tb, &err), 0, "B: %s", sb_str(&err));
    cap_diff_compare(&ta, &tb, &res);
    cap_diff_report(&ta, &tb, &res, &report);
}

/* A cold start as the simulator records it: echo on, times, CR LF framing. */
static const char sim_session[] =
    "# sim7600-hil capture v1: test\n"
    "0.000100 < \\r\\nRDY\\r\\n\n"
    "0.010000 > AT\\r\n"
    "0.010100 < AT\\r\\r\\n\n"
    "0.010100 < OK\\r\\n\n"
    "0.020000 > AT+CSQ\\r\n"
    "0.020100 < AT+CSQ\\r\\r\\n\n"
    "0.020100 < \\r\\n\n"
    "0.020100 < +CSQ: 23,0\\r\\n\n"
    "0.020100 < \\r\\n\n"
    "0.020100 < OK\\r\\n\n"
    "0.030000 > AT+CMQTTSTART\\r\n"
    "0.030100 < AT+CMQTTSTART\\r\\r\\n\n"
    "0.030100 < \\r\\n\n"
    "0.030100 < +CMQTTSTART: 0\\r\\n\n"
    "0.030100 < \\r\\n\n"
    "0.030100 < OK\\r\\n\n";

Test(cap_diff, identical_transcripts_have_no_differences)
{
    diff(sim_session, sim_session);
    cr_expect_eq(res.count, 0);
    /* the boot output, then AT, AT+CSQ and AT+CMQTTSTART */
    cr_expect_str_eq(sb_str(&report), "no differences in 4 exchanges\n");
}

Test(cap_diff, timing_echo_blank_lines_and_chunking_are_not_differences)
{
    /* the same conversation from a module with echo off, other times, no
     * times at all, whole answers in one chunk, and a host CR LF */
    static const char other[] =
        "# hand-made\n"
        "\n"
        "< \\r\\nRDY\\r\\n\n"
        "5.5 > AT\\r\\n\n"
        "5.9 < \\r\\nOK\\r\\n\n"
        "> AT+CSQ\\r\n"
        "< \\r\\n+CSQ: 23,0\\r\\n\\r\\nOK\\r\\n\n"
        "> AT+CMQTT\n"
        "> START\\r\n"
        "< \\r\\n+CMQTTST\n"
        "< ART: 0\\r\\n\\r\\n\n"
        "< OK\\r\\n\n";
    diff(sim_session, other);
    cr_expect_eq(res.count, 0, "%s", sb_str(&report));
    cr_expect_str_eq(sb_str(&report), "no differences in 4 exchanges\n");
}

Test(cap_diff, a_changed_answer_shows_both_lines_numbers_and_the_command)
{
    static const char warm[] =
        "< \\r\\nRDY\\r\\n\n"
        "> AT\\r\n"
        "< \\r\\nOK\\r\\n\n"
        "> AT+CSQ\\r\n"
        "< \\r\\n+CSQ: 23,0\\r\\n\\r\\nOK\\r\\n\n"
        "> AT+CMQTTSTART\\r\n"
        "< \\r\\n+CMQTTSTART: 23\\r\\n\\r\\nERROR\\r\\n\n";
    diff(sim_session, warm);
    cr_assert_eq(res.count, 1);
    cr_expect_eq(res.v[0].kind, CAP_DIFF_ANSWER);
    cr_expect_str_eq(sb_str(&report),
                     "--- A.cap\n"
                     "+++ B.cap\n"
                     "\n"
                     "A.cap:12 / B.cap:6  after \"AT+CMQTTSTART\":\n"
                     "  - +CMQTTSTART: 0\n"
                     "  - OK\n"
                     "  + +CMQTTSTART: 23\n"
                     "  + ERROR\n"
                     "\n"
                     "1 difference in 4 exchanges\n");
}

Test(cap_diff, lines_both_answers_share_are_shown_unmarked)
{
    diff("> AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1\\r\n< \\r\\nOK\\r\\n\n< \\r\\n+CMQTTCONNECT: 0,0\\r\\n\n",
         "> AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1\\r\n< \\r\\nOK\\r\\n\n< \\r\\n+CMQTTCONNECT: 0,3\\r\\n\n");
    cr_expect_str_eq(sb_str(&report),
                     "--- A.cap\n+++ B.cap\n\n"
                     "A.cap:1 / B.cap:1  after \"AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1\":\n"
                     "    OK\n"
                     "  - +CMQTTCONNECT: 0,0\n"
                     "  + +CMQTTCONNECT: 0,3\n"
                     "\n1 difference in 1 exchange\n");
}

Test(cap_diff, a_missing_answer_says_which_side_was_silent)
{
    diff("> AT\\r\n< \\r\\nOK\\r\\n\n> AT+CSQ\\r\n< \\r\\n+CSQ: 23,0\\r\\n\n< \\r\\nOK\\r\\n\n",
         "> AT\\r\n< \\r\\nOK\\r\\n\n> AT+CSQ\\r\n");
    cr_assert_eq(res.count, 1);
    cr_expect_str_eq(sb_str(&report),
                     "--- A.cap\n+++ B.cap\n\n"
                     "A.cap:3 / B.cap:3  after \"AT+CSQ\":\n"
                     "  - +CSQ: 23,0\n"
                     "  - OK\n"
                     "    (no answer in B.cap)\n"
                     "\n1 difference in 2 exchanges\n");
}

Test(cap_diff, an_extra_host_line_is_one_difference_and_the_rest_stays_aligned)
{
    /* B sends AT+CREG? in between; its AT+CMQTTSTART answer differs and must
     * still be compared with A's AT+CMQTTSTART, not with what came before */
    static const char extra[] =
        "< \\r\\nRDY\\r\\n\n"
        "> AT\\r\n"
        "< \\r\\nOK\\r\\n\n"
        "> AT+CSQ\\r\n"
        "< \\r\\n+CSQ: 23,0\\r\\n\\r\\nOK\\r\\n\n"
        "> AT+CREG?\\r\n"
        "< \\r\\n+CREG: 0,1\\r\\n\\r\\nOK\\r\\n\n"
        "> AT+CMQTTSTART\\r\n"
        "< \\r\\n+CMQTTSTART: 23\\r\\n\\r\\nERROR\\r\\n\n";
    diff(sim_session, extra);
    cr_assert_eq(res.count, 2, "%s", sb_str(&report));
    cr_expect_eq(res.v[0].kind, CAP_DIFF_ONLY_B);
    cr_expect_eq(res.v[1].kind, CAP_DIFF_ANSWER);
    cr_expect_str_eq(sb_str(&report),
                     "--- A.cap\n+++ B.cap\n\n"
                     "B.cap:6  1 line sent only in B.cap (missing in A.cap before line 12):\n"
                     "  AT+CREG?\n"
                     "  + +CREG: 0,1\n"
                     "  + OK\n"
                     "\n"
                     "A.cap:12 / B.cap:8  after \"AT+CMQTTSTART\":\n"
                     "  - +CMQTTSTART: 0\n"
                     "  - OK\n"
                     "  + +CMQTTSTART: 23\n"
                     "  + ERROR\n"
                     "\n2 differences in 5 exchanges\n");
}

Test(cap_diff, lines_missing_at_the_end_are_one_difference)
{
    /* a bench run that stopped after AT: the rest of A is one skipped stretch */
    diff(sim_session, "< \\r\\nRDY\\r\\n\n> AT\\r\n< \\r\\nOK\\r\\n\n");
    cr_assert_eq(res.count, 1);
    cr_expect_eq(res.v[0].kind, CAP_DIFF_ONLY_A);
    cr_expect_eq(res.v[0].n, 2);
    cr_expect(strstr(sb_str(&report), "A.cap:6-12  2 lines sent only in A.cap (B.cap ended before):\n"
                                      "  AT+CSQ\n  - +CSQ: 23,0\n  - OK\n"
                                      "  AT+CMQTTSTART\n  - +CMQTTSTART: 0\n  - OK\n"),
              "%s", sb_str(&report));
    cr_expect(strstr(sb_str(&report), "1 difference in 4 exchanges\n"), "%s", sb_str(&report));
}

Test(cap_diff, different_boot_output_is_reported_before_the_first_command)
{
    diff("< \\r\\nRDY\\r\\n\n< \\r\\n+CPIN: READY\\r\\n\n> AT\\r\n< \\r\\nOK\\r\\n\n",
         "< \\r\\nRDY\\r\\n\n< \\r\\n+CPIN: SIM REMOVED\\r\\n\n> AT\\r\n< \\r\\nOK\\r\\n\n");
    cr_assert_eq(res.count, 1);
    cr_expect(strstr(sb_str(&report), "A.cap:1 / B.cap:1  before the first command:\n"
                                      "    RDY\n  - +CPIN: READY\n  + +CPIN: SIM REMOVED\n"),
              "%s", sb_str(&report));
}

Test(cap_diff, data_after_a_prompt_is_its_own_exchange)
{
    static const char a[] = "> AT+CMQTTTOPIC=0,4\\r\n< \\r\\n>\n> t/x1\n< \\r\\nOK\\r\\n\n";
    static const char b[] = "> AT+CMQTTTOPIC=0,4\\r\n< \\r\\n>\n> t/x1\n< \\r\\nERROR\\r\\n\n";
    diff(a, b);
    cr_assert_eq(res.count, 1);
    cr_expect(strstr(sb_str(&report), "A.cap:3 / B.cap:3  after \"t/x1\":\n  - OK\n  + ERROR\n"), "%s",
              sb_str(&report));
    cr_expect(strstr(sb_str(&report), "in 2 exchanges\n"), "%s", sb_str(&report));
}

Test(cap_diff, unprintable_bytes_are_shown_as_escapes)
{
    diff("> AT\\r\n< \\r\\nOK\\r\\n\n", "> AT\\r\n< \\r\\nO\\xFFK\\x00\\r\\n\n");
    cr_expect(strstr(sb_str(&report), "  - OK\n  + O\\xFFK\\x00\n"), "%s", sb_str(&report));
}

Test(cap_diff, ignored_patterns_hide_expected_variation_but_not_the_rest)
{
    static const char a[] = "> AT+CGSN\\r\n< \\r\\n861234567890123\\r\\n\\r\\nOK\\r\\n\n";
    static const char b[] = "> AT+CGSN\\r\n< \\r\\n869999999999999\\r\\n\\r\\nOK\\r\\n\n";
    static const char c[] = "> AT+CGSN\\r\n< \\r\\n869999999999999\\r\\n\\r\\nERROR\\r\\n\n";
    diff(a, b);
    cr_expect_eq(res.count, 1, "without --ignore the IMEI differs");
    teardown();
    cr_assert_eq(cap_diff_options_ignore(&opt, "^[0-9]{15}$", &err), 0, "%s", sb_str(&err));
    diff(a, b);
    cr_expect_eq(res.count, 0, "%s", sb_str(&report));
    cap_diff_transcript_free(&ta);
    cap_diff_transcript_free(&tb);
    cap_diff_result_free(&res);
    sb_reset(&report);
    diff(a, c);
    cr_expect_eq(res.count, 1, "the final result still counts");
    /* the report shows the real lines, not the masked ones */
    cr_expect(strstr(sb_str(&report), "    861234567890123\n  - OK\n  + ERROR\n"), "%s", sb_str(&report));
}

Test(cap_diff, a_bad_ignore_pattern_is_refused)
{
    cr_expect_eq(cap_diff_options_ignore(&opt, "(unclosed", &err), -1);
    cr_expect(strstr(sb_str(&err), "--ignore '(unclosed':"), "%s", sb_str(&err));
    cr_expect_eq(opt.n_ignore, 0);
    sb_reset(&err);
    /* glibc would take tens of megabytes and seconds to compile it */
    cr_expect_eq(cap_diff_options_ignore(&opt, "((a{400}){400}){400}", &err), -1);
    cr_expect(strstr(sb_str(&err), "too big to compile"), "%s", sb_str(&err));
    cr_expect_eq(opt.n_ignore, 0);
}

Test(cap_diff, malformed_capture_names_the_line_and_what_to_do)
{
    static const char bad[] = "# sim7600-hil capture v1\n0.1 > AT\\r\n0.2 OK\n0.3 < \\q\n";
    cr_expect_eq(cap_diff_read_text("bad.cap", bad, strlen(bad), &opt, &ta, &err), -1);
    const char *e = sb_str(&err);
    cr_expect(strstr(e, "bad.cap:3: expected a direction"), "%s", e);
    cr_expect(strstr(e, "bad.cap:4: bad escape"), "%s", e);
    cr_expect(strstr(e, "sim7600-hil import --as capture"), "%s", e);
    cr_expect_eq(ta.count, 0, "nothing half-read is left to compare");
}

Test(cap_diff, a_file_that_is_no_capture_lists_a_few_lines_and_counts_the_rest)
{
    struct strbuf log = {0};
    for (int i = 0; i < 25; i++)
        sb_printf(&log, "RX: +CSQ: %d,0\n", i);
    cr_expect_eq(cap_diff_read_text("serial.log", log.p, log.len, &opt, &ta, &err), -1);
    const char *e = sb_str(&err);
    cr_expect(strstr(e, "serial.log:10: "), "%s", e);
    cr_expect_null(strstr(e, "serial.log:11: "), "%s", e);
    cr_expect(strstr(e, "serial.log: ... and 15 more\nserial.log: 25 line(s) are not capture lines"), "%s", e);
    sb_free(&log);
}

Test(cap_diff, a_nul_byte_is_refused_with_its_line)
{
    static const char bin[] = "> AT\\r\n< OK\n\0\1\2";
    cr_expect_eq(cap_diff_read_text("bin.cap", bin, sizeof bin - 1, &opt, &ta, &err), -1);
    cr_expect(strstr(sb_str(&err), "bin.cap:3: a NUL byte"), "%s", sb_str(&err));
}

Test(cap_diff, host_lines_too_different_to_align_are_compared_in_order)
{
    /* 2,500 distinct commands against 2,500 others: past the alignment table's size */
    enum { N = 2500 };
    struct strbuf a = {0}, b = {0};
    for (int i = 0; i < N; i++) {
        sb_printf(&a, "> AT+A%d\\r\n< \\r\\nOK\\r\\n\n", i);
        sb_printf(&b, "> AT+B%d\\r\n< \\r\\nOK\\r\\n\n", i);
    }
    diff(a.p, b.p);
    cr_expect(res.in_order);
    cr_expect(strstr(sb_str(&report), "compared in order"), "the report says so");
    sb_free(&a);
    sb_free(&b);
}

/* ---- the command ----------------------------------------------------------------------- */

static char tmp_dir[] = "/tmp/cap-diff-test-XXXXXX";

static void make_dir(void)
{
    cr_assert_not_null(mkdtemp(tmp_dir));
}

static char *write_tmp(const char *name, const char *text)
{
    char *path = malloc(strlen(tmp_dir) + strlen(name) + 2);
    cr_assert_not_null(path);
    sprintf(path, "%s/%s", tmp_dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static int run_diff(int argc, char **argv)
{
    int status = hil_cmd_diff(argc, argv);
    fflush(stdout);
    fflush(stderr);
    return status;
}

Test(cap_diff_cmd, same_captures_exit_0, .init = cr_redirect_stdout)
{
    make_dir();
    char *a = write_tmp("a.cap", sim_session);
    char *argv[] = {"diff", a, a, NULL};
    cr_expect_eq(run_diff(3, argv), HIL_EXIT_OK);
    cr_expect_stdout_eq_str("no differences in 4 exchanges\n");
    unlink(a);
    rmdir(tmp_dir);
    free(a);
}

Test(cap_diff_cmd, different_answers_exit_1, .init = cr_redirect_stdout)
{
    make_dir();
    char *a = write_tmp("a.cap", "> AT+CMQTTSTART\\r\n< \\r\\n+CMQTTSTART: 0\\r\\n\\r\\nOK\\r\\n\n");
    char *b = write_tmp("b.cap", "> AT+CMQTTSTART\\r\n< \\r\\n+CMQTTSTART: 23\\r\\n\\r\\nERROR\\r\\n\n");
    char *argv[] = {"diff", a, b, NULL};
    cr_expect_eq(run_diff(3, argv), HIL_EXIT_FAIL);
    char want[1024];
    snprintf(want, sizeof want,
             "--- %s\n+++ %s\n\n%s:1 / %s:1  after \"AT+CMQTTSTART\":\n"
             "  - +CMQTTSTART: 0\n  - OK\n  + +CMQTTSTART: 23\n  + ERROR\n\n1 difference in 1 exchange\n",
             a, b, a, b);
    cr_expect_stdout_eq_str(want);
    unlink(a);
    unlink(b);
    rmdir(tmp_dir);
    free(a);
    free(b);
}

Test(cap_diff_cmd, ignore_option_makes_expected_variation_pass, .init = cr_redirect_stdout)
{
    make_dir();
    char *a = write_tmp("a.cap", "> AT+CCLK?\\r\n< \\r\\n+CCLK: \"24/01/01,10:00:00+00\"\\r\\n\\r\\nOK\\r\\n\n");
    char *b = write_tmp("b.cap", "> AT+CCLK?\\r\n< \\r\\n+CCLK: \"25/06/30,23:59:59+08\"\\r\\n\\r\\nOK\\r\\n\n");
    char *plain[] = {"diff", a, b, NULL};
    cr_expect_eq(run_diff(3, plain), HIL_EXIT_FAIL);
    char *ignoring[] = {"diff", "--ignore", "^\\+CCLK: .*", a, b, NULL};
    cr_expect_eq(run_diff(5, ignoring), HIL_EXIT_OK);
    unlink(a);
    unlink(b);
    rmdir(tmp_dir);
    free(a);
    free(b);
}

Test(cap_diff_cmd, malformed_capture_exits_2_naming_the_line, .init = cr_redirect_stderr)
{
    make_dir();
    char *a = write_tmp("a.cap", sim_session);
    char *b = write_tmp("b.cap", "> AT\\r\nOK\n");
    char *argv[] = {"diff", a, b, NULL};
    cr_expect_eq(run_diff(3, argv), HIL_EXIT_USAGE);
    char want[1024];
    snprintf(want, sizeof want,
             "sim7600-hil diff: %s:2: expected a direction: '>' (host to module) or '<' (module to host): \"OK\"\n"
             "%s: 1 line(s) are not capture lines ('SECONDS DIR DATA', DIR '>' or '<'); fix them, "
             "or turn a serial log into a capture with: sim7600-hil import --as capture LOG\n",
             b, b);
    cr_expect_stderr_eq_str(want);
    unlink(a);
    unlink(b);
    rmdir(tmp_dir);
    free(a);
    free(b);
}

Test(cap_diff_cmd, missing_file_exits_2, .init = cr_redirect_stderr)
{
    char *argv[] = {"diff", "/nonexistent/a.cap", "/nonexistent/b.cap", NULL};
    cr_expect_eq(run_diff(3, argv), HIL_EXIT_USAGE);
    cr_expect_stderr_eq_str("sim7600-hil diff: /nonexistent/a.cap: cannot open: No such file or directory\n");
}

Test(cap_diff_cmd, usage_errors_exit_2, .init = cr_redirect_stderr)
{
    char *one[] = {"diff", "a.cap", NULL};
    cr_expect_eq(run_diff(2, one), HIL_EXIT_USAGE);
    char *bad_regex[] = {"diff", "--ignore", "[", "a.cap", "b.cap", NULL};
    cr_expect_eq(run_diff(5, bad_regex), HIL_EXIT_USAGE);
    char *unknown[] = {"diff", "--frobnicate", "a.cap", "b.cap", NULL};
    cr_expect_eq(run_diff(4, unknown), HIL_EXIT_USAGE);
}

Test(cap_diff_cmd, help_exits_0, .init = cr_redirect_stdout)
{
    char *argv[] = {"diff", "--help", NULL};
    cr_expect_eq(run_diff(2, argv), HIL_EXIT_OK);
    cr_expect_stdout_neq_str("");
}

/* A capture made before recorders redacted, against a redacted one of the
 * same session: no difference, and no password or key in the report. */
Test(cap_diff, a_raw_capture_is_compared_and_shown_redacted)
{
    static const char raw[] =
        "> AT+CSSLCFG=\"password\",0,\"Hunter2-raw\"\\r\n< \\r\\nOK\\r\\n\n"
        "> AT+CCERTDOWN=\"k.pem\",17\\r\n< \\r\\n>\n> MIGHAgEA-rawkey\\r\\n\n< \\r\\nOK\\r\\n\n"
        "> AT+CSQ\\r\n< \\r\\n+CSQ: 9,0\\r\\n\\r\\nOK\\r\\n\n";
    static const char redacted[] =
        "> AT+CSSLCFG=\"password\",0,\"***\"\\r\n< \\r\\nOK\\r\\n\n"
        "> AT+CCERTDOWN=\"k.pem\",17\\r\n< \\r\\n>\n> ***\\r\n> \\n\n< \\r\\nOK\\r\\n\n"
        "> AT+CSQ\\r\n< \\r\\n+CSQ: 23,0\\r\\n\\r\\nOK\\r\\n\n";
    diff(raw, redacted);
    cr_assert_eq(res.count, 1, "only the CSQ answer differs:\n%s", sb_str(&report));
    cr_assert_null(strstr(sb_str(&report), "Hunter2"), "%s", sb_str(&report));
    cr_assert_null(strstr(sb_str(&report), "rawkey"), "%s", sb_str(&report));
}
