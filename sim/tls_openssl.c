#include "tls_openssl.h"

#include "alloc.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define SNI_MAX 255                 /* a DNS name's longest form (RFC 6066 §3) */
#define PEM_MARK "-----BEGIN"
#define MODULE_TLS_MAX TLS1_2_VERSION   /* the module speaks up to TLS 1.2 (findings §28) */

/* What a context's handshake saw, kept on the context (ex_data) so it
 * outlives the SSL. Written by the callbacks on the handshaking thread. */
struct tls_record {
    char sni[SNI_MAX + 1];          /* what to send; "" none */
    char sni_sent[SNI_MAX + 1];
    int verify_error;               /* the first X509_V_ERR_*; X509_V_OK none */
    int alert;                      /* the fatal alert the server sent; -1 none */
    bool started, done;
};

static int record_index = -1;
static pthread_once_t record_once = PTHREAD_ONCE_INIT;

static void record_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    free(ptr);
}

static void record_index_init(void)
{
    record_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, record_free);
}

static struct tls_record *record_of(const SSL_CTX *ctx)
{
    return ctx && record_index >= 0 ? SSL_CTX_get_ex_data(ctx, record_index) : NULL;
}

const char *tls_failure_text(enum tls_failure f)
{
    static const char *const text[] = {
        [TLS_OK] = "handshake done",
        [TLS_NO_CERTIFICATE] = "certificate not set",
        [TLS_SERVER_UNTRUSTED] = "server certificate not trusted",
        [TLS_SERVER_EXPIRED] = "server certificate expired or not yet valid",
        [TLS_SERVER_NAME_MISMATCH] = "server certificate is for another name",
        [TLS_CLIENT_REJECTED] = "server rejected the client certificate",
        [TLS_HANDSHAKE_FAILED] = "handshake failed",
    };
    return (unsigned)f < sizeof text / sizeof text[0] ? text[f] : "?";
}

/* ---- the handshake's callbacks ---------------------------------------------------- */

static int verify_cb(int ok, X509_STORE_CTX *x)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct tls_record *r = ssl ? record_of(SSL_get_SSL_CTX(ssl)) : NULL;
    if (!ok && r && r->verify_error == X509_V_OK)
        r->verify_error = X509_STORE_CTX_get_error(x);
    return ok;
}

/* At the start of a handshake (before the ClientHello is made) the SNI is
 * set as the context says, over what the SSL's owner set (libmosquitto always
 * sends the host it connects to). */
static void info_cb(const SSL *ssl, int where, int ret)
{
    struct tls_record *r = record_of(SSL_get_SSL_CTX(ssl));
    if (!r)
        return;
    if (where & SSL_CB_HANDSHAKE_START) {
        r->verify_error = X509_V_OK;
        r->alert = -1;
        r->started = true;
        r->done = false;
        SSL *s = (SSL *)(uintptr_t)ssl;   /* the callback's type is const; the SSL is not */
        SSL_set_tlsext_host_name(s, r->sni[0] ? r->sni : NULL);
        snprintf(r->sni_sent, sizeof r->sni_sent, "%s", r->sni);
    }
    if (where & SSL_CB_HANDSHAKE_DONE)
        r->done = true;
    if ((where & SSL_CB_READ_ALERT) && (ret >> 8) == SSL3_AL_FATAL && r->alert < 0)
        r->alert = ret & 0xff;
}

/* Alerts by which a server says no to the client's certificate (RFC 5246
 * §7.2.2, RFC 8446 §6.2). */
static bool alert_rejects_client(int alert)
{
    static const int rejecting[] = {
        SSL_AD_BAD_CERTIFICATE, SSL_AD_UNSUPPORTED_CERTIFICATE, SSL_AD_CERTIFICATE_REVOKED,
        SSL_AD_CERTIFICATE_EXPIRED, SSL_AD_CERTIFICATE_UNKNOWN, SSL_AD_UNKNOWN_CA,
        SSL_AD_ACCESS_DENIED, SSL_AD_DECRYPT_ERROR, SSL_AD_CERTIFICATE_REQUIRED,
    };
    for (size_t i = 0; i < sizeof rejecting / sizeof rejecting[0]; i++)
        if (alert == rejecting[i])
            return true;
    return false;
}

static enum tls_failure verify_failure(int verify_error)
{
    switch (verify_error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return TLS_SERVER_EXPIRED;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return TLS_SERVER_NAME_MISMATCH;
    default:
        return TLS_SERVER_UNTRUSTED;
    }
}

enum tls_failure tls_ctx_failure(const SSL_CTX *ctx)
{
    const struct tls_record *r = record_of(ctx);
    if (!r)
        return TLS_HANDSHAKE_FAILED;
    if (r->verify_error != X509_V_OK)
        return verify_failure(r->verify_error);
    if (r->alert >= 0 && alert_rejects_client(r->alert))
        return TLS_CLIENT_REJECTED;
    return r->done ? TLS_OK : TLS_HANDSHAKE_FAILED;
}

bool tls_ctx_handshake_started(const SSL_CTX *ctx)
{
    const struct tls_record *r = record_of(ctx);
    return r && r->started;
}

bool tls_ctx_handshake_done(const SSL_CTX *ctx)
{
    const struct tls_record *r = record_of(ctx);
    return r && r->done;
}

const char *tls_ctx_sni_sent(const SSL_CTX *ctx)
{
    const struct tls_record *r = record_of(ctx);
    return r ? r->sni_sent : "";
}

/* ---- certificates and keys from memory, PEM or DER ------------------------------- */

static bool is_pem(const struct sim_tls_blob *b)
{
    return memmem(b->data, b->len, PEM_MARK, strlen(PEM_MARK)) != NULL;
}

/* Every certificate in the blob (PEM may hold a chain; DER holds one), in order. */
static STACK_OF(X509) *read_certs(const struct sim_tls_blob *b)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    if (is_pem(b)) {
        BIO *bio = BIO_new_mem_buf(b->data, (int)b->len);
        X509 *x;
        while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
            sk_X509_push(certs, x);
        BIO_free(bio);
    } else {
        const unsigned char *p = b->data;
        X509 *x = d2i_X509(NULL, &p, (long)b->len);
        if (x)
            sk_X509_push(certs, x);
    }
    ERR_clear_error();          /* the end of a PEM chain reads as an error */
    return certs;
}

/* The context's password for an encrypted key; never a prompt on a terminal. */
static int password_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pw = u;
    if (!pw)
        return 0;
    size_t n = strlen(pw);
    if (n > (size_t)size)
        return 0;
    memcpy(buf, pw, n);
    return (int)n;
}

static EVP_PKEY *read_key(const struct sim_tls_blob *b, const char *password)
{
    void *pw = (void *)(uintptr_t)password;
    EVP_PKEY *key = NULL;
    BIO *bio = BIO_new_mem_buf(b->data, (int)b->len);
    if (is_pem(b)) {
        key = PEM_read_bio_PrivateKey(bio, NULL, password_cb, pw);
    } else {
        const unsigned char *p = b->data;
        key = d2i_AutoPrivateKey(NULL, &p, (long)b->len);
        if (!key)   /* an encrypted PKCS#8 key in DER */
            key = d2i_PKCS8PrivateKey_bio(bio, NULL, password_cb, pw);
    }
    BIO_free(bio);
    ERR_clear_error();
    return key;
}

static bool load_ca(SSL_CTX *ctx, const struct sim_tls_blob *b)
{
    STACK_OF(X509) *certs = read_certs(b);
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    int n = sk_X509_num(certs);
    for (int i = 0; i < n; i++)
        X509_STORE_add_cert(store, sk_X509_value(certs, i));
    sk_X509_pop_free(certs, X509_free);
    return n > 0;
}

/* The client certificate (and the chain after it) and its key. */
static const char *load_client_identity(SSL_CTX *ctx, const struct sim_tls_config *cfg)
{
    STACK_OF(X509) *certs = read_certs(&cfg->cert);
    bool ok = sk_X509_num(certs) > 0 && SSL_CTX_use_certificate(ctx, sk_X509_value(certs, 0)) == 1;
    for (int i = 1; ok && i < sk_X509_num(certs); i++)
        ok = SSL_CTX_add1_chain_cert(ctx, sk_X509_value(certs, i)) == 1;
    sk_X509_pop_free(certs, X509_free);
    if (!ok)
        return "the client certificate (clientcert) is not a certificate in PEM or DER";
    EVP_PKEY *key = read_key(&cfg->key, cfg->key_password);
    if (!key)
        return "the client key (clientkey) does not load: not a key in PEM or DER, or encrypted and the "
               "context's password is missing or wrong";
    ok = SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
    EVP_PKEY_free(key);
    ERR_clear_error();
    return ok ? NULL : "the client key (clientkey) is not the client certificate's (clientcert) key";
}

/* ---- the context --------------------------------------------------------------------- */

static bool set_version(SSL_CTX *ctx, enum sim_tls_version v)
{
    static const int pinned[] = {
        [SIM_TLS_SSL3] = SSL3_VERSION, [SIM_TLS_1_0] = TLS1_VERSION,
        [SIM_TLS_1_1] = TLS1_1_VERSION, [SIM_TLS_1_2] = TLS1_2_VERSION,
    };
    if (v == SIM_TLS_ANY)
        return SSL_CTX_set_max_proto_version(ctx, MODULE_TLS_MAX) == 1;
    if ((unsigned)v >= sizeof pinned / sizeof pinned[0])
        return false;
    /* a version the library was built without fails the handshake, as a
     * server that does not take it would */
    SSL_CTX_set_min_proto_version(ctx, pinned[v]);
    SSL_CTX_set_max_proto_version(ctx, pinned[v]);
    return true;
}

/* ciphersuites: one IANA number (e.g. 0xC02B), looked up among the library's own. */
static bool set_cipher(SSL_CTX *ctx, int suite)
{
    if (suite < 0)
        return true;
    SSL *probe = SSL_new(ctx);
    const unsigned char id[2] = {(unsigned char)(suite >> 8), (unsigned char)suite};
    const SSL_CIPHER *c = probe ? SSL_CIPHER_find(probe, id) : NULL;
    bool ok = c && SSL_CTX_set_cipher_list(ctx, SSL_CIPHER_get_name(c)) == 1;
    SSL_free(probe);
    ERR_clear_error();
    return ok;
}

static void set_peer_checks(SSL_CTX *ctx, const struct sim_tls_config *cfg, const char *host)
{
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
    unsigned char addr[sizeof(struct in6_addr)];
    if (host && host[0]) {
        if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1)
            X509_VERIFY_PARAM_set1_ip_asc(param, host);
        else
            X509_VERIFY_PARAM_set1_host(param, host, 0);
    }
    if (cfg->check_time)
        X509_VERIFY_PARAM_set_time(param, (time_t)cfg->module_time);
    else
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
}

static bool verifies_server(enum sim_tls_auth a) { return a == SIM_TLS_AUTH_SERVER || a == SIM_TLS_AUTH_MUTUAL; }
static bool sends_client_cert(enum sim_tls_auth a) { return a == SIM_TLS_AUTH_MUTUAL || a == SIM_TLS_AUTH_CLIENT; }

/* What the authmode needs and the context lacks or cannot load; NULL: all there. */
static const char *load_auth(SSL_CTX *ctx, const struct sim_tls_config *cfg, const char *host)
{
    if (verifies_server(cfg->auth)) {
        if (cfg->ca.len == 0)
            return "the authmode verifies the server but the context has no CA certificate: set cacert";
        if (!load_ca(ctx, &cfg->ca))
            return "the CA certificate (cacert) is not a certificate in PEM or DER";
        set_peer_checks(ctx, cfg, host);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    if (!sends_client_cert(cfg->auth))
        return NULL;
    if (cfg->cert.len == 0 || cfg->key.len == 0)
        return "the authmode sends a client certificate but the context lacks one: set clientcert and clientkey";
    return load_client_identity(ctx, cfg);
}

static SSL_CTX *fail(SSL_CTX *ctx, enum tls_failure *why, enum tls_failure f, char *err, size_t errlen,
                     const char *text)
{
    SSL_CTX_free(ctx);
    *why = f;
    snprintf(err, errlen, "TLS: %s", text);
    return NULL;
}

SSL_CTX *tls_client_ctx(const struct sim_tls_config *cfg, const char *host, enum tls_failure *why,
                        char *err, size_t errlen)
{
    pthread_once(&record_once, record_index_init);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || record_index < 0)
        return fail(ctx, why, TLS_HANDSHAKE_FAILED, err, errlen, "OpenSSL cannot make a context (out of memory?)");
    struct tls_record *r = xmalloc(sizeof *r);
    memset(r, 0, sizeof *r);
    r->alert = -1;
    snprintf(r->sni, sizeof r->sni, "%s", cfg->sni ? cfg->sni : "");
    SSL_CTX_set_ex_data(ctx, record_index, r);    /* freed with the context */
    SSL_CTX_set_info_callback(ctx, info_cb);
    if (!set_version(ctx, cfg->version))
        return fail(ctx, why, TLS_HANDSHAKE_FAILED, err, errlen, "sslversion names no TLS version this build has");
    if (!set_cipher(ctx, cfg->cipher_suite))
        return fail(ctx, why, TLS_HANDSHAKE_FAILED, err, errlen,
                    "ciphersuites names a suite OpenSSL does not offer for TLS 1.2 or older: choose another");
    const char *missing = load_auth(ctx, cfg, host);
    if (missing)
        return fail(ctx, why, TLS_NO_CERTIFICATE, err, errlen, missing);
    *why = TLS_OK;
    return ctx;
}
