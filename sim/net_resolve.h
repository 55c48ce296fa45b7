/* Name lookups for the module's sockets, off the simulator's thread: the
 * host's resolver (getaddrinfo) can take seconds, and the module's answers to
 * other commands must not wait for it. One worker thread takes the questions
 * in order; each answer is queued and the wake-up descriptor given at create
 * becomes readable. Everything but the worker runs on the simulator's thread. */
#ifndef SIM_NET_RESOLVE_H
#define SIM_NET_RESOLVE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

struct net_resolver;

/* How a name becomes an address, on the worker thread; true when it did.
 * NULL at create: the host's resolver (getaddrinfo). Tests put a slow one here. */
typedef bool (*net_lookup_fn)(const char *host, struct in_addr *addr);

struct net_resolve_answer {
    uint64_t tag;                 /* the question's, to find who asked */
    bool ok;
    struct in_addr addr;          /* ok: the first IPv4 address, as the module's stack uses */
};

/* wake_fd: written one byte per answer (non-blocking; a full pipe already wakes). */
struct net_resolver *net_resolver_create(int wake_fd, net_lookup_fn lookup, char *err, size_t errlen);
void net_resolver_ask(struct net_resolver *r, uint64_t tag, const char *host);
/* The next answer; false when none waits. */
bool net_resolver_take(struct net_resolver *r, struct net_resolve_answer *out);
/* A numeric address is answered at once, without the worker. */
bool net_resolve_numeric(const char *host, struct in_addr *addr);
/* A worker stuck in a lookup cannot be interrupted: after a bounded wait the
 * process goes on (and exits) without it. Returns false then: the worker may
 * still write to wake_fd, so the caller must leave it open. */
bool net_resolver_destroy(struct net_resolver *r);

#endif
