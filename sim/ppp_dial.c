/* PPP data mode (issue 14; findings §30): ATD*99# and AT+CGDATA="PPP" open a
 * call on a PDP context and answer CONNECT; the host's bytes are then PPP
 * frames for the module's PPP peer (ppp_link.c), until the host terminates
 * LCP, escapes with "+++" between guard times and hangs up (ATH), or the
 * network drops the context: NO CARRIER each time. ATO resumes an escaped call. */
#include "sim_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BAUD 115200           /* CONNECT's text when the wire is unpaced */
#define PPP_DEFAULT_CID 1             /* the dial string names none: the LTE default bearer */
#define GPRS_SERVICE_CODE "*99"       /* 27.007 §10.2.1.1: request packet domain service */
#define DIAL_MAX 64
#define DIAL_FIELDS 3                 /* *<called_address>*<L2P>*<cid> */

/* ---- into and out of data mode ------------------------------------------------------- */

static void say_connect(struct sim *s)
{
    uint32_t baud = s->cfg.baud ? s->cfg.baud : DEFAULT_BAUD;
    s->response_open = false;
    if (!s->modem.verbose)
        sim_final(s, V250_CONNECT);
    else if (!s->modem.quiet)
        sim_urc(s, "CONNECT %u", (unsigned)baud);   /* "CONNECT 115200", as a SIM7600 says it (findings §30) */
}

static void enter_data(struct sim *s)
{
    struct ppp_state *p = &s->ppp;
    p->mode = PPP_DATA;
    escape_guard_start(&p->esc, s->now_us);
    s->mode = INPUT_PPP;
    say_connect(s);
}

void ppp_end(struct sim *s)
{
    if (s->ppp.mode == PPP_OFF)
        return;
    if (s->mode == INPUT_PPP)
        s->mode = INPUT_COMMAND;
    struct ppp_stats keep = s->ppp.stats;
    memset(&s->ppp, 0, sizeof s->ppp);
    s->ppp.stats = keep;
    s->line_len = 0;
    s->after_cr = false;
    sim_final(s, V250_NO_CARRIER);
}

void ppp_power_on(struct sim *s)
{
    memset(&s->ppp, 0, sizeof s->ppp);
}

bool ppp_resume(struct sim *s)
{
    if (s->ppp.mode != PPP_ESCAPED)
        return false;
    enter_data(s);
    return true;
}

/* The context under the call went down (AT+CGACT=0, AT+CGATT=0, the network, the SIM). */
void ppp_context_lost(struct sim *s, int cid)
{
    if (s->ppp.mode == PPP_OFF || (cid != 0 && cid != s->ppp.cid))
        return;
    if (s->ppp.mode == PPP_DATA)
        ppp_link_terminate(s);
    ppp_end(s);
}

/* ---- the host's bytes in data mode ----------------------------------------------------- */

static void frame_byte(struct sim *s, uint8_t b)
{
    struct ppp_state *p = &s->ppp;
    struct ppp_packet pk;
    switch (ppp_deframer_byte(&p->rx, b)) {
    case PPP_RX_NONE:
        return;
    case PPP_RX_FRAME:
        p->stats.frames_in++;
        if (ppp_deframer_packet(&p->rx, &pk))
            ppp_link_packet(s, &pk);
        else
            p->stats.bad_frames++;
        return;
    case PPP_RX_BAD_FCS:
        p->stats.bad_fcs++;               /* dropped; the host's PPP retransmits (RFC 1662 §4.3) */
        return;
    case PPP_RX_TOO_LONG:
    case PPP_RX_RUNT:
        p->stats.bad_frames++;
        return;
    }
}

/* A '+' that may be part of the escape is held (escape_guard.h); anything
 * else releases the held ones as data. */
void ppp_input_byte(struct sim *s, uint8_t b)
{
    int release;
    if (escape_guard_hold(&s->ppp.esc, b, s->now_us, sim_delay_us(s, DELAY_ESCAPE_GUARD), &release))
        return;
    for (; release > 0; release--)
        frame_byte(s, ESCAPE_GUARD_CHAR);
    frame_byte(s, b);
}

static uint64_t escape_deadline(const struct sim *s)
{
    return escape_guard_deadline(&s->ppp.esc, sim_delay_us(s, DELAY_ESCAPE_GUARD));
}

uint64_t ppp_deadline(const struct sim *s)
{
    if (s->ppp.mode != PPP_DATA)
        return UINT64_MAX;   /* escaped: the link's timers wait for ATO, the host reads commands now */
    uint64_t t = escape_deadline(s), link = ppp_link_deadline(s);
    return link < t ? link : t;
}

/* "+++" and a guard time of silence: command mode, the call stays up. */
void ppp_tick(struct sim *s)
{
    if (s->ppp.mode != PPP_DATA)
        return;
    if (s->mode == INPUT_COMMAND)
        s->mode = INPUT_PPP;              /* a hang (control `silent`) reset the input: the call outlives it */
    if (s->now_us >= escape_deadline(s)) {
        s->ppp.mode = PPP_ESCAPED;
        escape_guard_start(&s->ppp.esc, s->now_us);   /* nothing held now */
        s->mode = INPUT_COMMAND;
        s->line_len = 0;
        sim_final(s, V250_OK);
        return;
    }
    ppp_link_timers(s);
}

/* ---- the commands ------------------------------------------------------------------------ */

/* ATD*99#, ATD*99##, ATD*99***<cid>#, ATD*99*<addr>*<L2P>*<cid># (27.007 §10.2.1.1):
 * the cid, or -1 for any other dial string (voice and circuit data are not modelled). */
static int packet_dial_cid(const char *d, size_t n)
{
    char buf[DIAL_MAX + 1];
    size_t k = 0;
    for (size_t i = 0; i < n && k < DIAL_MAX; i++)
        if (d[i] != ' ')
            buf[k++] = (char)toupper((unsigned char)d[i]);
    buf[k] = '\0';
    size_t sc = strlen(GPRS_SERVICE_CODE);
    if (strncmp(buf, GPRS_SERVICE_CODE, sc) != 0)
        return -1;
    const char *field[DIAL_FIELDS] = {"", "", ""};
    char *p = buf + sc;
    for (int f = 0; f < DIAL_FIELDS && *p == '*'; f++) {
        *p++ = '\0';
        field[f] = p;
        p += strcspn(p, "*#");
    }
    /* one '#' ends it; esp_modem's "*99##" has a second one, which modules take (findings §30) */
    if (*p != '#' || !(p[1] == '\0' || (p[1] == '#' && p[2] == '\0')))
        return -1;
    *p = '\0';
    if (*field[1] && strcmp(field[1], "PPP") != 0 && strcmp(field[1], "1") != 0)
        return -1;                        /* a layer 2 protocol other than PPP */
    if (!*field[2])
        return PPP_DEFAULT_CID;
    char *end;
    long cid = strtol(field[2], &end, 10);
    return *end == '\0' && cid >= 1 && cid <= PDP_CID_MAX ? (int)cid : -1;
}

/* The call on a context: it comes up (attaching first) if the network lets it. */
static enum cmd_result ppp_call(struct sim *s, int cid)
{
    if (s->ppp.mode != PPP_OFF || tcpip_transparent(s))
        return CMD_ERROR;                 /* a data call is up already */
    if (!s->modem.pdp[cid].defined)
        return sim_cme(s, CME_NOT_ALLOWED);   /* as AT+CGACT answers an undefined cid (findings §21, §30) */
    if (!modem_packet_activate(s, cid)) {
        sim_final(s, V250_NO_CARRIER);    /* no network: the call fails as a call does (findings §30) */
        return CMD_DONE;
    }
    s->ppp.cid = cid;
    enter_data(s);
    ppp_link_start(s);
    return CMD_DONE;
}

static DECLARE_HANDLER(cmd_atd)
{
    (void)a;
    int cid = packet_dial_cid(c->args, c->args_len);
    return cid < 0 ? CMD_ERROR : ppp_call(s, cid);
}

/* AT+CGDATA=[<L2P>[,<cid>]]: only "PPP" (27.007 §10.1.12). */
static DECLARE_HANDLER(cmd_cgdata)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CGDATA: (\"PPP\")");
        return CMD_OK;
    case AT_FORM_WRITE:
        break;
    case AT_FORM_READ:
    case AT_FORM_EXEC:
        return CMD_ERROR;
    }
    if (a->count > 2 || (a->v[0].type != AT_ARG_EMPTY && !at_arg_is(&a->v[0], "PPP")))
        return CMD_ERROR;
    if (a->count == 2 && !arg_number_in(&a->v[1], 1, PDP_CID_MAX))
        return CMD_ERROR;
    return ppp_call(s, a->count == 2 ? (int)a->v[1].number : PPP_DEFAULT_CID);
}

/* ATH: an escaped call ends, NO CARRIER; with none, OK (V.250 §6.3.6). */
static DECLARE_HANDLER(cmd_ath)
{
    (void)a;
    if (c->value > 0)
        return CMD_ERROR;                 /* H1 is not defined */
    if (s->ppp.mode != PPP_ESCAPED)
        return CMD_OK;
    ppp_end(s);
    return CMD_DONE;
}

/* ---- what state shows ------------------------------------------------------------------------ */

/* RFC 1661 §3.2's phases (no Authenticate: nobody asks for it); ipcp says whether IP is up. */
static const char *phase(const struct ppp_state *p)
{
    if (p->mode == PPP_OFF)
        return "dead";
    return p->lcp.state == FSM_OPENED ? "network" : "establish";
}

void ppp_state_json(const struct sim *s, struct strbuf *o)
{
    static const char *const modes[] = {"off", "data", "escaped"};
    const struct ppp_state *p = &s->ppp;
    const struct ppp_stats *st = &p->stats;
    bool ip_up = p->ipcp.state == FSM_OPENED;
    char address[PDP_ADDRESS_LEN] = "";
    if (ip_up)
        modem_packet_address(p->cid, address, sizeof address);
    sb_printf(o, ",\"ppp\":{\"mode\":\"%s\",\"cid\":%d,\"phase\":\"%s\",\"lcp\":\"%s\",\"ipcp\":\"%s\","
                 "\"address\":\"%s\",\"dns\":[\"%s\",\"%s\"],\"frames_in\":%llu,\"frames_out\":%llu,"
                 "\"bad_fcs\":%llu,\"bad_frames\":%llu,\"echoes\":%llu,\"protocol_rejects\":%llu,"
                 "\"ip_in\":%llu,\"ip_out\":%llu,\"ip_dropped\":%llu}",
              modes[p->mode], p->cid, phase(p), ppp_fsm_state_str(p->lcp.state), ppp_fsm_state_str(p->ipcp.state),
              address, ip_up ? PPP_DNS_PRIMARY : "", ip_up ? PPP_DNS_SECONDARY : "",
              (unsigned long long)st->frames_in, (unsigned long long)st->frames_out,
              (unsigned long long)st->bad_fcs, (unsigned long long)st->bad_frames, (unsigned long long)st->echoes,
              (unsigned long long)st->protocol_rejects, (unsigned long long)st->ip_in,
              (unsigned long long)st->ip_out, (unsigned long long)st->ip_dropped);
}

static const struct command commands[] = {
    {"D", cmd_atd, CMD_NEEDS_SIM},
    {"H", cmd_ath, 0},
    {"+CGDATA", cmd_cgdata, CMD_NEEDS_SIM},
};

const struct command_family ppp_commands = {commands, sizeof commands / sizeof commands[0]};
