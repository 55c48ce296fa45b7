/* MQTT over TLS, the model's side (issue 17; findings §28): AT+CMQTTSSLCFG
 * binds a session to one of the ten SSL contexts; a CONNECT of a client
 * acquired with server type 1 resolves that context (ssl_config.c) and hands
 * it to the link, which runs the handshake (link_mosquitto.c, real TLS) or
 * plays the server's side of it (link_embedded.c, the world's `tls-fail`).
 * What the module checks itself, before any byte goes out, is checked here:
 * a context that lacks what its authmode needs is 33, "not set certificate". */
#include "mqtt_internal.h"

#include <string.h>

void mqtt_tls_power_on(struct sim *s)
{
    memset(s->mqtt.ssl_bound, 0, sizeof s->mqtt.ssl_bound);
}

/* AT+CMQTTSSLCFG=<session_id>,<ssl_ctx_index>: the context the session's next
 * CONNECT uses; `?` shows the binding, empty for a session with none (MQTT
 * §2.2.5: the read form's index is optional). */
DECLARE_HANDLER(cmd_mqtt_sslcfg)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: (0,1),(0-%d)", c->name, SSL_CONTEXTS - 1);
        return CMD_OK;
    }
    if (c->form == AT_FORM_READ) {
        for (int i = 0; i < MQTT_CLIENTS; i++) {
            if (s->mqtt.ssl_bound[i])
                sim_info(s, "%s: %d,%d", c->name, i, s->mqtt.ssl_ctx[i]);
            else
                sim_info(s, "%s: %d,", c->name, i);
        }
        return CMD_OK;
    }
    long session, ctx;
    if (c->form != AT_FORM_WRITE || a->count != 2 || mqtt_number_param(a, 0, 0, MQTT_CLIENTS - 1, 1, &session) ||
        mqtt_number_param(a, 1, 0, SSL_CONTEXTS - 1, 1, &ctx))
        return CMD_ERROR;
    s->mqtt.ssl_bound[session] = true;
    s->mqtt.ssl_ctx[session] = (int)ctx;
    return CMD_OK;
}

/* Which server-side failures a client notices: one that does not verify the
 * server cannot see an untrusted or expired certificate; one that ignores
 * its local time cannot see an expired one. A handshake the server breaks
 * off, or a server that refuses the client's certificate (or its lack of
 * one), fails whatever the client's settings. */
bool world_tls_fault_fails(enum world_tls_fault f, const struct sim_tls_config *tls)
{
    bool verifies = tls->auth == SIM_TLS_AUTH_SERVER || tls->auth == SIM_TLS_AUTH_MUTUAL;
    switch (f) {
    case WORLD_TLS_OK:
        return false;
    case WORLD_TLS_UNTRUSTED:
        return verifies;
    case WORLD_TLS_EXPIRED:
        return verifies && tls->check_time;
    case WORLD_TLS_HANDSHAKE:
    case WORLD_TLS_REJECTED:
        return true;
    }
    return true;
}

const char *world_tls_fault_name(enum world_tls_fault f)
{
    static const char *const names[] = {
        [WORLD_TLS_OK] = "off", [WORLD_TLS_HANDSHAKE] = "handshake", [WORLD_TLS_UNTRUSTED] = "untrusted",
        [WORLD_TLS_EXPIRED] = "expired", [WORLD_TLS_REJECTED] = "rejected",
    };
    return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "?";
}

/* For a CONNECT to `host`: MQTT_OK with *tls the resolved context (NULL for
 * a plain client), or the code the module gives without connecting. The
 * binding is used up: the next CONNECT takes the client's own context unless
 * AT+CMQTTSSLCFG binds one again (MQTT §2.2.5). */
int mqtt_tls_prepare(struct sim *s, struct mqtt_client *cl, const char *host, struct sim_tls_config *cfg,
                     const struct sim_tls_config **tls)
{
    int i = mqtt_client_index(s, cl);
    int ctx = s->mqtt.ssl_bound[i] ? s->mqtt.ssl_ctx[i] : i;
    s->mqtt.ssl_bound[i] = false;
    *tls = NULL;
    if (cl->server_type != MQTT_SERVER_TLS)
        return MQTT_OK;
    if (ssl_resolve(s, ctx, host, cfg) != SSL_RESOLVED)
        return MQTT_NO_CERTIFICATE;
    *tls = cfg;
    return MQTT_OK;
}
