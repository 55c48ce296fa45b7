/* The TLS engine at the simulator's edge (sim/tls_openssl.c, issue 17): a
 * client context made from an SSL context's settings, handshaking over a
 * socketpair with an OpenSSL server the test builds from the test
 * certificates (tests/support/make-test-certs.sh). Each failure class comes
 * from a real handshake: a wrong CA, an expired certificate at the module's
 * time, another name, a client certificate the server refuses. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "test_certs.h"
#include "tls_openssl.h"

#define IO_BOUND_S 5                        /* no handshake step waits longer */
#define TIME_2020_06_01 1590969600          /* inside the expired certificate's 2020 validity */
#define TIME_2026_01_01 1767225600          /* after it */
#define SUITE_ECDHE_ECDSA_AES128_GCM 0xC02B /* IANA number of TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */

/* ---- the server ---------------------------------------------------------------- */

struct server {
    const char *cert, *key;     /* file names in the certificate set */
    bool require_client_cert;   /* signed by the test CA */
    int max_version;            /* 0: any */
    int min_version;
    /* what it saw */
    int fd;
    bool accepted;
    char sni[256];
    bool client_cert_seen;
};

static int servername_cb(SSL *ssl, int *alert, void *arg)
{
    (void)alert;
    struct server *sv = arg;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    snprintf(sv->sni, sizeof sv->sni, "%s", name ? name : "");
    return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *server_ctx(struct server *sv)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    cr_assert_not_null(ctx);
    cr_assert_eq(SSL_CTX_use_certificate_file(ctx, test_cert_path(sv->cert), SSL_FILETYPE_PEM), 1);
    cr_assert_eq(SSL_CTX_use_PrivateKey_file(ctx, test_cert_path(sv->key), SSL_FILETYPE_PEM), 1);
    SSL_CTX_set_tlsext_servername_callback(ctx, servername_cb);
    SSL_CTX_set_tlsext_servername_arg(ctx, sv);
    if (sv->require_client_cert) {
        cr_assert_eq(SSL_CTX_load_verify_file(ctx, test_cert_path("ca.pem")), 1);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    if (sv->min_version)
        SSL_CTX_set_min_proto_version(ctx, sv->min_version);
    if (sv->max_version)
        SSL_CTX_set_max_proto_version(ctx, sv->max_version);
    return ctx;
}

static void *server_thread(void *arg)
{
    struct server *sv = arg;
    SSL_CTX *ctx = server_ctx(sv);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, sv->fd);
    sv->accepted = SSL_accept(ssl) == 1;
    if (sv->accepted) {
        X509 *peer = SSL_get1_peer_certificate(ssl);
        sv->client_cert_seen = peer != NULL;
        X509_free(peer);
        SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(sv->fd);
    return NULL;
}

static void bound_io(int fd)
{
    struct timeval tv = {.tv_sec = IO_BOUND_S};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* ---- the client under test --------------------------------------------------------- */

#define OWNED_MAX 8
static uint8_t *owned[OWNED_MAX];
static int owned_n;

/* `data` as a blob, kept until the test ends (release). */
static struct sim_tls_blob keep(uint8_t *data, size_t len)
{
    cr_assert_lt(owned_n, OWNED_MAX);
    owned[owned_n++] = data;
    return (struct sim_tls_blob){data, len};
}

static struct sim_tls_blob blob(const char *name)
{
    size_t len;
    uint8_t *data = test_cert_read(name, &len);
    return keep(data, len);
}

static void release(void)
{
    while (owned_n > 0)
        free(owned[--owned_n]);
}

TestSuite(tls, .fini = release, .timeout = 30);

static struct sim_tls_config server_auth(const char *ca)
{
    return (struct sim_tls_config){.version = SIM_TLS_ANY, .auth = SIM_TLS_AUTH_SERVER, .ca = blob(ca),
                                   .sni = "localhost", .cipher_suite = -1};
}

static struct sim_tls_config mutual(const char *cert, const char *key, const char *password)
{
    struct sim_tls_config cfg = server_auth("ca.pem");
    cfg.auth = SIM_TLS_AUTH_MUTUAL;
    cfg.cert = blob(cert);
    cfg.key = blob(key);
    cfg.key_password = password;
    return cfg;
}

/* One handshake of a client made from cfg (to `host`) with sv; the class it ends in. */
static enum tls_failure handshake(const struct sim_tls_config *cfg, const char *host, struct server *sv)
{
    enum tls_failure why;
    char err[256];
    SSL_CTX *ctx = tls_client_ctx(cfg, host, &why, err, sizeof err);
    cr_assert_not_null(ctx, "no context: %s", err);
    cr_assert_eq(why, TLS_OK);
    int fds[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    bound_io(fds[0]);
    bound_io(fds[1]);
    sv->fd = fds[1];
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, server_thread, sv), 0);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fds[0]);
    SSL_set_tlsext_host_name(ssl, host);    /* as libmosquitto does: the context overrides it */
    int rc = SSL_connect(ssl);
    if (rc == 1) {
        char byte;
        SSL_read(ssl, &byte, 1);            /* the server's close_notify: a TLS 1.3 rejection would come here */
    }
    SSL_free(ssl);
    close(fds[0]);
    pthread_join(t, NULL);
    enum tls_failure f = tls_ctx_failure(ctx);
    cr_assert_eq(f == TLS_OK, rc == 1, "class %s but SSL_connect gave %d", tls_failure_text(f), rc);
    cr_assert_eq(tls_ctx_handshake_done(ctx), rc == 1);
    SSL_CTX_free(ctx);
    return f;
}

static struct server localhost_server(void)
{
    return (struct server){.cert = "server.pem", .key = "server-key.pem"};
}

/* A handshake to "localhost" with the localhost server wanting a client
 * certificate of the test CA; sv tells what it saw. */
static enum tls_failure handshake_wanting_a_cert(const struct sim_tls_config *cfg, struct server *sv)
{
    *sv = localhost_server();
    sv->require_client_cert = true;
    return handshake(cfg, "localhost", sv);
}

/* A handshake with the expired certificate's server, its validity checked
 * (or not) at the module's time `now`. */
static enum tls_failure handshake_expired(bool check_time, int64_t now)
{
    struct sim_tls_config cfg = server_auth("ca.pem");
    cfg.check_time = check_time;
    cfg.module_time = now;
    struct server sv = {.cert = "expired.pem", .key = "expired-key.pem"};
    return handshake(&cfg, "localhost", &sv);
}

static void assert_class(enum tls_failure got, enum tls_failure want)
{
    cr_assert_eq(got, want, "the handshake ended in \"%s\", expected \"%s\"", tls_failure_text(got),
                 tls_failure_text(want));
}

/* ---- server authentication ---------------------------------------------------------- */

Test(tls, a_server_of_our_ca_is_accepted_and_hears_the_sni)
{
    struct sim_tls_config cfg = server_auth("ca.pem");
    struct server sv = localhost_server();
    assert_class(handshake(&cfg, "localhost", &sv), TLS_OK);
    cr_assert(sv.accepted);
    cr_assert_str_eq(sv.sni, "localhost");
}

Test(tls, with_sni_off_the_server_hears_no_name_even_when_the_caller_set_one)
{
    struct sim_tls_config cfg = server_auth("ca.pem");
    cfg.sni = NULL;
    struct server sv = localhost_server();
    assert_class(handshake(&cfg, "localhost", &sv), TLS_OK);
    cr_assert_str_eq(sv.sni, "");
}

Test(tls, the_sni_is_the_configured_name_not_the_callers)
{
    struct sim_tls_config cfg = server_auth("ca.pem");
    cfg.sni = "broker.example";
    struct server sv = localhost_server();
    assert_class(handshake(&cfg, "127.0.0.1", &sv), TLS_OK);    /* the IP is in the certificate */
    cr_assert_str_eq(sv.sni, "broker.example");
}

Test(tls, a_server_of_another_ca_is_untrusted)
{
    struct sim_tls_config cfg = server_auth("wrong-ca.pem");
    struct server sv = localhost_server();
    assert_class(handshake(&cfg, "localhost", &sv), TLS_SERVER_UNTRUSTED);
    cr_assert_not(sv.accepted);
}

Test(tls, a_certificate_for_another_name_is_a_name_mismatch)
{
    struct sim_tls_config cfg = server_auth("ca.pem");
    struct server sv = localhost_server();
    assert_class(handshake(&cfg, "broker.example", &sv), TLS_SERVER_NAME_MISMATCH);
}

Test(tls, an_expired_certificate_fails_at_the_modules_time_when_time_is_checked)
{
    assert_class(handshake_expired(true, TIME_2026_01_01), TLS_SERVER_EXPIRED);
}

Test(tls, an_expired_certificate_passes_when_the_modules_clock_is_inside_its_validity)
{
    assert_class(handshake_expired(true, TIME_2020_06_01), TLS_OK);
}

Test(tls, an_expired_certificate_passes_when_local_time_is_ignored)
{
    assert_class(handshake_expired(false, TIME_2026_01_01), TLS_OK);
}

Test(tls, authmode_0_accepts_any_server)
{
    struct sim_tls_config cfg = {.version = SIM_TLS_ANY, .auth = SIM_TLS_AUTH_NONE, .cipher_suite = -1};
    struct server sv = {.cert = "expired.pem", .key = "expired-key.pem"};
    assert_class(handshake(&cfg, "broker.example", &sv), TLS_OK);
}

/* ---- the files, as uploaded ------------------------------------------------------------ */

Test(tls, a_der_ca_works_as_its_pem)
{
    struct sim_tls_config cfg = server_auth("ca.der");
    struct server sv = localhost_server();
    assert_class(handshake(&cfg, "localhost", &sv), TLS_OK);
}

Test(tls, a_pem_ca_with_cr_lf_line_ends_works)
{
    struct sim_tls_config cfg = server_auth("ca.pem");
    size_t n;
    uint8_t *crlf = test_cert_read_crlf("ca.pem", &n);
    cfg.ca = keep(crlf, n);
    struct server sv = localhost_server();
    assert_class(handshake(&cfg, "localhost", &sv), TLS_OK);
}

static void assert_no_context(const struct sim_tls_config *cfg, const char *says)
{
    enum tls_failure why;
    char err[256] = "";
    SSL_CTX *ctx = tls_client_ctx(cfg, "localhost", &why, err, sizeof err);
    cr_assert_null(ctx);
    assert_class(why, TLS_NO_CERTIFICATE);
    cr_assert(strstr(err, says), "the error \"%s\" does not say \"%s\"", err, says);
    cr_assert_null(strstr(err, TEST_CERTS_PASSWORD), "the error shows the password: %s", err);
}

Test(tls, server_authentication_without_a_ca_is_no_certificate)
{
    struct sim_tls_config cfg = server_auth("ca.pem");
    cfg.ca.len = 0;
    assert_no_context(&cfg, "cacert");
}

Test(tls, a_ca_that_is_not_a_certificate_is_no_certificate)
{
    struct sim_tls_config cfg = server_auth("ca.pem");
    cfg.ca = (struct sim_tls_blob){(const uint8_t *)"not a certificate", 17};
    assert_no_context(&cfg, "cacert");
}

/* ---- client certificates -------------------------------------------------------------- */

/* cfg's certificate is taken by the localhost server, which wants one. */
static void assert_client_cert_taken(const struct sim_tls_config *cfg)
{
    struct server sv;
    assert_class(handshake_wanting_a_cert(cfg, &sv), TLS_OK);
    cr_assert(sv.client_cert_seen);
}

Test(tls, mutual_tls_with_an_encrypted_key_and_its_password)
{
    struct sim_tls_config cfg = mutual("client.pem", "client-key-enc.pem", TEST_CERTS_PASSWORD);
    assert_client_cert_taken(&cfg);
}

Test(tls, mutual_tls_with_der_certificate_and_key)
{
    struct sim_tls_config cfg = mutual("client.der", "client-key.der", NULL);
    assert_client_cert_taken(&cfg);
}

Test(tls, authmode_3_sends_the_certificate_and_does_not_check_the_server)
{
    struct sim_tls_config cfg = mutual("client.pem", "client-key.pem", NULL);
    cfg.auth = SIM_TLS_AUTH_CLIENT;
    cfg.ca.len = 0;
    struct server sv = {.cert = "expired.pem", .key = "expired-key.pem", .require_client_cert = true};
    assert_class(handshake(&cfg, "broker.example", &sv), TLS_OK);
    cr_assert(sv.client_cert_seen);
}

Test(tls, a_client_certificate_of_another_ca_is_rejected_by_the_server)
{
    struct sim_tls_config cfg = mutual("wrong-client.pem", "wrong-client-key.pem", NULL);
    struct server sv;
    assert_class(handshake_wanting_a_cert(&cfg, &sv), TLS_CLIENT_REJECTED);
    cr_assert_not(sv.accepted);
}

Test(tls, a_wrong_key_password_is_no_certificate)
{
    struct sim_tls_config cfg = mutual("client.pem", "client-key-enc.pem", "not-the-password");
    assert_no_context(&cfg, "password");
}

Test(tls, an_encrypted_key_without_a_password_is_no_certificate_and_never_prompts)
{
    struct sim_tls_config cfg = mutual("client.pem", "client-key-enc.pem", NULL);
    assert_no_context(&cfg, "clientkey");
}

Test(tls, mutual_tls_without_a_client_key_is_no_certificate)
{
    struct sim_tls_config cfg = mutual("client.pem", "client-key.pem", NULL);
    cfg.key.len = 0;
    assert_no_context(&cfg, "clientkey");
}

Test(tls, a_key_of_another_certificate_is_no_certificate)
{
    struct sim_tls_config cfg = mutual("client.pem", "wrong-client-key.pem", NULL);
    assert_no_context(&cfg, "not the client certificate's");
}

/* ---- versions and suites -------------------------------------------------------------- */

Test(tls, a_version_the_server_does_not_take_is_a_handshake_failure)
{
    struct sim_tls_config cfg = server_auth("ca.pem");
    cfg.version = SIM_TLS_1_1;
    struct server sv = localhost_server();
    sv.min_version = TLS1_2_VERSION;
    assert_class(handshake(&cfg, "localhost", &sv), TLS_HANDSHAKE_FAILED);
}

Test(tls, all_versions_means_up_to_tls_1_2_as_the_module)
{
    struct sim_tls_config cfg = server_auth("ca.pem");
    struct server sv = localhost_server();
    sv.min_version = TLS1_3_VERSION;
    assert_class(handshake(&cfg, "localhost", &sv), TLS_HANDSHAKE_FAILED);
}

Test(tls, a_cipher_suite_by_its_iana_number)
{
    struct sim_tls_config cfg = server_auth("ca.pem");
    cfg.cipher_suite = SUITE_ECDHE_ECDSA_AES128_GCM;
    struct server sv = localhost_server();
    assert_class(handshake(&cfg, "localhost", &sv), TLS_OK);
}

Test(tls, a_cipher_suite_the_server_key_cannot_use_is_a_handshake_failure)
{
    struct sim_tls_config cfg = server_auth("ca.pem");
    cfg.cipher_suite = 0xC02F;    /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: the server's key is EC */
    struct server sv = localhost_server();
    assert_class(handshake(&cfg, "localhost", &sv), TLS_HANDSHAKE_FAILED);
}
