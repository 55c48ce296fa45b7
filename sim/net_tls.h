/* TLS over a link of the module's network (net_posix.h), for the SSL
 * sessions (AT+CCHOPEN, issue 17; findings §29). An open with tls set makes
 * its OpenSSL context at once (tls_openssl.h: the config is valid only
 * during the open); once the TCP connection is up the handshake runs on the
 * same non-blocking socket, served by the loop like a connect and bounded
 * by the context's negotiatetime; then the link's bytes go through SSL.
 * A failure is told as the open's result, in sim.h's TLS classes. */
#ifndef SIM_NET_TLS_H
#define SIM_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sim.h"

struct net_posix;
struct link;
struct net_tls;

/* NULL with *why when the context cannot be made (what the authmode needs is
 * missing or does not load). */
struct net_tls *net_tls_new(const struct sim_tls_config *cfg, const char *host, enum sim_net_error *why);
void net_tls_free(struct net_tls *t);

/* The link's TCP connection is up: the handshake starts (LINK_HANDSHAKING);
 * its end opens the link (np_opened) or fails it with the class of failure. */
void np_tls_start(struct net_posix *np, int link);
/* The socket is ready for what the handshake waits for. */
void np_tls_step(struct net_posix *np, int link);
/* What the handshake waits for: POLLIN or POLLOUT. */
short np_tls_events(const struct link *l);

/* As recv(2) and send(2) on the link's socket (errno set on -1; EAGAIN when
 * it would block), through TLS when the link has it. */
ssize_t np_link_recv(struct link *l, void *buf, size_t n);
ssize_t np_link_send(struct link *l, const void *buf, size_t n);
/* Bytes TLS has decrypted that the socket's readiness will not announce. */
bool np_tls_pending(const struct link *l);

#endif
