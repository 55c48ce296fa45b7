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

static struct program running;      /* a client started in the background; pid 0: none */
static size_t out_len;

static void stop_running(void)
{
    if (running.pid > 0) {
        kill(running.pid, SIGKILL);
        waitpid(running.pid, NULL, 0);
        close(running.out_fd);
        running.pid = 0;
    }
}

static void teardown(void)
{
    stop_running();
    if (sim.pid > 0)
        simproc_stop(&sim);
}

/* Runs the client with argv (NULL-terminated, without argv[0]); stdout and
 * stderr go to `out`. Returns the exit status, or -1 if it had to be killed. */
static int run_client(const char *const *args, int timeout_ms)
{
    return program_run_args(SIM7600_BIN_DIR "/sim7600-mqtt", args, timeout_ms, out, sizeof out);
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
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

/* ---- the port vanishing under a running client ---------------------------------------- */

/* Reads the running client's output into `out` until `needle` has appeared
 * `times` times, or until `end`. */
static bool read_until(const char *needle, int times, long long end)
{
    while (count_of(out, needle) < times && test_now_ms() < end) {
        struct pollfd pf = {running.out_fd, POLLIN, 0};
        ssize_t n;
        if (poll(&pf, 1, 200) <= 0)
            continue;
        n = read(running.out_fd, out + out_len, sizeof out - 1 - out_len);
        if (n <= 0)
            break;
        out_len += (size_t)n;
        out[out_len] = '\0';
    }
    return count_of(out, needle) >= times;
}

/* The rest of its output, until it exits (bounded); its exit status. */
static int finish_running(void)
{
    int rc = program_finish(&running, 20000, out + out_len, sizeof out - out_len);
    running.pid = 0;
    out_len += strlen(out + out_len);
    return rc;
}

/* Starts sim7600-mqtt on the simulator's port, publishing QoS 1 to t/x every
 * interval_ms, and waits until its first message is confirmed. The port's
 * path goes to `port` (the simulator removes it when stopped). */
static void start_publishing(const char *interval_ms, char *port, size_t cap)
{
    const char *argv[] = {SIM7600_BIN_DIR "/sim7600-mqtt", "--port", port, "--broker",
                          "tcp://broker.example:1883", "--client-id", "cli4", "--pub", "t/x",
                          "--interval", interval_ms, "--count", "0", "--qos", "1",
                          "--health-interval", "0", NULL};
    cr_assert_eq(simproc_start(&sim, NULL), 0);
    snprintf(port, cap, "%s", sim.pty_path);
    out[0] = '\0';
    out_len = 0;
    cr_assert_eq(program_start(&running, argv), 0);
    cr_assert(read_until("published:", 1, test_now_ms() + 20000), "%s", out);
}

/* Kills the simulator: the client's port is gone. It must exit 1. */
static void vanish_port(void)
{
    simproc_stop(&sim);
    sim.pid = 0;
    cr_assert_eq(finish_running(), 1, "%s", out);
}

/* The last line of the output, without its newline, into line. */
static void last_line(char *line, size_t cap)
{
    size_t end = out_len;
    while (end > 0 && out[end - 1] == '\n')
        end--;
    size_t start = end;
    while (start > 0 && out[start - 1] != '\n')
        start--;
    snprintf(line, cap, "%.*s", (int)(end - start), out + start);
}

/* The client's last words: the port is gone, and `lost` queued messages with
 * it; nothing is said after them (no "queued:" after giving up). */
static void expect_gave_up(const char *port, int lost)
{
    char want[512], line[512];
    snprintf(want, sizeof want,
             "sim7600-mqtt: giving up: the serial port %s is gone (module unplugged or simulator "
             "stopped); %d queued QoS 1 message(s) were not delivered", port, lost);
    last_line(line, sizeof line);
    cr_assert_str_eq(line, want, "the last line is\n  %s\nnot\n  %s\nthe whole output:\n%s", line, want, out);
    cr_assert_eq(count_of(out, "giving up"), 1, "%s", out);
    cr_assert_null(strstr(strstr(out, "giving up"), "queued:"), "%s", out);
}

Test(client, simulator_gone_mid_run_is_a_clear_failure)
{
    char port[256];
    start_publishing("200", port, sizeof port);
    vanish_port();
    /* what was in flight when the port went stays queued, and is counted */
    expect_gave_up(port, count_of(out, "queued:"));
}

/* Issue 12: it printed "queued: t/x #20" after giving up, and never said how
 * many queued messages were lost. */
Test(client, a_vanished_port_names_the_queued_messages_it_lost)
{
    char port[256];
    start_publishing("50", port, sizeof port);
    control("broker unreachable");      /* reconnects fail: what is published now stays queued */
    control("connlost 1");
    cr_assert(read_until("queued:", 3, test_now_ms() + 20000), "%s", out);
    vanish_port();
    expect_gave_up(port, count_of(out, "queued:"));
    cr_assert_geq(count_of(out, "queued:"), 3);
}
