/* The module's certificate store and SSL contexts (issue 17; findings §27):
 * AT+CCERTDOWN/CCERTLIST/CCERTDELE put files in the store (ssl_store.c),
 * AT+CSSLCFG sets the ten contexts (ssl_config.c). MQTT over TLS
 * (AT+CMQTTSSLCFG) and the SSL sockets (AT+CCHSSLCFG) name a context; when
 * their connection opens, ssl_resolve() turns it into the sim_tls_config of
 * sim.h that the edge runs real TLS with. The store is the module's flash: it
 * survives a reboot of the module; a new simulator starts with it empty unless
 * sim7600-sim --state-dir loads it (state_dir.c, through ssl_store_put). */
#ifndef SIM_SSL_INTERNAL_H
#define SIM_SSL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

#define SSL_CONTEXTS 10              /* <ssl_ctx_index> 0-9 */
#define SSL_CERT_NAME_MIN 5          /* a file name in the store: 5-128 bytes, ".pem" or ".der" (findings §27) */
#define SSL_CERT_NAME_MAX 128
#define SSL_CERT_FILES_MAX 32        /* files in the store (not in any source: findings §27) */
#define SSL_CERT_SIZE_MAX 10240      /* one file's bytes: AT+CCERTDOWN's <len> 1-10240 (findings §27) */
#define SSL_PASSWORD_MAX 128         /* "password": the key's password, or a store file holding it */
#define SSL_NEGOTIATE_MIN_S 10       /* "negotiatetime" 10-300 s, 300 by default */
#define SSL_NEGOTIATE_MAX_S 300
#define SSL_CIPHERS_MAX 0xFFFF       /* "ciphersuites": 0x0 (power-on) and 0xFFFF take any suite */

struct ssl_cert_file {
    char name[SSL_CERT_NAME_MAX + 1];    /* "" is a free slot */
    uint8_t *data;                       /* owned by the store; one NUL byte after len */
    size_t len;
};

struct ssl_context {
    enum sim_tls_version version;        /* "sslversion" */
    enum sim_tls_auth auth;              /* "authmode" */
    char cacert[SSL_CERT_NAME_MAX + 1];  /* names of store files; "" none */
    char clientcert[SSL_CERT_NAME_MAX + 1];
    char clientkey[SSL_CERT_NAME_MAX + 1];
    char password[SSL_PASSWORD_MAX + 1]; /* never printed, never logged */
    bool ignore_local_time;              /* "ignorelocaltime" */
    uint32_t negotiate_s;                /* "negotiatetime" */
    bool sni;                            /* "enableSNI" */
    unsigned ciphers;                    /* "ciphersuites", as written (0x0-0xFFFF) */
};

struct ssl_state {
    struct ssl_cert_file store[SSL_CERT_FILES_MAX];
    bool store_changed;                  /* the edge saves the store (--state-dir) and clears it */
    struct ssl_context ctx[SSL_CONTEXTS];
    char download_name[SSL_CERT_NAME_MAX + 1];   /* AT+CCERTDOWN's file while its data comes in */
};

/* Why a context cannot make a connection yet (the callers map it to their
 * family's code: +CMQTTCONNECT 33, +CCHOPEN 19 "not set certificates" ...). */
enum ssl_resolve_result {
    SSL_RESOLVED,
    SSL_NO_CA,               /* authmode 1 or 2 without a cacert in the store */
    SSL_NO_CLIENT_CERT,      /* authmode 2 or 3 without clientcert and clientkey in the store */
};

struct sim;

/* ssl_store.c */
void ssl_init(struct sim *s);                    /* a new simulator: empty store, default contexts */
void ssl_power_on(struct sim *s);                /* a reboot: contexts back to defaults, the store kept */
void ssl_free(struct sim *s);
const struct ssl_cert_file *ssl_store_find(const struct sim *s, const char *name);
/* A name the store takes: 5-128 printable bytes, no path separator or quote, ending ".pem" or ".der". */
bool ssl_cert_name_valid(const char *name, size_t len);
/* The edge loading --state-dir: false when the name is not one the store
 * takes, the size is out of range or the store is full. */
bool ssl_store_put(struct sim *s, const char *name, const uint8_t *data, size_t len);
void ssl_cert_download_complete(struct sim *s);  /* AT+CCERTDOWN's data is in */
/* The control socket's state: "store":[{"name":…,"size":…}…],"contexts":[…] */
void ssl_state_json(const struct sim *s, struct strbuf *o);

/* ssl_config.c */
void ssl_context_defaults(struct ssl_context *c);
/* Fills *out for a connection to `host` through context `ctx`; its pointers
 * stay valid until the next command changes the store or the context. */
enum ssl_resolve_result ssl_resolve(const struct sim *s, int ctx, const char *host, struct sim_tls_config *out);
void ssl_contexts_json(const struct sim *s, struct strbuf *o);

#endif
