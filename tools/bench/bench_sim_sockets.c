/* The module's own sockets against real loopback peers (issue 16).
 *
 * Throughput: 1460-byte AT+CIPSEND sends to a sink at 115200 baud, against
 * the wire limit measured from the simulator's byte counters: each send's
 * bytes in both directions (command, '>', the data, OK, +CIPSEND), since the
 * host waits for each answer, at 11,520 bytes/s. Target: 90 % or more.
 *
 * Round trip: AT+CIPSEND of 64 bytes → the peer echoes → +RECEIVE and the
 * bytes back, --baud 0, against what it is made of, measured in the same
 * run: a bare loopback TCP round trip of the same bytes plus the pty floor
 * (AT → OK). Target: the median at most twice their sum. The exchange itself
 * crosses the pty more than once (command → '>', data → +CIPSEND, +RECEIVE
 * one way: 2.5 round trips), so it is also shown against the bare round
 * trip plus those crossings. The simulator's own CPU time per round trip
 * (from /proc/<pid>/schedstat, both cores summed) says how much of it is the
 * simulator's work rather than waiting for a core. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alloc.h"
#include "bench_clock.h"
#include "json_read.h"
#include "sim_process.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define BYTES_PER_SECOND_115200 11520.0
#define SEND_SIZE 1460
#define THROUGHPUT_SENDS 40
#define ROUND_TRIP_SIZE 64
#define ROUND_TRIPS 2000
#define THROUGHPUT_TARGET_PCT 90.0
#define ROUND_TRIP_TARGET_RATIO 2.0
/* The exchange's own pty crossings, in AT → OK round trips: command → '>',
 * data → +CIPSEND, then +RECEIVE one way. */
#define PTY_CROSSINGS 2.5

enum peer_mode { PEER_SINK, PEER_ECHO };

struct peer {
    int listen_fd, port;
    enum peer_mode mode;
    pthread_t thread;
};

/* One connection: read everything, and echo it when asked; ends with it. */
static void *peer_main(void *arg)
{
    struct peer *p = arg;
    int fd = accept(p->listen_fd, NULL, NULL);
    char buf[4096];
    ssize_t n;
    while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
        if (p->mode == PEER_ECHO && write(fd, buf, (size_t)n) != n)
            break;
    if (fd >= 0)
        close(fd);
    return NULL;
}

static int peer_start(struct peer *p, enum peer_mode mode)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    p->mode = mode;
    p->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (p->listen_fd < 0 || bind(p->listen_fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        listen(p->listen_fd, 1) < 0 || getsockname(p->listen_fd, (struct sockaddr *)&a, &len) < 0)
        return -1;
    p->port = ntohs(a.sin_port);
    return pthread_create(&p->thread, NULL, peer_main, p) == 0 ? 0 : -1;
}

/* The peer's connection ends with the sender's: join it after closing ours. */
static void peer_stop(struct peer *p)
{
    shutdown(p->listen_fd, SHUT_RDWR);      /* a peer nobody connected to stops waiting */
    pthread_join(p->thread, NULL);
    close(p->listen_fd);
}

static bool ask(struct sim_process *sim, const char *cmd, const char *answer)
{
    simproc_send(sim, cmd);
    if (simproc_expect(sim, answer, T))
        return true;
    fprintf(stderr, "bench: %s got no \"%s\"; the module said \"%s\"\n", cmd, answer, simproc_pending(sim));
    return false;
}

/* A warm module with its network open and link 0 connected to the peer. */
static bool start_linked(struct sim_process *sim, const char *baud, int port)
{
    const char *args[] = {"--baud", baud, "--profile", "warm", NULL};
    char cmd[96];
    if (simproc_start(sim, args) < 0 || simproc_open(sim) < 0) {
        fprintf(stderr, "bench: cannot start build/bin/sim7600-sim (run make first)\n");
        return false;
    }
    snprintf(cmd, sizeof cmd, "AT+CIPOPEN=0,\"TCP\",\"127.0.0.1\",%d\r", port);
    return ask(sim, "ATE0\r", "OK\r\n") && ask(sim, "AT+NETOPEN\r", "+NETOPEN: 0\r\n") &&
           ask(sim, cmd, "+CIPOPEN: 0,0\r\n");
}

static bool cipsend(struct sim_process *sim, const uint8_t *data, size_t len)
{
    char cmd[48], done[64];
    snprintf(cmd, sizeof cmd, "AT+CIPSEND=0,%zu\r", len);
    snprintf(done, sizeof done, "+CIPSEND: 0,%zu,%zu\r\n", len, len);
    if (!ask(sim, cmd, "\r\n>"))
        return false;
    simproc_write(sim, data, len);
    return simproc_expect(sim, done, T);
}

static int wire_bytes(struct sim_process *sim, double *total)
{
    struct strbuf json = {0};
    long long in = 0, out = 0;
    int rc = simproc_state(sim, &json);
    if (rc == 0 && (json_get_int(json.p, json.len, "stats.bytes_in", &in) != JSON_OK ||
                    json_get_int(json.p, json.len, "stats.bytes_out", &out) != JSON_OK))
        rc = -1;
    sb_free(&json);
    *total = (double)(in + out);
    return rc;
}

static int throughput(void)
{
    struct peer peer;
    struct sim_process sim;
    uint8_t data[SEND_SIZE];
    memset(data, 'x', sizeof data);
    if (peer_start(&peer, PEER_SINK) < 0 || !start_linked(&sim, "115200", peer.port)) {
        simproc_stop(&sim);
        return -1;
    }
    double b0, b1, t0 = bench_now_us(), t1;
    bool ok = wire_bytes(&sim, &b0) == 0;
    for (int i = 0; ok && i < THROUGHPUT_SENDS; i++)
        ok = cipsend(&sim, data, sizeof data);
    t1 = bench_now_us();
    ok = ok && wire_bytes(&sim, &b1) == 0;
    simproc_stop(&sim);
    peer_stop(&peer);
    if (!ok)
        return -1;
    double secs = (t1 - t0) / 1e6, per_send = (b1 - b0) / THROUGHPUT_SENDS;
    double rate = THROUGHPUT_SENDS / secs, limit = BYTES_PER_SECOND_115200 / per_send;
    double pct = 100.0 * rate / limit;
    printf("| socket send, 1460-byte AT+CIPSEND, 115200 baud | %d sends | %.0f payload bytes/s | "
           "wire limit %.2f sends/s (%.0f bytes both ways per send) | %.0f%% of the limit (target %.0f%%)%s |\n",
           THROUGHPUT_SENDS, rate * SEND_SIZE, limit, per_send, pct, THROUGHPUT_TARGET_PCT,
           pct >= THROUGHPUT_TARGET_PCT ? "" : " **missed**");
    return 0;
}

/* A bare loopback TCP round trip of the same bytes, as the floor of the network's part. */
static bool bare_round_trip(int fd, double *us)
{
    uint8_t buf[ROUND_TRIP_SIZE] = {0};
    double t0 = bench_now_us();
    if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
        return false;
    for (size_t got = 0; got < sizeof buf;) {
        ssize_t n = read(fd, buf + got, sizeof buf - got);
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    *us = bench_now_us() - t0;
    return true;
}

static int connect_bare(const struct peer *peer)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)peer->port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The run's medians, in µs: the socket round trip, AT → OK, the send half of
 * the exchange (command → '>', data → +CIPSEND), a bare loopback TCP round
 * trip; and the simulator's CPU time per pass of the loop below (all four). */
struct round_trip_figures {
    double sock, pty, send_half, bare, sim_cpu;
};

#define NS_PER_US 1000.0

/* The time a process has run on a CPU, in ns (its schedstat's first field); -1 if unknown. */
static double cpu_ns(pid_t pid)
{
    char path[64];
    double ns = -1;
    snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f && fscanf(f, "%lf", &ns) != 1)
        ns = -1;
    if (f)
        fclose(f);
    return ns;
}

static void print_round_trip(const struct round_trip_figures *f)
{
    double floor = f->bare + f->pty, own_floor = f->bare + PTY_CROSSINGS * f->pty;
    double ratio = f->sock / floor;
    printf("| socket round trip, AT+CIPSEND → echo → +RECEIVE, --baud 0 | %d × %d bytes | median %.1f µs | "
           "bare loopback TCP %.1f µs + pty floor (AT→OK) %.1f µs; of the round trip, command→'>' and "
           "data→+CIPSEND take %.1f µs | %.2f× bare TCP + pty floor (target ≤ %.0f×)%s; %.2f× bare TCP + "
           "the exchange's %.1f pty round trips; the simulator's CPU %.1f µs per round trip and AT |\n",
           ROUND_TRIPS, ROUND_TRIP_SIZE, f->sock, f->bare, f->pty, f->send_half, ratio, ROUND_TRIP_TARGET_RATIO,
           ratio <= ROUND_TRIP_TARGET_RATIO ? "" : " **missed**", f->sock / own_floor, PTY_CROSSINGS, f->sim_cpu);
}

/* One of each per pass, so all three meet the same load on the machine. */
static bool time_exchanges(struct sim_process *sim, int bare_fd, double *v[4])
{
    uint8_t data[ROUND_TRIP_SIZE];
    char echoed[ROUND_TRIP_SIZE + 1];       /* the bytes back, as text to wait for */
    char head[32];
    memset(data, 'r', sizeof data);
    memset(echoed, 'r', ROUND_TRIP_SIZE);
    echoed[ROUND_TRIP_SIZE] = '\0';
    snprintf(head, sizeof head, "+RECEIVE,0,%d\r\n", ROUND_TRIP_SIZE);
    bool ok = true;
    for (int i = 0; ok && i < ROUND_TRIPS; i++) {
        double t0 = bench_now_us();
        ok = cipsend(sim, data, sizeof data);
        v[2][i] = bench_now_us() - t0;
        ok = ok && simproc_expect(sim, head, T) && simproc_expect(sim, echoed, T);
        v[0][i] = bench_now_us() - t0;
        t0 = bench_now_us();
        ok = ok && ask(sim, "AT\r", "\r\nOK\r\n");
        v[1][i] = bench_now_us() - t0;
        ok = ok && bare_round_trip(bare_fd, &v[3][i]);
    }
    return ok;
}

static int round_trip(void)
{
    struct peer peer, bare_peer;
    struct sim_process sim;
    double *all = xmalloc(sizeof *all * ROUND_TRIPS * 4);
    double *v[4] = {all, all + ROUND_TRIPS, all + 2 * ROUND_TRIPS, all + 3 * ROUND_TRIPS};
    bool ok = peer_start(&peer, PEER_ECHO) == 0 && peer_start(&bare_peer, PEER_ECHO) == 0;
    int bare_fd = ok ? connect_bare(&bare_peer) : -1;
    ok = ok && bare_fd >= 0 && start_linked(&sim, "0", peer.port);
    double cpu0 = ok ? cpu_ns(sim.pid) : -1;
    ok = ok && time_exchanges(&sim, bare_fd, v);
    double cpu1 = ok ? cpu_ns(sim.pid) : -1;
    simproc_stop(&sim);
    if (bare_fd >= 0)
        close(bare_fd);
    peer_stop(&peer);
    peer_stop(&bare_peer);
    if (ok) {
        struct round_trip_figures f = {bench_median(v[0], ROUND_TRIPS), bench_median(v[1], ROUND_TRIPS),
                                       bench_median(v[2], ROUND_TRIPS), bench_median(v[3], ROUND_TRIPS),
                                       cpu0 < 0 || cpu1 < 0 ? -1 : (cpu1 - cpu0) / NS_PER_US / ROUND_TRIPS};
        print_round_trip(&f);
    }
    free(all);
    return ok ? 0 : -1;
}

int main(void)
{
    int failed = 0;
    failed |= throughput() < 0;
    failed |= round_trip() < 0;
    return failed;
}
