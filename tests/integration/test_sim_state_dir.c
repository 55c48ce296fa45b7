/* sim7600-sim --state-dir (issue 17): the certificate store outlives the
 * process in DIR, and only there; a DIR it cannot use stops it at start. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "program.h"
#include "scratch_dir.h"
#include "sim_host.h"
#include "sim_process.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define PEM "-----BEGIN CERTIFICATE-----\r\nMIIBszCCAVmgAwIBAgIU\r\n-----END CERTIFICATE-----\r\n"

static struct sim_process sim;
static char dir[SCRATCH_DIR_PATH_MAX];

static void make_dir(void)
{
    cr_assert_eq(scratch_dir_make(dir, sizeof dir, NULL, "simstate-", 0700), 0);
}

static void teardown(void)
{
    simproc_stop(&sim);
    scratch_dir_remove(dir);
}

static void expect(const char *text) { host_expect(&sim, text); }
static void send_expect(const char *cmd, const char *answer) { host_send_expect(&sim, cmd, answer); }

/* A warm module, echo off; `state_dir` NULL: without the option. */
static void start(const char *state_dir)
{
    const char *with[] = {"--profile", "warm", "--state-dir", state_dir, NULL};
    const char *without[] = {"--profile", "warm", NULL};
    host_start(&sim, state_dir ? with : without);
}

static void upload(const char *name, const char *data)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "AT+CCERTDOWN=\"%s\",%zu\r", name, strlen(data));
    send_expect(cmd, "\r\n>");
    simproc_send(&sim, data);
    expect("\r\nOK\r\n");
}

/* CCERTLIST's whole answer. */
static void expect_list(const char *answer)
{
    char got[256];
    simproc_flush(&sim);
    simproc_send(&sim, "AT+CCERTLIST\r");
    cr_assert(simproc_take(&sim, "OK\r\n", T, got, sizeof got), "no answer to AT+CCERTLIST: %s",
              simproc_pending(&sim));
    cr_assert_str_eq(got, answer);
}

static void cert_path(char *path, size_t cap, const char *name)
{
    snprintf(path, cap, "%s/certs/%s", dir, name);
}

TestSuite(state_dir, .init = make_dir, .fini = teardown);

Test(state_dir, an_upload_outlives_the_process_in_the_dir_only)
{
    start(dir);
    expect_list("\r\nOK\r\n");
    upload("ca.pem", PEM);
    simproc_stop(&sim);

    char path[SCRATCH_DIR_PATH_MAX + 32], bytes[256] = {0};
    cert_path(path, sizeof path, "ca.pem");
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s was not written", path);
    cr_assert_eq(st.st_mode & 0777, 0600, "%s has mode %o", path, (unsigned)(st.st_mode & 0777));
    int fd = open(path, O_RDONLY);
    cr_assert_eq(read(fd, bytes, sizeof bytes), (ssize_t)strlen(PEM));
    close(fd);
    cr_assert_str_eq(bytes, PEM, "the CR LF of the PEM are kept");

    start(dir);
    expect_list("\r\n+CCERTLIST: \"ca.pem\"\r\n\r\nOK\r\n");
    simproc_stop(&sim);

    start(NULL);
    expect_list("\r\nOK\r\n");
}

Test(state_dir, a_deleted_file_leaves_the_dir_too)
{
    start(dir);
    upload("ca.pem", PEM);
    upload("client.der", "0123");
    send_expect("AT+CCERTDELE=\"ca.pem\"\r", "\r\nOK\r\n");
    expect_list("\r\n+CCERTLIST: \"client.der\"\r\n\r\nOK\r\n");
    simproc_stop(&sim);
    char path[SCRATCH_DIR_PATH_MAX + 32];
    cert_path(path, sizeof path, "ca.pem");
    cr_assert_neq(access(path, F_OK), 0, "%s is still there", path);
    start(dir);
    expect_list("\r\n+CCERTLIST: \"client.der\"\r\n\r\nOK\r\n");
}

/* The simulator refuses to start: exit 1, saying `why`. */
static void refused(const char *state_dir, const char *why)
{
    const char *args[] = {"--state-dir", state_dir, NULL};
    char out[1024];
    int status = program_run_args(SIM7600_BIN_DIR "/sim7600-sim", args, T, out, sizeof out);
    cr_assert_eq(status, 1, "--state-dir %s: status %d, said: %s", state_dir, status, out);
    cr_assert(strstr(out, why), "--state-dir %s: the reason given: %s", state_dir, out);
    cr_assert_null(strstr(out, "PTY "), "it opened a pty first: %s", out);
}

Test(state_dir, a_dir_it_cannot_use_or_a_file_the_store_would_not_take_stops_it)
{
    char file[SCRATCH_DIR_PATH_MAX + 16];
    snprintf(file, sizeof file, "%s/plain", dir);
    FILE *f = fopen(file, "w");
    fputs("x", f);
    fclose(f);
    refused(file, "is not a directory");

    char missing_parent[SCRATCH_DIR_PATH_MAX + 16];
    snprintf(missing_parent, sizeof missing_parent, "%s/no/such", dir);
    refused(missing_parent, "whose parent exists");

    char certs[SCRATCH_DIR_PATH_MAX + 16], bad[SCRATCH_DIR_PATH_MAX + 32];
    snprintf(certs, sizeof certs, "%s/certs", dir);
    mkdir(certs, 0700);
    snprintf(bad, sizeof bad, "%s/notes.txt", certs);
    f = fopen(bad, "w");
    fputs("x", f);
    fclose(f);
    refused(dir, "notes.txt is not a file the module's store takes");
}
