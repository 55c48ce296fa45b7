/* The module's TCP servers on host sockets (net_posix.h): a listener on the
 * host's loopback per server, each connection accepted as it comes and told
 * to the core, then placed on the link the core names (or refused). */
#include "net_posix_internal.h"

#include "alloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ANY_PORT 0
/* Connections taken from one listener per pass, so a flood cannot starve the loop. */
#define ACCEPTS_PER_PASS 8

static struct server *server_at(struct net_posix *np, int server)
{
    return server >= 0 && server < NET_POSIX_SERVERS ? &np->servers[server] : NULL;
}

void np_servers_init(struct net_posix *np)
{
    for (int i = 0; i < NET_POSIX_SERVERS; i++) {
        np->servers[i].fd = -1;
        np->servers[i].pending_tail = &np->servers[i].pending;
    }
}

/* A listening socket on 127.0.0.1:port (0: the kernel picks), or -1 with errno. */
static int open_listener(int port, int backlog)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (const struct sockaddr *)&at, sizeof at) < 0 || listen(fd, backlog) < 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_in at;
    socklen_t len = sizeof at;
    if (getsockname(fd, (struct sockaddr *)&at, &len) < 0)
        return 0;
    return ntohs(at.sin_port);
}

enum sim_net_error np_listen(void *ctx, const struct sim_net_listen *p, int *host_port)
{
    struct net_posix *np = ctx;
    struct server *v = server_at(np, p->server);
    if (!v)
        return SIM_NET_UNREACHABLE;
    np_unlisten(np, p->server);
    int fd = open_listener(p->port, p->backlog);
    if (fd < 0 && errno == EADDRINUSE && p->port != ANY_PORT) {
        /* the module's own address has the port free: the host's loopback takes another */
        fd = open_listener(ANY_PORT, p->backlog);
        if (fd >= 0)
            fprintf(stderr,
                    "sim7600-sim: port %d is taken on this host: the module's server %d listens on "
                    "127.0.0.1:%d instead (the control socket's state shows it as sockets.servers[%d].host_port)\n",
                    p->port, p->server, bound_port(fd), p->server);
    }
    if (fd < 0)
        return errno == EADDRINUSE ? SIM_NET_IN_USE : SIM_NET_UNREACHABLE;
    v->fd = fd;
    *host_port = bound_port(fd);
    return SIM_NET_OK;
}

static void free_pending(struct server *v)
{
    for (struct pending *c = v->pending, *next; c; c = next) {
        next = c->next;
        close(c->fd);                /* never placed: its client sees the connection close */
        free(c);
    }
    v->pending = NULL;
    v->pending_tail = &v->pending;
}

void np_unlisten(void *ctx, int server)
{
    struct server *v = server_at(ctx, server);
    if (!v)
        return;
    if (v->fd >= 0)
        close(v->fd);
    v->fd = -1;
    free_pending(v);
    v->gen++;                        /* what was queued about it is not heard */
}

/* Takes what the listener has ready; each connection waits for the core's accept(). */
void np_accept_ready(struct net_posix *np, int server)
{
    struct server *v = &np->servers[server];
    for (int i = 0; i < ACCEPTS_PER_PASS && v->fd >= 0; i++) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        int fd = accept4(v->fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;                  /* EAGAIN, or a client that gave up before it was taken */
        struct pending *c = xmalloc(sizeof *c);
        *c = (struct pending){.fd = fd, .peer = peer};
        *v->pending_tail = c;
        v->pending_tail = &c->next;
        struct sim_net_event ev = {.kind = SIM_NET_ACCEPTED, .link = server};
        np_queue_event(np, OWNER_SERVER, &ev, &peer);
    }
}

void np_accept(void *ctx, int server, int link)
{
    struct net_posix *np = ctx;
    struct server *v = server_at(np, server);
    struct pending *c = v ? v->pending : NULL;
    if (!c)
        return;
    if (!(v->pending = c->next))
        v->pending_tail = &v->pending;
    if (link < 0 || link >= NET_POSIX_LINKS) {
        close(c->fd);                /* no free link: refused */
        free(c);
        return;
    }
    struct link *l = &np->links[link];
    np_link_release(l);              /* a link the core reuses starts afresh */
    l->gen++;
    l->state = LINK_OPEN;
    l->proto = SIM_NET_TCP;
    l->fd = c->fd;
    l->peer = c->peer;
    l->has_peer = true;
    l->port = ntohs(c->peer.sin_port);
    l->room = ROOM_BEFORE_TOLD;
    free(c);
}
