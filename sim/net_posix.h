/* The network behind the module's own TCP/IP stack (sim7600-sim): real host
 * sockets for the socket family's links (struct sim_net_ops, sim.h).
 *
 * Every socket is non-blocking and served by the owner's poll loop: the ops,
 * called from inside the core, only change a link's state and queue what the
 * core must hear; net_posix_handle(), called by the loop after poll, moves
 * the bytes and hands the queued events over. Name lookups, the one thing
 * that blocks, run on a worker thread (net_resolve.h). So the network never
 * delays the module's answers to other commands, and no event reaches the
 * core while it is inside a call that asked for something.
 *
 * A link reads no more than the room the core last gave it (receive_room),
 * so a full module buffer leaves the bytes in the kernel and TCP's window
 * holds a fast peer back. A send is reported (SIM_NET_SENT) once the socket
 * took all of it, or as much as it took before the connection failed.
 * Only the network's own outcomes are reported: a link the core closed says
 * nothing more. IPv4, as the module's +CIPOPEN and +RECEIVE show addresses.
 *
 * A server (listen) listens on the host's loopback, on the module's port when
 * it is free there, else on a port the kernel picks (said on stderr; the
 * control socket's state shows it as sockets.servers[i].host_port), so a
 * test reaches the module's server at 127.0.0.1:<host_port>. Each connection
 * is accepted at once and told (SIM_NET_ACCEPTED); the core's accept() puts
 * it on a link or refuses it. */
#ifndef SIM_NET_POSIX_H
#define SIM_NET_POSIX_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "net_map.h"
#include "net_resolve.h"
#include "sim.h"

#define NET_POSIX_LINKS 13              /* the module's links: sockets 0-9, SSL sessions 10-11, HTTP 12 */
#define NET_POSIX_SERVERS 4             /* the module's TCP servers, 0-3 (AT+SERVERSTART) */
/* the most net_posix_pollfds fills: the wake-up pipe, the links, the listeners */
#define NET_POSIX_POLLFDS (1 + NET_POSIX_LINKS + NET_POSIX_SERVERS)

struct net_posix;

/* Where the events go: sim7600-sim passes one that calls sim_net_event(). */
typedef void (*net_posix_deliver_fn)(void *ctx, const struct sim_net_event *ev);

struct net_posix_config {
    struct net_map map;              /* --net-map rules */
    uint32_t connect_timeout_ms;     /* a TCP connect not done by then fails: SIM_NET_TIMEOUT */
    net_lookup_fn lookup;            /* NULL: the host's resolver */
};

/* cfg is copied. NULL with the reason in err. */
struct net_posix *net_posix_create(const struct net_posix_config *cfg, char *err, size_t errlen);
void net_posix_destroy(struct net_posix *np);

/* The descriptors to poll and what to wait for, into fds (room for
 * NET_POSIX_POLLFDS). Returns how many. */
size_t net_posix_pollfds(struct net_posix *np, struct pollfd *fds, size_t cap);
/* When a connect times out next (monotonic µs); UINT64_MAX if none; 0 (at
 * once) while events wait to be handed over. */
uint64_t net_posix_next_deadline(const struct net_posix *np);
/* After poll: serves the descriptors net_posix_pollfds gave (with their
 * revents), checks the deadlines, and hands every queued event to deliver,
 * oldest first (the core may call the ops from inside it). */
void net_posix_handle(struct net_posix *np, const struct pollfd *fds, size_t n, uint64_t now_us,
                      net_posix_deliver_fn deliver, void *ctx);

extern const struct sim_net_ops net_posix_ops;

#endif
