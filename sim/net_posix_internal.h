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
    uint32_t connect_timeout_ms;   /* the open's bound, or the network's own */
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

uint64_t np_mono_us(void);
/* Queues what the core must hear (copying data and the address) and wakes the loop. */
void np_queue_event(struct net_posix *np, bool for_link, const struct sim_net_event *ev,
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

#endif
