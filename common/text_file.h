/* Whole text files (captures, logs, scenarios) read into memory, bounded. */
#ifndef SIM_TEXT_FILE_H
#define SIM_TEXT_FILE_H

#include <stddef.h>

#include "strbuf.h"

/* The largest file the tools read whole: a field log is kilobytes to a few
 * megabytes, an hour of a busy 115200-baud line about 40 MiB; /dev/zero is endless. */
#define TEXT_FILE_LIMIT ((size_t)64 << 20)

/* Reads the file at `path` into `out` (NUL-terminated, length in out->len).
 * Returns 0, or -1 with the problem in `why`, for the caller to put after the
 * path ("cannot open: No such file or directory", "larger than 64 MiB: ..."),
 * and `out` left empty. */
int text_file_read(const char *path, size_t limit, struct strbuf *out, struct strbuf *why);

#endif
