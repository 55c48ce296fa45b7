/* The module's SSL sockets (issue 17; findings §29): the SSL service and its
 * two sessions (AT+CCHSTART, AT+CCHOPEN ... in cch_session.c) and their bytes
 * (AT+CCHSEND, what arrives, AT+CCHRECV in cch_data.c). A session is a
 * connection of the network of sim.h (sim_net_ops) on its own link index,
 * after the socket family's 0-9, so both families share the network, the
 * --net-map and the faults the control socket sets. TLS runs at the edge
 * (net_tls.c) with what ssl_resolve() gives for the session's context. */
#ifndef SIM_CCH_INTERNAL_H
#define SIM_CCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"
#include "tcpip_internal.h"

#define CCH_SESSIONS 2                   /* <session_id> 0-1 (SSL manual, AT+CCHOPEN=?) */
#define CCH_LINK_BASE TCPIP_LINKS        /* session N is the network's link CCH_LINK_BASE + N */
#define CCH_SEND_MAX 2048                /* AT+CCHSEND <len> 1-2048 (findings §29) */
#define CCH_READ_MAX 2048                /* one AT+CCHRECV reads at most this much */
#define CCH_RX_BUFFER 8192               /* a session's receive cache (an estimate, as §25's) */
#define CCH_HOST_MAX 256                 /* <host>: "maximum length is 256 bytes" */
#define CCH_DEFAULT_CTX 0                /* no AT+CCHSSLCFG: the 0th SSL context */

/* The <err> of the SSL family's results (SSL manual, "Command result <err>
 * codes"; findings §29): cch_err_name() gives each its name. */
enum cch_err {
    CCH_OK = 0, CCH_ALERTING = 1, CCH_UNKNOWN = 2, CCH_BUSY = 3, CCH_PEER_CLOSED = 4,
    CCH_TIMEOUT = 5, CCH_TRANSFER_FAILED = 6, CCH_MEMORY = 7, CCH_INVALID_PARAMETER = 8,
    CCH_NETWORK = 9, CCH_OPEN_SESSION = 10, CCH_STATE = 11, CCH_CREATE_SOCKET = 12,
    CCH_DNS = 13, CCH_CONNECT_SOCKET = 14, CCH_HANDSHAKE = 15, CCH_CLOSE_SOCKET = 16,
    CCH_NONET = 17, CCH_SEND_TIMEOUT = 18, CCH_NO_CERT = 19, CCH_ERR_COUNT,
};

/* AT+CCHOPEN's <client_type>. */
enum cch_client_type { CCH_CLIENT_TCP = 1, CCH_CLIENT_SSL = 2 };
/* AT+CCHSET's <recv_mode>. */
enum cch_recv_mode { CCH_RECV_AUTO = 0, CCH_RECV_MANUAL = 1 };

enum cch_service { CCH_STOPPED, CCH_STARTING, CCH_STARTED };
enum cch_session_state { CCH_CLOSED, CCH_OPENING, CCH_OPEN, CCH_CLOSING };

struct cch_session {
    enum cch_session_state state;
    int ctx;                             /* AT+CCHSSLCFG's SSL context */
    enum cch_client_type type;
    char host[CCH_HOST_MAX + 1];
    int port, bind_port;
    uint8_t rx[CCH_RX_BUFFER];           /* manual receive mode: what AT+CCHRECV has not read */
    size_t rx_len;
    uint64_t rx_lost;                    /* more than the room the network was given: its bug, shown */
    bool rx_told;                        /* +CCHEVENT: <session>,RECV EVENT said since the last read */
    bool stalled;                        /* control `stall ssl:N`: nothing moves either way */
    size_t room_told;
    uint8_t pending[CCH_SEND_MAX];       /* a send the network has not taken yet */
    size_t pending_len;
    bool send_waiting;                   /* the network has not said it took the send */
    bool send_held;                      /* stalled: not given to the network yet */
    uint64_t sent, received;
};

struct cch_state {
    enum cch_service service;
    bool report_send;                    /* AT+CCHSET <report_send_result> */
    enum cch_recv_mode recv_mode;        /* AT+CCHSET <recv_mode> */
    int mode;                            /* AT+CCHMODE: 0 normal, 1 transparent */
    struct cch_session session[CCH_SESSIONS];
};

/* What an EV_CCH event does (its client is the session, arg a result). */
enum cch_event { CEV_START_DONE, CEV_OPEN_RESULT, CEV_CLOSE_DONE };
/* CEV_CLOSE_DONE's arg: what the end of an AT+CCHCLOSE says (findings §29). */
enum cch_close_word { CCH_SAY_CCHCLOSE, CCH_SAY_CLOSED };

struct sim;
struct sim_event;
struct strbuf;
struct at_args;

/* cch_session.c */
void cch_power_on(struct sim *s);                /* the service stops, sessions drop silently */
void cch_network_lost(struct sim *s);            /* the bearer went: open sessions end */
void cch_event(struct sim *s, const struct sim_event *ev);
void cch_net_dispatch(struct sim *s, const struct sim_net_event *ev);
void cch_lost(struct sim *s, int session, enum sim_net_error why);   /* the connection ended by itself */
int cch_peer_close(struct sim *s, int session);  /* control `close ssl:N`: -1 when not open */
void cch_state_json(const struct sim *s, struct strbuf *o);
const char *cch_err_name(enum cch_err e);
bool cch_session_param(const struct at_args *a, int i, int *session);
/* cch_data.c */
void cch_data_complete(struct sim *s);           /* AT+CCHSEND's bytes are in */
void cch_sent(struct sim *s, int session, size_t len);
void cch_received(struct sim *s, int session, const uint8_t *data, size_t len);
void cch_tell_room(struct sim *s, int session);
void cch_output_drained(struct sim *s);          /* the UART sent bytes: auto-received data may flow */
void cch_set_stall(struct sim *s, int session, bool on);
void cch_session_reset(struct cch_session *c);   /* closed, nothing buffered, counters kept */

#endif
