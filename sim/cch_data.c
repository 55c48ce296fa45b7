/* The bytes of the SSL sessions: AT+CCHSEND and its '>' data, what arrives
 * (pushed as +CCHRECV: DATA in the automatic receive mode, cached and told by
 * +CCHEVENT in the manual one), AT+CCHRECV, and the room each session gives
 * the network so a fast peer waits. Findings §29. */
#include "sim_internal.h"

#include <string.h>

static const struct sim_net_ops *net(const struct sim *s)
{
    return s->tcpip.ops;
}

void cch_session_reset(struct cch_session *c)
{
    struct cch_session keep = *c;    /* the world's fault, the context and the counters stay */
    memset(c, 0, sizeof *c);
    c->stalled = keep.stalled;
    c->ctx = keep.ctx;
    c->sent = keep.sent;
    c->received = keep.received;
    c->rx_lost = keep.rx_lost;
}

/* ---- room ---------------------------------------------------------------------------- */

/* A transparent session what transparent mode takes; a stalled one nothing;
 * a cached one what its cache has left; a pushed one a cache less what the
 * UART has not sent yet. */
static size_t rx_room(const struct sim *s, int session)
{
    const struct cch_session *c = &s->cch.session[session];
    if (tcpip_transparent_on(s, CCH_LINK_BASE + session))
        return tcpip_transparent_room(s);
    if (c->stalled)
        return 0;
    if (s->cch.recv_mode == CCH_RECV_MANUAL)
        return CCH_RX_BUFFER - c->rx_len;
    return s->out.len < CCH_RX_BUFFER ? CCH_RX_BUFFER - s->out.len : 0;
}

void cch_tell_room(struct sim *s, int session)
{
    struct cch_session *c = &s->cch.session[session];
    if (!net(s) || c->state != CCH_OPEN)
        return;
    c->room_told = rx_room(s, session);
    net(s)->receive_room(s->tcpip.ops_ctx, CCH_LINK_BASE + session, c->room_told);
}

void cch_output_drained(struct sim *s)
{
    for (int i = 0; i < CCH_SESSIONS; i++) {
        const struct cch_session *c = &s->cch.session[i];
        if (c->state == CCH_OPEN && rx_room(s, i) > c->room_told)
            cch_tell_room(s, i);
    }
}

/* ---- receiving ------------------------------------------------------------------------ */

static void cache(struct sim *s, int session, const uint8_t *data, size_t len)
{
    struct cch_session *c = &s->cch.session[session];
    size_t room = CCH_RX_BUFFER - c->rx_len;
    size_t n = len < room ? len : room;    /* the network reads no more than the room it was given */
    memcpy(c->rx + c->rx_len, data, n);
    c->rx_len += n;
    c->rx_lost += len - n;
    if (!c->rx_told) {
        c->rx_told = true;
        sim_urc(s, "+CCHEVENT: %d,RECV EVENT", session);
    }
}

void cch_received(struct sim *s, int session, const uint8_t *data, size_t len)
{
    struct cch_session *c = &s->cch.session[session];
    if (c->state != CCH_OPEN || len == 0)
        return;
    c->received += len;
    if (tcpip_transparent_on(s, CCH_LINK_BASE + session)) {
        c->rx_lost += tcpip_transparent_received(s, data, len);   /* AT+CCHSET's modes do not apply (§29) */
    } else if (s->cch.recv_mode == CCH_RECV_MANUAL) {
        cache(s, session, data, len);
    } else {
        sim_urc(s, "+CCHRECV: DATA,%d,%zu", session, len);
        sim_raw(s, data, len);
    }
    cch_tell_room(s, session);
}

/* AT+CCHRECV=<session_id>[,<max_recv_len>]: what is cached (0: as much as
 * one read takes), then +CCHRECV: <session_id>,0 (findings §29). */
static enum cmd_result recv_read(struct sim *s, const struct at_args *a)
{
    int session;
    if (a->count < 1 || a->count > 2 || !cch_session_param(a, 0, &session) ||
        (a->count == 2 && !arg_number_in(&a->v[1], 0, CCH_READ_MAX)))
        return CMD_ERROR;
    size_t max = a->count == 2 && a->v[1].number > 0 ? (size_t)a->v[1].number : CCH_READ_MAX;
    struct cch_session *c = &s->cch.session[session];
    if (s->cch.service != CCH_STARTED || s->cch.recv_mode != CCH_RECV_MANUAL)
        return CMD_ERROR;
    size_t n = c->rx_len < max ? c->rx_len : max;
    if (n > 0) {
        sim_info(s, "+CCHRECV: DATA,%d,%zu", session, n);
        sim_info_bytes(s, c->rx, n);
        memmove(c->rx, c->rx + n, c->rx_len - n);
        c->rx_len -= n;
    }
    c->rx_told = false;              /* what arrives next is told again */
    sim_info(s, "+CCHRECV: %d,%d", session, CCH_OK);
    cch_tell_room(s, session);
    return CMD_OK;
}

DECLARE_HANDLER(cmd_cchrecv);
DECLARE_HANDLER(cmd_cchrecv)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CCHRECV: (0-%d),(0-%d)", CCH_SESSIONS - 1, CCH_READ_MAX);
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CCHRECV: LEN,%zu,%zu", s->cch.session[0].rx_len, s->cch.session[1].rx_len);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    return recv_read(s, a);
}

/* ---- sending ------------------------------------------------------------------------------ */

static void hand_to_network(struct sim *s, int session)
{
    struct cch_session *c = &s->cch.session[session];
    c->send_held = false;
    net(s)->send(s->tcpip.ops_ctx, CCH_LINK_BASE + session, c->pending, c->pending_len, NULL, 0);
}

/* +CCHSEND: <session_id>,<err> once the network took the bytes, when AT+CCHSET asked for it. */
void cch_sent(struct sim *s, int session, size_t len)
{
    struct cch_session *c = &s->cch.session[session];
    if (tcpip_transparent_on(s, CCH_LINK_BASE + session)) {
        c->sent += len;              /* transparent data is counted as the network takes it */
        return;
    }
    if (!c->send_waiting)
        return;
    c->send_waiting = false;
    c->sent += len;
    if (s->cch.report_send)
        sim_urc(s, "+CCHSEND: %d,%d", session, len == c->pending_len ? CCH_OK : CCH_TRANSFER_FAILED);
    c->pending_len = 0;
}

/* AT+CCHSEND=<session_id>,<len>: exactly len bytes after '>'. */
DECLARE_HANDLER(cmd_cchsend);
DECLARE_HANDLER(cmd_cchsend)
{
    int session;
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "+CCHSEND: (0-%d),(1-%d)", CCH_SESSIONS - 1, CCH_SEND_MAX);
        return CMD_OK;
    }
    if (c->form != AT_FORM_WRITE || a->count != 2 || !cch_session_param(a, 0, &session) ||
        !arg_number_in(&a->v[1], 1, CCH_SEND_MAX))
        return CMD_ERROR;
    const struct cch_session *cs = &s->cch.session[session];
    if (cs->state != CCH_OPEN || cs->send_waiting || tcpip_transparent_on(s, CCH_LINK_BASE + session))
        return CMD_ERROR;           /* an escaped transparent session sends by ATO (findings §29) */
    s->data.target = DATA_CCHSEND;
    s->data.client = session;
    s->data.variable = false;
    s->data.want = (size_t)a->v[1].number;
    s->data.got = 0;
    s->data.deadline_us = s->now_us + (uint64_t)s->cfg.data_timeout_ms * 1000u;
    s->mode = INPUT_DATA;
    sim_prompt(s);
    return CMD_PROMPT;
}

void cch_data_complete(struct sim *s)
{
    int session = s->data.client;
    struct cch_session *c = &s->cch.session[session];
    if (c->state != CCH_OPEN) {      /* the peer or the network went during the data */
        sim_final(s, V250_ERROR);
        return;
    }
    memcpy(c->pending, s->data.buf, s->data.want);
    c->pending_len = s->data.want;
    sim_final(s, V250_OK);
    c->send_waiting = c->send_held = true;
    if (!c->stalled)
        hand_to_network(s, session);
}

void cch_set_stall(struct sim *s, int session, bool on)
{
    struct cch_session *c = &s->cch.session[session];
    if (on && !c->stalled && c->state == CCH_OPEN)
        s->tcpip.faults.took_effect[TFAULT_STALL]++;
    c->stalled = on;
    if (!on && c->state == CCH_OPEN && c->send_held && net(s))
        hand_to_network(s, session);
    tcpip_transparent_stall(s, CCH_LINK_BASE + session, on);
    cch_tell_room(s, session);
}
