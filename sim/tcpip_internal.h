/* The module's own TCP/IP stack (issue 16; findings §25): the network
 * (tcpip_net.c), the sockets (tcpip_socket.c), what arrives on them
 * (tcpip_receive.c), transparent mode (tcpip_transparent.c) and the settings
 * (tcpip_config.c) share this state through sim_internal.h. The bytes go
 * through the sim_net_ops of sim.h; the faults the control socket sets are
 * applied here, before or instead of asking the network. */
#ifndef SIM_TCPIP_INTERNAL_H
#define SIM_TCPIP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "escape_guard.h"
#include "sim.h"

#define TCPIP_LINKS 10               /* <link_num> 0-9 */
#define TCPIP_SERVERS 4              /* <server_index> 0-3 (AT+SERVERSTART) */
#define TCPIP_SEND_MAX 1500          /* AT+CIPSEND <length> 1-1500 */
#define TCPIP_READ_MAX 1500          /* AT+CIPRXGET=2 reads up to 1500 bytes */
#define TCPIP_READ_HEX_MAX 750       /* AT+CIPRXGET=3: 750 bytes, 1500 hex digits */
#define TCPIP_RX_BUFFER 8192         /* a link's receive buffer (findings §25: an estimate) */
#define TCPIP_HOST_MAX 255           /* a host name, as DNS allows */
#define TCPIP_FAULT_NAMES 16         /* dns-fail names and refused HOST:PORTs each */
#define TCPIP_LOCAL_ADDRESS "10.49.14.68"   /* the PDP address, as AT+CGPADDR shows it */
#define TCPIP_DEFAULT_CID 1          /* AT+CSOCKSETPN at power-on: the default bearer */

/* <err> of +NETOPEN, +CIPOPEN, +CIPCLOSE, +CIPERROR (AT §15.2.19; reference §5.4). */
enum tcpip_err {
    TCPIP_OK = 0, TCPIP_NETWORK_FAILURE = 1, TCPIP_NETWORK_NOT_OPENED = 2, TCPIP_WRONG_PARAMETER = 3,
    TCPIP_NOT_SUPPORTED = 4, TCPIP_SOCKET_CREATE_FAILED = 5, TCPIP_BIND_FAILED = 6,
    TCPIP_SERVER_LISTENING = 7, TCPIP_BUSY = 8, TCPIP_SOCKETS_OPENED = 9, TCPIP_TIMEOUT = 10,
    TCPIP_DNS_FAILED = 11, TCPIP_UNKNOWN = 255,
};

/* +IPCLOSE <close_reason>. */
enum tcpip_close_reason { IPCLOSE_LOCAL = 0, IPCLOSE_REMOTE = 1, IPCLOSE_SEND_TIMEOUT = 2 };

#define TCPIP_DNS_ERROR 10           /* +CDNSGIP: 0,<dns_error_code>: 10, DNS general error */

enum tcpip_net_state { NET_CLOSED, NET_OPENING, NET_OPEN, NET_CLOSING };
enum tcpip_link_state { LINK_CLOSED, LINK_OPENING, LINK_OPEN };

struct tcpip_link {
    enum tcpip_link_state state;
    enum sim_net_proto proto;
    bool accepted;                   /* a server's connection (server), not an AT+CIPOPEN */
    int server;
    char host[TCPIP_HOST_MAX + 1];
    int port, local_port;
    uint8_t rx[TCPIP_RX_BUFFER];     /* AT+CIPRXGET=1: what the host has not read yet */
    size_t rx_len;
    uint64_t rx_lost;                /* more than the room the network was given: its bug, shown */
    bool rx_told;                    /* +CIPRXGET: 1,<link> said since the last read */
    bool stalled;                    /* control `stall`: nothing moves either way */
    size_t room_told;                /* the receive room the network was last given */
    uint8_t pending[TCPIP_SEND_MAX]; /* a send the network has not taken yet */
    size_t pending_len;
    bool send_waiting;               /* +CIPSEND: <link>,<req>,<cnf> not said yet */
    bool send_held;                  /* stalled: the network has not been given it yet */
    char send_host[TCPIP_HOST_MAX + 1];   /* UDP: this send's peer */
    int send_port;
    uint64_t sent, acked, received;
};

/* A TCP server of AT+SERVERSTART (tcpip_server.c). */
struct tcpip_server {
    bool listening;
    int port, backlog;
    int host_port;                   /* where the host reaches it (the network's answer) */
    uint64_t accepted, refused;      /* connections it took, and refused for want of a free link */
};

/* The settings of the stack (AT+CIPCCFG, AT+CIPTIMEOUT ...). */
#define CIPCCFG_FIELDS 7
#define CIPTIMEOUT_FIELDS 3
#define CIPTIMEOUT_CIPOPEN 1       /* the second: how long AT+CIPOPEN may take */
#define CIPDNSSET_FIELDS 3
struct tcpip_config {
    int ciprxget;                    /* 0 direct push, 1 buffered */
    int cipmode, cipsendmode, ciphead, cipsrip;
    long cipccfg[CIPCCFG_FIELDS];
    long ciptimeout[CIPTIMEOUT_FIELDS];   /* netopen, cipopen, cipsend, in ms */
    long cipdnsset[CIPDNSSET_FIELDS];     /* network open retries, its timeout in ms, DNS retries */
    int sock_cid;                    /* AT+CSOCKSETPN: the context AT+NETOPEN uses (findings §33) */
};

#define TCPIP_FAULT_KEY_MAX (TCPIP_HOST_MAX + 7)   /* "HOST:PORT" */
/* The faults that took effect: a look-up or open a fault answered, an open
 * link it stalled or closed (shown in state's sockets view). */
enum tcpip_fault_kind { TFAULT_DNS_FAIL, TFAULT_REFUSE, TFAULT_STALL, TFAULT_CLOSE, TFAULT_KINDS };

struct tcpip_faults {
    char dns_fail[TCPIP_FAULT_NAMES][TCPIP_FAULT_KEY_MAX + 1];   /* names; "" is a free slot */
    char refuse[TCPIP_FAULT_NAMES][TCPIP_FAULT_KEY_MAX + 1];     /* "HOST:PORT"s */
    uint64_t took_effect[TFAULT_KINDS];
};

/* Transparent mode (tcpip_transparent.c): one data path for whichever family
 * opened it, the socket family's link 0 (AT+CIPMODE=1) or the SSL family's
 * session 0 (AT+CCHMODE=1); one at a time, as the manuals allow. An open held
 * it from its command on (TM_OPENING), so nothing else claims it before its
 * CONNECT; the link says which family's it is (0-9 sockets, then the SSL
 * sessions'). */
enum tcpip_tm { TM_OFF, TM_OPENING, TM_DATA, TM_ESCAPED };
struct tcpip_transparent {
    enum tcpip_tm state;
    int link;                        /* the network's link it carries (or will) */
    bool stalled;                    /* the owner's link is stalled: the host's bytes wait */
    struct escape_guard esc;         /* "+++" back to command mode */
    uint8_t tx[TCPIP_SEND_MAX];      /* the host's bytes not given to the network yet */
    size_t tx_len;
    uint64_t tx_dropped;             /* lost: the link was stalled and the buffer full */
    uint8_t rx[TCPIP_RX_BUFFER];     /* escaped: the peer's bytes, given after ATO's CONNECT */
    size_t rx_len;
};

struct tcpip {
    const struct sim_net_ops *ops;   /* NULL: no network at all */
    void *ops_ctx;
    enum tcpip_net_state net;
    int net_cid;                     /* the context the network was opened on */
    struct tcpip_config cfg;
    struct tcpip_link link[TCPIP_LINKS];
    struct tcpip_server server[TCPIP_SERVERS];
    struct tcpip_faults faults;
    struct tcpip_transparent tm;
    int dns_query;                   /* the AT+CDNSGIP waiting for its answer, or 0 */
    char dns_name[TCPIP_HOST_MAX + 1];
    int next_query;
};

/* What an EV_TCPIP event does (its `arg` says which link or what result). */
enum tcpip_event {
    TEV_NETOPEN_DONE, TEV_NETCLOSE_DONE, TEV_OPEN_RESULT, TEV_CLOSE_DONE, TEV_DNS_FAILED, TEV_PING,
    TEV_SERVERSTOP_DONE,
};

struct sim;
struct sim_event;
struct data_phase;
struct strbuf;
struct at_args;

/* tcpip_net.c */
void tcpip_power_on(struct sim *s);          /* the stack forgets everything, links drop silently */
bool tcpip_net_open(const struct sim *s);
void tcpip_event(struct sim *s, const struct sim_event *ev);
void tcpip_net_dispatch(struct sim *s, const struct sim_net_event *ev);
void tcpip_schedule(struct sim *s, enum tcpip_event what, int link, int arg);
bool tcpip_link_param(const struct at_args *a, int i, int *link);   /* a <link_num>, 0-9 */
/* tcpip_socket.c */
void tcpip_close_all(struct sim *s);         /* every link, silently, the network told */
void tcpip_socket_event(struct sim *s, const struct sim_event *ev);
void tcpip_data_complete(struct sim *s);     /* a CIPSEND's data is in (Ctrl-Z or its length) */
void tcpip_data_cancelled(struct sim *s);    /* ESC */
void tcpip_opened(struct sim *s, int link, enum sim_net_error code);
void tcpip_sent(struct sim *s, int link, size_t len);
void tcpip_closed(struct sim *s, int link, enum sim_net_error code);
int tcpip_peer_close(struct sim *s, int link);       /* control `close`: -1 when the link is not open */
void tcpip_set_stall(struct sim *s, int link, bool on); /* control `stall`/`unstall` */
void tcpip_state_json(const struct sim *s, struct strbuf *o);
void tcpip_link_accepted(struct sim *s, int link, int server, const struct sim_net_event *ev);
bool tcpip_local_port_taken(const struct sim *s, int port);   /* a link or a server has it */
/* tcpip_server.c */
void tcpip_accepted(struct sim *s, const struct sim_net_event *ev);   /* SIM_NET_ACCEPTED */
void tcpip_servers_stop(struct sim *s);       /* every server, silently, the network told */
void tcpip_server_event(struct sim *s, const struct sim_event *ev);   /* TEV_SERVERSTOP_DONE */
void tcpip_servers_json(const struct sim *s, struct strbuf *o);
/* tcpip_receive.c */
void tcpip_received(struct sim *s, const struct sim_net_event *ev);
void tcpip_tell_room(struct sim *s, int link);       /* the network learns how much more the link takes */
void tcpip_output_drained(struct sim *s);    /* the UART sent bytes: pushed links may take more */
/* tcpip_transparent.c: the families call it; it calls only the network and the host's output */
bool tcpip_transparent(const struct sim *s);         /* held: an open pending, in data or command mode */
bool tcpip_transparent_on(const struct sim *s, int link);   /* ... and by this network link */
bool tcpip_transparent_data(const struct sim *s);    /* in data mode */
bool tcpip_transparent_escaped(const struct sim *s, int link);   /* this link's, in command mode after +++ */
bool tcpip_transparent_blocked(const struct sim *s); /* held, or a PPP call: no transparent open now */
void tcpip_transparent_reserve(struct sim *s, int link);   /* a transparent open began: it holds the mode */
void tcpip_transparent_connected(struct sim *s, int link, bool stalled);   /* CONNECT */
void tcpip_transparent_failed(struct sim *s, int link);    /* the open failed: CONNECT FAIL, released */
void tcpip_transparent_end(struct sim *s, int link, bool say_closed);   /* the link went */
/* the peer's bytes; returns how many it could not keep, for the owner's lost counter */
size_t tcpip_transparent_received(struct sim *s, const uint8_t *data, size_t len);
size_t tcpip_transparent_room(const struct sim *s);  /* how many more of them it takes now */
size_t tcpip_transparent_held(const struct sim *s, int link);   /* of them, waiting for ATO */
void tcpip_transparent_stall(struct sim *s, int link, bool on);
void tcpip_transparent_byte(struct sim *s, uint8_t b);
void tcpip_transparent_flush(struct sim *s);         /* after each chunk of host bytes */
void tcpip_transparent_tick(struct sim *s);          /* the escape's closing guard time */
uint64_t tcpip_transparent_deadline(const struct sim *s);
/* "off", "opening", "data", "escaped" */
const char *tcpip_transparent_state_name(const struct sim *s, int link);
/* tcpip_config.c */
void tcpip_config_defaults(struct tcpip_config *c);
void tcpip_resolved(struct sim *s, const struct sim_net_event *ev);
void tcpip_config_event(struct sim *s, const struct sim_event *ev);   /* TEV_DNS_FAILED, TEV_PING */
bool tcpip_dns_fails(const struct sim *s, const char *host);
bool tcpip_refused(const struct sim *s, const char *host, int port);

#endif
