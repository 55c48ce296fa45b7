/* The module's network on host sockets (net_posix.h): the ops the core
 * calls, name lookups through the worker (net_resolve.h), and the loop's
 * side (what to poll, serving it, handing the events over). What a link
 * does on its socket is net_posix_link.c. */
#include "net_posix_internal.h"

#include "alloc.h"
#include "net_resolve.h"
#include "net_tls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct link *link_at(struct net_posix *np, int link)
{
    return link >= 0 && link < NET_POSIX_LINKS ? &np->links[link] : NULL;
}
/* What the event is about is still the one it was queued for. */
static bool still_current(const struct net_posix *np, const struct queued *q)
{
    switch (q->owner) {
    case OWNER_LINK: return np->links[q->ev.link].gen == q->gen;
    case OWNER_SERVER: return np->servers[q->ev.link].gen == q->gen;
    case OWNER_NONE: break;
    }
    return true;
}

static void deliver_all(struct net_posix *np, net_posix_deliver_fn deliver, void *ctx)
{
    for (struct queued *q; (q = np->head);) {
        if (!(np->head = q->next))
            np->tail = &np->head;
        if (still_current(np, q))
            deliver(ctx, &q->ev);   /* the core may call the ops: they only queue */
        free(q);
    }
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
    np_queue_event(np, OWNER_NONE, &ev, ok ? &sa : NULL);
}

static struct send_item *find_send(struct link *l, uint64_t seq)
{
    for (struct send_item *s = l->sends; s; s = s->next)
        if (s->seq == seq)
            return s;
    return NULL;
}

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
            np_start_connect(np, lk->link, &a->addr);
        else
            np_open_failed(np, lk->link, SIM_NET_DNS_FAILED);
    } else if (lk->kind == LOOKUP_SEND) {
        struct send_item *s = find_send(l, lk->seq);
        if (s) {
            s->resolving = false;
            s->unresolved = !a->ok;
            s->dest.sin_addr = a->addr;
            np_flush_sends(np, lk->link);
        }
    }
    free(lk);
}
/* ---- the ops (on the simulator's thread, inside the core) ------------------------------ */

static void np_close(void *ctx, int link)
{
    struct net_posix *np = ctx;
    struct link *l = link_at(np, link);
    if (!l)
        return;
    np_link_release(l);
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
    l->connect_timeout_ms = p->timeout_ms ? p->timeout_ms : np->connect_timeout_ms;
    l->room = ROOM_BEFORE_TOLD;
    enum sim_net_error why;
    if (p->tls && !(l->tls = net_tls_new(p->tls, p->host, &why))) {
        np_open_failed(np, p->link, why);
        return;
    }
    struct in_addr addr;
    if (p->proto == SIM_NET_UDP) {
        if ((l->fd = np_new_socket(l)) < 0) {
            np_open_failed(np, p->link, errno == EADDRINUSE ? SIM_NET_IN_USE : SIM_NET_UNREACHABLE);
            return;
        }
        if (l->port == 0) {
            np_opened(np, p->link);            /* each send names its peer */
            return;
        }
    }
    if (net_resolve_numeric(host, &addr)) {
        np_start_connect(np, p->link, &addr);
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
        np_tell(np, link, SIM_NET_SENT, SIM_NET_OK, 0);    /* no connection took anything */
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
    np_flush_sends(np, link);
}

static void np_receive_room(void *ctx, int link, size_t room)
{
    struct link *l = link_at(ctx, link);
    if (!l)
        return;
    l->room = room;
    if (l->udp_next && room >= l->udp_next)
        l->udp_next = 0;
    if (room > 0 && l->state == LINK_OPEN && np_tls_pending(l))
        np_read_tcp(ctx, link);        /* decrypted bytes no poll will announce */
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

const struct sim_net_ops net_posix_ops = {np_open,    np_send,     np_close, np_receive_room, np_resolve,
                                          np_listen, np_unlisten, np_accept};

/* ---- the loop's side ------------------------------------------------------------------- */

static short wanted(const struct link *l)
{
    switch (l->state) {
    case LINK_CONNECTING: return POLLOUT;
    case LINK_HANDSHAKING: return np_tls_events(l);
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
    np->polled[n] = (struct polled){.kind = POLLED_PIPE};
    fds[n++] = (struct pollfd){.fd = np->pipe_rd, .events = POLLIN};
    for (int i = 0; i < NET_POSIX_LINKS && n < cap && n < NET_POSIX_POLLFDS; i++) {
        short ev = wanted(&np->links[i]);
        if (!ev)
            continue;
        np->polled[n] = (struct polled){.kind = POLLED_LINK, .index = i, .gen = np->links[i].gen};
        fds[n++] = (struct pollfd){.fd = np->links[i].fd, .events = ev};
    }
    for (int i = 0; i < NET_POSIX_SERVERS && n < cap && n < NET_POSIX_POLLFDS; i++) {
        if (np->servers[i].fd < 0)
            continue;
        np->polled[n] = (struct polled){.kind = POLLED_SERVER, .index = i, .gen = np->servers[i].gen};
        fds[n++] = (struct pollfd){.fd = np->servers[i].fd, .events = POLLIN};
    }
    return n;
}

uint64_t net_posix_next_deadline(const struct net_posix *np)
{
    if (np->head)
        return 0;                   /* events wait: hand them over at once */
    uint64_t next = UINT64_MAX;
    for (int i = 0; i < NET_POSIX_LINKS; i++)
        if ((np->links[i].state == LINK_CONNECTING || np->links[i].state == LINK_HANDSHAKING) &&
            np->links[i].deadline_us < next)
            next = np->links[i].deadline_us;
    return next;
}

static void serve_link(struct net_posix *np, int link, short revents)
{
    struct link *l = &np->links[link];
    if (l->state == LINK_CONNECTING) {
        np_connect_done(np, link);
        return;
    }
    if (l->state == LINK_HANDSHAKING) {
        np_tls_step(np, link);
        return;
    }
    /* an error or hang-up ends a pending send too (the send fails and says why) */
    if (l->state == LINK_OPEN && (revents & (POLLOUT | POLLERR | POLLHUP)))
        np_flush_sends(np, link);
    if (l->state == LINK_OPEN && (revents & (POLLIN | POLLHUP | POLLERR)))
        (l->proto == SIM_NET_TCP ? np_read_tcp : np_read_udp)(np, link);
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
        if ((np->links[i].state == LINK_CONNECTING || np->links[i].state == LINK_HANDSHAKING) &&
            now_us >= np->links[i].deadline_us)
            np_open_failed(np, i, SIM_NET_TIMEOUT);
}

/* The worker's pipe polled readable: only then is there an answer to take
 * (a read and the worker's lock on every pass cost two syscalls for nothing). */
static bool answers_ready(const struct net_posix *np, const struct pollfd *fds, size_t n)
{
    for (size_t i = 0; i < n && i < NET_POSIX_POLLFDS; i++)
        if (np->polled[i].kind == POLLED_PIPE && fds[i].revents)
            return true;
    return false;
}

void net_posix_handle(struct net_posix *np, const struct pollfd *fds, size_t n, uint64_t now_us,
                      net_posix_deliver_fn deliver, void *ctx)
{
    if (answers_ready(np, fds, n))
        take_answers(np);
    for (size_t i = 0; i < n && i < NET_POSIX_POLLFDS; i++) {
        const struct polled *p = &np->polled[i];
        if (!fds[i].revents || p->kind == POLLED_PIPE)
            continue;
        /* a link or server the core closed or reopened since the poll has another socket */
        if (p->kind == POLLED_LINK && np->links[p->index].gen == p->gen && np->links[p->index].fd == fds[i].fd)
            serve_link(np, p->index, fds[i].revents);
        else if (p->kind == POLLED_SERVER && np->servers[p->index].gen == p->gen)
            np_accept_ready(np, p->index);
    }
    check_deadlines(np, now_us);
    deliver_all(np, deliver, ctx);
}

/* ---- lifecycle ------------------------------------------------------------------------- */

struct net_posix *net_posix_create(const struct net_posix_config *cfg, char *err, size_t errlen)
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
    np->connect_timeout_ms = cfg->connect_timeout_ms;
    np->map = cfg->map;
    for (int i = 0; i < NET_POSIX_LINKS; i++) {
        np->links[i].fd = -1;
        np->links[i].sends_tail = &np->links[i].sends;
    }
    np_servers_init(np);
    if (!(np->resolver = net_resolver_create(np->pipe_wr, cfg->lookup, err, errlen))) {
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
        np_link_release(&np->links[i]);
    for (int i = 0; i < NET_POSIX_SERVERS; i++)
        np_unlisten(np, i);
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
