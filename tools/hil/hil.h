/* sim7600-hil subcommands. Each takes the arguments after its own name
 * (argv[0] is the subcommand) and returns the process exit status:
 * 0 success, 1 a check or a scenario failed, 2 a usage error or not implemented. */
#ifndef HIL_H
#define HIL_H

#include <stdio.h>

#define HIL_EXIT_OK 0
#define HIL_EXIT_FAIL 1
#define HIL_EXIT_USAGE 2

int hil_cmd_check(int argc, char **argv);
int hil_cmd_tap(int argc, char **argv);
int hil_cmd_import(int argc, char **argv);
int hil_cmd_run(int argc, char **argv);
int hil_cmd_diff(int argc, char **argv);

/* The usage text of the whole program. */
void hil_usage(FILE *out);

#endif
