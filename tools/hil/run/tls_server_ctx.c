/* A TLS server's OpenSSL context (tls_server_ctx.h). */
#include "tls_server_ctx.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

struct ssl_ctx_st *tls_server_ctx_new(const char *cert_file, const char *key_file, const char *who,
                                      struct strbuf *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        sb_printf(err, "cannot make %s's TLS context (OpenSSL out of memory?)", who);
        return NULL;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        sb_printf(err, "%s cannot use certificate %s with key %s (missing, not PEM, or not a pair; "
                       "tests/support/make-test-certs.sh makes a set)", who, cert_file, key_file);
        SSL_CTX_free(ctx);
        ERR_clear_error();
        return NULL;
    }
    return ctx;
}

void tls_server_ctx_free(struct ssl_ctx_st *ctx) { SSL_CTX_free(ctx); }
