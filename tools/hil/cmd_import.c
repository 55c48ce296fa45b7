/* sim7600-hil import: a serial log in, a wire-level scenario or a capture out
 * (log_import.c does the reading and writing). */
#include "hil.h"
#include "log_import.h"
#include "text_file.h"

#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void import_usage(FILE *f)
{
    fputs("Usage: sim7600-hil import [--as scenario|capture] [--format F] [--tx PREFIX --rx PREFIX]\n"
          "                          [--name NAME] [--out FILE] LOG\n"
          "Turns a serial log into a wire-level scenario (the host's lines are sent, the\n"
          "module's lines expected in order) or into a capture for sim7600-sim --replay.\n\n"
          "  --as scenario|capture   what to write (default scenario)\n"
          "  --format F              auto (default), capture, prefixed, plain or socat:\n"
          "                          prefixed: serial-monitor lines marked -->/<--, >>/<<,\n"
          "                          TX:/RX:, SENT:/RECV: or >/< (found in the log);\n"
          "                          plain: no marks, a line starting with AT was sent;\n"
          "                          socat: the output of socat -v\n"
          "  --tx P, --rx P          the prefixes of a prefixed log, when they are others\n"
          "  --name NAME             the scenario's name (default: the log's file name)\n"
          "  --out FILE              write there (default: standard output)\n"
          "Lines that cannot be placed are listed on stderr with their line numbers, the\n"
          "output is still written, and the exit status is 1.\n",
          f);
}

/* The importer reads text up to its first NUL: a log with NUL bytes (binary data,
 * a capture padded with zeros by a crash) would lose everything after the first
 * one without a word. Lists the lines that have one; returns how many. */
static int report_nul_lines(const char *path, const char *text, size_t len)
{
    int lines = 0, line = 1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            line++;
        } else if (text[i] == '\0') {
            if (lines++ < 20)
                fprintf(stderr, "%s:%d: a NUL byte; a text log has none (binary data?)\n", path, line);
            while (i + 1 < len && text[i + 1] != '\n')
                i++;
        }
    }
    if (lines > 20)
        fprintf(stderr, "%s: %d more line(s) with NUL bytes\n", path, lines - 20);
    return lines;
}

static int write_output(const char *path, const struct strbuf *text)
{
    FILE *f = path ? fopen(path, "w") : stdout;
    if (!f)
        return -1;
    fwrite(text->p, 1, text->len, f);
    return path ? fclose(f) : fflush(f);
}

int hil_cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"as", required_argument, NULL, 'a'}, {"format", required_argument, NULL, 'f'},
        {"tx", required_argument, NULL, 't'}, {"rx", required_argument, NULL, 'r'},
        {"name", required_argument, NULL, 'n'}, {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'}, {0},
    };
    struct log_import_options opt = {.format = LOG_AUTO};
    const char *as = "scenario", *name = NULL, *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'a': as = optarg; break;
        case 't': opt.tx_prefix = optarg; break;
        case 'r': opt.rx_prefix = optarg; break;
        case 'n': name = optarg; break;
        case 'o': out = optarg; break;
        case 'f':
            if (log_format_parse(optarg, &opt.format) < 0) {
                fprintf(stderr, "sim7600-hil import: --format must be auto, capture, prefixed, plain or socat, not '%s'\n", optarg);
                return HIL_EXIT_USAGE;
            }
            break;
        case 'h': import_usage(stdout); return HIL_EXIT_OK;
        default: import_usage(stderr); return HIL_EXIT_USAGE;
        }
    }
    bool scenario = strcmp(as, "scenario") == 0;
    if (optind != argc - 1 || (!scenario && strcmp(as, "capture") != 0) || (!opt.tx_prefix != !opt.rx_prefix)) {
        fputs("sim7600-hil import: give one LOG; --as is scenario or capture; --tx and --rx go together\n", stderr);
        import_usage(stderr);
        return HIL_EXIT_USAGE;
    }
    const char *path = argv[optind];
    struct strbuf text = {0}, why = {0};
    if (text_file_read(path, TEXT_FILE_LIMIT, &text, &why) < 0) {
        fprintf(stderr, "sim7600-hil import: %s: %s\n", path, sb_str(&why));
        sb_free(&why);
        return HIL_EXIT_FAIL;
    }
    int nul_lines = report_nul_lines(path, text.p, text.len);
    if (nul_lines) {
        fprintf(stderr, "sim7600-hil import: %d line(s) of %s have NUL bytes (listed above); "
                        "nothing was imported\n", nul_lines, path);
        sb_free(&text);
        return HIL_EXIT_FAIL;
    }
    struct log_import li;
    log_import_text(path, text.p, &opt, &li);
    sb_free(&text);
    char *copy = strdup(path);
    struct strbuf result = {0};
    if (scenario)
        log_import_write_scenario(&li, path, name ? name : basename(copy), &result);
    else
        log_import_write_capture(&li, path, &result);
    int status = li.unplaced ? HIL_EXIT_FAIL : HIL_EXIT_OK;
    if (li.unplaced)
        fprintf(stderr, "%ssim7600-hil import: %d line(s) of %s could not be placed (listed above)\n",
                sb_str(&li.problems), li.unplaced, path);
    if (write_output(out, &result) != 0) {
        fprintf(stderr, "sim7600-hil import: cannot write %s\n", out);
        status = HIL_EXIT_FAIL;
    }
    sb_free(&result);
    free(copy);
    log_import_free(&li);
    return status;
}
