/* A scenario's HTTP test server in the run (issue 19): started before the
 * simulator with what `http-server` says it answers (its port goes into the
 * net-map rules and send lines as {http}), over TLS with the runner's test
 * set for tls=1, checked by expect-http-request, stopped at tear-down; and
 * the wire's send-file with its {size:FILE}. */
#include "run_internal.h"

#include "alloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_server.h"
#include "run_tls.h"

#define SEND_FILE_MAX 153600      /* AT+HTTPDATA's <size> (the parser checked paths; this bounds the read) */

/* The test set's server certificate, for localhost and 127.0.0.1, by ca.pem. */
static const struct http_server_tls set_server = {"server.pem", "server-key.pem"};

struct run_http {
    struct http_server srv;
    char certs[PATH_MAX];         /* the test set's directory ("" unless tls=1) */
};

#define SHOWN_BODY_MAX 120        /* of a request's body, in a failure message */

static const enum http_server_action actions[] = {
    [SCN_HTTP_ANSWER] = HTTP_SERVER_ANSWER, [SCN_HTTP_DROP] = HTTP_SERVER_DROP,
    [SCN_HTTP_SILENT] = HTTP_SERVER_SILENT, [SCN_HTTP_HALF] = HTTP_SERVER_HALF,
};

/* body-size=N: printable bytes that differ by place, so a lost piece shows. */
static void made_up_body(struct strbuf *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = (char)('a' + (i * 7 + i / 26) % 26);
        sb_add(b, &c, 1);
    }
}

static void answer_of(const struct scn_http_server *h, struct http_server_answer *a)
{
    http_server_answer_init(a);
    a->action = actions[h->action];
    a->status = h->status;
    a->chunked = h->chunked;
    a->delay_ms = h->delay_ms;
    if (h->headers.len) {
        sb_add(&a->headers, h->headers.ptr, h->headers.len);
        if (h->headers.len < 2 || memcmp(h->headers.ptr + h->headers.len - 2, "\r\n", 2) != 0)
            sb_puts(&a->headers, "\r\n");
    }
    if (h->body.ptr)
        sb_add(&a->body, h->body.ptr, h->body.len);
    else
        made_up_body(&a->body, h->body_size);
}

/* tls=1: the set made, and the server's files in it. */
static int start_tls(struct run *r, const struct http_server_answer *a, struct strbuf *err)
{
    const struct scn_http_server *h = &r->sc->http;
    if (run_tls_make_set(r, r->http->certs, sizeof r->http->certs, h->line) < 0)
        return -1;
    struct strbuf cert = {0}, key = {0};
    sb_printf(&cert, "%s/%s", r->http->certs, set_server.cert_file);
    sb_printf(&key, "%s/%s", r->http->certs, set_server.key_file);
    struct http_server_tls tls = {sb_str(&cert), sb_str(&key)};
    int rc = http_server_start_tls(&r->http->srv, h->port, a, &tls, err);
    sb_free(&cert);
    sb_free(&key);
    return rc;
}

int run_http_start(struct run *r)
{
    const struct scn_http_server *h = &r->sc->http;
    if (!h->line)
        return 0;
    struct http_server_answer a;
    struct strbuf err = {0};
    answer_of(h, &a);
    r->http = xmalloc(sizeof *r->http);
    memset(r->http, 0, sizeof *r->http);
    int rc = h->tls ? start_tls(r, &a, &err) : http_server_start(&r->http->srv, h->port, &a, &err);
    http_server_answer_free(&a);
    if (rc < 0 && err.len)
        run_fail(r, "line %d: http-server: %s", h->line, sb_str(&err));
    sb_free(&err);
    return rc;
}

void run_http_stop(struct run *r)
{
    if (!r->http)
        return;
    http_server_stop(&r->http->srv);
    free(r->http);
    r->http = NULL;
}

/* The file a send-file step sends: the test set's (the http-server's or the
 * tls statement's, the same directory) or its path. False when there is no set. */
static bool file_path(const struct run *r, const struct scn_step *s, struct strbuf *path)
{
    if (strchr(s->text.ptr, '/')) {
        sb_puts(path, s->text.ptr);
        return true;
    }
    const char *set = r->http && r->http->certs[0] ? r->http->certs : r->tls ? r->tls->certs : NULL;
    if (set)
        sb_printf(path, "%s/%s", set, s->text.ptr);
    return set != NULL;
}

/* Each {size:FILE} replaced by the size of what send-file "FILE" sends. */
static void expand_sizes(const struct run *r, const struct strbuf *in, struct strbuf *out)
{
    const char *s = in->p ? in->p : "", *end = s + in->len, *q, *name;
    size_t name_len, used;
    while ((q = scn_next_size(s, end, &name, &name_len, &used)) != NULL) {
        const struct scn_step *step = scn_send_file_step(r->sc, name, name_len);
        struct strbuf path = {0};
        size_t len = 0;
        uint8_t *bytes =
            step && file_path(r, step, &path) ? run_read_file(sb_str(&path), SEND_FILE_MAX, &len) : NULL;
        sb_add(out, s, (size_t)(q - s));
        if (bytes)
            sb_printf(out, "%zu", len);
        else
            sb_add(out, q, used);   /* kept as written: the send-file step says what is wrong */
        free(bytes);
        sb_free(&path);
        s = q + used;
    }
    sb_add(out, s, (size_t)(end - s));
}

void run_expand_http(const struct run *r, const struct strbuf *in, struct strbuf *out)
{
    struct scn_bytes b = {.ptr = in->p, .len = in->len};
    struct strbuf ports = {0};
    if (r->http)
        scn_expand_http(&b, r->http->srv.port, &ports);
    else
        sb_add(&ports, in->p, in->len);
    expand_sizes(r, &ports, out);
    sb_free(&ports);
}

int run_http_send_file(struct run *r, const struct scn_step *s)
{
    struct strbuf path = {0};
    size_t len = 0;
    uint8_t *bytes = NULL;
    int rc = 0;
    if (!file_path(r, s, &path))
        rc = run_fail(r, "line %d: send-file \"%s\": the runner made no test set (add http-server tls=1 or a tls "
                         "statement)", s->line, s->text.ptr);
    else if (!(bytes = run_read_file(sb_str(&path), SEND_FILE_MAX, &len)))
        rc = run_fail(r, "line %d: send-file cannot read %s (missing, unreadable, empty or over %d bytes)", s->line,
                      sb_str(&path), SEND_FILE_MAX);
    else if (r->port.write(r->port.ctx, bytes, len) < 0)
        rc = run_fail(r, "line %d: writing %s to the port failed", s->line, sb_str(&path));
    free(bytes);
    sb_free(&path);
    return rc;
}

static bool matches(const struct scn_step *s, const struct http_server_request *q)
{
    return strcmp(q->method, s->text.ptr) == 0 && strcmp(q->path, s->topic.ptr) == 0 &&
           scn_pattern_match(&s->pat, q->body.p ? q->body.p : "", q->body.len);
}

/* What it did read, one request a line, for the failure message. */
static void list_requests(struct run *r, struct strbuf *out)
{
    unsigned n = http_server_count(&r->http->srv);
    for (unsigned i = 0; i < n; i++) {
        struct http_server_request q;
        if (!http_server_request(&r->http->srv, i, &q))
            break;
        sb_printf(out, "; %s %s, body ", q.method, q.path);
        size_t shown = q.body.len < SHOWN_BODY_MAX ? q.body.len : SHOWN_BODY_MAX;
        sb_c_quote(out, q.body.p ? q.body.p : "", shown);
        if (shown < q.body.len)
            sb_puts(out, " ...");
        http_server_request_free(&q);
    }
}

static int request_failed(struct run *r, const struct scn_step *s)
{
    struct strbuf seen = {0};
    list_requests(r, &seen);
    int rc = run_fail(r, "line %d: the HTTP test server did not read %s %s%s%s within %.2fs; it read %u request%s%s%s",
                      s->line, s->text.ptr, s->topic.ptr, s->pat.kind == SCN_PAT_NONE ? "" : " with body ",
                      s->pat.kind == SCN_PAT_NONE ? "" : s->pat.text.ptr, (double)s->within_ms / 1000,
                      http_server_count(&r->http->srv), http_server_count(&r->http->srv) == 1 ? "" : "s", sb_str(&seen),
                      http_server_count(&r->http->srv) ? "" : " (is a net-map rule steering the module's URL to {http}?)");
    sb_free(&seen);
    return rc;
}

static bool seen(struct run *r, const struct scn_step *s)
{
    unsigned n = http_server_count(&r->http->srv);
    bool found = false;
    for (unsigned i = 0; i < n && !found; i++) {
        struct http_server_request q;
        if (!http_server_request(&r->http->srv, i, &q))
            break;
        found = matches(s, &q);
        http_server_request_free(&q);
    }
    return found;
}

struct request_wait {
    const struct scn_step *s;
};

static int request_look(struct run *r, void *ctx)
{
    const struct request_wait *w = ctx;
    return seen(r, w->s);
}

int run_http_request_step(struct run *r, const struct scn_step *s)
{
    struct request_wait w = {s};
    int rc = run_poll_until(r, s->within_ms, request_look, &w);
    if (rc == 0)
        return request_failed(r, s);
    return rc < 0 ? -1 : 0;
}
