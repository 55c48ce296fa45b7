/* V.250 basic commands and the serial interface's settings (AT manual §2, §3):
 * echo, result format, factory reset, S-registers, baud rate, error reporting,
 * character set. */
#include "sim_internal.h"

#include <stdio.h>
#include <string.h>

static const uint32_t ipr_rates[] = {0, 300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200,
                                     230400, 460800, 921600, 3000000, 3200000, 3686400, 4000000};

/* ---- V.250 basic commands ------------------------------------------------------- */

static enum cmd_result set_flag(int *flag, int value)
{
    if (value > 1)
        return CMD_ERROR;
    *flag = value < 0 ? 0 : value;    /* ATE / ATV without a value mean 0 (V.250) */
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_basic_e) { (void)a; return set_flag(&s->modem.echo, c->value); }
static DECLARE_HANDLER(cmd_basic_v) { (void)a; return set_flag(&s->modem.verbose, c->value); }
static DECLARE_HANDLER(cmd_basic_q) { (void)a; return set_flag(&s->modem.quiet, c->value); }

/* ATZ: the stored profile is the factory one (AT&W is accepted but not kept). */
static DECLARE_HANDLER(cmd_basic_z)
{
    (void)a;
    if (c->value > 0)
        return CMD_ERROR;
    s->modem.echo = 1;
    s->modem.verbose = 1;
    s->modem.quiet = 0;
    return CMD_OK;
}

/* AT&F: the factory values of AT §3.21; echo, ATV and CMEE are not among them. */
static DECLARE_HANDLER(cmd_basic_f)
{
    (void)a;
    if (c->value > 1)
        return CMD_ERROR;
    for (int i = 1; i <= PDP_CID_MAX; i++)
        s->modem.pdp[i] = (struct pdp_context){0};
    s->modem.pdp[1] = (struct pdp_context){.defined = true, .type = "IP"};
    s->modem.ctzu = 0;
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_basic_ignored) { (void)s; (void)c; (void)a; return CMD_OK; }

/* S-registers: the AT&V example's values; writes are accepted and not kept. */
static DECLARE_HANDLER(cmd_basic_s)
{
    static const int values[] = {0, 0, 43, 13, 10, 8, 2, 50, 2, 6, 14, 95};
    (void)a;
    if (c->value < 0 || c->value >= (int)(sizeof values / sizeof values[0]))
        return CMD_ERROR;
    if (c->form == AT_FORM_READ)
        sim_info(s, "%03d", values[c->value]);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_ipr)
{
    switch (c->form) {
    case AT_FORM_TEST: {
        char list[256];
        size_t len = 0;
        for (size_t i = 0; i < sizeof ipr_rates / sizeof ipr_rates[0]; i++)
            len += (size_t)snprintf(list + len, sizeof list - len, i ? ",%u" : "%u", ipr_rates[i]);
        sim_info(s, "+IPR: (%s)", list);
        return CMD_OK;
    }
    case AT_FORM_READ:
        sim_info(s, "+IPR: %u", s->modem.ipr);
        return CMD_OK;
    case AT_FORM_EXEC:
        s->modem.ipr = 115200;
        return CMD_OK;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count != 1 || a->v[0].type != AT_ARG_NUMBER)
        return CMD_ERROR;
    for (size_t i = 0; i < sizeof ipr_rates / sizeof ipr_rates[0]; i++) {
        if (a->v[0].number == (long)ipr_rates[i]) {
            s->modem.ipr = ipr_rates[i];
            return CMD_OK;
        }
    }
    return CMD_ERROR;
}

static DECLARE_HANDLER(cmd_cmee)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CMEE: (0-2)");
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CMEE: %d", s->modem.cmee);
        return CMD_OK;
    case AT_FORM_EXEC:
        s->modem.cmee = MODEM_CMEE_DEFAULT;
        return CMD_OK;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count != 1 || a->v[0].type != AT_ARG_NUMBER || a->v[0].number < 0 || a->v[0].number > 2)
        return CMD_ERROR;
    s->modem.cmee = (int)a->v[0].number;
    return CMD_OK;
}

static const char *const charsets[] = {"IRA", "UCS2", "GSM"};

static DECLARE_HANDLER(cmd_cscs)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CSCS: (\"%s\",\"%s\",\"%s\")", charsets[0], charsets[1], charsets[2]);
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CSCS: \"%s\"", charsets[s->modem.cscs]);
        return CMD_OK;
    case AT_FORM_EXEC:
        s->modem.cscs = 0;
        return CMD_OK;
    case AT_FORM_WRITE:
        break;
    }
    for (size_t i = 0; a->count == 1 && i < sizeof charsets / sizeof charsets[0]; i++) {
        if (at_arg_is(&a->v[0], charsets[i])) {
            s->modem.cscs = (int)i;
            return CMD_OK;
        }
    }
    return CMD_ERROR;
}

static const struct command commands[] = {
    {"E", cmd_basic_e, 0},
    {"V", cmd_basic_v, 0},
    {"Q", cmd_basic_q, 0},
    {"Z", cmd_basic_z, 0},
    {"&F", cmd_basic_f, 0},
    {"&W", cmd_basic_ignored, 0},
    {"&C", cmd_basic_ignored, 0},
    {"&D", cmd_basic_ignored, 0},
    {"X", cmd_basic_ignored, 0},
    {"S", cmd_basic_s, 0},
    {"+IPR", cmd_ipr, 0},
    {"+CMEE", cmd_cmee, 0},
    {"+CSCS", cmd_cscs, 0},
};

const struct command_family modem_basic_commands = {commands, sizeof commands / sizeof commands[0]};
