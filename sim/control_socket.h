/* The control socket's edge: a Unix stream socket, line-based; the protocol
 * itself is sim_control() (control.c). */
#ifndef SIM_CONTROL_SOCKET_H
#define SIM_CONTROL_SOCKET_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define CONTROL_MAX_CLIENTS 16
#define CONTROL_LINE_MAX 65536

struct sim;

struct control_client {
    int fd;
    bool watching;             /* gets a MSG line for every message published */
    bool discarding;           /* the current line is over-long: drop it up to its newline */
    struct strbuf in;
};

struct control_server {
    int listen_fd;
    char path[108];
    struct control_client clients[CONTROL_MAX_CLIENTS];
};

int control_open(struct control_server *cs, const char *path, char *err, size_t errlen);
void control_close(struct control_server *cs);
/* Adds the server's descriptors to `fds`; returns how many were added. */
size_t control_pollfds(const struct control_server *cs, struct pollfd *fds, size_t cap);
/* Handles whatever poll reported on the descriptors control_pollfds added. */
void control_handle(struct control_server *cs, const struct pollfd *fds, size_t n, struct sim *s, uint64_t now_us);
/* Sends a line to every client that asked to `watch`. */
void control_broadcast(struct control_server *cs, const char *line, size_t len);

#endif
