/* The HTTP test server's connections (http_server.c): plain TCP or TLS over a
 * non-blocking socket, each wait also ended by the server's stop. Private to
 * the server. */
#ifndef HIL_HTTP_SERVER_IO_H
#define HIL_HTTP_SERVER_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "http_server.h"

/* How a wait on a socket ended. */
enum http_wait { HTTP_WAIT_READY, HTTP_WAIT_TIMEOUT, HTTP_WAIT_STOP };

struct ssl_st;

struct http_conn {
    struct http_server *s;
    int fd;
    struct ssl_st *ssl;      /* NULL: plain */
};

/* Waits for fd to be ready for `events`, at most timeout_ms (-1: no limit);
 * HTTP_WAIT_STOP when the server is told to stop or the wait fails. */
enum http_wait http_wait_fd(struct http_server *s, int fd, short events, int timeout_ms);

/* Takes an accepted socket (made non-blocking here); over TLS, the handshake.
 * False when it failed (counted in s->tls_failed); the socket is closed then. */
bool http_conn_open(struct http_conn *c, struct http_server *s, int fd);
/* Up to cap bytes; 0 when the peer closed, the connection failed or the server stops. */
size_t http_conn_read(struct http_conn *c, char *buf, size_t cap);
bool http_conn_write(struct http_conn *c, const void *data, size_t len);
/* Closes it. `goodbye`: over TLS, a close_notify first (a server that ends
 * its answer); without, the socket just closes (a server that died). */
void http_conn_close(struct http_conn *c, bool goodbye);

/* The server's TLS context from the files; NULL with why in err. */
struct ssl_ctx_st *http_tls_ctx(const struct http_server_tls *tls, struct strbuf *err);
void http_tls_ctx_free(struct ssl_ctx_st *ctx);

#endif
