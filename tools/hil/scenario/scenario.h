/* Scenario files (*.scn): parsed into a plain struct for the runner.
 *
 * The format is documented in scenarios/README.md. A file holds one scenario:
 * a header (name, targets, time limit), the simulated world at start, events
 * (trigger + fault), an ordered list of steps (wire steps, driver steps and the
 * expectations that wait), and final checks evaluated when the steps are done.
 *
 * Errors: the parser reports every error of a file (not only the first), each
 * as "file:line: message", into a caller-owned struct scn_diags. A file with any
 * error yields no scenario, so nothing of it can run.
 *
 * Ownership: scn_parse_*() allocate the scenario; scn_free() releases it, with
 * its compiled regexes. Strings are heap copies, NUL-terminated, with an explicit
 * length where they may hold NUL bytes (struct scn_bytes). Not thread-safe per
 * object; separate objects can be used from separate threads.
 */
#ifndef SCENARIO_H
#define SCENARIO_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- results -------------------------------------------------------------- */

enum scn_status {
    SCN_OK = 0,
    SCN_ERR_INVALID = -1, /* the file has errors; they are in the diags */
    SCN_ERR_IO = -2,      /* the file could not be read (also reported in the diags) */
};
const char *scn_status_str(enum scn_status st);

/* ---- diagnostics ---------------------------------------------------------- */

struct scn_diag {
    char *file;
    int line;    /* 1-based; 0 when the error concerns the whole file (cannot open) */
    char *msg;   /* what is wrong and what was expected; no trailing newline */
};

struct scn_diags {
    struct scn_diag *v;
    size_t n, cap;
};

/* Prints each diag as "file:line: message\n" (or "file: message\n" for line 0). */
void scn_diags_print(const struct scn_diags *d, FILE *out);
void scn_diags_free(struct scn_diags *d);

/* ---- values --------------------------------------------------------------- */

struct scn_bytes {
    char *ptr;   /* NUL-terminated; NULL when absent */
    size_t len;
};

enum scn_pattern_kind {
    SCN_PAT_NONE,   /* absent: matches anything */
    SCN_PAT_EXACT,  /* "text": the whole line, byte for byte */
    SCN_PAT_REGEX,  /* /re/: POSIX extended regex, searched in the line (anchor with ^ $) */
    SCN_PAT_SIZE,   /* size=N: a generated payload of N bytes (scn_fill_payload) */
};
const char *scn_pattern_kind_str(enum scn_pattern_kind k);

struct scn_pattern {
    enum scn_pattern_kind kind;
    struct scn_bytes text;  /* EXACT: the bytes; REGEX: the source, for logs */
    size_t size;            /* SIZE */
    regex_t re;             /* REGEX: compiled at parse time (REG_EXTENDED | REG_NOSUB) */
};

/* True if data[0..len) (one line without CR LF, or a payload) matches. */
bool scn_pattern_match(const struct scn_pattern *p, const char *data, size_t len);

/* The payload "size=N" stands for: bytes '0'..'9' repeating ("0123456789012..."). */
void scn_fill_payload(char *dst, size_t n);

/* ---- header and world ----------------------------------------------------- */

enum scn_target {
    SCN_TARGET_SIM = 1u << 0,
    SCN_TARGET_HARDWARE = 1u << 1,
    SCN_TARGET_BOTH = SCN_TARGET_SIM | SCN_TARGET_HARDWARE,
};
const char *scn_target_str(unsigned targets); /* "sim", "hardware", "both" */

struct module_model;   /* common/module_models.h */

enum scn_profile { SCN_PROFILE_COLD, SCN_PROFILE_WARM };
const char *scn_profile_str(enum scn_profile p);

enum scn_broker {
    SCN_BROKER_ACCEPT,
    SCN_BROKER_REFUSE,      /* CONNACK with world.broker_refuse_code (1-5) */
    SCN_BROKER_UNREACHABLE, /* the TCP connect fails */
    SCN_BROKER_DNS_FAIL,    /* the host name does not resolve */
    SCN_BROKER_NO_CONNACK,  /* TCP connects, the broker never answers */
    SCN_BROKER_SLOW,        /* the broker accepts, its CONNACK world.broker_refuse_code ms late */
};
const char *scn_broker_str(enum scn_broker b);

enum scn_latency { SCN_LATENCY_FAST, SCN_LATENCY_REALISTIC };
const char *scn_latency_str(enum scn_latency l);

#define SCN_MAX_NET_MAPS 8

/* The simulated module's start state and the world around it (simulator only).
 * Each *_line is the line that set the value, 0 when the default applies. */
struct scn_world {
    enum scn_profile profile;   int profile_line;      /* default cold */
    bool sim_present;           int sim_line;          /* default true */
    int rssi;                   int signal_line;       /* 0-31 or 99; default 23 */
    int reg_stat;               int registration_line; /* 0-5; default 1 */
    enum scn_broker broker;     int broker_line;       /* default accept */
    int broker_refuse_code;                            /* 1-5 with SCN_BROKER_REFUSE; the
                                                          CONNACK's delay in ms with SCN_BROKER_SLOW */
    struct scn_bytes broker_user;                      /* accept user=.. password=..: */
    struct scn_bytes broker_password;                  /*   required credentials, or NULL */
    enum scn_latency latency;   int latency_line;      /* default fast */
    uint32_t baud;              int baud_line;         /* default 115200; 0 = unpaced */
    struct scn_bytes replay;    int replay_line;       /* a captured log the simulator answers from;
                                                          resolved against the scenario's folder */
    bool replay_strict;                                /* after a departure, answer nothing */
    unsigned replay_speed;                             /* the log's timing N times as fast (1) */
    const struct module_model *model; int model_line;  /* the module variant (module_models.h);
                                                          NULL: the simulator's default */
    struct scn_bytes net_map[SCN_MAX_NET_MAPS];        /* "FROM=TO" (--net-map), in order, with their */
    int net_map_line[SCN_MAX_NET_MAPS];                /*   {server} placeholders unexpanded */
    size_t n_net_map;
};

/* ---- events (simulator only) ---------------------------------------------- */

enum scn_trigger_kind {
    SCN_TRIG_AT,              /* at_ms after the scenario starts */
    SCN_TRIG_ON_SEND,         /* the nth command line starting with prefix */
    SCN_TRIG_AFTER_PUBLISHES, /* the broker has received publishes messages */
};
const char *scn_trigger_kind_str(enum scn_trigger_kind k);

struct scn_trigger {
    enum scn_trigger_kind kind;
    uint32_t at_ms;            /* AT */
    struct scn_bytes prefix;   /* ON_SEND: compared with the start of the command line */
    unsigned nth;              /* ON_SEND: 1 = the first such command */
    unsigned publishes;        /* AFTER_PUBLISHES */
};

enum scn_action_kind {
    SCN_ACT_CONNECTION_LOST, /* +CMQTTCONNLOST: client,cause */
    SCN_ACT_REBOOT,          /* the module restarts; its state is lost */
    SCN_ACT_SILENT,          /* the module reads and prints nothing for ms */
    SCN_ACT_REPLACE,         /* the triggering command's answer becomes lines[] */
    SCN_ACT_DELAY,           /* the triggering command's answer comes ms later */
    SCN_ACT_GARBLE,          /* the next count bytes the module prints are corrupted */
    SCN_ACT_INJECT,          /* the module prints data (exact bytes) */
    SCN_ACT_DELIVER,         /* a message on topic arrives from the broker */
    /* the world changes (same words as the start state) */
    SCN_ACT_SIGNAL,          /* value = rssi */
    SCN_ACT_REGISTRATION,    /* value = stat */
    SCN_ACT_SIM,             /* value = 1 present, 0 absent */
    SCN_ACT_BROKER,          /* broker, value = refuse code */
    SCN_ACT_SOCKET_CLOSE,    /* the peer closes socket link `value` (0-9) */
    SCN_ACT_DNS_FAIL,        /* the host name `data` no longer resolves */
    /* the scenario's programs (the runner's, on both targets): program names one, NULL = the main */
    SCN_ACT_RESTART_PROGRAM, /* stopped (TERM, then KILL) and started again: a reset of the board */
    SCN_ACT_KILL_PROGRAM,    /* SIGKILL to its process group: it stays dead */
    SCN_ACT_PAUSE_PROGRAM,   /* SIGSTOP for ms, then SIGCONT: the firmware hangs */
};
/* The actions the runner carries out on a program, not the simulator. */
bool scn_action_is_program(enum scn_action_kind k);
const char *scn_action_kind_str(enum scn_action_kind k);

#define SCN_MAX_REPLACE_LINES 16

struct scn_event {
    int line;
    struct scn_trigger trig;
    enum scn_action_kind kind;
    int client;                 /* CONNECTION_LOST, DELIVER: 0 or 1 */
    int cause;                  /* CONNECTION_LOST: 1-3 */
    uint32_t ms;                /* SILENT, DELAY */
    unsigned count;             /* GARBLE: bytes */
    unsigned seed;              /* GARBLE */
    struct scn_bytes lines[SCN_MAX_REPLACE_LINES]; /* REPLACE */
    size_t n_lines;
    struct scn_bytes data;      /* INJECT; DNS_FAIL: the name */
    struct scn_bytes topic;     /* DELIVER */
    struct scn_bytes payload;   /* DELIVER: NULL ptr with payload_size when size=N */
    size_t payload_size;
    int qos;                    /* DELIVER */
    int value;                  /* SIGNAL, REGISTRATION, SIM, BROKER (refuse code), SOCKET_CLOSE (link) */
    enum scn_broker broker;     /* BROKER */
    char *program;              /* *_PROGRAM: the program's name; NULL = the main program */
};

/* ---- steps: run in order -------------------------------------------------- */

/* What a driver step is expected to end with. The runner maps these onto the
 * driver's status codes; scenarios/README.md has the table. */
enum scn_result {
    SCN_RES_OK,
    SCN_RES_ANY,            /* don't care */
    SCN_RES_ERROR,          /* any failure */
    SCN_RES_BAD_CREDENTIALS,
    SCN_RES_REFUSED,
    SCN_RES_DNS,
    SCN_RES_SOCKET,
    SCN_RES_TIMEOUT,
    SCN_RES_NO_SIM,
    SCN_RES_NOT_REGISTERED,
    SCN_RES_NO_SIGNAL,
    SCN_RES_NOT_CONNECTED,
    SCN_RES_REJECTED,
    SCN_RES_IO,
    SCN_RES_INVALID,        /* the driver refused the arguments before sending */
    SCN_RES_TLS_HANDSHAKE,  /* the TLS handshake failed: +CMQTTCONNECT: 0,32 */
    SCN_RES_TLS_NO_CERT,    /* a certificate the context needs is not set: 0,33 */
    SCN_RES_COUNT_
};
struct strbuf;
/* The scenario's name as a file name (its transcript is NAME.cap): '/',
 * spaces and control characters become '_'. Appended to `out`. */
void scn_name_as_file(const char *name, struct strbuf *out);
const char *scn_result_str(enum scn_result r);
/* Looks a result up by its name in the scenario format; -1 if unknown. */
int scn_result_from_str(const char *name);

enum scn_step_kind {
    /* wire steps: no driver */
    SCN_STEP_SEND,             /* text + "\r" */
    SCN_STEP_SEND_RAW,         /* text as is */
    SCN_STEP_EXPECT,           /* a module line matching pat within within_ms */
    SCN_STEP_EXPECT_PROMPT,    /* the '>' data prompt within within_ms */
    /* driver steps */
    SCN_STEP_BRING_UP,
    SCN_STEP_CONNECT,
    SCN_STEP_SUBSCRIBE,
    SCN_STEP_PUBLISH,
    SCN_STEP_PUBLISH_SEQ,
    SCN_STEP_DISCONNECT,
    SCN_STEP_EXPECT_CONNECTED, /* the driver reports connected within within_ms */
    /* either */
    SCN_STEP_WAIT,             /* let within_ms pass */
    /* program steps: on the scenario's programs */
    SCN_STEP_EXPECT_EXIT,      /* the program ends with exit_code within within_ms */
    SCN_STEP_EXPECT_OUTPUT,    /* the program has printed count lines matching pat, within within_ms */
    /* test-server steps (simulator only) */
    SCN_STEP_EXPECT_SERVER_RECEIVED, /* test server `server_idx` has received pat, within within_ms */
    SCN_STEP_EXPECT_HTTP_REQUEST,    /* the HTTP test server has read method text, path topic, body pat */
    /* a wire step, after the others so the ranges above hold */
    SCN_STEP_SEND_FILE,        /* write the bytes of file text (a test-set name, or a path); topic as written */
    /* a client of the module's own TCP server (simulator only; scn_clients.c, run_clients.c) */
    SCN_STEP_CLIENT_CONNECT,   /* client `client_idx` connects to the module's server on port, within within_ms */
    SCN_STEP_CLIENT_SEND,      /* client `client_idx` writes text */
    SCN_STEP_EXPECT_CLIENT_RECEIVED, /* client `client_idx` has received pat, within within_ms */
    SCN_STEP_CLIENT_CLOSE,     /* client `client_idx` closes its connection */
};
const char *scn_step_kind_str(enum scn_step_kind k);
bool scn_step_is_driver(enum scn_step_kind k);

struct scn_step {
    int line;
    enum scn_step_kind kind;
    uint32_t within_ms;        /* time bound of the step; 0 = the runner's default */
    enum scn_result result;    /* driver steps: expected outcome (default ok) */
    struct scn_bytes text;     /* SEND, SEND_RAW; EXPECT_HTTP_REQUEST: the method */
    struct scn_pattern pat;    /* EXPECT */
    struct scn_bytes topic;    /* SUBSCRIBE, PUBLISH, PUBLISH_SEQ; EXPECT_HTTP_REQUEST: the path */
    struct scn_bytes payload;  /* PUBLISH: NULL ptr with payload_size when size=N */
    size_t payload_size;
    int qos;                   /* SUBSCRIBE, PUBLISH, PUBLISH_SEQ; -1 = driver default */
    int retain;                /* PUBLISH; -1 = default */
    unsigned count;            /* PUBLISH_SEQ: messages "1".."count" */
    uint32_t interval_ms;      /* PUBLISH_SEQ */
    struct scn_bytes apn;      /* BRING_UP; NULL = driver default */
    struct scn_bytes server;   /* CONNECT; NULL = the target's broker */
    struct scn_bytes client_id, user, password; /* CONNECT; NULL = default / none */
    int keepalive;             /* CONNECT; -1 = default */
    int clean;                 /* CONNECT; -1 = default */
    int tls;                   /* CONNECT: 1 over the scenario's tls, 0 plain; -1 = default (tls if it has one) */
    int exit_code;             /* EXPECT_EXIT: 0-255 */
    char *program;             /* EXPECT_EXIT, EXPECT_OUTPUT: its name; NULL = the main program */
    size_t server_idx;         /* EXPECT_SERVER_RECEIVED: index in scenario.servers */
    size_t client_idx;         /* CLIENT_*, EXPECT_CLIENT_RECEIVED: index in scenario.clients */
    uint16_t port;             /* CLIENT_CONNECT: the module's port (AT+SERVERSTART's <port>) */
};

/* ---- final checks: evaluated when the steps are done ---------------------- */

enum scn_check_kind {
    SCN_CHECK_SENT,        /* the driver sent a line matching pat (count times, or >= 1) */
    SCN_CHECK_NOT_SENT,    /* ... never */
    SCN_CHECK_PRINTED,     /* the module printed a line matching pat */
    SCN_CHECK_NOT_PRINTED,
    SCN_CHECK_MESSAGE,     /* the broker got topic + payload pat */
    SCN_CHECK_SEQ,         /* the broker got "1".."count" on topic, dups counted */
    SCN_CHECK_RECONNECTS,  /* the driver reconnected min..max times */
    SCN_CHECK_RECEIVED,    /* the driver received topic + payload pat (count times, or >= 1) */
    SCN_CHECK_NO_OUTPUT,   /* the program never printed a line matching pat */
};
const char *scn_check_kind_str(enum scn_check_kind k);

struct scn_check {
    int line;
    enum scn_check_kind kind;
    struct scn_pattern pat;   /* SENT, NOT_SENT, PRINTED, NOT_PRINTED; MESSAGE: the payload */
    struct scn_bytes topic;   /* MESSAGE, SEQ, RECEIVED */
    long count;               /* SENT, PRINTED, MESSAGE, RECEIVED: exact count, -1 = at least once;
                                 SEQ: the length of the sequence */
    long max_dup;             /* SEQ: most duplicates allowed, -1 = any (always reported) */
    long min, max;            /* RECONNECTS; max -1 = no upper bound */
    struct scn_bytes prefix;  /* SEQ: the payloads are PREFIX1 .. PREFIXN (NULL: none) */
    char *program;            /* NO_OUTPUT: its name; NULL = the main program */
};

/* ---- programs: the user's firmware and its helpers, run by the runner ----- */

#define SCN_MAX_PROGRAMS 8
#define SCN_MAIN_PROGRAM "main"

/* One `program` statement. argv holds the words of the command line with
 * their {placeholders} unexpanded (the runner fills them in). */
struct scn_program {
    int line;
    char *name;               /* name=, or "main" for the first, "helper-N" for the others */
    char *command;            /* as written, for messages */
    char **argv;              /* NULL-terminated */
    size_t argc;
};

/* ---- test servers: loopback TCP servers the runner starts (simulator only) -- */

#define SCN_MAX_SERVERS 4

enum scn_server_kind {
    SCN_SERVER_ECHO,   /* sends every byte back on the connection it came on */
    SCN_SERVER_SINK,   /* keeps the bytes, answers nothing */
};
const char *scn_server_kind_str(enum scn_server_kind k);

struct scn_server {
    int line;
    enum scn_server_kind kind;
    char *name;               /* name=, or "server-N" (N from 1, in file order) */
    uint16_t port;            /* port=, or 0: a free port the system picks */
};

/* The {server} placeholders: `{server}` is the first server's port,
 * `{server:NAME}` the named one's. They may stand in net-map and send lines. */
#define SCN_SERVER_PLACEHOLDER "{server"

struct scenario;
/* Appends `in` to out with each placeholder replaced by ports[its server]. */
void scn_expand_servers(const struct scenario *sc, const struct scn_bytes *in, const uint16_t *ports,
                        struct strbuf *out);

/* ---- clients of the module's TCP server: the runner's (simulator only) ------ */

#define SCN_MAX_CLIENTS 4

/* One client the client-connect steps name (client=NAME, or "client-N" for an
 * unnamed connect, N from 1 in file order). A named client may connect again
 * after its client-close. */
struct scn_client {
    int line;                 /* its first client-connect */
    char *name;
};

/* ---- the HTTP test server: `http-server` (issue 19; scn_http.c, run_http.c) -- */

/* What it does once a request is in (tools/hil/run/http_server.h). */
enum scn_http_action { SCN_HTTP_ANSWER, SCN_HTTP_DROP, SCN_HTTP_SILENT, SCN_HTTP_HALF };

struct scn_http_server {
    int line;                       /* 0: the scenario starts none */
    uint16_t port;                  /* port=, or 0: a free one */
    int status;                     /* status=, 200 */
    enum scn_http_action action;    /* answer= */
    struct scn_bytes body;          /* body="..."; or body-size=N made-up bytes */
    size_t body_size;
    struct scn_bytes headers;       /* header="Name: value" (several joined by \r\n) */
    bool chunked;                   /* chunked=1: Transfer-Encoding: chunked */
    uint32_t delay_ms;              /* delay=T: from the request's end to the answer */
    bool tls;                       /* tls=1: HTTPS with the runner's test set (server.pem, for localhost) */
};

/* `{http}` is the HTTP test server's port, in net-map and send lines. */
#define SCN_HTTP_PLACEHOLDER "{http}"
/* Appends `in` to out with each {http} replaced by port. */
void scn_expand_http(const struct scn_bytes *in, uint16_t port, struct strbuf *out);

/* `{size:FILE}` is the size of what `send-file "FILE"` (the same text) sends,
 * in send lines: `send "AT+CCERTDOWN=\"ca.pem\",{size:ca.pem}"`. */
#define SCN_SIZE_PLACEHOLDER "{size:"
/* The next {size:...} in [s, end) (NULL: none); *name and *name_len what it names, *used its length. */
const char *scn_next_size(const char *s, const char *end, const char **name, size_t *name_len, size_t *used);
/* The send-file step whose file is written `name` (NULL: none). */
const struct scn_step *scn_send_file_step(const struct scenario *sc, const char *name, size_t name_len);

/* ---- TLS: the `tls` statement (issue 17) ----------------------------------- */

/* The driver's TLS: the files it uploads to the module's store and the SSL
 * context's settings. A file is a name of the runner's test set (below,
 * made by tests/support/make-test-certs.sh in the scenario's scratch
 * directory) or a path, resolved against the scenario's folder. */
enum scn_tls_role { SCN_TLS_CA, SCN_TLS_CERT, SCN_TLS_KEY, SCN_TLS_ROLES };
extern const char *const scn_tls_role_names[];   /* "ca", "cert", "key" */
/* The test set's files a scenario may name, NULL-terminated. */
extern const char *const scn_tls_set[];
/* The set's CA, the one the runner's brokers' certificates are signed by. */
#define SCN_TLS_SET_CA "ca"

struct scn_tls {
    int line;                       /* 0: no tls statement: plain MQTT */
    char *file[SCN_TLS_ROLES];      /* NULL: none */
    bool from_set[SCN_TLS_ROLES];   /* a name of the test set (else a resolved path) */
    char *key_password;             /* NULL: none */
    int version;                    /* enum sim7600_tls_version: 0 any, 1 ssl3, 2 1.0, 3 1.1, 4 1.2 */
    bool sni, check_time, if_missing;
    bool expired_broker;            /* broker-cert=expired: the broker shows an expired certificate */
};

/* ---- the scenario --------------------------------------------------------- */

struct scenario {
    char *file;               /* as given to the parser */
    char *name;               /* from "scenario NAME" */
    int name_line;
    unsigned targets;         /* enum scn_target bits; default both */
    uint32_t time_limit_ms;   /* default SCN_DEFAULT_TIME_LIMIT_MS */
    struct scn_world world;
    bool uses_sim_only;       /* some statement can only run on the simulator */

    struct scn_event *events; size_t n_events;
    struct scn_step *steps;   size_t n_steps;
    struct scn_check *checks; size_t n_checks;
    struct scn_program *programs; size_t n_programs;   /* [0] is the main program */
    struct scn_server servers[SCN_MAX_SERVERS]; size_t n_servers;
    struct scn_client clients[SCN_MAX_CLIENTS]; size_t n_clients;
    struct scn_tls tls;
    struct scn_http_server http;   /* http-server (scn_http.c) */
};

/* The placeholders a program's command line may hold, NULL-terminated:
 * "port", "baud", "broker", "control", "bin", and with a `tls` statement
 * "tls-broker", "ca", "cert", "key" (written {port} ...). */
extern const char *const scn_program_placeholders[];

/* A main program from a command line (sim7600-hil run --program): split and
 * checked as a `program` statement's; errors go to diags as "--program: ...".
 * Free with scn_program_free. */
enum scn_status scn_program_from_command(const char *command, struct scn_program *out, struct scn_diags *diags);
void scn_program_free(struct scn_program *pr);

/* The program named `name` (NULL: the main one), or NULL. */
const struct scn_program *scn_find_program(const struct scenario *sc, const char *name);
/* Whether a step, check or event is about a program (and so needs one). */
bool scn_step_is_program(enum scn_step_kind k);

#define SCN_DEFAULT_TIME_LIMIT_MS 60000u
#define SCN_DEFAULT_EXPECT_MS 5000u

/* Parses one file. On SCN_OK *out holds the scenario (free with scn_free);
 * otherwise *out is NULL and every error is appended to diags. */
enum scn_status scn_parse_file(const char *path, struct scenario **out, struct scn_diags *diags);

/* The same for text in memory; name is used in messages ("file:line"). */
enum scn_status scn_parse_buffer(const char *name, const char *text, size_t len,
                                 struct scenario **out, struct scn_diags *diags);

void scn_free(struct scenario *sc);

#endif
