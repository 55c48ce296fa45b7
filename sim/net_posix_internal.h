/* What net_posix.c (the ops, name lookups, the loop's side) and
 * net_posix_link.c (a link on its socket: connect, send, receive) share.
 * Everything here runs on the simulator's thread. */
#ifndef SIM_NET_POSIX_INTERNAL_H
#define SIM_NET_POSIX_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "net_posix.h"

struct net_resolver;

/* A TCP read takes at most one segment's payload (1500-byte MTU), as the
 * module's stack hands the host what one segment brought. */
#define TCP_READ_MAX 1460
#define UDP_DATAGRAM_MAX 65535
/* Bytes read from one link per pass, so one fast peer cannot starve the loop. */
#define READ_PER_PASS_MAX (64u * 1024u)
/* Until the core says how much it can take, a link takes nothing. */
#define ROOM_BEFORE_TOLD 0
#define US_PER_MS 1000u

enum link_state { LINK_FREE, LINK_RESOLVING, LINK_CONNECTING, LINK_HANDSHAKING, LINK_OPEN };

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
    uint32_t connect_timeout_ms;   /* the open's bound, or the network's own */
    struct send_item *sends, **sends_tail;
    struct net_tls *tls;        /* an SSL session's TLS (net_tls.h); NULL: plain */
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
};

/* A connection a server took that the core has not placed on a link yet. */
struct pending {
    struct pending *next;
    int fd;
    struct sockaddr_in peer;
};

struct server {
    int fd;                     /* the listening socket; -1: not listening */
    uint32_t gen;               /* a new one per listen and per unlisten */
    struct pending *pending, **pending_tail;   /* oldest first, one per SIM_NET_ACCEPTED not answered */
};

/* What a queued event is about: it is dropped when that one's generation moved on. */
enum queued_owner { OWNER_NONE, OWNER_LINK, OWNER_SERVER };

/* An event waiting for the loop to hand it over; data and host are copies. */
struct queued {
    struct queued *next;
    enum queued_owner owner;
    uint32_t gen;
    struct sim_net_event ev;
    char host[INET_ADDRSTRLEN];
    uint8_t data[];
};

/* What a descriptor net_posix_pollfds gave is. */
enum polled_kind { POLLED_PIPE, POLLED_LINK, POLLED_SERVER };
struct polled {
    enum polled_kind kind;
    int index;                  /* the link's or the server's */
    uint32_t gen;               /* its generation when polled */
};

struct net_posix {
    struct link links[NET_POSIX_LINKS];
    struct server servers[NET_POSIX_SERVERS];
    struct net_map map;
    uint32_t connect_timeout_ms;
    int pipe_rd, pipe_wr;       /* the resolver's worker writes it when an answer is ready */
    struct net_resolver *resolver;
    struct lookup *lookups;
    uint64_t next_lookup;
    struct queued *head, **tail;
    struct polled polled[NET_POSIX_POLLFDS];   /* per descriptor net_posix_pollfds gave */
    uint8_t buf[UDP_DATAGRAM_MAX];
};

uint64_t np_mono_us(void);
/* Queues what the core must hear (copying data and the address) and wakes the loop. */
void np_queue_event(struct net_posix *np, enum queued_owner owner, const struct sim_net_event *ev,
                    const struct sockaddr_in *from);
void np_tell(struct net_posix *np, int link, enum sim_net_kind kind, enum sim_net_error code, size_t len);
void np_link_release(struct link *l);
void np_open_failed(struct net_posix *np, int link, enum sim_net_error code);
int np_new_socket(struct link *l);
void np_opened(struct net_posix *np, int link);
void np_start_connect(struct net_posix *np, int link, const struct in_addr *addr);
void np_connect_done(struct net_posix *np, int link);
void np_flush_sends(struct net_posix *np, int link);
void np_read_tcp(struct net_posix *np, int link);
void np_read_udp(struct net_posix *np, int link);
/* net_posix_server.c: the listening servers */
enum sim_net_error np_listen(void *ctx, const struct sim_net_listen *p, int *host_port);
void np_unlisten(void *ctx, int server);
void np_accept(void *ctx, int server, int link);
void np_accept_ready(struct net_posix *np, int server);   /* its listener is readable */
void np_servers_init(struct net_posix *np);

#endif
