/* Who the module is: manufacturer, model, revision, IMEI, and the SIM's
 * IMSI, ICCID and own number (AT manual §3, §4). */
#include "sim_internal.h"

#include <stdio.h>
#include <string.h>

/* A SIM7600E as captured in real logs (sim/real-module-findings.md §17). */
#define ID_MANUFACTURER "SIMCOM INCORPORATED"
#define ID_MODEL "SIMCOM_SIM7600E"
#define ID_REVISION "SIM7600M21-A_V1.1"
#define ID_CGMR "SIM7600M21-A_V1.1"
#define ID_IMEI "862636050000017"
#define ID_IMSI "234150000000017"
#define ID_ICCID "8944150000000000017F"
#define ID_GCAP "+CGSM"

static DECLARE_HANDLER(cmd_basic_i)
{
    (void)a;
    if (c->value > 0)
        return CMD_ERROR;
    sim_info(s, "Manufacturer: %s", ID_MANUFACTURER);
    sim_info(s, "Model: %s", ID_MODEL);
    sim_info(s, "Revision: %s", ID_REVISION);
    sim_info(s, "IMEI: %s", ID_IMEI);
    sim_info(s, "+GCAP: %s", ID_GCAP);
    return CMD_OK;
}

/* ---- identity -------------------------------------------------------------------- */

static enum cmd_result identity(struct sim *s, const struct at_cmdline_cmd *c, const char *prefix, const char *value)
{
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_EXEC)
        return CMD_ERROR;
    sim_info(s, "%s%s", prefix, value);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_cgmi) { (void)a; return identity(s, c, "", ID_MANUFACTURER); }
static DECLARE_HANDLER(cmd_cgmm) { (void)a; return identity(s, c, "", ID_MODEL); }
static DECLARE_HANDLER(cmd_cgmr) { (void)a; return identity(s, c, "+CGMR: ", ID_CGMR); }
static DECLARE_HANDLER(cmd_cgsn) { (void)a; return identity(s, c, "", ID_IMEI); }
static DECLARE_HANDLER(cmd_cimi) { (void)a; return identity(s, c, "", ID_IMSI); }
static DECLARE_HANDLER(cmd_ciccid) { (void)a; return identity(s, c, "+ICCID: ", ID_ICCID); }
static DECLARE_HANDLER(cmd_gcap) { (void)a; return identity(s, c, "+GCAP: ", ID_GCAP); }

static DECLARE_HANDLER(cmd_simei)
{
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form == AT_FORM_READ) {
        sim_info(s, "+SIMEI: %s", ID_IMEI);
        return CMD_OK;
    }
    if (c->form == AT_FORM_WRITE && a->count == 1 && a->v[0].len == 15)
        return CMD_OK;
    return CMD_ERROR;
}

/* The simulated SIM stores no own number (MSISDN), as most data SIMs: the list is empty
 * (27.007 §7.1), so the execute form is a bare OK. */
static DECLARE_HANDLER(cmd_cnum)
{
    (void)s;
    (void)a;
    return c->form == AT_FORM_TEST || c->form == AT_FORM_EXEC ? CMD_OK : CMD_ERROR;
}

static const struct command commands[] = {
    {"I", cmd_basic_i, 0},
    {"+CGMI", cmd_cgmi, 0},
    {"+CGMM", cmd_cgmm, 0},
    {"+CGMR", cmd_cgmr, 0},
    {"+CGSN", cmd_cgsn, 0},
    {"+GMI", cmd_cgmi, 0},
    {"+GMM", cmd_cgmm, 0},
    {"+GSN", cmd_cgsn, 0},
    {"+SIMEI", cmd_simei, 0},
    {"+CIMI", cmd_cimi, CMD_NEEDS_SIM},
    {"+CICCID", cmd_ciccid, CMD_NEEDS_SIM},
    {"+GCAP", cmd_gcap, 0},
    {"+CNUM", cmd_cnum, CMD_NEEDS_SIM},
};

const struct command_family modem_identity_commands = {commands, sizeof commands / sizeof commands[0]};
