/* Packet data: PDP contexts, their authentication, activation, the PS
 * attachment and addresses (AT manual §5, 27.007 §10). */
#include "sim_internal.h"

#include <stdio.h>
#include <string.h>

#define PDP_ADDRESS "10.49.14.68"

/* ---- packet data ------------------------------------------------------------------- */

static bool valid_cid(const struct at_arg *v)
{
    return v->type == AT_ARG_NUMBER && v->number >= 1 && v->number <= PDP_CID_MAX;
}

static bool valid_pdp_type(const struct at_arg *v)
{
    static const char *const types[] = {"IP", "PPP", "IPV6", "IPV4V6"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (at_arg_is(v, types[i]))
            return true;
    return false;
}

static DECLARE_HANDLER(cmd_cgdcont)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CGDCONT: (1-24),\"IP\",,,(0-2),(0-4),(0-1),(0-1)");
        sim_info(s, "+CGDCONT: (1-24),\"PPP\",,,(0-2),(0-4),(0-1),(0-1)");
        sim_info(s, "+CGDCONT: (1-24),\"IPV6\",,,(0-2),(0-4),(0-1),(0-1)");
        sim_info(s, "+CGDCONT: (1-24),\"IPV4V6\",,,(0-2),(0-4),(0-1),(0-1)");
        return CMD_OK;
    case AT_FORM_READ:
        for (int i = 1; i <= PDP_CID_MAX; i++)
            if (s->modem.pdp[i].defined)
                sim_info(s, "+CGDCONT: %d,\"%s\",\"%s\",\"0.0.0.0\",0,0,0,0", i, s->modem.pdp[i].type,
                         s->modem.pdp[i].apn);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count < 1 || !valid_cid(&a->v[0]))
        return CMD_ERROR;
    struct pdp_context *p = &s->modem.pdp[a->v[0].number];
    if (a->count == 1) {                  /* AT+CGDCONT=<cid> undefines the context */
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

/* Password before user name: AT manual V1.01 §9.15 (reference §5.2). */
static DECLARE_HANDLER(cmd_cgauth)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CGAUTH: (1-24),(0-3),127,127");
        return CMD_OK;
    case AT_FORM_READ:
        for (int i = 1; i <= PDP_CID_MAX; i++)
            if (s->modem.pdp[i].auth_type)
                sim_info(s, "+CGAUTH: %d,%d,\"%s\",\"%s\"", i, s->modem.pdp[i].auth_type,
                         s->modem.pdp[i].pass, s->modem.pdp[i].user);
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
    if (a->count > 1 && (a->v[1].type != AT_ARG_NUMBER || type < 0 || type > 3))
        return CMD_ERROR;
    if ((a->count > 2 && a->v[2].len > 127) || (a->count > 3 && a->v[3].len > 127))
        return CMD_ERROR;
    p->auth_type = (int)type;
    p->pass[0] = p->user[0] = '\0';
    if (a->count > 2)
        at_arg_copy(p->pass, sizeof p->pass, &a->v[2]);
    if (a->count > 3)
        at_arg_copy(p->user, sizeof p->user, &a->v[3]);
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
    if (a->count < 1 || a->count > 2 || a->v[0].type != AT_ARG_NUMBER || a->v[0].number < 0 ||
        a->v[0].number > 1 || (a->count == 2 && !valid_cid(&a->v[1])))
        return CMD_ERROR;
    bool on = a->v[0].number == 1;
    if (on && !modem_registered(s))
        return sim_cme(s, CME_NO_NETWORK);
    for (int i = 1; i <= PDP_CID_MAX; i++)
        if (s->modem.pdp[i].defined && (a->count == 1 || a->v[1].number == i))
            s->modem.pdp[i].active = on;
    if (on)
        s->modem.ps_detached = false;   /* 27.007 §10.1.10: activation attaches first */
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_cgatt)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CGATT: (0,1)");
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CGATT: %d", modem_registered(s) && !s->modem.ps_detached ? 1 : 0);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count != 1 || a->v[0].type != AT_ARG_NUMBER || a->v[0].number < 0 || a->v[0].number > 1)
        return CMD_ERROR;
    if (a->v[0].number == 1 && !modem_registered(s))
        return sim_cme(s, CME_NO_NETWORK);
    s->modem.ps_detached = a->v[0].number == 0;
    if (s->modem.ps_detached)           /* 27.007 §10.1.9: a detach deactivates every active context */
        for (int i = 1; i <= PDP_CID_MAX; i++)
            s->modem.pdp[i].active = false;
    return CMD_OK;
}

static void print_address(struct sim *s, int cid)
{
    if (s->modem.pdp[cid].active)
        sim_info(s, "+CGPADDR: %d,%s", cid, PDP_ADDRESS);
    else
        sim_info(s, "+CGPADDR: %d,0.0.0.0", cid);
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
        if (!valid_cid(&a->v[i]) || !s->modem.pdp[a->v[i].number].defined)
            return CMD_ERROR;
    for (int i = 0; i < a->count; i++)
        print_address(s, (int)a->v[i].number);
    return CMD_OK;
}

static const struct command commands[] = {
    {"+CGDCONT", cmd_cgdcont, CMD_NEEDS_SIM},
    {"+CGAUTH", cmd_cgauth, CMD_NEEDS_SIM},
    {"+CGACT", cmd_cgact, CMD_NEEDS_SIM},
    {"+CGATT", cmd_cgatt, CMD_NEEDS_SIM},
    {"+CGPADDR", cmd_cgpaddr, CMD_NEEDS_SIM},
};

const struct command_family modem_packet_commands = {commands, sizeof commands / sizeof commands[0]};
