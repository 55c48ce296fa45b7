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
    modem_radio_factory(s);
    return CMD_OK;
}

/* Settings with nothing to act on here (DCD, DTR, result code set, storing the
 * profile): accepted and not kept; a value beyond the manual's range is an error. */
static const struct { const char *name; int max; } ignored_settings[] = {
    {"&W", 0}, {"&C", 2}, {"&D", 2}, {"X", 4},
};

static DECLARE_HANDLER(cmd_basic_ignored)
{
    (void)s;
    (void)a;
    for (size_t i = 0; i < sizeof ignored_settings / sizeof ignored_settings[0]; i++)
        if (strcmp(ignored_settings[i].name, c->name) == 0)
            return c->value > ignored_settings[i].max ? CMD_ERROR : CMD_OK;
    return CMD_ERROR;
}

/* S-registers: the AT&V example's values (AT §3.17); writes are accepted and not kept. */
static const int s_registers[] = {0, 0, 43, 13, 10, 8, 2, 50, 2, 6, 14, 95};
#define S_REGISTER_COUNT ((int)(sizeof s_registers / sizeof s_registers[0]))

static DECLARE_HANDLER(cmd_basic_s)
{
    (void)a;
    if (c->value < 0 || c->value >= S_REGISTER_COUNT)
        return CMD_ERROR;
    if (c->form == AT_FORM_READ)
        sim_info(s, "%03d", s_registers[c->value]);
    return CMD_OK;
}

static const char *const charsets[] = {"IRA", "UCS2", "GSM"};

/* ---- AT&V ------------------------------------------------------------------------ */

/* The PDP address a context shows before it has one (27.007 §10.1.1). */
static const char *unset_address(const struct pdp_context *p)
{
    return strcmp(p->type, "IP") == 0 ? "0.0.0.0" : "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0";
}

/* "+CGDCONT: (cid,...),..." and "+CGACT(cid,state),..." (the capture has no colon there). */
static void profile_contexts(const struct modem *m, struct strbuf *cgdcont, struct strbuf *cgact)
{
    const char *sep = "";
    for (int i = 1; i <= PDP_CID_MAX; i++) {
        const struct pdp_context *p = &m->pdp[i];
        if (!p->defined)
            continue;
        sb_printf(cgdcont, "%s(%d,\"%s\",\"%s\",\"%s\",0,0,0,0)", sep, i, p->type, p->apn, unset_address(p));
        sb_printf(cgact, "%s(%d,%d)", sep, i, p->active ? 1 : 0);
        sep = ",";
    }
}

/* AT&V: a SIM7600EI's whole profile as captured (findings §22, S5), line
 * breaks as it printed them, with this module's values where it keeps them
 * (echo, result format, rate, CMEE, registration reporting, character set,
 * CSCLK, time zone settings, contexts, attach). The rest is the capture's:
 * settings the simulator does not model. The manual's example (AT §3.17)
 * shows only the first lines. */
static DECLARE_HANDLER(cmd_basic_v_profile)
{
    static const char ff8[] = "\xff\xff\xff\xff\xff\xff\xff\xff";   /* the capture's unset PINs */
    const struct modem *m = &s->modem;
    struct strbuf cgdcont = {0}, cgact = {0};
    (void)a;
    if (c->value > 0)
        return CMD_ERROR;
    profile_contexts(m, &cgdcont, &cgact);
    sim_info(s, "&C: 2; &D: 0; &E: 1; &F: 0; &S: 0; &W: 0; E: %d; L: 0; M: 0; Q: %d; V: %d;", m->echo, m->quiet,
             m->verbose);
    sim_info(s, "X: 1; Z: 0; \\Q: 3; \\S: 0; \\V: 0; O: 0; S0: 0; S2: 43; S3: 13; S4: 10;");
    sim_info(s, "S5: 8; S6: 2; S7: 0; S8: 2; S9: 6; S10: 14; S11: 95; S30: 0; S103: 1;");
    sim_info(s, "S104: 1; +FCLASS: 0; +ICF: 3,3; +IFC: 0,0; +IPR: %u; +DR: 0;", m->ipr);
    sim_info(s, "+DS: 0,0,2048,6; +CMEE: %d; +WS46: 25; +CFUN:; +IPREX: 115200;", m->cmee);
    sim_info(s, "+SSIMSTAT: 0; +CBST: 0,0,1;");
    sim_info(s, "+CRLP: (61,61,48,6,0),(61,61,48,6,1),(240,240,52,6,2);");
    sim_info(s, "+CV120: 1,1,1,0,0,0; +CHSN: 0,0,0,0; +CSSN: 0,0; +CREG: %d; +CGREG: %d;", m->creg_n, m->cgreg_n);
    sim_info(s, "+CEREG: %d; +CSCS: \"%s\"; +CSTA: 129; +CR: 0; +CRC: 0;", m->cereg_n, charsets[m->cscs]);
    sim_info(s, "+CGDCONT: %s;", sb_str(&cgdcont));
    sim_info(s, "+CGDSCONT: ; +CGTFT: ; +CGEQREQ: ; +CGEQMIN: ; +CGEQOS: ; +CGQREQ: ;");
    sim_info(s, "+CGQMIN: ; +CGEREP: 0,0; +CGDATA: \"PPP\"; +CGCLASS: \"A\"; +CGPIAF: 0,0,0,0;");
    sim_info(s, "+CGSMS: 1; +CSMS: 0; +CMGF: 1; +CSAS: 0; +CRES: 0; +CSCA: \"\",;");
    sim_info(s, "+CSMP: ,,0,0; +CSDH: 0; +CSCB: 0,\"\",\"\"; +ES: ,,; +ESA: 0,,,,0,0,255,;");
    sim_info(s, "+CMOD: 0; +CEMODE: 1; +CVHU: 1; ; ; ; ; ; ; +CSCLK: %d; +CCUART: 0;", m->csclk);
    sim_info(s, "+CFGRI: 0,60,120; +CUARTSD: 500; +CURCD: 0; +CUARTLOG: 0; +CUARTRM: 0;");
    sim_info(s, "+CFGRIDTM: 60,120; +CATR: 0; +CNMP: 2; +CNRP: 255; +CNAOP: 2; +CNSDP: 2;");
    sim_info(s, "+CNSMOD: 0; +CNLSA: 0; +CEXTEPLMN: 1; +CSQFMT: 1; +AUTOCSQ: 0,0;");
    sim_info(s, "+CSQDELTA: 5; +CPSI: 0; +CMGSI: 2; +CMGRMI: 4,0; +MONI: 0; +CRUPSI: 0;");
    sim_info(s, "+CRUSET: 0; +CGPS: 0,1; +CGPSMSB: 1; +CGPSINFO: 0; +CGPSINFOCFG: 0,0,0;");
    sim_info(s, "+CGPSHOR: 50; +CGPSPMD: 65407; +CGPSXD: 0; +CGNSSINFO: 0;");
    sim_info(s, "+CSOCKAUTH: 1,0,\"\"; +CGAUTH: 1,0,\"\"; ; +CIPHEAD: 1; +CIPSRIP: 1;");
    sim_info(s, "+CIPCCFG: 10,0,0,1,0,0,500; +CIPENSRXGET: 0; +CIPMODE: 0;");
    sim_info(s, "+CPIN: %s,%s; +CMEC: 0,0,0,0; +CIND: 0,4,1,1,0,0,1,0;", ff8, ff8);
    sim_info(s, "+CMER: 0,0,0,0,0; +CGATT: %d; +CGACT%s; +CPBS: \"SM\";",
             modem_registered(s) && !m->ps_detached, sb_str(&cgact));
    sim_info(s, "+CPMS: \"SM\",\"SM\",\"SM\"; +CNMI: 2,1,0,0,0; +CMMS: 0; +CCUG: 0,0,0;");
    sim_info(s, "+COPS: 0,0,\"\"; +CUSD: 0; +CAOC: 1; +CCWA: 0; +CPOL: 0,2,\"\",0,0,0,0;");
    sim_info(s, "+CPLS: 0; +CTZR: %d; +CTZU: %d; +CLIP: 0; +COLP: 0; +CDIP: 0; +CLIR: 0;", m->ctzr, m->ctzu);
    sim_info(s, "+CSDF: 1; +CEN: 0; +CPSMS: 0,\"\",\"\",\"\",\"\"; +CEDRXS: 0,1,\"\"; +CCARDMA: 0;");
    sim_info(s, "+STK: 0; +CSALPHA: 0; +MORING: 0; +CWAKEUPSMSSWITCH: 0;");
    sim_info(s, "+CFILTERSMSSWITCH: 0; *CNTI: 0; ^DSCI: 0; ^MODE: 0");
    sb_free(&cgdcont);
    sb_free(&cgact);
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
    {"&V", cmd_basic_v_profile, 0},
    {"&C", cmd_basic_ignored, 0},
    {"&D", cmd_basic_ignored, 0},
    {"X", cmd_basic_ignored, 0},
    {"S", cmd_basic_s, 0},
    {"+IPR", cmd_ipr, 0},
    {"+CMEE", cmd_cmee, 0},
    {"+CSCS", cmd_cscs, 0},
};

const struct command_family modem_basic_commands = {commands, sizeof commands / sizeof commands[0]};
