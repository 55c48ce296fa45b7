/* The HTTP side of the start state and its check (issue 19): `http-server`,
 * the runner's loopback HTTP/1.1 server (tools/hil/run/http_server.c) with
 * what it answers, plain or over TLS, its {http} placeholder in net-map and
 * send lines, `expect-http-request METHOD PATH ["BODY"|/REGEX/]`, and the
 * wire's `send-file "FILE"` with its {size:FILE} (a CA for AT+CCERTDOWN, a
 * body for AT+HTTPDATA). */
#include "scn_internal.h"

#include "strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define PORT_MAX 65535
#define STATUS_MIN 100
#define STATUS_MAX 599
#define HTTP_STATUS_OK 200
#define BODY_SIZE_MAX (1u << 20)         /* what the module's cache holds */
#define SEND_FILE_MAX 153600             /* AT+HTTPDATA's <size>: the module's biggest data phase */
#define SET_NAMES_MAX 400                /* the test set's names, listed in an error */

const char *const scn_http_server_keys[] = {
    "port", "status", "body", "body-size", "header", "chunked", "delay", "answer", "tls", NULL,
};
const char *const scn_http_request_keys[] = { "within", NULL };

static const char *const action_names[] = {
    [SCN_HTTP_ANSWER] = "normal", [SCN_HTTP_DROP] = "drop", [SCN_HTTP_SILENT] = "silent", [SCN_HTTP_HALF] = "half",
    NULL,
};

void scn_kw_http_server(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_http_server *h = &((struct scenario *)obj)->http;
    long port = 0, body_size = 0, chunked = 0, tls = 0;
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
    scn_opt_uint(p, a, "tls", 0, 1, &tls);
    h->tls = tls != 0;
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

/* send-file "FILE": a name without '/' is a file of the runner's test set
 * (made for http-server tls=1 or a tls statement: checked with the whole
 * file); a path is relative to the scenario's folder. text gets the name or
 * the whole path, topic the text as written (what {size:FILE} names). */
void scn_kw_send_file(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_step *s = obj;
    struct stat st;
    (void)d;
    scn_get_string(p, a->pos[0], "the file", &s->topic);
    if (!s->topic.ptr)
        return;
    if (s->topic.len == 0 || memchr(s->topic.ptr, '\0', s->topic.len)) {
        scn_perr(p, "send-file must name a file, without NUL bytes");
    } else if (!strchr(s->topic.ptr, '/')) {
        char list[SET_NAMES_MAX];
        if (scn_name_index(scn_tls_set, s->topic.ptr) < 0) {
            scn_join_names(list, sizeof list, scn_tls_set);
            scn_perr(p, "send-file \"%s\" is not in the runner's test set; expected one of: %s, or a path with "
                        "a '/' (relative to the scenario's folder)", s->topic.ptr, list);
        }
        s->text.ptr = scn_xmemdup(p, s->topic.ptr, s->topic.len);
        s->text.len = s->topic.len;
    } else {
        s->text.ptr = scn_resolve_path(p, s->topic.ptr);
        s->text.len = strlen(s->text.ptr);
        if (stat(s->text.ptr, &st) != 0)
            scn_perr(p, "send-file cannot read \"%s\": %s; paths are relative to the scenario's folder", s->text.ptr,
                     strerror(errno));
        else if (!S_ISREG(st.st_mode) || st.st_size == 0 || st.st_size > SEND_FILE_MAX)
            scn_perr(p, "send-file \"%s\" must be a file of 1 to %d bytes (AT+HTTPDATA's most)", s->text.ptr,
                     SEND_FILE_MAX);
    }
}

const struct scn_step *scn_send_file_step(const struct scenario *sc, const char *name, size_t name_len)
{
    for (size_t i = 0; i < sc->n_steps; i++) {
        const struct scn_step *s = &sc->steps[i];
        if (s->kind == SCN_STEP_SEND_FILE && s->topic.ptr && s->topic.len == name_len &&
            memcmp(s->topic.ptr, name, name_len) == 0)
            return s;
    }
    return NULL;
}

const char *scn_next_size(const char *s, const char *end, const char **name, size_t *name_len, size_t *used)
{
    const size_t head = strlen(SCN_SIZE_PLACEHOLDER);
    const char *q = s ? memmem(s, (size_t)(end - s), SCN_SIZE_PLACEHOLDER, head) : NULL;
    if (!q)
        return NULL;
    const char *close = memchr(q + head, '}', (size_t)(end - q - head));
    *name = q + head;
    *name_len = close ? (size_t)(close - *name) : (size_t)(end - *name);
    *used = close ? (size_t)(close - q) + 1 : (size_t)(end - q);
    return q;
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

/* Every {size:FILE} in a send line names a send-file of the scenario. */
static void check_sizes(struct scn_parser *p, int line, const struct scn_bytes *b)
{
    const char *s = b->ptr, *end = b->ptr + b->len, *q, *name;
    size_t name_len, used;
    while ((q = scn_next_size(s, end, &name, &name_len, &used)) != NULL) {
        if (!scn_send_file_step(p->sc, name, name_len))
            scn_perr_at(p, line, "'%.*s' is the size of what a send-file \"%.*s\" sends, but the scenario has no "
                                 "such send-file", (int)used, q, (int)name_len, name);
        s = q + used;
    }
}

/* A test-set file to send needs the set, which the runner makes for
 * http-server tls=1 or a tls statement. */
static void check_send_file(struct scn_parser *p, const struct scn_step *s)
{
    if (s->text.ptr && !strchr(s->text.ptr, '/') && !p->sc->http.tls && !p->sc->tls.line)
        scn_perr_at(p, s->line, "send-file \"%s\" is a file of the runner's test set, which is made only for a "
                                "scenario with 'http-server tls=1' or a 'tls' statement; add one, or name a path "
                                "with a '/'", s->text.ptr);
}

void scn_check_http(struct scn_parser *p)
{
    const struct scenario *sc = p->sc;
    for (size_t i = 0; i < sc->world.n_net_map; i++)
        check_placeholder(p, sc->world.net_map_line[i], &sc->world.net_map[i]);
    for (size_t i = 0; i < sc->n_steps; i++) {
        const struct scn_step *s = &sc->steps[i];
        if (s->kind == SCN_STEP_SEND || s->kind == SCN_STEP_SEND_RAW) {
            check_placeholder(p, s->line, &s->text);
            check_sizes(p, s->line, &s->text);
        } else if (s->kind == SCN_STEP_SEND_FILE) {
            check_send_file(p, s);
        }
    }
}

void scn_http_free(struct scn_http_server *h)
{
    scn_bytes_free(&h->body);
    scn_bytes_free(&h->headers);
}
