/* The certificate store and the SSL contexts (issue 17; findings §27):
 * AT+CCERTDOWN/CCERTLIST/CCERTDELE, AT+CSSLCFG in every form, what a reboot
 * keeps, and what ssl_resolve gives a connection. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_fixture.h"
#include "sim_internal.h"

#define PEM_CRLF "-----BEGIN CERTIFICATE-----\r\nMIIBszCCAVmgAwIBAgIU\r\n-----END CERTIFICATE-----\r\n"
#define KEY_PEM "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n"

static void start(void)
{
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = 0;
    cfg.profile = SIM_PROFILE_WARM;
    cfg.data_timeout_ms = 500;
    sim_drive_start(&drive, &cfg);
    advance(1);
    io("ATE0\r");
}

/* AT+CCERTDOWN of `len` bytes: the prompt, then OK once they are in. */
static void upload(const char *name, const void *data, size_t len)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "AT+CCERTDOWN=\"%s\",%zu\r", name, len);
    cr_assert_str_eq(io(cmd), "\r\n>", "%s", cmd);
    cr_assert_str_eq(io_bytes(data, len), "\r\nOK\r\n", "the upload of %s", name);
}

static const struct ssl_cert_file *stored(const char *name)
{
    return ssl_store_find(drive.sim, name);
}

TestSuite(ssl_store, .init = start, .fini = sim_fixture_teardown);

Test(ssl_store, an_upload_keeps_the_bytes_exactly_and_the_list_names_it)
{
    upload("ca.pem", PEM_CRLF, strlen(PEM_CRLF));
    const struct ssl_cert_file *f = stored("ca.pem");
    cr_assert_not_null(f);
    cr_assert_eq(f->len, strlen(PEM_CRLF));
    cr_assert_eq(memcmp(f->data, PEM_CRLF, f->len), 0, "the CR LF inside the PEM are kept");
    cr_assert_str_eq(io("AT+CCERTLIST\r"), "\r\n+CCERTLIST: \"ca.pem\"\r\n\r\nOK\r\n");
}

Test(ssl_store, a_der_file_with_every_byte_value_is_taken_whole)
{
    uint8_t der[300];
    for (size_t i = 0; i < sizeof der; i++)
        der[i] = (uint8_t)i;      /* CR, LF, Ctrl-Z and ESC included: all data */
    upload("client.der", der, sizeof der);
    cr_assert_eq(memcmp(stored("client.der")->data, der, sizeof der), 0);
}

Test(ssl_store, the_test_form_gives_the_name_and_size_ranges)
{
    EXCHANGES({"AT+CCERTDOWN=?\r", "\r\n+CCERTDOWN: (5-128),(1-10240)\r\n\r\nOK\r\n"},
              {"AT+CCERTLIST=?\r", "\r\nOK\r\n"},
              {"AT+CCERTDELE=?\r", "\r\nOK\r\n"});
}

Test(ssl_store, names_and_sizes_outside_the_limits_are_refused_before_the_prompt)
{
    char long_name[SSL_CERT_NAME_MAX + 8];
    memset(long_name, 'a', sizeof long_name);
    memcpy(long_name + SSL_CERT_NAME_MAX - 3, ".pem", 5);     /* 129 bytes */
    char cmd[300];
    snprintf(cmd, sizeof cmd, "AT+CCERTDOWN=\"%s\",10\r", long_name);
    EXCHANGES({"AT+CCERTDOWN=\".pem\",10\r", "\r\nERROR\r\n"},           /* 4 bytes: 5 is the least */
              {"AT+CCERTDOWN=\"ca.txt\",10\r", "\r\nERROR\r\n"},         /* neither .pem nor .der */
              {"AT+CCERTDOWN=\"d/ca.pem\",10\r", "\r\nERROR\r\n"},       /* no directories */
              {"AT+CCERTDOWN=\"ca.pem\",0\r", "\r\nERROR\r\n"},
              {"AT+CCERTDOWN=\"ca.pem\",10241\r", "\r\nERROR\r\n"},
              {"AT+CCERTDOWN=\"ca.pem\"\r", "\r\nERROR\r\n"},
              {"AT+CCERTDOWN=ca.pem,10\r", "\r\nERROR\r\n"},
              {"AT+CCERTDOWN\r", "\r\nERROR\r\n"});
    cr_assert_str_eq(io(cmd), "\r\nERROR\r\n", "a name of 129 bytes");
}

Test(ssl_store, the_shortest_and_longest_names_and_the_largest_file_are_taken)
{
    char name[SSL_CERT_NAME_MAX + 1];
    memset(name, 'n', SSL_CERT_NAME_MAX);
    memcpy(name + SSL_CERT_NAME_MAX - 4, ".DER", 5);
    static uint8_t big[SSL_CERT_SIZE_MAX];
    memset(big, 'x', sizeof big);
    upload("x.pem", "1", 1);           /* 5 bytes, the shortest name */
    upload(name, big, sizeof big);
    cr_assert_eq(stored(name)->len, SSL_CERT_SIZE_MAX);
}

Test(ssl_store, an_upload_under_an_existing_name_replaces_the_file)
{
    upload("ca.pem", "old", 3);
    upload("ca.pem", "newer", 5);
    cr_assert_eq(stored("ca.pem")->len, 5);
    cr_assert_str_eq(io("AT+CCERTLIST\r"), "\r\n+CCERTLIST: \"ca.pem\"\r\n\r\nOK\r\n");
}

Test(ssl_store, a_full_store_refuses_a_new_name_but_takes_a_replacement)
{
    char name[32];
    for (int i = 0; i < SSL_CERT_FILES_MAX; i++) {
        snprintf(name, sizeof name, "f%02d.pem", i);
        upload(name, "x", 1);
    }
    cr_assert_str_eq(io("AT+CCERTDOWN=\"more.pem\",1\r"), "\r\nERROR\r\n");
    upload("f00.pem", "yy", 2);
}

Test(ssl_store, dele_removes_a_file_and_refuses_an_unknown_one)
{
    upload("ca.pem", "x", 1);
    upload("key.pem", "y", 1);
    EXCHANGES({"AT+CCERTDELE=\"ca.pem\"\r", "\r\nOK\r\n"},
              {"AT+CCERTLIST\r", "\r\n+CCERTLIST: \"key.pem\"\r\n\r\nOK\r\n"},
              {"AT+CCERTDELE=\"ca.pem\"\r", "\r\nERROR\r\n"},
              {"AT+CCERTDELE\r", "\r\nERROR\r\n"},
              {"AT+CCERTDELE=\"key.pem\"\r", "\r\nOK\r\n"},
              {"AT+CCERTLIST\r", "\r\nOK\r\n"});
}

Test(ssl_store, data_that_stops_short_times_out_with_error_and_stores_nothing)
{
    cr_assert_str_eq(io("AT+CCERTDOWN=\"ca.pem\",10\r"), "\r\n>");
    cr_assert_str_eq(io("12345"), "");
    cr_assert_str_eq(advance(600), "\r\nERROR\r\n");
    cr_assert_null(stored("ca.pem"));
    cr_assert_str_eq(io("AT\r"), "\r\nOK\r\n");
}

Test(ssl_store, the_lf_of_a_crlf_command_line_is_not_data)
{
    cr_assert_str_eq(io("AT+CCERTDOWN=\"ca.pem\",3\r\n"), "\r\n>");
    cr_assert_str_eq(io("abc"), "\r\nOK\r\n");
    cr_assert_eq(memcmp(stored("ca.pem")->data, "abc", 3), 0);
}

Test(ssl_store, a_reboot_keeps_the_store_and_a_new_simulator_starts_empty)
{
    upload("ca.pem", "x", 1);
    io("AT+CRESET\r");
    advance(30000);
    cr_assert_not_null(stored("ca.pem"), "AT+CRESET keeps the flash");
    ctl("reboot");
    advance(30000);
    io("ATE0\r");
    cr_assert_str_eq(io("AT+CCERTLIST\r"), "\r\n+CCERTLIST: \"ca.pem\"\r\n\r\nOK\r\n");
    sim_fixture_teardown();
    start();
    cr_assert_str_eq(io("AT+CCERTLIST\r"), "\r\nOK\r\n");
}

Test(ssl_store, the_edge_puts_files_within_the_same_limits)
{
    cr_assert(ssl_store_put(drive.sim, "ca.pem", (const uint8_t *)"x", 1));
    cr_assert(drive.sim->ssl.store_changed);
    cr_assert_not(ssl_store_put(drive.sim, "ca.txt", (const uint8_t *)"x", 1));
    cr_assert_not(ssl_store_put(drive.sim, "ca.pem", (const uint8_t *)"x", 0));
    cr_assert_not(ssl_store_put(drive.sim, "ca.pem", (const uint8_t *)"x", SSL_CERT_SIZE_MAX + 1));
}

Test(ssl_store, the_control_state_lists_names_and_sizes_but_no_bytes)
{
    upload("ca.pem", PEM_CRLF, strlen(PEM_CRLF));
    const char *st = ctl("state");
    char want[64];
    snprintf(want, sizeof want, "{\"name\":\"ca.pem\",\"size\":%zu}", strlen(PEM_CRLF));
    cr_assert(strstr(st, want), "%s", st);
    cr_assert_null(strstr(st, "MIIB"), "%s", st);
}

/* ---- AT+CSSLCFG ------------------------------------------------------------------------ */

#define DEFAULT_CTX(i) "+CSSLCFG: " #i ",4,0,1,300,\"\",\"\",\"\",0,\"\",0x0\r\n"

TestSuite(ssl_config, .init = start, .fini = sim_fixture_teardown);

Test(ssl_config, the_test_form_lists_every_item_with_its_range)
{
    cr_assert_str_eq(io("AT+CSSLCFG=?\r"),
                     "\r\n+CSSLCFG: \"sslversion\",(0-9),(0-4)\r\n"
                     "+CSSLCFG: \"authmode\",(0-9),(0-3)\r\n"
                     "+CSSLCFG: \"ignorelocaltime\",(0-9),(0,1)\r\n"
                     "+CSSLCFG: \"negotiatetime\",(0-9),(10-300)\r\n"
                     "+CSSLCFG: \"cacert\",(0-9),(5-128)\r\n"
                     "+CSSLCFG: \"clientcert\",(0-9),(5-128)\r\n"
                     "+CSSLCFG: \"clientkey\",(0-9),(5-128)\r\n"
                     "+CSSLCFG: \"password\",(0-9),(1-128)\r\n"
                     "+CSSLCFG: \"enableSNI\",(0-9),(0,1)\r\n"
                     "+CSSLCFG: \"ciphersuites\",(0-9),(0x0-0xFFFF)\r\n\r\nOK\r\n");
}

Test(ssl_config, the_read_form_lists_the_ten_contexts_at_their_defaults)
{
    cr_assert_str_eq(io("AT+CSSLCFG?\r"),
                     "\r\n" DEFAULT_CTX(0) DEFAULT_CTX(1) DEFAULT_CTX(2) DEFAULT_CTX(3) DEFAULT_CTX(4)
                         DEFAULT_CTX(5) DEFAULT_CTX(6) DEFAULT_CTX(7) DEFAULT_CTX(8) DEFAULT_CTX(9) "\r\nOK\r\n");
}

Test(ssl_config, every_item_is_written_and_read_back_by_the_one_context_form)
{
    EXCHANGES({"AT+CSSLCFG=\"sslversion\",3,3\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"authmode\",3,2\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"ignorelocaltime\",3,0\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"negotiatetime\",3,120\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"cacert\",3,\"ca.pem\"\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"clientcert\",3,\"client.pem\"\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"clientkey\",3,\"client.der\"\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"password\",3,\"pw.pem\"\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"enableSNI\",3,1\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"ciphersuites\",3,0xFFFF\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=3\r",
               "\r\n+CSSLCFG: 3,3,2,0,120,\"ca.pem\",\"client.pem\",\"client.der\",1,\"pw.pem\",0xFFFF\r\n\r\nOK\r\n"},
              {"AT+CSSLCFG=2\r", "\r\n" DEFAULT_CTX(2) "\r\nOK\r\n"});
}

Test(ssl_config, item_names_are_taken_in_any_case_and_ciphers_in_decimal_too)
{
    EXCHANGES({"AT+CSSLCFG=\"SSLVERSION\",0,1\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"enablesni\",0,1\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"ciphersuites\",0,49199\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=0\r", "\r\n+CSSLCFG: 0,1,0,1,300,\"\",\"\",\"\",1,\"\",0xC02F\r\n\r\nOK\r\n"});
}

Test(ssl_config, values_out_of_range_and_bad_forms_answer_error_and_change_nothing)
{
    EXCHANGES({"AT+CSSLCFG=\"sslversion\",0,5\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=\"authmode\",0,4\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=\"ignorelocaltime\",0,2\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=\"negotiatetime\",0,9\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=\"negotiatetime\",0,301\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=\"cacert\",0,\"ca.crt\"\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=\"cacert\",0,\".pem\"\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=\"cacert\",0,ca.pem\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=\"password\",0,\"\"\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=\"enableSNI\",0,2\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=\"ciphersuites\",0,0x10000\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=\"ciphersuites\",0,0xZZ\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=\"sslversion\",10,3\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=\"nosuchitem\",0,1\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=\"sslversion\",0\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=10\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG\r", "\r\nERROR\r\n"},
              {"AT+CSSLCFG=0\r", "\r\n" DEFAULT_CTX(0) "\r\nOK\r\n"});
}

Test(ssl_config, a_file_not_in_the_store_is_taken_and_the_connection_is_refused_later)
{
    cr_assert_str_eq(io("AT+CSSLCFG=\"cacert\",0,\"missing.pem\"\r"), "\r\nOK\r\n");
    cr_assert_str_eq(io("AT+CSSLCFG=\"authmode\",0,1\r"), "\r\nOK\r\n");
    struct sim_tls_config t;
    cr_assert_eq(ssl_resolve(drive.sim, 0, "broker.example", &t), SSL_NO_CA);
}

Test(ssl_config, a_reboot_brings_the_contexts_back_to_their_defaults)
{
    io("AT+CSSLCFG=\"authmode\",1,1\r");
    io("AT+CRESET\r");
    advance(30000);
    io("ATE0\r");
    cr_assert_str_eq(io("AT+CSSLCFG=1\r"), "\r\n" DEFAULT_CTX(1) "\r\nOK\r\n");
}

Test(ssl_config, the_control_state_shows_contexts_without_the_password)
{
    io("AT+CSSLCFG=\"password\",4,\"hunter22\"\r");
    const char *st = ctl("state");
    cr_assert(strstr(st, "\"index\":4,\"sslversion\":4,\"authmode\":0,\"cacert\":\"\",\"clientcert\":\"\","
                         "\"clientkey\":\"\",\"password\":\"(set)\""), "%s", st);
    cr_assert_null(strstr(st, "hunter22"), "%s", st);
}

/* ---- ssl_resolve ------------------------------------------------------------------------ */

TestSuite(ssl_resolve, .init = start, .fini = sim_fixture_teardown);

static struct sim_tls_config resolved(int ctx, enum ssl_resolve_result want)
{
    struct sim_tls_config t;
    cr_assert_eq(ssl_resolve(drive.sim, ctx, "broker.example", &t), want);
    return t;
}

Test(ssl_resolve, a_default_context_is_any_version_no_verification_no_sni)
{
    struct sim_tls_config t = resolved(0, SSL_RESOLVED);
    cr_assert_eq(t.version, SIM_TLS_ANY);
    cr_assert_eq(t.auth, SIM_TLS_AUTH_NONE);
    cr_assert_eq(t.ca.len + t.cert.len + t.key.len, 0);
    cr_assert_null(t.key_password);
    cr_assert_null(t.sni);
    cr_assert_not(t.check_time);
    cr_assert_eq(t.negotiate_ms, 300000);
    cr_assert_eq(t.cipher_suite, -1);
}

Test(ssl_resolve, mutual_tls_gives_the_stored_bytes_sni_and_the_password_file)
{
    upload("ca.pem", PEM_CRLF, strlen(PEM_CRLF));
    upload("client.pem", "cert", 4);
    upload("client-key.pem", KEY_PEM, strlen(KEY_PEM));
    upload("pw.pem", "testpass", 8);
    EXCHANGES({"AT+CSSLCFG=\"authmode\",2,2\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"cacert\",2,\"ca.pem\"\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"clientcert\",2,\"client.pem\"\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"clientkey\",2,\"client-key.pem\"\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"password\",2,\"pw.pem\"\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"enableSNI\",2,1\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"ignorelocaltime\",2,0\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"negotiatetime\",2,20\r", "\r\nOK\r\n"},
              {"AT+CSSLCFG=\"ciphersuites\",2,0xC02B\r", "\r\nOK\r\n"});
    struct sim_tls_config t = resolved(2, SSL_RESOLVED);
    cr_assert_eq(t.auth, SIM_TLS_AUTH_MUTUAL);
    cr_assert_eq(t.ca.len, strlen(PEM_CRLF));
    cr_assert_eq(memcmp(t.ca.data, PEM_CRLF, t.ca.len), 0);
    cr_assert_eq(t.key.len, strlen(KEY_PEM));
    cr_assert_str_eq(t.key_password, "testpass");
    cr_assert_str_eq(t.sni, "broker.example");
    cr_assert(t.check_time);
    cr_assert_eq(t.negotiate_ms, 20000);
    cr_assert_eq(t.cipher_suite, 0xC02B);
}

Test(ssl_resolve, a_password_that_names_no_file_is_the_password_itself)
{
    io("AT+CSSLCFG=\"password\",0,\"hunter22\"\r");
    cr_assert_str_eq(resolved(0, SSL_RESOLVED).key_password, "hunter22");
}

Test(ssl_resolve, missing_files_say_which_part_is_not_set)
{
    upload("ca.pem", "x", 1);
    upload("client.pem", "x", 1);
    io("AT+CSSLCFG=\"authmode\",1,1\r");
    resolved(1, SSL_NO_CA);
    io("AT+CSSLCFG=\"cacert\",1,\"ca.pem\"\r");
    resolved(1, SSL_RESOLVED);
    io("AT+CSSLCFG=\"authmode\",1,2\r");
    resolved(1, SSL_NO_CLIENT_CERT);
    io("AT+CSSLCFG=\"authmode\",1,3\r");
    io("AT+CSSLCFG=\"clientcert\",1,\"client.pem\"\r");
    resolved(1, SSL_NO_CLIENT_CERT);            /* no key yet */
    upload("key.pem", "k", 1);
    io("AT+CSSLCFG=\"clientkey\",1,\"key.pem\"\r");
    resolved(1, SSL_RESOLVED);
    io("AT+CCERTDELE=\"key.pem\"\r");
    resolved(1, SSL_NO_CLIENT_CERT);            /* deleted after it was named */
}

Test(ssl_resolve, the_module_time_is_its_clock_in_utc)
{
    cr_assert_str_eq(io("AT+CCLK=\"24/03/01,12:00:00+08\"\r"), "\r\nOK\r\n");   /* +08: two hours east */
    cr_assert_eq(resolved(0, SSL_RESOLVED).module_time, 1709294400 - 2 * 3600);
}
