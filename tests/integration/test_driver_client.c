/* The sim7600-mqtt client as a user runs it, against sim7600-sim: what it
 * prints and how it exits. Every wait is bounded. */
#include <criterion/criterion.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "program.h"
#include "sim_process.h"

#ifndef SIM7600_BIN_DIR
#define SIM7600_BIN_DIR "build/bin"
#endif

static struct sim_process sim;
static char out[65536];

static void teardown(void)
{
    if (sim.pid > 0)
        simproc_stop(&sim);
}

/* Runs the client with argv (NULL-terminated, without argv[0]); stdout and
 * stderr go to `out`. Returns the exit status, or -1 if it had to be killed. */
static int run_client(const char *const *args, int timeout_ms)
{
    return program_run_args(SIM7600_BIN_DIR "/sim7600-mqtt", args, timeout_ms, out, sizeof out);
}

static void control(const char *cmdline)
{
    char reply[512];
    cr_assert_eq(simproc_control(&sim, cmdline, reply, sizeof reply), 0);
    cr_assert_eq(strncmp(reply, "OK", 2), 0, "%s: %s", cmdline, reply);
}

TestSuite(client, .fini = teardown, .timeout = 60);

Test(client, help_exits_zero_and_documents_the_options)
{
    static const char *const args[] = {"--help", NULL};
    cr_assert_eq(run_client(args, 5000), 0);
    cr_assert_not_null(strstr(out, "--broker"));
    cr_assert_not_null(strstr(out, "--client-id"));
}

Test(client, usage_error_exits_two_with_a_message)
{
    static const char *const args[] = {"--port", "/dev/null", "--broker", "mqtt://x", NULL};
    cr_assert_eq(run_client(args, 5000), 2);
    cr_assert_not_null(strstr(out, "--broker tcp://HOST:PORT"), "%s", out);
}

Test(client, missing_port_is_a_clear_error)
{
    static const char *const args[] = {"--port", "/dev/does-not-exist", "--broker",
                                       "tcp://b:1883", "--client-id", "c", "--pub", "t", NULL};
    cr_assert_eq(run_client(args, 5000), 1);
    cr_assert_not_null(strstr(out, "cannot open the port"), "%s", out);
}

Test(client, publishes_subscribes_receives_and_exits_zero)
{
    const char *args[] = {"--port", NULL, "--broker", "tcp://broker.example:1883",
                          "--client-id", "cli1", "--sub", "cli/t", "--pub", "cli/t",
                          "--count", "3", "--interval", "50", "--qos", "1", "--rx-count", "3",
                          "--health-interval", "0", NULL};
    cr_assert_eq(simproc_start(&sim, NULL), 0);
    args[1] = sim.pty_path;
    cr_assert_eq(run_client(args, 30000), 0, "%s", out);
    cr_assert_not_null(strstr(out, "state: CONNECTED"), "%s", out);
    cr_assert_not_null(strstr(out, "subscribed: cli/t"), "%s", out);
    cr_assert_not_null(strstr(out, "published: cli/t #3 (qos 1)"), "%s", out);
    cr_assert_not_null(strstr(out, "message: cli/t message #3"), "%s", out);
}

Test(client, warm_module_works_too)
{
    static const char *const sim_args[] = {"--profile", "warm", NULL};
    const char *args[] = {"--port", NULL, "--broker", "tcp://broker.example:1883",
                          "--client-id", "cli2", "--pub", "cli/w", "--message", "hi",
                          "--qos", "1", "--health-interval", "0", NULL};
    cr_assert_eq(simproc_start(&sim, sim_args), 0);
    args[1] = sim.pty_path;
    cr_assert_eq(run_client(args, 30000), 0, "%s", out);
    cr_assert_not_null(strstr(out, "published: cli/w #1"), "%s", out);
}

Test(client, refused_credentials_name_the_step_and_code_and_hide_the_password)
{
    const char *args[] = {"--port", NULL, "--broker", "tcp://broker.example:1883",
                          "--client-id", "cli3", "--user", "alice", "--pass", "Sup3rS3cret",
                          "--pub", "t", "--verbose", NULL};
    cr_assert_eq(simproc_start(&sim, NULL), 0);
    control("broker credentials alice other");
    args[1] = sim.pty_path;
    cr_assert_eq(run_client(args, 30000), 1, "%s", out);
    cr_assert_not_null(strstr(out, "AT+CMQTTCONNECT"), "%s", out);
    cr_assert_not_null(strstr(out, "bad user name or password"), "%s", out);
    cr_assert_not_null(strstr(out, "module code 30"), "%s", out);
    cr_assert_null(strstr(out, "Sup3rS3cret"), "password printed:\n%s", out);
}

Test(client, simulator_gone_mid_run_is_a_clear_failure)
{
    const char *args[] = {"--port", NULL, "--broker", "tcp://broker.example:1883",
                          "--client-id", "cli4", "--pub", "t", "--interval", "200",
                          "--count", "0", "--qos", "1", "--health-interval", "0", NULL};
    pid_t client;
    int p[2], status;
    char buf[4096];
    ssize_t n;
    size_t len = 0;
    long long end;

    cr_assert_eq(simproc_start(&sim, NULL), 0);
    args[1] = sim.pty_path;
    /* run in the background, stop the simulator once it is publishing */
    cr_assert_eq(pipe(p), 0);
    client = fork();
    if (client == 0) {
        const char *argv[32] = {SIM7600_BIN_DIR "/sim7600-mqtt"};
        int i;
        for (i = 0; args[i] != NULL; i++)
            argv[i + 1] = args[i];
        dup2(p[1], 1);
        dup2(p[1], 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    end = test_now_ms() + 20000;
    while (strstr(out, "published:") == NULL && test_now_ms() < end) {
        struct pollfd pf = {p[0], POLLIN, 0};
        if (poll(&pf, 1, 200) > 0 && (n = read(p[0], out + len, sizeof out - 1 - len)) > 0) {
            len += (size_t)n;
            out[len] = '\0';
        }
    }
    cr_assert_not_null(strstr(out, "published:"), "%s", out);
    simproc_stop(&sim);
    sim.pid = 0;
    while (test_now_ms() < end) {
        struct pollfd pf = {p[0], POLLIN, 0};
        if (poll(&pf, 1, 200) > 0) {
            n = read(p[0], buf, sizeof buf - 1);
            if (n <= 0)
                break;
            buf[n] = '\0';
            if (len + (size_t)n < sizeof out - 1) {
                memcpy(out + len, buf, (size_t)n + 1);
                len += (size_t)n;
            }
        }
    }
    close(p[0]);
    /* its output ends as it exits, a moment before it can be reaped: bounded */
    pid_t got;
    long long reap_end = test_now_ms() + 5000;
    while ((got = waitpid(client, &status, WNOHANG)) == 0 && test_now_ms() < reap_end)
        poll(NULL, 0, 10);
    if (got == 0) {
        kill(client, SIGKILL);
        waitpid(client, &status, 0);
        cr_assert_fail("the client did not exit after the port went away:\n%s", out);
    }
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "%s", out);
    cr_assert_not_null(strstr(out, "serial port"), "%s", out);
}
