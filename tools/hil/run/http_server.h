/* A loopback HTTP/1.1 server for tests and scenarios (issue 19): the far end
 * of the module's HTTP(S) client, reached through a --net-map rule, in plain
 * TCP or, started with a certificate and key, over TLS (OpenSSL). It serves
 * one connection at a time: it reads a request (request line, headers, a body
 * by Content-Length), keeps it for the checks (method, path, body), waits the
 * answer's delay, then does what the answer says (answer and close, close
 * without a word, or keep silent until the client gives up). The answer can be
 * changed while it runs; the requests can be read from any thread.
 *
 * It runs on a thread of its own; http_server_stop() wakes and joins it. */
#ifndef HIL_HTTP_SERVER_H
#define HIL_HTTP_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop_server.h"
#include "strbuf.h"

#define HTTP_SERVER_REQUESTS 64          /* requests kept for the checks; later ones are only counted */
#define HTTP_SERVER_METHOD_MAX 15
#define HTTP_SERVER_PATH_MAX 1023
#define HTTP_SERVER_BODY_MAX (1u << 20)  /* a request body bigger than this is refused (413) */

/* What it does once a request is in. */
enum http_server_action {
    HTTP_SERVER_ANSWER,      /* the status line, headers and body, then close */
    HTTP_SERVER_DROP,        /* close without answering */
    HTTP_SERVER_SILENT,      /* answer nothing, keep the connection until the client closes */
    HTTP_SERVER_HALF,        /* the head and half the body, then close (a peer gone mid-response) */
};

struct http_server_answer {
    enum http_server_action action;
    int status;              /* 200 by default */
    struct strbuf headers;   /* extra header lines, each ending CR LF */
    struct strbuf body;
    bool chunked;            /* Transfer-Encoding: chunked instead of Content-Length */
    uint32_t delay_ms;       /* from the request's end to the answer */
};

struct http_server_request {
    char method[HTTP_SERVER_METHOD_MAX + 1];
    char path[HTTP_SERVER_PATH_MAX + 1];
    struct strbuf head;      /* the request line and headers, as received */
    struct strbuf body;
};

/* Its TLS side: PEM files (a chain, leaf first, and its key). */
struct http_server_tls {
    const char *cert_file, *key_file;
};

struct ssl_ctx_st;

struct http_server {
    uint16_t port;
    struct ssl_ctx_st *tls;  /* NULL: plain HTTP */
    struct loop_server loop; /* its socket and thread */
    bool started;
    pthread_mutex_t mu;      /* guards what follows */
    struct http_server_answer answer;
    struct http_server_request requests[HTTP_SERVER_REQUESTS];
    unsigned nrequests;      /* all it read, kept or not */
    unsigned tls_failed;     /* TLS handshakes that did not finish (the client refused us, or left) */
};

/* The default answer: 200, no extra headers, an empty body, at once. */
void http_server_answer_init(struct http_server_answer *a);
void http_server_answer_free(struct http_server_answer *a);

/* Listens on 127.0.0.1:port (0: a free one; the port taken is in s->port)
 * and serves with `answer` (copied). Returns 0, or -1 with why in err. */
int http_server_start(struct http_server *s, uint16_t port, const struct http_server_answer *answer,
                      struct strbuf *err);
/* The same over TLS with tls's files (NULL: plain, as http_server_start). */
int http_server_start_tls(struct http_server *s, uint16_t port, const struct http_server_answer *answer,
                          const struct http_server_tls *tls, struct strbuf *err);
/* What the next requests are answered (copied). */
void http_server_set_answer(struct http_server *s, const struct http_server_answer *answer);
/* How many requests it has read. */
unsigned http_server_count(struct http_server *s);
/* How many TLS handshakes failed. */
unsigned http_server_tls_failures(struct http_server *s);
/* A copy of request i (0 the first), false when there is none yet or it was
 * not kept; the caller frees it with http_server_request_free(). */
bool http_server_request(struct http_server *s, unsigned i, struct http_server_request *out);
void http_server_request_free(struct http_server_request *r);
/* Stops the thread, closes every socket, frees what it kept. Safe on a
 * server that did not start. */
void http_server_stop(struct http_server *s);

#endif
