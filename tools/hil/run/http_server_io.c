/* The HTTP test server's connections, plain or TLS (http_server_io.h). */
#include "http_server_io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tls_server_ctx.h"

enum http_wait http_wait_fd(struct http_server *s, int fd, short events, int timeout_ms)
{
    struct pollfd pf[2] = {{.fd = s->loop.wake[0], .events = POLLIN}, {.fd = fd, .events = events}};
    for (;;) {
        int n = poll(pf, 2, timeout_ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || pf[0].revents)
            return HTTP_WAIT_STOP;
        return n == 0 ? HTTP_WAIT_TIMEOUT : HTTP_WAIT_READY;
    }
}

/* After an SSL call that returned rc <= 0: waits for what it needs. Anything
 * but a want (the peer closed, a protocol error) ends the connection. */
static bool ssl_wait(struct http_conn *c, int rc)
{
    switch (SSL_get_error(c->ssl, rc)) {
    case SSL_ERROR_WANT_READ:
        return http_wait_fd(c->s, c->fd, POLLIN, -1) == HTTP_WAIT_READY;
    case SSL_ERROR_WANT_WRITE:
        return http_wait_fd(c->s, c->fd, POLLOUT, -1) == HTTP_WAIT_READY;
    default:
        return false;
    }
}

static bool handshake(struct http_conn *c)
{
    c->ssl = SSL_new(c->s->tls);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
        return false;
    for (;;) {
        ERR_clear_error();
        int rc = SSL_accept(c->ssl);
        if (rc == 1)
            return true;
        if (!ssl_wait(c, rc))
            return false;
    }
}

bool http_conn_open(struct http_conn *c, struct http_server *s, int fd)
{
    *c = (struct http_conn){.s = s, .fd = fd};
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (!s->tls || handshake(c))
        return true;
    pthread_mutex_lock(&s->mu);
    s->tls_failed++;
    pthread_mutex_unlock(&s->mu);
    http_conn_close(c, false);
    return false;
}

static int ssl_len(size_t n) { return n > INT_MAX ? INT_MAX : (int)n; }

size_t http_conn_read(struct http_conn *c, char *buf, size_t cap)
{
    for (;;) {
        if (!c->ssl) {
            if (http_wait_fd(c->s, c->fd, POLLIN, -1) != HTTP_WAIT_READY)
                return 0;
            ssize_t n = recv(c->fd, buf, cap, 0);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            return n > 0 ? (size_t)n : 0;
        }
        ERR_clear_error();
        int n = SSL_read(c->ssl, buf, ssl_len(cap));
        if (n > 0)
            return (size_t)n;
        if (!ssl_wait(c, n))
            return 0;
    }
}

static bool write_some(struct http_conn *c, const char *p, size_t len, size_t *done)
{
    if (!c->ssl) {
        if (http_wait_fd(c->s, c->fd, POLLOUT, -1) != HTTP_WAIT_READY)
            return false;
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return false;
        *done = n > 0 ? (size_t)n : 0;
        return true;
    }
    ERR_clear_error();
    int n = SSL_write(c->ssl, p, ssl_len(len));
    *done = n > 0 ? (size_t)n : 0;
    return n > 0 || ssl_wait(c, n);
}

bool http_conn_write(struct http_conn *c, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        size_t n = 0;
        if (!write_some(c, p, len, &n))
            return false;
        p += n;
        len -= n;
    }
    return true;
}

void http_conn_close(struct http_conn *c, bool goodbye)
{
    if (c->ssl) {
        ERR_clear_error();
        if (goodbye)
            SSL_shutdown(c->ssl);   /* one close_notify; the client's is not waited for */
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

struct ssl_ctx_st *http_tls_ctx(const struct http_server_tls *tls, struct strbuf *err)
{
    SSL_CTX *ctx = tls_server_ctx_new(tls->cert_file, tls->key_file, "the HTTPS test server", err);
    /* partial writes: a write_some() that sent part of a buffer moves on from there */
    if (ctx)
        SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return ctx;
}

void http_tls_ctx_free(struct ssl_ctx_st *ctx) { tls_server_ctx_free(ctx); }
