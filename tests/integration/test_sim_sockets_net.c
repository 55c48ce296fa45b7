/* net_posix, the real network behind the module's sockets, driven through
 * the sim_net_ops contract as the core drives it, against loopback servers
 * the tests start and stop: what the core hears is what the network did. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "net_posix.h"
#include "test_sim_sockets_servers.h"

#define T 3000                       /* ms: the bound for anything on loopback */
#define MAX_EVENTS 4096
#define RX_CAP (4u * 1024u * 1024u)

struct heard {
    enum sim_net_kind kind;
    int link;
    enum sim_net_error code;
    size_t len;
    char host[64];
    int port;
};

static struct net_posix *np;
static struct heard events[MAX_EVENTS];
static int n_events;
static uint8_t *rx;                  /* every byte received on any link, in order */
static size_t rx_len, rx_biggest;
static struct tserver srv;
static int close_on_receive = -1;    /* the core closes this link when it hears bytes on it */

static void on_event(void *ctx, const struct sim_net_event *ev)
{
    (void)ctx;
    cr_assert_lt(n_events, MAX_EVENTS, "more events than the test expects");
    struct heard *h = &events[n_events++];
    *h = (struct heard){ev->kind, ev->link, ev->code, ev->len, "", ev->port};
    if (ev->host)
        snprintf(h->host, sizeof h->host, "%s", ev->host);
    if (ev->kind == SIM_NET_RECEIVED) {
        cr_assert_leq(rx_len + ev->len, RX_CAP);
        memcpy(rx + rx_len, ev->data, ev->len);
        rx_len += ev->len;
        if (ev->len > rx_biggest)
            rx_biggest = ev->len;
        if (ev->link == close_on_receive)
            net_posix_ops.close(np, ev->link);
    }
}

/* One pass of the loop, as sim7600-sim makes it. */
static void pump(int max_ms)
{
    struct pollfd fds[NET_POSIX_POLLFDS];
    size_t n = net_posix_pollfds(np, fds, NET_POSIX_POLLFDS);
    cr_assert_gt(n, 0);
    poll(fds, n, max_ms);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    net_posix_handle(np, fds, n, now, on_event, NULL);
}

static const struct heard *find(enum sim_net_kind kind, int link)
{
    for (int i = 0; i < n_events; i++)
        if (events[i].kind == kind && events[i].link == link)
            return &events[i];
    return NULL;
}

/* Runs the loop until the core has heard `kind` about `link` (bounded). */
static const struct heard *wait_for(enum sim_net_kind kind, int link)
{
    long long end = tserver_now_ms() + T;
    while (!find(kind, link) && tserver_now_ms() < end)
        pump(20);
    const struct heard *h = find(kind, link);
    cr_assert(h, "no event %d on link %d within %d ms (%d events heard)", kind, link, T, n_events);
    return h;
}

static void setup_config(const struct net_posix_config *cfg)
{
    char err[256];
    np = net_posix_create(cfg, err, sizeof err);
    cr_assert(np, "net_posix_create: %s", err);
    rx = malloc(RX_CAP);
}

static void setup_with(const struct net_map *map, uint32_t connect_timeout_ms)
{
    struct net_posix_config cfg = {.connect_timeout_ms = connect_timeout_ms};
    if (map)
        cfg.map = *map;
    setup_config(&cfg);
}

static void setup(void) { setup_with(NULL, T); }

static void teardown(void)
{
    net_posix_destroy(np);
    tserver_stop(&srv);
    free(rx);
}

static void open_link(int link, enum sim_net_proto proto, const char *host, int port)
{
    struct sim_net_open o = {.link = link, .proto = proto, .host = host, .port = port};
    net_posix_ops.open(np, &o);
}

static void open_ok(int link, const char *host, int port)
{
    open_link(link, SIM_NET_TCP, host, port);
    const struct heard *h = wait_for(SIM_NET_OPENED, link);
    cr_assert_eq(h->code, SIM_NET_OK, "opening %s:%d failed with %d", host, port, h->code);
}

static void wait_rx(size_t want)
{
    long long end = tserver_now_ms() + T;
    while (rx_len < want && tserver_now_ms() < end)
        pump(20);
    cr_assert_eq(rx_len, want, "received %zu of %zu bytes", rx_len, want);
}

TestSuite(net_posix, .init = setup, .fini = teardown);

Test(net_posix, a_tcp_round_trip_reaches_the_peer_and_comes_back)
{
    cr_assert_eq(tserver_start(&srv, TSERVER_ECHO), 0);
    open_ok(3, "127.0.0.1", srv.port);
    const struct heard *o = find(SIM_NET_OPENED, 3);
    cr_assert_str_eq(o->host, "127.0.0.1");
    cr_assert_eq(o->port, srv.port);
    net_posix_ops.receive_room(np, 3, 1000);
    net_posix_ops.send(np, 3, (const uint8_t *)"hello", 5, NULL, 0);
    cr_assert_eq(wait_for(SIM_NET_SENT, 3)->len, 5);
    wait_rx(5);
    cr_assert(memcmp(rx, "hello", 5) == 0);
    const struct heard *r = find(SIM_NET_RECEIVED, 3);
    cr_assert_str_eq(r->host, "127.0.0.1");
    cr_assert_eq(r->port, srv.port);
}

Test(net_posix, a_name_is_looked_up_with_the_hosts_resolver)
{
    cr_assert_eq(tserver_start(&srv, TSERVER_ECHO), 0);
    open_ok(0, "localhost", srv.port);
    net_posix_ops.resolve(np, 7, "localhost");
    const struct heard *h = wait_for(SIM_NET_RESOLVED, 7);
    cr_assert_eq(h->code, SIM_NET_OK);
    cr_assert_str_eq(h->host, "127.0.0.1");
}

Test(net_posix, a_name_that_does_not_resolve_fails_as_dns)
{
    /* .invalid never resolves (RFC 6761) */
    open_link(1, SIM_NET_TCP, "no-such-host.invalid", 80);
    cr_assert_eq(wait_for(SIM_NET_OPENED, 1)->code, SIM_NET_DNS_FAILED);
    net_posix_ops.resolve(np, 2, "no-such-host.invalid");
    cr_assert_eq(wait_for(SIM_NET_RESOLVED, 2)->code, SIM_NET_DNS_FAILED);
}

Test(net_posix, a_port_nobody_listens_on_refuses)
{
    int holder;
    int port = tserver_refusing_port(&holder);
    cr_assert_gt(port, 0);
    open_link(4, SIM_NET_TCP, "127.0.0.1", port);
    cr_assert_eq(wait_for(SIM_NET_OPENED, 4)->code, SIM_NET_REFUSED);
    close(holder);
}

Test(net_posix, the_peers_close_comes_after_the_bytes_it_sent)
{
    cr_assert_eq(tserver_start(&srv, TSERVER_BURST), 0);
    srv.burst_len = 3000;
    open_ok(2, "127.0.0.1", srv.port);
    net_posix_ops.receive_room(np, 2, 100000);
    const struct heard *c = wait_for(SIM_NET_CLOSED, 2);
    cr_assert_eq(c->code, SIM_NET_PEER_CLOSED);
    cr_assert_eq(rx_len, 3000, "the close came after %zu of 3000 bytes", rx_len);
    cr_assert_eq(events[n_events - 1].kind, SIM_NET_CLOSED, "something was heard after the close");
}

Test(net_posix, a_reset_is_told_as_a_reset)
{
    cr_assert_eq(tserver_start(&srv, TSERVER_RESET), 0);
    srv.close_after = 4;
    open_ok(5, "127.0.0.1", srv.port);
    net_posix_ops.receive_room(np, 5, 1000);
    net_posix_ops.send(np, 5, (const uint8_t *)"ping", 4, NULL, 0);
    cr_assert_eq(wait_for(SIM_NET_CLOSED, 5)->code, SIM_NET_RESET);
}

/* The peer's send buffer, fixed. Left to the kernel it grows with the
 * connection up to net.ipv4.tcp_wmem's maximum (4 MiB by default): with the
 * module's window it took 3.7 to 3.8 MiB here before the writes blocked, and
 * 4.05 MiB when its congestion window had grown further, so at times the
 * whole 4 MiB burst, and the peer was never held back however well the module
 * did. Fixed, the peer blocks once its buffer and the module's window are
 * full (192 KiB measured), as the test means. */
enum { PEER_SNDBUF = 64 * 1024 };

/* The connection srv accepts takes its listener's buffer size, and that it
 * was set, so the kernel does not grow it. Before the module connects. */
static void fix_peer_send_buffer(int size)
{
    cr_assert_eq(setsockopt(srv.listen_fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size), 0,
                 "cannot fix the test peer's send buffer: %s", strerror(errno));
}

/* The module's buffer is full: nothing more is read, the peer's writes
 * block, and every byte arrives later, in order, no read above the room. */
Test(net_posix, a_full_module_buffer_holds_a_fast_peer_back_and_loses_nothing)
{
    enum { BURST = 4 * 1024 * 1024, BUFFER = 8192 };
    cr_assert_eq(tserver_start(&srv, TSERVER_BURST), 0);
    fix_peer_send_buffer(PEER_SNDBUF);
    srv.burst_len = BURST;
    open_ok(6, "127.0.0.1", srv.port);
    net_posix_ops.receive_room(np, 6, BUFFER);
    wait_rx(BUFFER);
    long long end = tserver_now_ms() + T;
    while (!tserver_peek(&srv).burst_blocked && tserver_now_ms() < end)
        pump(20);
    struct tserver seen = tserver_peek(&srv);
    cr_assert(seen.burst_blocked, "the peer was never held back (%zu bytes written)", seen.written);
    /* held back by the buffers on the way (a few hundred KiB), not near the burst's end */
    cr_assert_lt(seen.written, (size_t)BURST / 2, "the peer wrote %zu bytes before it was held back", seen.written);
    cr_assert_eq(rx_len, BUFFER, "read %zu bytes with room for %d", rx_len, BUFFER);
    /* the host reads slowly: room comes back a buffer at a time */
    end = tserver_now_ms() + 10 * T;
    while (rx_len < BURST && tserver_now_ms() < end) {
        size_t before = rx_len;
        net_posix_ops.receive_room(np, 6, BUFFER);
        while (rx_len - before < BUFFER && rx_len < BURST && tserver_now_ms() < end)
            pump(20);
        cr_assert_leq(rx_len - before, (size_t)BUFFER);
    }
    cr_assert_eq(rx_len, BURST);
    for (size_t i = 0; i < BURST; i++)
        cr_assert_eq(rx[i], tserver_byte(i), "byte %zu differs: lost or out of order", i);
    cr_assert_leq(rx_biggest, 1460, "a read took %zu bytes, more than a segment", rx_biggest);
    net_posix_ops.receive_room(np, 6, BUFFER);       /* the close waits behind the bytes */
    cr_assert_eq(wait_for(SIM_NET_CLOSED, 6)->code, SIM_NET_PEER_CLOSED);
}

/* A peer that does not read: the socket cannot take the whole send, so the
 * core hears nothing (no +CIPSEND yet); once the peer reads, it hears all. */
Test(net_posix, a_send_is_told_only_once_the_socket_took_all_of_it, .timeout = 30)
{
    enum { BIG = 32 * 1024 * 1024, QUIET_MS = 300 };
    cr_assert_eq(tserver_start(&srv, TSERVER_DEAF), 0);
    open_ok(7, "127.0.0.1", srv.port);
    uint8_t *big = calloc(1, BIG);
    net_posix_ops.send(np, 7, big, BIG, NULL, 0);
    free(big);
    long long end = tserver_now_ms() + QUIET_MS;
    while (tserver_now_ms() < end)
        pump(20);
    cr_assert_null(find(SIM_NET_SENT, 7), "told sent while the peer read nothing");
    tserver_listen(&srv);
    end = tserver_now_ms() + 10 * T;
    while (!find(SIM_NET_SENT, 7) && tserver_now_ms() < end)
        pump(20);
    const struct heard *h = find(SIM_NET_SENT, 7);
    cr_assert(h, "the send was never told after the peer read");
    cr_assert_eq(h->len, BIG);
}

Test(net_posix, udp_goes_to_the_peer_each_send_names_and_the_answer_says_who)
{
    cr_assert_eq(tserver_start(&srv, TSERVER_UDP_ECHO), 0);
    struct sim_net_open o = {.link = 1, .proto = SIM_NET_UDP, .host = "", .port = 0};
    net_posix_ops.open(np, &o);
    cr_assert_eq(wait_for(SIM_NET_OPENED, 1)->code, SIM_NET_OK);
    net_posix_ops.receive_room(np, 1, 1500);
    net_posix_ops.send(np, 1, (const uint8_t *)"datagram", 8, "127.0.0.1", srv.port);
    cr_assert_eq(wait_for(SIM_NET_SENT, 1)->len, 8);
    wait_rx(8);
    const struct heard *r = find(SIM_NET_RECEIVED, 1);
    cr_assert_str_eq(r->host, "127.0.0.1");
    cr_assert_eq(r->port, srv.port);
}

Test(net_posix, a_datagram_bigger_than_the_room_waits_whole)
{
    cr_assert_eq(tserver_start(&srv, TSERVER_UDP_ECHO), 0);
    struct sim_net_open o = {.link = 0, .proto = SIM_NET_UDP, .host = "localhost", .port = srv.port};
    net_posix_ops.open(np, &o);
    cr_assert_eq(wait_for(SIM_NET_OPENED, 0)->code, SIM_NET_OK);
    uint8_t big[1000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = tserver_byte(i);
    net_posix_ops.receive_room(np, 0, 100);
    net_posix_ops.send(np, 0, big, sizeof big, NULL, 0);
    wait_for(SIM_NET_SENT, 0);
    long long end = tserver_now_ms() + T;
    while (tserver_peek(&srv).written < sizeof big && tserver_now_ms() < end)
        pump(20);
    pump(20);
    cr_assert_eq(rx_len, 0, "%zu bytes of a datagram came with room for 100", rx_len);
    net_posix_ops.receive_room(np, 0, 1500);
    wait_rx(sizeof big);
    cr_assert(memcmp(rx, big, sizeof big) == 0);
}

Test(net_posix, net_map_steers_a_made_up_name_to_the_loopback_server)
{
    net_posix_destroy(np);
    free(rx);
    cr_assert_eq(tserver_start(&srv, TSERVER_ECHO), 0);
    struct net_map map = {0};
    char spec[128], err[256];
    snprintf(spec, sizeof spec, "cloud.example.com:8883=127.0.0.1:%d", srv.port);
    cr_assert_eq(net_map_add(&map, spec, err, sizeof err), 0, "%s", err);
    setup_with(&map, T);
    open_ok(9, "Cloud.Example.com", 8883);
    net_posix_ops.resolve(np, 1, "cloud.example.com");
    const struct heard *h = wait_for(SIM_NET_RESOLVED, 1);
    cr_assert_eq(h->code, SIM_NET_OK);
    cr_assert_str_eq(h->host, "127.0.0.1");
}

Test(net_posix, net_map_takes_stars_and_refuses_what_it_cannot_read)
{
    struct net_map map = {0};
    char to[NET_MAP_HOST_MAX], err[256];
    int port;
    cr_assert_eq(net_map_add(&map, "*:1883=127.0.0.1:*", err, sizeof err), 0, "%s", err);
    cr_assert_eq(net_map_add(&map, "api.example.com:*=127.0.0.2:8080", err, sizeof err), 0, "%s", err);
    cr_assert(net_map_apply(&map, "broker.example.org", 1883, to, &port));
    cr_assert_str_eq(to, "127.0.0.1");
    cr_assert_eq(port, 1883);
    cr_assert(net_map_apply(&map, "api.example.com", 443, to, &port));
    cr_assert_str_eq(to, "127.0.0.2");
    cr_assert_eq(port, 8080);
    cr_assert_not(net_map_apply(&map, "other.example.com", 443, to, &port));
    cr_assert_str_eq(to, "other.example.com");
    const char *bad[] = {"cloud:8883", "cloud:8883=", "=127.0.0.1:1", "cloud=127.0.0.1:1", "cloud:0=h:1",
                         "cloud:70000=h:1", "cloud:1=*:1", "cloud:x=h:1", ":1=h:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        cr_assert_eq(net_map_add(&map, bad[i], err, sizeof err), -1, "'%s' was taken", bad[i]);
        cr_assert(strstr(err, "expected FROM=TO"), "'%s': %s", bad[i], err);
    }
}

enum { FILLERS = 4 };

/* A listener whose queue is full drops further SYNs: a connect to it hangs.
 * Returns its port; close_unanswering undoes it. */
static int unanswering_listener(int *lfd, int fillers[FILLERS])
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    *lfd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_eq(bind(*lfd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(*lfd, 0), 0);
    getsockname(*lfd, (struct sockaddr *)&a, &len);
    for (int i = 0; i < FILLERS; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(fillers[i], (struct sockaddr *)&a, sizeof a);
    }
    return ntohs(a.sin_port);
}

static void close_unanswering(int lfd, const int fillers[FILLERS])
{
    for (int i = 0; i < FILLERS; i++)
        close(fillers[i]);
    close(lfd);
}

Test(net_posix, a_connect_that_gets_no_answer_times_out)
{
    net_posix_destroy(np);
    free(rx);
    setup_with(NULL, 200);
    int lfd, fillers[FILLERS];
    open_link(8, SIM_NET_TCP, "127.0.0.1", unanswering_listener(&lfd, fillers));
    cr_assert_eq(wait_for(SIM_NET_OPENED, 8)->code, SIM_NET_TIMEOUT);
    close_unanswering(lfd, fillers);
}

/* The open's own bound (AT+CIPTIMEOUT) wins over the network's. */
Test(net_posix, an_open_with_its_own_timeout_times_out_by_it)
{
    net_posix_destroy(np);
    free(rx);
    setup_with(NULL, 600000);
    int lfd, fillers[FILLERS];
    struct sim_net_open o = {.link = 7, .proto = SIM_NET_TCP, .host = "127.0.0.1",
                             .port = unanswering_listener(&lfd, fillers), .timeout_ms = 200};
    net_posix_ops.open(np, &o);
    cr_assert_eq(wait_for(SIM_NET_OPENED, 7)->code, SIM_NET_TIMEOUT);
    close_unanswering(lfd, fillers);
}

/* The core closes the link on the first bytes it hears; the rest of the
 * bytes and the peer's close, read in the same pass, are never told. */
Test(net_posix, a_link_the_core_closed_says_nothing_more)
{
    cr_assert_eq(tserver_start(&srv, TSERVER_BURST), 0);
    srv.burst_len = 5000;
    open_ok(4, "127.0.0.1", srv.port);
    long long end = tserver_now_ms() + T;
    while (!tserver_peek(&srv).done && tserver_now_ms() < end)
        pump(20);
    cr_assert(tserver_peek(&srv).done, "the server did not send and close");
    close_on_receive = 4;
    net_posix_ops.receive_room(np, 4, 100000);
    end = tserver_now_ms() + T;
    while (!find(SIM_NET_RECEIVED, 4) && tserver_now_ms() < end)
        pump(20);
    pump(20);
    int received = 0;
    for (int i = 0; i < n_events; i++) {
        cr_assert_neq(events[i].kind, SIM_NET_CLOSED, "a close told about a link the core closed");
        received += events[i].kind == SIM_NET_RECEIVED;
    }
    cr_assert_eq(received, 1, "%d receives told; the core closed the link at the first", received);
}

/* A resolver that answers only when the test lets it. */
static pthread_mutex_t slow_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slow_cond = PTHREAD_COND_INITIALIZER;
static bool slow_release;

static bool slow_lookup(const char *host, struct in_addr *addr)
{
    (void)host;
    pthread_mutex_lock(&slow_lock);
    while (!slow_release)
        pthread_cond_wait(&slow_cond, &slow_lock);
    pthread_mutex_unlock(&slow_lock);
    addr->s_addr = htonl(INADDR_LOOPBACK);
    return true;
}

/* A name whose lookup hangs holds up its own link only: another link opens,
 * sends and receives meanwhile, and the loop never waits for the resolver. */
Test(net_posix, a_slow_name_lookup_delays_nothing_else, .timeout = 10)
{
    net_posix_destroy(np);
    free(rx);
    cr_assert_eq(tserver_start(&srv, TSERVER_ECHO), 0);
    struct net_posix_config cfg = {.connect_timeout_ms = T, .lookup = slow_lookup};
    setup_config(&cfg);
    open_link(1, SIM_NET_TCP, "slow.example.com", srv.port);
    open_ok(2, "127.0.0.1", srv.port);
    net_posix_ops.receive_room(np, 2, 100);
    net_posix_ops.send(np, 2, (const uint8_t *)"meanwhile", 9, NULL, 0);
    wait_rx(9);
    cr_assert_null(find(SIM_NET_OPENED, 1), "the slow name was answered before it was let go");
    pthread_mutex_lock(&slow_lock);
    slow_release = true;
    pthread_cond_broadcast(&slow_cond);
    pthread_mutex_unlock(&slow_lock);
    cr_assert_eq(wait_for(SIM_NET_OPENED, 1)->code, SIM_NET_OK);
}

/* UDP sends that name their peer: a mapped name, and one looked up (each
 * datagram waits for its own lookup, in order with the others). */
Test(net_posix, udp_sends_to_names_are_mapped_or_looked_up_in_order)
{
    net_posix_destroy(np);
    free(rx);
    cr_assert_eq(tserver_start(&srv, TSERVER_UDP_ECHO), 0);
    struct net_map map = {0};
    char spec[96], err[256];
    snprintf(spec, sizeof spec, "telemetry.example.com:5683=127.0.0.1:%d", srv.port);
    cr_assert_eq(net_map_add(&map, spec, err, sizeof err), 0, "%s", err);
    setup_with(&map, T);
    struct sim_net_open o = {.link = 3, .proto = SIM_NET_UDP, .host = "", .port = 0};
    net_posix_ops.open(np, &o);
    cr_assert_eq(wait_for(SIM_NET_OPENED, 3)->code, SIM_NET_OK);
    net_posix_ops.receive_room(np, 3, 1500);
    net_posix_ops.send(np, 3, (const uint8_t *)"first", 5, "localhost", srv.port);
    net_posix_ops.send(np, 3, (const uint8_t *)"second", 6, "telemetry.example.com", 5683);
    wait_rx(11);
    cr_assert(memcmp(rx, "firstsecond", 11) == 0, "the datagrams came back as %.11s", rx);
    int sent = 0;
    for (int i = 0; i < n_events; i++)
        sent += events[i].kind == SIM_NET_SENT && events[i].link == 3;
    cr_assert_eq(sent, 2);
}
