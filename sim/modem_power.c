/* Power and phone functionality: AT+CFUN and AT+CRESET (AT manual §3). */
#include "sim_internal.h"

#include <stdio.h>
#include <string.h>

static DECLARE_HANDLER(cmd_cfun)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CFUN: (0,1,4-7),(0,1)");
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CFUN: %d", s->modem.cfun);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count < 1 || a->count > 2 || a->v[0].type != AT_ARG_NUMBER)
        return CMD_ERROR;
    long fun = a->v[0].number;
    long rst = a->count == 2 ? a->v[1].number : 0;
    if ((fun != 0 && fun != 1 && (fun < 4 || fun > 7)) || rst < 0 || rst > 1 || (rst == 1 && fun != 1))
        return CMD_ERROR;
    if (fun == 6 || rst == 1) {
        sim_reset_command(s);
        return CMD_DONE;
    }
    s->modem.cfun = (int)fun;
    modem_report_registration(s);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_creset)
{
    (void)a;
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_EXEC)
        return CMD_ERROR;
    sim_reset_command(s);
    return CMD_DONE;
}

static const struct command commands[] = {
    {"+CFUN", cmd_cfun, 0},
    {"+CRESET", cmd_creset, 0},
};

const struct command_family modem_power_commands = {commands, sizeof commands / sizeof commands[0]};
