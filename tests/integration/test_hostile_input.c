/* Issue 7, bad input: every public interface fed hostile input answers with a
 * clear error and loses nothing -- no crash, no hang, the process stays usable
 * and no input vanishes without an answer. What is asserted is what a user
 * would notice: exit statuses, messages naming the problem, AT still OK.
 * Every wait is bounded; every process started here is stopped here. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "program.h"
#include "sim_process.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define HIL SIM7600_BIN_DIR "/sim7600-hil"
#define MQTT SIM7600_BIN_DIR "/sim7600-mqtt"

static struct sim_process sim;

/* ---- helpers ----------------------------------------------------------------- */

/* Deterministic garbage: the same bytes on every run, so a failure reproduces. */
static void garbage(uint8_t *buf, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(seed >> 16);
    }
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void stop_sim(void) { simproc_stop(&sim); }

/* A simulator with echo off, so every byte it says is an answer. */
static void start_sim_with(const char *const *args)
{
    cr_assert_eq(simproc_start(&sim, args), 0, "sim7600-sim did not start");
    cr_assert_eq(simproc_open(&sim), 0, "cannot open %s", sim.pty_path);
    cr_assert(simproc_expect(&sim, "PB DONE\r\n", T), "no boot URCs: \"%s\"", simproc_pending(&sim));
    simproc_send(&sim, "ATE0\r");
    cr_assert(simproc_expect(&sim, "\r\nOK\r\n", T), "ATE0: \"%s\"", simproc_pending(&sim));
}

static void start_sim(void)
{
    /* a short data timeout keeps the "data phase fed too little" case fast */
    static const char *const args[] = {"--data-timeout", "300", NULL};
    start_sim_with(args);
}

static void state(char *reply, size_t cap)
{
    cr_assert_eq(simproc_control(&sim, "state", reply, cap), 0, "no answer to 'state'");
    cr_assert(strncmp(reply, "OK {", 4) == 0, "state: %s", reply);
}

/* After the abuse: nothing left half-done, AT answers OK, the state is sane. */
static void assert_usable(const char *after)
{
    char taken[4096], st[8192];
    simproc_send(&sim, "AT\r");
    cr_assert(simproc_take(&sim, "\r\nOK\r\n", T, taken, sizeof taken),
              "after %s, AT got no OK: \"%s\"", after, simproc_pending(&sim));
    state(st, sizeof st);
    cr_assert(strstr(st, "\"power\":\"on\"") && strstr(st, "\"input\":\"command\"") &&
                  strstr(st, "\"silent\":false") && strstr(st, "\"boots\":1,"),
              "after %s the state is %s", after, st);
}

/* What the module said, read by answers_to(). */
static struct {
    char *p;
    size_t len, cap;
} rx;

/* Reads what is readable, waiting at most wait_ms for the first byte. */
static void pump(int wait_ms)
{
    struct pollfd pfd = {sim.fd, POLLIN, 0};
    if (poll(&pfd, 1, wait_ms) <= 0)
        return;
    for (;;) {
        if (rx.cap - rx.len < 4097) {
            rx.cap = rx.cap ? rx.cap * 2 : 1 << 16;
            rx.p = realloc(rx.p, rx.cap);
            cr_assert(rx.p);
        }
        ssize_t r = read(sim.fd, rx.p + rx.len, 4096);
        if (r <= 0)
            break;
        rx.len += (size_t)r;
        rx.p[rx.len] = '\0';
    }
}

static void write_all_reading(const void *data, size_t n)
{
    const uint8_t *p = data;
    long long end = test_now_ms() + 10 * T;
    while (n) {
        ssize_t w = write(sim.fd, p, n > 4096 ? 4096 : n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else {
            cr_assert(w < 0 && errno == EAGAIN, "write to the pty: %s", strerror(errno));
            cr_assert(test_now_ms() < end, "the module stopped reading its pty");
        }
        /* reading while writing: a big input must not fill the module's output
         * queue, whose overflow is a slow reader's (documented) loss */
        pump(w > 0 ? 0 : 10);
    }
}

/* Sends `data` and returns (caller frees) everything the module answered to it:
 * an ATI sent after it marks the end, since the module answers in order and
 * nothing else it says looks like ATI's first line. */
static char *answers_to(const void *data, size_t n)
{
    static const char mark[] = "\r\nManufacturer: ";
    rx.len = 0;
    pump(0);
    cr_assert_eq(rx.len + strlen(simproc_pending(&sim)), 0, "unexpected output before the input: \"%s%.*s\"",
                 simproc_pending(&sim), (int)rx.len, rx.p);
    write_all_reading(data, n);
    write_all_reading("\rATI\r", 5);   /* the first CR ends a line `data` left open */
    long long end = test_now_ms() + 10 * T;
    char *hit;
    while (!(hit = rx.len ? memmem(rx.p, rx.len, mark, sizeof mark - 1) : NULL)) {
        int left = (int)(end - test_now_ms());
        cr_assert_gt(left, 0, "no answer to the closing ATI; the module said \"%.300s\"", rx.len ? rx.p : "");
        pump(left);
    }
    size_t len = (size_t)(hit - rx.p);
    while (!memmem(hit, rx.len - len, "\r\nOK\r\n", 6)) {   /* the rest of ATI's answer */
        int left = (int)(end - test_now_ms());
        cr_assert_gt(left, 0, "ATI never ended: \"%s\"", hit);
        pump(left);
        hit = rx.p + len;
    }
    char *taken = malloc(len + 1);
    cr_assert(taken);
    memcpy(taken, rx.p, len);
    taken[len] = '\0';
    rx.len = 0;
    return taken;
}

static void free_rx(void)
{
    free(rx.p);
    rx.p = NULL;
    rx.len = rx.cap = 0;
}

static void stop_pty_sim(void)
{
    free_rx();
    simproc_stop(&sim);
}

/* ---- the simulator's pty ------------------------------------------------------- */

TestSuite(pty, .init = start_sim, .fini = stop_pty_sim, .timeout = 30);

Test(pty, over_long_line_is_one_error)
{
    char line[5000];
    memset(line, 'X', sizeof line);
    memcpy(line, "AT+CSQ", 6);
    line[sizeof line - 1] = '\r';
    char *got = answers_to(line, sizeof line);
    cr_assert_str_eq(got, "\r\nERROR\r\n", "a 5000-byte line got \"%s\"", got);
    free(got);
    assert_usable("a 5000-byte line");
}

Test(pty, nul_bytes_are_errors)
{
    static const char in[] = "AT\0\r" "AT+CSQ\0\r" "\0\0\0AT\r" "A\0T\r";
    char *got = answers_to(in, sizeof in - 1);
    cr_assert_eq(count(got, "\r\nERROR\r\n"), 4, "four lines with NULs got \"%s\"", got);
    cr_assert_null(strstr(got, "+CSQ:"), "a line with a NUL was executed: \"%s\"", got);
    free(got);
    assert_usable("NUL bytes");
}

Test(pty, binary_garbage_gets_an_error_per_line)
{
    /* 40 lines of random bytes with no CR inside; each starts with 0xFF so none
     * can be "A/" (repeat) or begin with AT */
    enum { LINES = 40, LEN = 100 };
    uint8_t buf[LINES * LEN];
    garbage(buf, sizeof buf, 7);
    for (size_t i = 0; i < sizeof buf; i++)
        if (buf[i] == '\r')
            buf[i] = 'x';
    for (int l = 0; l < LINES; l++) {
        buf[l * LEN] = 0xFF;
        buf[l * LEN + LEN - 1] = '\r';
    }
    char *got = answers_to(buf, sizeof buf);
    cr_assert_eq(count(got, "\r\nERROR\r\n"), LINES, "%d garbage lines got %zu ERRORs: \"%.400s\"", LINES,
                 count(got, "\r\nERROR\r\n"), got);
    free(got);
    /* and 64 KiB of garbage with CRs wherever they fell: no crash, still usable */
    static uint8_t big[65536];
    garbage(big, sizeof big, 99);
    free(answers_to(big, sizeof big));
    assert_usable("binary garbage");
}

Test(pty, cr_lf_storm_is_ignored)
{
    static char storm[30000];
    for (size_t i = 0; i < sizeof storm; i++)
        storm[i] = "\r\n\n\r"[i % 4];
    char *got = answers_to(storm, sizeof storm);
    cr_assert_str_eq(got, "", "empty lines and lone LFs must get no answer; got \"%.200s\"", got);
    free(got);
    assert_usable("a CR/LF storm");
}

/* Client 0 acquired, so CMQTTTOPIC/PAYLOAD reach their length checks. */
static void acquire_client0(void)
{
    simproc_send(&sim, "AT+CMQTTSTART\r");
    cr_assert(simproc_expect(&sim, "+CMQTTSTART: 0\r\n\r\nOK\r\n", T), "\"%s\"", simproc_pending(&sim));
    simproc_send(&sim, "AT+CMQTTACCQ=0,\"hostile\"\r");
    cr_assert(simproc_expect(&sim, "\r\nOK\r\n", T), "\"%s\"", simproc_pending(&sim));
}

Test(pty, topic_and_payload_lengths_out_of_range)
{
    acquire_client0();
    static const char *const bad[] = {
        "AT+CMQTTTOPIC=0,-1\r", "AT+CMQTTTOPIC=0,0\r", "AT+CMQTTTOPIC=0,1025\r",
        "AT+CMQTTTOPIC=0,99999999999\r", "AT+CMQTTTOPIC=0,18446744073709551617\r",
        "AT+CMQTTTOPIC=0,-99999999999999999999\r", "AT+CMQTTTOPIC=0,\r", "AT+CMQTTTOPIC=0,5x\r",
        "AT+CMQTTPAYLOAD=0,-5\r", "AT+CMQTTPAYLOAD=0,10241\r", "AT+CMQTTPAYLOAD=0,4294967301\r",
        "AT+CMQTTPAYLOAD=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\r",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *got = answers_to(bad[i], strlen(bad[i]));
        /* refused, and no '>' prompt: a prompt would swallow the next command as data */
        cr_assert(strstr(got, "\r\nERROR\r\n") && !strchr(got, '>'), "%s got \"%s\"", bad[i], got);
        free(got);
    }
    char st[8192];
    state(st, sizeof st);
    cr_assert(strstr(st, "\"topic_len\":0,\"payload_len\":0"), "a refused length changed the client: %s", st);
    assert_usable("out-of-range lengths");
}

Test(pty, data_phase_fed_more_bytes)
{
    acquire_client0();
    simproc_send(&sim, "AT+CMQTTTOPIC=0,5\r");
    cr_assert(simproc_expect(&sim, "\r\n>", T), "no prompt: \"%s\"", simproc_pending(&sim));
    /* five bytes are the topic; the rest is a command line of its own, answered */
    char *got = answers_to("abcdegarbage\r", 13);
    cr_assert_str_eq(got, "\r\nOK\r\n\r\nERROR\r\n", "topic then extra bytes got \"%s\"", got);
    free(got);
    char st[8192];
    state(st, sizeof st);
    cr_assert(strstr(st, "\"topic_len\":5,"), "the topic was not kept: %s", st);
    assert_usable("a data phase fed too much");
}

Test(pty, data_phase_fed_fewer_bytes_times_out)
{
    acquire_client0();
    simproc_send(&sim, "AT+CMQTTPAYLOAD=0,10\r");
    cr_assert(simproc_expect(&sim, "\r\n>", T), "no prompt: \"%s\"", simproc_pending(&sim));
    simproc_send(&sim, "abc");
    /* --data-timeout 300: ERROR, the three bytes dropped, back in command mode */
    cr_assert(simproc_expect(&sim, "\r\nERROR\r\n", T), "a short data phase never ended: \"%s\"",
              simproc_pending(&sim));
    char st[8192];
    state(st, sizeof st);
    cr_assert(strstr(st, "\"payload_len\":0,"), "partial data was kept: %s", st);
    assert_usable("a data phase fed too little");
}

Test(pty, thousands_of_concatenated_commands)
{
    /* separators alone are ignored (V.250): one OK */
    static char semis[1000];
    memcpy(semis, "AT", 2);
    memset(semis + 2, ';', sizeof semis - 3);
    semis[sizeof semis - 1] = '\r';
    char *got = answers_to(semis, sizeof semis);
    cr_assert_str_eq(got, "\r\nOK\r\n", "AT;;;... got \"%s\"", got);
    free(got);
    /* 3000 commands in one line: refused whole, none of them run */
    size_t n = 2 + 3000 * 5 + 1;
    char *many = malloc(n);
    cr_assert(many);
    memcpy(many, "AT", 2);
    for (int i = 0; i < 3000; i++)
        memcpy(many + 2 + i * 5, "+CSQ;", 5);
    many[n - 1] = '\r';
    got = answers_to(many, n);
    cr_assert_str_eq(got, "\r\nERROR\r\n", "3000 commands got \"%.300s\"", got);
    free(got);
    free(many);
    /* as many as fit in a line (200): also one ERROR, nothing half done */
    char fit[2 + 200 * 5 + 1];
    memcpy(fit, "AT", 2);
    for (int i = 0; i < 200; i++)
        memcpy(fit + 2 + i * 5, "+CSQ;", 5);
    fit[sizeof fit - 1] = '\r';
    got = answers_to(fit, sizeof fit);
    cr_assert_str_eq(got, "\r\nERROR\r\n", "200 commands got \"%.300s\"", got);
    free(got);
    assert_usable("thousands of concatenated commands");
}

/* `lines` lines as fast as the pty takes them, good and bad alternating: every
 * one answered, in order. */
static void flood(int lines)
{
    char *in = malloc((size_t)lines * 4);
    cr_assert(in);
    size_t n = 0;
    for (int i = 0; i < lines; i++) {
        memcpy(in + n, i % 2 ? "XY\r" : "AT\r", 3);
        n += 3;
    }
    char *got = answers_to(in, n);
    size_t oks = count(got, "\r\nOK\r\n"), errors = count(got, "\r\nERROR\r\n");
    cr_assert_eq(oks, (size_t)lines / 2, "%zu OKs for %d good lines", oks, lines / 2);
    cr_assert_eq(errors, (size_t)lines / 2, "%zu ERRORs for %d bad lines", errors, lines / 2);
    cr_assert_eq(strlen(got), (size_t)lines / 2 * (6 + 9), "unexpected bytes among the answers");
    free(got);
    free(in);
    char st[8192], want[64];
    state(st, sizeof st);
    snprintf(want, sizeof want, "\"commands\":%d,", lines + 2);
    cr_assert(strstr(st, want), "not every line was taken as a command: %s", st);
    assert_usable("a high-rate flood");
}

Test(pty, bytes_at_high_rate_lose_nothing)
{
    flood(20000);
}

static void start_paced_sim(void)
{
    static const char *const args[] = {"--baud", "4000000", NULL};
    start_sim_with(args);
}

/* On a paced wire the host writes faster than the wire carries: 328 KB, more
 * than the module's input queue holds, must wait in the pty, not be dropped.
 * Long lines with short answers, so the answers never outrun their own wire. */
TestSuite(paced_pty, .init = start_paced_sim, .fini = stop_pty_sim, .timeout = 60);

Test(paced_pty, a_host_faster_than_the_wire_is_held_back_and_loses_nothing)
{
    enum { LINES = 5200, LINE = 63 };   /* "AT" and 60 blanks (V.250 ignores them): one OK */
    char *in = malloc((size_t)LINES * LINE);
    cr_assert(in);
    for (int i = 0; i < LINES; i++) {
        memcpy(in + i * LINE, "AT", 2);
        memset(in + i * LINE + 2, ' ', LINE - 3);
        in[i * LINE + LINE - 1] = '\r';
    }
    char *got = answers_to(in, (size_t)LINES * LINE);
    size_t oks = count(got, "\r\nOK\r\n");
    cr_assert_eq(oks, LINES, "%zu OKs for %d lines: host bytes were lost", oks, LINES);
    free(got);
    free(in);
    assert_usable("a paced flood");
}

/* Bytes the simulator has taken from the pty so far. */
static long bytes_in(void)
{
    char st[8192];
    state(st, sizeof st);
    const char *p = strstr(st, "\"bytes_in\":");
    cr_assert_not_null(p, "%s", st);
    return strtol(p + 11, NULL, 10);
}

/* Sends and waits (bounded) until the module has the bytes: "mid-command" means
 * the module holds half a command, not that it still sits in the pty. */
static void send_received(const char *text)
{
    long want = bytes_in() + (long)strlen(text);
    simproc_send(&sim, text);
    long long end = test_now_ms() + T;
    while (bytes_in() < want)
        cr_assert(test_now_ms() < end, "the simulator never read \"%s\"", text);
}

Test(pty, host_closing_mid_command_or_data_loses_only_that)
{
    acquire_client0();
    /* a half-typed command dies with the host that typed it */
    send_received("AT+CMQTTDISC=0,60");
    simproc_close_port(&sim);
    cr_assert_eq(simproc_open(&sim), 0);
    char *got = answers_to("\r", 1);
    cr_assert_str_eq(got, "", "the old host's half command ran: \"%s\"", got);
    free(got);
    /* so does a half-fed data phase: the next host is back in command mode */
    simproc_send(&sim, "AT+CMQTTTOPIC=0,8\r");
    cr_assert(simproc_expect(&sim, "\r\n>", T), "no prompt: \"%s\"", simproc_pending(&sim));
    send_received("abc");
    simproc_close_port(&sim);
    cr_assert_eq(simproc_open(&sim), 0);
    char st[8192];
    state(st, sizeof st);
    cr_assert(strstr(st, "\"topic_len\":0,") && strstr(st, "\"state\":\"acquired\""),
              "the module state after the hosts left: %s", st);
    assert_usable("a host closing mid-command");
}

/* ---- the control socket ----------------------------------------------------- */

static int control_connect(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sim.control_path);
    cr_assert(fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0, "connect: %s",
              strerror(errno));
    return fd;
}

static void send_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    long long end = test_now_ms() + T;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        cr_assert(w > 0 || (w < 0 && errno == EINTR), "send: %s", strerror(errno));
        cr_assert(test_now_ms() < end, "the control socket stopped reading");
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        }
    }
}

/* One reply line (without the newline); "" at EOF. */
static void reply_line(int fd, char *out, size_t cap)
{
    size_t n = 0;
    long long end = test_now_ms() + T;
    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int left = (int)(end - test_now_ms());
        cr_assert(left > 0 && poll(&pfd, 1, left) > 0, "no reply line; got \"%.*s\"", (int)n, out);
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r <= 0 || c == '\n')
            break;
        if (n + 1 < cap)
            out[n++] = c;
    }
    out[n] = '\0';
}

/* Sends raw bytes (a newline is appended) and returns the reply. */
static void control_raw(int fd, const void *line, size_t n, char *reply, size_t cap)
{
    send_all(fd, line, n);
    send_all(fd, "\n", 1);
    reply_line(fd, reply, cap);
}

/* The state with the stats (which count AT commands, not control ones) cut off. */
static void world_state(char *out, size_t cap)
{
    state(out, cap);
}

TestSuite(control, .init = start_sim, .fini = stop_sim, .timeout = 30);

Test(control, garbage_lines_get_err_and_change_nothing)
{
    char before[8192], after[8192], reply[512];
    world_state(before, sizeof before);
    static const struct {
        const char *line;
        size_t len;
    } bad[] = {
#define L(s) {s, sizeof s - 1}
        L("garbage"), L("\"unterminated"), L("deliver \"abc"), L("deliver t \"p"), L("inject \"\\q\""),
        L("inject \"\\x4\""), L("signal"), L("signal 99999999999999999999"), L("signal -1"),
        L("reg 77"), L("silent -5"), L("silent 99999999999"), L("garble 0"), L("broker refuse 0"),
        L("broker"), L("rule on-send"), L("rule on-send AT nth=0 reboot"),
        L("rule after-publishes -1 reboot"), L("sim wobble"),
        L(""), L("   "), L("\"\""), L("\\"),
        /* a NUL: the part before it must not run with the rest dropped */
        L("reboot\0 and more"), L("signal 5\0garbage"),
#undef L
    };
    int fd = control_connect();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        control_raw(fd, bad[i].line, bad[i].len, reply, sizeof reply);
        cr_assert(strncmp(reply, "ERR ", 4) == 0 && strlen(reply) > 8,
                  "'%.*s' got \"%s\"", (int)bad[i].len, bad[i].line, reply);
    }
    /* binary: every byte but the newline */
    char bin[255];
    for (int i = 0, n = 0; i < 256; i++)
        if (i != '\n')
            bin[n++] = (char)i;
    control_raw(fd, bin, sizeof bin, reply, sizeof reply);
    cr_assert(strncmp(reply, "ERR ", 4) == 0, "binary got \"%s\"", reply);
    uint8_t junk[3000];
    garbage(junk, sizeof junk, 3);
    for (size_t i = 0; i < sizeof junk; i++)
        if (junk[i] == '\n')
            junk[i] = 0xFF;
    control_raw(fd, junk, sizeof junk, reply, sizeof reply);
    cr_assert(strncmp(reply, "ERR ", 4) == 0, "random bytes got \"%s\"", reply);
    /* the same connection still serves */
    control_raw(fd, "help", 4, reply, sizeof reply);
    cr_assert(strncmp(reply, "OK", 2) == 0, "help after garbage got \"%s\"", reply);
    close(fd);
    world_state(after, sizeof after);
    cr_assert_str_eq(after, before, "bad control lines changed the module");
    assert_usable("control garbage");
}

Test(control, very_long_lines_are_refused_and_skipped)
{
    char reply[512];
    int fd = control_connect();
    /* 200 KiB, with a valid command at its end: the whole line is ignored */
    size_t n = 200 * 1024;
    char *line = malloc(n);
    cr_assert(line);
    memset(line, 'x', n);
    memcpy(line + n - 8, "signal 7", 8);
    control_raw(fd, line, n, reply, sizeof reply);
    cr_assert(strncmp(reply, "ERR line too long", 17) == 0, "a 200 KiB line got \"%s\"", reply);
    /* exactly one reply for it, and the connection goes on */
    control_raw(fd, "signal 9", 8, reply, sizeof reply);
    cr_assert_str_eq(reply, "OK signal 9,0");
    free(line);
    /* a half line left open when the peer goes: never run */
    send_all(fd, "reboot", 6);
    close(fd);
    char st[8192];
    state(st, sizeof st);
    cr_assert(strstr(st, "\"rssi\":9,"), "the tail of an over-long line ran: %s", st);
    assert_usable("over-long control lines");
}

Test(control, many_connections_opened_and_closed)
{
    char reply[512];
    /* 16 at once are served; the 17th to 20th are told why and closed */
    int fds[20];
    for (int i = 0; i < 20; i++)
        fds[i] = control_connect();
    for (int i = 0; i < 16; i++) {
        control_raw(fds[i], "signal 11", 9, reply, sizeof reply);
        cr_assert_str_eq(reply, "OK signal 11,0", "connection %d", i);
    }
    for (int i = 16; i < 20; i++) {
        reply_line(fds[i], reply, sizeof reply);
        cr_assert(strncmp(reply, "ERR too many control connections", 32) == 0, "connection %d got \"%s\"", i,
                  reply);
        reply_line(fds[i], reply, sizeof reply);
        cr_assert_str_eq(reply, "", "connection %d was not closed", i);
    }
    for (int i = 0; i < 20; i++)
        close(fds[i]);
    /* churn: 500 connections opened and dropped, some mid-line */
    for (int i = 0; i < 500; i++) {
        int fd = control_connect();
        if (i % 3 == 0)
            send_all(fd, "sta", 3);
        close(fd);
    }
    /* no slot leaked: 16 at once are served again (closes are seen in bounded time) */
    long long end = test_now_ms() + T;
    int served = 0;
    while (served < 16 && test_now_ms() < end) {
        for (int i = 0; i < 16; i++)
            fds[i] = control_connect();
        served = 0;
        for (int i = 0; i < 16; i++) {
            send_all(fds[i], "signal 12\n", 10);
            reply_line(fds[i], reply, sizeof reply);
            served += strcmp(reply, "OK signal 12,0") == 0;
        }
        for (int i = 0; i < 16; i++)
            close(fds[i]);
    }
    cr_assert_eq(served, 16, "after 500 connections only %d of 16 were served", served);
    assert_usable("connection churn");
}

/* ---- programs run to completion ---------------------------------------------- */

static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/hostile-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    if (!tmpdir[0])
        return;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx %s 2>/dev/null; rm -rf %s", tmpdir, tmpdir);
    cr_expect_eq(system(cmd), 0);
    tmpdir[0] = '\0';
}

static const char *tmp_path(const char *name)
{
    static char path[8][256];
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, sizeof path[0], "%s/%s", tmpdir, name);
    return p;
}

static void write_file(const char *name, const void *data, size_t n)
{
    FILE *f = fopen(tmp_path(name), "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

static void write_text(const char *name, const char *text) { write_file(name, text, strlen(text)); }

static char out[1 << 20];

/* ---- scenario files: sim7600-hil check ------------------------------------------------ */

TestSuite(check, .init = make_tmpdir, .fini = remove_tmpdir, .timeout = 30);

/* check FILE must exit 1 with a "FILE:LINE: ..." line containing `word`. */
static void check_rejects(const char *name, int line, const char *word)
{
    const char *path = tmp_path(name);
    const char *argv[] = {HIL, "check", path, NULL};
    int st = program_run(argv, 5000, out, sizeof out);
    cr_assert_eq(st, 1, "check %s: status %d (-1 crash, -2 hang): %.500s", name, st, out);
    char where[300];
    snprintf(where, sizeof where, "%s:%d: ", path, line);
    const char *hit = strstr(out, where);
    cr_assert_not_null(hit, "check %s: no \"%s\" in: %.500s", name, where, out);
    const char *eol = strchr(hit, '\n');
    cr_assert(eol && memmem(hit, (size_t)(eol - hit), word, strlen(word)), "check %s: line %d does not mention '%s': %.300s",
              name, line, word, hit);
}

Test(check, binary_file)
{
    uint8_t bin[8192];
    garbage(bin, sizeof bin, 11);
    bin[0] = 0;   /* a NUL on line 1, whatever the garbage holds */
    write_file("bin.scn", bin, sizeof bin);
    check_rejects("bin.scn", 1, "");
}

Test(check, huge_lines)
{
    size_t n = 2u << 20;
    char *text = malloc(n + 64);
    cr_assert(text);
    int k = sprintf(text, "scenario \"huge\"\ntargets sim\nsend \"");
    memset(text + k, 'A', n);
    strcpy(text + k + n, "\nexpect \"OK\"\n");   /* the 2 MiB string never closes */
    write_text("huge.scn", text);
    check_rejects("huge.scn", 3, "unterminated");
    /* a 2 MiB keyword */
    memset(text, 'k', n);
    strcpy(text + n, "\n");
    write_text("kw.scn", text);
    check_rejects("kw.scn", 1, "unknown keyword");
    free(text);
}

Test(check, unterminated_strings_and_bad_regexes)
{
    write_text("unterm.scn", "scenario \"cut\ntargets sim\nsend \"AT\"\nexpect \"OK\"\n");
    check_rejects("unterm.scn", 1, "unterminated");
    write_text("escape.scn", "scenario \"e\"\ntargets sim\nsend \"AT\\q\"\nexpect \"OK\"\n");
    check_rejects("escape.scn", 3, "escape");
    write_text("regex.scn", "scenario \"r\"\ntargets sim\nsend \"AT\"\nexpect /a(b/\n");
    check_rejects("regex.scn", 4, "regular expression");
    write_text("regex2.scn", "scenario \"r2\"\ntargets sim\nsend \"AT\"\nexpect /[z-a]/\n");
    check_rejects("regex2.scn", 4, "regular expression");
    write_text("slash.scn", "scenario \"s\"\ntargets sim\nsend \"AT\"\nexpect /OK\n");
    check_rejects("slash.scn", 4, "");
}

Test(check, directory_with_unreadable_files)
{
    cr_assert_eq(mkdir(tmp_path("d"), 0700), 0);
    cr_assert_eq(mkdir(tmp_path("d/sub"), 0700), 0);
    write_text("d/good.scn", "scenario \"good\"\ntargets sim\nsend \"AT\"\nexpect \"OK\"\n");
    cr_assert_eq(symlink("/nonexistent/x.scn", tmp_path("d/dangling.scn")), 0);
    cr_assert_eq(symlink("loop.scn", tmp_path("d/loop.scn")), 0);
    /* opening a FIFO blocks until someone writes: must not hang the walk */
    cr_assert_eq(mkfifo(tmp_path("d/fifo.scn"), 0600), 0);
    /* two links back up the tree: following them would take 2^40 paths */
    cr_assert_eq(symlink("..", tmp_path("d/sub/up1")), 0);
    cr_assert_eq(symlink("..", tmp_path("d/sub/up2")), 0);
    bool unreadable = geteuid() != 0;   /* root reads a mode-000 file anyway */
    if (unreadable) {
        write_text("d/secret.scn", "scenario \"secret\"\n");
        cr_assert_eq(chmod(tmp_path("d/secret.scn"), 0), 0);
    }
    const char *dir = tmp_path("d");
    const char *argv[] = {HIL, "check", dir, NULL};
    int st = program_run(argv, 5000, out, sizeof out);
    cr_assert_eq(st, 1, "check DIR: status %d (-1 crash, -2 hang): %.800s", st, out);
    static const char *const named[] = {"dangling.scn: ", "loop.scn: ", "fifo.scn: ", "secret.scn: "};
    for (size_t i = 0; i < 4; i++) {
        if (i == 3 && !unreadable)
            continue;
        char path[300];
        snprintf(path, sizeof path, "%s/%s", dir, named[i]);
        cr_assert_not_null(strstr(out, path), "check DIR does not report %s: %.800s", named[i], out);
    }
    cr_assert_null(strstr(out, "good.scn"), "the good file was reported: %.800s", out);
    cr_assert_null(strstr(out, "up1/"), "a link loop was followed: %.800s", out);
    /* a device named on the command line is not read forever */
    const char *zero[] = {HIL, "check", "/dev/zero", NULL};
    st = program_run(zero, 5000, out, sizeof out);
    cr_assert_eq(st, 1, "check /dev/zero: status %d: %.300s", st, out);
    cr_assert_not_null(strstr(out, "/dev/zero: "), "%.300s", out);
}

/* ---- logs to import: sim7600-hil import --------------------------------------------- */

TestSuite(import, .init = make_tmpdir, .fini = remove_tmpdir, .timeout = 30);

/* import LOG must fail (1) and list each of `lines` (0-terminated) as LOG:N:. */
static void import_reports(const char *name, const char *format, const int *lines)
{
    const char *path = tmp_path(name);
    const char *argv[] = {HIL, "import", "--format", format, "--out", tmp_path("out.scn"), path, NULL};
    int st = program_run(argv, 5000, out, sizeof out);
    cr_assert_eq(st, 1, "import %s: status %d (-1 crash, -2 hang): %.500s", name, st, out);
    for (int i = 0; lines[i]; i++) {
        char where[300];
        snprintf(where, sizeof where, "%s:%d: ", path, lines[i]);
        cr_assert_not_null(strstr(out, where), "import %s does not report line %d: %.500s", name, lines[i], out);
    }
}

Test(import, binary_log)
{
    /* NUL bytes on lines 1 and 3: with them the rest of the log used to vanish */
    static const char bin[] = "\x7f" "ELF\0\x02\x01\nAT\r\n\xff\xfe\0\0\nOK\r\n";
    write_file("bin.log", bin, sizeof bin - 1);
    import_reports("bin.log", "auto", (const int[]){1, 3, 0});
    cr_assert_not_null(strstr(out, "NUL"), "%.300s", out);
    /* and random bytes */
    uint8_t junk[16384];
    garbage(junk, sizeof junk, 5);
    junk[0] = 0;
    write_file("junk.log", junk, sizeof junk);
    import_reports("junk.log", "auto", (const int[]){1, 0});
    import_reports("junk.log", "capture", (const int[]){1, 0});
}

Test(import, truncated_captures)
{
    static const char head[] = "# sim7600-hil capture v1: test\n0.010 > AT\\r\n0.011 < \\r\\nOK\\r\\n\n";
    char text[256];
    snprintf(text, sizeof text, "%s0.0", head);            /* cut in the time */
    write_text("t1.cap", text);
    import_reports("t1.cap", "auto", (const int[]){4, 0});
    snprintf(text, sizeof text, "%s0.020 > AT+CSQ\\x0", head);  /* cut in an escape */
    write_text("t2.cap", text);
    import_reports("t2.cap", "capture", (const int[]){4, 0});
    snprintf(text, sizeof text, "%s0.020", head);          /* cut before the direction */
    write_text("t3.cap", text);
    import_reports("t3.cap", "capture", (const int[]){4, 0});
    /* a capture a crash padded with zeros */
    char padded[256];
    int n = snprintf(padded, sizeof padded, "%s", head);
    memset(padded + n, 0, 64);
    write_file("t4.cap", padded, (size_t)n + 64);
    import_reports("t4.cap", "auto", (const int[]){4, 0});
}

Test(import, mixed_formats)
{
    write_text("mixed.log", "# sim7600-hil capture v1: test\n"
                            "0.010 > AT\\r\n"
                            "--> AT+CSQ\n"                 /* a serial monitor's line */
                            "0.011 < \\r\\nOK\\r\\n\n"
                            "hello from a plain log\n"
                            "0.012 < +CSQ: 23,0\\r\\n\n");
    import_reports("mixed.log", "auto", (const int[]){3, 5, 0});
    cr_assert_not_null(strstr(out, "2 line(s)"), "the count of unplaced lines: %.500s", out);
    write_text("mixed2.log", "--> AT\n<-- OK\nTX: AT+CSQ\n0.5 > ATI\\r\n");
    import_reports("mixed2.log", "prefixed", (const int[]){3, 4, 0});
}

/* An endless input (a device named by mistake) must end in an error, not fill
 * the memory or read forever: import, diff and --replay all read files whole. */
Test(import, an_endless_file_is_refused_by_every_reader)
{
    const char *const runs[][7] = {
        {HIL, "import", "--out", "/dev/null", "/dev/zero", NULL},
        {HIL, "diff", "/dev/zero", "/dev/zero", NULL},
        {SIM7600_BIN_DIR "/sim7600-sim", "--baud", "0", "--replay", "/dev/zero", NULL},
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        int st = program_run(runs[i], 10000, out, sizeof out);
        cr_assert(st >= 1 && st <= 2, "%s %s: status %d (-1 crash, -2 hang): %.300s", runs[i][0], runs[i][1], st, out);
        cr_assert_not_null(strstr(out, "/dev/zero: larger than 64 MiB"), "%s: %.300s", runs[i][1], out);
    }
}

/* ---- captures to replay: sim7600-sim --replay ----------------------------------------- */

/* The simulator must refuse to start (exit 1) naming FILE:LINE; one that starts
 * would serve until killed, which run_prog reports as a hang. */
static void replay_rejects(const char *name, int line, const char *word)
{
    const char *path = tmp_path(name);
    const char *argv[] = {SIM7600_BIN_DIR "/sim7600-sim", "--baud", "0", "--replay", path, NULL};
    int st = program_run(argv, 3000, out, sizeof out);
    cr_assert_eq(st, 1, "--replay %s: status %d (-1 crash, -2 it started): %.300s", name, st, out);
    char where[300];
    snprintf(where, sizeof where, "%s:%d: ", path, line);
    cr_assert(strstr(out, where) && strstr(out, word), "--replay %s: no \"%s...%s\" in %.300s", name, where, word, out);
}

TestSuite(replay, .init = make_tmpdir, .fini = remove_tmpdir, .timeout = 30);

Test(replay, bad_captures_do_not_start)
{
    static const char head[] = "# sim7600-hil capture v1: test\n0.010 > AT\\r\n";
    char text[256];
    snprintf(text, sizeof text, "%s0.011 < OK\\q\n", head);
    write_text("escape.cap", text);
    replay_rejects("escape.cap", 3, "escape");
    snprintf(text, sizeof text, "%s0.0", head);
    write_text("cut.cap", text);
    replay_rejects("cut.cap", 3, "");
    /* a NUL used to end the log there, silently: the rest was never replayed */
    static const char nul[] = "# sim7600-hil capture v1: test\n0.010 > AT\\r\n\0\0\n0.011 < OK\\r\\n\n";
    write_file("nul.cap", nul, sizeof nul - 1);
    replay_rejects("nul.cap", 3, "NUL");
    uint8_t junk[4096];
    garbage(junk, sizeof junk, 17);
    write_file("junk.cap", junk, sizeof junk);
    replay_rejects("junk.cap", 1, "");
}

/* ---- the client's options: sim7600-mqtt ------------------------------------------------- */

/* sim7600-mqtt with `args` exits `status` quickly, saying `word`. */
static void mqtt_rejects(const char *const *args, int status, const char *word)
{
    const char *argv[64] = {MQTT};
    int n = 1;
    for (int i = 0; args[i]; i++) {
        cr_assert_lt(n, 63, "too many arguments for the test's argv");
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    int st = program_run(argv, 5000, out, sizeof out);
    cr_assert_eq(st, status, "sim7600-mqtt %s ...: status %d (-1 crash, -2 hang), not %d: %.500s", args[0], st,
                 status, out);
    cr_assert_not_null(strstr(out, word), "sim7600-mqtt %s ...: the message does not name '%s': %.500s",
                       args[0], word, out);
}

#define OK_ARGS "--broker", "tcp://127.0.0.1:1883", "--client-id", "dev1", "--pub", "t"

Test(options, usage_errors_exit_2_naming_the_problem, .timeout = 30)
{
    mqtt_rejects((const char *[]){"--bogus", NULL}, 2, "--bogus");
    mqtt_rejects((const char *[]){"-x", NULL}, 2, "'x'");
    mqtt_rejects((const char *[]){"--port", NULL}, 2, "--port");
    mqtt_rejects((const char *[]){"--port", "/dev/null", "--broker", NULL}, 2, "--broker");
    mqtt_rejects((const char *[]){"--port", "/dev/null", OK_ARGS, "--qos", "3", NULL}, 2, "--qos");
    mqtt_rejects((const char *[]){"--port", "/dev/null", OK_ARGS, "--qos", "-1", NULL}, 2, "--qos");
    mqtt_rejects((const char *[]){"--port", "/dev/null", OK_ARGS, "--keepalive", "99999999999999999999999", NULL},
                 2, "--keepalive");
    mqtt_rejects((const char *[]){"--port", "/dev/null", OK_ARGS, "--baud", "-5", NULL}, 2, "--baud");
    mqtt_rejects((const char *[]){"--port", "/dev/null", OK_ARGS, "--baud", "", NULL}, 2, "--baud");
    mqtt_rejects((const char *[]){"--port", "/dev/null", OK_ARGS, "--count", "-1", NULL}, 2, "--count");
    mqtt_rejects((const char *[]){"--port", "/dev/null", OK_ARGS, "--interval", "1e3", NULL}, 2, "--interval");
    mqtt_rejects((const char *[]){"--port", "/dev/null", OK_ARGS, "--backend", "carrier-pigeon", NULL}, 2,
                 "--backend");
    mqtt_rejects((const char *[]){"--port", "/dev/null", "--broker", "http://x", "--client-id", "d", "--pub", "t",
                                  NULL},
                 2, "--broker");
    mqtt_rejects((const char *[]){"--port", "/dev/null", "--broker", "tcp://h:1", "--client-id",
                                  "a-client-id-much-longer-than-23", "--pub", "t", NULL},
                 2, "--client-id");
    mqtt_rejects((const char *[]){"--port", "/dev/null", OK_ARGS, "stray", NULL}, 2, "stray");
    mqtt_rejects((const char *[]){OK_ARGS, NULL}, 2, "--port");
    const char *subs[48] = {"--port", "/dev/null", "--broker", "tcp://h:1", "--client-id", "d"};
    for (int i = 0; i < 17; i++) {
        subs[6 + 2 * i] = "--sub";
        subs[7 + 2 * i] = "t";
    }
    mqtt_rejects(subs, 2, "--sub");
}

Test(options, ports_that_do_not_exist_fail_fast, .timeout = 30)
{
    mqtt_rejects((const char *[]){"--port", "/nonexistent/ttyUSB9", OK_ARGS, NULL}, 1, "/nonexistent/ttyUSB9");
    mqtt_rejects((const char *[]){"--port", "/dev/null", OK_ARGS, NULL}, 1, "/dev/null");
    mqtt_rejects((const char *[]){"--port", "/tmp", OK_ARGS, NULL}, 1, "/tmp");
}
