#include "net_posix.h"

#include "alloc.h"
#include "net_resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A TCP read takes at most one segment's payload (1500-byte MTU), as the
 * module's stack hands the host what one segment brought. */
#define TCP_READ_MAX 1460
#define UDP_DATAGRAM_MAX 65535
/* Bytes read from one link per pass, so one fast peer cannot starve the loop. */
#define READ_PER_PASS_MAX (64u * 1024u)
/* Until the core says how much it can take, a link takes nothing. */
#define ROOM_BEFORE_TOLD 0
#define US_PER_MS 1000u

enum link_state { LINK_FREE, LINK_RESOLVING, LINK_CONNECTING, LINK_OPEN };

/* One send op: its bytes, and for UDP where they go. */
struct send_item {
    struct send_item *next;
    uint64_t seq;
    size_t len, done;
    bool has_dest;              /* UDP: to dest, not to the connected peer */
    bool resolving;             /* dest's name is being looked up */
    bool unresolved;            /* dest's name did not resolve: the datagram cannot go */
    struct sockaddr_in dest;
    uint8_t data[];
};

struct link {
    enum link_state state;
    enum sim_net_proto proto;
    int fd;
    uint32_t gen;               /* a new one per open and per close the core asks for */
    int port, local_port;       /* where it connects (mapped); 0: UDP with a peer per send */
    bool has_peer;
    struct sockaddr_in peer;
    size_t room;                /* bytes the core can take */
    size_t udp_next;            /* UDP: the next datagram needs this much room (0: none waits) */
    uint64_t deadline_us;       /* LINK_CONNECTING */
    struct send_item *sends, **sends_tail;
    uint64_t next_seq;
};

/* A name lookup in progress, and who asked. */
enum lookup_kind { LOOKUP_OPEN, LOOKUP_SEND, LOOKUP_QUERY };
struct lookup {
    struct lookup *next;
    uint64_t id;
    enum lookup_kind kind;
    int link;                   /* LOOKUP_QUERY: the query */
    uint32_t gen;
    uint64_t seq;               /* LOOKUP_SEND: which send */
    int port;
};

/* An event waiting for the loop to hand it over; data and host are copies. */
struct queued {
    struct queued *next;
    bool for_link;              /* dropped when the link's generation moved on */
    uint32_t gen;
    struct sim_net_event ev;
    char host[INET_ADDRSTRLEN];
    uint8_t data[];
};

struct net_posix {
    struct link links[NET_POSIX_LINKS];
    struct net_map map;
    uint32_t connect_timeout_ms;
    int pipe_rd, pipe_wr;       /* written when an event or an answer is queued */
    struct net_resolver *resolver;
    struct lookup *lookups;
    uint64_t next_lookup;
    struct queued *head, **tail;
    int polled_link[NET_POSIX_POLLFDS];    /* per descriptor net_posix_pollfds gave; -1: the pipe */
    uint32_t polled_gen[NET_POSIX_POLLFDS];
    uint8_t buf[UDP_DATAGRAM_MAX];
};

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static struct link *link_at(struct net_posix *np, int link)
{
    return link >= 0 && link < NET_POSIX_LINKS ? &np->links[link] : NULL;
}

/* ---- events to the core ------------------------------------------------------------- */

static void queue_event(struct net_posix *np, bool for_link, const struct sim_net_event *ev,
                        const struct sockaddr_in *from)
{
    size_t copied = ev->data ? ev->len : 0;     /* only SIM_NET_RECEIVED carries bytes */
    struct queued *q = xmalloc(sizeof *q + copied);
    memset(q, 0, sizeof *q);
    q->for_link = for_link;
    q->gen = for_link ? np->links[ev->link].gen : 0;
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
    (void)!write(np->pipe_wr, "", 1);     /* a full pipe already wakes the loop */
}

static void tell(struct net_posix *np, int link, enum sim_net_kind kind, enum sim_net_error code, size_t len)
{
    struct sim_net_event ev = {.kind = kind, .link = link, .code = code, .len = len};
    queue_event(np, true, &ev, NULL);
}

static void deliver_all(struct net_posix *np, net_posix_deliver_fn deliver, void *ctx)
{
    for (struct queued *q; (q = np->head);) {
        if (!(np->head = q->next))
            np->tail = &np->head;
        if (!q->for_link || np->links[q->ev.link].gen == q->gen)
            deliver(ctx, &q->ev);   /* the core may call the ops: they only queue */
        free(q);
    }
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
static void link_release(struct link *l)
{
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
    default: return SIM_NET_UNREACHABLE;     /* ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL ... */
    }
}

static void open_failed(struct net_posix *np, int link, enum sim_net_error code)
{
    link_release(&np->links[link]);
    tell(np, link, SIM_NET_OPENED, code, 0);
}

/* The connection is gone (after what it received was told). */
static void link_lost(struct net_posix *np, int link, enum sim_net_error code)
{
    link_release(&np->links[link]);
    tell(np, link, SIM_NET_CLOSED, code, 0);
}

static int new_socket(struct link *l)
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

static void opened(struct net_posix *np, int link)
{
    struct link *l = &np->links[link];
    l->state = LINK_OPEN;
    struct sim_net_event ev = {.kind = SIM_NET_OPENED, .link = link, .code = SIM_NET_OK, .port = l->port};
    queue_event(np, true, &ev, l->has_peer ? &l->peer : NULL);
}

/* The peer's address is known: connect (UDP: fix the peer) or fail. */
static void start_connect(struct net_posix *np, int link, const struct in_addr *addr)
{
    struct link *l = &np->links[link];
    l->peer = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)l->port), .sin_addr = *addr};
    l->has_peer = true;
    if (l->fd < 0 && (l->fd = new_socket(l)) < 0) {
        open_failed(np, link, SIM_NET_UNREACHABLE);
        return;
    }
    if (connect(l->fd, (const struct sockaddr *)&l->peer, sizeof l->peer) == 0) {
        opened(np, link);
        return;
    }
    if (errno != EINPROGRESS) {
        open_failed(np, link, error_of(errno));
        return;
    }
    l->state = LINK_CONNECTING;
    l->deadline_us = mono_us() + (uint64_t)np->connect_timeout_ms * US_PER_MS;
}

static void connect_done(struct net_posix *np, int link)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(np->links[link].fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err == EINPROGRESS)
        return;
    if (err)
        open_failed(np, link, error_of(err));
    else
        opened(np, link);
}

/* ---- name lookups ---------------------------------------------------------------------- */

static void ask(struct net_posix *np, enum lookup_kind kind, int link, uint64_t seq, const char *host)
{
    struct lookup *lk = xmalloc(sizeof *lk);
    *lk = (struct lookup){.next = np->lookups, .id = ++np->next_lookup, .kind = kind, .link = link, .seq = seq};
    if (kind != LOOKUP_QUERY)
        lk->gen = np->links[link].gen;
    np->lookups = lk;
    net_resolver_ask(np->resolver, lk->id, host);
}

static struct lookup *take_lookup(struct net_posix *np, uint64_t id)
{
    for (struct lookup **p = &np->lookups; *p; p = &(*p)->next) {
        if ((*p)->id == id) {
            struct lookup *lk = *p;
            *p = lk->next;
            return lk;
        }
    }
    return NULL;
}

static void resolved_query(struct net_posix *np, int query, bool ok, const struct in_addr *addr)
{
    struct sim_net_event ev = {.kind = SIM_NET_RESOLVED, .link = query,
                               .code = ok ? SIM_NET_OK : SIM_NET_DNS_FAILED};
    struct sockaddr_in sa = {.sin_family = AF_INET};
    if (ok)
        sa.sin_addr = *addr;
    queue_event(np, false, &ev, ok ? &sa : NULL);
}

static struct send_item *find_send(struct link *l, uint64_t seq)
{
    for (struct send_item *s = l->sends; s; s = s->next)
        if (s->seq == seq)
            return s;
    return NULL;
}

static void flush_sends(struct net_posix *np, int link);

static void answered(struct net_posix *np, const struct net_resolve_answer *a)
{
    struct lookup *lk = take_lookup(np, a->tag);
    if (!lk)
        return;
    struct link *l = lk->kind == LOOKUP_QUERY ? NULL : &np->links[lk->link];
    if (lk->kind == LOOKUP_QUERY) {
        resolved_query(np, lk->link, a->ok, &a->addr);
    } else if (l->gen != lk->gen) {
        /* the core closed or reopened the link meanwhile: nobody waits for this */
    } else if (lk->kind == LOOKUP_OPEN && l->state == LINK_RESOLVING) {
        if (a->ok)
            start_connect(np, lk->link, &a->addr);
        else
            open_failed(np, lk->link, SIM_NET_DNS_FAILED);
    } else if (lk->kind == LOOKUP_SEND) {
        struct send_item *s = find_send(l, lk->seq);
        if (s) {
            s->resolving = false;
            s->unresolved = !a->ok;
            s->dest.sin_addr = a->addr;
            flush_sends(np, lk->link);
        }
    }
    free(lk);
}

/* ---- sending --------------------------------------------------------------------------- */

static void send_done(struct net_posix *np, int link, struct send_item *s)
{
    struct link *l = &np->links[link];
    if (!(l->sends = s->next))
        l->sends_tail = &l->sends;
    tell(np, link, SIM_NET_SENT, SIM_NET_OK, s->done);
    free(s);
}

static ssize_t send_some(struct link *l, const struct send_item *s)
{
    if (s->has_dest)
        return sendto(l->fd, s->data + s->done, s->len - s->done, MSG_NOSIGNAL,
                      (const struct sockaddr *)&s->dest, sizeof s->dest);
    return send(l->fd, s->data + s->done, s->len - s->done, MSG_NOSIGNAL);
}

/* Writes what the socket takes now, in order; a send is told once all of it
 * went, a UDP datagram once it went or could not. */
static void flush_sends(struct net_posix *np, int link)
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
    queue_event(np, true, &ev, from);
}

/* TCP: what the room allows, one segment at a time. The peer's close or
 * reset is told after the bytes that came before it. */
static void read_tcp(struct net_posix *np, int link)
{
    struct link *l = &np->links[link];
    for (size_t total = 0; l->room > 0 && total < READ_PER_PASS_MAX;) {
        size_t want = l->room < TCP_READ_MAX ? l->room : TCP_READ_MAX;
        ssize_t n = recv(l->fd, np->buf, want, 0);
        if (n > 0) {
            received(np, link, (size_t)n, &l->peer);
            total += (size_t)n;
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
static void read_udp(struct net_posix *np, int link)
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

/* ---- the ops (on the simulator's thread, inside the core) ------------------------------ */

static void np_close(void *ctx, int link)
{
    struct net_posix *np = ctx;
    struct link *l = link_at(np, link);
    if (!l)
        return;
    link_release(l);
    l->gen++;                       /* what was queued about it is not heard */
}

static void np_open(void *ctx, const struct sim_net_open *p)
{
    struct net_posix *np = ctx;
    struct link *l = link_at(np, p->link);
    if (!l)
        return;
    np_close(np, p->link);          /* a link the core reuses starts afresh */
    char host[NET_MAP_HOST_MAX];
    net_map_apply(&np->map, p->host ? p->host : "", p->port, host, &l->port);
    l->proto = p->proto;
    l->local_port = p->local_port;
    l->room = ROOM_BEFORE_TOLD;
    struct in_addr addr;
    if (p->proto == SIM_NET_UDP) {
        if ((l->fd = new_socket(l)) < 0) {
            open_failed(np, p->link, SIM_NET_UNREACHABLE);
            return;
        }
        if (l->port == 0) {
            opened(np, p->link);            /* each send names its peer */
            return;
        }
    }
    if (net_resolve_numeric(host, &addr)) {
        start_connect(np, p->link, &addr);
        return;
    }
    l->state = LINK_RESOLVING;
    ask(np, LOOKUP_OPEN, p->link, 0, host);
}

static void np_send(void *ctx, int link, const uint8_t *data, size_t len, const char *host, int port)
{
    struct net_posix *np = ctx;
    struct link *l = link_at(np, link);
    if (!l)
        return;
    if (l->state == LINK_FREE) {
        tell(np, link, SIM_NET_SENT, SIM_NET_OK, 0);    /* no connection took anything */
        return;
    }
    struct send_item *s = xmalloc(sizeof *s + len);
    memset(s, 0, sizeof *s);
    s->seq = ++l->next_seq;
    s->len = len;
    memcpy(s->data, data, len);
    if (host && l->proto == SIM_NET_UDP) {
        char to[NET_MAP_HOST_MAX];
        int to_port;
        net_map_apply(&np->map, host, port, to, &to_port);
        s->has_dest = true;
        s->dest = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)to_port)};
        if (!net_resolve_numeric(to, &s->dest.sin_addr)) {
            s->resolving = true;
            ask(np, LOOKUP_SEND, link, s->seq, to);
        }
    }
    *l->sends_tail = s;
    l->sends_tail = &s->next;
    flush_sends(np, link);
}

static void np_receive_room(void *ctx, int link, size_t room)
{
    struct link *l = link_at(ctx, link);
    if (!l)
        return;
    l->room = room;
    if (l->udp_next && room >= l->udp_next)
        l->udp_next = 0;
}

static void np_resolve(void *ctx, int query, const char *host)
{
    struct net_posix *np = ctx;
    char to[NET_MAP_HOST_MAX];
    struct in_addr addr;
    net_map_apply_name(&np->map, host, to);
    if (net_resolve_numeric(to, &addr))
        resolved_query(np, query, true, &addr);
    else
        ask(np, LOOKUP_QUERY, query, 0, to);
}

const struct sim_net_ops net_posix_ops = {np_open, np_send, np_close, np_receive_room, np_resolve};

/* ---- the loop's side ------------------------------------------------------------------- */

static short wanted(const struct link *l)
{
    switch (l->state) {
    case LINK_CONNECTING: return POLLOUT;
    case LINK_OPEN: {
        /* a link with no room is not polled for input: its hang-up would wake the loop for nothing */
        short ev = l->room > 0 && !l->udp_next ? POLLIN : 0;
        if (l->sends && !l->sends->resolving)
            ev |= POLLOUT;
        return ev;
    }
    default: return 0;
    }
}

size_t net_posix_pollfds(struct net_posix *np, struct pollfd *fds, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return 0;
    np->polled_link[n] = -1;
    fds[n++] = (struct pollfd){.fd = np->pipe_rd, .events = POLLIN};
    for (int i = 0; i < NET_POSIX_LINKS && n < cap && n < NET_POSIX_POLLFDS; i++) {
        short ev = wanted(&np->links[i]);
        if (!ev)
            continue;
        np->polled_link[n] = i;
        np->polled_gen[n] = np->links[i].gen;
        fds[n++] = (struct pollfd){.fd = np->links[i].fd, .events = ev};
    }
    return n;
}

uint64_t net_posix_next_deadline(const struct net_posix *np)
{
    uint64_t next = UINT64_MAX;
    for (int i = 0; i < NET_POSIX_LINKS; i++)
        if (np->links[i].state == LINK_CONNECTING && np->links[i].deadline_us < next)
            next = np->links[i].deadline_us;
    return next;
}

static void serve_link(struct net_posix *np, int link, short revents)
{
    struct link *l = &np->links[link];
    if (l->state == LINK_CONNECTING) {
        connect_done(np, link);
        return;
    }
    /* an error or hang-up ends a pending send too (the send fails and says why) */
    if (l->state == LINK_OPEN && (revents & (POLLOUT | POLLERR | POLLHUP)))
        flush_sends(np, link);
    if (l->state == LINK_OPEN && (revents & (POLLIN | POLLHUP | POLLERR)))
        (l->proto == SIM_NET_TCP ? read_tcp : read_udp)(np, link);
}

static void take_answers(struct net_posix *np)
{
    char drain[256];
    while (read(np->pipe_rd, drain, sizeof drain) > 0)
        ;
    struct net_resolve_answer a;
    while (net_resolver_take(np->resolver, &a))
        answered(np, &a);
}

static void check_deadlines(struct net_posix *np, uint64_t now_us)
{
    for (int i = 0; i < NET_POSIX_LINKS; i++)
        if (np->links[i].state == LINK_CONNECTING && now_us >= np->links[i].deadline_us)
            open_failed(np, i, SIM_NET_TIMEOUT);
}

void net_posix_handle(struct net_posix *np, const struct pollfd *fds, size_t n, uint64_t now_us,
                      net_posix_deliver_fn deliver, void *ctx)
{
    take_answers(np);
    for (size_t i = 0; i < n && i < NET_POSIX_POLLFDS; i++) {
        int link = np->polled_link[i];
        /* a link the core closed or reopened since the poll has another socket */
        if (link >= 0 && fds[i].revents && np->links[link].gen == np->polled_gen[i] &&
            np->links[link].fd == fds[i].fd)
            serve_link(np, link, fds[i].revents);
    }
    check_deadlines(np, now_us);
    deliver_all(np, deliver, ctx);
}

/* ---- lifecycle ------------------------------------------------------------------------- */

struct net_posix *net_posix_create(const struct net_map *map, uint32_t connect_timeout_ms, char *err,
                                   size_t errlen)
{
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot set up the module's network: %s", strerror(errno));
        return NULL;
    }
    struct net_posix *np = xmalloc(sizeof *np);
    memset(np, 0, sizeof *np);
    np->pipe_rd = fds[0];
    np->pipe_wr = fds[1];
    np->tail = &np->head;
    np->connect_timeout_ms = connect_timeout_ms;
    if (map)
        np->map = *map;
    for (int i = 0; i < NET_POSIX_LINKS; i++) {
        np->links[i].fd = -1;
        np->links[i].sends_tail = &np->links[i].sends;
    }
    if (!(np->resolver = net_resolver_create(np->pipe_wr, err, errlen))) {
        net_posix_destroy(np);
        return NULL;
    }
    return np;
}

void net_posix_destroy(struct net_posix *np)
{
    if (!np)
        return;
    for (int i = 0; i < NET_POSIX_LINKS; i++)
        link_release(&np->links[i]);
    for (struct queued *q = np->head, *next; q; q = next) {
        next = q->next;
        free(q);
    }
    for (struct lookup *lk = np->lookups, *next; lk; lk = next) {
        next = lk->next;
        free(lk);
    }
    bool joined = net_resolver_destroy(np->resolver);
    close(np->pipe_rd);
    if (joined)
        close(np->pipe_wr);     /* a worker still in a lookup may write to it: leave it open */
    free(np);
}
