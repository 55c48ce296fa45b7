/* The driver's TLS bring-up over a scripted module (issue 17): certificate
 * uploads of exactly the announced bytes, the SSL context, ACCQ server type 1
 * and the SSL binding before every CONNECT, TLS failure codes by name, and
 * keys and passwords never in a log line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fake_port.h"

#define CA_PEM "-----BEGIN CERTIFICATE-----\nQ0FDQUNB\n-----END CERTIFICATE-----\n"
#define CERT_PEM "-----BEGIN CERTIFICATE-----\nQ0VSVENFUlQ=\n-----END CERTIFICATE-----\n"
#define KEY_BODY "S0VZU0VDUkVUS0VZ"
#define KEY_PEM "-----BEGIN PRIVATE KEY-----\n" KEY_BODY "\n-----END PRIVATE KEY-----\n"
#define KEY_PASS "k3y-pa55"
#define LEN(s) (sizeof(s) - 1)

static struct fake_dev fd;
static struct sim7600_tls tls;

static void setup(void)
{
    fake_dev_init(&fd);
    memset(&tls, 0, sizeof tls);
    tls.ca = (struct sim7600_cert){"ca.pem", (const uint8_t *)CA_PEM, LEN(CA_PEM)};
    fd.cfg.tls = &tls;
    fd.cfg.broker = "tcp://broker:8883";
}

TestSuite(tls, .init = setup);

#define UP_CA {"AT+CCERTDOWN=\"ca.pem\",63\r", "\r\n>", 0}, {CA_PEM, FAKE_OK, 0}
#define SSL_BASE(AUTH)                                                   \
    {"AT+CSSLCFG=\"sslversion\",0,4\r", FAKE_OK, 0},                     \
        {"AT+CSSLCFG=\"authmode\",0," #AUTH "\r", FAKE_OK, 0},            \
        {"AT+CSSLCFG=\"ignorelocaltime\",0,1\r", FAKE_OK, 0}
#define SSL_CA {"AT+CSSLCFG=\"cacert\",0,\"ca.pem\"\r", FAKE_OK, 0}
#define TLS_START FAKE_START_COLD, {"AT+CMQTTACCQ=0,\"dev1\",1\r", FAKE_OK, 0}
#define TLS_BIND {"AT+CMQTTSSLCFG=0,0\r", FAKE_OK, 0}
#define TLS_CONNECT_ANSWER(CODE)                                                          \
    {"AT+CMQTTCONNECT=0,\"tcp://broker:8883\",60,1\r", FAKE_OK "\r\n+CMQTTCONNECT: 0," CODE "\r\n", 0}

static int run_script(const struct fake_step *s, size_t n)
{
    int st;
    cr_assert_eq(fake_dev_start(&fd), SIM7600_OK);
    fake_port_script(&fd.fp, s, n);
    st = sim7600_connect(&fd.dev);
    cr_assert(fake_port_done(&fd.fp), "%s\nsent: %s", fd.fp.error, fake_port_tx(&fd.fp));
    return st;
}

Test(tls, ca_only_uploads_configures_server_auth_and_binds_the_context)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP, UP_CA, SSL_BASE(1), SSL_CA, TLS_START, TLS_BIND, TLS_CONNECT_ANSWER("0"),
    };
    cr_assert_eq(LEN(CA_PEM), 63);
    cr_assert_eq(run_script(FAKE_STEPS(s)), SIM7600_OK, "%s", fd.log);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_CONNECTED);
}

Test(tls, mutual_tls_uploads_three_files_and_never_logs_the_key_or_password)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP, UP_CA,
        {"AT+CCERTDOWN=\"client.pem\",67\r", "\r\n> ", 0}, {CERT_PEM, FAKE_OK, 0},
        /* a module that echoes what it is given: the key must not reach the log */
        {"AT+CCERTDOWN=\"client.key\",71\r", "\r\n>", 0}, {KEY_PEM, KEY_PEM FAKE_OK, 0},
        {"AT+CSSLCFG=\"sslversion\",3,3\r", FAKE_OK, 0},
        {"AT+CSSLCFG=\"authmode\",3,2\r", FAKE_OK, 0},
        {"AT+CSSLCFG=\"ignorelocaltime\",3,0\r", FAKE_OK, 0},
        {"AT+CSSLCFG=\"enableSNI\",3,1\r", FAKE_OK, 0},
        {"AT+CSSLCFG=\"cacert\",3,\"ca.pem\"\r", FAKE_OK, 0},
        {"AT+CSSLCFG=\"clientcert\",3,\"client.pem\"\r", FAKE_OK, 0},
        {"AT+CSSLCFG=\"clientkey\",3,\"client.key\"\r", FAKE_OK, 0},
        {"AT+CSSLCFG=\"password\",3,\"" KEY_PASS "\"\r", "AT+CSSLCFG=\"password\",3,\"" KEY_PASS "\"\r" FAKE_OK, 0},
        TLS_START,
        {"AT+CMQTTSSLCFG=0,3\r", FAKE_OK, 0},
        TLS_CONNECT_ANSWER("0"),
    };
    tls.cert = (struct sim7600_cert){"client.pem", (const uint8_t *)CERT_PEM, LEN(CERT_PEM)};
    tls.key = (struct sim7600_cert){"client.key", (const uint8_t *)KEY_PEM, LEN(KEY_PEM)};
    tls.key_password = KEY_PASS;
    tls.ssl_ctx = 3;
    tls.version = SIM7600_TLS_1_2;
    tls.check_time = true;
    tls.sni = true;
    cr_assert_eq(LEN(CERT_PEM), 67);
    cr_assert_eq(LEN(KEY_PEM), 71);
    cr_assert_eq(run_script(FAKE_STEPS(s)), SIM7600_OK, "%s", fd.log);
    cr_assert_null(strstr(fd.log, KEY_BODY), "%s", fd.log);
    cr_assert_null(strstr(fd.log, KEY_PASS), "%s", fd.log);
}

Test(tls, files_already_in_the_store_are_not_uploaded_again)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP,
        {"AT+CCERTLIST\r", "\r\n+CCERTLIST: \"other.pem\"\r\n+CCERTLIST: \"ca.pem\"\r\n" FAKE_OK, 0},
        {"AT+CCERTDOWN=\"client.pem\",67\r", "\r\n>", 0}, {CERT_PEM, FAKE_OK, 0},
        SSL_BASE(3),
        {"AT+CSSLCFG=\"clientcert\",0,\"client.pem\"\r", FAKE_OK, 0},
        {"AT+CSSLCFG=\"clientkey\",0,\"stored.key\"\r", FAKE_OK, 0},
        TLS_START, TLS_BIND, TLS_CONNECT_ANSWER("0"),
    };
    /* a CA listed by CCERTLIST is kept; a key given without bytes is only named */
    tls.upload_if_missing = true;
    tls.ca.name = NULL;
    tls.cert = (struct sim7600_cert){"client.pem", (const uint8_t *)CERT_PEM, LEN(CERT_PEM)};
    tls.key = (struct sim7600_cert){"stored.key", NULL, 0};
    cr_assert_eq(run_script(FAKE_STEPS(s)), SIM7600_OK, "%s", fd.log);
}

Test(tls, a_listed_ca_is_skipped)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP,
        {"AT+CCERTLIST\r", "\r\n+CCERTLIST: ca.pem\r\n" FAKE_OK, 0},
        SSL_BASE(1), SSL_CA, TLS_START, TLS_BIND, TLS_CONNECT_ANSWER("0"),
    };
    tls.upload_if_missing = true;
    cr_assert_eq(run_script(FAKE_STEPS(s)), SIM7600_OK, "%s", fd.log);
}

Test(tls, wrong_ca_reports_handshake_failure_by_name)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP, UP_CA, SSL_BASE(1), SSL_CA, TLS_START, TLS_BIND, TLS_CONNECT_ANSWER("32"),
    };
    int st = run_script(FAKE_STEPS(s));
    cr_assert_eq(st, SIM7600_E_MQTT_HANDSHAKE, "%s", sim7600_status_name(st));
    cr_assert_str_eq(sim7600_status_name(st), "SIM7600_E_MQTT_HANDSHAKE");
    cr_assert_not_null(strstr(sim7600_strerror(st), "handshake"));
    cr_assert_eq(sim7600_status_module_code(st), 32);
    cr_assert_str_eq(sim7600_last_step(&fd.dev), "AT+CMQTTCONNECT");
}

Test(tls, missing_certificate_is_code_33_by_name)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP, UP_CA, SSL_BASE(1), SSL_CA, TLS_START, TLS_BIND, TLS_CONNECT_ANSWER("33"),
    };
    int st = run_script(FAKE_STEPS(s));
    cr_assert_eq(st, SIM7600_E_MQTT_NO_CERT, "%s", sim7600_status_name(st));
    cr_assert_not_null(strstr(sim7600_strerror(st), "certificate not set"));
}

Test(tls, a_refused_upload_stops_bring_up_at_ccertdown)
{
    static const struct fake_step s[] = {
        FAKE_BRINGUP, {"AT+CCERTDOWN=\"ca.pem\",63\r", "\r\nERROR\r\n", 0},
    };
    int st = run_script(FAKE_STEPS(s));
    cr_assert_eq(st, SIM7600_E_ERROR, "%s", sim7600_status_name(st));
    cr_assert_str_eq(sim7600_last_step(&fd.dev), "AT+CCERTDOWN");
    cr_assert_null(strstr(fake_port_tx(&fd.fp), "CMQTTSTART"));
}

/* The binding is cleared once CONNECT finishes (MQTT §2.2.5): a reconnect
 * binds again, but does not upload or configure again. */
Test(tls, a_reconnect_binds_again_without_uploading)
{
    static const struct fake_step first[] = {
        FAKE_BRINGUP, UP_CA, SSL_BASE(1), SSL_CA, TLS_START, TLS_BIND, TLS_CONNECT_ANSWER("0"),
    };
    static const struct fake_step again[] = {
        {NULL, "\r\n+CMQTTCONNLOST: 0,1\r\n", 0},
        TLS_START, TLS_BIND, TLS_CONNECT_ANSWER("0"),
    };
    cr_assert_eq(run_script(FAKE_STEPS(first)), SIM7600_OK, "%s", fd.log);
    fake_port_script(&fd.fp, FAKE_STEPS(again));
    fake_dev_run(&fd, 10000);
    cr_assert(fake_port_done(&fd.fp), "%s\nsent: %s", fd.fp.error, fake_port_tx(&fd.fp));
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_CONNECTED);
}

Test(tls, an_out_of_range_context_is_refused_at_init)
{
    tls.ssl_ctx = 10;
    cr_assert_eq(fake_dev_start(&fd), SIM7600_E_PARAM);
    tls.ssl_ctx = 9;
    tls.version = SIM7600_TLS_1_2 + 1;
    cr_assert_eq(fake_dev_start(&fd), SIM7600_E_PARAM);
}
