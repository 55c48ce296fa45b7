/* sim7600-sim as a host program sees it: a real process, a real pty, the
 * control socket. Each test starts its own simulator and stops it. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_args.h"
#include "sim_host.h"
#include "sim_process.h"
#include "test_dir.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS

static struct sim_process sim;

static void start_with(const char *const *args)
{
    cr_assert_eq(simproc_start(&sim, args), 0, "sim7600-sim did not start");
    cr_assert_eq(simproc_open(&sim), 0, "cannot open %s", sim.pty_path);
}

/* Waits (bounded) until the state JSON contains `fragment`. */
static bool wait_state(const char *fragment)
{
    char reply[8192];
    long long end = test_now_ms() + T;
    while (test_now_ms() < end) {
        if (simproc_control(&sim, "state", reply, sizeof reply) == 0 && strstr(reply, fragment))
            return true;
        poll(NULL, 0, 2);
    }
    return false;
}

static void start_cold(void) { start_with(NULL); }
static void stop(void) { simproc_stop(&sim); }

static void expect(const char *text) { host_expect(&sim, text); }
static void send_expect(const char *cmd, const char *answer) { host_send_expect(&sim, cmd, answer); }

static void control(const char *line, const char *reply_prefix)
{
    char reply[65536];
    cr_assert_eq(simproc_control(&sim, line, reply, sizeof reply), 0, "no reply to '%s'", line);
    cr_assert(strncmp(reply, reply_prefix, strlen(reply_prefix)) == 0, "'%s' got '%s'", line, reply);
}

/* Echo off, then client 0 connected. */
static void connect_client0(void)
{
    expect("PB DONE\r\n");
    send_expect("ATE0\r", "\r\nOK\r\n");
    send_expect("AT+CMQTTSTART\r", "\r\n+CMQTTSTART: 0\r\n\r\nOK\r\n");
    send_expect("AT+CMQTTACCQ=0,\"it\"\r", "\r\nOK\r\n");
    send_expect("AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:1883\",60,1\r", "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
}

TestSuite(process, .fini = stop);

Test(process, prints_pty_then_serves_until_sigterm, .init = start_cold)
{
    struct stat st;
    cr_assert_eq(stat(sim.pty_path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "slave mode is %o", st.st_mode & 0777);
    expect("PB DONE\r\n");       /* a booting module is deaf until RDY */
    send_expect("AT\r", "AT\r\r\nOK\r\n");
    cr_assert_eq(simproc_stop(&sim), 0, "exit status after SIGTERM");
}

Test(process, link_is_made_and_removed_on_exit)
{
    char link[128];
    snprintf(link, sizeof link, "/tmp/sim7600-link-%d", (int)getpid());
    const char *args[] = {"--link", link, NULL};
    start_with(args);
    char target[256] = {0};
    cr_assert_gt(readlink(link, target, sizeof target - 1), 0, "no symlink at %s", link);
    cr_assert_str_eq(target, sim.pty_path);
    simproc_stop(&sim);
    cr_assert_eq(access(link, F_OK), -1, "the link outlived the simulator");
}

static int run_status(const char *const *argv, char *out, size_t cap)
{
    int pipefd[2];
    cr_assert_eq(pipe(pipefd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 1);
        dup2(pipefd[1], 2);
        execv(argv[0], exec_args(argv));
        _exit(127);
    }
    close(pipefd[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(pipefd[0], out + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = '\0';
    close(pipefd[0]);
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(process, help_and_bad_options)
{
    char out[8192];
    const char *help[] = {SIM7600_BIN_DIR "/sim7600-sim", "--help", NULL};
    cr_assert_eq(run_status(help, out, sizeof out), 0);
    cr_assert(strstr(out, "--profile cold|warm"), "%s", out);
    const char *bad[] = {SIM7600_BIN_DIR "/sim7600-sim", "--profile", "tepid", NULL};
    cr_assert_eq(run_status(bad, out, sizeof out), 2);
    cr_assert(strstr(out, "--profile must be cold or warm: 'tepid'"), "%s", out);
    const char *bad_ctl[] = {SIM7600_BIN_DIR "/sim7600-sim", "--control", "/nonexistent/dir/ctl", NULL};
    cr_assert_eq(run_status(bad_ctl, out, sizeof out), 1);
    cr_assert(strstr(out, "/nonexistent/dir/ctl"), "%s", out);
}

TestSuite(wire, .init = start_cold, .fini = stop);

/* Reference §9: the MQTT manual's worked example §3.1, command by command. */
Test(wire, the_manuals_worked_example)
{
    expect("PB DONE\r\n");
    send_expect("ATE0\r", "\r\nOK\r\n");
    send_expect("AT+CSQ\r", "\r\n+CSQ: 23,0\r\n\r\nOK\r\n");
    send_expect("AT+CREG?\r", "\r\n+CREG: 0,1\r\n\r\nOK\r\n");
    send_expect("AT+CGREG?\r", "\r\n+CGREG: 0,1\r\n\r\nOK\r\n");
    send_expect("AT+CMQTTSTART\r", "\r\n+CMQTTSTART: 0\r\n\r\nOK\r\n");
    send_expect("AT+CGPADDR\r", "\r\n+CGPADDR: 1,10.49.14.68\r\n\r\nOK\r\n");
    send_expect("AT+CMQTTACCQ=0,\"client test0\"\r", "\r\nOK\r\n");
    send_expect("AT+CMQTTWILLTOPIC=0,10\r", "\r\n>");
    send_expect("0123456789", "\r\nOK\r\n");
    send_expect("AT+CMQTTWILLMSG=0,6,1\r", "\r\n>");
    send_expect("qwerty", "\r\nOK\r\n");
    send_expect("AT+CMQTTCONNECT=0,\"tcp://test.mosquitto.org:1883\",60,1\r", "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,0\r\n");
    send_expect("AT+CMQTTSUB=0,9,1\r", "\r\n>");
    send_expect("simcommsg", "\r\nOK\r\n\r\n+CMQTTSUB: 0,0\r\n");
    send_expect("AT+CMQTTTOPIC=0,9\r", "\r\n>");
    send_expect("simcommsg", "\r\nOK\r\n");
    send_expect("AT+CMQTTPAYLOAD=0,60\r", "\r\n>");
    send_expect("012345678901234567890123456789012345678901234567890123456789", "\r\nOK\r\n");
    send_expect("AT+CMQTTPUB=0,1,60\r", "\r\nOK\r\n\r\n+CMQTTPUB: 0,0\r\n");
    expect("\r\n+CMQTTRXSTART: 0,9,60\r\n+CMQTTRXTOPIC: 0,9\r\nsimcommsg\r\n+CMQTTRXPAYLOAD: 0,60\r\n"
           "012345678901234567890123456789012345678901234567890123456789\r\n+CMQTTRXEND: 0\r\n");
    send_expect("AT+CMQTTSUBTOPIC=0,9,1\r", "\r\n>");
    send_expect("123456789", "\r\nOK\r\n");
    send_expect("AT+CMQTTSUB=0\r", "\r\nOK\r\n\r\n+CMQTTSUB: 0,0\r\n");
    send_expect("AT+CMQTTUNSUB=0,9,0\r", "\r\n>");
    send_expect("simcommsg", "\r\nOK\r\n\r\n+CMQTTUNSUB: 0,0\r\n");
    send_expect("AT+CMQTTDISC=0,120\r", "\r\nOK\r\n\r\n+CMQTTDISC: 0,0\r\n");
    send_expect("AT+CMQTTREL=0\r", "\r\nOK\r\n");
    send_expect("AT+CMQTTSTOP\r", "\r\n+CMQTTSTOP: 0\r\n\r\nOK\r\n");
}

Test(wire, state_outlives_the_host_closing_the_port)
{
    expect("PB DONE\r\n");
    send_expect("AT+CMQTTSTART\r", "+CMQTTSTART: 0\r\n\r\nOK\r\n");
    send_expect("AT+CMQTTACCQ=0,\"esp32\"\r", "\r\nOK\r\n");
    /* the microcontroller resets: the port closes and opens again, the module stays powered */
    simproc_close_port(&sim);
    cr_assert_eq(simproc_open(&sim), 0);
    cr_assert(wait_state("\"host_opens\":2"), "the simulator never saw the port reopened");
    simproc_flush(&sim);
    send_expect("AT+CMQTTSTOP\r", "AT+CMQTTSTOP\r\r\n+CMQTTSTOP: 21\r\n\r\nERROR\r\n");
    send_expect("AT+CMQTTREL=0\r", "\r\nOK\r\n");
    send_expect("AT+CMQTTSTART\r", "\r\n+CMQTTSTART: 23\r\n\r\nERROR\r\n");
}

Test(wire, a_3000_byte_payload_arrives_in_chunks)
{
    connect_client0();
    send_expect("AT+CMQTTSUB=0,8,1\r", "\r\n>");
    send_expect("big/data", "+CMQTTSUB: 0,0\r\n");
    static char cmd[4000];
    strcpy(cmd, "deliver big/data ");
    size_t n = strlen(cmd);
    for (int i = 0; i < 3000; i++)
        cmd[n++] = (char)('a' + i % 26);
    cmd[n] = '\0';
    control(cmd, "OK published");
    expect("+CMQTTRXSTART: 0,8,3000\r\n+CMQTTRXTOPIC: 0,8\r\nbig/data\r\n");
    size_t total = 0;
    for (int chunk = 0; chunk < 6; chunk++) {
        expect("+CMQTTRXPAYLOAD: 0,500\r\n");
        total += 500;
    }
    cr_assert_eq(total, 3000);
    expect("+CMQTTRXEND: 0\r\n");
}

Test(wire, output_is_paced_at_the_baud_rate)
{
    simproc_stop(&sim);
    const char *args[] = {"--baud", "2400", "--profile", "warm", NULL};
    start_with(args);
    /* ATI answers ~160 bytes: at 2400 baud (240 bytes/s) at least 0.6 s on the wire */
    long long t0 = test_now_ms();
    send_expect("ATI\r", "\r\nOK\r\n");
    long long took = test_now_ms() - t0;
    cr_assert_geq(took, 500, "ATI's answer took %lld ms at 2400 baud", took);
}

TestSuite(profile, .fini = stop);

Test(profile, warm_module_answers_21_and_23_at_once)
{
    const char *args[] = {"--profile", "warm", NULL};
    start_with(args);
    send_expect("AT+CMQTTSTOP\r", "\r\n+CMQTTSTOP: 21\r\n\r\nERROR\r\n");
    send_expect("AT+CMQTTSTART\r", "\r\n+CMQTTSTART: 23\r\n\r\nERROR\r\n");
}

Test(profile, a_cold_module_answers_start_with_0)
{
    start_with(NULL);
    expect("PB DONE\r\n");
    send_expect("AT+CMQTTSTART\r", "\r\n+CMQTTSTART: 0\r\n\r\nOK\r\n");
}

TestSuite(control_socket, .init = start_cold, .fini = stop);

Test(control_socket, deliver_reaches_a_subscriber_and_watch_sees_publishes)
{
    connect_client0();
    send_expect("AT+CMQTTSUB=0,6,0\r", ">");
    send_expect("cmd/in", "+CMQTTSUB: 0,0\r\n");
    control("deliver cmd/in \"led on\"", "OK published");
    expect("+CMQTTRXSTART: 0,6,6\r\n+CMQTTRXTOPIC: 0,6\r\ncmd/in\r\n+CMQTTRXPAYLOAD: 0,6\r\nled on\r\n+CMQTTRXEND: 0\r\n");

    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strcpy(addr.sun_path, sim.control_path);
    cr_assert_eq(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    cr_assert_eq(write(fd, "watch\n", 6), 6);
    char buf[512] = {0};
    size_t n = 0;
    long long end = test_now_ms() + T;
    while (!strstr(buf, "\n") && test_now_ms() < end)
        n += (size_t)read(fd, buf + n, sizeof buf - 1 - n);
    cr_assert(strncmp(buf, "OK watching", 11) == 0, "%s", buf);
    send_expect("AT+CMQTTTOPIC=0,7\r", ">");
    send_expect("tele/up", "OK\r\n");
    send_expect("AT+CMQTTPAYLOAD=0,2\r", ">");
    send_expect("42", "OK\r\n");
    send_expect("AT+CMQTTPUB=0,1,60\r", "+CMQTTPUB: 0,0\r\n");
    memset(buf, 0, sizeof buf);
    n = 0;
    while (!strstr(buf, "\n") && test_now_ms() < end)
        n += (size_t)read(fd, buf + n, sizeof buf - 1 - n);
    cr_assert_str_eq(buf, "MSG 1 0 \"tele/up\" \"42\"\n");
    close(fd);
}

Test(control_socket, connlost_reboot_sim_signal_reg_silent_broker_state)
{
    connect_client0();
    control("connlost 2", "OK 1 client(s)");
    expect("\r\n+CMQTTCONNLOST: 0,2\r\n");
    control("broker refuse 4", "OK broker refuse");
    send_expect("AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:1883\",60,1\r", "\r\nOK\r\n\r\n+CMQTTCONNECT: 0,30\r\n");
    control("broker accept", "OK");
    control("signal 7", "OK signal 7,0");
    send_expect("AT+CSQ\r", "\r\n+CSQ: 7,0\r\n");
    send_expect("AT+CREG=1\r", "\r\nOK\r\n");
    control("reg 3", "OK registration 3");
    expect("\r\n+CREG: 3\r\n");
    control("reg 1", "OK");
    expect("\r\n+CREG: 1\r\n");
    control("sim remove", "OK sim removed");
    expect("\r\n+CPIN: SIM REMOVED\r\n");
    send_expect("AT+CPIN?\r", "\r\n+CME ERROR: SIM not inserted\r\n");
    control("sim insert", "OK sim inserted");
    expect("\r\n+CPIN: READY\r\n");
    simproc_flush(&sim);
    control("silent 300", "OK silent for 300 ms");
    simproc_send(&sim, "AT\r");
    cr_assert(simproc_quiet_for(&sim, 150), "a silent module answered: %s", simproc_pending(&sim));
    /* after the silence it answers again; the lost AT is not answered late */
    bool answered = false;
    long long end = test_now_ms() + T;
    while (!answered && test_now_ms() < end) {
        simproc_send(&sim, "AT\r");
        answered = simproc_expect(&sim, "\r\nOK\r\n", 100);
    }
    cr_assert(answered, "the module never came back from silence");
    control("reboot", "OK rebooting");
    expect("\r\nRDY\r\n");
    expect("PB DONE\r\n");
    control("state", "OK {\"power\":\"on\"");
}

Test(control_socket, malformed_control_lines_get_err_and_the_module_stays_up)
{
    expect("PB DONE\r\n");
    control("nonsense here", "ERR unknown command 'nonsense'");
    control("deliver", "ERR usage: deliver <topic> <payload>");
    control("silent -5", "ERR '-5' must be a duration in ms");
    static char huge[70000];
    memset(huge, 'x', sizeof huge - 1);
    control(huge, "ERR line too long");
    send_expect("AT\r", "AT\r\r\nOK\r\n");
}

TestSuite(bad_input, .fini = stop);

Test(bad_input, long_lines_binary_nul_and_lone_lf)
{
    start_with(NULL);
    expect("PB DONE\r\n");
    send_expect("ATE0\r", "\r\nOK\r\n");
    static char longline[5000];
    memset(longline, 'X', sizeof longline);
    memcpy(longline, "AT+", 3);
    longline[sizeof longline - 1] = '\r';
    simproc_write(&sim, longline, sizeof longline);
    expect("\r\nERROR\r\n");
    const char junk[] = {'A', 'T', 0, (char)0xff, '\r'};
    simproc_write(&sim, junk, sizeof junk);
    expect("\r\nERROR\r\n");
    simproc_send(&sim, "\n\n");
    send_expect("AT\r", "\r\nOK\r\n");
    cr_assert_str_eq(simproc_pending(&sim), "");
}

Test(bad_input, a_data_phase_that_never_completes)
{
    const char *args[] = {"--data-timeout", "200", NULL};
    start_with(args);
    connect_client0();
    send_expect("AT+CMQTTPAYLOAD=0,100\r", "\r\n>");
    simproc_send(&sim, "only part");
    expect("\r\nERROR\r\n");
    send_expect("AT\r", "\r\nOK\r\n");
}

Test(bad_input, a_host_that_vanishes_mid_command)
{
    start_with(NULL);
    connect_client0();
    send_expect("AT+CMQTTTOPIC=0,50\r", "\r\n>");
    simproc_send(&sim, "half a topic");
    cr_assert(wait_state("\"data_got\":12"), "the module never read the partial topic");
    simproc_close_port(&sim);
    cr_assert_eq(simproc_open(&sim), 0);
    /* bytes a new host writes before the module notices the old one left would
     * still feed the old data phase, as on a real UART: wait until it noticed */
    cr_assert(wait_state("\"host_opens\":2"), "the simulator never saw the port reopened");
    /* the new host is not inside the old data phase, and the connection survived */
    send_expect("AT+CMQTTDISC?\r", "\r\n+CMQTTDISC: 0,0\r\n+CMQTTDISC: 1,1\r\n\r\nOK\r\n");
}

Test(bad_input, log_records_both_directions_in_the_capture_format)
{
    char log[128];
    snprintf(log, sizeof log, "/tmp/sim7600-log-%d.cap", (int)getpid());
    const char *args[] = {"--log", log, NULL};
    start_with(args);
    expect("PB DONE\r\n");
    send_expect("AT+CSQ\r", "\r\nOK\r\n");
    simproc_stop(&sim);
    const char *text = test_read_text(log);
    unlink(log);
    cr_assert_gt(strlen(text), 0);
    cr_assert(strstr(text, " > AT+CSQ\\r\n"), "%s", text);
    cr_assert(strstr(text, " < +CSQ: 23,0\\r\\n\n"), "%s", text);
    cr_assert(strstr(text, " < RDY\\r\\n\n"), "%s", text);
}

Test(wire, without_inotify_the_host_is_still_followed)
{
    simproc_stop(&sim);
    setenv("SIM7600_SIM_NO_INOTIFY", "1", 1);   /* as when the per-user inotify limit is reached */
    start_with(NULL);
    unsetenv("SIM7600_SIM_NO_INOTIFY");
    expect("PB DONE\r\n");
    send_expect("AT+CMQTTSTART\r", "+CMQTTSTART: 0\r\n\r\nOK\r\n");
    send_expect("AT+CMQTTACCQ=0,\"esp32\"\r", "\r\nOK\r\n");
    simproc_close_port(&sim);
    cr_assert(wait_state("\"host_attached\":false"), "the simulator never saw the host leave");
    cr_assert_eq(simproc_open(&sim), 0);
    cr_assert(wait_state("\"host_attached\":true"), "the simulator never saw the host come back");
    send_expect("AT+CMQTTSTOP\r", "AT+CMQTTSTOP\r\r\n+CMQTTSTOP: 21\r\n\r\nERROR\r\n");
}

TestSuite(replay, .fini = stop);

/* Sends the same exchange to a simulator; returns everything it answered. */
static void exchange(char *answers, size_t cap)
{
    static const char *const cmds[] = {"ATE0\r", "AT+CMQTTSTART\r", "AT+CMQTTACCQ=0,\"log\"\r", "AT+CSQ\r"};
    char one[256];
    answers[0] = '\0';
    expect("PB DONE\r\n");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        simproc_send(&sim, cmds[i]);
        cr_assert(simproc_take(&sim, "OK\r\n", T, one, sizeof one), "no answer to %s", cmds[i]);
        strncat(answers, one, cap - strlen(answers) - 1);
    }
}

Test(replay, a_recorded_session_replays_byte_for_byte)
{
    char log[128], first[512], second[512], reply[4096];
    snprintf(log, sizeof log, "/tmp/sim7600-replay-%d.cap", (int)getpid());
    const char *rec[] = {"--log", log, NULL};
    start_with(rec);
    exchange(first, sizeof first);
    simproc_stop(&sim);

    const char *play[] = {"--replay", log, "--replay-strict", NULL};
    start_with(play);
    exchange(second, sizeof second);
    cr_assert_str_eq(second, first);
    cr_assert_eq(simproc_control(&sim, "state", reply, sizeof reply), 0);
    cr_assert(strstr(reply, "\"replay\":{\"state\":\"finished\""), "%s", reply);
    simproc_stop(&sim);

    start_with(play);
    expect("PB DONE\r\n");
    send_expect("ATE0\r", "OK\r\n");
    simproc_send(&sim, "AT+CGMR\r");
    cr_assert(simproc_quiet_for(&sim, 100), "a strict replay answered after the host departed");
    cr_assert_eq(simproc_control(&sim, "state", reply, sizeof reply), 0);
    cr_assert(strstr(reply, "\"state\":\"diverged\""), "%s", reply);
    cr_assert(strstr(reply, "expected \\\"AT+CMQTTSTART\\\\r\\\", got \\\"AT+CGMR\\\\r\\\""), "%s", reply);
    unlink(log);
}
