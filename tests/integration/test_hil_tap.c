/* sim7600-hil tap between a program and a module (here sim7600-sim's pty):
 * bytes pass unchanged, the capture has the session with passwords redacted,
 * and it imports and replays. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "sim_process.h"
#include "test_dir.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS

static struct sim_process sim;
static struct sim_process tap;   /* the tap's pty, driven like a module's port */
static char cap[128];

static void teardown(void)
{
    simproc_stop(&tap);
    simproc_stop(&sim);
    unlink(cap);
}

/* Starts `sim7600-hil tap` on the simulator's pty; its own pty goes into tap. */
static void start_tap(void)
{
    int out[2];
    cr_assert_eq(pipe(out), 0);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(out[1], STDOUT_FILENO);
        execl(SIM7600_BIN_DIR "/sim7600-hil", "sim7600-hil", "tap", "--port", sim.pty_path, "--out", cap,
              (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    char line[256] = {0};
    size_t n = 0;
    long long end = test_now_ms() + T;
    while (n + 1 < sizeof line && !strchr(line, '\n') && test_now_ms() < end) {
        struct pollfd pfd = {out[0], POLLIN, 0};
        if (poll(&pfd, 1, 100) > 0 && read(out[0], line + n, 1) == 1)
            n++;
    }
    close(out[0]);
    cr_assert(strncmp(line, "PTY ", 4) == 0, "tap printed: %s", line);
    line[strcspn(line, "\n")] = '\0';
    memset(&tap, 0, sizeof tap);
    tap.pid = pid;
    tap.fd = -1;
    snprintf(tap.pty_path, sizeof tap.pty_path, "%s", line + 4);
    cr_assert_eq(simproc_open(&tap), 0);
}

static void send_expect_on(struct sim_process *p, const char *cmd, const char *answer)
{
    simproc_send(p, cmd);
    cr_assert(simproc_expect(p, answer, T), "sent %s, expected %s; got %s", cmd, answer, simproc_pending(p));
}

/* The session every test plays: credentials for the APN and for the broker. */
static void session(struct sim_process *p)
{
    /* the module was powered on when the tap opened it: it hears nothing before its boot */
    cr_assert(simproc_expect(p, "PB DONE\r\n", T), "no boot lines; got %s", simproc_pending(p));
    send_expect_on(p, "ATE0\r", "OK\r\n");
    send_expect_on(p, "AT+CGAUTH=1,1,\"apnpass\",\"apnuser\"\r", "OK\r\n");
    send_expect_on(p, "AT+CMQTTSTART\r", "+CMQTTSTART: 0\r\n\r\nOK\r\n");
    send_expect_on(p, "AT+CMQTTACCQ=0,\"dev1\"\r", "OK\r\n");
    /* the broker only accepts the real password: it got through unchanged */
    send_expect_on(p, "AT+CMQTTCONNECT=0,\"tcp://b.example:1883\",60,1,\"alice\",\"s3cret\"\r",
                   "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
    send_expect_on(p, "AT+CMQTTCONNECT?\r", "OK\r\n");
}

Test(tap, passes_bytes_unchanged_and_records_them_without_passwords, .fini = teardown)
{
    snprintf(cap, sizeof cap, "/tmp/sim7600-tap-%d.cap", (int)getpid());
    cr_assert_eq(simproc_start(&sim, NULL), 0);
    char reply[256];
    cr_assert_eq(simproc_control(&sim, "broker credentials alice s3cret", reply, sizeof reply), 0);
    start_tap();
    session(&tap);
    kill(tap.pid, SIGTERM);
    int status;
    waitpid(tap.pid, &status, 0);
    tap.pid = 0;
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "tap did not end cleanly");
    const char *text = test_read_text(cap);
    cr_assert_null(strstr(text, "s3cret"), "the MQTT password reached the file:\n%s", text);
    cr_assert_null(strstr(text, "apnpass"), "the APN password reached the file:\n%s", text);
    cr_assert(strstr(text, " > AT+CMQTTCONNECT=0,\"tcp://b.example:1883\",60,1,\"alice\",\"***\"\\r\n"), "%s", text);
    cr_assert(strstr(text, " < +CMQTTCONNECT: 0,\"tcp://b.example:1883\",60,1,\"alice\",\"***\"\\r\\n\n"), "%s", text);
    cr_assert(strstr(text, " < +CMQTTCONNECT: 0,0\\r\\n\n"), "%s", text);
}

/* An upload's bytes pass unchanged; the capture keeps a certificate's and hides a key's and the SSL password. */
#define TAP_CERT "-----BEGIN CERTIFICATE-----\r\nMIIBszCCAVmgAwIBAgIU\r\n-----END CERTIFICATE-----\r\n"
#define TAP_KEY "-----BEGIN PRIVATE KEY-----\r\nMIGHAgEAMBMGByqGSM49AgEG\r\n-----END PRIVATE KEY-----\r\n"

static void upload_on(struct sim_process *p, const char *name, const char *data)
{
    char cmd[96];
    snprintf(cmd, sizeof cmd, "AT+CCERTDOWN=\"%s\",%zu\r", name, strlen(data));
    send_expect_on(p, cmd, ">");
    send_expect_on(p, data, "OK\r\n");
}

Test(tap, records_a_certificate_upload_but_not_a_key_or_the_ssl_password, .fini = teardown)
{
    snprintf(cap, sizeof cap, "/tmp/sim7600-tap-tls-%d.cap", (int)getpid());
    cr_assert_eq(simproc_start(&sim, NULL), 0);
    start_tap();
    cr_assert(simproc_expect(&tap, "PB DONE\r\n", T), "no boot lines; got %s", simproc_pending(&tap));
    send_expect_on(&tap, "ATE0\r", "OK\r\n");
    upload_on(&tap, "ca.pem", TAP_CERT);
    upload_on(&tap, "key.pem", TAP_KEY);
    send_expect_on(&tap, "AT+CSSLCFG=\"password\",0,\"k3ypass\"\r", "OK\r\n");
    send_expect_on(&tap, "AT+CSSLCFG=0\r", "OK\r\n");
    send_expect_on(&tap, "AT+CCERTLIST\r", "+CCERTLIST: \"key.pem\"\r\n\r\nOK\r\n");
    kill(tap.pid, SIGTERM);
    int status;
    waitpid(tap.pid, &status, 0);
    tap.pid = 0;
    const char *text = test_read_text(cap);
    cr_assert(strstr(text, "MIIBszCCAVmgAwIBAgIU"), "the certificate is not in the file:\n%s", text);
    cr_assert_null(strstr(text, "MIGHAgEAMBMGByqGSM49AgEG"), "the key reached the file:\n%s", text);
    cr_assert_null(strstr(text, "k3ypass"), "the SSL password reached the file:\n%s", text);
}

Test(tap, the_redacted_capture_imports_and_replays_against_the_real_password, .fini = teardown)
{
    snprintf(cap, sizeof cap, "/tmp/sim7600-tap-%d.cap", (int)getpid());
    cr_assert_eq(simproc_start(&sim, NULL), 0);
    char reply[4096];
    cr_assert_eq(simproc_control(&sim, "broker credentials alice s3cret", reply, sizeof reply), 0);
    start_tap();
    session(&tap);
    simproc_stop(&tap);
    simproc_stop(&sim);

    char cmd[4096];   /* the build's absolute path twice: room for a deep checkout */
    int n = snprintf(cmd, sizeof cmd, "%s/sim7600-hil import --out %s.scn %s && %s/sim7600-hil check %s.scn >/dev/null",
                     SIM7600_BIN_DIR, cap, cap, SIM7600_BIN_DIR, cap);
    cr_assert(n > 0 && (size_t)n < sizeof cmd, "the command does not fit");
    cr_assert_eq(system(cmd), 0, "the capture did not import into a valid scenario: %s", cmd);
    snprintf(cmd, sizeof cmd, "%s.scn", cap);
    unlink(cmd);

    const char *args[] = {"--replay", cap, "--replay-strict", NULL};
    cr_assert_eq(simproc_start(&sim, args), 0);
    cr_assert_eq(simproc_open(&sim), 0);
    session(&sim);
    cr_assert_eq(simproc_control(&sim, "state", reply, sizeof reply), 0);
    cr_assert(strstr(reply, "\"replay\":{\"state\":\"finished\""), "%s", reply);
}
