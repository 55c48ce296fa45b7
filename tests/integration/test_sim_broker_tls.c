/* MQTT over TLS end to end (issue 17; findings §28): sim7600-sim --broker tcp
 * to a private mosquitto with a TLS listener on loopback, the module set up
 * over its pty as firmware sets it up (AT+CCERTDOWN, AT+CSSLCFG,
 * AT+CMQTTACCQ=...,1, AT+CMQTTSSLCFG). Every result code comes from a real
 * handshake: the test certificates of tests/support/make-test-certs.sh. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_host.h"
#include "test_certs.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define CONNECT_WAIT_MS 10000     /* a handshake on a loaded machine: bounded, generous */
#define CCLK_MAX 32

static struct sim_process sim;
static struct mosquitto_process broker;

static void stop_all(void)
{
    simproc_stop(&sim);
    mqproc_stop(&broker);
}

TestSuite(broker_tls, .fini = stop_all, .timeout = 60);

static void send_expect(const char *cmd, const char *answer) { host_send_expect(&sim, cmd, answer); }

/* mosquitto with a TLS listener serving CERT (key KEY); `mutual`: it wants a
 * client certificate of the test CA. Then the module, pointed at it. */
static void start(const char *cert, const char *key, bool mutual)
{
    host_tls_broker_start(&broker, cert, key, mutual);
    host_start_broker(&sim, broker.tls_port);
    send_expect("AT+CMQTTREL=0\r", "\r\nOK\r\n");    /* the warm profile's plain client */
}

/* A store file NAME with the bytes given, uploaded through AT+CCERTDOWN. */
static void upload_bytes(const char *name, const uint8_t *data, size_t len)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "AT+CCERTDOWN=\"%s\",%zu\r", name, len);
    send_expect(cmd, ">");
    simproc_write(&sim, data, len);
    host_expect(&sim, "\r\nOK\r\n");
}

/* The test certificate FILE, as store file NAME. */
static void upload(const char *name, const char *file)
{
    size_t len;
    uint8_t *data = test_cert_read(file, &len);
    upload_bytes(name, data, len);
    free(data);
}

static void set(const char *item, const char *value)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "AT+CSSLCFG=\"%s\",0,%s\r", item, value);
    send_expect(cmd, "\r\nOK\r\n");
}

static void server_auth(const char *ca_file)
{
    upload("ca.pem", ca_file);
    set("authmode", "1");
    set("cacert", "\"ca.pem\"");
}

static void client_identity(const char *cert, const char *key, const char *password)
{
    upload("client.pem", cert);
    upload("client.key.pem", key);
    set("clientcert", "\"client.pem\"");
    set("clientkey", "\"client.key.pem\"");
    if (password) {
        char quoted[64];
        snprintf(quoted, sizeof quoted, "\"%s\"", password);
        set("password", quoted);
    }
}

/* ACCQ with server type 1, SSLCFG, CONNECT: the result code. */
static void connect_expect(int code)
{
    send_expect("AT+CMQTTACCQ=0,\"dev-tls\",1\r", "\r\nOK\r\n");
    send_expect("AT+CMQTTSSLCFG=0,0\r", "\r\nOK\r\n");
    send_expect("AT+CMQTTCONNECT=0,\"tcp://localhost:8883\",60,1\r", "\r\nOK\r\n");
    char want[64];
    snprintf(want, sizeof want, "\r\n+CMQTTCONNECT: 0,%d\r\n", code);
    host_expect_within(&sim, want, CONNECT_WAIT_MS);
}

/* The module's clock set to the host's (UTC), as NITZ or AT+CCLK would. */
static void clock_now(void)
{
    char cmd[CCLK_MAX + 16], stamp[CCLK_MAX];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    snprintf(stamp, sizeof stamp, "%02d/%02d/%02d,%02d:%02d:%02d+00", tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    snprintf(cmd, sizeof cmd, "AT+CCLK=\"%s\"\r", stamp);
    send_expect(cmd, "\r\nOK\r\n");
}

/* ---- server authentication ---------------------------------------------------------- */

Test(broker_tls, server_only_tls_connects_and_publishes)
{
    start("server.pem", "server-key.pem", false);
    struct watch_client *w = watch_start(broker.port, "tls/#");
    cr_assert_not_null(w);
    server_auth("ca.pem");
    connect_expect(0);
    send_expect("AT+CMQTTTOPIC=0,7\r", ">");
    send_expect("tls/dev", "\r\nOK\r\n");
    send_expect("AT+CMQTTPAYLOAD=0,5\r", ">");
    send_expect("hello", "\r\nOK\r\n");
    send_expect("AT+CMQTTPUB=0,1,60\r", "\r\nOK\r\n\r\n+CMQTTPUB: 0,0\r\n");
    cr_assert_eq(watch_wait(w, 1, T), 1, "the broker never saw the message sent over TLS");
    cr_assert_str_eq(watch_topic(w, 0), "tls/dev");
    watch_stop(w);
}

Test(broker_tls, a_server_of_another_ca_is_a_handshake_failure)
{
    start("server.pem", "server-key.pem", false);
    server_auth("wrong-ca.pem");
    connect_expect(32);
}

Test(broker_tls, authmode_0_takes_a_server_it_cannot_verify)
{
    start("server.pem", "server-key.pem", false);
    connect_expect(0);
}

Test(broker_tls, without_the_ca_the_module_says_33_before_connecting)
{
    start("server.pem", "server-key.pem", false);
    set("authmode", "1");
    connect_expect(33);
}

/* ---- the server's validity and the module's clock ------------------------------------ */

/* The broker serving CERT (KEY), verified against the test CA with
 * ignorelocaltime IGNORE on a module clock set to now: CONNECT gives CODE. */
static void timed_connect_expect(const char *cert, const char *key, const char *ignore, int code)
{
    start(cert, key, false);
    server_auth("ca.pem");
    set("ignorelocaltime", ignore);
    clock_now();
    connect_expect(code);
}

Test(broker_tls, an_expired_certificate_fails_when_the_module_checks_its_time)
{
    timed_connect_expect("expired.pem", "expired-key.pem", "0", 32);
}

Test(broker_tls, an_expired_certificate_passes_when_local_time_is_ignored)
{
    timed_connect_expect("expired.pem", "expired-key.pem", "1", 0);
}

Test(broker_tls, a_valid_certificate_passes_a_time_check_on_a_clock_that_was_set)
{
    timed_connect_expect("server.pem", "server-key.pem", "0", 0);
}

/* ---- client certificates ----------------------------------------------------------- */

/* A broker wanting a client certificate of the test CA; the module verifies
 * it (authmode 2) and presents CERT with KEY (and PASSWORD, or none):
 * CONNECT gives CODE. */
static void mutual_connect_expect(const char *cert, const char *key, const char *password, int code)
{
    start("server.pem", "server-key.pem", true);
    server_auth("ca.pem");
    set("authmode", "2");
    client_identity(cert, key, password);
    connect_expect(code);
}

Test(broker_tls, mutual_tls_with_an_encrypted_key)
{
    mutual_connect_expect("client.pem", "client-key-enc.pem", TEST_CERTS_PASSWORD, 0);
}

Test(broker_tls, a_client_certificate_the_broker_rejects_is_a_handshake_failure)
{
    mutual_connect_expect("wrong-client.pem", "wrong-client-key.pem", NULL, 32);
}

Test(broker_tls, a_broker_that_wants_a_certificate_refuses_a_client_without_one)
{
    start("server.pem", "server-key.pem", true);
    server_auth("ca.pem");
    connect_expect(32);
}

/* ---- the files, as uploaded, and SNI ------------------------------------------------ */

Test(broker_tls, certificates_and_key_uploaded_as_der)
{
    start("server.pem", "server-key.pem", true);
    upload("ca.der", "ca.der");
    set("authmode", "2");
    set("cacert", "\"ca.der\"");
    upload("client.der", "client.der");
    upload("clientkey.der", "client-key.der");
    set("clientcert", "\"client.der\"");
    set("clientkey", "\"clientkey.der\"");
    connect_expect(0);
}

Test(broker_tls, a_pem_uploaded_with_cr_lf_line_ends)
{
    start("server.pem", "server-key.pem", false);
    size_t n;
    uint8_t *crlf = test_cert_read_crlf("ca.pem", &n);
    upload_bytes("ca.pem", crlf, n);
    free(crlf);
    set("authmode", "1");
    set("cacert", "\"ca.pem\"");
    connect_expect(0);
}

Test(broker_tls, sni_on_and_off_both_connect)
{
    start("server.pem", "server-key.pem", false);
    server_auth("ca.pem");
    set("enableSNI", "1");
    connect_expect(0);
    send_expect("AT+CMQTTDISC=0,60\r", "\r\n+CMQTTDISC: 0,0\r\n");
    set("enableSNI", "0");
    send_expect("AT+CMQTTREL=0\r", "\r\nOK\r\n");
    connect_expect(0);
}
