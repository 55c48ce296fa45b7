/* The network of the module's TCP/IP stack: AT+NETOPEN, AT+NETCLOSE,
 * AT+IPADDR, what happens when the packet network goes away, and the way in
 * for the network's reports (sim_set_net, tcpip_net_dispatch). Findings §25. */
#include "sim_internal.h"

#include <string.h>

bool tcpip_net_open(const struct sim *s)
{
    return s->tcpip.net == NET_OPEN;
}

/* AT+NETOPEN's bearer: registered, with the context AT+CSOCKSETPN chose up.
 * The default bearer comes up with the attach; another context AT+NETOPEN
 * activates here (+CGEV: ME PDN ACT, findings §33). False: no bearer. */
static bool bring_bearer_up(struct sim *s)
{
    int cid = s->tcpip.net_cid;
    if (!modem_registered(s))
        return false;
    if (cid == TCPIP_DEFAULT_CID)
        return s->modem.pdp[cid].active;
    return modem_packet_bring_up(s, cid);
}

bool tcpip_link_param(const struct at_args *a, int i, int *link)
{
    if (a->count <= i || !arg_number_in(&a->v[i], 0, TCPIP_LINKS - 1))
        return false;
    *link = (int)a->v[i].number;
    return true;
}

void tcpip_schedule(struct sim *s, enum tcpip_event what, int link, int arg)
{
    static const enum sim_delay delays[] = {
        [TEV_NETOPEN_DONE] = DELAY_NETOPEN, [TEV_NETCLOSE_DONE] = DELAY_SOCKET,
        [TEV_OPEN_RESULT] = DELAY_SOCKET, [TEV_CLOSE_DONE] = DELAY_SOCKET,
        [TEV_DNS_FAILED] = DELAY_SOCKET, [TEV_PING] = DELAY_SOCKET, [TEV_SERVERSTOP_DONE] = DELAY_SOCKET,
    };
    struct sim_event ev = {.kind = EV_TCPIP, .code = (int)what, .client = link, .arg = arg};
    sim_schedule(s, delays[what], &ev);
}

void tcpip_power_on(struct sim *s)
{
    tcpip_close_all(s);
    const struct sim_net_ops *ops = s->tcpip.ops;
    void *ctx = s->tcpip.ops_ctx;
    struct tcpip_faults faults = s->tcpip.faults;   /* the world's, not the module's: they survive */
    memset(&s->tcpip, 0, sizeof s->tcpip);
    s->tcpip.ops = ops;
    s->tcpip.ops_ctx = ctx;
    s->tcpip.faults = faults;
    tcpip_config_defaults(&s->tcpip.cfg);
    s->tcpip.net_cid = s->tcpip.cfg.sock_cid;
}

/* The packet network went (deregistration, AT+CGATT=0, the stack's context
 * deactivated): the sockets go silently and one URC says so (findings §25, N1). */
static void network_lost(struct sim *s)
{
    if (s->tcpip.net != NET_OPEN)
        return;                     /* opening: its +NETOPEN says 1; closing: its +NETCLOSE follows */
    tcpip_close_all(s);
    s->tcpip.net = NET_CLOSED;
    sim_urc(s, "+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY");
}

/* The PDP layer's word that context <cid> went down (0: every one, a
 * detach): the network goes if it ran on it. */
void tcpip_context_lost(struct sim *s, int cid)
{
    if (cid == 0 || cid == s->tcpip.net_cid)
        network_lost(s);
}

static void netopen_done(struct sim *s)
{
    if (s->tcpip.net != NET_OPENING)
        return;
    bool up = bring_bearer_up(s);
    s->tcpip.net = up ? NET_OPEN : NET_CLOSED;
    sim_urc(s, "+NETOPEN: %d", up ? TCPIP_OK : TCPIP_NETWORK_FAILURE);
}

static void netclose_done(struct sim *s)
{
    if (s->tcpip.net != NET_CLOSING)
        return;
    s->tcpip.net = NET_CLOSED;
    sim_urc(s, "+NETCLOSE: %d", TCPIP_OK);
}

void tcpip_event(struct sim *s, const struct sim_event *ev)
{
    switch ((enum tcpip_event)ev->code) {
    case TEV_NETOPEN_DONE:
        netopen_done(s);
        break;
    case TEV_NETCLOSE_DONE:
        netclose_done(s);
        break;
    case TEV_OPEN_RESULT:
    case TEV_CLOSE_DONE:
        tcpip_socket_event(s, ev);
        break;
    case TEV_DNS_FAILED:
    case TEV_PING:
        tcpip_config_event(s, ev);
        break;
    case TEV_SERVERSTOP_DONE:
        tcpip_server_event(s, ev);
        break;
    }
}

/* ---- AT commands ------------------------------------------------------------------- */

/* AT+NETOPEN: OK, then +NETOPEN: 0 once the stack has the bearer, 1 when it
 * has none; a second one is refused with a text (findings §25). */
static DECLARE_HANDLER(cmd_netopen)
{
    (void)a;
    switch (c->form) {
    case AT_FORM_READ:
        sim_info(s, "+NETOPEN: %d", tcpip_net_open(s) ? 1 : 0);
        return CMD_OK;
    case AT_FORM_TEST:
        return CMD_OK;
    case AT_FORM_WRITE:
        return CMD_ERROR;
    case AT_FORM_EXEC:
        break;
    }
    if (s->tcpip.net == NET_OPEN || s->tcpip.net == NET_OPENING) {
        sim_info(s, "+IP ERROR: Network is already opened");
        return CMD_ERROR;
    }
    if (s->tcpip.net == NET_CLOSING) {
        sim_info(s, "+NETOPEN: %d", TCPIP_BUSY);
        return CMD_ERROR;
    }
    s->tcpip.net = NET_OPENING;
    s->tcpip.net_cid = s->tcpip.cfg.sock_cid;
    tcpip_schedule(s, TEV_NETOPEN_DONE, 0, 0);
    return CMD_OK;
}

/* AT+NETCLOSE: every socket goes with the network; not open: +NETCLOSE: 2 and
 * ERROR (findings §25, N1). */
static DECLARE_HANDLER(cmd_netclose)
{
    (void)a;
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_EXEC)
        return CMD_ERROR;
    if (s->tcpip.net != NET_OPEN) {
        sim_info(s, "+NETCLOSE: %d", TCPIP_NETWORK_NOT_OPENED);
        return CMD_ERROR;
    }
    tcpip_close_all(s);
    s->tcpip.net = NET_CLOSING;
    tcpip_schedule(s, TEV_NETCLOSE_DONE, 0, 0);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_ipaddr)
{
    (void)a;
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_EXEC)
        return CMD_ERROR;
    if (!tcpip_net_open(s)) {
        sim_info(s, "+IP ERROR: Network not opened");
        return CMD_ERROR;
    }
    char address[PDP_ADDRESS_LEN];
    modem_packet_address(s->tcpip.net_cid, address, sizeof address);
    sim_info(s, "+IPADDR: %s", address);
    return CMD_OK;
}

/* AT+CSOCKSETPN=<cid>: the context the next AT+NETOPEN uses. Any context number is
 * taken, defined or not: an undefined one fails at AT+NETOPEN (findings §33). */
static DECLARE_HANDLER(cmd_csocksetpn)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CSOCKSETPN: (1-%d)", PDP_CID_MAX);
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CSOCKSETPN: %d", s->tcpip.cfg.sock_cid);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count != 1 || !arg_number_in(&a->v[0], 1, PDP_CID_MAX))
        return CMD_ERROR;
    s->tcpip.cfg.sock_cid = (int)a->v[0].number;
    return CMD_OK;
}

static const struct command commands[] = {
    {"+NETOPEN", cmd_netopen, CMD_NEEDS_SIM},
    {"+NETCLOSE", cmd_netclose, CMD_NEEDS_SIM},
    {"+IPADDR", cmd_ipaddr, CMD_NEEDS_SIM},
    {"+CSOCKSETPN", cmd_csocksetpn, CMD_NEEDS_SIM},
};

const struct command_family tcpip_net_commands = {commands, sizeof commands / sizeof commands[0]};

/* ---- the network's reports --------------------------------------------------------- */

void sim_set_net(struct sim *s, const struct sim_net_ops *ops, void *ctx)
{
    s->tcpip.ops = ops;
    s->tcpip.ops_ctx = ctx;
}

void tcpip_net_dispatch(struct sim *s, const struct sim_net_event *ev)
{
    if (ev->kind == SIM_NET_RESOLVED) {
        tcpip_resolved(s, ev);
        return;
    }
    if (ev->kind == SIM_NET_ACCEPTED) {
        tcpip_accepted(s, ev);       /* its link is the server's index */
        return;
    }
    if (ev->link < 0 || ev->link >= TCPIP_LINKS)
        return;                     /* not one of the module's links: nothing to tell the host */
    switch (ev->kind) {
    case SIM_NET_OPENED:
        tcpip_opened(s, ev->link, ev->code);
        break;
    case SIM_NET_SENT:
        tcpip_sent(s, ev->link, ev->len);
        break;
    case SIM_NET_RECEIVED:
        tcpip_received(s, ev);
        break;
    case SIM_NET_CLOSED:
        tcpip_closed(s, ev->link, ev->code);
        break;
    case SIM_NET_RESOLVED:
    case SIM_NET_ACCEPTED:
        break;
    }
}
