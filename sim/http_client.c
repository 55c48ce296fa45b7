/* The HTTP(S) commands (HTTP(S) manual; findings §31): AT+HTTPINIT and
 * AT+HTTPTERM start and stop the service, AT+HTTPPARA sets what a request
 * carries, AT+HTTPDATA takes a body after DOWNLOAD, AT+HTTPACTION answers OK
 * and starts the request (http_session.c tells +HTTPACTION), AT+HTTPHEAD and
 * AT+HTTPREAD give what the response brought. */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"

static struct http_state *http(struct sim *s) { return &s->http; }

static void params_defaults(struct http_params *p)
{
    memset(p, 0, sizeof *p);
    p->connect_to_s = HTTP_CONNECTTO_MAX;
    p->recv_to_s = HTTP_RECVTO_DEFAULT;
    snprintf(p->content_type, sizeof p->content_type, "%s", "text/plain");
    snprintf(p->accept, sizeof p->accept, "%s", "*/*");
}

/* The service and everything it held go; the network is told to close. */
static void service_stop(struct sim *s)
{
    struct http_state *h = http(s);
    http_session_end(s);
    http_response_free(&h->resp);
    free(h->data);
    sb_free(&h->pending);
    memset(h, 0, sizeof *h);
}

void http_init(struct sim *s)
{
    memset(http(s), 0, sizeof *http(s));
}

void http_power_on(struct sim *s)
{
    service_stop(s);
}

void http_free(struct sim *s)
{
    service_stop(s);
}

/* ---- AT+HTTPINIT, AT+HTTPTERM ------------------------------------------------------------ */

static DECLARE_HANDLER(cmd_httpinit)
{
    (void)a;
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_EXEC || http(s)->initialized || !http_bearer_up(s))
        return CMD_ERROR;
    params_defaults(&http(s)->p);
    http(s)->initialized = true;
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_httpterm)
{
    (void)a;
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_EXEC)
        return CMD_ERROR;
    if (!http(s)->initialized)   /* the E-H said ERROR, the G-H OK (findings §31) */
        return modem_model(s)->http_term_idle_ok ? CMD_OK : CMD_ERROR;
    service_stop(s);
    return CMD_OK;
}

/* ---- AT+HTTPPARA ------------------------------------------------------------------------ */

enum para_kind { PARA_URL, PARA_TEXT, PARA_NUMBER };

struct para_spec {
    const char *tag;
    enum para_kind kind;
    size_t offset;                   /* in struct http_params: a char[cap] or an int */
    size_t cap;
    long lo, hi;
};

#define TEXT_PARA(tag, field) {tag, PARA_TEXT, offsetof(struct http_params, field), HTTP_FIELD_MAX + 1, 0, 0}
#define NUMBER_PARA(tag, field, lo, hi) {tag, PARA_NUMBER, offsetof(struct http_params, field), 0, lo, hi}

static const struct para_spec paras[] = {
    {"URL", PARA_URL, offsetof(struct http_params, url), HTTP_URL_MAX + 1, 0, 0},
    NUMBER_PARA("CONNECTTO", connect_to_s, HTTP_CONNECTTO_MIN, HTTP_CONNECTTO_MAX),
    NUMBER_PARA("RECVTO", recv_to_s, HTTP_RECVTO_MIN, HTTP_RECVTO_MAX),
    TEXT_PARA("CONTENT", content_type),
    TEXT_PARA("ACCEPT", accept),
    NUMBER_PARA("SSLCFG", ssl_ctx, 0, HTTP_SSL_CONTEXTS - 1),
    TEXT_PARA("USERDATA", user_data),
    NUMBER_PARA("READMODE", read_mode, 0, 1),
};

static const struct para_spec *para_find(const struct at_arg *tag)
{
    if (tag->type != AT_ARG_STRING)
        return NULL;
    for (size_t i = 0; i < sizeof paras / sizeof paras[0]; i++)
        if (strlen(paras[i].tag) == tag->len && strncasecmp(paras[i].tag, tag->text, tag->len) == 0)
            return &paras[i];
    return NULL;
}

/* A text value: quoted, or a bare word (firmware that forgets the quotes of a URL). */
static bool text_value(const struct at_arg *v, size_t cap, char *dst)
{
    if ((v->type != AT_ARG_STRING && v->type != AT_ARG_WORD) || v->len >= cap)
        return false;
    at_arg_copy(dst, cap, v);
    return true;
}

static bool para_set(struct http_params *p, const struct para_spec *spec, const struct at_arg *v)
{
    char *field = (char *)p + spec->offset;
    switch (spec->kind) {
    case PARA_URL: {
        char url[HTTP_URL_MAX + 1];
        struct http_url u;
        if (!text_value(v, sizeof url, url) || !http_url_parse(url, &u))
            return false;
        memcpy(field, url, sizeof url);
        return true;
    }
    case PARA_TEXT:
        return text_value(v, spec->cap, field);
    case PARA_NUMBER:
        if (!arg_number_in(v, spec->lo, spec->hi))
            return false;
        *(int *)(void *)field = (int)v->number;
        return true;
    }
    return false;
}

static DECLARE_HANDLER(cmd_httppara)
{
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_WRITE || !http(s)->initialized || a->count != 2)
        return CMD_ERROR;
    const struct para_spec *spec = para_find(&a->v[0]);
    return spec && para_set(&http(s)->p, spec, &a->v[1]) ? CMD_OK : CMD_ERROR;
}

/* ---- AT+HTTPDATA ----------------------------------------------------------------------- */

static DECLARE_HANDLER(cmd_httpdata)
{
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    struct http_state *h = http(s);
    if (c->form != AT_FORM_WRITE || !h->initialized || h->phase != HTTP_IDLE || a->count != 2 ||
        !arg_number_in(&a->v[0], 1, HTTP_DATA_MAX) ||
        !arg_number_in(&a->v[1], HTTP_DATA_TIME_MIN, HTTP_DATA_TIME_MAX))
        return CMD_ERROR;
    if (!h->data)
        h->data = xmalloc(HTTP_DATA_MAX);
    h->data_len = 0;
    s->data.target = DATA_HTTP;
    s->data.variable = false;
    s->data.want = (size_t)a->v[0].number;
    s->data.got = 0;
    /* <time> bounds the whole input, not the gap between bytes */
    s->data.deadline_us = s->now_us + (uint64_t)a->v[1].number * HTTP_US_PER_S;
    s->mode = INPUT_DATA;
    sim_urc(s, "DOWNLOAD");
    return CMD_PROMPT;
}

void http_data_byte(struct sim *s, size_t at, uint8_t b)
{
    if (http(s)->data && at < HTTP_DATA_MAX)
        http(s)->data[at] = b;
}

void http_data_complete(struct sim *s)
{
    http(s)->data_len = s->data.got;
    sim_final(s, V250_OK);
}

/* ---- AT+HTTPACTION ---------------------------------------------------------------------- */

static DECLARE_HANDLER(cmd_httpaction)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "+HTTPACTION: (0-%d)", HTTP_METHODS - 1);
        return CMD_OK;
    }
    struct http_state *h = http(s);
    if (c->form != AT_FORM_WRITE || !h->initialized || h->phase != HTTP_IDLE || !h->p.url[0] ||
        a->count != 1 || !arg_number_in(&a->v[0], 0, HTTP_METHODS - 1))
        return CMD_ERROR;
    h->method = (enum http_method)a->v[0].number;
    http_session_start(s);
    return CMD_OK;
}

/* ---- AT+HTTPHEAD, AT+HTTPREAD ------------------------------------------------------------ */

static DECLARE_HANDLER(cmd_httphead)
{
    (void)a;
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    const struct http_state *h = http(s);
    if (c->form != AT_FORM_EXEC || !h->initialized || !h->have_response)
        return CMD_ERROR;
    sim_info(s, "+HTTPHEAD: %zu", h->resp.head.len);
    sim_raw(s, h->resp.head.p, h->resp.head.len);
    return CMD_OK;
}

/* The read under way, as far as the UART takes it now: pieces of at most
 * HTTP_READ_CHUNK, each after its +HTTPREAD: DATA,<n>, then +HTTPREAD: 0
 * (findings §31). A big read waits for the UART to drain rather than
 * overflow it, as the module's own port does. */
void http_output_drained(struct sim *s)
{
    static const char end_line[] = "\r\n+HTTPREAD: 0\r\n";
    struct http_state *h = http(s);
    while (h->reading && s->out.len < HTTP_READ_OUT_MAX) {
        if (h->out_at == h->out_end) {
            sim_raw(s, end_line, strlen(end_line));
            h->reading = false;
            break;
        }
        size_t n = h->out_end - h->out_at < HTTP_READ_CHUNK ? h->out_end - h->out_at : HTTP_READ_CHUNK;
        char line[32];
        int k = snprintf(line, sizeof line, "%s+HTTPREAD: DATA,%zu\r\n", h->out_at == h->out_from ? "\r\n" : "", n);
        sim_raw(s, line, (size_t)k);
        sim_raw(s, h->resp.body + h->out_at, n);
        h->out_at += n;
    }
}

/* OK first, then the bytes. */
static void read_out(struct sim *s, size_t from, size_t len)
{
    struct http_state *h = http(s);
    size_t held = from < h->resp.body_len ? h->resp.body_len - from : 0;
    h->out_from = h->out_at = from;
    h->out_end = from + (len < held ? len : held);
    h->read_pos = h->out_end;
    h->reading = true;
    sim_final(s, V250_OK);
    http_output_drained(s);
}

static DECLARE_HANDLER(cmd_httpread)
{
    struct http_state *h = http(s);
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form == AT_FORM_READ && h->initialized) {   /* a failed action left 0 to read (§31) */
        sim_info(s, "+HTTPREAD: LEN,%zu", h->have_response ? h->resp.body_len : 0);
        return CMD_OK;
    }
    if (!h->initialized || !h->have_response)
        return CMD_ERROR;
    if (c->form != AT_FORM_WRITE || a->count < 1 || a->count > 2 ||
        !arg_number_in(&a->v[a->count - 1], 1, HTTP_BODY_MAX) ||
        (a->count == 2 && !arg_number_in(&a->v[0], 0, HTTP_BODY_MAX)))
        return CMD_ERROR;
    size_t from = a->count == 2 ? (size_t)a->v[0].number : h->read_pos;
    read_out(s, from, (size_t)a->v[a->count - 1].number);
    return CMD_DONE;
}

static const struct command commands[] = {
    {"+HTTPINIT", cmd_httpinit, 0},
    {"+HTTPTERM", cmd_httpterm, 0},
    {"+HTTPPARA", cmd_httppara, 0},
    {"+HTTPDATA", cmd_httpdata, 0},
    {"+HTTPACTION", cmd_httpaction, 0},
    {"+HTTPHEAD", cmd_httphead, 0},
    {"+HTTPREAD", cmd_httpread, 0},
};

const struct command_family http_commands = {commands, sizeof commands / sizeof commands[0]};
