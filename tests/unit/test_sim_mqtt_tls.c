/* MQTT over TLS in the model (issue 17; findings §28): AT+CMQTTACCQ's server
 * type 1, AT+CMQTTSSLCFG binding a session to an SSL context, CONNECT
 * checking the context as the module does (33 without the certificates its
 * authmode needs), the embedded broker's `tls-fail` (32 for a client that
 * notices), and what the link is handed: the resolved context, or none. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "sim_fixture.h"

#define FAKE_PEM "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

static void setup(void)
{
    sim_fixture_start();
    sim_fixture_boot();
    cr_assert_str_eq(io("AT+CMQTTSTART\r"), "\r\n+CMQTTSTART: 0\r\n\r\nOK\r\n");
}

TestSuite(mqtt_tls, .init = setup, .fini = sim_fixture_teardown);

/* A store file NAME holding TEXT, uploaded as a host does. */
static void upload(const char *name, const char *text)
{
    char line[128];
    snprintf(line, sizeof line, "AT+CCERTDOWN=\"%s\",%zu\r", name, strlen(text));
    cr_assert(strstr(io(line), ">"), "no prompt for %s", name);
    cr_assert_str_eq(io(text), "\r\nOK\r\n");
}

static void cfg(const char *line)
{
    cr_assert_str_eq(io(line), "\r\nOK\r\n", "%s was refused", line);
}

static const char *connect0(void)
{
    return io("AT+CMQTTCONNECT=0,\"tcp://broker.example:8883\",60,1\r");
}

static void acquire_tls(void)
{
    cr_assert_str_eq(io("AT+CMQTTACCQ=0,\"dev1\",1\r"), "\r\nOK\r\n");
}

/* ---- server type and binding ---------------------------------------------------------- */

Test(mqtt_tls, accq_takes_server_type_1_and_shows_it)
{
    EXCHANGES({"AT+CMQTTACCQ=0,\"dev1\",2\r", "\r\n+CMQTTACCQ: 0,12\r\n\r\nERROR\r\n"},
              {"AT+CMQTTACCQ=0,\"dev1\",1\r", "\r\nOK\r\n"},
              {"AT+CMQTTACCQ?\r", "\r\n+CMQTTACCQ: 0,\"dev1\",1\r\n+CMQTTACCQ: 1,\"\",0\r\n\r\nOK\r\n"});
}

Test(mqtt_tls, sslcfg_binds_a_session_until_its_connect)
{
    EXCHANGES({"AT+CMQTTSSLCFG=?\r", "\r\n+CMQTTSSLCFG: (0,1),(0-9)\r\n\r\nOK\r\n"},
              {"AT+CMQTTSSLCFG?\r", "\r\n+CMQTTSSLCFG: 0,\r\n+CMQTTSSLCFG: 1,\r\n\r\nOK\r\n"},
              {"AT+CMQTTSSLCFG=0,3\r", "\r\nOK\r\n"},
              {"AT+CMQTTSSLCFG=1,10\r", "\r\nERROR\r\n"},
              {"AT+CMQTTSSLCFG=2,0\r", "\r\nERROR\r\n"},
              {"AT+CMQTTSSLCFG?\r", "\r\n+CMQTTSSLCFG: 0,3\r\n+CMQTTSSLCFG: 1,\r\n\r\nOK\r\n"});
    acquire_tls();
    cr_assert_str_eq(connect0(), "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
    cr_assert_str_eq(io("AT+CMQTTSSLCFG?\r"), "\r\n+CMQTTSSLCFG: 0,\r\n+CMQTTSSLCFG: 1,\r\n\r\nOK\r\n");
}

Test(mqtt_tls, a_binding_made_before_accq_holds)
{
    /* the order of the LilyGo Azure sketch: SSLCFG, then REL and ACCQ (fidelity S2) */
    cfg("AT+CMQTTSSLCFG=0,1\r");
    acquire_tls();
    cr_assert_str_eq(io("AT+CMQTTSSLCFG?\r"), "\r\n+CMQTTSSLCFG: 0,1\r\n+CMQTTSSLCFG: 1,\r\n\r\nOK\r\n");
}

/* ---- the module's own checks ---------------------------------------------------------- */

Test(mqtt_tls, authmode_0_connects_without_certificates)
{
    acquire_tls();
    cr_assert_str_eq(connect0(), "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
}

Test(mqtt_tls, server_authentication_without_a_ca_is_33)
{
    cfg("AT+CSSLCFG=\"authmode\",0,1\r");
    acquire_tls();
    cr_assert_str_eq(connect0(), "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,33\r\n");
    cr_assert_str_eq(io("AT+CMQTTDISC?\r"), "\r\n+CMQTTDISC: 0,1\r\n+CMQTTDISC: 1,1\r\n\r\nOK\r\n");
}

Test(mqtt_tls, server_authentication_with_its_ca_connects)
{
    upload("ca.pem", FAKE_PEM);
    cfg("AT+CSSLCFG=\"authmode\",0,1\r");
    cfg("AT+CSSLCFG=\"cacert\",0,\"ca.pem\"\r");
    acquire_tls();
    cr_assert_str_eq(connect0(), "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
}

Test(mqtt_tls, mutual_tls_without_the_client_key_is_33)
{
    upload("ca.pem", FAKE_PEM);
    upload("client.pem", FAKE_PEM);
    cfg("AT+CSSLCFG=\"authmode\",0,2\r");
    cfg("AT+CSSLCFG=\"cacert\",0,\"ca.pem\"\r");
    cfg("AT+CSSLCFG=\"clientcert\",0,\"client.pem\"\r");
    acquire_tls();
    cr_assert_str_eq(connect0(), "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,33\r\n");
}

Test(mqtt_tls, the_bound_context_is_checked_not_the_clients_own)
{
    cfg("AT+CSSLCFG=\"authmode\",4,1\r");       /* context 4 wants a CA it lacks; context 0 wants none */
    cfg("AT+CMQTTSSLCFG=0,4\r");
    acquire_tls();
    cr_assert_str_eq(connect0(), "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,33\r\n");
    cr_assert_str_eq(connect0(), "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");   /* used up: context 0 now */
}

Test(mqtt_tls, a_plain_client_ignores_the_ssl_contexts)
{
    cfg("AT+CSSLCFG=\"authmode\",0,1\r");
    cr_assert_str_eq(io("AT+CMQTTACCQ=0,\"dev1\"\r"), "\r\nOK\r\n");
    cr_assert_str_eq(connect0(), "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
}

/* ---- the embedded broker's tls-fail ---------------------------------------------------- */

/* Client 0 of authmode `auth` (a CA in the store for 1), ignorelocaltime `ignore`. */
static void tls_client(int auth, int ignore)
{
    char line[64];
    upload("ca.pem", FAKE_PEM);
    snprintf(line, sizeof line, "AT+CSSLCFG=\"authmode\",0,%d\r", auth);
    cfg(line);
    cfg("AT+CSSLCFG=\"cacert\",0,\"ca.pem\"\r");
    snprintf(line, sizeof line, "AT+CSSLCFG=\"ignorelocaltime\",0,%d\r", ignore);
    cfg(line);
    acquire_tls();
}

static void assert_connect_code(const char *fault, int code)
{
    char want[64], reply[64];
    snprintf(reply, sizeof reply, "OK tls-fail %s", fault);
    char line[64];
    snprintf(line, sizeof line, "tls-fail %s", fault);
    cr_assert_str_eq(ctl(line), reply);
    snprintf(want, sizeof want, "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,%d\r\n", code);
    const char *got = connect0();
    cr_assert_str_eq(got, want, "tls-fail %s: %s", fault, got);
    if (code == 0)
        cr_assert_str_eq(io("AT+CMQTTDISC=0,60\r"), "\r\nOK\r\n\r\n+CMQTTDISC: 0,0\r\n");
}

Test(mqtt_tls, a_broken_handshake_or_a_rejected_client_fails_every_client)
{
    tls_client(0, 1);
    assert_connect_code("handshake", 32);
    assert_connect_code("rejected", 32);
    assert_connect_code("off", 0);
}

Test(mqtt_tls, an_untrusted_server_fails_only_a_client_that_verifies_it)
{
    tls_client(0, 1);
    assert_connect_code("untrusted", 0);
    io("AT+CSSLCFG=\"authmode\",0,1\r");
    assert_connect_code("untrusted", 32);
}

Test(mqtt_tls, an_expired_server_fails_only_a_client_that_checks_its_time)
{
    tls_client(1, 1);
    assert_connect_code("expired", 0);
    io("AT+CSSLCFG=\"ignorelocaltime\",0,0\r");
    assert_connect_code("expired", 32);
}

Test(mqtt_tls, tls_fail_leaves_plain_clients_alone)
{
    cr_assert_str_eq(io("AT+CMQTTACCQ=0,\"dev1\",0\r"), "\r\nOK\r\n");
    assert_connect_code("handshake", 0);
}

Test(mqtt_tls, tls_fail_as_a_rule_action)
{
    tls_client(0, 1);
    cr_assert(strncmp(ctl("rule on-send AT+CMQTTCONNECT tls-fail handshake"), "OK", 2) == 0);
    cr_assert_str_eq(connect0(), "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,32\r\n");
}

Test(mqtt_tls, tls_fail_names_its_forms)
{
    cr_assert(strstr(ctl("tls-fail sometimes"), "use handshake, untrusted, expired, rejected or off"));
}

/* ---- what the link is handed ---------------------------------------------------------- */

static struct {
    int connects;
    bool tls;
    struct sim_tls_config cfg;
    char sni[64];
    size_t ca_len;
} seen;

static void rec_connect(void *ctx, const struct sim_link_connect *p)
{
    seen.connects++;
    seen.tls = p->tls != NULL;
    if (p->tls) {
        seen.cfg = *p->tls;
        snprintf(seen.sni, sizeof seen.sni, "%s", p->tls->sni ? p->tls->sni : "(none)");
        seen.ca_len = p->tls->ca.len;
    }
    (void)ctx;     /* no answer: what the link was handed is all these tests look at */
}

static void rec_none(void *ctx, int client) { (void)ctx, (void)client; }

static const struct sim_link_ops recording_link = {.connect = rec_connect, .disconnect = rec_none, .drop = rec_none};

Test(mqtt_tls, the_link_gets_the_bound_context_resolved)
{
    sim_set_link(drive.sim, &recording_link, drive.sim);
    upload("ca.pem", FAKE_PEM);
    cfg("AT+CSSLCFG=\"authmode\",3,1\r");
    cfg("AT+CSSLCFG=\"cacert\",3,\"ca.pem\"\r");
    cfg("AT+CSSLCFG=\"enableSNI\",3,1\r");
    cfg("AT+CSSLCFG=\"ignorelocaltime\",3,0\r");
    cfg("AT+CMQTTSSLCFG=0,3\r");
    acquire_tls();
    cr_assert_str_eq(connect0(), "\r\nOK\r\n");
    cr_assert_eq(seen.connects, 1);
    cr_assert(seen.tls);
    cr_assert_eq(seen.cfg.auth, SIM_TLS_AUTH_SERVER);
    cr_assert_eq(seen.ca_len, strlen(FAKE_PEM));
    cr_assert_str_eq(seen.sni, "broker.example");
    cr_assert(seen.cfg.check_time);
}

Test(mqtt_tls, a_plain_client_hands_the_link_no_tls)
{
    sim_set_link(drive.sim, &recording_link, drive.sim);
    cr_assert_str_eq(io("AT+CMQTTACCQ=0,\"dev1\"\r"), "\r\nOK\r\n");
    cr_assert_str_eq(connect0(), "\r\nOK\r\n");
    cr_assert_eq(seen.connects, 1);
    cr_assert_not(seen.tls);
}

Test(mqtt_tls, tls_fail_is_the_embedded_brokers_only)
{
    sim_set_link(drive.sim, &recording_link, drive.sim);
    cr_assert(strstr(ctl("tls-fail handshake"), "works with the embedded broker"));
}
