/* A link of the module's network on its host socket: connecting, sending
 * with backpressure, reading no more than the core's room, and how each
 * ends. See net_posix.h. */
#include "net_posix_internal.h"

#include "alloc.h"
#include "net_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

uint64_t np_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- events to the core ------------------------------------------------------------- */

void np_queue_event(struct net_posix *np, enum queued_owner owner, const struct sim_net_event *ev,
                    const struct sockaddr_in *from)
{
    size_t copied = ev->data ? ev->len : 0;     /* only SIM_NET_RECEIVED carries bytes */
    struct queued *q = xmalloc(sizeof *q + copied);
    memset(q, 0, sizeof *q);
    q->owner = owner;
    q->gen = owner == OWNER_LINK ? np->links[ev->link].gen : owner == OWNER_SERVER ? np->servers[ev->link].gen : 0;
    q->ev = *ev;
    if (copied)
        memcpy(q->data, ev->data, copied);
    q->ev.data = ev->data ? q->data : NULL;
    q->ev.host = NULL;
    if (from) {
        inet_ntop(AF_INET, &from->sin_addr, q->host, sizeof q->host);
        q->ev.host = q->host;
        q->ev.port = ntohs(from->sin_port);
    }
    q->next = NULL;
    *np->tail = q;
    np->tail = &q->next;
    /* no wake-up through the pipe: this runs on the loop's thread, and while an
     * event waits net_posix_next_deadline says "now", so the loop hands it over
     * before it sleeps (a byte per event cost a write and a pass for nothing) */
}

void np_tell(struct net_posix *np, int link, enum sim_net_kind kind, enum sim_net_error code, size_t len)
{
    struct sim_net_event ev = {.kind = kind, .link = link, .code = code, .len = len};
    np_queue_event(np, OWNER_LINK, &ev, NULL);
}

/* ---- a link's life ------------------------------------------------------------------- */

static void free_sends(struct link *l)
{
    for (struct send_item *s = l->sends, *next; s; s = next) {
        next = s->next;
        free(s);
    }
    l->sends = NULL;
    l->sends_tail = &l->sends;
}

/* Back to free. The generation stays: what the network said about this
 * connection is still to be heard, unless the core moves it on. */
void np_link_release(struct link *l)
{
    net_tls_free(l->tls);           /* first: a session says goodbye on the socket */
    if (l->fd >= 0)
        close(l->fd);
    free_sends(l);
    uint32_t gen = l->gen;
    memset(l, 0, sizeof *l);
    l->fd = -1;
    l->gen = gen;
    l->sends_tail = &l->sends;
}

static enum sim_net_error error_of(int err)
{
    switch (err) {
    case ECONNREFUSED: return SIM_NET_REFUSED;
    case ETIMEDOUT: return SIM_NET_TIMEOUT;
    case ECONNRESET: case ECONNABORTED: return SIM_NET_RESET;
    case EPIPE: return SIM_NET_PEER_CLOSED;
    case EADDRINUSE: return SIM_NET_IN_USE;          /* the local port AT+CIPOPEN named */
    default: return SIM_NET_UNREACHABLE;     /* ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL ... */
    }
}

void np_open_failed(struct net_posix *np, int link, enum sim_net_error code)
{
    np_link_release(&np->links[link]);
    np_tell(np, link, SIM_NET_OPENED, code, 0);
}

/* The connection is gone (after what it received was told). */
static void link_lost(struct net_posix *np, int link, enum sim_net_error code)
{
    np_link_release(&np->links[link]);
    np_tell(np, link, SIM_NET_CLOSED, code, 0);
}

int np_new_socket(struct link *l)
{
    int type = (l->proto == SIM_NET_TCP ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
    int fd = socket(AF_INET, type, 0);
    if (fd < 0 || l->local_port == 0)
        return fd;
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((uint16_t)l->local_port)};
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (const struct sockaddr *)&local, sizeof local) < 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

void np_opened(struct net_posix *np, int link)
{
    struct link *l = &np->links[link];
    if (l->tls && l->state != LINK_HANDSHAKING) {
        np_tls_start(np, link);      /* opened once TLS is up */
        return;
    }
    l->state = LINK_OPEN;
    struct sim_net_event ev = {.kind = SIM_NET_OPENED, .link = link, .code = SIM_NET_OK, .port = l->port};
    np_queue_event(np, OWNER_LINK, &ev, l->has_peer ? &l->peer : NULL);
}

/* The peer's address is known: connect (UDP: fix the peer) or fail. */
void np_start_connect(struct net_posix *np, int link, const struct in_addr *addr)
{
    struct link *l = &np->links[link];
    l->peer = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)l->port), .sin_addr = *addr};
    l->has_peer = true;
    if (l->fd < 0 && (l->fd = np_new_socket(l)) < 0) {
        np_open_failed(np, link, error_of(errno));
        return;
    }
    if (connect(l->fd, (const struct sockaddr *)&l->peer, sizeof l->peer) == 0) {
        np_opened(np, link);
        return;
    }
    if (errno != EINPROGRESS) {
        np_open_failed(np, link, error_of(errno));
        return;
    }
    l->state = LINK_CONNECTING;
    l->deadline_us = np_mono_us() + (uint64_t)l->connect_timeout_ms * US_PER_MS;
}

void np_connect_done(struct net_posix *np, int link)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(np->links[link].fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err == EINPROGRESS)
        return;
    if (err)
        np_open_failed(np, link, error_of(err));
    else
        np_opened(np, link);
}
/* ---- sending --------------------------------------------------------------------------- */

static void send_done(struct net_posix *np, int link, struct send_item *s)
{
    struct link *l = &np->links[link];
    if (!(l->sends = s->next))
        l->sends_tail = &l->sends;
    np_tell(np, link, SIM_NET_SENT, SIM_NET_OK, s->done);
    free(s);
}

static ssize_t send_some(struct link *l, const struct send_item *s)
{
    if (s->has_dest)
        return sendto(l->fd, s->data + s->done, s->len - s->done, MSG_NOSIGNAL,
                      (const struct sockaddr *)&s->dest, sizeof s->dest);
    return np_link_send(l, s->data + s->done, s->len - s->done);
}

/* Writes what the socket takes now, in order; a send is told once all of it
 * went, a UDP datagram once it went or could not. */
void np_flush_sends(struct net_posix *np, int link)
{
    struct link *l = &np->links[link];
    while (l->state == LINK_OPEN && l->sends && !l->sends->resolving) {
        struct send_item *s = l->sends;
        bool udp = l->proto == SIM_NET_UDP;
        if (s->unresolved || (udp && !s->has_dest && !l->has_peer)) {
            send_done(np, link, s);             /* nowhere to go: none of it was taken */
            continue;
        }
        ssize_t n = send_some(l, s);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;                             /* POLLOUT brings us back */
        if (n < 0 && !udp) {
            int err = errno;
            send_done(np, link, s);             /* what went before the connection failed */
            link_lost(np, link, error_of(err));
            return;
        }
        if (n > 0)
            s->done += (size_t)n;
        if (udp || s->done == s->len)
            send_done(np, link, s);
    }
}

/* ---- receiving ------------------------------------------------------------------------- */

static void received(struct net_posix *np, int link, size_t n, const struct sockaddr_in *from)
{
    struct link *l = &np->links[link];
    struct sim_net_event ev = {.kind = SIM_NET_RECEIVED, .link = link, .data = np->buf, .len = n};
    l->room -= n;
    np_queue_event(np, OWNER_LINK, &ev, from);
}

/* TCP: what the room allows, one segment at a time. The peer's close or
 * reset is told after the bytes that came before it. */
void np_read_tcp(struct net_posix *np, int link)
{
    struct link *l = &np->links[link];
    for (size_t total = 0; l->room > 0 && total < READ_PER_PASS_MAX;) {
        size_t want = l->room < TCP_READ_MAX ? l->room : TCP_READ_MAX;
        ssize_t n = np_link_recv(l, np->buf, want);
        if (n > 0) {
            received(np, link, (size_t)n, &l->peer);
            total += (size_t)n;
            if ((size_t)n < want && !l->tls)
                return;             /* the socket is drained: the next poll says when more comes */
        } else if (n == 0) {
            link_lost(np, link, SIM_NET_PEER_CLOSED);
            return;
        } else {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                link_lost(np, link, error_of(errno));
            return;
        }
    }
}

/* UDP: whole datagrams only; one bigger than the room waits in the kernel
 * until the core has room for it (the kernel drops what overflows, as UDP does). */
void np_read_udp(struct net_posix *np, int link)
{
    struct link *l = &np->links[link];
    while (l->room > 0) {
        ssize_t size = recv(l->fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
        if (size < 0) {
            if (errno == ECONNREFUSED)          /* an earlier datagram's ICMP: nothing to read */
                continue;
            return;
        }
        if ((size_t)size > l->room) {
            l->udp_next = (size_t)size;
            return;
        }
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(l->fd, np->buf, sizeof np->buf, 0, (struct sockaddr *)&from, &flen);
        if (n > 0)
            received(np, link, (size_t)n, &from);
        else if (n < 0)
            return;
    }
}
