/* The module's own sockets end to end: a real sim7600-sim on a real pty,
 * AT+NETOPEN / AT+CIPOPEN / AT+CIPSEND / AT+CIPRXGET as firmware sends them,
 * real connections to loopback servers and a private mosquitto that each
 * test starts and stops. What the host reads is what the peer did. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <sys/wait.h>

#include "sim_host.h"
#include "test_sim_sockets_servers.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define BURST_MS 20000               /* the slow host's whole read of a long burst */
#define READ_MAX 1500                /* AT+CIPRXGET=2 reads at most this much */
#define MODULE_BUFFER 8192           /* a link's receive buffer in the model (findings §25) */
#define GATHER_MS 2
#define ESCAPE_GUARD_MS 150          /* over the "+++" guard time of --latency fast (100 ms) */

static struct sim_process sim;
static struct tserver srv;
static struct mosquitto_process broker;

static void stop_all(void)
{
    simproc_stop(&sim);
    tserver_stop(&srv);
    mqproc_stop(&broker);
}

TestSuite(sockets, .fini = stop_all);

static void expect(const char *text) { host_expect(&sim, text); }
static void send_expect(const char *cmd, const char *answer) { host_send_expect(&sim, cmd, answer); }

/* A warm module (no boot to wait for), echo off, its network open; `option`
 * and its value (or none) added. */
static void start_sim_with(const char *option, const char *value)
{
    const char *args[] = {"--profile", "warm", option, value, NULL};
    host_start(&sim, args);
    send_expect("AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n");
}

static void start_sim(const char *net_map)
{
    start_sim_with(net_map ? "--net-map" : NULL, net_map);
}

static void open_tcp(int link, const char *host, int port)
{
    char cmd[160], answer[32];
    snprintf(cmd, sizeof cmd, "AT+CIPOPEN=%d,\"TCP\",\"%s\",%d\r", link, host, port);
    snprintf(answer, sizeof answer, "+CIPOPEN: %d,0\r\n", link);
    send_expect(cmd, answer);
}

/* AT+CIPSEND with a fixed length; done when the network took all of it. */
static void cipsend(int link, const void *data, size_t len)
{
    char cmd[64], answer[64];
    snprintf(cmd, sizeof cmd, "AT+CIPSEND=%d,%zu\r", link, len);
    send_expect(cmd, "\r\n>");
    simproc_write(&sim, data, len);
    snprintf(answer, sizeof answer, "+CIPSEND: %d,%zu,%zu\r\n", link, len, len);
    expect(answer);
}

static void take_exact(uint8_t *out, size_t n) { host_take_exact(&sim, out, n); }

/* AT+CIPRXGET=4: how much the module holds for the host on the link. */
static size_t buffered(int link)
{
    char cmd[32], head[32], line[64];
    snprintf(cmd, sizeof cmd, "AT+CIPRXGET=4,%d\r", link);
    snprintf(head, sizeof head, "+CIPRXGET: 4,%d,", link);
    send_expect(cmd, head);
    cr_assert(simproc_take(&sim, "\r\n", T, line, sizeof line));
    expect("\r\nOK\r\n");
    return strtoul(line, NULL, 10);
}

/* One AT+CIPRXGET=2 read of what is buffered (at least a byte must be). */
static size_t read_some(int link, uint8_t *out, size_t cap)
{
    char cmd[48], head[32], line[64];
    size_t want = cap < READ_MAX ? cap : READ_MAX, n = 0, rest = 0;
    snprintf(cmd, sizeof cmd, "AT+CIPRXGET=2,%d,%zu\r", link, want);
    snprintf(head, sizeof head, "+CIPRXGET: 2,%d,", link);
    send_expect(cmd, head);
    cr_assert(simproc_take(&sim, "\r\n", T, line, sizeof line));
    cr_assert_eq(sscanf(line, "%zu,%zu", &n, &rest), 2, "a read's header: %s", line);
    cr_assert(n > 0 && n <= want, "read %zu bytes asking %zu", n, want);
    take_exact(out, n);
    expect("\r\n\r\nOK\r\n");
    return n;
}

/* Buffered mode: n bytes, however many reads and waits they take. */
static void read_exact(int link, uint8_t *out, size_t n, int timeout_ms)
{
    long long end = test_now_ms() + timeout_ms;
    for (size_t got = 0; got < n;) {
        cr_assert_lt(test_now_ms(), end, "%zu of %zu bytes read in %d ms", got, n, timeout_ms);
        if (buffered(link) == 0) {
            simproc_gather_for(&sim, GATHER_MS);
            continue;
        }
        got += read_some(link, out + got, n - got);
    }
}

/* Waits (bounded) until AT+CIPCLOSE? shows the link closed. */
static void wait_closed(int link)
{
    long long end = test_now_ms() + T;
    for (;;) {
        char states[64];
        send_expect("AT+CIPCLOSE?\r", "+CIPCLOSE: ");
        cr_assert(simproc_take(&sim, "\r\n", T, states, sizeof states));
        expect("\r\nOK\r\n");
        if (states[2 * link] == '0')
            return;
        cr_assert_lt(test_now_ms(), end, "link %d still open: %s", link, states);
        simproc_gather_for(&sim, GATHER_MS);
    }
}

Test(sockets, a_tcp_echo_round_trip_in_direct_push_mode)
{
    cr_assert_eq(tserver_start(&srv, TSERVER_ECHO), 0);
    start_sim(NULL);
    open_tcp(0, "127.0.0.1", srv.port);
    cipsend(0, "hello", 5);
    expect("\r\n+RECEIVE,0,5\r\n");
    uint8_t back[5];
    take_exact(back, 5);
    cr_assert(memcmp(back, "hello", 5) == 0, "the echo came back as %.5s", back);
    send_expect("AT+CIPCLOSE=0\r", "+CIPCLOSE: 0,0\r\n");
}

/* The peer sends far more than the module's buffer while the host reads
 * slowly in buffered mode: the buffer never holds more than it can, the
 * rest waits in TCP, and every byte arrives once, in order. */
Test(sockets, a_burst_larger_than_the_buffer_reaches_a_slow_host_whole, .timeout = 60)
{
    enum { BURST = 256 * 1024 };
    cr_assert_eq(tserver_start(&srv, TSERVER_BURST), 0);
    srv.burst_len = BURST;
    start_sim(NULL);
    send_expect("AT+CIPRXGET=1\r", "OK\r\n");
    open_tcp(0, "127.0.0.1", srv.port);
    expect("+CIPRXGET: 1,0\r\n");
    long long end = test_now_ms() + T;
    while (buffered(0) < MODULE_BUFFER && test_now_ms() < end)
        simproc_gather_for(&sim, GATHER_MS);
    cr_assert_eq(buffered(0), MODULE_BUFFER, "the buffer holds more or less than it can");
    /* the server counts a write once it returned, which may be after the module got its bytes */
    end = test_now_ms() + T;
    while (tserver_peek(&srv).written <= (size_t)MODULE_BUFFER && test_now_ms() < end)
        simproc_gather_for(&sim, GATHER_MS);
    cr_assert_gt(tserver_peek(&srv).written, (size_t)MODULE_BUFFER, "the peer did not get ahead of the module");
    cr_assert_eq(buffered(0), MODULE_BUFFER, "the buffer took more than it can while the peer wrote on");
    uint8_t *got = malloc(BURST);
    read_exact(0, got, BURST, BURST_MS);
    for (size_t i = 0; i < BURST; i++)
        cr_assert_eq(got[i], tserver_byte(i), "byte %zu differs: lost or out of order", i);
    free(got);
    wait_closed(0);       /* its +IPCLOSE may have come among the reads */
}

Test(sockets, udp_goes_where_each_send_says_and_comes_back)
{
    cr_assert_eq(tserver_start(&srv, TSERVER_UDP_ECHO), 0);
    start_sim(NULL);
    send_expect("AT+CIPOPEN=1,\"UDP\",,,0\r", "+CIPOPEN: 1,0\r\n");
    char cmd[96];
    snprintf(cmd, sizeof cmd, "AT+CIPSEND=1,4,\"127.0.0.1\",%d\r", srv.port);
    send_expect(cmd, "\r\n>");
    simproc_write(&sim, "ping", 4);
    expect("+CIPSEND: 1,4,4\r\n");
    expect("\r\n+RECEIVE,1,4\r\n");
    uint8_t back[4];
    take_exact(back, 4);
    cr_assert(memcmp(back, "ping", 4) == 0);
}

Test(sockets, a_refused_port_and_a_name_that_does_not_resolve_give_the_manuals_codes)
{
    int holder;
    int port = tserver_refusing_port(&holder);
    cr_assert_gt(port, 0);
    start_sim(NULL);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "AT+CIPOPEN=2,\"TCP\",\"127.0.0.1\",%d\r", port);
    send_expect(cmd, "+CIPOPEN: 2,1\r\n");            /* network failure (findings §25) */
    send_expect("AT+CIPOPEN=3,\"TCP\",\"no-such-host.invalid\",80\r", "+CIPOPEN: 3,11\r\n");   /* DNS */
    close(holder);
}

Test(sockets, the_peer_closing_gives_ipclose_after_its_bytes)
{
    cr_assert_eq(tserver_start(&srv, TSERVER_CLOSE), 0);
    srv.close_after = 3;
    start_sim(NULL);
    open_tcp(4, "127.0.0.1", srv.port);
    cipsend(4, "bye", 3);
    expect("+IPCLOSE: 4,1\r\n");
    send_expect("AT+CIPCLOSE?\r", "+CIPCLOSE: 0,0,0,0,0,0,0,0,0,0\r\n");
}

Test(sockets, net_map_steers_a_made_up_hostname_to_the_loopback_server)
{
    cr_assert_eq(tserver_start(&srv, TSERVER_ECHO), 0);
    char map[96];
    snprintf(map, sizeof map, "cloud.example.com:8883=127.0.0.1:%d", srv.port);
    start_sim(map);
    send_expect("AT+CDNSGIP=\"cloud.example.com\"\r", "+CDNSGIP: 1,\"cloud.example.com\",\"127.0.0.1\"\r\n");
    open_tcp(0, "cloud.example.com", 8883);
    cipsend(0, "steered", 7);
    expect("\r\n+RECEIVE,0,7\r\nsteered");
}

Test(sockets, with_no_network_every_open_fails)
{
    cr_assert_eq(tserver_start(&srv, TSERVER_ECHO), 0);
    start_sim_with("--net", "none");
    char cmd[96];
    snprintf(cmd, sizeof cmd, "AT+CIPOPEN=0,\"TCP\",\"127.0.0.1\",%d\r", srv.port);
    send_expect(cmd, "+CIPOPEN: 0,1\r\n");    /* a server that would have taken it listens there */
}

Test(sockets, a_malformed_net_map_is_refused_with_what_to_write)
{
    FILE *f = popen(SIM7600_BIN_DIR "/sim7600-sim --net-map cloud.example.com=127.0.0.1 2>&1", "r");
    cr_assert(f);
    char out[512] = "";
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    int status = pclose(f);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "exit status %d; it said: %s", status, out);
    cr_assert(strstr(out, "--net-map 'cloud.example.com=127.0.0.1': expected FROM=TO"), "it said: %s", out);
}

/* ---- MQTT 3.1.1 written here, carried over the module's socket ------------------------ */

static size_t mqtt_string(uint8_t *p, const char *s)
{
    size_t n = strlen(s);
    p[0] = (uint8_t)(n >> 8);
    p[1] = (uint8_t)n;
    memcpy(p + 2, s, n);
    return n + 2;
}

/* A packet: its fixed header's first byte, then the body (under 128 bytes). */
static size_t mqtt_packet(uint8_t *out, uint8_t type, const uint8_t *body, size_t len)
{
    cr_assert_lt(len, 128);
    out[0] = type;
    out[1] = (uint8_t)len;
    if (len)
        memcpy(out + 2, body, len);
    return len + 2;
}

static void mqtt_send(uint8_t type, const uint8_t *body, size_t len)
{
    uint8_t pkt[130];
    cipsend(0, pkt, mqtt_packet(pkt, type, body, len));
}

static void mqtt_expect(const uint8_t *want, size_t len, const char *what)
{
    uint8_t got[130];
    read_exact(0, got, len, T);
    for (size_t i = 0; i < len; i++)
        cr_assert_eq(got[i], want[i], "%s: byte %zu is 0x%02x, not 0x%02x", what, i, got[i], want[i]);
}

Test(sockets, an_mqtt_session_written_by_the_host_runs_over_the_modules_socket)
{
    cr_assert_eq(mqproc_start(&broker, NULL, NULL), 0, "mosquitto did not start (is it installed?)");
    struct watch_client *w = watch_start(broker.port, "tele/#");
    cr_assert(w, "cannot watch the broker");
    start_sim(NULL);
    send_expect("AT+CIPRXGET=1\r", "OK\r\n");
    open_tcp(0, "127.0.0.1", broker.port);

    uint8_t body[128];
    size_t n = mqtt_string(body, "MQTT");
    const uint8_t level_flags_keepalive[] = {4, 0x02, 0, 60};   /* 3.1.1, clean session, 60 s */
    memcpy(body + n, level_flags_keepalive, sizeof level_flags_keepalive);
    n += sizeof level_flags_keepalive;
    n += mqtt_string(body + n, "sim-socket-client");
    mqtt_send(0x10, body, n);
    mqtt_expect((const uint8_t[]){0x20, 2, 0, 0}, 4, "CONNACK, accepted");

    n = mqtt_string(body, "tele/socket");
    body[n++] = 0;
    body[n++] = 1;                                          /* packet id 1 */
    memcpy(body + n, "42.5", 4);
    mqtt_send(0x32, body, n + 4);                           /* PUBLISH, QoS 1 */
    mqtt_expect((const uint8_t[]){0x40, 2, 0, 1}, 4, "PUBACK of packet 1");
    cr_assert_eq(watch_wait(w, 1, T), 1, "the broker did not get the message");
    size_t plen;
    const void *payload = watch_payload(w, 0, &plen);
    cr_assert(plen == 4 && memcmp(payload, "42.5", 4) == 0);
    cr_assert_str_eq(watch_topic(w, 0), "tele/socket");

    body[0] = 0;
    body[1] = 2;                                            /* packet id 2 */
    n = 2 + mqtt_string(body + 2, "cmd/socket");
    body[n++] = 1;                                          /* QoS 1 */
    mqtt_send(0x82, body, n);                               /* SUBSCRIBE */
    mqtt_expect((const uint8_t[]){0x90, 3, 0, 2, 1}, 5, "SUBACK granting QoS 1");
    cr_assert_eq(mq_publish(broker.port, "cmd/socket", "on", 2, 0), 0);
    uint8_t msg[2 + 2 + 10 + 2];
    n = mqtt_string(msg + 2, "cmd/socket");
    memcpy(msg + 2 + n, "on", 2);
    msg[0] = 0x30;                                          /* PUBLISH, QoS 0 as it was sent */
    msg[1] = (uint8_t)(n + 2);
    mqtt_expect(msg, sizeof msg, "the message back");

    mqtt_send(0xe0, NULL, 0);                               /* DISCONNECT: the broker closes */
    expect("+IPCLOSE: 0,1\r\n");
    cr_assert(mqproc_log_has(&broker, "sim-socket-client", T));
    watch_stop(w);
}

/* The same broker in transparent mode (AT+CIPMODE=1): the packets cross the
 * pty as they are, "+++" framed by the guard time goes back to commands with
 * the link open, ATO returns, and the broker's close after DISCONNECT says CLOSED. */
Test(sockets, an_mqtt_session_runs_in_transparent_mode)
{
    cr_assert_eq(mqproc_start(&broker, NULL, NULL), 0, "mosquitto did not start (is it installed?)");
    struct watch_client *w = watch_start(broker.port, "tele/#");
    cr_assert(w, "cannot watch the broker");
    const char *args[] = {"--profile", "warm", NULL};
    host_start(&sim, args);
    send_expect("AT+CIPMODE=1\r", "OK\r\n");
    send_expect("AT+NETOPEN\r", "+NETOPEN: 0\r\n");
    char cmd[96];
    snprintf(cmd, sizeof cmd, "AT+CIPOPEN=0,\"TCP\",\"127.0.0.1\",%d\r", broker.port);
    send_expect(cmd, "CONNECT 115200\r\n");

    uint8_t pkt[130], body[128];
    size_t n = mqtt_string(body, "MQTT");
    const uint8_t level_flags_keepalive[] = {4, 0x02, 0, 60};
    memcpy(body + n, level_flags_keepalive, sizeof level_flags_keepalive);
    n += sizeof level_flags_keepalive;
    n += mqtt_string(body + n, "sim-transparent");
    simproc_write(&sim, pkt, mqtt_packet(pkt, 0x10, body, n));
    uint8_t got[4];
    take_exact(got, 4);
    cr_assert(memcmp(got, (const uint8_t[]){0x20, 2, 0, 0}, 4) == 0, "no CONNACK in data mode");

    n = mqtt_string(body, "tele/transparent");
    body[n++] = 0;
    body[n++] = 7;
    memcpy(body + n, "+++", 3);                    /* data that looks like the escape is data */
    simproc_write(&sim, pkt, mqtt_packet(pkt, 0x32, body, n + 3));
    take_exact(got, 4);
    cr_assert(memcmp(got, (const uint8_t[]){0x40, 2, 0, 7}, 4) == 0, "no PUBACK in data mode");
    cr_assert_eq(watch_wait(w, 1, T), 1, "the broker did not get the message");
    size_t plen;
    const void *payload = watch_payload(w, 0, &plen);
    cr_assert(plen == 3 && memcmp(payload, "+++", 3) == 0);

    cr_assert(simproc_quiet_for(&sim, ESCAPE_GUARD_MS), "the module spoke in data mode");
    simproc_write(&sim, "+++", 3);
    expect("\r\nOK\r\n");                          /* after the closing guard time */
    send_expect("AT+CIPCLOSE?\r", "+CIPCLOSE: 1,0,0,0,0,0,0,0,0,0\r\n");
    send_expect("ATO\r", "CONNECT 115200\r\n");
    simproc_write(&sim, pkt, mqtt_packet(pkt, 0xe0, NULL, 0));
    expect("CLOSED\r\n");
    watch_stop(w);
}

/* ---- a public library's TCP client, command by command ------------------------------- */

/* TinyGSM's SIM7600 client (src/TinyGsmClientSIM7600.h: init, gprsConnect,
 * isGprsConnected, GsmClient::connect, modemSend, the +CIPRXGET: 1 URC,
 * modemGetAvailable, modemRead, modemGetConnected, stop, gprsDisconnect),
 * against a cold module and a real echo server. Each step expects what the
 * library waits for; TinyGSM ignores the answers of the steps marked so. */
struct step {
    const char *send;       /* NULL: only wait */
    const char *until;      /* what the library waits for */
};

static void run_steps(const struct step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (steps[i].send)
            simproc_send(&sim, steps[i].send);
        cr_assert(simproc_expect(&sim, steps[i].until, T), "step %zu (%s): no \"%s\"; the module said \"%s\"", i,
                  steps[i].send ? steps[i].send : "wait", steps[i].until, simproc_pending(&sim));
    }
}

/* testAT(): AT until OK. */
static void until_at_ok(void)
{
    long long end = test_now_ms() + T;
    for (;;) {
        simproc_send(&sim, "AT\r");
        if (simproc_expect(&sim, "OK\r\n", 100))
            return;
        cr_assert_lt(test_now_ms(), end, "the module never answered AT: \"%s\"", simproc_pending(&sim));
    }
}

Test(sockets, tinygsms_tcp_client_sequence_succeeds_step_by_step)
{
    cr_assert_eq(tserver_start(&srv, TSERVER_ECHO), 0);
    cr_assert_eq(simproc_start(&sim, NULL), 0, "sim7600-sim did not start");
    cr_assert_eq(simproc_open(&sim), 0);
    expect("PB DONE\r\n");            /* the cold module's boot, then the library's init */
    until_at_ok();
    char open_cmd[96];
    snprintf(open_cmd, sizeof open_cmd, "AT+CIPOPEN=0,\"TCP\",\"127.0.0.1\",%d\r", srv.port);
    const struct step steps[] = {
        {"ATE0\r", "OK\r\n"},
        {"AT+CGMM\r", "OK\r\n"},
        {"AT+CPIN?\r", "+CPIN: READY"}, {NULL, "OK\r\n"},
        {"AT+CGREG?\r", "+CGREG: 0,1"}, {NULL, "OK\r\n"},          /* waitForNetwork() */
        {"AT+NETCLOSE\r", "ERROR\r\n"},                          /* gprsDisconnect() first: ignored */
        {"AT+CGDCONT=1,\"IP\",\"internet\",\"0.0.0.0\",0,0\r", "OK\r\n"},
        {"AT+CIPMODE=0\r", "OK\r\n"},
        {"AT+CIPSENDMODE=0\r", "OK\r\n"},
        {"AT+CIPCCFG=10,0,0,0,1,0,75000\r", "OK\r\n"},
        {"AT+CIPTIMEOUT=75000,15000,15000\r", "OK\r\n"},
        {"AT+NETOPEN\r", "\r\n+NETOPEN: 0"},
        {"AT+NETOPEN?\r", "\r\n+NETOPEN: 1"}, {NULL, "OK\r\n"},     /* isGprsConnected() */
        {"AT+IPADDR\r", "OK\r\n"},
        {"AT+CIPCLOSE=0\r", "ERROR\r\n"},                        /* connect() stops first: ignored */
        {"AT+CIPRXGET=1\r", "OK\r\n"},
        {open_cmd, "\r\n+CIPOPEN:"}, {NULL, "0,0\r\n"},
        {"AT+CIPSEND=0,12\r", ">"}, {"GET / HTTP/1", "\r\n+CIPSEND:"}, {NULL, "0,12,12\r\n"},
        {NULL, "\r\n+CIPRXGET: 1,0\r\n"},                         /* got_data */
        {"AT+CIPRXGET=4,0\r", "+CIPRXGET: 4,0,12\r\n"}, {NULL, "OK\r\n"},
        {"AT+CIPRXGET=2,0,12\r", "+CIPRXGET: 2,0,12,0\r\nGET / HTTP/1\r\n"}, {NULL, "OK\r\n"},
        {"AT+CIPRXGET=4,0\r", "+CIPRXGET: 4,0,0\r\n"}, {NULL, "OK\r\n"},
        {"AT+CIPCLOSE?\r", "+CIPCLOSE: 1,0,0,0,0,0,0,0,0,0\r\n"}, {NULL, "OK\r\n"},
        {"AT+CIPCLOSE=0\r", "OK\r\n"}, {NULL, "+CIPCLOSE: 0,0\r\n"},  /* stop() */
        {"AT+NETCLOSE\r", "\r\n+NETCLOSE: 0"},                    /* gprsDisconnect() */
    };
    run_steps(steps, sizeof steps / sizeof steps[0]);
    long long end = test_now_ms() + T;
    while (!tserver_peek(&srv).done && test_now_ms() < end)
        simproc_gather_for(&sim, GATHER_MS);
    cr_assert(tserver_peek(&srv).done, "the server's connection was not closed");
    cr_assert_eq(tserver_peek(&srv).received, 12);
}
