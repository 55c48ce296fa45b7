/* sim7600-mqtt's TLS options as a user meets them (issue 17): the URL forms,
 * the files read on the host and every way they can be wrong, each said with
 * the option, the file and what to do; a key's content never printed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "program.h"
#include "test_certs.h"

#ifndef SIM7600_BIN_DIR
#define SIM7600_BIN_DIR "build/bin"
#endif

#define RUN_BOUND_MS 5000
#define MODULE_CERT_MAX 10240

static char out[16384];
static char scratch[64];

static int run_client(const char *const *args)
{
    return program_run_args(SIM7600_BIN_DIR "/sim7600-mqtt", args, RUN_BOUND_MS, out, sizeof out);
}

/* A file of n bytes of c in the test's scratch directory. */
static const char *scratch_file(const char *name, size_t n, char c)
{
    static char path[128];
    if (scratch[0] == '\0') {
        snprintf(scratch, sizeof scratch, "/tmp/test_client_tls.XXXXXX");
        cr_assert_not_null(mkdtemp(scratch));
    }
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    for (size_t i = 0; i < n; i++)
        fputc(c, f);
    fclose(f);
    return path;
}

static void cleanup(void)
{
    if (scratch[0] != '\0') {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", scratch);
        cr_assert_eq(system(cmd), 0);
        scratch[0] = '\0';
    }
}

TestSuite(client_tls, .fini = cleanup, .timeout = 30);

#define BASE "--port", "/dev/does-not-exist", "--client-id", "c1", "--pub", "t"

Test(client_tls, help_documents_the_tls_options_and_the_url_forms)
{
    static const char *const args[] = {"--help", NULL};
    cr_assert_eq(run_client(args), 0);
    static const char *const wanted[] = {"--ca FILE", "--cert FILE --key FILE", "--key-password-file",
                                         "--tls-version", "--insecure", "ssl://HOST", "tcp://HOST:PORT for TLS too"};
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
        cr_assert_not_null(strstr(out, wanted[i]), "no '%s' in:\n%s", wanted[i], out);
}

Test(client_tls, an_ssl_broker_needs_a_ca_or_insecure)
{
    static const char *const args[] = {BASE, "--broker", "ssl://broker.example:8883", NULL};
    cr_assert_eq(run_client(args), 2, "%s", out);
    cr_assert_not_null(strstr(out, "TLS needs --ca FILE"), "%s", out);
}

Test(client_tls, a_missing_ca_file_is_named_before_the_port_is_opened)
{
    static const char *const args[] = {BASE, "--broker", "ssl://b:8883", "--ca", "/nonexistent/ca.pem", NULL};
    cr_assert_eq(run_client(args), 2, "%s", out);
    cr_assert_not_null(strstr(out, "--ca /nonexistent/ca.pem: cannot open: No such file"), "%s", out);
    cr_assert_null(strstr(out, "cannot open the port"), "%s", out);
}

Test(client_tls, an_unreadable_file_says_why)
{
    static const char *const args[] = {BASE, "--broker", "ssl://b", "--ca", "/", NULL};
    cr_assert_eq(run_client(args), 2, "%s", out);
    cr_assert_not_null(strstr(out, "--ca /: cannot read: Is a directory"), "%s", out);
}

Test(client_tls, a_file_larger_than_the_module_takes_is_refused_whole)
{
    const char *big = scratch_file("big.pem", MODULE_CERT_MAX + 1, 'A');
    const char *args[] = {BASE, "--broker", "ssl://b:8883", "--ca", big, NULL};
    cr_assert_eq(run_client(args), 2, "%s", out);
    cr_assert_not_null(strstr(out, "larger than 10240 bytes"), "%s", out);
    cr_assert_null(strstr(out, "AAAA"), "the file's content was printed:\n%s", out);
}

Test(client_tls, an_empty_file_is_refused)
{
    const char *empty = scratch_file("empty.pem", 0, 'A');
    const char *args[] = {BASE, "--broker", "ssl://b:8883", "--ca", empty, NULL};
    cr_assert_eq(run_client(args), 2, "%s", out);
    cr_assert_not_null(strstr(out, "is empty"), "%s", out);
}

Test(client_tls, cert_and_key_go_together)
{
    static const char *const args[] = {BASE, "--broker", "ssl://b:8883", "--insecure", "--cert", "c.pem", NULL};
    cr_assert_eq(run_client(args), 2, "%s", out);
    cr_assert_not_null(strstr(out, "--cert and --key go together"), "%s", out);
}

Test(client_tls, tls_options_without_tls_are_a_usage_error)
{
    static const char *const args[] = {BASE, "--broker", "tcp://b:1883", "--sni", NULL};
    cr_assert_eq(run_client(args), 2, "%s", out);
    cr_assert_not_null(strstr(out, "need TLS"), "%s", out);
}

Test(client_tls, a_bad_key_password_file_is_refused_without_showing_it)
{
    const char *pw = scratch_file("pw.txt", 200, 'S');
    const char *args[] = {BASE, "--broker", "ssl://b:8883", "--ca", test_cert_path("ca.pem"),
                          "--cert", test_cert_path("client.pem"), "--key",
                          test_cert_path("client-key-enc.pem"), "--key-password-file", pw, NULL};
    cr_assert_eq(run_client(args), 2, "%s", out);
    cr_assert_not_null(strstr(out, "--key-password-file"), "%s", out);
    cr_assert_null(strstr(out, "SSSS"), "the password file was printed:\n%s", out);
}

Test(client_tls, good_files_get_as_far_as_the_port)
{
    const char *args[] = {BASE, "--broker", "ssl://b", "--ca", test_cert_path("ca.der"), "--cert",
                          test_cert_path("client.pem"), "--key", test_cert_path("client-key.pem"), NULL};
    cr_assert_eq(run_client(args), 1, "%s", out);
    cr_assert_not_null(strstr(out, "cannot open the port"), "%s", out);
}
