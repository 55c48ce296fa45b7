/* The module's end of the PPP link (findings §30): LCP (RFC 1661) and IPCP
 * (RFC 1332, RFC 1877's DNS options) run one option-negotiation automaton,
 * each with its own options. The module asks for what a SIM7600 asks for
 * (LCP: ACCM 0, a magic number, PFC, ACFC, no authentication; IPCP: nothing)
 * and gives the host the PDP context's address and the network's resolvers
 * through Configure-Nak. Protocols it does not speak (IPv6CP, CCP, PAP, CHAP)
 * are Protocol-Rejected once LCP is up. */
#include "sim_internal.h"

#include <arpa/inet.h>
#include <string.h>

#define RESTART_US (3000u * 1000u)   /* RFC 1661 §4.6: the Restart timer's default, 3 s */
#define MAX_CONFIGURE 10              /* RFC 1661 §4.6 */
#define HEADER_LEN 4                  /* code, identifier, length (RFC 1661 §5) */
#define OPTION_HEADER 2               /* type, length */
#define OPTIONS_MAX 64                /* the module's own requests are a few options long */
#define MRU_MIN 128                   /* a smaller MRU is Nak'd with the default (a choice) */
#define MAGIC_LEN 4

enum ppp_code {
    CONF_REQ = 1, CONF_ACK, CONF_NAK, CONF_REJ, TERM_REQ, TERM_ACK, CODE_REJ, PROTO_REJ, ECHO_REQ, ECHO_REPLY,
    DISCARD_REQ,
};
enum lcp_option { LCP_MRU = 1, LCP_ACCM = 2, LCP_AUTH = 3, LCP_MAGIC = 5, LCP_PFC = 7, LCP_ACFC = 8 };
enum ipcp_option { IPCP_ADDRESS = 3, IPCP_DNS1 = 129, IPCP_DNS2 = 131 };

/* ---- bytes ------------------------------------------------------------------------- */

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static size_t put_option(uint8_t *p, uint8_t type, const uint8_t *value, size_t len)
{
    p[0] = type;
    p[1] = (uint8_t)(OPTION_HEADER + len);
    if (len)                              /* PFC and ACFC have no value (NULL) */
        memcpy(p + OPTION_HEADER, value, len);
    return OPTION_HEADER + len;
}

static size_t put_option32(uint8_t *p, uint8_t type, uint32_t v)
{
    uint8_t value[4];
    put32(value, v);
    return put_option(p, type, value, sizeof value);
}

/* The next well-formed option at *off; false at the end or at a malformed one. */
static bool next_option(const uint8_t *p, size_t n, size_t *off, uint8_t *type, const uint8_t **value,
                        size_t *len)
{
    if (*off + OPTION_HEADER > n || p[*off + 1] < OPTION_HEADER || *off + p[*off + 1] > n)
        return false;
    *type = p[*off];
    *value = p + *off + OPTION_HEADER;
    *len = (size_t)p[*off + 1] - OPTION_HEADER;
    *off += p[*off + 1];
    return true;
}

static bool options_well_formed(const uint8_t *p, size_t n)
{
    size_t off = 0, len;
    uint8_t type;
    const uint8_t *v;
    while (next_option(p, n, &off, &type, &v, &len))
        ;
    return off == n;
}

static uint32_t ipv4(const char *text)
{
    struct in_addr a;
    return inet_pton(AF_INET, text, &a) == 1 ? ntohl(a.s_addr) : 0;
}

/* A magic number: from the clock, never 0 and never `avoid` (RFC 1661 §6.4). */
static uint32_t new_magic(const struct sim *s, uint32_t avoid)
{
    uint32_t m = (uint32_t)(s->now_us * 2654435761u) ^ (uint32_t)(s->now_us >> 32);
    if (m == 0 || m == avoid)
        m = ~avoid ? ~avoid : 1;
    return m;
}

/* ---- sending ----------------------------------------------------------------------- */

/* LCP always goes with the defaults (RFC 1662 §7.2); the rest as the host's request allowed. */
static struct ppp_tx_options tx_options(const struct sim *s, uint16_t protocol)
{
    const struct ppp_state *p = &s->ppp;
    if (protocol == PPP_PROTO_LCP || p->lcp.state != FSM_OPENED)
        return (struct ppp_tx_options){PPP_ACCM_DEFAULT, false, false};
    return (struct ppp_tx_options){p->peer.accm, p->peer.acfc, p->peer.pfc};
}

static void send_packet(struct sim *s, uint16_t protocol, uint8_t code, uint8_t id, const uint8_t *data, size_t n)
{
    uint8_t pkt[PPP_MRU_DEFAULT];
    if (n > sizeof pkt - HEADER_LEN)
        n = sizeof pkt - HEADER_LEN;      /* a reject quotes at most what fits the MRU */
    pkt[0] = code;
    pkt[1] = id;
    put16(pkt + 2, (uint16_t)(n + HEADER_LEN));
    if (n)                                /* Terminate-Request and -Ack carry nothing (NULL) */
        memcpy(pkt + HEADER_LEN, data, n);
    struct ppp_tx_options o = tx_options(s, protocol);
    uint8_t out[PPP_ENCODED_MAX];
    size_t len = ppp_frame_encode(&o, protocol, pkt, n + HEADER_LEN, out);
    sim_raw(s, out, len);
    s->ppp.stats.frames_out++;
}

/* ---- one automaton, two protocols --------------------------------------------------- */

/* A protocol's part of the automaton; the callbacks after option may be NULL. */
struct fsm_proto {
    uint16_t protocol;
    struct ppp_fsm *(*fsm)(struct sim *s);
    size_t (*request)(struct sim *s, uint8_t *opts);       /* the module's Configure-Request */
    /* One option of the host's request: CONF_ACK, CONF_REJ, or CONF_NAK with the value wanted in nak. */
    uint8_t (*option)(struct sim *s, uint8_t type, const uint8_t *v, size_t len, uint8_t *nak);
    void (*acked)(struct sim *s, const uint8_t *opts, size_t n);   /* the host's request, acknowledged */
    void (*refused)(struct sim *s, uint8_t code, uint8_t type, const uint8_t *v, size_t len);
    void (*up)(struct sim *s);
    void (*down)(struct sim *s);
    void (*finished)(struct sim *s);
};

static void send_request(struct sim *s, const struct fsm_proto *pr)
{
    struct ppp_fsm *f = pr->fsm(s);
    uint8_t opts[OPTIONS_MAX] = {0};
    size_t n = pr->request(s, opts);
    f->req_id = f->next_id++;
    send_packet(s, pr->protocol, CONF_REQ, f->req_id, opts, n);
    f->timer_us = s->now_us + RESTART_US;
}

/* This-Layer-Down, when the layer was up. */
static void layer_down(struct sim *s, const struct fsm_proto *pr)
{
    if (pr->fsm(s)->state == FSM_OPENED && pr->down)
        pr->down(s);
}

static void fsm_open(struct sim *s, const struct fsm_proto *pr)
{
    struct ppp_fsm *f = pr->fsm(s);
    f->restarts = MAX_CONFIGURE;
    f->state = FSM_REQ_SENT;
    send_request(s, pr);
}

static void fsm_opened(struct sim *s, const struct fsm_proto *pr)
{
    struct ppp_fsm *f = pr->fsm(s);
    f->state = FSM_OPENED;
    f->timer_us = 0;
    if (pr->up)
        pr->up(s);
}

/* The peer ended it, or stopped answering: This-Layer-Finished. */
static void fsm_stopped(struct sim *s, const struct fsm_proto *pr)
{
    struct ppp_fsm *f = pr->fsm(s);
    layer_down(s, pr);
    f->state = FSM_STOPPED;
    f->timer_us = 0;
    if (pr->finished)
        pr->finished(s);
}

/* Each option of the host's request judged: rejects first, then naks, then the ack (RFC 1661 §5.2-5.4). */
static uint8_t judge_request(struct sim *s, const struct fsm_proto *pr, const uint8_t *opts, size_t n,
                             uint8_t *reply, size_t *reply_len)
{
    uint8_t rej[PPP_MRU_DEFAULT], nak[PPP_MRU_DEFAULT];
    size_t nrej = 0, nnak = 0, off = 0, len;
    uint8_t type;
    const uint8_t *v;
    while (next_option(opts, n, &off, &type, &v, &len)) {
        uint8_t wanted[OPTIONS_MAX];
        uint8_t verdict = len <= sizeof wanted ? pr->option(s, type, v, len, wanted) : CONF_REJ;
        if (verdict == CONF_REJ)
            nrej += put_option(rej + nrej, type, v, len);
        else if (verdict == CONF_NAK)
            nnak += put_option(nak + nnak, type, wanted, len);
    }
    uint8_t code = nrej ? CONF_REJ : nnak ? CONF_NAK : CONF_ACK;
    *reply_len = nrej ? nrej : nnak;
    memcpy(reply, nrej ? rej : nak, *reply_len);
    s->ppp.stats.rejects_sent += code == CONF_REJ;
    s->ppp.stats.naks_sent += code == CONF_NAK;
    return code;
}

static void receive_request(struct sim *s, const struct fsm_proto *pr, uint8_t id, const uint8_t *opts, size_t n)
{
    struct ppp_fsm *f = pr->fsm(s);
    if (f->state == FSM_INITIAL || !options_well_formed(opts, n))
        return;
    if (f->state == FSM_OPENED || f->state == FSM_STOPPED) {   /* the host starts over: so does the module */
        layer_down(s, pr);
        f->restarts = MAX_CONFIGURE;
        f->state = FSM_REQ_SENT;
        send_request(s, pr);
    }
    uint8_t reply[PPP_MRU_DEFAULT];
    size_t rn;
    uint8_t code = judge_request(s, pr, opts, n, reply, &rn);
    send_packet(s, pr->protocol, code, id, code == CONF_ACK ? opts : reply, code == CONF_ACK ? n : rn);
    if (code != CONF_ACK) {
        if (f->state == FSM_ACK_SENT)
            f->state = FSM_REQ_SENT;
        return;
    }
    if (pr->acked)
        pr->acked(s, opts, n);
    if (f->state == FSM_ACK_RCVD)
        fsm_opened(s, pr);
    else
        f->state = FSM_ACK_SENT;
}

static void receive_ack(struct sim *s, const struct fsm_proto *pr, uint8_t id)
{
    struct ppp_fsm *f = pr->fsm(s);
    if (id != f->req_id)
        return;                           /* not an answer to the request in force (RFC 1661 §5.2) */
    switch (f->state) {
    case FSM_REQ_SENT:
        f->state = FSM_ACK_RCVD;
        f->restarts = MAX_CONFIGURE;
        break;
    case FSM_ACK_SENT:
        fsm_opened(s, pr);
        break;
    case FSM_ACK_RCVD:                    /* a second Ack: start over (crossed connection) */
    case FSM_OPENED:
        layer_down(s, pr);
        f->state = FSM_REQ_SENT;
        send_request(s, pr);
        break;
    case FSM_INITIAL:
    case FSM_STOPPED:
        break;
    }
}

/* Configure-Nak or -Reject of the module's request: it asks again without or with what the host wants. */
static void receive_nak(struct sim *s, const struct fsm_proto *pr, uint8_t code, uint8_t id, const uint8_t *opts,
                        size_t n)
{
    struct ppp_fsm *f = pr->fsm(s);
    if (id != f->req_id || f->state == FSM_INITIAL || f->state == FSM_STOPPED)
        return;
    size_t off = 0, len;
    uint8_t type;
    const uint8_t *v;
    while (pr->refused && next_option(opts, n, &off, &type, &v, &len))
        pr->refused(s, code, type, v, len);
    layer_down(s, pr);
    if (f->state != FSM_ACK_SENT)
        f->state = FSM_REQ_SENT;
    f->restarts = MAX_CONFIGURE;
    send_request(s, pr);
}

static void receive_terminate(struct sim *s, const struct fsm_proto *pr, uint8_t id)
{
    struct ppp_fsm *f = pr->fsm(s);
    if (f->state == FSM_INITIAL)
        return;
    send_packet(s, pr->protocol, TERM_ACK, id, NULL, 0);
    fsm_stopped(s, pr);
}

static void fsm_timeout(struct sim *s, const struct fsm_proto *pr)
{
    struct ppp_fsm *f = pr->fsm(s);
    if (f->restarts-- <= 0) {
        fsm_stopped(s, pr);               /* TO-: the host never answered */
        return;
    }
    if (f->state == FSM_ACK_RCVD)
        f->state = FSM_REQ_SENT;
    send_request(s, pr);
}

/* ---- LCP --------------------------------------------------------------------------- */

static const struct fsm_proto lcp_proto, ipcp_proto;

static struct ppp_fsm *lcp_fsm(struct sim *s) { return &s->ppp.lcp; }
static struct ppp_fsm *ipcp_fsm(struct sim *s) { return &s->ppp.ipcp; }

static size_t lcp_request(struct sim *s, uint8_t *o)
{
    const struct ppp_lcp_want *w = &s->ppp.want;
    size_t n = 0;
    if (w->accm)
        n += put_option32(o + n, LCP_ACCM, w->accm_value);
    if (w->magic)
        n += put_option32(o + n, LCP_MAGIC, w->magic_value);
    if (w->pfc)
        n += put_option(o + n, LCP_PFC, NULL, 0);
    if (w->acfc)
        n += put_option(o + n, LCP_ACFC, NULL, 0);
    return n;
}

static uint8_t lcp_option(struct sim *s, uint8_t type, const uint8_t *v, size_t len, uint8_t *nak)
{
    switch (type) {
    case LCP_MRU:
        if (len != 2)
            return CONF_REJ;
        if (get16(v) >= MRU_MIN)
            return CONF_ACK;
        put16(nak, PPP_MRU_DEFAULT);
        return CONF_NAK;
    case LCP_ACCM:
        return len == 4 ? CONF_ACK : CONF_REJ;
    case LCP_MAGIC: {
        if (len != MAGIC_LEN)
            return CONF_REJ;
        uint32_t m = get32(v);
        if (m != 0 && !(s->ppp.want.magic && m == s->ppp.want.magic_value))
            return CONF_ACK;
        put32(nak, new_magic(s, s->ppp.want.magic_value));   /* ours came back: a looped-back line */
        return CONF_NAK;
    }
    case LCP_PFC:
    case LCP_ACFC:
        return len == 0 ? CONF_ACK : CONF_REJ;
    default:
        return CONF_REJ;   /* LCP_AUTH too: the module authenticates itself to nobody (findings §30) */
    }
}

static void lcp_acked(struct sim *s, const uint8_t *opts, size_t n)
{
    struct ppp_lcp_peer *p = &s->ppp.peer_pending;
    *p = (struct ppp_lcp_peer){PPP_MRU_DEFAULT, PPP_ACCM_DEFAULT, false, false};
    size_t off = 0, len;
    uint8_t type;
    const uint8_t *v;
    while (next_option(opts, n, &off, &type, &v, &len)) {
        if (type == LCP_MRU)
            p->mru = get16(v);
        else if (type == LCP_ACCM)
            p->accm = get32(v);
        else if (type == LCP_PFC)
            p->pfc = true;
        else if (type == LCP_ACFC)
            p->acfc = true;
    }
}

static void lcp_refused(struct sim *s, uint8_t code, uint8_t type, const uint8_t *v, size_t len)
{
    struct ppp_lcp_want *w = &s->ppp.want;
    bool nak = code == CONF_NAK;
    if (type == LCP_ACCM && nak && len == 4)
        w->accm_value = get32(v);
    else if (type == LCP_MAGIC && nak)
        w->magic_value = new_magic(s, w->magic_value);
    else if (type == LCP_ACCM)
        w->accm = false;
    else if (type == LCP_MAGIC)
        w->magic = false;
    else if (type == LCP_PFC)
        w->pfc = false;
    else if (type == LCP_ACFC)
        w->acfc = false;
}

/* No authentication phase (the module asks for none): the network phase starts at once. */
static void lcp_up(struct sim *s)
{
    struct ppp_state *p = &s->ppp;
    p->peer = p->peer_pending;
    p->rx.accm = p->want.accm ? p->want.accm_value : PPP_ACCM_DEFAULT;
    fsm_open(s, &ipcp_proto);
}

static void lcp_down(struct sim *s)
{
    struct ppp_state *p = &s->ppp;
    layer_down(s, &ipcp_proto);
    p->ipcp = (struct ppp_fsm){.next_id = p->ipcp.next_id};
    p->rx.accm = PPP_ACCM_DEFAULT;
}

static void lcp_finished(struct sim *s) { ppp_end(s); }

static const struct fsm_proto lcp_proto = {
    PPP_PROTO_LCP, lcp_fsm, lcp_request, lcp_option, lcp_acked, lcp_refused, lcp_up, lcp_down, lcp_finished,
};

/* ---- IPCP -------------------------------------------------------------------------- */

/* The module's request names nothing: a SIM7600 sends an empty one (findings §30). */
static size_t ipcp_request(struct sim *s, uint8_t *o)
{
    (void)s;
    (void)o;
    return 0;
}

static uint8_t ipcp_address(const char *want, const uint8_t *v, size_t len, uint8_t *nak)
{
    if (len != 4)
        return CONF_REJ;
    uint32_t a = ipv4(want);
    if (get32(v) == a)
        return CONF_ACK;
    put32(nak, a);
    return CONF_NAK;
}

static uint8_t ipcp_option(struct sim *s, uint8_t type, const uint8_t *v, size_t len, uint8_t *nak)
{
    char address[PDP_ADDRESS_LEN];
    switch (type) {
    case IPCP_ADDRESS:   /* the dialled context's, as AT+CGPADDR=<cid> shows it */
        modem_packet_address(s->ppp.cid, address, sizeof address);
        return ipcp_address(address, v, len, nak);
    case IPCP_DNS1:
        return ipcp_address(PPP_DNS_PRIMARY, v, len, nak);
    case IPCP_DNS2:
        return ipcp_address(PPP_DNS_SECONDARY, v, len, nak);
    default:
        return CONF_REJ;   /* VJ compression, the NBNS servers, the old IP-Addresses option */
    }
}

/* Nothing to keep of the host's request (it asked for what it was given) or
 * to change in the module's (it names nothing); up or down, state shows it. */
static const struct fsm_proto ipcp_proto = {
    PPP_PROTO_IPCP, ipcp_fsm, ipcp_request, ipcp_option, NULL, NULL, NULL, NULL, NULL,
};

/* ---- packets in --------------------------------------------------------------------- */

static void code_reject(struct sim *s, const struct fsm_proto *pr, const uint8_t *pkt, size_t n)
{
    struct ppp_fsm *f = pr->fsm(s);
    send_packet(s, pr->protocol, CODE_REJ, f->next_id++, pkt, n);
}

/* LCP's own codes beyond configuration (RFC 1661 §5.5-5.8). */
static bool lcp_extra(struct sim *s, uint8_t code, uint8_t id, const uint8_t *d, size_t n)
{
    struct ppp_state *p = &s->ppp;
    switch (code) {
    case ECHO_REQ:
        if (p->lcp.state == FSM_OPENED && n >= MAGIC_LEN) {
            uint8_t reply[PPP_MRU_DEFAULT];
            put32(reply, p->want.magic ? p->want.magic_value : 0);
            memcpy(reply + MAGIC_LEN, d + MAGIC_LEN, n - MAGIC_LEN);
            send_packet(s, PPP_PROTO_LCP, ECHO_REPLY, id, reply, n);
            p->stats.echoes++;
        }
        return true;
    case PROTO_REJ:
        if (n >= 2 && get16(d) == PPP_PROTO_IPCP && p->ipcp.state != FSM_INITIAL) {
            p->ipcp.state = FSM_STOPPED;  /* the host speaks no IPCP: the link stays, with no network layer */
            p->ipcp.timer_us = 0;
        }
        return true;
    case ECHO_REPLY:
    case DISCARD_REQ:
    case CODE_REJ:
        return true;
    default:
        return false;
    }
}

static void control_packet(struct sim *s, const struct fsm_proto *pr, const struct ppp_packet *pk)
{
    if (pk->len < HEADER_LEN || get16(pk->info + 2) < HEADER_LEN || get16(pk->info + 2) > pk->len) {
        s->ppp.stats.bad_frames++;        /* RFC 1661 §5: a bad length is silently discarded */
        return;
    }
    uint8_t code = pk->info[0], id = pk->info[1];
    size_t len = get16(pk->info + 2);     /* bytes past it are padding */
    const uint8_t *d = pk->info + HEADER_LEN;
    size_t n = len - HEADER_LEN;
    switch (code) {
    case CONF_REQ: receive_request(s, pr, id, d, n); return;
    case CONF_ACK: receive_ack(s, pr, id); return;
    case CONF_NAK:
    case CONF_REJ: receive_nak(s, pr, code, id, d, n); return;
    case TERM_REQ: receive_terminate(s, pr, id); return;
    case TERM_ACK: return;                /* the module never sends a Terminate-Request it waits for */
    default:
        break;
    }
    if (pr->protocol == PPP_PROTO_LCP ? !lcp_extra(s, code, id, d, n) : code != CODE_REJ)
        code_reject(s, pr, pk->info, len);
}

static void protocol_reject(struct sim *s, const struct ppp_packet *pk)
{
    uint8_t d[PPP_MRU_DEFAULT];
    size_t n = pk->len < sizeof d - 2 ? pk->len : sizeof d - 2;
    put16(d, pk->protocol);
    memcpy(d + 2, pk->info, n);
    send_packet(s, PPP_PROTO_LCP, PROTO_REJ, s->ppp.lcp.next_id++, d, n + 2);
    s->ppp.stats.protocol_rejects++;
}

void ppp_link_packet(struct sim *s, const struct ppp_packet *pk)
{
    bool lcp_up_now = s->ppp.lcp.state == FSM_OPENED;
    switch (pk->protocol) {
    case PPP_PROTO_LCP:
        control_packet(s, &lcp_proto, pk);
        return;
    case PPP_PROTO_IPCP:
        if (lcp_up_now)                   /* before the network phase it is silently discarded (RFC 1661 §3.4) */
            control_packet(s, &ipcp_proto, pk);
        return;
    case PPP_PROTO_IP:
        s->ppp.stats.ip_in++;             /* no IP stack behind the link yet: counted, dropped */
        s->ppp.stats.ip_dropped++;
        return;
    default:
        if (lcp_up_now)                   /* IPv6CP, CCP, PAP, CHAP ...: not spoken here */
            protocol_reject(s, pk);
        return;
    }
}

/* ---- the call ------------------------------------------------------------------------ */

void ppp_link_start(struct sim *s)
{
    struct ppp_state *p = &s->ppp;
    p->lcp = (struct ppp_fsm){0};
    p->ipcp = (struct ppp_fsm){0};
    p->want = (struct ppp_lcp_want){true, true, true, true, 0, new_magic(s, 0)};
    p->peer = p->peer_pending = (struct ppp_lcp_peer){PPP_MRU_DEFAULT, PPP_ACCM_DEFAULT, false, false};
    p->rx.accm = PPP_ACCM_DEFAULT;
    ppp_deframer_reset(&p->rx);
    fsm_open(s, &lcp_proto);
}

/* The network went: the host is told by a Terminate-Request that nobody waits to see acknowledged. */
void ppp_link_terminate(struct sim *s)
{
    struct ppp_fsm *f = &s->ppp.lcp;
    if (f->state != FSM_INITIAL && f->state != FSM_STOPPED)
        send_packet(s, PPP_PROTO_LCP, TERM_REQ, f->next_id++, NULL, 0);
}

void ppp_link_timers(struct sim *s)
{
    static const struct fsm_proto *const protos[] = {&lcp_proto, &ipcp_proto};
    for (size_t i = 0; i < sizeof protos / sizeof protos[0] && s->ppp.mode == PPP_DATA; i++) {
        struct ppp_fsm *f = protos[i]->fsm(s);
        if (f->timer_us && s->now_us >= f->timer_us)
            fsm_timeout(s, protos[i]);
    }
}

uint64_t ppp_link_deadline(const struct sim *s)
{
    uint64_t t = UINT64_MAX;
    if (s->ppp.lcp.timer_us && s->ppp.lcp.timer_us < t)
        t = s->ppp.lcp.timer_us;
    if (s->ppp.ipcp.timer_us && s->ppp.ipcp.timer_us < t)
        t = s->ppp.ipcp.timer_us;
    return t;
}

const char *ppp_fsm_state_str(enum ppp_fsm_state st)
{
    static const char *const names[] = {"initial", "req-sent", "ack-rcvd", "ack-sent", "opened", "stopped"};
    return names[st];
}
