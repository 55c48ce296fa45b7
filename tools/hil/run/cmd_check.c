/* sim7600-hil check: parse scenario files, report every error, run nothing.
 * With --program CMD it also checks the command line and says which
 * scenarios `run --program CMD` would skip, and why. */
#include <getopt.h>
#include <stdio.h>

#include "hil.h"
#include "program_run.h"
#include "suite.h"

static const char usage[] = "usage: sim7600-hil check [--program CMD] FILES-OR-DIRS...\n";

/* The command line as `run --program` takes it; 0 or the number of errors. */
static size_t check_program(const char *cmd)
{
    struct scn_diags d = {0};
    struct scn_program pr;
    if (scn_program_from_command(cmd, &pr, &d) == SCN_OK)
        scn_program_free(&pr);
    scn_diags_print(&d, stdout);
    size_t n = d.n;
    scn_diags_free(&d);
    return n;
}

/* The scenarios `run --program` would skip, one line each. */
static void list_not_applicable(const struct scn_suite *s)
{
    for (size_t i = 0; i < s->n_ok; i++) {
        struct strbuf why = {0};
        if (programs_not_applicable(s->ok[i], &why))
            printf("%s: %s (skipped by run --program)\n", s->ok[i]->file, sb_str(&why));
        sb_free(&why);
    }
}

int hil_cmd_check(int argc, char **argv)
{
    static const struct option longs[] = { {"program", required_argument, NULL, 'P'}, {NULL, 0, NULL, 0} };
    const char *program = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+", longs, NULL)) != -1) {
        if (c != 'P') {
            fputs(usage, stderr);
            return HIL_EXIT_USAGE;
        }
        program = optarg;
    }
    if (optind >= argc) {
        fputs(usage, stderr);
        return HIL_EXIT_USAGE;
    }
    struct scn_suite s;
    suite_load(&s, argv + optind, argc - optind);
    size_t errors = suite_report(&s, stdout) + (program ? check_program(program) : 0);
    int rc = HIL_EXIT_FAIL;
    if (s.n_files == 0)
        fputs("sim7600-hil check: no *.scn files found\n", stderr);
    else if (errors == 0 && s.n_ok == s.n_files)
        rc = HIL_EXIT_OK;
    else
        printf("%zu error(s); %zu of %zu file(s) have errors\n", errors, s.n_files - s.n_ok, s.n_files);
    if (program)
        list_not_applicable(&s);
    if (rc == HIL_EXIT_OK)
        printf("%zu scenario(s) OK\n", s.n_ok);
    suite_free(&s);
    return rc;
}
