/* Real TLS at the simulator's edge (issue 17; findings §28): an OpenSSL
 * client SSL_CTX made from what an SSL context resolved to (struct
 * sim_tls_config of sim.h), for the MQTT link (link_mosquitto.c, which hands
 * it to libmosquitto) and the SSL sockets (net_posix). Only edge files
 * include this header: the core never sees OpenSSL (`make layering`).
 *
 * A context is made per connection. It records what its handshake saw (the
 * server certificate's verification error, an alert from the server, whether
 * the handshake finished) in callbacks, because the SSL may be gone before
 * its owner learns that it failed (libmosquitto frees it when it closes);
 * tls_ctx_failure() then says why, in the classes the callers map to their
 * family's codes (+CMQTTCONNECT 32/33, the SSL sockets' own). */
#ifndef SIM_TLS_OPENSSL_H
#define SIM_TLS_OPENSSL_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "sim.h"

enum tls_failure {
    TLS_OK,
    TLS_NO_CERTIFICATE,        /* what the authmode needs is missing, or does not load (bad file, wrong password) */
    TLS_SERVER_UNTRUSTED,      /* the server's chain does not lead to our CA */
    TLS_SERVER_EXPIRED,        /* the server's certificate is expired (or not yet valid) at the module's time */
    TLS_SERVER_NAME_MISMATCH,  /* the server's certificate is not for the host we connected to */
    TLS_CLIENT_REJECTED,       /* the server refused our certificate (or wanted one we did not send) */
    TLS_HANDSHAKE_FAILED,      /* anything else: no common version or cipher, the peer closing mid-handshake */
};

/* "server certificate expired" ...: for logs and error messages. */
const char *tls_failure_text(enum tls_failure f);

/* A client context for a connection to `host` (a name or an address, checked
 * against the server's certificate when the authmode verifies the server).
 * NULL when it cannot be made: *why says the class, err says what to fix
 * (never a key's bytes or a password). Free with SSL_CTX_free (reference
 * counted: libmosquitto may hold it longer). */
SSL_CTX *tls_client_ctx(const struct sim_tls_config *cfg, const char *host, enum tls_failure *why,
                        char *err, size_t errlen);

/* Why the last handshake on a context made by tls_client_ctx failed; TLS_OK
 * when it finished. For a handshake that failed without a recorded cause
 * (the peer closed), TLS_HANDSHAKE_FAILED. */
enum tls_failure tls_ctx_failure(const SSL_CTX *ctx);
bool tls_ctx_handshake_started(const SSL_CTX *ctx);
bool tls_ctx_handshake_done(const SSL_CTX *ctx);
/* The name sent in the last handshake's SNI ("" none): what the server saw. */
const char *tls_ctx_sni_sent(const SSL_CTX *ctx);

#endif
