/* MQTT over TLS on the real-broker link (sim7600-sim --broker tcp; issue 17,
 * findings §28): libmosquitto is handed an OpenSSL context made from the SSL
 * context the client is bound to (tls_openssl.c), and a connection that ends
 * before its CONNACK is told apart by what its handshake saw, into the
 * +CMQTTCONNECT codes of the MQTT manual (32 handshake fail, 33 not set
 * certificate). The OpenSSL type stays opaque here: link_mosquitto.c never
 * includes OpenSSL. */
#ifndef SIM_LINK_MOSQUITTO_TLS_H
#define SIM_LINK_MOSQUITTO_TLS_H

#include "sim.h"

struct mosquitto;
struct ssl_ctx_st;

/* Puts TLS per `tls` on mosq, for a connection to `host`: MQTT_OK and *ctx
 * (released with lm_tls_free once mosq is destroyed), or the +CMQTTCONNECT
 * code when the context cannot be made (the reason on stderr, no secrets). */
int lm_tls_setup(struct mosquitto *mosq, int client, const struct sim_tls_config *tls, const char *host,
                 struct ssl_ctx_st **ctx);
/* A connection that ended before its CONNACK: the code its TLS handshake's
 * failure gives, or `fallback` when TLS was not why (ctx NULL: plain TCP; the
 * TCP connect failed before any handshake; the handshake finished). */
int lm_tls_connect_code(const struct ssl_ctx_st *ctx, int fallback);
void lm_tls_free(struct ssl_ctx_st *ctx);

#endif
