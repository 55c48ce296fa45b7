/* The simulator's state, shared by its model files (sim.c, modem.c,
 * mqtt_model.c, control.c). Not part of any public contract. */
#ifndef SIM_INTERNAL_H
#define SIM_INTERNAL_H

#include "at_cmdline.h"
#include "broker.h"
#include "cch_internal.h"
#include "codes.h"
#include "faults.h"
#include "http_internal.h"
#include "modem_net.h"
#include "modem_sms.h"
#include "module_models.h"
#include "paced_fifo.h"
#include "ppp_internal.h"
#include "replay.h"
#include "sim.h"
#include "ssl_internal.h"
#include "tcpip_internal.h"

#define SIM_LINE_MAX 1024       /* longer command lines answer ERROR (numeric code 4, "line too long") */
#define SIM_OUTPUT_MAX (256 * 1024)
#define PDP_CID_MAX 24
#define MQTT_CLIENTS 2
#define MQTT_TOPIC_MAX 1024
#define MQTT_PAYLOAD_MAX 10240
#define MQTT_LIST_MAX 10        /* SUBTOPIC/UNSUBTOPIC list entries; the manual states no limit */
#define MQTT_CLIENT_ID_MAX 23
#define MQTT_FIELD_MAX 256      /* server address, user name, password */

/* ---- the modem ------------------------------------------------------------ */
enum power_state { POWER_BOOTING, POWER_ON, POWER_OFF };

struct pdp_context {
    bool defined;
    bool active;
    char type[8];
    char apn[100];
    int auth_type;
    char user[128];
    char pass[128];
};

struct modem {
    int echo, verbose, quiet, cmee;
    int cfun;
    uint32_t ipr;
    int creg_n, cgreg_n, cereg_n;
    bool ps_detached;           /* AT+CGATT=0; otherwise a registered module is attached (27.007 §10.1.9) */
    int cops_format;            /* set by AT+COPS=3,<format>: 0 long, 1 short alphanumeric, 2 numeric */
    int cscs;                   /* AT+CSCS: index in modem.c's character set table, 0 "IRA" */
    int ctzr, ctzu;             /* time zone reporting and automatic update (both 0 at power-on) */
    int csclk;                  /* AT+CSCLK UART sleep mode, 0 at power-on (a pty has no DTR to sleep on) */
    bool rtc_running;           /* the clock has an origin: the boot finished or AT+CCLK= set it */
    uint64_t rtc_ref_us;        /* core time (no wall clock) at which the clock read rtc_ref_s */
    int64_t rtc_ref_s;          /* local time then, in seconds since 1980-01-01 00:00:00 */
    int rtc_tz;                 /* quarter hours from GMT, as AT+CCLK writes it */
    int reported_stat;          /* the last registration state reported by URC */
    struct pdp_context pdp[PDP_CID_MAX + 1];
    struct modem_net net;       /* operator selection, radio mode, +CGEV reporting (modem_net.h) */
    struct sms_settings sms;    /* SMS set-up (modem_sms.h) */
    struct call_settings call;  /* call and phonebook set-up (modem_sms.h) */
};

/* The embedded broker's side of a TLS handshake (control `tls-fail`; findings §28). */
enum world_tls_fault { WORLD_TLS_OK, WORLD_TLS_HANDSHAKE, WORLD_TLS_UNTRUSTED, WORLD_TLS_EXPIRED, WORLD_TLS_REJECTED };

/* What the world outside the module is like; changed by the control socket. */
struct world {
    bool sim_present;
    int rssi, ber;
    int reg_stat;
    enum sim_broker_mode broker;
    int refuse_code;            /* CONNACK 1-5 for SIM_BROKER_REFUSE */
    uint32_t connack_ms;        /* SIM_BROKER_SLOW: the CONNACK comes this late */
    char user[MQTT_FIELD_MAX + 1], pass[MQTT_FIELD_MAX + 1];   /* required when user[0] */
    enum world_tls_fault tls_fault;
    struct world_net net;       /* the network's time (NITZ), set by control `nitz` (modem_net.h) */
};

/* ---- MQTT (reference §7) ------------------------------------------------- */
enum mqtt_service { MQTT_SVC_STOPPED, MQTT_SVC_STARTING, MQTT_SVC_STARTED, MQTT_SVC_STOPPING };
enum mqtt_client_state {
    MQTT_CL_FREE, MQTT_CL_ACQUIRED, MQTT_CL_CONNECTING, MQTT_CL_CONNECTED, MQTT_CL_DISCONNECTING,
};

struct topic_entry {
    char topic[MQTT_TOPIC_MAX + 1];    /* NUL-terminated for the link */
    size_t len;
    int qos;
};

struct mqtt_client {
    enum mqtt_client_state state;
    char id[MQTT_CLIENT_ID_MAX + 1];
    int server_type;
    enum sim_mqtt_version mqtt_version;   /* AT+CMQTTACCQ's 4th parameter */
    int check_utf8;
    bool busy;                   /* an asynchronous request is in flight */
    uint8_t will_topic[MQTT_TOPIC_MAX + 1];
    size_t will_topic_len;
    uint8_t will_msg[MQTT_PAYLOAD_MAX];
    size_t will_msg_len;
    int will_qos;
    uint8_t topic[MQTT_TOPIC_MAX];
    size_t topic_len;
    uint8_t payload[MQTT_PAYLOAD_MAX];
    size_t payload_len;
    struct topic_entry sub_list[MQTT_LIST_MAX];
    int sub_count;
    struct topic_entry unsub_list[MQTT_LIST_MAX];
    int unsub_count;
    char server[MQTT_FIELD_MAX + 1];
    int keepalive, clean_session;
    char user[MQTT_FIELD_MAX + 1], pass[MQTT_FIELD_MAX + 1];
    uint64_t published, received;
};

struct mqtt_model {
    enum mqtt_service service;
    struct mqtt_client client[MQTT_CLIENTS];
    bool ssl_bound[MQTT_CLIENTS];      /* AT+CMQTTSSLCFG bound the session to ssl_ctx (mqtt_tls.c) */
    int ssl_ctx[MQTT_CLIENTS];
};

/* mqtt_tls.c: does the world's `tls-fail` break a handshake of this client's
 * settings (one that verifies no server sees no untrusted certificate)? */
bool world_tls_fault_fails(enum world_tls_fault f, const struct sim_tls_config *tls);
const char *world_tls_fault_name(enum world_tls_fault f);

/* ---- the '>' data phase --------------------------------------------------- */
enum data_target {
    DATA_WILL_TOPIC, DATA_WILL_MSG, DATA_TOPIC, DATA_PAYLOAD, DATA_SUBTOPIC, DATA_UNSUBTOPIC,
    DATA_SUB, DATA_UNSUB,
    DATA_CIPSEND,        /* AT+CIPSEND (tcpip_socket.c) */
    DATA_CCHSEND,        /* AT+CCHSEND (cch_data.c) */
    DATA_CERT,           /* AT+CCERTDOWN (ssl_store.c) */
    DATA_HTTP,           /* AT+HTTPDATA (http_client.c): its bytes go to the HTTP state, not buf */
};

struct data_phase {
    enum data_target target;
    int client;                  /* DATA_CIPSEND: the link; DATA_CCHSEND: the SSL session */
    bool variable;               /* ends at Ctrl-Z (want is the most it takes), ESC cancels */
    size_t want, got;
    int qos, dup;
    uint64_t deadline_us;
    uint8_t buf[MQTT_PAYLOAD_MAX + 1];
};

/* ---- timed events ---------------------------------------------------------- */
enum event_kind {
    EV_BOOT_STEP, EV_BOOT_REGISTERED, EV_START_DONE, EV_STOP_DONE, EV_CONNECT_DONE, EV_DISC_DONE,
    EV_SUB_DONE, EV_UNSUB_DONE, EV_PUB_DONE, EV_RX,
    EV_TCPIP,                   /* the socket family: code is an enum tcpip_event */
    EV_CCH,                     /* the SSL sockets: code is an enum cch_event */
    EV_HTTP,                    /* the HTTP client: code is an enum http_event */
};

struct sim_event {
    uint64_t due_us;
    uint64_t seq;               /* keeps events due at the same time in order */
    enum event_kind kind;
    int client;
    int code;
    uint8_t *data;              /* EV_RX: topic then payload; EV_PUB_DONE: message to publish */
    size_t topic_len, payload_len;
    int qos;
    bool retain;
    int arg;                    /* EV_TCPIP: a result code */
};

/* Delays, by latency profile (reference §6.6, §11.13). */
enum sim_delay {
    DELAY_START, DELAY_STOP, DELAY_CONNECT, DELAY_CONNECT_TIMEOUT, DELAY_SUB,
    DELAY_PUB_QOS0, DELAY_PUB_ACK, DELAY_DISC, DELAY_DELIVER, DELAY_NETOPEN, DELAY_SOCKET,
    DELAY_ESCAPE_GUARD, DELAY_COUNT,
};

enum input_mode { INPUT_COMMAND, INPUT_DISCARD_LINE, INPUT_DATA, INPUT_TRANSPARENT, INPUT_PPP };

/* The boot timeline (boot.c), in order: a later stage is further into the boot. */
enum boot_stage {
    BOOT_SWITCHED_OFF,/* AT+CPOF: off until powered on again (the control socket's reboot), whoever opens the port */
    BOOT_OFF,         /* unpowered: sim7600-sim powers the module on when a host first opens the port */
    BOOT_DEAF,        /* powered, UART not up yet: what the host sends is lost, nothing is said */
    BOOT_SIM_BUSY,    /* RDY sent: AT answers; what reads the SIM answers +CME ERROR: SIM busy */
    BOOT_SIM_READY,   /* +CPIN: READY (or SIM REMOVED) sent */
    BOOT_SMS_DONE,
    BOOT_PB_DONE,
    BOOT_DONE,        /* the boot lines are out; POWER_ON once registered too (no SIM: at once) */
};
enum boot_cause { BOOT_POWER_ON, BOOT_RESET };

struct sim {
    struct sim_config cfg;
    struct modem modem;
    struct world world;
    struct mqtt_model mqtt;
    struct tcpip tcpip;                /* the module's own TCP/IP stack (tcpip_*.c) */
    struct ssl_state ssl;              /* certificate store and SSL contexts (ssl_*.c) */
    struct cch_state cch;              /* the SSL sockets (cch_*.c) */
    struct http_state http;            /* the HTTP(S) client (http_*.c) */
    struct ppp_state ppp;              /* PPP data mode and the module's PPP peer (ppp_*.c) */
    struct broker *broker;
    const struct sim_link_ops *link;   /* link_embedded_ops (ctx: this sim) or a real broker */
    void *link_ctx;
    struct paced_fifo out;             /* module → host */
    struct paced_fifo in;              /* host → module: bytes wait here until the wire delivered them */
    enum power_state power;
    enum boot_stage boot;
    bool host_attached;
    uint64_t host_opened_us;           /* when the core last heard a host open the port */
    uint64_t now_us;
    uint64_t silent_until_us;

    enum input_mode mode;
    char line[SIM_LINE_MAX + 1];
    size_t line_len;
    bool after_cr;
    char prev_line[SIM_LINE_MAX + 1];    /* for A/ */
    size_t prev_len;
    bool response_open;                  /* an information response has begun */
    struct data_phase data;

    struct fault_set faults;
    struct replay *replay;             /* NULL: the model answers */
    bool replay_strict;

    struct sim_event *events;
    size_t nevents, events_cap;
    uint64_t event_seq;

    sim_publish_observer observer;     /* called by sim_flush_published only, from the owner's loop */
    void *observer_ctx;

    struct {
        uint64_t commands, errors, bytes_in, bytes_out, boots, connlost, rx_messages, host_opens;
    } stats;
};

/* Results of a command handler. */
enum cmd_result {
    CMD_OK,        /* success: the line goes on, and OK ends it */
    CMD_ERROR,     /* plain ERROR; the rest of the line is dropped */
    CMD_DONE,      /* the handler printed the final result itself (+CME ERROR, CRESET's OK) */
    CMD_PROMPT,    /* a '>' data phase began; the final result follows the data */
    CMD_PENDING,   /* the final result comes from an event (START/STOP print theirs after the work) */
};

typedef enum cmd_result (*cmd_handler)(struct sim *s, const struct at_cmdline_cmd *c, const struct at_args *a);

struct command {
    const char *name;        /* "+CSQ", "E", "&F" */
    cmd_handler handler;
    unsigned flags;
};
#define CMD_NEEDS_SIM 1u     /* answers +CME ERROR: SIM not inserted when there is none */

/* A family's commands: each family's file keeps its handlers static and
 * exports its table; commands.c lists the families. */
struct command_family {
    const struct command *commands;
    size_t count;
};
extern const struct command_family modem_basic_commands, modem_identity_commands, modem_network_commands,
    modem_packet_commands, modem_power_commands, modem_clock_commands, modem_radio_commands, mqtt_commands,
    tcpip_net_commands, tcpip_socket_commands, tcpip_config_commands, tcpip_transparent_commands,
    tcpip_receive_commands, tcpip_server_commands, modem_sms_commands, modem_call_commands,
    cch_commands;
extern const struct command_family ppp_commands;   /* ppp_dial.c */
extern const struct command_family http_commands;  /* http_client.c */

extern const struct command_family ssl_store_commands, ssl_config_commands;   /* ssl_*.c */

const struct command *command_find(const char *name);
/* Every command, for listings and tests: 0 <= i < command_count(). */
size_t command_count(void);
const struct command *command_at(size_t i);

/* ---- responses (respond.c) ------------------------------------------------- */
void sim_info(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_info_bytes(struct sim *s, const void *data, size_t n);
void sim_urc(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_raw(struct sim *s, const void *data, size_t n);
void sim_final(struct sim *s, enum v250_result r);
enum cmd_result sim_cme(struct sim *s, enum cme_err code);
void sim_prompt(struct sim *s);

/* ---- events, power, silence (sim.c) ------------------------------------------ */
void sim_schedule(struct sim *s, enum sim_delay delay, const struct sim_event *ev);
void sim_schedule_at(struct sim *s, uint64_t due_us, const struct sim_event *ev);
uint64_t sim_delay_us(const struct sim *s, enum sim_delay d);
uint64_t sim_real_delay_us(enum sim_delay d);      /* what a real module takes, whatever the profile */
void sim_reboot(struct sim *s);
void sim_reset_command(struct sim *s);
void sim_power_off_command(struct sim *s);       /* AT+CPOF */
void sim_set_silent(struct sim *s, uint32_t ms);
/* What rules queued as their hooks fired: run it now (sim.c). */
void sim_run_rule_actions(struct sim *s);

/* ---- bytes from the host (line_input.c) ----------------------------------------- */
bool sim_hears(const struct sim *s);              /* the UART is up and the module is not hung */
void sim_process_input(struct sim *s, const uint8_t *data, size_t n);

/* ---- the boot timeline (boot.c) ---------------------------------------------- */
void boot_start(struct sim *s, enum boot_cause cause);  /* the module powers up: deaf, then RDY ... */
void boot_event(struct sim *s, const struct sim_event *ev);  /* EV_BOOT_STEP, EV_BOOT_REGISTERED */
void boot_skip(struct sim *s);                          /* up at once (a replayed log plays its own boot) */
void boot_host_opened(struct sim *s);                   /* the first open powers an OFF module on */
bool boot_hears(const struct sim *s);                   /* the UART is up: RDY was sent */
void boot_sim_off(struct sim *s);                       /* AT+CFUN=0: the SIM's part stops */
void boot_sim_restart(struct sim *s);                   /* the SIM powers up again: SIM busy ... PB DONE */
/* The command reads the SIM before +CPIN: READY: it answers +CME ERROR: SIM busy. */
bool boot_sim_busy(const struct sim *s, const struct command *cmd, const struct at_cmdline_cmd *c);

/* ---- control commands (control.c) -------------------------------------------- */
/* One control line, run now. The clock is not run first, so a rule's action
 * lands exactly where its hook fired (between a PUB's OK and its PUBACK, say),
 * not after the events already due. Only the loop in sim.c calls it: the
 * control layer calls down into the model and the faults, never the reverse. */
int control_run(struct sim *s, const char *line, struct strbuf *reply);

/* ---- the module variant (common/module_models.c) ------------------------------ */
/* What this simulator is (sim7600-sim --model): identity strings, boot line,
 * bands. Never NULL. */
static inline const struct module_model *modem_model(const struct sim *s)
{
    return s->cfg.model ? s->cfg.model : module_model_default();
}

/* ---- the modem (modem.c) ---------------------------------------------------- */
void modem_power_on(struct modem *m);
int modem_reg_stat(const struct sim *s);          /* effective: 0 when radio off or no SIM */
bool modem_registered(const struct sim *s);
int modem_rssi(const struct sim *s);
void modem_report_registration(struct sim *s);    /* URCs when the effective state changed */
/* CME_NONE when the module can reach its SIM, else the +CME error a command
 * needing it gets: no SIM, or its interface powered down by AT+CFUN=0 (modem_power.c). */
enum cme_err modem_sim_error(const struct sim *s);
void modem_clock_start(struct sim *s);            /* the clock reads its power-on value from now */
/* What the clock reads now, as UTC seconds since the Unix epoch (TLS validity checks). */
int64_t modem_clock_unix_utc(const struct sim *s);
#define MODEM_CMEE_DEFAULT 2
enum cmd_result modem_switch_command(struct sim *s, const struct at_cmdline_cmd *c, const struct at_args *a,
                                     int *value);

/* ---- MQTT (mqtt_model.c) ----------------------------------------------------- */
void mqtt_power_on(struct sim *s);
void mqtt_apply_warm_profile(struct sim *s);
void mqtt_data_complete(struct sim *s);
void mqtt_event(struct sim *s, const struct sim_event *ev);
void mqtt_connection_lost(struct sim *s, int cause);
void mqtt_network_lost(struct sim *s);
void mqtt_deliver(void *ctx, int subscriber, const struct broker_message *m);
void mqtt_received(struct sim *s, int client, const char *topic, size_t tlen, const uint8_t *payload,
                   size_t plen);
void mqtt_client_lost(struct sim *s, int client, int cause);
void mqtt_link_event(struct sim *s, const struct sim_link_event *ev);
extern const struct sim_link_ops link_embedded_ops;
void mqtt_inject(struct sim *s, const char *topic, size_t tlen, const uint8_t *payload, size_t plen,
                 int qos, bool retain);
const char *mqtt_client_state_str(enum mqtt_client_state st);
const char *mqtt_service_str(enum mqtt_service st);

/* The '>' data commands of MQTT (mqtt_data.c), in mqtt_model.c's table. */
#define DECLARE_HANDLER(fn) enum cmd_result fn(struct sim *s, const struct at_cmdline_cmd *c, const struct at_args *a)
DECLARE_HANDLER(cmd_mqtt_willtopic); DECLARE_HANDLER(cmd_mqtt_willmsg); DECLARE_HANDLER(cmd_mqtt_topic);
DECLARE_HANDLER(cmd_mqtt_payload); DECLARE_HANDLER(cmd_mqtt_subtopic); DECLARE_HANDLER(cmd_mqtt_unsubtopic);

#endif
