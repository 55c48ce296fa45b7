/* The control socket's 16 slots: connections a killed test leaked (open, never
 * used again) must not lock everyone else out, and a `watch` connection, silent
 * by design, must not lose its stream to them. A real simulator. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sim_process.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define SLOTS 16                /* the simulator's CONTROL_MAX_CLIENTS */
#define SHORT_IDLE "200"        /* ms: leaked connections become evictable quickly */
#define LONG_IDLE "60000"       /* ms: nothing becomes evictable during a test */
#define RETRY_MS 10             /* between attempts while waiting for a slot */

static struct sim_process sim;

static void start_with_idle(const char *idle_ms)
{
    const char *args[] = {"--control-idle-ms", idle_ms, NULL};
    cr_assert_eq(simproc_start(&sim, args), 0, "sim7600-sim did not start with --control-idle-ms %s", idle_ms);
}

static void start_short(void) { start_with_idle(SHORT_IDLE); }
static void start_long(void) { start_with_idle(LONG_IDLE); }
static void stop(void) { simproc_stop(&sim); }

static int connect_control(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sim.control_path);
    cr_assert(fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0, "connect: %s", strerror(errno));
    return fd;
}

static void send_line(int fd, const char *line)
{
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%s\n", line);
    cr_assert_eq(send(fd, buf, (size_t)n, MSG_NOSIGNAL), n, "send '%s': %s", line, strerror(errno));
}

/* One line (without its newline), "" at EOF; fails the test after T. */
static void read_line(int fd, char *out, size_t cap)
{
    size_t n = 0;
    long long end = test_now_ms() + T;
    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int left = (int)(end - test_now_ms());
        cr_assert(left > 0 && poll(&pfd, 1, left) > 0, "no line; got \"%.*s\"", (int)n, out);
        char c;
        if (read(fd, &c, 1) != 1 || c == '\n')
            break;
        if (n + 1 < cap)
            out[n++] = c;
    }
    out[n] = '\0';
}

static void ask(int fd, const char *line, char *reply, size_t cap)
{
    send_line(fd, line);
    read_line(fd, reply, cap);
}

static bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* Connects until a connection is served (bounded): with every slot taken, one
 * is refused until some connection has been silent long enough to give up its
 * slot. Returns the served connection. */
static int connect_served(void)
{
    char reply[512];
    long long end = test_now_ms() + T;
    for (;;) {
        int fd = connect_control();
        /* a refused connection may be closed before this is sent: its ERR is still there to read */
        (void)send(fd, "state\n", 6, MSG_NOSIGNAL);
        read_line(fd, reply, sizeof reply);
        if (starts_with(reply, "OK {"))
            return fd;
        cr_assert(starts_with(reply, "ERR too many control connections"), "a newcomer got \"%s\"", reply);
        close(fd);
        cr_assert(test_now_ms() < end, "a new client was locked out by %d silent connections", SLOTS);
        poll(NULL, 0, RETRY_MS);
    }
}

TestSuite(control_slots, .fini = stop, .timeout = 30);

Test(control_slots, leaked_connections_give_their_slots_to_new_clients_and_a_watcher_keeps_its_stream,
     .init = start_short)
{
    char reply[512];
    /* the watcher comes first: the longest silent of all, and still never evicted */
    int watcher = connect_control();
    ask(watcher, "watch", reply, sizeof reply);
    cr_assert(starts_with(reply, "OK watching"), "watch got \"%s\"", reply);
    int leaked[SLOTS - 1];
    for (int i = 0; i < SLOTS - 1; i++)
        leaked[i] = connect_control();
    /* every slot is taken: a newcomer is still served */
    int newcomer = connect_served();
    /* the one silent the longest (not the watcher) was told why, then closed */
    read_line(leaked[0], reply, sizeof reply);
    cr_assert(starts_with(reply, "ERR closed: nothing was heard on this control connection for") &&
                  strstr(reply, "reconnect"),
              "the evicted connection got \"%s\"", reply);
    read_line(leaked[0], reply, sizeof reply);
    cr_assert_str_eq(reply, "", "the evicted connection was not closed");
    /* the others still work */
    for (int i = 1; i < SLOTS - 1; i++) {
        ask(leaked[i], "signal 11", reply, sizeof reply);
        cr_assert_str_eq(reply, "OK signal 11,0", "connection %d", i);
    }
    /* the watcher still gets the broker's messages */
    ask(newcomer, "deliver t/slots hi", reply, sizeof reply);
    cr_assert(starts_with(reply, "OK published"), "deliver got \"%s\"", reply);
    read_line(watcher, reply, sizeof reply);
    cr_assert_str_eq(reply, "MSG 0 0 \"t/slots\" \"hi\"");
    /* more newcomers than slots: each takes the slot of the one silent the longest */
    int second = connect_served();
    read_line(leaked[1], reply, sizeof reply);
    cr_assert(starts_with(reply, "ERR closed:"), "the next silent connection got \"%s\"", reply);
    close(second);
    close(newcomer);
    close(watcher);
    for (int i = 0; i < SLOTS - 1; i++)
        close(leaked[i]);
}

Test(control_slots, with_every_connection_recently_heard_a_newcomer_is_refused_and_told_why, .init = start_long)
{
    char reply[512];
    int fds[SLOTS];
    for (int i = 0; i < SLOTS; i++) {
        fds[i] = connect_control();
        ask(fds[i], "signal 12", reply, sizeof reply);
        cr_assert_str_eq(reply, "OK signal 12,0", "connection %d", i);
    }
    int extra = connect_control();
    read_line(extra, reply, sizeof reply);
    cr_assert(starts_with(reply, "ERR too many control connections (16, each heard from in the last 60000 ms") &&
                  strstr(reply, "close one and retry"),
              "a 17th connection got \"%s\"", reply);
    read_line(extra, reply, sizeof reply);
    cr_assert_str_eq(reply, "", "the refused connection was not closed");
    close(extra);
    for (int i = 0; i < SLOTS; i++) {
        ask(fds[i], "signal 13", reply, sizeof reply);
        cr_assert_str_eq(reply, "OK signal 13,0", "connection %d lost its slot", i);
        close(fds[i]);
    }
}

/* A watcher that falls behind (here: does not read at all while the broker
 * takes far more than its socket buffer holds) still gets every message, in
 * order: the soak's receiver counted messages as lost that the simulator had
 * dropped from its stream. */
Test(control_slots, a_watcher_that_falls_behind_loses_no_message, .init = start_long)
{
    enum { MESSAGES = 3000 };      /* about 300 KB of MSG lines: several socket buffers */
    char reply[256], want[64];
    int small = 4096;
    int watcher = connect_control();
    int sender = connect_control();

    cr_assert_eq(setsockopt(watcher, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    ask(watcher, "watch", reply, sizeof reply);
    for (int i = 0; i < MESSAGES; i++) {
        char line[96];
        snprintf(line, sizeof line, "deliver t/behind \"payload-%04d-padding-to-make-the-lines-longer\"", i);
        ask(sender, line, reply, sizeof reply);
        cr_assert(starts_with(reply, "OK published"), "deliver %d got \"%s\"", i, reply);
    }
    for (int i = 0; i < MESSAGES; i++) {
        snprintf(want, sizeof want, "MSG 0 0 \"t/behind\" \"payload-%04d-padding", i);
        read_line(watcher, reply, sizeof reply);
        cr_assert(starts_with(reply, want), "message %d: got \"%s\"", i, reply);
    }
    close(sender);
    close(watcher);
}
