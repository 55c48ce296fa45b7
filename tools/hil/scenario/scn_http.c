/* The HTTP side of the start state and its check (issue 19): `http-server`,
 * the runner's loopback HTTP/1.1 server (tools/hil/run/http_server.c) with
 * what it answers, its {http} placeholder in net-map and send lines, and
 * `expect-http-request METHOD PATH ["BODY"|/REGEX/]`. */
#include "scn_internal.h"

#include "strbuf.h"

#include <stdio.h>
#include <string.h>

#define PORT_MAX 65535
#define STATUS_MIN 100
#define STATUS_MAX 599
#define HTTP_STATUS_OK 200
#define BODY_SIZE_MAX (1u << 20)         /* what the module's cache holds */

const char *const scn_http_server_keys[] = {
    "port", "status", "body", "body-size", "header", "chunked", "delay", "answer", NULL,
};
const char *const scn_http_request_keys[] = { "within", NULL };

static const char *const action_names[] = {
    [SCN_HTTP_ANSWER] = "normal", [SCN_HTTP_DROP] = "drop", [SCN_HTTP_SILENT] = "silent", [SCN_HTTP_HALF] = "half",
    NULL,
};

void scn_kw_http_server(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_http_server *h = &((struct scenario *)obj)->http;
    long port = 0, body_size = 0, chunked = 0;
    (void)d;
    if (h->line) {
        scn_perr(p, "a second http-server; the scenario's HTTP test server is started at line %d", h->line);
        return;
    }
    h->line = p->line;
    h->status = HTTP_STATUS_OK;
    scn_opt_uint(p, a, "port", 1, PORT_MAX, &port);
    scn_opt_int(p, a, "status", STATUS_MIN, STATUS_MAX, &h->status);
    scn_opt_string(p, a, "body", &h->body);
    scn_opt_uint(p, a, "body-size", 0, BODY_SIZE_MAX, &body_size);
    scn_opt_string(p, a, "header", &h->headers);
    scn_opt_uint(p, a, "chunked", 0, 1, &chunked);
    scn_opt_duration(p, a, "delay", &h->delay_ms);
    const struct scn_tok *t = scn_opt(a, "answer");
    int action = SCN_HTTP_ANSWER;
    if (t)
        scn_get_name(p, t, "the answer", action_names, &action);
    if (h->body.ptr && body_size)
        scn_perr(p, "http-server takes body=\"...\" or body-size=N, not both");
    h->port = (uint16_t)port;
    h->body_size = (size_t)body_size;
    h->chunked = chunked != 0;
    h->action = (enum scn_http_action)action;
}

void scn_kw_expect_http_request(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a,
                                void *obj)
{
    struct scn_step *s = obj;
    (void)d;
    s->within_ms = SCN_DEFAULT_EXPECT_MS;
    if (scn_want_word(p, a->pos[0], "the method (GET, POST, HEAD, DELETE, PUT)")) {
        s->text.ptr = scn_xmemdup(p, a->pos[0]->text, a->pos[0]->len);
        s->text.len = a->pos[0]->len;
    }
    scn_get_string(p, a->pos[1], "the path", &s->topic);
    if (a->n_pos > 2)
        scn_get_pattern(p, a->pos[2], "the body", &s->pat);
    scn_opt_duration(p, a, "within", &s->within_ms);
    if (!p->sc->http.line)
        scn_perr(p, "'expect-http-request' checks the HTTP test server, but the scenario starts none; "
                    "add 'http-server' to the start state");
}

static const char *next_placeholder(const char *s, const char *end)
{
    const size_t n = strlen(SCN_HTTP_PLACEHOLDER);
    for (const char *q = s; q && q + n <= end; q++) {
        q = memchr(q, '{', (size_t)(end - q));
        if (q && q + n <= end && memcmp(q, SCN_HTTP_PLACEHOLDER, n) == 0)
            return q;
        if (!q)
            break;
    }
    return NULL;
}

void scn_expand_http(const struct scn_bytes *in, uint16_t port, struct strbuf *out)
{
    const char *s = in->ptr ? in->ptr : "", *end = s + in->len, *q;
    while ((q = next_placeholder(s, end)) != NULL) {
        sb_add(out, s, (size_t)(q - s));
        sb_printf(out, "%u", (unsigned)port);
        s = q + strlen(SCN_HTTP_PLACEHOLDER);
    }
    sb_add(out, s, (size_t)(end - s));
}

static void check_placeholder(struct scn_parser *p, int line, const struct scn_bytes *b)
{
    if (!p->sc->http.line && b->ptr && next_placeholder(b->ptr, b->ptr + b->len))
        scn_perr_at(p, line, "'%s' stands for the HTTP test server's port, but the scenario starts none; "
                             "add 'http-server' to the start state", SCN_HTTP_PLACEHOLDER);
}

void scn_check_http(struct scn_parser *p)
{
    const struct scenario *sc = p->sc;
    for (size_t i = 0; i < sc->world.n_net_map; i++)
        check_placeholder(p, sc->world.net_map_line[i], &sc->world.net_map[i]);
    for (size_t i = 0; i < sc->n_steps; i++)
        if (sc->steps[i].kind == SCN_STEP_SEND || sc->steps[i].kind == SCN_STEP_SEND_RAW)
            check_placeholder(p, sc->steps[i].line, &sc->steps[i].text);
}

void scn_http_free(struct scn_http_server *h)
{
    scn_bytes_free(&h->body);
    scn_bytes_free(&h->headers);
}
