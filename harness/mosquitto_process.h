/* A private mosquitto broker on a free loopback port, with its
 * own config (and password file, for credential tests) in a temporary
 * directory; and a small libmosquitto client to watch and publish. */
#ifndef HIL_MOSQUITTO_PROCESS_H
#define HIL_MOSQUITTO_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct mosquitto_process {
    pid_t pid;
    int port;
    int tls_port;   /* mqproc_start_tls: the TLS listener's port; 0: none */
    char dir[160];
};

/* A TLS listener beside the plain one (issue 17). mosquitto runs as the
 * test's user (as root it is told to stay root), so it reads what the test can. */
struct mqproc_tls {
    const char *cafile;          /* verifies client certificates */
    const char *certfile, *keyfile;
    bool require_certificate;    /* mutual TLS: a client without a valid certificate is refused */
};

/* Starts mosquitto on 127.0.0.1; with user set, only user/pass may connect.
 * Returns 0 once it accepts connections, -1 otherwise. */
int mqproc_start(struct mosquitto_process *m, const char *user, const char *pass);
/* The same with its directory made under `parent` (NULL: /tmp), so that
 * removing the parent removes it too, whatever stopped the caller. */
int mqproc_start_in(struct mosquitto_process *m, const char *parent, const char *user, const char *pass);
/* mqproc_start_in with a TLS listener too, on m->tls_port (the plain one,
 * m->port, stays: a watching client uses it). */
int mqproc_start_tls(struct mosquitto_process *m, const char *parent, const char *user, const char *pass,
                     const struct mqproc_tls *tls);
/* Is a mosquitto binary there to start? */
bool mqproc_installed(void);
/* Starts it again on the same port (after mqproc_kill). */
int mqproc_restart(struct mosquitto_process *m);
/* Stops the broker, keeping its directory (to restart it). */
void mqproc_kill(struct mosquitto_process *m);
void mqproc_stop(struct mosquitto_process *m);

/* Waits (bounded) until the broker's log has a line containing `needle`. */
bool mqproc_log_has(const struct mosquitto_process *m, const char *needle, int timeout_ms);

/* A loopback TCP port nobody listens on right now. */
int free_tcp_port(void);

struct watch_client;
/* Connects and subscribes to `filter`; NULL on failure. */
struct watch_client *watch_start(int port, const char *filter);
/* Waits until `count` messages arrived (bounded). Returns how many did. */
int watch_wait(struct watch_client *w, int count, int timeout_ms);
/* The nth message received (0-based): topic and payload, or NULL. */
const char *watch_topic(struct watch_client *w, int n);
const void *watch_payload(struct watch_client *w, int n, size_t *len);
void watch_stop(struct watch_client *w);
/* Publishes one message; returns 0 once the broker acknowledged it. */
int mq_publish(int port, const char *topic, const void *payload, size_t len, int qos);

#endif
