#include "http_server.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "http_server_io.h"

#define READ_CHUNK 4096
#define HEAD_MAX 16384               /* a request's line and headers; more is not HTTP we serve */
#define LISTEN_BACKLOG 4
#define STATUS_TOO_LARGE 413
#define STATUS_OK 200

void http_server_answer_init(struct http_server_answer *a)
{
    memset(a, 0, sizeof *a);
    a->action = HTTP_SERVER_ANSWER;
    a->status = STATUS_OK;
}

void http_server_answer_free(struct http_server_answer *a)
{
    sb_free(&a->headers);
    sb_free(&a->body);
}

static void answer_copy(struct http_server_answer *dst, const struct http_server_answer *src)
{
    http_server_answer_free(dst);
    *dst = *src;
    dst->headers = (struct strbuf){0};
    dst->body = (struct strbuf){0};
    sb_add(&dst->headers, src->headers.p, src->headers.len);
    sb_add(&dst->body, src->body.p, src->body.len);
}

void http_server_request_free(struct http_server_request *r)
{
    sb_free(&r->head);
    sb_free(&r->body);
}

/* ---- the request ------------------------------------------------------------------------- */

static size_t content_length(const char *head)
{
    for (const char *l = strstr(head, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n"))
        if (strncasecmp(l + 2, "Content-Length:", strlen("Content-Length:")) == 0)
            return (size_t)strtoull(l + 2 + strlen("Content-Length:"), NULL, 10);
    return 0;
}

#define STR(x) #x
#define XSTR(x) STR(x)

static bool request_line(struct http_server_request *r)
{
    return sscanf(r->head.p, "%" XSTR(HTTP_SERVER_METHOD_MAX) "s %" XSTR(HTTP_SERVER_PATH_MAX) "s", r->method,
                  r->path) == 2;
}

/* One request: its head up to the blank line, then Content-Length bytes.
 * Bytes past the head in the same read start the body. */
static bool read_request(struct http_conn *c, struct http_server_request *r)
{
    char buf[READ_CHUNK];
    const char *end = NULL;
    while (!end) {
        size_t n = http_conn_read(c, buf, sizeof buf);
        if (n == 0 || r->head.len + n > HEAD_MAX)
            return false;
        sb_add(&r->head, buf, n);
        end = strstr(sb_str(&r->head), "\r\n\r\n");
    }
    size_t head_len = (size_t)(end - r->head.p) + strlen("\r\n\r\n");
    sb_add(&r->body, r->head.p + head_len, r->head.len - head_len);
    r->head.len = head_len;
    r->head.p[head_len] = '\0';
    if (!request_line(r))
        return false;
    size_t want = content_length(r->head.p);
    if (want > HTTP_SERVER_BODY_MAX)
        return true;                 /* answered 413 without reading it */
    while (r->body.len < want) {
        size_t n = http_conn_read(c, buf, want - r->body.len < sizeof buf ? want - r->body.len : sizeof buf);
        if (n == 0)
            return false;
        sb_add(&r->body, buf, n);
    }
    return true;
}

static void keep_request(struct http_server *s, struct http_server_request *r)
{
    pthread_mutex_lock(&s->mu);
    if (s->nrequests < HTTP_SERVER_REQUESTS)
        s->requests[s->nrequests] = *r;
    else
        http_server_request_free(r);
    s->nrequests++;
    pthread_mutex_unlock(&s->mu);
    memset(r, 0, sizeof *r);
}

/* ---- the answer -------------------------------------------------------------------------- */

static const char *reason(int status)
{
    static const struct { int status; const char *text; } reasons[] = {
        {200, "OK"}, {201, "Created"}, {204, "No Content"}, {301, "Moved Permanently"}, {302, "Found"},
        {304, "Not Modified"}, {400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"},
        {404, "Not Found"}, {413, "Payload Too Large"}, {500, "Internal Server Error"}, {503, "Service Unavailable"},
    };
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].status == status)
            return reasons[i].text;
    return "Status";
}

/* The whole answer's bytes; *cut gets where HTTP_SERVER_HALF stops. */
static void build_answer(const struct http_server_answer *a, bool head_only, struct strbuf *out, size_t *cut)
{
    sb_printf(out, "HTTP/1.1 %d %s\r\n", a->status, reason(a->status));
    sb_add(out, a->headers.p, a->headers.len);
    if (a->chunked)
        sb_puts(out, "Transfer-Encoding: chunked\r\n");
    else
        sb_printf(out, "Content-Length: %zu\r\n", a->body.len);
    sb_puts(out, "Connection: close\r\n\r\n");
    size_t head_len = out->len;
    if (!head_only && a->chunked && a->body.len) {
        size_t half = a->body.len / 2;       /* two chunks: a client must join them */
        sb_printf(out, "%zx\r\n", half);
        sb_add(out, a->body.p, half);
        sb_printf(out, "\r\n%zx\r\n", a->body.len - half);
        sb_add(out, a->body.p + half, a->body.len - half);
        sb_puts(out, "\r\n");
    } else if (!head_only) {
        sb_add(out, a->body.p, a->body.len);
    }
    if (!head_only && a->chunked)
        sb_puts(out, "0\r\n\r\n");
    *cut = head_len + (out->len - head_len) / 2;
}

/* Until the client closes (or the server stops): what a silent server does. */
static void wait_close(struct http_conn *c)
{
    char buf[READ_CHUNK];
    while (http_conn_read(c, buf, sizeof buf) > 0)
        ;
}

/* Does what the answer says; false when the connection just closes (no
 * close_notify over TLS: a server that drops it or dies mid-answer). */
static bool act(struct http_conn *c, const struct http_server_answer *a, const char *method)
{
    if (a->delay_ms && http_wait_fd(c->s, c->fd, 0, (int)a->delay_ms) == HTTP_WAIT_STOP)
        return false;
    struct strbuf out = {0};
    size_t cut = 0;
    switch (a->action) {
    case HTTP_SERVER_DROP:
        break;
    case HTTP_SERVER_SILENT:
        wait_close(c);
        break;
    case HTTP_SERVER_ANSWER:
    case HTTP_SERVER_HALF:
        build_answer(a, strcmp(method, "HEAD") == 0, &out, &cut);
        http_conn_write(c, out.p, a->action == HTTP_SERVER_HALF ? cut : out.len);
        break;
    }
    sb_free(&out);
    return a->action == HTTP_SERVER_ANSWER || a->action == HTTP_SERVER_SILENT;
}

/* One request on c, answered; the connection closed. */
static void serve_connection(struct http_server *s, struct http_conn *c)
{
    struct http_server_request r = {0};
    if (!read_request(c, &r)) {
        http_server_request_free(&r);
        http_conn_close(c, false);
        return;
    }
    struct http_server_answer a;
    http_server_answer_init(&a);
    pthread_mutex_lock(&s->mu);
    answer_copy(&a, &s->answer);
    pthread_mutex_unlock(&s->mu);
    if (content_length(r.head.p) > HTTP_SERVER_BODY_MAX) {
        a.action = HTTP_SERVER_ANSWER;
        a.status = STATUS_TOO_LARGE;
        sb_reset(&a.body);
    }
    char method[sizeof r.method];
    memcpy(method, r.method, sizeof method);
    keep_request(s, &r);
    http_conn_close(c, act(c, &a, method));
    http_server_answer_free(&a);
}

static void *serve(void *arg)
{
    struct http_server *s = arg;
    /* OpenSSL writes with write(): a client gone before our close_notify
     * must be an EPIPE on this thread, not a SIGPIPE that ends the test */
    sigset_t pipe_sig;
    sigemptyset(&pipe_sig);
    sigaddset(&pipe_sig, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_sig, NULL);
    for (int fd; (fd = loop_server_accept(&s->loop)) >= 0;) {
        struct http_conn c;
        if (http_conn_open(&c, s, fd))
            serve_connection(s, &c);
    }
    return NULL;
}

/* ---- start, stop, look ------------------------------------------------------------------- */

int http_server_start(struct http_server *s, uint16_t port, const struct http_server_answer *answer,
                      struct strbuf *err)
{
    return http_server_start_tls(s, port, answer, NULL, err);
}

int http_server_start_tls(struct http_server *s, uint16_t port, const struct http_server_answer *answer,
                          const struct http_server_tls *tls, struct strbuf *err)
{
    memset(s, 0, sizeof *s);
    s->started = true;
    loop_server_init(&s->loop);
    pthread_mutex_init(&s->mu, NULL);
    http_server_answer_init(&s->answer);
    answer_copy(&s->answer, answer);
    if (tls && !(s->tls = http_tls_ctx(tls, err)))
        return -1;
    return loop_server_start(&s->loop, port, LISTEN_BACKLOG, "the HTTP test server", serve, s, &s->port, err);
}

void http_server_set_answer(struct http_server *s, const struct http_server_answer *answer)
{
    pthread_mutex_lock(&s->mu);
    answer_copy(&s->answer, answer);
    pthread_mutex_unlock(&s->mu);
}

unsigned http_server_count(struct http_server *s)
{
    pthread_mutex_lock(&s->mu);
    unsigned n = s->nrequests;
    pthread_mutex_unlock(&s->mu);
    return n;
}

unsigned http_server_tls_failures(struct http_server *s)
{
    pthread_mutex_lock(&s->mu);
    unsigned n = s->tls_failed;
    pthread_mutex_unlock(&s->mu);
    return n;
}

bool http_server_request(struct http_server *s, unsigned i, struct http_server_request *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->mu);
    bool have = i < s->nrequests && i < HTTP_SERVER_REQUESTS;
    if (have) {
        const struct http_server_request *r = &s->requests[i];
        memcpy(out->method, r->method, sizeof out->method);
        memcpy(out->path, r->path, sizeof out->path);
        sb_add(&out->head, r->head.p, r->head.len);
        sb_add(&out->body, r->body.p, r->body.len);
    }
    pthread_mutex_unlock(&s->mu);
    return have;
}

void http_server_stop(struct http_server *s)
{
    if (!s->started)
        return;
    loop_server_stop(&s->loop);
    for (unsigned i = 0; i < s->nrequests && i < HTTP_SERVER_REQUESTS; i++)
        http_server_request_free(&s->requests[i]);
    s->nrequests = 0;
    http_server_answer_free(&s->answer);
    http_tls_ctx_free(s->tls);
    s->tls = NULL;
    pthread_mutex_destroy(&s->mu);
    s->started = false;
}
