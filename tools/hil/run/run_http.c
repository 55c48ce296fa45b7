/* A scenario's HTTP test server in the run (issue 19): started before the
 * simulator with what `http-server` says it answers (its port goes into the
 * net-map rules and send lines as {http}), checked by expect-http-request,
 * stopped at tear-down. */
#include "run_internal.h"

#include "alloc.h"

#include <stdlib.h>
#include <string.h>

#include "hil_clock.h"
#include "http_server.h"

#define POLL_SLICE_MS 20          /* how often the step looks at what arrived */
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

int run_http_start(struct run *r)
{
    const struct scn_http_server *h = &r->sc->http;
    if (!h->line)
        return 0;
    struct http_server_answer a;
    struct strbuf err = {0};
    answer_of(h, &a);
    r->http = xmalloc(sizeof *r->http);
    int rc = http_server_start(r->http, h->port, &a, &err);
    http_server_answer_free(&a);
    if (rc < 0)
        run_fail(r, "line %d: http-server: %s", h->line, sb_str(&err));
    sb_free(&err);
    return rc;
}

void run_http_stop(struct run *r)
{
    if (!r->http)
        return;
    http_server_stop(r->http);
    free(r->http);
    r->http = NULL;
}

void run_expand_http(const struct run *r, const struct strbuf *in, struct strbuf *out)
{
    struct scn_bytes b = {.ptr = in->p, .len = in->len};
    if (r->http)
        scn_expand_http(&b, r->http->port, out);
    else
        sb_add(out, in->p, in->len);
}

static bool matches(const struct scn_step *s, const struct http_server_request *q)
{
    return strcmp(q->method, s->text.ptr) == 0 && strcmp(q->path, s->topic.ptr) == 0 &&
           scn_pattern_match(&s->pat, q->body.p ? q->body.p : "", q->body.len);
}

/* What it did read, one request a line, for the failure message. */
static void list_requests(struct run *r, struct strbuf *out)
{
    unsigned n = http_server_count(r->http);
    for (unsigned i = 0; i < n; i++) {
        struct http_server_request q;
        if (!http_server_request(r->http, i, &q))
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
                      http_server_count(r->http), http_server_count(r->http) == 1 ? "" : "s", sb_str(&seen),
                      http_server_count(r->http) ? "" : " (is a net-map rule steering the module's URL to {http}?)");
    sb_free(&seen);
    return rc;
}

static bool seen(struct run *r, const struct scn_step *s)
{
    unsigned n = http_server_count(r->http);
    bool found = false;
    for (unsigned i = 0; i < n && !found; i++) {
        struct http_server_request q;
        if (!http_server_request(r->http, i, &q))
            break;
        found = matches(s, &q);
        http_server_request_free(&q);
    }
    return found;
}

int run_http_request_step(struct run *r, const struct scn_step *s)
{
    uint64_t end = hil_now_ms() + s->within_ms;
    for (;;) {
        if (seen(r, s))
            return 0;
        uint64_t now = hil_now_ms();
        if (now >= end)
            return request_failed(r, s);
        uint64_t left = end - now;
        if (run_idle(r, left < POLL_SLICE_MS ? (uint32_t)left : POLL_SLICE_MS) < 0)
            return -1;
    }
}
