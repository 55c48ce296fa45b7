/* Test support: the network behind the module's sockets and SSL sessions,
 * played by the test (tests/unit/test_sim_tcpip.c, test_sim_server.c,
 * test_sim_cch.c). It records each call the
 * core makes (open, send, close, listen ...) and the test posts the
 * network's answers through sim_net_event. Include it once, in a Criterion
 * test file; it brings sim_fixture.h. */
#ifndef TEST_SCRIPTED_NET_H
#define TEST_SCRIPTED_NET_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sim_fixture.h"

#define LINKS 10                     /* the module's sockets, <link_num> 0-9 */
#define NET_LINKS 12                 /* the links the network serves: the sockets, then SSL sessions 10-11 */
#define MODULE_RX_BUFFER 8192        /* the module's per-link receive buffer (findings §25) */
#define BOOT_MS SIM_FIXTURE_BOOT_MS

/* ---- the scripted network ------------------------------------------------------------- */

struct scripted_net {
    struct strbuf log;               /* one line per call the core made */
    size_t room[NET_LINKS];          /* what receive_room said last */
    bool told_room[NET_LINKS];
    uint8_t sent[4096];              /* the bytes of every send, in order */
    size_t sent_len;
    int query;                       /* the last resolve's */
    uint32_t open_timeout_ms;        /* the last open's bound */
    uint8_t *backlog[NET_LINKS];         /* bytes the peer has sent that the module has no room for yet */
    size_t backlog_len[NET_LINKS];
    enum sim_net_error listen_result;   /* what the next listen answers */
    int listen_host_port;            /* and where the host reaches it (0: the module's port) */
};

static struct scripted_net net;

static void net_open(void *ctx, const struct sim_net_open *p)
{
    (void)ctx;
    net.open_timeout_ms = p->timeout_ms;
    sb_printf(&net.log, "open %d %s %s:%d local %d", p->link, p->proto == SIM_NET_TCP ? "tcp" : "udp",
              p->host, p->port, p->local_port);
    if (p->tls)
        sb_printf(&net.log, " tls auth %d sni %s", (int)p->tls->auth, p->tls->sni ? p->tls->sni : "-");
    sb_puts(&net.log, "\n");
}

static void net_send(void *ctx, int link, const uint8_t *data, size_t len, const char *host, int port)
{
    (void)ctx;
    sb_printf(&net.log, "send %d %zu", link, len);
    if (host)
        sb_printf(&net.log, " to %s:%d", host, port);
    sb_puts(&net.log, "\n");
    cr_assert_leq(net.sent_len + len, sizeof net.sent);
    memcpy(net.sent + net.sent_len, data, len);
    net.sent_len += len;
}

static void net_close(void *ctx, int link)
{
    (void)ctx;
    sb_printf(&net.log, "close %d\n", link);
}

static void net_room(void *ctx, int link, size_t room)
{
    (void)ctx;
    net.room[link] = room;
    net.told_room[link] = true;
}

static void net_resolve(void *ctx, int query, const char *host)
{
    (void)ctx;
    net.query = query;
    sb_printf(&net.log, "resolve %d %s\n", query, host);
}

static enum sim_net_error net_listen(void *ctx, const struct sim_net_listen *p, int *host_port)
{
    (void)ctx;
    sb_printf(&net.log, "listen %d port %d backlog %d\n", p->server, p->port, p->backlog);
    *host_port = net.listen_host_port ? net.listen_host_port : p->port;
    return net.listen_result;
}

static void net_unlisten(void *ctx, int server)
{
    (void)ctx;
    sb_printf(&net.log, "unlisten %d\n", server);
}

static void net_accept(void *ctx, int server, int link)
{
    (void)ctx;
    sb_printf(&net.log, "accept %d on %d\n", server, link);
}

static const struct sim_net_ops scripted_ops = {net_open,   net_send,     net_close, net_room, net_resolve,
                                                net_listen, net_unlisten, net_accept};

/* The calls since the last look, then forgets them. */
static char *calls(void)
{
    static char text[1024];
    snprintf(text, sizeof text, "%s", sb_str(&net.log));
    sb_reset(&net.log);
    return text;
}

/* ---- driving ---------------------------------------------------------------------------- */

static const char *post(enum sim_net_kind kind, int link, enum sim_net_error code, const void *data, size_t len)
{
    struct sim_net_event ev = {.kind = kind, .link = link, .code = code, .data = data, .len = len,
                               .host = "203.0.113.7", .port = 7000};
    sim_net_event(drive.sim, &ev, drive.now_us);
    return advance(1);
}

static void start_with(const struct sim_net_ops *ops)
{
    sim_fixture_start();
    memset(&net, 0, sizeof net);
    sim_set_net(drive.sim, ops, NULL);
    sim_fixture_boot();
    cr_assert_str_eq(io("AT\r"), "\r\nOK\r\n", "the module is up, echo off");
}

static void setup(void) { start_with(&scripted_ops); }

static void teardown(void)
{
    sim_fixture_teardown();
    for (int i = 0; i < NET_LINKS; i++)
        free(net.backlog[i]);
    sb_free(&net.log);
}

static inline void net_up(void)   /* inline: the SSL sessions need no NETOPEN */
{
    cr_assert_str_eq(io("AT+NETOPEN\r"), "\r\nOK\r\n\r\n+NETOPEN: 0\r\n");
}

#endif
