/* sim7600-hil import: a serial log in, a wire-level scenario or a capture out
 * (log_import.c does the reading and writing). */
#include "alloc.h"
#include "hil.h"
#include "log_import.h"
#include "scratch_dir.h"
#include "text_file.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMPORT_FLUSH ((size_t)64 << 10)   /* the output goes out in pieces of about this much */
#define IMPORT_SPOOL_PREFIX "sim7600-hil-import-"
#define IMPORT_COPY_CHUNK 8192

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
          "output is still written, and the exit status is 1. A log with NUL bytes, or\n"
          "with no line that looks like AT traffic (a command such as AT+CSQ, an answer\n"
          "such as OK, ERROR or +CSQ: 23,0), is refused: nothing is written, exit 1.\n"
          "The log is read a line at a time: memory does not grow with its size.\n",
          f);
}

/* ---- the input: read up to three times, so it must be seekable ---------------------- */

static void too_big(struct strbuf *why)
{
    sb_printf(why, "larger than %zu MiB: not a log, capture or scenario (a device, or the wrong file?)",
              TEXT_FILE_LIMIT >> 20);
}

/* A pipe or a device can be read only once: a copy in $TMPDIR, unlinked at
 * once (it goes with the process, however that ends), is read instead. */
static FILE *spool(FILE *in, struct strbuf *why)
{
    char path[SCRATCH_DIR_PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/%sXXXXXX", scratch_dir_default_parent(), IMPORT_SPOOL_PREFIX);
    if (n < 0 || (size_t)n >= sizeof path)
        errno = ENAMETOOLONG;
    int fd = n > 0 && (size_t)n < sizeof path ? mkostemp(path, O_CLOEXEC) : -1;
    FILE *copy = fd >= 0 ? fdopen(fd, "w+b") : NULL;
    if (!copy) {
        sb_printf(why, "not a regular file, and it cannot be copied to %s to be read: %s; set TMPDIR to a "
                  "writable directory", scratch_dir_default_parent(), strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    unlink(path);
    char chunk[IMPORT_COPY_CHUNK];
    size_t got, total = 0;
    while (total <= TEXT_FILE_LIMIT && (got = fread(chunk, 1, sizeof chunk, in)) > 0) {
        total += got;
        if (fwrite(chunk, 1, got, copy) != got)
            break;
    }
    if (total > TEXT_FILE_LIMIT)
        too_big(why);
    else if (ferror(in) || ferror(copy) || fseek(copy, 0, SEEK_SET) < 0)
        sb_printf(why, "cannot read: %s", strerror(errno));
    else
        return copy;
    fclose(copy);
    return NULL;
}

static FILE *open_log(const char *path, struct strbuf *why)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sb_printf(why, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
        if ((unsigned long long)st.st_size <= TEXT_FILE_LIMIT)
            return f;
        too_big(why);
        fclose(f);
        return NULL;
    }
    FILE *copy = spool(f, why);
    fclose(f);
    return copy;
}

/* ---- the output: written as the steps come ----------------------------------------- */

struct output {
    const char *path;         /* NULL: standard output */
    bool scenario;
    const char *source, *name;
    FILE *f;                  /* opened once the log passed its checks */
    int err;                  /* errno of a failed open or write */
    struct log_writer w;
    struct strbuf buf;
};

static void flush_output(struct output *o)
{
    if (o->f && !o->err && o->buf.len && fwrite(o->buf.p, 1, o->buf.len, o->f) != o->buf.len)
        o->err = errno ? errno : EIO;
    sb_reset(&o->buf);
}

static void out_begin(void *ctx, enum log_format format)
{
    struct output *o = ctx;
    o->f = o->path ? fopen(o->path, "w") : stdout;
    if (!o->f)
        o->err = errno;
    log_writer_start(&o->w, o->scenario, format, o->source, o->name, &o->buf);
}

static void out_step(void *ctx, const struct log_step *s)
{
    struct output *o = ctx;
    log_writer_step(&o->w, s, &o->buf);
    if (o->buf.len >= IMPORT_FLUSH)
        flush_output(o);
}

static void out_problem(void *ctx, const char *message)
{
    (void)ctx;
    fputs(message, stderr);
}

/* Returns 0, or -1 with o->err. */
static int close_output(struct output *o)
{
    flush_output(o);
    sb_free(&o->buf);
    if (!o->f)
        return o->err ? -1 : 0;
    int rc = o->path ? fclose(o->f) : fflush(o->f);
    if (rc != 0 && !o->err)
        o->err = errno;
    return o->err ? -1 : 0;
}

/* ---- the command ------------------------------------------------------------------- */

static int refused(const char *path, enum log_import_status st, const struct log_import_result *res)
{
    switch (st) {
    case LOG_IMPORT_TOO_BIG: {
        struct strbuf why = {0};
        too_big(&why);
        fprintf(stderr, "sim7600-hil import: %s: %s\n", path, sb_str(&why));
        sb_free(&why);
        break;
    }
    case LOG_IMPORT_BINARY:
        fprintf(stderr, "sim7600-hil import: %d line(s) of %s have NUL bytes (listed above); "
                        "nothing was imported\n", res->nul_lines, path);
        break;
    case LOG_IMPORT_NOT_AT:
        fprintf(stderr, "sim7600-hil import: %s: no line looks like AT traffic (read as a %s log); expected "
                        "commands such as AT+CSQ and the module's answers such as OK, ERROR or +CSQ: 23,0, in one "
                        "of the formats understood: the capture format (sim7600-hil tap, sim7600-sim --log), "
                        "serial-monitor lines with direction prefixes (-->/<--, >>/<<, TX:/RX:, SENT:/RECV:, >/<, "
                        "or --tx/--rx), plain logs, socat -v output; nothing was imported\n",
                path, log_format_str(res->format));
        break;
    default:
        fprintf(stderr, "sim7600-hil import: %s: cannot read: %s\n", path, strerror(errno));
        break;
    }
    return HIL_EXIT_FAIL;
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
    struct strbuf why = {0};
    FILE *in = open_log(path, &why);
    if (!in) {
        fprintf(stderr, "sim7600-hil import: %s: %s\n", path, sb_str(&why));
        sb_free(&why);
        return HIL_EXIT_FAIL;
    }
    char *copy = xstrdup(path);
    struct output o = {.path = out, .scenario = scenario, .source = path, .name = name ? name : basename(copy)};
    struct log_sink sink = {out_begin, out_step, out_problem, &o};
    struct log_import_result res;
    enum log_import_status st = log_import_stream(in, path, TEXT_FILE_LIMIT, &opt, &sink, &res);
    fclose(in);
    int status = st != LOG_IMPORT_OK ? refused(path, st, &res) : res.unplaced ? HIL_EXIT_FAIL : HIL_EXIT_OK;
    if (st == LOG_IMPORT_OK && res.unplaced)
        fprintf(stderr, "sim7600-hil import: %d line(s) of %s could not be placed (listed above)\n",
                res.unplaced, path);
    if (close_output(&o) != 0) {
        fprintf(stderr, "sim7600-hil import: cannot write %s: %s\n", out ? out : "the standard output",
                strerror(o.err));
        status = HIL_EXIT_FAIL;
    }
    free(copy);
    return status;
}
