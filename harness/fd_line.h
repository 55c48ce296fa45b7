/* One line from a pipe or a socket, with a deadline: the simulator's PTY line
 * on its stdout, a reply on its control socket. */
#ifndef HARNESS_FD_LINE_H
#define HARNESS_FD_LINE_H

#include <stddef.h>

#include "strbuf.h"

/* Reads up to and including the next '\n' into `line` (without it) within
 * timeout_ms. Byte by byte, so nothing after the line is taken from fd (on a
 * `watch` connection it is the watcher's). Returns 0, or -1 on a timeout, an
 * end of file, an error, or a line of `max` bytes with no end yet. */
int fd_read_line(int fd, struct strbuf *line, size_t max, int timeout_ms);

#endif
