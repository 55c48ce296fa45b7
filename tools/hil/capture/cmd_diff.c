/* sim7600-hil diff: where two captures of the same scenario get different
 * answers from the module (cap_diff.c reads them, cap_diff_compare.c aligns and reports). */
#include "hil.h"
#include "cap_diff.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void diff_usage(FILE *f)
{
    fputs("Usage: sim7600-hil diff [--ignore REGEX]... A.cap B.cap\n"
          "Compares two captures of the same scenario (say one against the simulator, one\n"
          "against a real module) and prints where the module's answers differ.\n"
          "Times, blank lines and the module's echo of the host's lines are ignored. The\n"
          "exchanges are aligned by the host's lines, so a command sent in only one of them\n"
          "is reported once and the rest still line up.\n\n"
          "  --ignore REGEX   parts of lines that are expected to vary (an IMEI, a clock):\n"
          "                   a POSIX extended regular expression; lines that differ only\n"
          "                   where it matches compare equal (host and module lines, as\n"
          "                   the report shows them). May be given more than once.\n\n"
          "Each difference shows both files' lines, the host's command and the answers:\n"
          "'-' only in A, '+' only in B, indented lines in both. Bytes that are not\n"
          "printable appear as C escapes (\\r \\n \\\\ \\xHH).\n"
          "Exit status: 0 no differences, 1 differences, 2 a usage error or an unreadable capture.\n",
          f);
}

int hil_cmd_diff(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"ignore", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct cap_diff_options opt = {0};
    struct cap_diff_transcript a = {0}, b = {0};
    struct strbuf err = {0};
    int status = HIL_EXIT_USAGE;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'i':
            if (cap_diff_options_ignore(&opt, optarg, &err) < 0) {
                fprintf(stderr, "sim7600-hil diff: %s", sb_str(&err));
                goto out;
            }
            break;
        case 'h':
            diff_usage(stdout);
            status = HIL_EXIT_OK;
            goto out;
        default:
            diff_usage(stderr);
            goto out;
        }
    }
    if (optind != argc - 2) {
        fprintf(stderr, "sim7600-hil diff: give two captures, A and B (%d given)\n", argc - optind);
        diff_usage(stderr);
        goto out;
    }
    if (cap_diff_load(argv[optind], &opt, &a, &err) == 0 && cap_diff_load(argv[optind + 1], &opt, &b, &err) == 0) {
        struct cap_diff_result r;
        struct strbuf report = {0};
        cap_diff_compare(&a, &b, &r);
        cap_diff_report(&a, &b, &r, &report);
        fputs(sb_str(&report), stdout);
        fflush(stdout);
        status = r.count ? HIL_EXIT_FAIL : HIL_EXIT_OK;
        sb_free(&report);
        cap_diff_result_free(&r);
    } else {
        fprintf(stderr, "sim7600-hil diff: %s", sb_str(&err));
    }
out:
    cap_diff_transcript_free(&a);
    cap_diff_transcript_free(&b);
    sb_free(&err);
    cap_diff_options_free(&opt);
    return status;
}
