/* HTTP/1.1 as the module's client speaks it (findings §31): the URL of
 * AT+HTTPPARA="URL" taken apart, the request AT+HTTPACTION sends, and the
 * response parsed as its bytes arrive (status line, headers, a body by
 * Content-Length, chunked or to the close). No I/O and no clock: the session
 * (http_session.c) feeds it. */
#include "http_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"

#define HTTP_PORT_MAX 65535

/* ---- the URL -------------------------------------------------------------------------- */

static bool parse_port(const char *p, size_t n, int *port)
{
    if (n == 0 || n > 5)
        return false;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return false;
        v = v * 10 + (p[i] - '0');
    }
    if (v < 1 || v > HTTP_PORT_MAX)
        return false;
    *port = (int)v;
    return true;
}

bool http_url_parse(const char *url, struct http_url *u)
{
    static const struct { const char *prefix; bool tls; int port; } schemes[] = {
        {"http://", false, HTTP_DEFAULT_PORT}, {"https://", true, HTTPS_DEFAULT_PORT},
    };
    memset(u, 0, sizeof *u);
    const char *rest = NULL;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0] && !rest; i++) {
        size_t n = strlen(schemes[i].prefix);
        if (strncasecmp(url, schemes[i].prefix, n) == 0) {
            rest = url + n;
            u->tls = schemes[i].tls;
            u->port = schemes[i].port;
        }
    }
    if (!rest)
        return false;
    size_t authority = strcspn(rest, "/?");
    const char *colon = memchr(rest, ':', authority);
    size_t host_len = colon ? (size_t)(colon - rest) : authority;
    if (host_len == 0 || host_len > HTTP_HOST_MAX)
        return false;
    if (colon && !parse_port(colon + 1, authority - host_len - 1, &u->port))
        return false;
    memcpy(u->host, rest, host_len);
    snprintf(u->path, sizeof u->path, "%s%s", rest[authority] == '/' ? "" : "/", rest + authority);
    return true;
}

/* ---- the request ---------------------------------------------------------------------- */

const char *http_method_name(enum http_method m)
{
    static const char *const names[HTTP_METHODS] = {
        [HTTP_GET] = "GET", [HTTP_POST] = "POST", [HTTP_HEAD] = "HEAD", [HTTP_DELETE] = "DELETE",
        [HTTP_PUT] = "PUT",
    };
    return m < HTTP_METHODS ? names[m] : "GET";
}

/* USERDATA's headers: a firmware separates several with the two characters
 * "\r\n" written out, as it cannot type a line break into a command line. */
static void add_user_data(struct strbuf *out, const char *text)
{
    while (*text) {
        const char *sep = strstr(text, "\\r\\n");
        size_t n = sep ? (size_t)(sep - text) : strlen(text);
        if (n > 0) {
            sb_add(out, text, n);
            sb_puts(out, "\r\n");
        }
        text += n + (sep ? strlen("\\r\\n") : 0);
    }
}

static bool default_port(const struct http_url *u)
{
    return u->port == (u->tls ? HTTPS_DEFAULT_PORT : HTTP_DEFAULT_PORT);
}

void http_request_build(struct strbuf *out, enum http_method m, const struct http_url *u,
                        const struct http_request_fields *f, const uint8_t *body, size_t body_len)
{
    bool sends_body = m == HTTP_POST || m == HTTP_PUT;
    sb_printf(out, "%s %s HTTP/1.1\r\n", http_method_name(m), u->path);
    if (default_port(u))
        sb_printf(out, "Host: %s\r\n", u->host);
    else
        sb_printf(out, "Host: %s:%d\r\n", u->host, u->port);
    sb_printf(out, "Accept: %s\r\n", f->accept);
    if (sends_body) {
        sb_printf(out, "Content-Type: %s\r\n", f->content_type);
        sb_printf(out, "Content-Length: %zu\r\n", body_len);
    }
    add_user_data(out, f->user_data);
    sb_puts(out, "\r\n");
    if (sends_body)
        sb_add(out, body, body_len);
}

/* ---- the response --------------------------------------------------------------------- */

void http_response_start(struct http_response *r, bool no_body)
{
    uint8_t *body = r->body;
    struct strbuf head = r->head;
    sb_reset(&head);
    memset(r, 0, sizeof *r);
    r->body = body;
    r->head = head;
    r->no_body = no_body;
    r->state = HP_STATUS;
}

void http_response_free(struct http_response *r)
{
    free(r->body);
    sb_free(&r->head);
    memset(r, 0, sizeof *r);
}

bool http_response_head_done(const struct http_response *r)
{
    return r->state != HP_STATUS && r->state != HP_HEADERS && r->state != HP_BAD;
}

/* "HTTP/1.x NNN reason" */
static bool status_line(struct http_response *r)
{
    int major, minor, status;
    char sp;
    if (sscanf(r->line, "HTTP/%d.%d %3d%c", &major, &minor, &status, &sp) < 3 || major != 1)
        return false;
    r->status = status;
    return status >= 100 && status <= 999;
}

static bool header_is(const char *line, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (strncasecmp(line, name, n) != 0 || line[n] != ':')
        return false;
    *value = line + n + 1;
    while (**value == ' ' || **value == '\t')
        (*value)++;
    return true;
}

static bool header_line(struct http_response *r)
{
    const char *v;
    if (header_is(r->line, "Content-Length", &v)) {
        char *end;
        unsigned long long n = strtoull(v, &end, 10);
        if (end == v)
            return false;
        r->has_length = true;
        r->content_length = (size_t)n;
    } else if (header_is(r->line, "Transfer-Encoding", &v)) {
        r->chunked = strcasestr(v, "chunked") != NULL;
    } else if (header_is(r->line, "Connection", &v)) {
        r->conn_close = strcasestr(v, "close") != NULL;
    }
    return true;
}

/* 1xx, 204 and 304 have no body (RFC 9112 §6.3), nor has the answer to HEAD. */
static bool bodiless(const struct http_response *r)
{
    return r->no_body || r->status / 100 == 1 || r->status == 204 || r->status == 304;
}

size_t http_response_datalen(const struct http_response *r)
{
    return r->has_length && !r->chunked && !bodiless(r) ? r->content_length : 0;
}

static enum http_parse_state body_state(const struct http_response *r)
{
    if (bodiless(r))
        return HP_DONE;
    if (r->chunked)
        return HP_CHUNK_SIZE;
    if (r->has_length)
        return r->content_length ? HP_BODY_LENGTH : HP_DONE;
    return HP_BODY_TO_CLOSE;
}

static bool chunk_size_line(struct http_response *r)
{
    char *end;
    unsigned long n = strtoul(r->line, &end, 16);
    if (end == r->line)
        return false;
    r->left = n;
    r->state = n ? HP_CHUNK_DATA : HP_TRAILER;
    return true;
}

/* A complete line (without its CR LF) in r->line. */
static bool line_done(struct http_response *r)
{
    switch (r->state) {
    case HP_STATUS:
        r->state = HP_HEADERS;
        return status_line(r);
    case HP_HEADERS:
        if (r->line_len == 0) {
            r->state = body_state(r);
            r->left = r->content_length;
            return true;
        }
        return header_line(r);
    case HP_CHUNK_SIZE:
        return chunk_size_line(r);
    case HP_CHUNK_END:
        r->state = HP_CHUNK_SIZE;
        return r->line_len == 0;
    case HP_TRAILER:
        if (r->line_len == 0)
            r->state = HP_DONE;
        return true;
    default:
        return false;
    }
}

static bool in_head(const struct http_response *r)
{
    return r->state == HP_STATUS || r->state == HP_HEADERS;
}

static bool line_byte(struct http_response *r, uint8_t b)
{
    if (in_head(r)) {
        if (r->head.len >= HTTP_HEAD_MAX)
            return false;
        sb_add(&r->head, &b, 1);
    }
    if (b == '\n') {
        if (r->line_len && r->line[r->line_len - 1] == '\r')
            r->line_len--;
        r->line[r->line_len] = '\0';
        bool ok = line_done(r);
        r->line_len = 0;
        return ok;
    }
    if (r->line_len >= HTTP_HEAD_MAX)
        return false;
    r->line[r->line_len++] = (char)b;
    return true;
}

static size_t body_bytes(struct http_response *r, const uint8_t *data, size_t len, size_t limit)
{
    size_t n = len < limit ? len : limit;
    if (!r->body)
        r->body = xmalloc(HTTP_BODY_MAX);
    if (n > HTTP_BODY_MAX - r->body_len)
        n = HTTP_BODY_MAX - r->body_len;
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    return n;
}

bool http_response_feed(struct http_response *r, const uint8_t *data, size_t len)
{
    size_t i = 0;
    while (i < len && r->state != HP_DONE && r->state != HP_BAD) {
        size_t took;
        switch (r->state) {
        case HP_BODY_TO_CLOSE:
            took = body_bytes(r, data + i, len - i, len - i);
            break;
        case HP_BODY_LENGTH:
        case HP_CHUNK_DATA:
            took = body_bytes(r, data + i, len - i, r->left);
            r->left -= took;
            if (r->left == 0)
                r->state = r->state == HP_CHUNK_DATA ? HP_CHUNK_END : HP_DONE;
            break;
        default:
            took = 1;
            if (!line_byte(r, data[i]))
                r->state = HP_BAD;
            break;
        }
        if (took == 0)
            return false;          /* the body outgrew the module's cache */
        i += took;
    }
    return r->state != HP_BAD;
}

bool http_response_eof(struct http_response *r)
{
    if (r->state == HP_BODY_TO_CLOSE)
        r->state = HP_DONE;
    return r->state == HP_DONE;
}
