/* Private temporary directories: made under a parent, removed with all they hold. */
#ifndef HIL_SCRATCH_DIR_H
#define HIL_SCRATCH_DIR_H

#include <stddef.h>

/* $TMPDIR, or /tmp without it. */
const char *scratch_dir_default_parent(void);
/* Makes "<parent>/<prefix>XXXXXX" (parent NULL: $TMPDIR or /tmp) with `mode`, its path in
 * `path`. Mode 0711 lets a daemon that drops root (mosquitto) reach files
 * inside without listing the directory. Returns 0, or -1 with errno set. */
int scratch_dir_make(char *path, size_t cap, const char *parent, const char *prefix, unsigned mode);
/* Removes the directory and everything under it, never following symlinks. */
void scratch_dir_remove(const char *path);

#endif
