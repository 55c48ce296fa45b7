/* The state of one scenario run, shared by run_scenario.c (target set-up and
 * tear-down), run_steps.c (the steps) and run_checks.c (the final checks). */
#ifndef HIL_RUN_INTERNAL_H
#define HIL_RUN_INTERNAL_H

#include <stdint.h>

#include "broker_log.h"
#include "mosquitto_process.h"
#include "mqtt_watch.h"
#include "run.h"
#include "sim7600_posix.h"
#include "sim_target.h"
#include "timed_events.h"
#include "transcript.h"

struct test_server;
struct run_clients;
struct run_tls;
struct run_http;

/* What the driver received, for expect-received. */
struct run_rx {
    char *topic;
    char *payload;
    size_t len;
};

struct run {
    const struct scenario *sc;
    const struct run_options *o;
    struct run_report *rep;
    const struct run_hooks *hooks;

    bool on_sim;                   /* a private simulator, with its control socket */
    struct sim_target sim;
    struct timed_events events;
    bool events_armed;
    struct broker_log broker;
    bool broker_watched;           /* the broker checks can be evaluated */
    struct mosquitto_process mq;   /* --broker mosquitto: this scenario's broker */
    bool mq_started;
    struct mqtt_watch watch;       /* ... and the client that watches it */
    bool watch_started;

    struct sim7600_serial serial;
    bool serial_open;
    struct sim7600_port port;      /* the serial port, with every byte recorded */
    struct transcript tr;
    uint64_t rx_bytes;             /* read from the module so far: has it gone quiet? */
    bool wire_broken;              /* a read or write on the port failed */

    struct sim7600 dev;            /* the driver, set up at the first driver step */
    bool dev_ready;
    struct run_bufs *bufs;
    struct run_rx *rx;
    size_t n_rx, cap_rx;
    uint32_t reconnects;
    uint64_t t0_ms;                /* when the steps started */
    uint64_t deadline_ms;          /* the scenario's time limit, less a margin to report in */
    int step_line;                 /* the step running now (0: none yet) */
    struct run_programs *progs;    /* the scenario's programs (program_run.c); NULL: it runs none */
    struct test_server *servers;   /* the scenario's test servers (run_servers.c), n_servers started */
    size_t n_servers;
    uint16_t server_ports[SCN_MAX_SERVERS];
    struct run_clients *clients;   /* clients of the module's server (run_clients.c); NULL: none yet */
    struct run_tls *tls;           /* the scenario's tls statement in this run (run_tls.c); NULL: plain */
    struct run_http *http;         /* the scenario's http-server (run_http.c); NULL: none */
};

/* The broker the driver (and a program's {broker}) uses unless told otherwise. */
#define RUN_DEFAULT_SERVER "tcp://127.0.0.1:1883"

/* Fails the scenario (the first failure is the one reported). Returns -1. */
int run_fail(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Lets up to ms pass while the wire is served: by the driver once it runs
 * (it supervises the session), else by reading into the transcript. Returns
 * -1 after run_fail when the port broke (the simulator died, a cable). */
int run_idle(struct run *r, uint32_t ms);
/* Fails the scenario with why the port broke; returns -1. */
int run_wire_failed(struct run *r);
/* Waits for what look(r, ctx) looks for: it returns 0 while it is not
 * there, else what it found (> 0) or -1 after run_fail. Between looks the
 * wire is served (run_idle) in short slices, for up to within_ms: look's
 * value, 0 when the time ran out, -1 after run_fail (the wire broke). */
typedef int (*run_look_fn)(struct run *r, void *ctx);
int run_poll_until(struct run *r, uint32_t within_ms, run_look_fn look, void *ctx);
/* The whole file at path, 1 to max bytes (run_tls.c: certificates and
 * send-file's bytes); NULL when it is missing, unreadable, empty or larger. */
uint8_t *run_read_file(const char *path, size_t max, size_t *len);

/* Runs the steps in order; returns 0 or -1 after run_fail. */
int run_steps(struct run *r);
/* Evaluates the final checks; returns 0 or -1 after run_fail. */
int run_checks(struct run *r);
/* Makes the driver ready (at the first driver step). */
int run_driver_init(struct run *r);

/* The test servers (run_servers.c): started before the simulator (0, or -1
 * after run_fail), stopped and joined at tear-down; {server} placeholders
 * expanded with their ports; the expect-server-received step. */
int run_servers_start(struct run *r);
void run_servers_stop(struct run *r);
void run_expand_servers(const struct run *r, const struct scn_bytes *in, struct strbuf *out);
int run_server_received_step(struct run *r, const struct scn_step *s);

/* A runner's loopback peer (a test server, a client of the module's
 * server) whose received bytes a step waits for: `who` names it in messages
 * ("server cloud"); note(ctx), a hint after the count when the wait ran out
 * ("" for none); over(ctx), why nothing more can arrive (NULL while more
 * may). Either function may be NULL: no hint; more may always arrive. */
struct rx_keep;
struct run_peer {
    const char *who;
    struct rx_keep *rx;
    const char *(*note)(void *ctx);
    const char *(*over)(void *ctx);
    void *ctx;
};
/* What the peer received, waited for (run_servers.c): up to s->within_ms
 * until it matches s->pat, else the scenario fails showing what did arrive;
 * at once when the peer is over. 0, or -1 after run_fail. */
int run_received_step(struct run *r, const struct scn_step *s, const struct run_peer *peer);

/* The runner as a client of the module's TCP server (run_clients.c): the
 * steps client-connect, client-send, expect-client-received and client-close
 * (0, or -1 after run_fail); every client closed and its reader joined at
 * tear-down; whether a scenario has any (*line: its first client-connect). */
int run_client_step(struct run *r, const struct scn_step *s);
void run_clients_stop(struct run *r);
bool run_uses_clients(const struct scenario *sc, int *line);

/* The HTTP test server (run_http.c): started before the simulator (0, or -1
 * after run_fail), stopped at tear-down; {http} expanded with its port (after
 * the {server} placeholders); the expect-http-request step. */
int run_http_start(struct run *r);
void run_http_stop(struct run *r);
void run_expand_http(const struct run *r, const struct strbuf *in, struct strbuf *out);
int run_http_request_step(struct run *r, const struct scn_step *s);
/* send-file: the file's bytes to the module (0, or -1 after run_fail). */
int run_http_send_file(struct run *r, const struct scn_step *s);

#endif
