#include "link_mosquitto_tls.h"

#include "codes.h"
#include "tls_openssl.h"

#include <mosquitto.h>
#include <stdio.h>

#define ERR_MAX 256

/* The MQTT manual has two TLS codes: 33 "not set certificate" for what the
 * context lacks, 32 "handshake fail" for every failure of the handshake
 * itself, whichever side gave up (findings §28). */
static int code_of(enum tls_failure f)
{
    return f == TLS_NO_CERTIFICATE ? MQTT_NO_CERTIFICATE : MQTT_HANDSHAKE_FAIL;
}

int lm_tls_setup(struct mosquitto *mosq, int client, const struct sim_tls_config *tls, const char *host,
                 struct ssl_ctx_st **ctx)
{
    enum tls_failure why;
    char err[ERR_MAX];
    *ctx = tls_client_ctx(tls, host, &why, err, sizeof err);
    if (!*ctx) {
        fprintf(stderr, "sim7600-sim: MQTT client %d cannot connect over TLS: %s\n", client, err);
        return code_of(why);
    }
    /* Our context alone: libmosquitto's defaults would replace the verification
     * the SSL context asks for with its own (CA files, its host check). */
    mosquitto_int_option(mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
    if (mosquitto_void_option(mosq, MOSQ_OPT_SSL_CTX, *ctx) != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "sim7600-sim: MQTT client %d: this libmosquitto was built without TLS; "
                        "install Debian's libmosquitto1\n", client);
        SSL_CTX_free(*ctx);
        *ctx = NULL;
        return MQTT_HANDSHAKE_FAIL;
    }
    return MQTT_OK;
}

int lm_tls_connect_code(const struct ssl_ctx_st *ctx, int fallback)
{
    if (!ctx || !tls_ctx_handshake_started(ctx) || tls_ctx_handshake_done(ctx))
        return fallback;
    return code_of(tls_ctx_failure(ctx));
}

void lm_tls_free(struct ssl_ctx_st *ctx)
{
    SSL_CTX_free(ctx);
}
