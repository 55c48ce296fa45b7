/* libsim7600: a portable SIM7600 driver -- bring-up and MQTT over the CMQTT
 * commands -- in C99 with no malloc, no OS headers and no global state.
 *
 * Ownership and threading
 *   One task owns a `struct sim7600` and is the only caller of its functions
 *   (or the port supplies lock/unlock, taken around every public call). All
 *   functions block on the port's `read` until the module answers, bounded by
 *   per-command timeouts; none sleeps a fixed time. Callbacks (on_message,
 *   on_event, on_log) run on that task, inside a driver call, and must not
 *   call the driver: hand the data to another task instead.
 *
 * Buffers
 *   Every buffer is owned by the caller and sized in sim7600_config; strings
 *   given in the config (apn, broker, client id, passwords, subscription
 *   topics) must stay valid for the life of the instance.
 *
 * Results
 *   Every function returns an int status: SIM7600_OK (0), SIM7600_QUEUED (1),
 *   or a negative enum sim7600_status. A module's own code is kept in the
 *   status (SIM7600_E_MQTT(n), SIM7600_E_CME(n)); sim7600_strerror() names it.
 */
#ifndef SIM7600_H
#define SIM7600_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "at_engine.h"
#include "sim7600_port.h"

/* ---- statuses: one table, see status.c ------------------------------------ */
#define SIM7600_E_MQTT_BASE (-100)  /* MQTT <err> n (MQTT manual §2.3.1): -(100 + n) */
#define SIM7600_E_CME_BASE (-1000)  /* +CME ERROR: n (AT manual §17.3): -(1000 + n) */
#define SIM7600_E_MQTT(n) (SIM7600_E_MQTT_BASE - (n))
#define SIM7600_E_CME(n) (SIM7600_E_CME_BASE - (n))

enum sim7600_status {
    SIM7600_OK = 0,
    SIM7600_QUEUED = 1,             /* kept (outbox / subscription list); sent when connected */
    SIM7600_E_PARAM = -1,           /* a bad argument or configuration */
    SIM7600_E_TOO_LONG = -2,        /* does not fit a configured buffer or the module's limit */
    SIM7600_E_IO = -3,              /* the port failed */
    SIM7600_E_TIMEOUT = -4,         /* the module did not answer in time */
    SIM7600_E_NO_RESPONSE = -5,     /* the module never answered AT */
    SIM7600_E_ERROR = -6,           /* the module said ERROR, without a code */
    SIM7600_E_BUSY = -7,            /* a command is already pending */
    SIM7600_E_PROTOCOL = -8,        /* an answer the driver could not read */
    SIM7600_E_SIM_LOCKED = -9,      /* the SIM wants a PIN or PUK */
    SIM7600_E_NOT_REGISTERED = -10, /* no network registration within reg_timeout_ms */
    SIM7600_E_REG_DENIED = -11,     /* the network denied registration */
    SIM7600_E_NOT_CONNECTED = -12,  /* the MQTT session is down */
    SIM7600_E_OUTBOX_FULL = -13,    /* no room for another QoS 1/2 message */
    SIM7600_E_CONNLOST = -14,       /* +CMQTTCONNLOST during the call */
    SIM7600_E_REBOOTED = -15,       /* the module rebooted during the call */
    SIM7600_E_CMS = -16,            /* +CMS ERROR */
    SIM7600_E_STATE = -17,          /* not allowed in the current state */
    SIM7600_E_UNQUOTABLE = -18,     /* a string holds '"' or a control byte: AT has no escape for them */

    SIM7600_E_MQTT_FAILED = SIM7600_E_MQTT(1),
    SIM7600_E_MQTT_BAD_UTF8 = SIM7600_E_MQTT(2),
    SIM7600_E_MQTT_SOCK_CONNECT = SIM7600_E_MQTT(3),
    SIM7600_E_MQTT_SOCK_CREATE = SIM7600_E_MQTT(4),
    SIM7600_E_MQTT_SOCK_CLOSE = SIM7600_E_MQTT(5),
    SIM7600_E_MQTT_RECEIVE = SIM7600_E_MQTT(6),
    SIM7600_E_MQTT_NET_OPEN = SIM7600_E_MQTT(7),
    SIM7600_E_MQTT_NET_CLOSE = SIM7600_E_MQTT(8),
    SIM7600_E_MQTT_NET_NOT_OPENED = SIM7600_E_MQTT(9),
    SIM7600_E_MQTT_CLIENT_INDEX = SIM7600_E_MQTT(10),
    SIM7600_E_MQTT_NO_CONNECTION = SIM7600_E_MQTT(11),
    SIM7600_E_MQTT_INVALID_PARAM = SIM7600_E_MQTT(12),
    SIM7600_E_MQTT_NOT_SUPPORTED = SIM7600_E_MQTT(13),
    SIM7600_E_MQTT_CLIENT_BUSY = SIM7600_E_MQTT(14),
    SIM7600_E_MQTT_REQUIRE_CONN = SIM7600_E_MQTT(15),
    SIM7600_E_MQTT_SOCK_SEND = SIM7600_E_MQTT(16),
    SIM7600_E_MQTT_TIMEOUT = SIM7600_E_MQTT(17),
    SIM7600_E_MQTT_TOPIC_EMPTY = SIM7600_E_MQTT(18),
    SIM7600_E_MQTT_CLIENT_USED = SIM7600_E_MQTT(19),        /* ACCQ: already acquired */
    SIM7600_E_MQTT_CLIENT_NOT_ACQUIRED = SIM7600_E_MQTT(20),
    SIM7600_E_MQTT_CLIENT_NOT_RELEASED = SIM7600_E_MQTT(21), /* STOP: a client is still held */
    SIM7600_E_MQTT_LENGTH = SIM7600_E_MQTT(22),
    SIM7600_E_MQTT_NET_OPENED = SIM7600_E_MQTT(23),         /* START: already started */
    SIM7600_E_MQTT_PACKET = SIM7600_E_MQTT(24),
    SIM7600_E_MQTT_DNS = SIM7600_E_MQTT(25),
    SIM7600_E_MQTT_CLOSED_BY_SERVER = SIM7600_E_MQTT(26),
    SIM7600_E_MQTT_REFUSED_PROTOCOL = SIM7600_E_MQTT(27),
    SIM7600_E_MQTT_REFUSED_ID = SIM7600_E_MQTT(28),
    SIM7600_E_MQTT_REFUSED_UNAVAILABLE = SIM7600_E_MQTT(29),
    SIM7600_E_MQTT_REFUSED_CREDENTIALS = SIM7600_E_MQTT(30),
    SIM7600_E_MQTT_REFUSED_NOT_AUTHORIZED = SIM7600_E_MQTT(31),
    SIM7600_E_MQTT_HANDSHAKE = SIM7600_E_MQTT(32),
    SIM7600_E_MQTT_NO_CERT = SIM7600_E_MQTT(33),

    SIM7600_E_CME_PHONE_FAILURE = SIM7600_E_CME(0),
    SIM7600_E_CME_NOT_ALLOWED = SIM7600_E_CME(3),
    SIM7600_E_CME_NOT_SUPPORTED = SIM7600_E_CME(4),
    SIM7600_E_CME_SIM_NOT_INSERTED = SIM7600_E_CME(10),
    SIM7600_E_CME_SIM_PIN = SIM7600_E_CME(11),
    SIM7600_E_CME_SIM_PUK = SIM7600_E_CME(12),
    SIM7600_E_CME_SIM_FAILURE = SIM7600_E_CME(13),
    SIM7600_E_CME_SIM_BUSY = SIM7600_E_CME(14),
    SIM7600_E_CME_SIM_WRONG = SIM7600_E_CME(15),
    SIM7600_E_CME_INCORRECT_PASSWORD = SIM7600_E_CME(16),
    SIM7600_E_CME_NO_NETWORK = SIM7600_E_CME(30),
    SIM7600_E_CME_NETWORK_TIMEOUT = SIM7600_E_CME(31),
    SIM7600_E_CME_UNKNOWN = SIM7600_E_CME(100),
};

/* A sentence for any status ("broker refused: bad user name or password");
 * built with SIM7600_STATUS_TEXT=0 (a microcontroller's default) the name. */
const char *sim7600_strerror(int status);
/* The enum's name ("SIM7600_E_MQTT_REFUSED_CREDENTIALS"), or "SIM7600_E_MQTT(n)"-like
 * family names for codes without their own entry. */
const char *sim7600_status_name(int status);
/* The module's own number inside a status (MQTT <err> or CME code), -1 if none. */
int sim7600_status_module_code(int status);
/* True if the MQTT session should be re-established after this status
 * (timeouts, lost connection, reboot, I/O) rather than reported as final. */
bool sim7600_status_is_link_error(int status);

/* ---- states ------------------------------------------------------------------ */
enum sim7600_state {
    SIM7600_STATE_OFF,        /* not brought up yet */
    SIM7600_STATE_NET_READY,  /* AT, SIM, registration, APN done */
    SIM7600_STATE_CONNECTED,  /* MQTT session up */
    SIM7600_STATE_RECOVERING, /* session lost: reconnecting with backoff (sim7600_poll) */
    SIM7600_STATE_CLOSED,     /* sim7600_disconnect() done */
};
const char *sim7600_state_str(enum sim7600_state s);

enum sim7600_event {
    SIM7600_EV_STATE,        /* the state changed (status: the new state) */
    SIM7600_EV_CONNLOST,     /* +CMQTTCONNLOST (status: cause 1..3) */
    SIM7600_EV_REBOOT,       /* boot URCs seen: the module restarted */
    SIM7600_EV_SILENT,       /* repeated timeouts; reset hook called (status: its result) */
    SIM7600_EV_RETRY,        /* a reconnect attempt failed (status: why); next after backoff */
    SIM7600_EV_RECONNECTED,  /* the session is back (status: messages still in the outbox) */
    SIM7600_EV_DROPPED,      /* an outbox message the driver cannot send at all (status: why) */
    SIM7600_EV_RX_TRUNCATED, /* a received message was longer than the rx buffers */
    SIM7600_EV_PUB_RETRY,    /* an outbox message failed without a link error; kept (status: why) */
    SIM7600_EV_GAVE_UP,      /* an outbox message failed outbox_max_attempts times: dropped (status: the last failure) */
    SIM7600_EV_ESCALATED,    /* recovery keeps failing: the next rung (status: enum sim7600_rung) */
};
const char *sim7600_event_str(enum sim7600_event ev);

/* The supervisor's escalation ladder: after recovery_attempts failed
 * reconnects on one rung it climbs to the next, each with SIM7600_EV_ESCALATED.
 * A session that comes back starts again at RECONNECT. */
enum sim7600_rung {
    SIM7600_RUNG_RECONNECT,     /* open the MQTT session again (START, ACCQ, CONNECT) */
    SIM7600_RUNG_RESTART_MQTT,  /* first release the client and stop the service (DISC, REL, STOP) */
    SIM7600_RUNG_RESET_MODULE,  /* reset the module (port reset_module, else AT+CRESET), then bring-up */
    SIM7600_RUNG_STUCK,         /* all of the above failed: reported; the ladder starts over at backoff_max_ms */
};
const char *sim7600_rung_str(enum sim7600_rung r);

/* ---- received messages and the outbox -------------------------------------- */
struct sim7600_message {
    const uint8_t *topic;     /* valid during the callback only; NUL-terminated */
    size_t topic_len;
    const uint8_t *payload;   /* valid during the callback only */
    size_t payload_len;
    bool truncated;           /* topic or payload longer than the configured buffer */
};

/* One outbox slot header; the topic and payload bytes live in outbox_data. */
struct sim7600_outbox_slot {
    uint16_t topic_len;
    uint16_t payload_len;
    uint8_t qos;
    uint8_t retain;
    uint8_t attempts;         /* failed sends that were not link errors (the driver keeps it) */
};

/* The driver keeps the caller's topic pointer, never a copy, and frees nothing.
 * A slot it vacates (a refused subscription, an unsubscribe) is set to NULL:
 * once no slot holds a topic, the driver no longer uses it and its owner may free it. */
struct sim7600_sub {
    const char *topic;        /* caller-owned, valid while a slot holds it */
    uint8_t qos;
};

struct sim7600_health {
    enum sim7600_state state;
    int rssi;                 /* +CSQ <rssi>, 99 unknown */
    int ber;
    int creg, cgreg, cereg;   /* <stat>, -1 if the module did not say */
    size_t outbox;            /* messages waiting for the module's confirmation */
    uint32_t reconnects, resets, reboots, timeouts;
    uint32_t ms_since_rx;     /* since the module last sent anything */
};

/* ---- TLS (issue 17): certificates, the SSL context, MQTT over TLS ------------ */
/* A file for the module's certificate store (AT+CCERTDOWN), PEM or DER. The
 * bytes are the caller's and must stay valid for the life of the instance. */
struct sim7600_cert {
    const char *name;         /* store file name (5..128 bytes, ".pem"/".der"); NULL: none */
    const uint8_t *data;      /* NULL: the store already holds it: only named, never uploaded */
    size_t len;               /* 1..10240 bytes */
};

/* AT+CSSLCFG "sslversion" (SSL manual): the enum is the module's value + 1, so
 * that a zeroed config asks for the module's default, any version (4). */
enum sim7600_tls_version {
    SIM7600_TLS_ANY, SIM7600_TLS_SSL3, SIM7600_TLS_1_0, SIM7600_TLS_1_1, SIM7600_TLS_1_2,
};

/* The authmode follows from the files given: ca -> 1 (server), ca + cert +
 * key -> 2 (mutual), cert + key alone -> 3 (client only), none -> 0. */
struct sim7600_tls {
    struct sim7600_cert ca;   /* verifies the broker */
    struct sim7600_cert cert; /* the client's certificate ... */
    struct sim7600_cert key;  /* ... and its key; never logged */
    const char *key_password; /* NULL: none; never logged */
    uint8_t ssl_ctx;          /* SSL context 0..9 */
    uint8_t version;          /* enum sim7600_tls_version */
    bool sni;                 /* send the broker's host name (enableSNI 1) */
    bool check_time;          /* ignorelocaltime 0: the module's clock judges expiry */
    bool upload_if_missing;   /* AT+CCERTLIST first; upload only names the store lacks */
};

/* The AT+CSSLCFG "authmode" the files given make (see struct sim7600_tls). */
static inline unsigned sim7600_tls_authmode(const struct sim7600_tls *t)
{
    bool client = t->cert.name != NULL && t->key.name != NULL;
    if (t->ca.name != NULL)
        return client ? 2u : 1u;
    return client ? 3u : 0u;
}

/* ---- configuration ------------------------------------------------------------ */
struct sim7600_config {
    /* network; apn NULL: keep the module's PDP context */
    const char *apn;
    const char *apn_user;     /* NULL: no AT+CGAUTH */
    const char *apn_pass;
    uint8_t apn_auth;         /* 0 none, 1 PAP (default when apn_user is set), 2 CHAP, 3 either */

    /* MQTT */
    const char *broker;       /* "tcp://host:port" (9..256 bytes), for TLS too (MQTT manual §3.3) */
    /* NULL: plain TCP; else uploaded and configured at bring-up. Needs a core
     * built with TLS: the default on a hosted system; on a microcontroller
     * -DSIM7600_TLS=1 (without it sim7600_init() answers SIM7600_E_PARAM). */
    const struct sim7600_tls *tls;
    const char *client_id;    /* 1..23 bytes */
    const char *user;         /* NULL: none */
    const char *pass;         /* needs user; never logged */
    uint16_t keepalive_s;     /* 60..64800; 0 -> 60 */
    bool clean_session;
    uint8_t pub_timeout_s;    /* 60..180; 0 -> 60 */

    /* caller-owned buffers */
    char *line_buf;           /* longest module line kept; >= 64 (256 recommended) */
    size_t line_cap;
    char *cmd_buf;            /* longest command line: CONNECT with broker, user and pass */
    size_t cmd_cap;
    uint8_t *rx_topic;        /* received topic (+1 for the NUL) */
    size_t rx_topic_cap;
    uint8_t *rx_payload;      /* received payload */
    size_t rx_payload_cap;
    struct sim7600_outbox_slot *outbox; /* QoS 1/2 messages until +CMQTTPUB: 0,0 */
    size_t outbox_slots;
    uint8_t *outbox_data;     /* outbox_slots * outbox_slot_size bytes */
    size_t outbox_slot_size;  /* topic + payload bytes per message */
    struct sim7600_sub *subs; /* subscriptions renewed on every (re)connect; give it zeroed */
    size_t subs_cap;

    /* callbacks: see "Ownership and threading" above */
    void (*on_message)(void *ctx, const struct sim7600_message *m);
    void (*on_event)(void *ctx, enum sim7600_event ev, int status);
    void (*on_log)(void *ctx, const char *what, const char *text, size_t len);
    void *cb_ctx;

    /* timing; 0 takes the default in brackets */
    uint32_t cmd_timeout_ms;      /* local commands (5000) */
    uint32_t at_timeout_ms;       /* each AT probe at bring-up (1000) */
    uint8_t at_attempts;          /* AT probes before giving up (10) */
    uint32_t start_timeout_ms;    /* CMQTTSTART/STOP, MQTT manual §2.2.1 (120000) */
    uint32_t connect_timeout_ms;  /* CMQTTCONNECT (130000) */
    uint32_t reg_timeout_ms;      /* waiting for registration (60000) */
    uint32_t reg_poll_ms;         /* re-query registration if no URC came (1000) */
    uint32_t backoff_min_ms;      /* first reconnect delay (1000); doubles per failure */
    uint32_t backoff_max_ms;      /* (60000) */
    uint32_t probe_idle_ms;       /* sim7600_poll sends AT after this much silence (30000) */
    uint8_t max_timeouts;         /* consecutive timeouts before reset_module (3) */
    /* The module's answer to a PUB can be lost on the wire (noise, a reboot):
     * give up waiting for its result line after this (pub_timeout_s + 5 s). A
     * host that knows its broker answers fast may shorten it; a late result is
     * then ignored and the message sent again (a duplicate, never a loss). */
    uint32_t pub_result_timeout_ms;
    uint8_t outbox_max_attempts;  /* failed sends of one message before SIM7600_EV_GAVE_UP (8) */
    uint8_t recovery_attempts;    /* failed reconnects per rung of the escalation ladder (3) */
    uint32_t boot_timeout_ms;     /* after a reset, waiting for RDY (30000) */
};

/* The instance. Treat as opaque; it lives wherever the caller puts it. */
struct sim7600 {
    struct at_engine at;
    struct sim7600_config cfg;
    const struct sim7600_port *port;
    enum sim7600_state state;
    const char *step;            /* the last command's name, for error messages */
    bool need_bringup;
    bool want_connected;         /* connect was asked for: supervise the session */
    bool ev_rebooted, ev_connlost, ev_reg;
    uint32_t retry_at, backoff_ms;
    enum sim7600_rung rung;      /* escalation ladder: where recovery stands */
    uint8_t rung_failures;       /* failed reconnects on this rung */
    enum at_cancel cancel;       /* set by a URC: end the pending command (read by the engine) */
    /* received-message assembly */
    struct {
        bool active, truncated;
        uint8_t target;          /* 0 none, 1 topic, 2 payload */
        size_t topic_len, payload_len;
    } rx;
    /* outbox ring: slot index and sequence number of the oldest message */
    size_t ob_head, ob_count, ob_seq;
    size_t n_subs;
    struct sim7600_health health;
};

/* @retval SIM7600_OK, SIM7600_E_PARAM (a missing buffer, port function or an out-of-range value) */
int sim7600_init(struct sim7600 *dev, const struct sim7600_port *port,
                 const struct sim7600_config *cfg);

/* AT until answered, ATE0, CMEE=1, SIM, signal, registration, APN/auth.
 * @retval SIM7600_OK, SIM7600_E_NO_RESPONSE, SIM7600_E_CME_SIM_NOT_INSERTED,
 *         SIM7600_E_SIM_LOCKED, SIM7600_E_NOT_REGISTERED, SIM7600_E_REG_DENIED, ... */
int sim7600_bringup(struct sim7600 *dev);

/* Starts the MQTT service (a warm module's left-over service and client are
 * classified and cleaned up: 23 = already started, 19 = already acquired),
 * acquires client 0, connects, renews subscriptions, flushes the outbox.
 * @retval SIM7600_OK, SIM7600_E_MQTT_REFUSED_CREDENTIALS, SIM7600_E_MQTT_DNS,
 *         SIM7600_E_MQTT_SOCK_CONNECT, SIM7600_E_TIMEOUT, ... */
int sim7600_mqtt_connect(struct sim7600 *dev);

/* sim7600_bringup() then sim7600_mqtt_connect(). */
int sim7600_connect(struct sim7600 *dev);

/* Publishes. QoS 0: sent now or SIM7600_E_NOT_CONNECTED. QoS 1/2: copied to
 * the outbox first; SIM7600_OK once the module confirmed it, SIM7600_QUEUED
 * if it stays queued for the next connection, SIM7600_E_OUTBOX_FULL if there
 * was no room (nothing is dropped silently).
 * @retval SIM7600_OK, SIM7600_QUEUED, SIM7600_E_OUTBOX_FULL, SIM7600_E_TOO_LONG, ... */
int sim7600_publish(struct sim7600 *dev, const char *topic, const void *payload, size_t len,
                    uint8_t qos, bool retain);

/* Subscribes with AT+CMQTTSUB=0,<len>,<qos> then the topic after '>'. The
 * topic is remembered (config subs) and renewed after every reconnect. A
 * refusal (any failure but a lost link) leaves it out of subs, a re-subscribed
 * topic included; sim7600_unsubscribe takes it out too (see struct sim7600_sub).
 * @retval SIM7600_OK, SIM7600_QUEUED (not connected: done on connect), SIM7600_E_TOO_LONG, ... */
int sim7600_subscribe(struct sim7600 *dev, const char *topic, uint8_t qos);
int sim7600_unsubscribe(struct sim7600 *dev, const char *topic);

/* Runs the owning task's loop once: waits up to timeout_ms for the module,
 * dispatches URCs (messages arrive through on_message), and supervises:
 * connection loss, reboot and silence lead to reconnection with exponential
 * backoff; the outbox is flushed once connected.
 * @retval SIM7600_OK, or the status of a failed recovery attempt (it will be retried) */
int sim7600_poll(struct sim7600 *dev, uint32_t timeout_ms);

/* Queries signal and registration (AT+CSQ, +CREG?, +CGREG?, +CEREG?) and
 * fills *h. Also a liveness check. */
int sim7600_health(struct sim7600 *dev, struct sim7600_health *h);

/* DISC, REL, STOP (a STOP answered 21 releases the client and retries). */
int sim7600_disconnect(struct sim7600 *dev);

enum sim7600_state sim7600_get_state(const struct sim7600 *dev);
size_t sim7600_outbox_count(const struct sim7600 *dev);
/* The name of the command the last failure came from ("AT+CMQTTCONNECT"). */
const char *sim7600_last_step(const struct sim7600 *dev);

#endif
