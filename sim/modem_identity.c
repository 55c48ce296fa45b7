/* Who the module is: manufacturer, model, revision, IMEI, and the SIM's
 * IMSI, ICCID and own number (AT manual §3, §4). The model's strings come
 * from its variant (sim7600-sim --model, common/module_models.c); the serial
 * numbers are the simulated unit's own, the same for every variant. */
#include "sim_internal.h"

#include <stdio.h>
#include <string.h>

#define ID_IMEI "862636050000017"
#define ID_IMSI "234150000000017"
#define ID_ICCID "8944150000000000017F"
#define IMEI_DIGITS 15

/* ---- ATI and AT+SIMCOMATI ------------------------------------------------------ */

static void id_head(struct sim *s, const struct module_model *m)
{
    sim_info(s, "Manufacturer: %s", m->manufacturer);
    sim_info(s, "Model: %s", m->model);
    sim_info(s, "Revision: %s", m->revision);
}

/* The LE20 SIM7600 and A76xx firmware list empty QCN and MEID fields and a
 * DeviceInfo line in AT+SIMCOMATI, around the IMEI (findings §22). */
static void simcomati_lines(struct sim *s, const struct module_model *m)
{
    id_head(s, m);
    if (m->build)
        sim_info(s, "%s", m->build);
    if (m->device_info)
        sim_info(s, "QCN: ");
    sim_info(s, "IMEI: %s", ID_IMEI);
    if (m->device_info)
        sim_info(s, "MEID: ");
    sim_info(s, "+GCAP: %s", m->gcap);
    if (m->device_info)
        sim_info(s, "DeviceInfo: %s", m->device_info);
}

static DECLARE_HANDLER(cmd_basic_i)
{
    const struct module_model *m = modem_model(s);
    (void)a;
    if (c->value > 0)
        return CMD_ERROR;
    id_head(s, m);
    sim_info(s, "IMEI: %s", ID_IMEI);
    sim_info(s, "+GCAP: %s", m->gcap);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_simcomati)
{
    (void)a;
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_EXEC)
        return CMD_ERROR;
    simcomati_lines(s, modem_model(s));
    return CMD_OK;
}

/* AT+CSUB: SIMCom's sub-version, two lines; a model it was never captured on
 * answers ERROR rather than a made-up build (findings §22). */
static DECLARE_HANDLER(cmd_csub)
{
    const struct module_model *m = modem_model(s);
    (void)a;
    if (!m->sub_version || (c->form != AT_FORM_EXEC && c->form != AT_FORM_TEST))
        return CMD_ERROR;
    if (c->form == AT_FORM_EXEC) {
        sim_info(s, "+CSUB: %s", m->sub_version);
        sim_info(s, "+CSUB: %s", m->sub_build);
    }
    return CMD_OK;
}

/* ---- one-line identity --------------------------------------------------------- */

static enum cmd_result identity(struct sim *s, const struct at_cmdline_cmd *c, const char *prefix, const char *value)
{
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_EXEC)
        return CMD_ERROR;
    sim_info(s, "%s%s", prefix, value);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_cgmi) { (void)a; return identity(s, c, "", modem_model(s)->manufacturer); }
static DECLARE_HANDLER(cmd_cgmm) { (void)a; return identity(s, c, "", modem_model(s)->model); }
static DECLARE_HANDLER(cmd_cgmr) { (void)a; return identity(s, c, "+CGMR: ", modem_model(s)->revision); }
static DECLARE_HANDLER(cmd_cgsn) { (void)a; return identity(s, c, "", ID_IMEI); }
static DECLARE_HANDLER(cmd_cimi) { (void)a; return identity(s, c, "", ID_IMSI); }
static DECLARE_HANDLER(cmd_ciccid) { (void)a; return identity(s, c, "+ICCID: ", ID_ICCID); }
static DECLARE_HANDLER(cmd_gcap) { (void)a; return identity(s, c, "+GCAP: ", modem_model(s)->gcap); }

/* AT+SIMEI=<imei> is accepted and not kept: the IMEI is the unit's. */
static DECLARE_HANDLER(cmd_simei)
{
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form == AT_FORM_READ) {
        sim_info(s, "+SIMEI: %s", ID_IMEI);
        return CMD_OK;
    }
    if (c->form == AT_FORM_WRITE && a->count == 1 && a->v[0].len == IMEI_DIGITS)
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
    {"+SIMCOMATI", cmd_simcomati, 0},
    {"+CSUB", cmd_csub, 0},
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
