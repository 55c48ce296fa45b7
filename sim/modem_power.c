/* Power, phone functionality and the module's own sensors: AT+CFUN, AT+CRESET,
 * AT+CPOF, AT+CSCLK, AT+CBC, AT+CPMUTEMP (AT manual §4; findings §22). */
#include "sim_internal.h"

#include <stdio.h>
#include <string.h>

/* AT+CFUN <fun> values (AT §4.1) */
enum cfun_fun { FUN_MIN = 0, FUN_FULL = 1, FUN_RF_OFF = 4, FUN_FACTORY_TEST = 5, FUN_RESET = 6, FUN_OFFLINE = 7 };
#define CSCLK_MAX 2           /* 0 UART always on, 1 DTR sleep, 2 RX sleep */
/* What the sensors read: a module on a healthy 3.8 V supply at room temperature
 * (the captures show 3.3-4.0 V and 17-28 °C, findings §22). */
#define SUPPLY_MV 3800
#define MV_PER_V 1000
#define MODULE_TEMP_C 25

static bool valid_fun(long fun)
{
    return fun == FUN_MIN || fun == FUN_FULL || (fun >= FUN_RF_OFF && fun <= FUN_OFFLINE);
}

/* Minimum functionality powers the SIM interface down; flight mode (4) keeps
 * it (findings §22: C8, a SIM7600A-H probe, a SIM7670G in CFUN=0). */
static bool sim_powered(int fun)
{
    return fun != FUN_MIN;
}

enum cme_err modem_sim_error(const struct sim *s)
{
    if (!s->world.sim_present)
        return CME_SIM_NOT_INSERTED;
    return sim_powered(s->modem.cfun) ? CME_NONE : CME_SIM_FAILURE;
}

/* A change of <fun> the SIM notices: going down says so before the OK (C8);
 * coming back runs the SIM's part of the boot again, after the OK. */
static void cfun_set(struct sim *s, enum cfun_fun fun)
{
    bool was_up = modem_sim_error(s) == CME_NONE;
    s->modem.cfun = (int)fun;
    bool is_up = modem_sim_error(s) == CME_NONE;
    if (was_up && !is_up) {
        boot_sim_off(s);
        sim_urc(s, "+SIMCARD: NOT AVAILABLE");
    }
    modem_report_registration(s);
    if (!was_up && is_up)
        boot_sim_restart(s);
}

/* From offline mode (7) only a restart brings the module back: CFUN=6 or
 * CFUN=1,1, or CFUN=0 or 4, which restart it online; CFUN=1 alone is refused
 * (AT §4.1, reference §3.2; findings §22). */
static enum cmd_result cfun_transition(struct sim *s, enum cfun_fun fun, bool reset_first)
{
    bool from_offline = s->modem.cfun == FUN_OFFLINE;
    if (from_offline && fun == FUN_FULL && !reset_first)
        return sim_cme(s, CME_NOT_ALLOWED);
    if (fun == FUN_RESET || reset_first || (from_offline && (fun == FUN_MIN || fun == FUN_RF_OFF))) {
        sim_reset_command(s);
        return CMD_DONE;
    }
    cfun_set(s, fun);
    return CMD_OK;
}

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
    if (a->count < 1 || a->count > 2 || a->v[0].type != AT_ARG_NUMBER ||
        (a->count == 2 && a->v[1].type != AT_ARG_NUMBER))
        return CMD_ERROR;
    long fun = a->v[0].number;
    long rst = a->count == 2 ? a->v[1].number : 0;
    if (!valid_fun(fun) || rst < 0 || rst > 1 || (rst == 1 && fun != FUN_FULL))
        return CMD_ERROR;
    return cfun_transition(s, (enum cfun_fun)fun, rst == 1);
}

/* A command that takes no parameters: the test form answers OK, the bare
 * command runs, anything else is a syntax error. */
static bool exec_only(const struct at_cmdline_cmd *c, enum cmd_result *test_result)
{
    *test_result = c->form == AT_FORM_TEST ? CMD_OK : CMD_ERROR;
    return c->form == AT_FORM_EXEC;
}

static DECLARE_HANDLER(cmd_creset)
{
    enum cmd_result r;
    (void)a;
    if (!exec_only(c, &r))
        return r;
    sim_reset_command(s);
    return CMD_DONE;
}

static DECLARE_HANDLER(cmd_cpof)
{
    enum cmd_result r;
    (void)a;
    if (!exec_only(c, &r))
        return r;
    sim_power_off_command(s);   /* OK, the goodbye AT+CRESET says (findings §7), then off */
    return CMD_DONE;
}

/* AT+CSCLK: the setting is kept, but the module never sleeps: a pty has no DTR
 * line to sleep on (1), and the host's bytes always wake it for RX sleep (2),
 * whose lost first characters are not modelled (findings §22). */
static DECLARE_HANDLER(cmd_csclk)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CSCLK: (0-%d)", CSCLK_MAX);
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CSCLK: %d", s->modem.csclk);
        return CMD_OK;
    case AT_FORM_EXEC:
        s->modem.csclk = 0;
        return CMD_OK;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count != 1 || a->v[0].type != AT_ARG_NUMBER || a->v[0].number < 0 || a->v[0].number > CSCLK_MAX)
        return CMD_ERROR;
    s->modem.csclk = (int)a->v[0].number;
    return CMD_OK;
}

/* SIMCom's own form, volts with three decimals, not 27.007's <bcs>,<bcl>
 * (which is why gammu 1.42's monitor stops at it, as on the bench; §22). */
static DECLARE_HANDLER(cmd_cbc)
{
    enum cmd_result r;
    (void)a;
    if (!exec_only(c, &r))
        return r;
    sim_info(s, "+CBC: %d.%03dV", SUPPLY_MV / MV_PER_V, SUPPLY_MV % MV_PER_V);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_cpmutemp)
{
    enum cmd_result r;
    (void)a;
    if (!exec_only(c, &r))
        return r;
    sim_info(s, "+CPMUTEMP: %d", MODULE_TEMP_C);
    return CMD_OK;
}

static const struct command commands[] = {
    {"+CFUN", cmd_cfun, 0},
    {"+CRESET", cmd_creset, 0},
    {"+CPOF", cmd_cpof, 0},
    {"+CSCLK", cmd_csclk, 0},
    {"+CBC", cmd_cbc, 0},
    {"+CPMUTEMP", cmd_cpmutemp, 0},
};

const struct command_family modem_power_commands = {commands, sizeof commands / sizeof commands[0]};
