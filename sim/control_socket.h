/* The control socket's edge: a Unix stream socket, line-based; each line goes
 * to sim_control() (sim.c), whose commands are in control.c. */
#ifndef SIM_CONTROL_SOCKET_H
#define SIM_CONTROL_SOCKET_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "path_claim.h"
#include "strbuf.h"

#define CONTROL_MAX_CLIENTS 16
#define CONTROL_LINE_MAX 65536
/* When every slot is taken, a new connection takes the slot of the one silent
 * the longest, if it has been silent at least this long: clients a killed test
 * leaked never lock the others out, and one that just connected and is about
 * to send its command keeps its slot. */
#define CONTROL_IDLE_MS_DEFAULT 2000
/* What a connection may have waiting to be sent before it counts as one that
 * stopped reading: far more than a soak's whole `watch` stream backlog. */
#define CONTROL_OUT_MAX (64u << 20)

struct sim;

struct control_client {
    int fd;                    /* -1: a free slot */
    bool watching;             /* gets a MSG line for every message published; never evicted,
                                  since a watcher is silent by design */
    bool discarding;           /* the current line is over-long: drop it up to its newline */
    uint64_t heard_us;         /* when it connected or last sent a byte */
    struct strbuf in;
    struct strbuf out;         /* what the peer has not taken yet, from out_off on */
    size_t out_off;
};

struct control_server {
    int listen_fd;
    uint64_t idle_us;          /* silent this long, a connection may lose its slot to a new one */
    struct path_claim path;    /* the socket file we made */
    struct control_client clients[CONTROL_MAX_CLIENTS];
};

/* Listens on a Unix socket at `path`. Only a stale socket nobody listens on is
 * replaced (path_claim.h); a live one, or any other file, is refused and left
 * alone. With every slot taken, a new connection evicts the connection silent
 * the longest if that is at least idle_ms (watchers excepted), and is refused
 * otherwise; both are told why in one ERR line. Returns 0, or -1 with a
 * message in err naming the path. */
int control_open(struct control_server *cs, const char *path, uint32_t idle_ms, char *err, size_t errlen);
/* Closes every connection and removes the socket if it is still the one we made. */
void control_close(struct control_server *cs);
/* Adds the server's descriptors to `fds`; returns how many were added. */
size_t control_pollfds(const struct control_server *cs, struct pollfd *fds, size_t cap);
/* Handles whatever poll reported on the descriptors control_pollfds added. */
void control_handle(struct control_server *cs, const struct pollfd *fds, size_t n, struct sim *s, uint64_t now_us);
/* Sends a line to every client that asked to `watch`. Nothing is dropped for
 * a slow reader: what its socket cannot take now waits, up to CONTROL_OUT_MAX;
 * a reader that far behind is closed and said so on stderr. */
void control_broadcast(struct control_server *cs, const char *line, size_t len);

#endif
