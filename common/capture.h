/* The capture format (DESIGN.md "Formats"): one line per chunk,
 * "SECONDS DIR DATA", DIR '>' host to module or '<' module to host, DATA with
 * C escapes. Module output is split after each \n, host input after each \r or \n. */
#ifndef SIM_CAPTURE_H
#define SIM_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "strbuf.h"

#define CAPTURE_TO_MODULE '>'
#define CAPTURE_FROM_MODULE '<'

struct capture {
    FILE *f;
    uint64_t start_us;
    char pending_dir;           /* the direction of the unfinished line in `pending` */
    uint64_t pending_us;
    struct strbuf pending;
};

/* Opens `path` for writing and writes a header comment. Returns 0 or -1 (errno set). */
int capture_open(struct capture *c, const char *path, uint64_t start_us, const char *what);
void capture_write(struct capture *c, char dir, const uint8_t *data, size_t n, uint64_t now_us);
void capture_comment(struct capture *c, const char *text);
/* Writes the unfinished line as it is: the next bytes start a line of their own. */
void capture_end_line(struct capture *c);
void capture_close(struct capture *c);

/* Parses one line of a capture. Returns 1 for a data line (*t is -1 when the
 * line has no time), 0 for a comment or blank line, -1 with *why for a bad line.
 * `out` needs room for strlen(line) bytes. */
int capture_parse_line(const char *line, double *t, char *dir, uint8_t *out, size_t *len, const char **why);

#endif
