/* TLS in a scenario's run (issue 17): the `tls` statement's files (the test
 * set made by tests/support/make-test-certs.sh in the scenario's scratch
 * directory, or the scenario's own), the driver's struct sim7600_tls, and the
 * broker's side: a private mosquitto's TLS listener, or the embedded broker
 * told (tls-fail) what a real one would refuse. */
#ifndef HIL_RUN_TLS_H
#define HIL_RUN_TLS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "mosquitto_process.h"
#include "scenario.h"
#include "sim7600.h"
#include "strbuf.h"

/* The module's URL of the broker over TLS, unless --server or server= say
 * otherwise: the embedded broker takes any address; with --broker mosquitto
 * the simulator sends every connect to the TLS listener. localhost is in the
 * test server certificate's names. */
#define RUN_DEFAULT_TLS_SERVER "tcp://localhost:8883"
/* A directory for the test set instead of the scenario's scratch one. */
#define RUN_TLS_CERTS_ENV "SIM7600_HIL_CERTS"

struct run_tls {
    char certs[PATH_MAX];               /* the test set's directory */
    struct strbuf path[SCN_TLS_ROLES];  /* the files, absolute; empty: none */
    uint8_t *data[SCN_TLS_ROLES];
    char *store_name[SCN_TLS_ROLES];    /* what the module's store calls them */
    struct sim7600_tls cfg;             /* the driver's, pointing into the above */
    struct strbuf server_cert, server_key, set_ca;   /* the broker's side, from the set */
};

struct run;

/* Makes the test set and reads the files (nothing without a tls statement).
 * Returns 0, or -1 after run_fail. */
int run_tls_prepare(struct run *r);
/* Makes the test set (also for http-server tls=1) in the scenario's scratch
 * directory, or SIM7600_HIL_CERTS's, and puts its path in dir. Returns 0, or
 * -1 after run_fail naming `line`. */
int run_tls_make_set(struct run *r, char *dir, size_t cap, int line);
void run_tls_free(struct run *r);

/* --broker mosquitto: the TLS listener's files (false without tls). */
bool run_tls_listener(const struct run *r, struct mqproc_tls *out);

/* The embedded broker cannot make a handshake: what a real broker with the
 * set's server certificate would refuse is told to the simulator as a
 * tls-fail fault. Returns 0, or -1 after run_fail. */
int run_tls_embedded(struct run *r, int (*control)(struct run *r, const char *line, int src_line));

/* The {tls-broker}, {ca}, {cert} and {key} placeholders' values. */
void run_tls_placeholders(const struct run *r, struct strbuf *broker, struct strbuf *ca, struct strbuf *cert,
                          struct strbuf *key);

#endif
