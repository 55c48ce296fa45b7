/* The SSL service and its sessions: AT+CCHSTART, AT+CCHSTOP, AT+CCHSET,
 * AT+CCHMODE, AT+CCHSSLCFG, AT+CCHOPEN, AT+CCHCLOSE, and what the network
 * reports about a session's connection (+CCHOPEN, +CCH_PEER_CLOSED ...).
 * The bytes are cch_data.c's. Findings §29. */
#include "sim_internal.h"

#include <string.h>

#define BEARER_CID 1             /* CCHSTART activates the default bearer, as NETOPEN does */
#define PORT_MAX 65535
#define CCH_MODE_TRANSPARENT 1   /* AT+CCHMODE=1 */
#define TRANSPARENT_SESSION 0    /* "Only the session 0 is support the transparent mode" (findings §29) */

static const char *const err_names[CCH_ERR_COUNT] = {
    [CCH_OK] = "Operation succeeded", [CCH_ALERTING] = "Alerting state (reserved)",
    [CCH_UNKNOWN] = "Unknown error", [CCH_BUSY] = "Busy", [CCH_PEER_CLOSED] = "Peer closed",
    [CCH_TIMEOUT] = "Operation timeout", [CCH_TRANSFER_FAILED] = "Transfer failed",
    [CCH_MEMORY] = "Memory error", [CCH_INVALID_PARAMETER] = "Invalid parameter",
    [CCH_NETWORK] = "Network error", [CCH_OPEN_SESSION] = "Open session error",
    [CCH_STATE] = "State error", [CCH_CREATE_SOCKET] = "Create socket error", [CCH_DNS] = "Get DNS error",
    [CCH_CONNECT_SOCKET] = "Connect socket error", [CCH_HANDSHAKE] = "Handshake error",
    [CCH_CLOSE_SOCKET] = "Close socket error", [CCH_NONET] = "Nonet", [CCH_SEND_TIMEOUT] = "Send data timeout",
    [CCH_NO_CERT] = "Not set certificates",
};

const char *cch_err_name(enum cch_err e)
{
    return e >= 0 && e < CCH_ERR_COUNT ? err_names[e] : "?";
}

static const struct sim_net_ops *net(const struct sim *s)
{
    return s->tcpip.ops;
}

static int link_of(int session)
{
    return CCH_LINK_BASE + session;
}

bool cch_session_param(const struct at_args *a, int i, int *session)
{
    if (a->count <= i || !arg_number_in(&a->v[i], 0, CCH_SESSIONS - 1))
        return false;
    *session = (int)a->v[i].number;
    return true;
}

static bool started(const struct sim *s)
{
    return s->cch.service == CCH_STARTED;
}

static bool transparent_mode(const struct sim *s)
{
    return s->cch.mode == CCH_MODE_TRANSPARENT;
}

static void schedule(struct sim *s, enum cch_event what, int session, int arg)
{
    static const enum sim_delay delays[] = {
        [CEV_START_DONE] = DELAY_NETOPEN, [CEV_OPEN_RESULT] = DELAY_SOCKET, [CEV_CLOSE_DONE] = DELAY_SOCKET,
    };
    struct sim_event ev = {.kind = EV_CCH, .code = (int)what, .client = session, .arg = arg};
    sim_schedule(s, delays[what], &ev);
}

/* The module lets the session's connection go; the network is told. */
static void drop_session(struct sim *s, int session)
{
    struct cch_session *c = &s->cch.session[session];
    if ((c->state == CCH_OPENING || c->state == CCH_OPEN) && net(s))
        net(s)->close(s->tcpip.ops_ctx, link_of(session));
    tcpip_transparent_end(s, link_of(session), false);
    cch_session_reset(c);
}

static void drop_all(struct sim *s)
{
    for (int i = 0; i < CCH_SESSIONS; i++)
        drop_session(s, i);
}

void cch_power_on(struct sim *s)
{
    drop_all(s);
    bool stalled[CCH_SESSIONS];          /* faults of the world, not of the module: they stay */
    for (int i = 0; i < CCH_SESSIONS; i++)
        stalled[i] = s->cch.session[i].stalled;
    memset(&s->cch, 0, sizeof s->cch);
    for (int i = 0; i < CCH_SESSIONS; i++) {
        s->cch.session[i].stalled = stalled[i];
        s->cch.session[i].ctx = CCH_DEFAULT_CTX;
    }
}

/* ---- how a connection ends ---------------------------------------------------------- */

/* An end the peer made is +CCH_PEER_CLOSED; one the network made (a timeout,
 * the bearer gone) ends the receiving with its error; a transparent session
 * says CLOSED, as the socket family's does (findings §29). */
void cch_lost(struct sim *s, int session, enum sim_net_error why)
{
    struct cch_session *c = &s->cch.session[session];
    c->state = CCH_CLOSED;
    c->send_waiting = c->send_held = false;
    c->pending_len = 0;
    if (tcpip_transparent_on(s, link_of(session))) {
        tcpip_transparent_end(s, link_of(session), true);
        return;
    }
    switch (why) {
    case SIM_NET_OK:
    case SIM_NET_PEER_CLOSED:
    case SIM_NET_RESET:
        sim_urc(s, "+CCH_PEER_CLOSED: %d", session);
        return;
    case SIM_NET_TIMEOUT:
        sim_urc(s, "+CCH_RECV_CLOSED: %d,%d", session, CCH_TIMEOUT);
        return;
    default:
        sim_urc(s, "+CCH_RECV_CLOSED: %d,%d", session, CCH_NETWORK);
        return;
    }
}

void cch_network_lost(struct sim *s)
{
    for (int i = 0; i < CCH_SESSIONS; i++) {
        if (s->cch.session[i].state != CCH_OPEN)
            continue;
        if (net(s))
            net(s)->close(s->tcpip.ops_ctx, link_of(i));
        cch_lost(s, i, SIM_NET_UNREACHABLE);
    }
}

int cch_peer_close(struct sim *s, int session)
{
    if (s->cch.session[session].state != CCH_OPEN)
        return -1;
    if (net(s))
        net(s)->close(s->tcpip.ops_ctx, link_of(session));
    cch_lost(s, session, SIM_NET_PEER_CLOSED);
    s->tcpip.faults.took_effect[TFAULT_CLOSE]++;
    return 0;
}

/* ---- AT+CCHOPEN and its result -------------------------------------------------------- */

static enum cch_err open_error(const struct cch_session *c, enum sim_net_error code)
{
    switch (code) {
    case SIM_NET_OK: return CCH_OK;
    case SIM_NET_DNS_FAILED: return CCH_DNS;
    case SIM_NET_TIMEOUT: return CCH_TIMEOUT;
    case SIM_NET_REFUSED:
    case SIM_NET_UNREACHABLE: return CCH_CONNECT_SOCKET;
    case SIM_NET_RESET:
    case SIM_NET_PEER_CLOSED: return c->type == CCH_CLIENT_SSL ? CCH_HANDSHAKE : CCH_CONNECT_SOCKET;
    case SIM_NET_TLS_HANDSHAKE:
    case SIM_NET_TLS_CERT: return CCH_HANDSHAKE;
    case SIM_NET_TLS_NO_CERT: return CCH_NO_CERT;
    default: return CCH_UNKNOWN;    /* nothing else can end an open */
    }
}

static void opened(struct sim *s, int session, enum sim_net_error code)
{
    struct cch_session *c = &s->cch.session[session];
    if (c->state != CCH_OPENING) {
        if (code == SIM_NET_OK && net(s))
            net(s)->close(s->tcpip.ops_ctx, link_of(session));   /* closed meanwhile: the late one goes */
        return;
    }
    enum cch_err err = open_error(c, code);
    bool transparent = tcpip_transparent_on(s, link_of(session));   /* the open held the mode */
    if (!transparent)
        sim_urc(s, "+CCHOPEN: %d,%d", session, (int)err);
    else if (err != CCH_OK)
        tcpip_transparent_failed(s, link_of(session));   /* CONNECT FAIL, as the socket family's (§29) */
    if (err != CCH_OK) {
        cch_session_reset(c);
        return;
    }
    c->state = CCH_OPEN;
    if (transparent)
        tcpip_transparent_connected(s, link_of(session), c->stalled);   /* CONNECT <rate> */
    cch_tell_room(s, session);
}

/* A fault, a missing network or a context without its certificates answers
 * before the network is asked. */
static enum sim_net_error refused_before_network(struct sim *s, const struct cch_session *c,
                                                 enum ssl_resolve_result tls)
{
    if (tls != SSL_RESOLVED)
        return SIM_NET_TLS_NO_CERT;
    if (!net(s))
        return SIM_NET_UNREACHABLE;
    if (tcpip_dns_fails(s, c->host)) {
        s->tcpip.faults.took_effect[TFAULT_DNS_FAIL]++;
        return SIM_NET_DNS_FAILED;
    }
    if (tcpip_refused(s, c->host, c->port)) {
        s->tcpip.faults.took_effect[TFAULT_REFUSE]++;
        return SIM_NET_REFUSED;
    }
    return SIM_NET_OK;
}

static void request_open(struct sim *s, int session)
{
    struct cch_session *c = &s->cch.session[session];
    struct sim_tls_config tls;
    bool ssl = c->type == CCH_CLIENT_SSL;
    enum ssl_resolve_result r = ssl ? ssl_resolve(s, c->ctx, c->host, &tls) : SSL_RESOLVED;
    enum sim_net_error fail = refused_before_network(s, c, r);
    if (fail != SIM_NET_OK) {
        schedule(s, CEV_OPEN_RESULT, session, (int)fail);
        return;
    }
    struct sim_net_open p = {.link = link_of(session), .proto = SIM_NET_TCP, .host = c->host, .port = c->port,
                             .local_port = c->bind_port, .tls = ssl ? &tls : NULL};
    net(s)->open(s->tcpip.ops_ctx, &p);
}

/* <session_id>,"<host>",<port>[,<client_type>[,<bind_port>]] */
static bool open_params(const struct at_args *a, struct cch_session *c)
{
    if (a->count < 3 || a->count > 5 || a->v[1].type != AT_ARG_STRING || a->v[1].len == 0 ||
        a->v[1].len > CCH_HOST_MAX || !arg_number_in(&a->v[2], 1, PORT_MAX) ||
        (a->count >= 4 && !arg_number_in(&a->v[3], CCH_CLIENT_TCP, CCH_CLIENT_SSL)) ||
        (a->count == 5 && !arg_number_in(&a->v[4], 1, PORT_MAX)))
        return false;
    at_arg_copy(c->host, sizeof c->host, &a->v[1]);
    c->port = (int)a->v[2].number;
    c->type = a->count >= 4 ? (enum cch_client_type)a->v[3].number : CCH_CLIENT_SSL;
    c->bind_port = a->count == 5 ? (int)a->v[4].number : 0;
    return true;
}

static void cchopen_read(struct sim *s)
{
    for (int i = 0; i < CCH_SESSIONS; i++) {
        const struct cch_session *c = &s->cch.session[i];
        if (c->state == CCH_OPEN)
            sim_info(s, "+CCHOPEN: %d,\"%s\",%d,%d", i, c->host, c->port, (int)c->type);
        else
            sim_info(s, "+CCHOPEN: %d", i);
    }
}

static DECLARE_HANDLER(cmd_cchopen)
{
    int session;
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CCHOPEN: (0-%d),\"ADDRESS\",(1-%d)[,(%d-%d)[,(1-%d)]]", CCH_SESSIONS - 1, PORT_MAX,
                 CCH_CLIENT_TCP, CCH_CLIENT_SSL, PORT_MAX);
        return CMD_OK;
    case AT_FORM_READ:
        cchopen_read(s);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    struct cch_session want = {0};
    if (!cch_session_param(a, 0, &session) || !open_params(a, &want))
        return CMD_ERROR;
    struct cch_session *cs = &s->cch.session[session];
    /* not started, a session in use; transparent mode: session 0 only, and no other
     * transparent connection, pending open or data call (findings §29) */
    bool transparent = transparent_mode(s);
    if (!started(s) || cs->state != CCH_CLOSED ||
        (transparent && (session != TRANSPARENT_SESSION || tcpip_transparent_blocked(s))))
        return CMD_ERROR;
    cch_session_reset(cs);
    cs->state = CCH_OPENING;
    memcpy(cs->host, want.host, sizeof cs->host);
    cs->port = want.port;
    cs->type = want.type;
    cs->bind_port = want.bind_port;
    if (transparent)
        tcpip_transparent_reserve(s, link_of(session));   /* CONNECT is the result; held till then */
    else
        sim_final(s, V250_OK);       /* before the network can answer */
    request_open(s, session);
    return CMD_DONE;
}

/* ---- AT+CCHCLOSE ------------------------------------------------------------------------- */

static DECLARE_HANDLER(cmd_cchclose)
{
    int session;
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "+CCHCLOSE: (0-%d)", CCH_SESSIONS - 1);
        return CMD_OK;
    }
    if (c->form != AT_FORM_WRITE || a->count != 1 || !cch_session_param(a, 0, &session))
        return CMD_ERROR;
    enum cch_session_state st = s->cch.session[session].state;
    if (!started(s) || st == CCH_CLOSED || st == CCH_CLOSING)
        return CMD_ERROR;
    /* escaped: it ends with CLOSED; a transparent open not answered yet, as a normal close */
    enum cch_close_word say = tcpip_transparent_escaped(s, link_of(session)) ? CCH_SAY_CLOSED : CCH_SAY_CCHCLOSE;
    drop_session(s, session);
    s->cch.session[session].state = CCH_CLOSING;
    schedule(s, CEV_CLOSE_DONE, session, (int)say);
    return CMD_OK;
}

/* ---- the service ---------------------------------------------------------------------- */

static bool bearer_up(const struct sim *s)
{
    return modem_registered(s) && s->modem.pdp[BEARER_CID].active;
}

/* AT+CCHSTART: OK, then +CCHSTART: 0 once the bearer is up, or the error;
 * a started service refuses a second start (findings §29). */
static DECLARE_HANDLER(cmd_cchstart)
{
    (void)a;
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_EXEC || s->cch.service != CCH_STOPPED)
        return CMD_ERROR;
    s->cch.service = CCH_STARTING;
    schedule(s, CEV_START_DONE, 0, 0);
    return CMD_OK;
}

/* AT+CCHSTOP: +CCHSTOP: 0, then OK, as a SIM7600E answers it (findings §29, C8). */
static DECLARE_HANDLER(cmd_cchstop)
{
    (void)a;
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_EXEC || !started(s))
        return CMD_ERROR;
    drop_all(s);                     /* the sessions go with the service, without a word each */
    s->cch.service = CCH_STOPPED;
    sim_info(s, "+CCHSTOP: %d", CCH_OK);
    return CMD_OK;
}

static void start_done(struct sim *s)
{
    if (s->cch.service != CCH_STARTING)
        return;
    bool up = bearer_up(s);
    s->cch.service = up ? CCH_STARTED : CCH_STOPPED;
    sim_urc(s, "+CCHSTART: %d", up ? CCH_OK : CCH_NONET);
}

void cch_event(struct sim *s, const struct sim_event *ev)
{
    switch ((enum cch_event)ev->code) {
    case CEV_START_DONE:
        start_done(s);
        break;
    case CEV_OPEN_RESULT:
        opened(s, ev->client, (enum sim_net_error)ev->arg);
        break;
    case CEV_CLOSE_DONE:
        if (s->cch.session[ev->client].state == CCH_CLOSING) {
            s->cch.session[ev->client].state = CCH_CLOSED;
            if ((enum cch_close_word)ev->arg == CCH_SAY_CLOSED)
                sim_urc(s, "CLOSED");    /* a transparent session's end (findings §29) */
            else
                sim_urc(s, "+CCHCLOSE: %d,%d", ev->client, CCH_OK);
        }
        break;
    }
}

/* ---- settings ------------------------------------------------------------------------- */

/* AT+CCHSET=<report_send_result>[,<recv_mode>] */
static DECLARE_HANDLER(cmd_cchset)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CCHSET: (0,1),(0,1)");
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CCHSET: %d,%d", s->cch.report_send ? 1 : 0, (int)s->cch.recv_mode);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count < 1 || a->count > 2 || !arg_number_in(&a->v[0], 0, 1) ||
        (a->count == 2 && !arg_number_in(&a->v[1], CCH_RECV_AUTO, CCH_RECV_MANUAL)))
        return CMD_ERROR;
    s->cch.report_send = a->v[0].number == 1;
    if (a->count == 2)
        s->cch.recv_mode = (enum cch_recv_mode)a->v[1].number;
    for (int i = 0; i < CCH_SESSIONS; i++)
        cch_tell_room(s, i);
    return CMD_OK;
}

/* AT+CCHMODE=<mode>: set while the service is stopped (findings §29). */
static DECLARE_HANDLER(cmd_cchmode)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CCHMODE: (0,1)");
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CCHMODE: %d", s->cch.mode);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count != 1 || !arg_number_in(&a->v[0], 0, 1) || s->cch.service != CCH_STOPPED)
        return CMD_ERROR;
    s->cch.mode = (int)a->v[0].number;
    return CMD_OK;
}

/* AT+CCHSSLCFG=<session_id>,<ssl_ctx_index>: before the session opens. */
static DECLARE_HANDLER(cmd_cchsslcfg)
{
    int session;
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "+CCHSSLCFG: (0-%d),(0-%d)", CCH_SESSIONS - 1, SSL_CONTEXTS - 1);
        return CMD_OK;
    }
    if (c->form != AT_FORM_WRITE || a->count != 2 || !cch_session_param(a, 0, &session) ||
        !arg_number_in(&a->v[1], 0, SSL_CONTEXTS - 1) || s->cch.session[session].state != CCH_CLOSED)
        return CMD_ERROR;
    s->cch.session[session].ctx = (int)a->v[1].number;
    return CMD_OK;
}

/* commands of cch_data.c */
DECLARE_HANDLER(cmd_cchsend);
DECLARE_HANDLER(cmd_cchrecv);

static const struct command commands[] = {
    {"+CCHSTART", cmd_cchstart, CMD_NEEDS_SIM},
    {"+CCHSTOP", cmd_cchstop, CMD_NEEDS_SIM},
    {"+CCHSET", cmd_cchset, CMD_NEEDS_SIM},
    {"+CCHMODE", cmd_cchmode, CMD_NEEDS_SIM},
    {"+CCHSSLCFG", cmd_cchsslcfg, CMD_NEEDS_SIM},
    {"+CCHOPEN", cmd_cchopen, CMD_NEEDS_SIM},
    {"+CCHSEND", cmd_cchsend, CMD_NEEDS_SIM},
    {"+CCHRECV", cmd_cchrecv, CMD_NEEDS_SIM},
    {"+CCHCLOSE", cmd_cchclose, CMD_NEEDS_SIM},
};

const struct command_family cch_commands = {commands, sizeof commands / sizeof commands[0]};

/* ---- the network's reports -------------------------------------------------------------- */

void cch_net_dispatch(struct sim *s, const struct sim_net_event *ev)
{
    int session = ev->link - CCH_LINK_BASE;
    if (session < 0 || session >= CCH_SESSIONS)
        return;
    switch (ev->kind) {
    case SIM_NET_OPENED:
        opened(s, session, ev->code);
        break;
    case SIM_NET_SENT:
        cch_sent(s, session, ev->len);
        break;
    case SIM_NET_RECEIVED:
        cch_received(s, session, ev->data, ev->len);
        break;
    case SIM_NET_CLOSED:
        if (s->cch.session[session].state == CCH_OPENING)
            opened(s, session, ev->code == SIM_NET_OK ? SIM_NET_PEER_CLOSED : ev->code);
        else if (s->cch.session[session].state == CCH_OPEN)
            cch_lost(s, session, ev->code);
        break;
    default:                         /* resolves and servers are the socket family's */
        break;
    }
}

/* ---- the control socket's view -------------------------------------------------------- */

void cch_state_json(const struct sim *s, struct strbuf *o)
{
    static const char *const services[] = {"stopped", "starting", "started"};
    static const char *const states[] = {"closed", "opening", "open", "closing"};
    int tm_link = link_of(TRANSPARENT_SESSION);
    sb_printf(o, ",\"ssl_sockets\":{\"service\":\"%s\",\"recv_mode\":%d,\"report_send\":%s,\"mode\":%d,"
                 "\"transparent\":\"%s\",\"transparent_lost\":%llu,\"sessions\":[",
              services[s->cch.service], (int)s->cch.recv_mode, s->cch.report_send ? "true" : "false", s->cch.mode,
              tcpip_transparent_state_name(s, tm_link),
              (unsigned long long)(tcpip_transparent_on(s, tm_link) ? s->tcpip.tm.tx_dropped : 0));
    for (int i = 0; i < CCH_SESSIONS; i++) {
        const struct cch_session *c = &s->cch.session[i];
        sb_printf(o, "%s{\"session\":%d,\"state\":\"%s\",\"tls\":%s,\"ctx\":%d,\"host\":", i ? "," : "", i,
                  states[c->state], c->type == CCH_CLIENT_TCP ? "false" : "true", c->ctx);
        sb_json_string(o, c->host, strlen(c->host));
        sb_printf(o, ",\"port\":%d,\"sent\":%llu,\"received\":%llu,\"buffered\":%zu,\"lost\":%llu,\"stalled\":%s}",
                  c->port, (unsigned long long)c->sent, (unsigned long long)c->received,
                  c->rx_len + tcpip_transparent_held(s, link_of(i)),
                  (unsigned long long)c->rx_lost, c->stalled ? "true" : "false");
    }
    sb_puts(o, "]}");
}
