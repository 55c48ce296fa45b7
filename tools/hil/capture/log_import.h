/* Importing serial logs: the project's capture format, serial-monitor logs
 * with direction prefixes, plain logs with no prefixes, and `socat -v`
 * dumps, all read into one sequence of steps that can be written back as a
 * capture (for sim7600-sim --replay) or as a wire-level scenario. Lines that
 * cannot be placed are reported with their line numbers, never dropped.
 *
 * Two ways in: log_import_text reads text in memory into a list of steps (the
 * tests, the fuzz target); log_import_stream reads a file a line at a time and
 * hands each step on as it is read, in memory that does not grow with the log
 * (sim7600-hil import: an hour of a busy line is tens of MiB). */
#ifndef HIL_LOG_IMPORT_H
#define HIL_LOG_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "redact.h"
#include "strbuf.h"

enum log_format { LOG_AUTO, LOG_CAPTURE, LOG_PREFIXED, LOG_PLAIN, LOG_SOCAT };

const char *log_format_str(enum log_format f);
/* "auto", "capture", "prefixed", "plain", "socat" → 0; -1 if unknown. */
int log_format_parse(const char *s, enum log_format *f);

struct log_import_options {
    enum log_format format;     /* LOG_AUTO: detected from the text */
    const char *tx_prefix;      /* LOG_PREFIXED: host-to-module prefix; NULL: detected */
    const char *rx_prefix;
};

struct log_step {
    char dir;                   /* '>' host to module, '<' module to host */
    double t;                   /* seconds, -1 when the log has no time */
    int line;                   /* where it came from */
    uint8_t *data;
    size_t len;
};

struct log_import {
    enum log_format format;     /* the one used */
    char tx_prefix[16], rx_prefix[16];
    struct log_step *steps;
    size_t count, cap;
    struct strbuf problems;     /* "file:line: message\n" per line that could not be placed */
    int unplaced;
};

/* Reads `text` (named `name` in messages). Returns 0; lines that could not be
 * placed are counted in out->unplaced and listed in out->problems. Returns -1
 * only when the text as a whole is unreadable (e.g. forced capture format). */
int log_import_text(const char *name, const char *text, const struct log_import_options *opt,
                    struct log_import *out);
void log_import_free(struct log_import *li);

void log_import_write_capture(const struct log_import *li, const char *source, struct strbuf *out);
void log_import_write_scenario(const struct log_import *li, const char *source, const char *name,
                               struct strbuf *out);

/* Whether one line (no line end; blanks around it ignored) looks like AT
 * traffic: a command line ("AT", "ATE0", "AT+CSQ", "at+cmqttstart=0") or a
 * module's answer ("OK", "ERROR", "RDY", "+CSQ: 23,0", "+CME ERROR: 10"). */
bool log_line_is_at(const char *s, size_t n);

/* ---- streaming ------------------------------------------------------------------ */

/* What log_import_stream hands on, in order: begin once the log passed its
 * checks, then every step and every line that could not be placed as they
 * are met. Steps and messages live during the call only. */
struct log_sink {
    void (*begin)(void *ctx, enum log_format format);
    void (*step)(void *ctx, const struct log_step *s);
    void (*problem)(void *ctx, const char *message);   /* "name:line: what: \"text\"\n" */
    void *ctx;
};

enum log_import_status {
    LOG_IMPORT_OK = 0,          /* read; lines that could not be placed went to the sink */
    LOG_IMPORT_TOO_BIG = -1,    /* over the limit: a device, or the wrong file */
    LOG_IMPORT_UNREADABLE = -2, /* a read error (errno), or no memory */
    LOG_IMPORT_BINARY = -3,     /* lines with NUL bytes, listed through the sink's problem */
    LOG_IMPORT_NOT_AT = -4,     /* no line looks like AT traffic (random text, the wrong file) */
};

struct log_import_result {
    enum log_format format;     /* the one used (or detected, when refused) */
    int unplaced;               /* lines that could not be placed */
    int nul_lines;              /* with LOG_IMPORT_BINARY: lines with NUL bytes */
};

/* Reads the log in `in`, which must be seekable (it is read up to three
 * times: the format, the AT-traffic check, the steps), `limit` bytes at most.
 * Nothing reaches the sink's begin and step unless it returns LOG_IMPORT_OK. */
enum log_import_status log_import_stream(FILE *in, const char *name, size_t limit,
                                         const struct log_import_options *opt, const struct log_sink *sink,
                                         struct log_import_result *res);

/* Writes steps as they come, as a capture or a scenario. */
struct log_writer {
    bool scenario;
    double base, last;          /* capture times: from the log's first time, never back */
    struct redact_stream redact[2];   /* [0] the host's, [1] the module's: no secret is copied */
};
void log_writer_start(struct log_writer *w, bool scenario, enum log_format format, const char *source,
                      const char *name, struct strbuf *out);
void log_writer_step(struct log_writer *w, const struct log_step *s, struct strbuf *out);

#endif
