/* TLS over a link of the module's network: the context, the handshake as
 * the loop serves it, and the link's bytes through SSL. See net_tls.h. */
#include "net_tls.h"

#include "alloc.h"
#include "net_posix_internal.h"
#include "tls_openssl.h"

#include <errno.h>
#include <openssl/err.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define ERR_TEXT_MAX 256

struct net_tls {
    SSL_CTX *ctx;
    SSL *ssl;                    /* from the handshake's start */
    short want;                  /* what the handshake waits for */
    bool up;                     /* the handshake finished: the session ends with close_notify */
    uint32_t negotiate_ms;
};

/* The failure classes of tls_openssl.h, as the network tells them. */
static enum sim_net_error error_of(enum tls_failure f)
{
    switch (f) {
    case TLS_NO_CERTIFICATE: return SIM_NET_TLS_NO_CERT;
    case TLS_SERVER_UNTRUSTED:
    case TLS_SERVER_EXPIRED:
    case TLS_SERVER_NAME_MISMATCH: return SIM_NET_TLS_CERT;
    case TLS_OK:
    case TLS_CLIENT_REJECTED:
    case TLS_HANDSHAKE_FAILED: break;
    }
    return SIM_NET_TLS_HANDSHAKE;
}

struct net_tls *net_tls_new(const struct sim_tls_config *cfg, const char *host, enum sim_net_error *why)
{
    enum tls_failure f;
    char err[ERR_TEXT_MAX];     /* the reason is the open's code; the text is for no one here */
    SSL_CTX *ctx = tls_client_ctx(cfg, host, &f, err, sizeof err);
    if (!ctx) {
        *why = error_of(f);
        return NULL;
    }
    struct net_tls *t = xmalloc(sizeof *t);
    *t = (struct net_tls){.ctx = ctx, .negotiate_ms = cfg->negotiate_ms};
    return t;
}

void net_tls_free(struct net_tls *t)
{
    if (!t)
        return;
    if (t->up)
        SSL_shutdown(t->ssl);    /* one try, not waiting for the peer's: the socket closes next */
    SSL_free(t->ssl);
    SSL_CTX_free(t->ctx);
    free(t);
}

/* ---- the handshake ---------------------------------------------------------------------- */

void np_tls_start(struct net_posix *np, int link)
{
    struct link *l = &np->links[link];
    struct net_tls *t = l->tls;
    if (!(t->ssl = SSL_new(t->ctx)) || SSL_set_fd(t->ssl, l->fd) != 1) {
        np_open_failed(np, link, SIM_NET_TLS_HANDSHAKE);
        return;
    }
    /* a send may go out in pieces, each retried from where it stopped, as send(2) does */
    SSL_set_mode(t->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_set_options(t->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);   /* a TCP close is the peer's close, as on the module */
#endif
    SSL_set_connect_state(t->ssl);
    l->state = LINK_HANDSHAKING;
    l->deadline_us = np_mono_us() + (uint64_t)t->negotiate_ms * US_PER_MS;
    np_tls_step(np, link);
}

void np_tls_step(struct net_posix *np, int link)
{
    struct link *l = &np->links[link];
    struct net_tls *t = l->tls;
    ERR_clear_error();
    int r = SSL_do_handshake(t->ssl);
    if (r == 1) {
        t->up = true;
        np_opened(np, link);
        return;
    }
    switch (SSL_get_error(t->ssl, r)) {
    case SSL_ERROR_WANT_READ:
        t->want = POLLIN;
        return;
    case SSL_ERROR_WANT_WRITE:
        t->want = POLLOUT;
        return;
    default:
        np_open_failed(np, link, error_of(tls_ctx_failure(t->ctx)));
        return;
    }
}

short np_tls_events(const struct link *l)
{
    return l->tls && l->tls->want ? l->tls->want : POLLIN;
}

/* ---- the bytes ----------------------------------------------------------------------- */

/* An SSL call that did not move bytes, as recv(2)/send(2) would say it:
 * 0 for the peer's orderly end (reading), else -1 with errno. A broken
 * session says no goodbye (OpenSSL forbids a shutdown after a fatal error). */
static ssize_t as_socket_result(struct net_tls *t, int r, bool reading)
{
    int e = SSL_get_error(t->ssl, r);
    if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_SSL)
        t->up = false;
    switch (e) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_ZERO_RETURN:
        if (reading)
            return 0;
        errno = EPIPE;
        return -1;
    case SSL_ERROR_SYSCALL:
        if (errno == 0 || errno == EAGAIN) {   /* the TCP connection ended without close_notify */
            if (reading)
                return 0;
            errno = EPIPE;
        }
        return -1;
    default:
        errno = ECONNRESET;      /* a TLS protocol error: the connection is unusable */
        return -1;
    }
}

ssize_t np_link_recv(struct link *l, void *buf, size_t n)
{
    if (!l->tls)
        return recv(l->fd, buf, n, 0);
    ERR_clear_error();
    errno = 0;
    int r = SSL_read(l->tls->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
    return r > 0 ? r : as_socket_result(l->tls, r, true);
}

ssize_t np_link_send(struct link *l, const void *buf, size_t n)
{
    if (!l->tls)
        return send(l->fd, buf, n, MSG_NOSIGNAL);
    ERR_clear_error();
    errno = 0;
    int r = SSL_write(l->tls->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
    return r > 0 ? r : as_socket_result(l->tls, r, false);
}

bool np_tls_pending(const struct link *l)
{
    return l->tls && l->tls->ssl && SSL_pending(l->tls->ssl) > 0;
}
