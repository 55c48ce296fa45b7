/* Paths the simulator makes for others to find: --link's symlink to the pty and
 * --control's socket. Before making one, only a stale leftover of a simulator
 * is replaced (a link to a pty that no longer exists, is newer than the link
 * or whose master none of our programs holds; a socket nobody listens on); a
 * user's file, a directory or a running simulator's link or socket is refused
 * and left untouched. On exit only the very file we made is removed. */
#ifndef SIM_PATH_CLAIM_H
#define SIM_PATH_CLAIM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define PATH_CLAIM_MAX 512

enum path_claim_kind {
    PATH_CLAIM_PTY_LINK,   /* a symlink to /dev/pts/N: stale once that pty is gone or reused */
    PATH_CLAIM_SOCKET,     /* a listening Unix socket: stale once nobody listens */
};

struct path_claim {
    char path[PATH_CLAIM_MAX];
    dev_t dev;              /* which file is ours: a path can be replaced under us, */
    ino_t ino;
    struct timespec ctime;  /* and an inode number reused */
    bool held;
};

/* Makes `path` free for a new file of `kind`: nothing there, or a stale
 * leftover of that kind, which is removed. Anything else is left as it is and
 * -1 returned, with a message in err naming `option`, the path, what is there
 * and what to do. Returns 0 when the path is free. */
int path_claim_prepare(const char *path, enum path_claim_kind kind, const char *option, char *err, size_t errlen);
/* Records the file just made at `path` as ours (until path_claim_release). */
void path_claim_hold(struct path_claim *c, const char *path);
/* Removes the path if it is still the file we made, then forgets it. Safe to
 * call on a claim never held. */
void path_claim_release(struct path_claim *c);

#endif
