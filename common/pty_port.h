/* The simulator's wire: a pseudo-terminal in raw mode whose slave the host
 * program opens as it would open /dev/ttyUSB2. */
#ifndef SIM_PTY_PORT_H
#define SIM_PTY_PORT_H

#include <stdbool.h>
#include <stddef.h>

#include "path_claim.h"

enum pty_host {
    PTY_HOST_NOT_YET,     /* nobody opened the slave yet: output waits in the pty */
    PTY_HOST_ATTACHED,    /* a program holds the slave open */
    PTY_HOST_GONE,        /* it closed the slave; output is lost until someone opens it */
};

enum pty_change { PTY_HOST_CAME, PTY_HOST_LEFT };

struct sim_pty {
    int master;
    int watch;            /* inotify: every open and close of the slave, in order */
    int holders;          /* how many descriptors hold the slave open */
    enum pty_host host;
    char slave_path[128];
    struct path_claim link;   /* the --link symlink, if we made one */
};

/* Opens the pty (raw, mode 0600, non-blocking master) and, if link_path is
 * given, a symlink to the slave there. Only a stale link of a simulator that
 * is gone is replaced (path_claim.h); anything else at link_path is left alone
 * and refused. Returns 0, or -1 with a message in err naming the path. */
int pty_open(struct sim_pty *p, const char *link_path, char *err, size_t errlen);
/* Closes the pty and removes the link if it is still the one we made. */
void pty_close(struct sim_pty *p);
/* Reads the inotify descriptor and reports, in order, each moment the slave
 * went from held by nobody to held (CAME) and back (LEFT). A host that closes
 * and reopens the port at once is seen leaving and coming back. */
int pty_watch_changes(struct sim_pty *p, enum pty_change *changes, int max);
/* Without a watch (p->watch < 0): whether some program holds the slave now. */
bool pty_host_present(const struct sim_pty *p);

#endif
