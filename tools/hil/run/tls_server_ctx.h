/* A TLS server's OpenSSL context from a certificate chain and its key (PEM
 * files), for the loopback servers that speak TLS: the runner's HTTPS server
 * (http_server_io.c) and the tests' own (test_sim_cch's echo server). */
#ifndef HIL_TLS_SERVER_CTX_H
#define HIL_TLS_SERVER_CTX_H

#include "strbuf.h"

struct ssl_ctx_st;

/* The context serving `cert_file` (a chain, leaf first) with `key_file`;
 * NULL with why in err, `who` naming the server there ("the HTTPS test
 * server"). */
struct ssl_ctx_st *tls_server_ctx_new(const char *cert_file, const char *key_file, const char *who,
                                      struct strbuf *err);
void tls_server_ctx_free(struct ssl_ctx_st *ctx);

#endif
