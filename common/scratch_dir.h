/* Private temporary directories: made under a parent, removed with all they hold.
 *
 * An owned directory carries an owner file its maker holds an flock on for as
 * long as it (or a child it forked) lives: a maker killed outright cannot
 * clean up, and the lock, released by the kernel, tells the next run that
 * the directory is a leftover it may reap. A pid would not: pids are reused. */
#ifndef HIL_SCRATCH_DIR_H
#define HIL_SCRATCH_DIR_H

#include <stddef.h>

#define SCRATCH_DIR_PATH_MAX 256
#define SCRATCH_DIR_OWNER_FILE "owner"   /* in an owned directory: the lock */

/* $TMPDIR, or /tmp without it. */
const char *scratch_dir_default_parent(void);
/* Makes "<parent>/<prefix>XXXXXX" (parent NULL: $TMPDIR or /tmp) with `mode`, its path in
 * `path`. Mode 0711 lets a daemon that drops root (mosquitto) reach files
 * inside without listing the directory. Returns 0, or -1 with errno set. */
int scratch_dir_make(char *path, size_t cap, const char *parent, const char *prefix, unsigned mode);
/* Removes the directory and everything under it, never following symlinks. */
void scratch_dir_remove(const char *path);

/* A directory under $TMPDIR (or /tmp) owned by this process. */
struct scratch_dir {
    char path[SCRATCH_DIR_PATH_MAX];   /* "" when there is none */
    int lock_fd;                       /* the owner file, locked; close-on-exec, inherited by fork */
};

/* Makes "<$TMPDIR>/<prefix>XXXXXX" with `mode` and its owner file, locked
 * before it can be seen. Returns 0, or -1 with errno set and nothing made. */
int scratch_dir_make_owned(struct scratch_dir *d, const char *prefix, unsigned mode);
/* Removes the directory with all it holds, then lets go of it. */
void scratch_dir_release(struct scratch_dir *d);
/* Leaves the directory for the user (kept transcripts): without its owner
 * file no later run reaps it. */
void scratch_dir_disown(struct scratch_dir *d);
/* Removes what killed makers left in `parent` (NULL: $TMPDIR or /tmp): only
 * directories named <prefix> and six mkdtemp characters, owned by this user,
 * with an owner file of this user that nobody holds locked. Anything else
 * (another tool's directory, one whose maker is alive or that has no owner
 * file) is left alone. Returns how many were removed. */
int scratch_dir_reap(const char *parent, const char *prefix);

#endif
