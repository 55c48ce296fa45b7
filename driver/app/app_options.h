/* sim7600-mqtt's command line. */
#ifndef SIM7600_APP_OPTIONS_H
#define SIM7600_APP_OPTIONS_H

#include <stdbool.h>

#include "sim7600_posix.h"

#define MAX_SUBS 16

struct opts {
    const char *port, *broker, *client_id, *user, *pass, *apn, *apn_user, *apn_pass;
    const char *pub_topic, *message;
    const char *subs[MAX_SUBS];
    int n_subs;
    enum sim7600_backend backend;
    long baud, keepalive, interval_ms, count, qos, health_ms, duration_ms, rx_count;
    bool retain, verbose, list_ports;
    /* TLS: files on the host, uploaded to the module's store */
    const char *ca, *cert, *key, *key_pass_file;
    long tls_version;          /* enum sim7600_tls_version */
    bool insecure, sni, check_time;
    bool tls;                  /* an ssl:// broker, or any TLS file given */
    char broker_tcp[300];      /* the URL the module takes: tcp://HOST:PORT, also for TLS */
};

/* Parses argv into *o (defaults first). --help prints the usage and exits 0.
 * @retval 0 parsed, 2 a usage error (said on stderr) */
int app_parse_args(struct opts *o, int argc, char **argv);

#endif
