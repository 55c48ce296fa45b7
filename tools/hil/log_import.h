/* Importing serial logs: the project's capture format, serial-monitor logs
 * with direction prefixes, plain logs with no prefixes, and `socat -v`
 * dumps, all read into one list of steps that can be written back as a
 * capture (for sim7600-sim --replay) or as a wire-level scenario. Lines that
 * cannot be placed are reported with their line numbers, never dropped. */
#ifndef HIL_LOG_IMPORT_H
#define HIL_LOG_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#endif
