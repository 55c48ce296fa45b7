/* sim7600-hil check: parse scenario files, report every error, run nothing. */
#include <stdio.h>

#include "hil.h"
#include "suite.h"

int hil_cmd_check(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: sim7600-hil check FILES-OR-DIRS...\n", stderr);
        return HIL_EXIT_USAGE;
    }
    struct scn_suite s;
    suite_load(&s, argv + 1, argc - 1);
    size_t errors = suite_report(&s, stdout);
    int rc = HIL_EXIT_FAIL;
    if (s.n_files == 0)
        fputs("sim7600-hil check: no *.scn files found\n", stderr);
    else if (errors == 0 && s.n_ok == s.n_files)
        rc = HIL_EXIT_OK;
    else
        printf("%zu error(s); %zu of %zu file(s) have errors\n", errors, s.n_files - s.n_ok, s.n_files);
    if (rc == HIL_EXIT_OK)
        printf("%zu scenario(s) OK\n", s.n_ok);
    suite_free(&s);
    return rc;
}
