/* The module's TCP server end to end: a real sim7600-sim on a real pty,
 * AT+SERVERSTART as firmware sends it, and real loopback clients connecting
 * to the port the host reaches it on (the control socket's state says which).
 * Echo through it both ways, the client's close, AT+SERVERSTOP. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "loopback_port.h"
#include "sim_host.h"
#include "test_sim_sockets_servers.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS

static struct sim_process sim;
static int holder = -1;              /* a host socket holding the module's port */
static int clients[2] = {-1, -1};

static void stop_all(void)
{
    simproc_stop(&sim);
    for (size_t i = 0; i < sizeof clients / sizeof clients[0]; i++)
        if (clients[i] >= 0)
            close(clients[i]);
    if (holder >= 0)
        close(holder);
}

TestSuite(sockets_server, .fini = stop_all);

static void expect(const char *text) { host_expect(&sim, text); }
static void send_expect(const char *cmd, const char *answer) { host_send_expect(&sim, cmd, answer); }

static void start_sim(void)
{
    const char *args[] = {"--profile", "warm", NULL};
    host_start(&sim, args);
    send_expect("AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n");
}

/* A loopback port a host socket listens on, held until the test ends. */
static int taken_port(void) { return loopback_port_hold(&holder); }

/* A loopback port nobody holds at the moment it is asked for. */
static int free_port(void)
{
    int port = free_tcp_port();
    cr_assert_gt(port, 0, "no free loopback port for the test");
    return port;
}

/* Where the host reaches the module's server, from the control socket's state. */
static int host_port_of(int server, int port)
{
    struct strbuf json = {0};
    char key[128];
    snprintf(key, sizeof key, "{\"server\":%d,\"listening\":true,\"port\":%d,\"host_port\":", server, port);
    cr_assert_eq(simproc_state(&sim, &json), 0, "%s", sb_str(&json));
    const char *at = strstr(sb_str(&json), key);
    cr_assert_not_null(at, "server %d is not listening on %d: %s", server, port, sb_str(&json));
    int host_port = atoi(at + strlen(key));
    sb_free(&json);
    return host_port;
}

static int client_connect(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Exactly n bytes from the client's socket, within the tests' bound. */
static void client_read(int fd, char *out, size_t n)
{
    size_t got = 0;
    long long end = test_now_ms() + T;
    while (got < n && test_now_ms() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, TSERVER_POLL_MS) <= 0)
            continue;
        ssize_t r = read(fd, out + got, n - got);
        cr_assert_gt(r, 0, "the module's server closed the client");
        got += (size_t)r;
    }
    cr_assert_eq(got, n, "%zu of %zu bytes came to the client", got, n);
}

static void cipsend(int link, const char *text)
{
    char cmd[48], answer[48];
    snprintf(cmd, sizeof cmd, "AT+CIPSEND=%d,%zu\r", link, strlen(text));
    send_expect(cmd, "\r\n>");
    simproc_send(&sim, text);
    snprintf(answer, sizeof answer, "+CIPSEND: %d,%zu,%zu\r\n", link, strlen(text), strlen(text));
    expect(answer);
}

Test(sockets_server, a_client_echoes_through_the_module_and_serverstop_ends_the_listening)
{
    start_sim();
    int port = taken_port();         /* the host has it: the module's server gets another host port */
    char cmd[64], line[64];
    snprintf(cmd, sizeof cmd, "AT+SERVERSTART=%d,0\r", port);
    send_expect(cmd, "\r\nOK\r\n");
    snprintf(line, sizeof line, "+SERVERSTART: 0,%d\r\n", port);
    send_expect("AT+SERVERSTART?\r", line);
    int host_port = host_port_of(0, port);
    cr_assert(host_port > 0 && host_port != port, "host port %d for a taken %d", host_port, port);

    cr_assert((clients[0] = client_connect(host_port)) >= 0, "cannot connect to 127.0.0.1:%d", host_port);
    expect("\r\n+CLIENT: 0,0,127.0.0.1:");
    cr_assert_eq(write(clients[0], "hello", 5), 5);
    expect("\r\n+RECEIVE,0,5\r\nhello");
    cipsend(0, "world");
    char got[8] = {0};
    client_read(clients[0], got, 5);
    cr_assert_str_eq(got, "world");

    cr_assert((clients[1] = client_connect(host_port)) >= 0);
    expect("\r\n+CLIENT: 1,0,127.0.0.1:");
    send_expect("AT+CIPCLOSE?\r", "+CIPCLOSE: 1,1,0,0,0,0,0,0,0,0\r\n");
    send_expect("AT+SERVERSTOP=0\r", "\r\n+SERVERSTOP: 0,9\r\n\r\nERROR\r\n");

    close(clients[0]);
    clients[0] = -1;
    expect("\r\n+IPCLOSE: 0,1\r\n");
    send_expect("AT+CIPCLOSE=1\r", "\r\nOK\r\n\r\n+CIPCLOSE: 1,0\r\n");
    send_expect("AT+SERVERSTOP=0\r", "\r\nOK\r\n\r\n+SERVERSTOP: 0,0\r\n");
    int late = client_connect(host_port);
    cr_assert_lt(late, 0, "the stopped server still takes connections");
}

Test(sockets_server, a_free_port_is_the_same_on_the_host_and_buffered_mode_reads_it)
{
    start_sim();
    int port = free_port();
    char cmd[64];
    send_expect("AT+CIPRXGET=1\r", "OK\r\n");
    snprintf(cmd, sizeof cmd, "AT+SERVERSTART=%d,2\r", port);
    send_expect(cmd, "\r\nOK\r\n");
    cr_assert_eq(host_port_of(2, port), port);
    cr_assert((clients[0] = client_connect(port)) >= 0);
    expect("\r\n+CLIENT: 0,2,127.0.0.1:");
    cr_assert_eq(write(clients[0], "ping", 4), 4);
    expect("\r\n+CIPRXGET: 1,0\r\n");
    send_expect("AT+CIPRXGET=2,0\r", "\r\n+CIPRXGET: 2,0,4,0\r\nping\r\n\r\nOK\r\n");
    send_expect("AT+NETCLOSE\r", "\r\nOK\r\n\r\n+NETCLOSE: 0\r\n");
    char byte;
    struct pollfd p = {.fd = clients[0], .events = POLLIN};
    cr_assert_eq(poll(&p, 1, T), 1, "the client is not told the network closed");
    cr_assert_leq(read(clients[0], &byte, 1), 0, "the client's connection ends with the network");
    cr_assert_lt(client_connect(port), 0, "the server went with the network");
}

Test(sockets_server, transparent_mode_serves_one_client_on_link_0)
{
    const char *args[] = {"--profile", "warm", NULL};
    host_start(&sim, args);
    send_expect("AT+CIPMODE=1\r", "OK\r\n");
    send_expect("AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n");
    int port = free_port();
    char cmd[64];
    snprintf(cmd, sizeof cmd, "AT+SERVERSTART=%d,0\r", port);
    send_expect(cmd, "\r\nOK\r\n");
    cr_assert((clients[0] = client_connect(host_port_of(0, port))) >= 0);
    expect("\r\n+CLIENT: 0,0,127.0.0.1:");
    expect("\r\nCONNECT ");
    simproc_send(&sim, "to the client");
    char got[16] = {0};
    client_read(clients[0], got, strlen("to the client"));
    cr_assert_str_eq(got, "to the client");
    cr_assert_eq(write(clients[0], "to the host", 11), 11);
    expect("to the host");
    close(clients[0]);
    clients[0] = -1;
    expect("\r\nCLOSED\r\n");
    send_expect("AT+SERVERSTOP=0\r", "\r\nOK\r\n\r\n+SERVERSTOP: 0,0\r\n");
}
