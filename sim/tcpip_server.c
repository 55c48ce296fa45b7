/* The module's TCP servers: AT+SERVERSTART, AT+SERVERSTOP, and the
 * connections they take (+CLIENT: <link>,<server>,<ip>:<port>), each on the
 * lowest free link, which then behaves like any other open TCP link. Forms
 * and codes from SIMCom's TCP/IP manual and application note (findings §25,
 * N11, N12); the network listens (sim_net_ops' listen/unlisten/accept). */
#include "sim_internal.h"

#define PORT_MAX 65535
#define BACKLOG_MIN 1
#define BACKLOG_MAX 3
#define BACKLOG_DEFAULT 3           /* the manual's default queue */
#define TRANSPARENT_SERVER 0        /* transparent mode: server 0 only, its connection on link 0 */
#define TRANSPARENT_LINK 0

static bool server_param(const struct at_args *a, int i, int *server)
{
    if (a->count <= i || !arg_number_in(&a->v[i], 0, TCPIP_SERVERS - 1))
        return false;
    *server = (int)a->v[i].number;
    return true;
}

static enum cmd_result server_error(struct sim *s, enum tcpip_err err)
{
    sim_info(s, "+CIPERROR: %d", (int)err);
    return CMD_ERROR;
}

bool tcpip_local_port_taken(const struct sim *s, int port)
{
    if (port == 0)
        return false;                /* any port: the stack picks a free one */
    for (int i = 0; i < TCPIP_LINKS; i++)
        if (s->tcpip.link[i].state != LINK_CLOSED && s->tcpip.link[i].local_port == port)
            return true;
    for (int i = 0; i < TCPIP_SERVERS; i++)
        if (s->tcpip.server[i].listening && s->tcpip.server[i].port == port)
            return true;
    return false;
}

/* An open link a server's connection took: the server cannot stop yet. */
static bool server_has_links(const struct sim *s, int server)
{
    for (int i = 0; i < TCPIP_LINKS; i++) {
        const struct tcpip_link *l = &s->tcpip.link[i];
        if (l->state == LINK_OPEN && l->accepted && l->server == server)
            return true;
    }
    return false;
}

static void stop_listening(struct sim *s, int server)
{
    struct tcpip_server *v = &s->tcpip.server[server];
    if (v->listening && s->tcpip.ops && s->tcpip.ops->unlisten)
        s->tcpip.ops->unlisten(s->tcpip.ops_ctx, server);
    v->listening = false;
}

void tcpip_servers_stop(struct sim *s)
{
    for (int i = 0; i < TCPIP_SERVERS; i++)
        stop_listening(s, i);
}

/* ---- AT+SERVERSTART ---------------------------------------------------------------- */

/* <port>,<server_index>[,<backlog>] */
static bool start_params(const struct at_args *a, int *port, int *server, int *backlog)
{
    if (a->count < 2 || a->count > 3 || !arg_number_in(&a->v[0], 0, PORT_MAX) || !server_param(a, 1, server) ||
        (a->count == 3 && !arg_number_in(&a->v[2], BACKLOG_MIN, BACKLOG_MAX)))
        return false;
    *port = (int)a->v[0].number;
    *backlog = a->count == 3 ? (int)a->v[2].number : BACKLOG_DEFAULT;
    return true;
}

static enum cmd_result start_listening(struct sim *s, int server, int port, int backlog)
{
    const struct sim_net_ops *ops = s->tcpip.ops;
    if (!ops || !ops->listen)
        return server_error(s, TCPIP_NETWORK_FAILURE);   /* no network behind the module */
    int host_port = 0;
    struct sim_net_listen p = {.server = server, .port = port, .backlog = backlog};
    enum sim_net_error err = ops->listen(s->tcpip.ops_ctx, &p, &host_port);
    if (err != SIM_NET_OK)
        return server_error(s, err == SIM_NET_IN_USE ? TCPIP_BIND_FAILED : TCPIP_SOCKET_CREATE_FAILED);
    s->tcpip.server[server] = (struct tcpip_server){.listening = true, .port = port, .backlog = backlog,
                                                    .host_port = host_port};
    return CMD_OK;
}

static enum cmd_result serverstart_read(struct sim *s)
{
    if (!tcpip_net_open(s))
        return server_error(s, TCPIP_NETWORK_NOT_OPENED);
    for (int i = 0; i < TCPIP_SERVERS; i++)
        if (s->tcpip.server[i].listening)
            sim_info(s, "+SERVERSTART: %d,%d", i, s->tcpip.server[i].port);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_serverstart)
{
    int port, server, backlog;
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+SERVERSTART: (0-%d),(0-%d)", PORT_MAX, TCPIP_SERVERS - 1);
        return CMD_OK;
    case AT_FORM_READ:
        return serverstart_read(s);
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    if (!start_params(a, &port, &server, &backlog))
        return server_error(s, TCPIP_WRONG_PARAMETER);
    if (!tcpip_net_open(s))
        return server_error(s, TCPIP_NETWORK_NOT_OPENED);
    if (s->tcpip.server[server].listening)
        return server_error(s, TCPIP_SERVER_LISTENING);
    if (s->tcpip.cfg.cipmode == 1 && server != TRANSPARENT_SERVER)
        return server_error(s, TCPIP_NOT_SUPPORTED);
    if (tcpip_local_port_taken(s, port))
        return server_error(s, TCPIP_BIND_FAILED);
    return start_listening(s, server, port, backlog);
}

/* ---- AT+SERVERSTOP ----------------------------------------------------------------- */

/* AT+SERVERSTOP=<server_index>: OK, then +SERVERSTOP: <i>,0; refused while a
 * connection it took is open (9, sockets opened) or when it is not listening. */
static DECLARE_HANDLER(cmd_serverstop)
{
    int server;
    if (c->form != AT_FORM_WRITE || a->count != 1 || !server_param(a, 0, &server))
        return CMD_ERROR;            /* the manual has the write form only */
    enum tcpip_err err = TCPIP_OK;
    if (!tcpip_net_open(s))
        err = TCPIP_NETWORK_NOT_OPENED;
    else if (!s->tcpip.server[server].listening)
        err = TCPIP_NOT_SUPPORTED;
    else if (server_has_links(s, server))
        err = TCPIP_SOCKETS_OPENED;
    if (err != TCPIP_OK) {
        sim_info(s, "+SERVERSTOP: %d,%d", server, (int)err);
        return CMD_ERROR;
    }
    stop_listening(s, server);
    tcpip_schedule(s, TEV_SERVERSTOP_DONE, server, 0);
    return CMD_OK;
}

void tcpip_server_event(struct sim *s, const struct sim_event *ev)
{
    if ((enum tcpip_event)ev->code == TEV_SERVERSTOP_DONE)
        sim_urc(s, "+SERVERSTOP: %d,%d", ev->client, TCPIP_OK);
}

/* ---- the connections a server takes ------------------------------------------------ */

/* The link a new connection takes: the lowest free one; transparent mode's
 * link 0 only, while no transparent connection or open of any family, nor a
 * PPP call, holds the UART. -1: none free. */
static int free_link(const struct sim *s)
{
    if (s->tcpip.cfg.cipmode == 1) {
        bool idle = s->tcpip.link[TRANSPARENT_LINK].state == LINK_CLOSED && !tcpip_transparent_blocked(s);
        return idle ? TRANSPARENT_LINK : -1;
    }
    for (int i = 0; i < TCPIP_LINKS; i++)
        if (s->tcpip.link[i].state == LINK_CLOSED)
            return i;
    return -1;
}

void tcpip_accepted(struct sim *s, const struct sim_net_event *ev)
{
    int server = ev->link;
    if (server < 0 || server >= TCPIP_SERVERS || !s->tcpip.ops || !s->tcpip.ops->accept)
        return;
    struct tcpip_server *v = &s->tcpip.server[server];
    int link = v->listening ? free_link(s) : -1;
    s->tcpip.ops->accept(s->tcpip.ops_ctx, server, link);
    if (link < 0) {
        if (v->listening)
            v->refused++;            /* every link busy: the client is closed at once */
        return;
    }
    v->accepted++;
    tcpip_link_accepted(s, link, server, ev);
    sim_urc(s, "+CLIENT: %d,%d,%s:%d", link, server, s->tcpip.link[link].host, ev->port);
    if (s->tcpip.cfg.cipmode == 1) {
        tcpip_transparent_reserve(s, link);   /* free: free_link found no transparent connection */
        tcpip_transparent_connected(s, link, s->tcpip.link[link].stalled);
    }
    tcpip_tell_room(s, link);
}

static const struct command commands[] = {
    {"+SERVERSTART", cmd_serverstart, CMD_NEEDS_SIM},
    {"+SERVERSTOP", cmd_serverstop, CMD_NEEDS_SIM},
};

const struct command_family tcpip_server_commands = {commands, sizeof commands / sizeof commands[0]};

/* ---- the control socket's view ----------------------------------------------------- */

void tcpip_servers_json(const struct sim *s, struct strbuf *o)
{
    sb_puts(o, ",\"servers\":[");
    for (int i = 0; i < TCPIP_SERVERS; i++) {
        const struct tcpip_server *v = &s->tcpip.server[i];
        sb_printf(o, "%s{\"server\":%d,\"listening\":%s,\"port\":%d,\"host_port\":%d,\"backlog\":%d,"
                     "\"accepted\":%llu,\"refused\":%llu}",
                  i ? "," : "", i, v->listening ? "true" : "false", v->port, v->listening ? v->host_port : 0,
                  v->backlog, (unsigned long long)v->accepted, (unsigned long long)v->refused);
    }
    sb_puts(o, "]");
}
