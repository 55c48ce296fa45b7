/* sim7600-hil: the scenario harness. main() only dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "hil.h"

#ifndef SIM7600_HIL_VERSION
#define SIM7600_HIL_VERSION "0.1.0"
#endif

typedef int (*hil_cmd_fn)(int argc, char **argv);

struct hil_cmd {
    const char *name;
    hil_cmd_fn fn;       /* NULL: not implemented yet */
    int issue;           /* the issue that brings it */
    const char *summary;
};

static const struct hil_cmd commands[] = {
    { "check", hil_cmd_check, 4, "parse scenario files and report every error" },
    { "run", hil_cmd_run, 4, "run scenarios against the simulator or a module, with our driver or\n"
      "           your own program (scenario `program`, or run --program CMD)" },
    { "diff", hil_cmd_diff, 4, "compare two capture logs of the same scenario" },
    { "tap", hil_cmd_tap, 6, "record a program's session with a module (passwords redacted)" },
    { "import", hil_cmd_import, 6, "turn a serial log into a scenario or a capture" },
};

void hil_usage(FILE *out)
{
    fputs("usage: sim7600-hil COMMAND [ARGS...]\n"
          "       sim7600-hil --help | --version\n\ncommands:\n", out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s%s\n", commands[i].name, commands[i].summary,
                commands[i].fn ? "" : " (not implemented yet)");
    fputs("\n  check FILES-OR-DIRS...   parses every *.scn (directories recursively);\n"
          "                           prints file:line: message per error, exits 1 on any error\n"
          "  diff A.cap B.cap         where the module answered differently in two captures of one\n"
          "                           scenario; exits 1 on any difference (diff --help)\n"
          "\nThe scenario format: scenarios/README.md\n", out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        hil_usage(stderr);
        return HIL_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        hil_usage(stdout);
        return HIL_EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) {
        printf("sim7600-hil %s\n", SIM7600_HIL_VERSION);
        return HIL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, cmd) != 0) continue;
        if (!commands[i].fn) {
            fprintf(stderr, "sim7600-hil %s: not implemented yet (issue %d)\n", cmd, commands[i].issue);
            return HIL_EXIT_USAGE;
        }
        return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "sim7600-hil: unknown command '%s'\n\n", cmd);
    hil_usage(stderr);
    return HIL_EXIT_USAGE;
}
