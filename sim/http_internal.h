/* The module's HTTP(S) client (issue 19; findings §31): the commands
 * (AT+HTTPINIT ... AT+HTTPREAD, http_client.c), the request on its network
 * connection (http_session.c) and the HTTP/1.1 messages themselves
 * (http_message.c: the request built, the response parsed; no I/O). The
 * connection is one of the network's (sim_net_ops of sim.h) on its own link
 * index, so the --net-map, the TLS edge and the control socket's faults act
 * on it as on the sockets. */
#ifndef SIM_HTTP_INTERNAL_H
#define SIM_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"
#include "tcpip_internal.h"

/* The network's link for the HTTP connection: after the sockets' 0-9 and the
 * SSL sessions' 10-11 (cch_internal.h). */
#define HTTP_NET_LINK (TCPIP_LINKS + 2)
#define HTTP_LINK_WORD "http"        /* names it to the control socket: stall|unstall|close http */

#define HTTP_URL_MAX 512             /* an estimate: no manual gives one (findings §31) */
#define HTTP_FIELD_MAX 256           /* CONTENT, ACCEPT, USERDATA: "max length is 256" */
#define HTTP_HOST_MAX TCPIP_HOST_MAX
#define HTTP_CONNECTTO_MIN 20        /* <conn_timeout>, seconds: 20-120, default 120 */
#define HTTP_CONNECTTO_MAX 120
#define HTTP_RECVTO_MIN 2            /* <recv_timeout>, seconds: 2-120, default 20 */
#define HTTP_RECVTO_MAX 120
#define HTTP_RECVTO_DEFAULT 20
#define HTTP_SSL_CONTEXTS 10         /* <sslcfg_id> 0-9, default 0 */
#define HTTP_DATA_MAX 153600         /* AT+HTTPDATA <size> 1-153600 */
#define HTTP_DATA_TIME_MIN 10        /* AT+HTTPDATA <time>, seconds: 10-65535 */
#define HTTP_DATA_TIME_MAX 65535
#define HTTP_BODY_MAX (1024 * 1024)  /* READMODE's limit: "shorter than 1M" */
#define HTTP_STACK_BUFFER 10240      /* the protocol stack's buffer, "10K bytes" on a CAT4 module */
#define HTTP_HEAD_MAX 8192           /* the response's status line and headers (an estimate) */
#define HTTP_READ_CHUNK 1024         /* one +HTTPREAD: DATA,<n> carries at most this (observed) */
#define HTTP_READ_OUT_MAX (64 * 1024)   /* a read adds pieces while the UART holds less than this */
#define HTTP_DEFAULT_PORT 80
#define HTTP_BEARER_CID 1            /* the client runs on the default bearer, as the sockets do */
#define HTTP_US_PER_S 1000000u
#define HTTPS_DEFAULT_PORT 443

/* AT+HTTPACTION's <method>. */
enum http_method { HTTP_GET, HTTP_POST, HTTP_HEAD, HTTP_DELETE, HTTP_PUT, HTTP_METHODS };

/* The module's own failures, in +HTTPACTION's <statuscode> place (<errcode>). */
enum http_err {
    HTTP_ERR_ALERT = 701, HTTP_ERR_UNKNOWN = 702, HTTP_ERR_BUSY = 703, HTTP_ERR_CLOSED = 704,
    HTTP_ERR_TIMEOUT = 705, HTTP_ERR_TRANSFER = 706, HTTP_ERR_MEMORY = 707, HTTP_ERR_PARAMETER = 708,
    HTTP_ERR_NETWORK = 709, HTTP_ERR_SSL_SESSION = 710, HTTP_ERR_STATE = 711, HTTP_ERR_SOCKET = 712,
    HTTP_ERR_DNS = 713, HTTP_ERR_CONNECT = 714, HTTP_ERR_HANDSHAKE = 715, HTTP_ERR_CLOSE = 716,
    HTTP_ERR_NONET = 717, HTTP_ERR_SEND_TIMEOUT = 718, HTTP_ERR_CA_MISSED = 719,
    HTTP_ERR_NOT_HTTP_PDU = 600,     /* from the <statuscode> list: the answer is not HTTP */
};

/* ---- the messages (http_message.c) ---------------------------------------------------- */

struct http_url {
    bool tls;                              /* https:// */
    char host[HTTP_HOST_MAX + 1];
    int port;
    char path[HTTP_URL_MAX + 1];           /* from the first '/', "/" when the URL has none */
};

/* "http[s]://host[:port][/path]": false for another scheme, an empty host or a bad port. */
bool http_url_parse(const char *url, struct http_url *u);

/* What AT+HTTPPARA set that goes into a request. */
struct http_request_fields {
    const char *content_type, *accept, *user_data;
};

const char *http_method_name(enum http_method m);
/* The request line, headers and body, into out. */
void http_request_build(struct strbuf *out, enum http_method m, const struct http_url *u,
                        const struct http_request_fields *f, const uint8_t *body, size_t body_len);

/* The response, parsed as its bytes arrive. */
enum http_parse_state {
    HP_STATUS, HP_HEADERS, HP_BODY_LENGTH, HP_BODY_TO_CLOSE, HP_CHUNK_SIZE, HP_CHUNK_DATA,
    HP_CHUNK_END, HP_TRAILER, HP_DONE, HP_BAD,
};

struct http_response {
    enum http_parse_state state;
    bool no_body;                          /* the request was HEAD: no body whatever the headers say */
    int status;
    bool chunked, conn_close, has_length;
    size_t content_length;                 /* Content-Length */
    size_t left;                           /* of the body by length, or of the current chunk */
    char line[HTTP_HEAD_MAX + 1];          /* the line being read (status, header, chunk size) */
    size_t line_len;
    struct strbuf head;                    /* the status line and headers, as received (AT+HTTPHEAD) */
    uint8_t *body;                         /* HTTP_BODY_MAX, allocated on first need */
    size_t body_len;
};

void http_response_start(struct http_response *r, bool no_body);
void http_response_free(struct http_response *r);
/* Feeds received bytes; false when the response is not HTTP or outgrew the
 * module's limits (state HP_BAD, or body_len at HTTP_BODY_MAX). */
bool http_response_feed(struct http_response *r, const uint8_t *data, size_t len);
/* The peer closed: true when that ends the response (a body read to the close). */
bool http_response_eof(struct http_response *r);
bool http_response_head_done(const struct http_response *r);
/* +HTTPACTION's <datalen>: Content-Length, 0 when the length is not known
 * ahead (chunked, or to the close: findings §31). */
size_t http_response_datalen(const struct http_response *r);

/* ---- the client's state ---------------------------------------------------------------- */

/* Where a request is. */
enum http_phase {
    HTTP_IDLE,           /* no request in flight (the last response, if any, is kept) */
    HTTP_STARTING,       /* OK said; the request starts at EV_HTTP */
    HTTP_CONNECTING,     /* the network opens the connection (CONNECTTO runs) */
    HTTP_WAITING,        /* the request went or is going; the response is awaited (RECVTO) */
    HTTP_RECEIVING,      /* +HTTPACTION said; the rest of a big body is still arriving (RECVTO between bytes) */
};

struct http_params {
    char url[HTTP_URL_MAX + 1];
    int connect_to_s, recv_to_s;
    char content_type[HTTP_FIELD_MAX + 1];
    char accept[HTTP_FIELD_MAX + 1];
    int ssl_ctx;
    char user_data[HTTP_FIELD_MAX + 1];
    int read_mode;
};

struct http_state {
    bool initialized;                      /* AT+HTTPINIT ... AT+HTTPTERM */
    struct http_params p;
    uint8_t *data;                         /* AT+HTTPDATA's bytes, HTTP_DATA_MAX, allocated on need */
    size_t data_len;
    enum http_phase phase;
    enum http_method method;
    struct http_url url;                   /* the request's, parsed when it started */
    uint32_t gen;                          /* a request's timers carry it; a newer request ignores them */
    uint64_t deadline_us;                  /* CONNECTTO or RECVTO, per phase */
    bool stalled;                          /* control `stall http`: nothing moves either way */
    struct strbuf pending;                 /* the request, not given to the network yet (stalled) */
    struct http_response resp;
    bool have_response;                    /* +HTTPACTION told a status: HEAD and READ answer */
    size_t read_pos;                       /* where AT+HTTPREAD=<byte_size> reads from */
    bool reading;                          /* an AT+HTTPREAD's bytes are still going out */
    size_t out_from, out_at, out_end;      /* its range, and how far it got */
    size_t room_told;
    uint64_t requests, responses;
};

/* What an EV_HTTP event does (its `arg` is the request's generation). */
enum http_event { HEV_START, HEV_DEADLINE };

struct sim;
struct sim_event;
struct sim_net_event;

/* http_client.c (the commands) */
void http_init(struct sim *s);               /* a new simulator */
void http_power_on(struct sim *s);           /* a power cycle: the service stops, silently */
void http_free(struct sim *s);
void http_data_byte(struct sim *s, size_t at, uint8_t b);   /* AT+HTTPDATA's data phase */
void http_data_complete(struct sim *s);
void http_output_drained(struct sim *s);     /* the UART sent bytes: a big read goes on */
/* http_session.c (the connection) */
bool http_bearer_up(const struct sim *s);    /* registered, the default bearer active */
void http_session_start(struct sim *s);      /* AT+HTTPACTION said OK */
void http_session_end(struct sim *s);        /* closes the connection, quietly */
void http_event(struct sim *s, const struct sim_event *ev);
void http_net_event(struct sim *s, const struct sim_net_event *ev);
void http_network_lost(struct sim *s);       /* registration or the default bearer went */
/* Control `close http` / `stall http` / `unstall http`: -1 when no connection is open. */
int http_peer_close(struct sim *s);
void http_set_stall(struct sim *s, bool on);
void http_state_json(const struct sim *s, struct strbuf *o);

#endif
