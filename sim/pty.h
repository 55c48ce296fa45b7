/* The simulator's wire: a pseudo-terminal in raw mode whose slave the host
 * program opens as it would open /dev/ttyUSB2. */
#ifndef SIM_PTY_H
#define SIM_PTY_H

#include <stdbool.h>
#include <stddef.h>

enum pty_host {
    PTY_HOST_NOT_YET,     /* nobody opened the slave yet: output waits in the pty */
    PTY_HOST_ATTACHED,    /* a program holds the slave open */
    PTY_HOST_GONE,        /* it closed the slave; output is lost until someone opens it */
};

struct sim_pty {
    int master;
    int watch;            /* inotify: tells when the slave is opened again */
    enum pty_host host;
    char slave_path[128];
    char link_path[512];
};

/* Opens the pty (raw, mode 0600, non-blocking master) and, if link_path is
 * given, a symlink to the slave. Returns 0, or -1 with a message in err. */
int pty_open(struct sim_pty *p, const char *link_path, char *err, size_t errlen);
void pty_close(struct sim_pty *p);
/* Reads the inotify descriptor: true if the slave was opened since the last call. */
bool pty_slave_opened(struct sim_pty *p);

#endif
