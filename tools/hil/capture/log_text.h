/* The line-level reading an import shares between detecting a log's format
 * and reading it (log_import.c): times, direction prefixes, socat headers. */
#ifndef HIL_LOG_TEXT_H
#define HIL_LOG_TEXT_H

#include <stdbool.h>

#include "log_import.h"

#define LOG_PREFIX_PAIRS 5   /* the serial-monitor prefix pairs log_text.c knows */

bool log_blank(const char *s);
/* A leading "[12:00:01.123]", "12:00:01.123 " or "1234.5 " is a time: skips
 * it and returns seconds, or -1 (nothing skipped). */
double log_strip_time(const char **p);
/* The text after `prefix` (and one space), or NULL if s does not start with it. */
const char *log_after_prefix(const char *s, const char *prefix);
/* socat -v's block header: its direction, time (or -1) and length. */
bool log_socat_header(const char *s, char *dir, double *t, long *length);

/* Format detection, a line at a time. */
struct log_detect {
    enum log_format header;          /* LOG_CAPTURE or LOG_SOCAT: the first such header met; LOG_AUTO: none */
    long placed[LOG_PREFIX_PAIRS];   /* lines each prefix pair places */
    long nonblank;
};
void log_detect_line(struct log_detect *d, const char *s);
enum log_format log_detected(const struct log_detect *d);
/* The prefix pair that places the most lines (the first of equals). */
void log_detected_prefixes(const struct log_detect *d, const char **tx, const char **rx);

#endif
