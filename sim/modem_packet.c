/* Packet data: PDP contexts, their authentication, activation, the PS
 * attachment, addresses and +CGEV event reports (AT manual §5, §9; 27.007
 * §10; findings §19, §21). On LTE the default bearer (cid 1) comes up with
 * the attach that registration is, and goes down with it. AT+CGSOCKCONT and
 * AT+CSOCKAUTH, the socket family's names for the same table, are here too
 * (findings §33). */
#include "sim_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PDP_ADDRESS_NET "10.49.14."   /* cid 1 is .68 (MQTT manual §3's example), cid n is .67+n */
#define PDP_ADDRESS_HOST_BASE 67
#define PDP_DEFAULT_CID 1
#define PDP_ZERO_IPV4 "0.0.0.0"
#define PDP_ZERO_IPV6 "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"   /* as a SIM7600 prints IPV6/IPV4V6 (findings §21) */
#define CGEREP_MODE_MAX 2
#define CGEREP_BFR_MAX 1
#define PDP_AUTH_MAX 3            /* <auth_type>: 0 none, 1 PAP, 2 CHAP, 3 PAP or CHAP */
#define PDP_CREDENTIAL_MAX 127    /* <passwd> and <user>, as the test form says */

/* ---- +CGEV reports (27.007 §10.1.19) -------------------------------------------- */

/* Modes 1 and 2 forward the report now (the host link is never reserved
 * here); mode 0 keeps it in the module, where nobody reads it. */
__attribute__((format(printf, 2, 3))) static void cgev(struct sim *s, const char *fmt, ...)
{
    if (s->modem.net.cgerep_mode == 0)
        return;
    char text[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    sim_urc(s, "+CGEV: %s", text);
}

/* A context went down (0: every one, a detach): whoever ran on it is told. A PPP
 * call and the socket stack (AT+CSOCKSETPN's context, findings §33) know their
 * own context; MQTT, the SSL service and HTTP run on the default bearer. */
static void context_lost(struct sim *s, int cid)
{
    ppp_context_lost(s, cid);         /* a PPP call on it ends: NO CARRIER */
    tcpip_context_lost(s, cid);
    if (cid == 0 || cid == PDP_DEFAULT_CID) {
        mqtt_network_lost(s);
        cch_network_lost(s);
        http_network_lost(s);
    }
}

static void set_active(struct sim *s, int cid, bool on)
{
    struct pdp_context *p = &s->modem.pdp[cid];
    if (!p->defined || p->active == on)
        return;
    p->active = on;
    cgev(s, "ME PDN %s %d", on ? "ACT" : "DEACT", cid);
    if (!on)
        context_lost(s, cid);
}

void modem_packet_attach(struct sim *s)
{
    if (!s->modem.ps_detached)
        set_active(s, PDP_DEFAULT_CID, true);
}

/* ATD*99# and AT+CGDATA: the call's context comes up, attaching first (27.007 §10.2.1.1). */
bool modem_packet_activate(struct sim *s, int cid)
{
    if (!modem_registered(s))
        return false;
    if (s->modem.ps_detached) {
        s->modem.ps_detached = false;
        modem_packet_attach(s);
    }
    set_active(s, cid, true);
    return s->modem.pdp[cid].active;
}

/* AT+NETOPEN on a context other than the default bearer: it activates it, as
 * AT+CGACT=1,<cid> would, on an attached module (findings §33). */
bool modem_packet_bring_up(struct sim *s, int cid)
{
    if (!modem_packet_attached(s) || !s->modem.pdp[cid].defined)
        return false;
    set_active(s, cid, true);
    return true;
}

void modem_packet_address(int cid, char *buf, size_t n)
{
    snprintf(buf, n, "%s%u", PDP_ADDRESS_NET, (unsigned)(unsigned char)(PDP_ADDRESS_HOST_BASE + cid));   /* cid <= 24 */
}

void modem_packet_detach(struct sim *s)
{
    for (int i = 1; i <= PDP_CID_MAX; i++)
        set_active(s, i, false);
}

static DECLARE_HANDLER(cmd_cgerep)
{
    struct modem_net *n = &s->modem.net;
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CGEREP: (0-%d),(0-%d)", CGEREP_MODE_MAX, CGEREP_BFR_MAX);
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CGEREP: %d,%d", n->cgerep_mode, n->cgerep_bfr);
        return CMD_OK;
    case AT_FORM_EXEC:
        n->cgerep_mode = n->cgerep_bfr = 0;     /* 27.007: the bare command sets the defaults */
        return CMD_OK;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count < 1 || a->count > 2 || !arg_number_in(&a->v[0], 0, CGEREP_MODE_MAX) ||
        (a->count == 2 && !arg_number_in(&a->v[1], 0, CGEREP_BFR_MAX)))
        return CMD_ERROR;
    n->cgerep_mode = (int)a->v[0].number;
    n->cgerep_bfr = a->count == 2 ? (int)a->v[1].number : 0;
    return CMD_OK;
}

/* ---- contexts ------------------------------------------------------------------- */

static bool valid_cid(const struct at_arg *v)
{
    return arg_number_in(v, 1, PDP_CID_MAX);
}

static const char *zero_address(const struct pdp_context *p)
{
    return strcmp(p->type, "IPV6") == 0 || strcmp(p->type, "IPV4V6") == 0 ? PDP_ZERO_IPV6 : PDP_ZERO_IPV4;
}

static const char *const pdp_types[] = {"IP", "PPP", "IPV6", "IPV4V6"};

static bool valid_pdp_type(const struct at_arg *v)
{
    for (size_t i = 0; i < sizeof pdp_types / sizeof pdp_types[0]; i++)
        if (at_arg_is(v, pdp_types[i]))
            return true;
    return false;
}

/* What AT+CGDCONT and AT+CGSOCKCONT print of a context: CGDCONT's eight fields as
 * a SIM7600 shows them (findings §21); CGSOCKCONT's six, as the one capture of it
 * has them (findings §33). */
struct pdp_listing {
    const char *test_tail, *read_tail;
};

static const struct pdp_listing cgdcont_listing = {",,,(0-2),(0-4),(0-1),(0-1)", ",0,0,0,0"};
static const struct pdp_listing cgsockcont_listing = {",,,(0-2),(0-4)", ",0,0"};

/* The test and read forms; the write form (pdp_define) is the same for both. */
static enum cmd_result pdp_list(struct sim *s, const struct at_cmdline_cmd *c, const struct pdp_listing *l)
{
    if (c->form == AT_FORM_TEST) {
        for (size_t t = 0; t < sizeof pdp_types / sizeof pdp_types[0]; t++)
            sim_info(s, "%s: (1-%d),\"%s\"%s", c->name, PDP_CID_MAX, pdp_types[t], l->test_tail);
        return CMD_OK;
    }
    for (int i = 1; i <= PDP_CID_MAX; i++)
        if (s->modem.pdp[i].defined)
            sim_info(s, "%s: %d,\"%s\",\"%s\",\"%s\"%s", c->name, i, s->modem.pdp[i].type, s->modem.pdp[i].apn,
                     zero_address(&s->modem.pdp[i]), l->read_tail);
    return CMD_OK;
}

static enum cmd_result pdp_define(struct sim *s, const struct at_args *a)
{
    if (a->count < 1 || !valid_cid(&a->v[0]))
        return CMD_ERROR;
    int cid = (int)a->v[0].number;
    struct pdp_context *p = &s->modem.pdp[cid];
    if (a->count == 1) {                  /* AT+CGDCONT=<cid> undefines the context; */
        set_active(s, cid, false);        /* an active one goes down first (findings §33) */
        *p = (struct pdp_context){0};
        return CMD_OK;
    }
    if (!valid_pdp_type(&a->v[1]) || (a->count > 2 && a->v[2].type == AT_ARG_NUMBER))
        return CMD_ERROR;
    p->defined = true;
    at_arg_copy(p->type, sizeof p->type, &a->v[1]);
    p->apn[0] = '\0';
    if (a->count > 2)
        at_arg_copy(p->apn, sizeof p->apn, &a->v[2]);
    return CMD_OK;
}

static enum cmd_result pdp_context_command(struct sim *s, const struct at_cmdline_cmd *c, const struct at_args *a,
                                           const struct pdp_listing *l)
{
    switch (c->form) {
    case AT_FORM_TEST:
    case AT_FORM_READ:
        return pdp_list(s, c, l);
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    return pdp_define(s, a);
}

static DECLARE_HANDLER(cmd_cgdcont)
{
    return pdp_context_command(s, c, a, &cgdcont_listing);
}

/* AT+CGSOCKCONT: the socket family's name for the same contexts (findings §33:
 * an inference; a SIM5320 keeps a table of its own). */
static DECLARE_HANDLER(cmd_cgsockcont)
{
    return pdp_context_command(s, c, a, &cgsockcont_listing);
}

/* Password before user name: AT manual V1.01 §9.15 (reference §5.2). AT+CSOCKAUTH
 * is the same on the same contexts, in the same order (findings §33). */
static DECLARE_HANDLER(cmd_cgauth)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "%s: (1-%d),(0-%d),%d,%d", c->name, PDP_CID_MAX, PDP_AUTH_MAX, PDP_CREDENTIAL_MAX,
                 PDP_CREDENTIAL_MAX);
        return CMD_OK;
    case AT_FORM_READ:
        for (int i = 1; i <= PDP_CID_MAX; i++)
            if (s->modem.pdp[i].auth_type)
                sim_info(s, "%s: %d,%d,\"%s\",\"%s\"", c->name, i, s->modem.pdp[i].auth_type, s->modem.pdp[i].pass,
                         s->modem.pdp[i].user);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count < 1 || a->count > 4 || !valid_cid(&a->v[0]))
        return CMD_ERROR;
    struct pdp_context *p = &s->modem.pdp[a->v[0].number];
    long type = a->count > 1 ? a->v[1].number : 0;
    if (a->count > 1 && !arg_number_in(&a->v[1], 0, PDP_AUTH_MAX))
        return CMD_ERROR;
    if ((a->count > 2 && a->v[2].len > PDP_CREDENTIAL_MAX) || (a->count > 3 && a->v[3].len > PDP_CREDENTIAL_MAX))
        return CMD_ERROR;
    p->auth_type = (int)type;
    p->pass[0] = p->user[0] = '\0';
    if (a->count > 2)
        at_arg_copy(p->pass, sizeof p->pass, &a->v[2]);
    if (a->count > 3)
        at_arg_copy(p->user, sizeof p->user, &a->v[3]);
    return CMD_OK;
}

/* AT+CGACT=<state>[,<cid>[,<cid>...]]: without a cid, every defined context
 * (findings §21, S5). Activating attaches first (27.007 §10.1.10). */
static bool names_cid(const struct at_args *a, int cid)
{
    if (a->count == 1)
        return true;
    for (int k = 1; k < a->count; k++)
        if (a->v[k].number == cid)
            return true;
    return false;
}

static enum cmd_result cgact_write(struct sim *s, const struct at_args *a)
{
    if (a->count < 1 || !arg_number_in(&a->v[0], 0, 1))
        return CMD_ERROR;
    for (int k = 1; k < a->count; k++)
        if (!valid_cid(&a->v[k]))
            return CMD_ERROR;
    bool on = a->v[0].number == 1;
    if (on && !modem_registered(s))
        return sim_cme(s, CME_NO_NETWORK);
    for (int k = 1; k < a->count; k++)
        if (!s->modem.pdp[a->v[k].number].defined)
            return sim_cme(s, CME_NOT_ALLOWED);     /* findings §21: no context to activate */
    if (on && s->modem.ps_detached) {
        s->modem.ps_detached = false;
        modem_packet_attach(s);
    }
    for (int i = 1; i <= PDP_CID_MAX; i++)
        if (names_cid(a, i))
            set_active(s, i, on);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_cgact)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CGACT: (0,1)");
        return CMD_OK;
    case AT_FORM_READ:
        for (int i = 1; i <= PDP_CID_MAX; i++)
            if (s->modem.pdp[i].defined)
                sim_info(s, "+CGACT: %d,%d", i, s->modem.pdp[i].active);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    return cgact_write(s, a);
}

bool modem_packet_attached(const struct sim *s)
{
    return modem_registered(s) && !s->modem.ps_detached;
}

/* AT+CGATT=0 detaches: every context goes with it, reported as one detach
 * (27.007 §10.1.9, §10.1.19); =1 attaches, and on LTE that is the default bearer. */
static enum cmd_result cgatt_write(struct sim *s, const struct at_args *a)
{
    if (a->count != 1 || !arg_number_in(&a->v[0], 0, 1))
        return CMD_ERROR;
    bool detach = a->v[0].number == 0;
    if (!detach && !modem_registered(s))
        return sim_cme(s, CME_NO_NETWORK);
    if (detach && modem_packet_attached(s)) {
        for (int i = 1; i <= PDP_CID_MAX; i++)
            s->modem.pdp[i].active = false;
        cgev(s, "ME DETACH");
        context_lost(s, 0);
    }
    s->modem.ps_detached = detach;
    if (!detach)
        modem_packet_attach(s);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_cgatt)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CGATT: (0,1)");
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CGATT: %d", modem_packet_attached(s) ? 1 : 0);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    return cgatt_write(s, a);
}

static void print_address(struct sim *s, int cid)
{
    char address[PDP_ADDRESS_LEN];
    modem_packet_address(cid, address, sizeof address);
    sim_info(s, "+CGPADDR: %d,%s", cid, s->modem.pdp[cid].active ? address : PDP_ZERO_IPV4);
}

static DECLARE_HANDLER(cmd_cgpaddr)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CGPADDR: (1-24)");
        return CMD_OK;
    case AT_FORM_EXEC:
        for (int i = 1; i <= PDP_CID_MAX; i++)
            if (s->modem.pdp[i].defined)
                print_address(s, i);
        return CMD_OK;
    case AT_FORM_READ:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    for (int i = 0; i < a->count; i++)
        if (!valid_cid(&a->v[i]))
            return CMD_ERROR;
    for (int i = 0; i < a->count; i++)
        if (!s->modem.pdp[a->v[i].number].defined)
            return sim_cme(s, CME_NOT_ALLOWED);     /* readable, but no such context (findings §21) */
    for (int i = 0; i < a->count; i++)
        print_address(s, (int)a->v[i].number);
    return CMD_OK;
}

/* AT+CGCLASS: an LTE module is class "A" (packet and circuit at once) and
 * takes no other (27.007 §10.1.17; a SIM7600G-H and a SIM7600EI's AT&V). */
static DECLARE_HANDLER(cmd_cgclass)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CGCLASS: (\"A\")");
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CGCLASS: \"A\"");
        return CMD_OK;
    case AT_FORM_WRITE:
        return a->count == 1 && at_arg_is(&a->v[0], "A") ? CMD_OK : CMD_ERROR;
    case AT_FORM_EXEC:
        break;
    }
    return CMD_ERROR;
}

static const struct command commands[] = {
    {"+CGCLASS", cmd_cgclass, 0},
    {"+CGDCONT", cmd_cgdcont, CMD_NEEDS_SIM},
    {"+CGSOCKCONT", cmd_cgsockcont, CMD_NEEDS_SIM},
    {"+CGAUTH", cmd_cgauth, CMD_NEEDS_SIM},
    {"+CSOCKAUTH", cmd_cgauth, CMD_NEEDS_SIM},
    {"+CGACT", cmd_cgact, CMD_NEEDS_SIM},
    {"+CGATT", cmd_cgatt, CMD_NEEDS_SIM},
    {"+CGPADDR", cmd_cgpaddr, CMD_NEEDS_SIM},
    {"+CGEREP", cmd_cgerep, 0},
};

const struct command_family modem_packet_commands = {commands, sizeof commands / sizeof commands[0]};
