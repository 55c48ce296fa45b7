/* The module's sockets: AT+CIPOPEN, AT+CIPSEND (its '>' data), AT+CIPCLOSE,
 * AT+CIPACK, and what the network reports about them: +CIPOPEN, +CIPSEND,
 * +IPCLOSE (what arrives is tcpip_receive.c's). Findings §25. */
#include "sim_internal.h"

#include <stdio.h>
#include <string.h>

#define PORT_MAX 65535

static const struct sim_net_ops *net(const struct sim *s)
{
    return s->tcpip.ops;
}

/* The link starts over: closed, nothing buffered, nothing on its way. */
static void link_reset(struct tcpip_link *l)
{
    uint64_t sent = l->sent, acked = l->acked, received = l->received, lost = l->rx_lost;
    bool stalled = l->stalled;       /* a fault on the link, set by the world, not by the module */
    memset(l, 0, sizeof *l);
    l->rx_lost = lost;
    l->sent = sent;
    l->acked = acked;
    l->received = received;
    l->stalled = stalled;
}

/* The module drops the link: the network lets the connection go. */
static void drop_link(struct sim *s, int link)
{
    struct tcpip_link *l = &s->tcpip.link[link];
    if (l->state != LINK_CLOSED && net(s))
        net(s)->close(s->tcpip.ops_ctx, link);
    link_reset(l);
    tcpip_transparent_end(s, link, false);
}

void tcpip_close_all(struct sim *s)
{
    for (int i = 0; i < TCPIP_LINKS; i++)
        drop_link(s, i);
    tcpip_servers_stop(s);
}

/* A server's new connection takes the link, open at once (tcpip_server.c). */
void tcpip_link_accepted(struct sim *s, int link, int server, const struct sim_net_event *ev)
{
    struct tcpip_link *l = &s->tcpip.link[link];
    link_reset(l);
    l->state = LINK_OPEN;
    l->proto = SIM_NET_TCP;
    l->accepted = true;
    l->server = server;
    snprintf(l->host, sizeof l->host, "%s", ev->host ? ev->host : "0.0.0.0");
    l->port = ev->port;
}

/* ---- AT+CIPOPEN ------------------------------------------------------------------- */

static enum tcpip_err open_error(enum sim_net_error code)
{
    switch (code) {
    case SIM_NET_OK:
        return TCPIP_OK;
    case SIM_NET_DNS_FAILED:
        return TCPIP_DNS_FAILED;
    case SIM_NET_TIMEOUT:
        return TCPIP_TIMEOUT;
    case SIM_NET_IN_USE:
        return TCPIP_BIND_FAILED;
    case SIM_NET_REFUSED:
    case SIM_NET_UNREACHABLE:
    case SIM_NET_RESET:
    case SIM_NET_PEER_CLOSED:
    case SIM_NET_TLS_HANDSHAKE:      /* TLS is the SSL sessions' (cch_*.c): a socket never asks for it */
    case SIM_NET_TLS_CERT:
    case SIM_NET_TLS_NO_CERT:
        break;
    }
    return TCPIP_NETWORK_FAILURE;
}

void tcpip_opened(struct sim *s, int link, enum sim_net_error code)
{
    struct tcpip_link *l = &s->tcpip.link[link];
    if (l->state != LINK_OPENING) {
        if (code == SIM_NET_OK && net(s))
            net(s)->close(s->tcpip.ops_ctx, link);   /* closed meanwhile: the late connection goes */
        return;
    }
    enum tcpip_err err = open_error(code);
    bool transparent = tcpip_transparent_on(s, link);   /* the open held the mode */
    if (transparent && err != TCPIP_OK)
        tcpip_transparent_failed(s, link);
    else if (!transparent)
        sim_urc(s, "+CIPOPEN: %d,%d", link, (int)err);
    if (err != TCPIP_OK) {
        link_reset(l);
        return;
    }
    l->state = LINK_OPEN;
    if (transparent)
        tcpip_transparent_connected(s, link, l->stalled);
    tcpip_tell_room(s, link);
}

/* Asks the network, unless a fault or the lack of one answers first. */
static void request_open(struct sim *s, int link)
{
    struct tcpip_link *l = &s->tcpip.link[link];
    enum sim_net_error fail = SIM_NET_OK;
    if (!net(s)) {
        fail = SIM_NET_UNREACHABLE;
    } else if (l->proto == SIM_NET_TCP && tcpip_dns_fails(s, l->host)) {
        fail = SIM_NET_DNS_FAILED;
        s->tcpip.faults.took_effect[TFAULT_DNS_FAIL]++;
    } else if (l->proto == SIM_NET_TCP && tcpip_refused(s, l->host, l->port)) {
        fail = SIM_NET_REFUSED;
        s->tcpip.faults.took_effect[TFAULT_REFUSE]++;
    }
    if (fail != SIM_NET_OK) {
        tcpip_schedule(s, TEV_OPEN_RESULT, link, (int)fail);
        return;
    }
    struct sim_net_open p = {.link = link, .proto = l->proto, .host = l->host, .port = l->port,
                             .local_port = l->local_port,
                             .timeout_ms = (uint32_t)s->tcpip.cfg.ciptimeout[CIPTIMEOUT_CIPOPEN]};
    net(s)->open(s->tcpip.ops_ctx, &p);
}

/* TCP: <link>,"TCP",<host>,<port>[,<local_port>]. UDP: <link>,"UDP",,,<local_port>:
 * a UDP link names no peer, each send does (findings §25, N3). */
static bool open_params(const struct at_args *a, struct tcpip_link *l)
{
    long local = 0;
    if (at_arg_is(&a->v[1], "TCP")) {
        if (a->count < 4 || a->count > 5 || a->v[2].type != AT_ARG_STRING || a->v[2].len == 0 ||
            a->v[2].len > TCPIP_HOST_MAX || !arg_number_in(&a->v[3], 1, PORT_MAX) ||
            (a->count == 5 && !arg_number_in(&a->v[4], 0, PORT_MAX)))
            return false;
        local = a->count == 5 ? a->v[4].number : 0;
        l->proto = SIM_NET_TCP;
        at_arg_copy(l->host, sizeof l->host, &a->v[2]);
        l->port = (int)a->v[3].number;
    } else if (at_arg_is(&a->v[1], "UDP")) {
        if (a->count != 5 || a->v[2].type != AT_ARG_EMPTY || a->v[3].type != AT_ARG_EMPTY ||
            !arg_number_in(&a->v[4], 0, PORT_MAX))
            return false;
        local = a->v[4].number;
        l->proto = SIM_NET_UDP;
    } else {
        return false;
    }
    l->local_port = (int)local;
    return true;
}

static enum cmd_result refuse_open(struct sim *s, int link, enum tcpip_err err)
{
    sim_info(s, "+CIPOPEN: %d,%d", link, (int)err);
    return CMD_ERROR;
}

static void cipopen_read(struct sim *s)
{
    for (int i = 0; i < TCPIP_LINKS; i++) {
        const struct tcpip_link *l = &s->tcpip.link[i];
        if (l->state != LINK_OPEN)
            sim_info(s, "+CIPOPEN: %d", i);
        else if (l->proto == SIM_NET_TCP)   /* the last field: the server that took it, -1 a client */
            sim_info(s, "+CIPOPEN: %d,\"TCP\",\"%s\",%d,%d", i, l->host, l->port, l->accepted ? l->server : -1);
        else
            sim_info(s, "+CIPOPEN: %d,\"UDP\",,,%d", i, l->local_port);
    }
}

static DECLARE_HANDLER(cmd_cipopen)
{
    int link;
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CIPOPEN: (0-%d),(\"TCP\",\"UDP\")", TCPIP_LINKS - 1);
        return CMD_OK;
    case AT_FORM_READ:
        cipopen_read(s);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count < 2 || !tcpip_link_param(a, 0, &link))
        return CMD_ERROR;
    struct tcpip_link *l = &s->tcpip.link[link];
    /* transparent mode has link 0 only, and one transparent connection of any family, a
     * pending open's included, and none beside a PPP call (findings §29) */
    if (l->state != LINK_CLOSED || (s->tcpip.cfg.cipmode == 1 && (link != 0 || tcpip_transparent_blocked(s))))
        return refuse_open(s, link, TCPIP_NOT_SUPPORTED);
    struct tcpip_link want = {0};
    if (!open_params(a, &want))
        return refuse_open(s, link, TCPIP_WRONG_PARAMETER);
    if (!tcpip_net_open(s))
        return refuse_open(s, link, TCPIP_NETWORK_NOT_OPENED);
    if (tcpip_local_port_taken(s, want.local_port))
        return refuse_open(s, link, TCPIP_BIND_FAILED);   /* another link or a server has the port */
    link_reset(l);
    l->state = LINK_OPENING;
    l->proto = want.proto;
    memcpy(l->host, want.host, sizeof l->host);
    l->port = want.port;
    l->local_port = want.local_port;
    if (s->tcpip.cfg.cipmode == 1)
        tcpip_transparent_reserve(s, link);   /* CONNECT is the result; the mode is held till then */
    else
        sim_final(s, V250_OK);      /* before the network can answer */
    request_open(s, link);
    return CMD_DONE;
}

/* ---- AT+CIPSEND and its data ------------------------------------------------------ */

static void hand_to_network(struct sim *s, int link)
{
    struct tcpip_link *l = &s->tcpip.link[link];
    l->send_held = false;
    bool udp = l->proto == SIM_NET_UDP;
    net(s)->send(s->tcpip.ops_ctx, link, l->pending, l->pending_len, udp ? l->send_host : NULL,
                 udp ? l->send_port : 0);
}

void tcpip_sent(struct sim *s, int link, size_t len)
{
    struct tcpip_link *l = &s->tcpip.link[link];
    if (tcpip_transparent_on(s, link)) {
        l->sent += len;              /* transparent data is counted as the network takes it */
        l->acked += len;
        return;
    }
    if (!l->send_waiting)
        return;
    l->send_waiting = false;
    l->sent += len;
    l->acked += len;                 /* the peer's ACK is the network's to see; what it took counts */
    sim_urc(s, "+CIPSEND: %d,%zu,%zu", link, l->pending_len, len);
    l->pending_len = 0;
}

static enum cmd_result send_error(struct sim *s, enum tcpip_err err)
{
    sim_info(s, "+CIPERROR: %d", (int)err);
    return CMD_ERROR;
}

/* UDP names the peer of each send: <link>,<length>,<host>,<port>. */
static bool udp_peer(const struct at_args *a, struct tcpip_link *l)
{
    if (a->count != 4 || a->v[2].type != AT_ARG_STRING || a->v[2].len == 0 ||
        a->v[2].len > TCPIP_HOST_MAX || !arg_number_in(&a->v[3], 1, PORT_MAX))
        return false;
    at_arg_copy(l->send_host, sizeof l->send_host, &a->v[2]);
    l->send_port = (int)a->v[3].number;
    return true;
}

static void begin_send_data(struct sim *s, int link, size_t len, bool variable)
{
    s->data.target = DATA_CIPSEND;
    s->data.client = link;
    s->data.variable = variable;
    s->data.want = variable ? TCPIP_SEND_MAX : len;
    s->data.got = 0;
    s->data.deadline_us = s->now_us + (uint64_t)s->cfg.data_timeout_ms * 1000u;
    s->mode = INPUT_DATA;
    sim_prompt(s);
}

/* AT+CIPSEND=<link>,<length>: that many bytes after '>'; AT+CIPSEND=<link>,
 * (no length): up to Ctrl-Z, ESC cancels. */
static DECLARE_HANDLER(cmd_cipsend)
{
    int link;
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "+CIPSEND: (0-%d),(1-%d)", TCPIP_LINKS - 1, TCPIP_SEND_MAX);
        return CMD_OK;
    }
    if (c->form != AT_FORM_WRITE || !tcpip_link_param(a, 0, &link))
        return CMD_ERROR;
    bool variable = a->count == 1 || a->v[1].type == AT_ARG_EMPTY;
    if (!variable && !arg_number_in(&a->v[1], 1, TCPIP_SEND_MAX))
        return CMD_ERROR;
    struct tcpip_link *l = &s->tcpip.link[link];
    if (l->state != LINK_OPEN || tcpip_transparent_on(s, link))
        return send_error(s, TCPIP_NOT_SUPPORTED);   /* an escaped transparent link sends by ATO */
    if (l->send_waiting)
        return send_error(s, TCPIP_BUSY);
    if (l->proto == SIM_NET_UDP ? !udp_peer(a, l) : a->count > 2)
        return send_error(s, TCPIP_WRONG_PARAMETER);
    begin_send_data(s, link, variable ? 0 : (size_t)a->v[1].number, variable);
    return CMD_PROMPT;
}

void tcpip_data_complete(struct sim *s)
{
    int link = s->data.client;
    struct tcpip_link *l = &s->tcpip.link[link];
    if (l->state != LINK_OPEN) {    /* the peer or the network went during the data */
        send_error(s, TCPIP_NOT_SUPPORTED);
        sim_final(s, V250_ERROR);
        return;
    }
    memcpy(l->pending, s->data.buf, s->data.want);
    l->pending_len = s->data.want;
    sim_final(s, V250_OK);
    if (l->pending_len == 0) {
        sim_urc(s, "+CIPSEND: %d,0,0", link);
        return;
    }
    l->send_waiting = true;
    l->send_held = true;
    if (!l->stalled)
        hand_to_network(s, link);
}

void tcpip_data_cancelled(struct sim *s)
{
    sim_final(s, V250_OK);           /* nothing is sent (findings §25: an inference) */
}

/* ---- closing ------------------------------------------------------------------------- */

/* The connection ended without the host asking: +IPCLOSE. What it had
 * buffered stays readable until the link opens again. */
static void lost_link(struct sim *s, int link, enum tcpip_close_reason why)
{
    struct tcpip_link *l = &s->tcpip.link[link];
    l->state = LINK_CLOSED;
    l->send_waiting = l->send_held = false;
    l->pending_len = 0;
    if (tcpip_transparent_on(s, link))
        tcpip_transparent_end(s, link, true);   /* CLOSED, back to command mode */
    else
        sim_urc(s, "+IPCLOSE: %d,%d", link, (int)why);
}

void tcpip_closed(struct sim *s, int link, enum sim_net_error code)
{
    struct tcpip_link *l = &s->tcpip.link[link];
    if (l->state == LINK_OPENING)
        tcpip_opened(s, link, code == SIM_NET_OK ? SIM_NET_PEER_CLOSED : code);
    else if (l->state == LINK_OPEN)
        lost_link(s, link, code == SIM_NET_TIMEOUT ? IPCLOSE_SEND_TIMEOUT : IPCLOSE_REMOTE);
}

int tcpip_peer_close(struct sim *s, int link)
{
    if (s->tcpip.link[link].state != LINK_OPEN)
        return -1;
    if (net(s))
        net(s)->close(s->tcpip.ops_ctx, link);
    lost_link(s, link, IPCLOSE_REMOTE);
    s->tcpip.faults.took_effect[TFAULT_CLOSE]++;
    return 0;
}

void tcpip_set_stall(struct sim *s, int link, bool on)
{
    struct tcpip_link *l = &s->tcpip.link[link];
    if (on && !l->stalled && l->state == LINK_OPEN)
        s->tcpip.faults.took_effect[TFAULT_STALL]++;
    l->stalled = on;
    if (!on && l->state == LINK_OPEN && l->send_held && net(s))
        hand_to_network(s, link);
    tcpip_transparent_stall(s, link, on);
    tcpip_tell_room(s, link);
}

void tcpip_socket_event(struct sim *s, const struct sim_event *ev)
{
    switch ((enum tcpip_event)ev->code) {
    case TEV_OPEN_RESULT:
        tcpip_opened(s, ev->client, (enum sim_net_error)ev->arg);
        break;
    case TEV_CLOSE_DONE:
        sim_urc(s, "+CIPCLOSE: %d,%d", ev->client, TCPIP_OK);
        break;
    default:
        break;
    }
}

static DECLARE_HANDLER(cmd_cipclose)
{
    int link;
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CIPCLOSE: (0-%d)", TCPIP_LINKS - 1);
        return CMD_OK;
    case AT_FORM_READ: {
        char states[2 * TCPIP_LINKS];     /* "0,1,...": a digit and a comma per link */
        for (int i = 0; i < TCPIP_LINKS; i++) {
            states[2 * i] = s->tcpip.link[i].state == LINK_OPEN ? '1' : '0';
            states[2 * i + 1] = ',';
        }
        states[2 * TCPIP_LINKS - 1] = '\0';
        sim_info(s, "+CIPCLOSE: %s", states);
        return CMD_OK;
    }
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count != 1 || !tcpip_link_param(a, 0, &link))
        return CMD_ERROR;
    if (s->tcpip.link[link].state == LINK_CLOSED) {
        sim_info(s, "+CIPCLOSE: %d,%d", link, TCPIP_NOT_SUPPORTED);
        return CMD_ERROR;
    }
    drop_link(s, link);
    tcpip_schedule(s, TEV_CLOSE_DONE, link, 0);
    return CMD_OK;
}

/* AT+CIPACK=<link>: +CIPACK: <sent>,<acked>,<received>, counted since power-on. */
static DECLARE_HANDLER(cmd_cipack)
{
    int link;
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "+CIPACK: (0-%d)", TCPIP_LINKS - 1);
        return CMD_OK;
    }
    if (c->form != AT_FORM_WRITE || a->count != 1 || !tcpip_link_param(a, 0, &link))
        return CMD_ERROR;
    const struct tcpip_link *l = &s->tcpip.link[link];
    sim_info(s, "+CIPACK: %llu,%llu,%llu", (unsigned long long)l->sent, (unsigned long long)l->acked,
             (unsigned long long)l->received);
    return CMD_OK;
}

static const struct command commands[] = {
    {"+CIPOPEN", cmd_cipopen, CMD_NEEDS_SIM},
    {"+CIPSEND", cmd_cipsend, CMD_NEEDS_SIM},
    {"+CIPCLOSE", cmd_cipclose, CMD_NEEDS_SIM},
    {"+CIPACK", cmd_cipack, CMD_NEEDS_SIM},
};

const struct command_family tcpip_socket_commands = {commands, sizeof commands / sizeof commands[0]};

/* ---- the control socket's view ----------------------------------------------------------- */

void tcpip_state_json(const struct sim *s, struct strbuf *o)
{
    static const char *const states[] = {"closed", "opening", "open"};
    static const char *const nets[] = {"closed", "opening", "open", "closing"};
    sb_printf(o, ",\"sockets\":{\"network\":\"%s\",\"rx_mode\":%d,\"transparent\":\"%s\","
                 "\"transparent_lost\":%llu,\"links\":[", nets[s->tcpip.net], s->tcpip.cfg.ciprxget,
              tcpip_transparent_state_name(s, 0),
              (unsigned long long)(tcpip_transparent_on(s, 0) ? s->tcpip.tm.tx_dropped : 0));
    for (int i = 0; i < TCPIP_LINKS; i++) {
        const struct tcpip_link *l = &s->tcpip.link[i];
        sb_printf(o, "%s{\"link\":%d,\"state\":\"%s\",\"proto\":\"%s\",\"host\":", i ? "," : "", i,
                  states[l->state], l->proto == SIM_NET_UDP ? "udp" : "tcp");
        sb_json_string(o, l->host, strlen(l->host));
        sb_printf(o, ",\"port\":%d,\"sent\":%llu,\"received\":%llu,\"buffered\":%zu,\"lost\":%llu,"
                     "\"stalled\":%s}",
                  l->port, (unsigned long long)l->sent, (unsigned long long)l->received,
                  l->rx_len + tcpip_transparent_held(s, i),
                  (unsigned long long)l->rx_lost, l->stalled ? "true" : "false");
    }
    sb_puts(o, "]");
    tcpip_servers_json(s, o);
    const uint64_t *n = s->tcpip.faults.took_effect;
    sb_printf(o, ",\"faults\":{\"dns_fail\":%llu,\"refuse\":%llu,\"stall\":%llu,\"close\":%llu}}",
              (unsigned long long)n[TFAULT_DNS_FAIL], (unsigned long long)n[TFAULT_REFUSE],
              (unsigned long long)n[TFAULT_STALL], (unsigned long long)n[TFAULT_CLOSE]);
}
