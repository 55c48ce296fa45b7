/* sim7600-sim's core: a SIM7600 module as a pure state machine.
 *
 * Bytes from the host go in with sim_input(); the module's answers come out of
 * sim_take_output(), paced at the emulated baud rate; sim_tick() runs what is
 * due (asynchronous results, boot, URCs). Time is always passed in, in
 * microseconds of a monotonic clock, so tests drive it without a pty or a clock.
 * Not thread-safe: one owner calls everything. */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker.h"
#include "strbuf.h"

struct module_model;   /* common/module_models.h */

enum sim_profile { SIM_PROFILE_COLD, SIM_PROFILE_WARM };
enum sim_latency { SIM_LATENCY_FAST, SIM_LATENCY_REALISTIC };

/* How the embedded broker answers a CONNECT (the world beyond the module). */
enum sim_broker_mode {
    SIM_BROKER_ACCEPT,       /* CONNACK 0, or 4 when credentials are required and wrong */
    SIM_BROKER_REFUSE,       /* CONNACK with broker_refuse_code (1-5) */
    SIM_BROKER_UNREACHABLE,  /* the TCP connect fails */
    SIM_BROKER_DNS_FAIL,     /* the host name does not resolve */
    SIM_BROKER_NO_CONNACK,   /* TCP connects, the broker never answers */
    SIM_BROKER_SLOW,         /* as ACCEPT, but the CONNACK comes world.connack_ms late */
};

struct sim_config {
    enum sim_profile profile;
    enum sim_latency latency;
    uint32_t baud;              /* output pacing; 0 = unpaced */
    uint32_t data_timeout_ms;   /* a '>' data phase with no byte for this long ends with ERROR */
    bool sim_present;
    int rssi;                   /* 0-31, 99 */
    int reg_stat;               /* 0-5, the same for CS, PS and EPS */
    uint32_t rx_chunk;          /* bytes per +CMQTTRXTOPIC/+CMQTTRXPAYLOAD chunk */
    bool power_on_at_open;      /* cold: the module powers on when a host first opens the port
                                   (sim_set_host_attached; sim7600-sim); false: at sim_create */
    const struct module_model *model;   /* the variant (--model); NULL: module_model_default() */
};

void sim_config_defaults(struct sim_config *cfg);

struct sim;

struct sim *sim_create(const struct sim_config *cfg, uint64_t now_us);
void sim_destroy(struct sim *s);

/* How many more host bytes the wire takes now. The caller reads no more than
 * this from the host, so a host writing faster than the baud rate is held
 * back by the pty (its writes block), as by a UART, and nothing is lost. */
size_t sim_input_room(const struct sim *s);
void sim_input(struct sim *s, const uint8_t *data, size_t n, uint64_t now_us);
void sim_tick(struct sim *s, uint64_t now_us);
size_t sim_take_output(struct sim *s, uint8_t *dst, size_t cap, uint64_t now_us);
void sim_unread_output(struct sim *s, size_t n);
/* The next time sim_tick or sim_take_output has work (a paced wire's burst in
 * slices of a millisecond, its last byte when it is due); UINT64_MAX if none. */
uint64_t sim_next_deadline(const struct sim *s);

/* The host opened (true) or closed (false) the port. Closed: output is lost,
 * as on a UART nobody listens to, and a half-typed command or data phase ends.
 * The module's state stays: a powered module outlives the host's reset. */
void sim_set_host_attached(struct sim *s, bool attached, uint64_t now_us);
bool sim_host_attached(const struct sim *s);

/* The control protocol (README "Control socket"): one command line in, one
 * reply line out (no newline), starting "OK" or "ERR ". Returns 0 or -1.
 * The clock runs to now first. */
int sim_control(struct sim *s, const char *line, struct strbuf *reply, uint64_t now_us);

/* Every message published at the embedded broker, for `watch` on the control
 * socket. A publish happens inside a command or an event, so the core only
 * queues it; the owner's loop calls sim_flush_published once a call into the
 * core has returned, and that hands the queued messages to `fn`, oldest
 * first, each valid during its call. Nothing is queued while fn is NULL. */
typedef void (*sim_publish_observer)(void *ctx, const char *topic, size_t topic_len,
                                     const uint8_t *payload, size_t payload_len, int qos, bool retain);
void sim_set_publish_observer(struct sim *s, sim_publish_observer fn, void *ctx);
void sim_flush_published(struct sim *s);

void sim_state_json(const struct sim *s, struct strbuf *out);

/* Answers from a captured log (replay.h) instead of the model, which takes
 * over when the log is used up, or when the host departs from it unless
 * strict (then the module goes quiet). Takes ownership of r; the log plays
 * its own boot, so the model's boot banner is cancelled. */
struct replay;
void sim_set_replay(struct sim *s, struct replay *r, bool strict, uint64_t now_us);
/* The divergence report, "" while the host follows the log (or no log). */
const char *sim_replay_divergence(const struct sim *s);

/* ---- TLS: what an SSL context gives a connection (issue 17) -----------------
 * The module keeps certificates in its store and settings in its SSL contexts
 * (ssl_store.c, ssl_config.c); when a connection that uses a context opens
 * (MQTT over TLS, an SSL socket), the core resolves the context into this and
 * hands it to the edge that makes the connection (link_mosquitto.c, net_posix.c),
 * which runs the real TLS. Everything it points to is valid only during the call
 * that carries it: the edge copies what it keeps. Keys and passwords never go
 * into a log, a transcript or an error message. */
enum sim_tls_version { SIM_TLS_SSL3, SIM_TLS_1_0, SIM_TLS_1_1, SIM_TLS_1_2, SIM_TLS_ANY };
enum sim_tls_auth {
    SIM_TLS_AUTH_NONE,       /* authmode 0: no verification */
    SIM_TLS_AUTH_SERVER,     /* 1: the server's certificate, against cacert */
    SIM_TLS_AUTH_MUTUAL,     /* 2: both */
    SIM_TLS_AUTH_CLIENT,     /* 3: the client's certificate only */
};

struct sim_tls_blob {        /* a file of the store: PEM or DER as uploaded; len 0: none */
    const uint8_t *data;
    size_t len;
};

struct sim_tls_config {
    enum sim_tls_version version;
    enum sim_tls_auth auth;
    struct sim_tls_blob ca, cert, key;
    const char *key_password;    /* NULL: none */
    const char *sni;             /* NULL: SNI off; else the name to send */
    bool check_time;             /* ignorelocaltime 0: validity is checked at module_time */
    int64_t module_time;         /* the module's clock, seconds since the Unix epoch, UTC */
    uint32_t negotiate_ms;       /* negotiatetime: the handshake's bound */
    int cipher_suite;            /* ciphersuites: an IANA number, or -1 for any */
};

/* ---- the link to a broker --------------------------------------------------
 * The MQTT model asks its link to act (connect, publish ...) and hears back
 * later. The embedded broker is the default link; sim_set_link() puts a real
 * broker in its place (sim7600-sim --broker tcp: link_mosquitto.c). An
 * external link answers through sim_link_event(), on the simulator's thread. */
/* MQTT protocol levels, as AT+CMQTTACCQ's <mqtt_version> names them. */
enum sim_mqtt_version { SIM_MQTT_V31 = 3, SIM_MQTT_V311 = 4 };

struct sim_link_connect {
    int client;
    const char *client_id;
    const char *host;
    int port;
    int keepalive;
    enum sim_mqtt_version mqtt_version;
    bool clean_session;
    const char *user, *pass;          /* NULL when not given */
    const char *will_topic;           /* NULL when no will */
    const uint8_t *will_msg;
    size_t will_msg_len;
    int will_qos;
    const struct sim_tls_config *tls; /* NULL: plain TCP (server type 0) */
};

struct sim_link_ops {
    void (*connect)(void *ctx, const struct sim_link_connect *p);
    void (*disconnect)(void *ctx, int client);              /* DISCONNECT, then close */
    void (*drop)(void *ctx, int client);                    /* close without DISCONNECT: the will goes out */
    void (*subscribe)(void *ctx, int client, int count, char *const *filters, const int *qos);
    void (*unsubscribe)(void *ctx, int client, int count, char *const *filters);
    void (*publish)(void *ctx, int client, const char *topic, size_t topic_len, const uint8_t *payload,
                    size_t len, int qos, bool retain, uint32_t timeout_s);
};

enum sim_link_kind {
    SIM_LINK_CONNECTED,      /* code: the CONNECT result (0, 3, 17, 25, 27-31) */
    SIM_LINK_DISCONNECTED,   /* the DISCONNECT asked for is done */
    SIM_LINK_LOST,           /* code: the +CMQTTCONNLOST cause */
    SIM_LINK_SUBSCRIBED,     /* code: the +CMQTTSUB result */
    SIM_LINK_UNSUBSCRIBED,
    SIM_LINK_PUBLISHED,      /* code: the +CMQTTPUB result */
    SIM_LINK_MESSAGE,        /* a message the broker delivered */
};

struct sim_link_event {
    enum sim_link_kind kind;
    int client;
    int code;
    struct broker_message msg;  /* SIM_LINK_MESSAGE */
};

void sim_set_link(struct sim *s, const struct sim_link_ops *ops, void *ctx);
void sim_link_event(struct sim *s, const struct sim_link_event *ev, uint64_t now_us);

/* ---- the network behind the module's own TCP/IP stack ----------------------
 * The socket family (AT+NETOPEN, AT+CIPOPEN, AT+CIPSEND ...) keeps the module's
 * state and asks its network to act; the network answers later through
 * sim_net_event(), on the simulator's thread, as the MQTT link does. The real
 * one (net_posix.c, in sim7600-sim) opens host sockets off the main loop; tests
 * put a scripted one in its place. Faults the control socket sets (a name that
 * does not resolve, a refused port, a stalled or closed link, the network
 * dropping) are applied by the core, before or instead of asking the network.
 * `link` is the module's socket index, 0-9, or 10 + an SSL session (0-1,
 * cch_internal.h). Once the core called close(link), the network reports
 * nothing more about that connection (no SIM_NET_CLOSED): the core may open
 * the same link again at once. */
enum sim_net_proto { SIM_NET_TCP, SIM_NET_UDP };

struct sim_net_open {
    int link;
    enum sim_net_proto proto;
    const char *host;              /* a name or an address, as the firmware wrote it */
    int port;                      /* TCP: the peer; UDP: 0 when each send names its peer */
    int local_port;                /* 0: any */
    uint32_t timeout_ms;           /* TCP: the connect's bound (AT+CIPTIMEOUT's <cipopen>); 0: the network's own */
    const struct sim_tls_config *tls;   /* NULL: plain; else TLS over the TCP connection (SSL sockets) */
};

struct sim_net_listen {
    int server;                    /* <server_index> 0-3 */
    int port;                      /* the module's listening port; 0: any */
    int backlog;                   /* connections the listening queue holds, 1-3 */
};

struct sim_net_ops {
    void (*open)(void *ctx, const struct sim_net_open *p);
    /* host NULL: to the connected peer; UDP: to host:port */
    void (*send)(void *ctx, int link, const uint8_t *data, size_t len, const char *host, int port);
    void (*close)(void *ctx, int link);
    /* The module can take `room` more received bytes on the link (its buffer);
     * the network reads no more than that, so TCP's window holds the peer back. */
    void (*receive_room)(void *ctx, int link, size_t room);
    void (*resolve)(void *ctx, int query, const char *host);   /* AT+CDNSGIP */
    /* TCP server (AT+SERVERSTART): listen for the module's server `server`
     * (0-3) on its `port`. Answers at once: SIM_NET_OK and the host's port
     * that reaches it (*host_port), or why not (SIM_NET_IN_USE). Each
     * connection it takes is told as SIM_NET_ACCEPTED, to which the core
     * answers with accept() before the call returns. */
    enum sim_net_error (*listen)(void *ctx, const struct sim_net_listen *p, int *host_port);
    void (*unlisten)(void *ctx, int server);   /* what it had not handed over is refused */
    /* The connection SIM_NET_ACCEPTED told goes on `link` (then an open TCP
     * link like any other), or is refused (link -1: closed at once). */
    void (*accept)(void *ctx, int server, int link);
};

enum sim_net_kind {
    SIM_NET_OPENED,      /* code: 0, or why not (enum sim_net_error) */
    SIM_NET_SENT,        /* len: bytes the network took (TCP: written to the socket) */
    SIM_NET_RECEIVED,    /* data/len, from host:port (UDP; TCP: the peer) */
    SIM_NET_CLOSED,      /* code: why (the peer closed, reset, timeout) */
    SIM_NET_RESOLVED,    /* query: the resolve's; code 0 and host: the address, or why not */
    SIM_NET_ACCEPTED,    /* server: a listening server took a connection from host:port */
};

enum sim_net_error {
    SIM_NET_OK, SIM_NET_REFUSED, SIM_NET_UNREACHABLE, SIM_NET_DNS_FAILED, SIM_NET_TIMEOUT,
    SIM_NET_RESET, SIM_NET_PEER_CLOSED,
    SIM_NET_IN_USE,      /* the local port is taken (a bind failed) */
    /* an open with tls set: the TCP connection was made, the TLS handshake was not */
    SIM_NET_TLS_HANDSHAKE,   /* no common version or cipher, the peer closed or rejected us mid-handshake */
    SIM_NET_TLS_CERT,        /* the server's certificate did not verify (untrusted, expired, other name) */
    SIM_NET_TLS_NO_CERT,     /* what the authmode needs is missing or does not load */
};

struct sim_net_event {
    enum sim_net_kind kind;
    int link;                      /* or the query of SIM_NET_RESOLVED, the server of SIM_NET_ACCEPTED */
    enum sim_net_error code;
    const uint8_t *data;           /* SIM_NET_RECEIVED: valid during the call */
    size_t len;
    const char *host;              /* the peer's address; SIM_NET_RESOLVED: the address found */
    int port;
};

/* NULL ops: no network at all (every open fails as unreachable). */
void sim_set_net(struct sim *s, const struct sim_net_ops *ops, void *ctx);
void sim_net_event(struct sim *s, const struct sim_net_event *ev, uint64_t now_us);

#endif
