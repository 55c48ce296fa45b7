/* The modem's state at power-on (the boot banner is boot.c's). The commands live in
 * one file per family (modem_basic.c, modem_identity.c, modem_network.c,
 * modem_packet.c, modem_power.c, modem_clock.c); nothing here touches I/O. */
#include "sim_internal.h"

#include <string.h>

void modem_power_on(struct modem *m)
{
    memset(m, 0, sizeof *m);
    m->echo = 1;
    m->verbose = 1;
    m->cmee = MODEM_CMEE_DEFAULT;
    m->cfun = 1;
    m->ipr = 115200;
    m->pdp[1] = (struct pdp_context){.defined = true, .type = "IP"};   /* AT&F0 factory context */
}

/* A 0/1 setting (AT+CTZR, AT+CTZU ...): the bare command sets the default 0. */
enum cmd_result modem_switch_command(struct sim *s, const struct at_cmdline_cmd *c, const struct at_args *a,
                                     int *value)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "%s: (0-1)", c->name);
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "%s: %d", c->name, *value);
        return CMD_OK;
    case AT_FORM_EXEC:
        *value = 0;
        return CMD_OK;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count != 1 || a->v[0].type != AT_ARG_NUMBER || a->v[0].number < 0 || a->v[0].number > 1)
        return CMD_ERROR;
    *value = (int)a->v[0].number;
    return CMD_OK;
}
