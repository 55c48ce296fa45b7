/* The modem model: V.250 settings, identity, SIM, signal, registration and
 * packet data (reference §1-§5). Handlers read and change struct modem and
 * answer through sim_info()/sim_cme(); nothing here touches I/O. */
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
#define NET_LAC "00C3"
#define NET_CELL "0A1B2C3D"
#define NET_OPERATOR "Simulated Operator"        /* AT+COPS format 0 */
#define NET_OPERATOR_SHORT "SIMOP"                /* format 1 */
#define NET_OPERATOR_NUMERIC "23415"              /* format 2: MCC 234, MNC 15, as AT+CPSI's 234-15 */
#define PDP_ADDRESS "10.49.14.68"
#define CMEE_DEFAULT 2
/* The clock after power-on: 1980-01-06 00:00:00 (the GPS epoch), 5 days after rtc_ref_s's origin. */
#define RTC_POWER_ON_S (5 * 86400)

static const uint32_t ipr_rates[] = {0, 300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200,
                                     230400, 460800, 921600, 3000000, 3200000, 3686400, 4000000};

void modem_power_on(struct modem *m)
{
    memset(m, 0, sizeof *m);
    m->echo = 1;
    m->verbose = 1;
    m->cmee = CMEE_DEFAULT;
    m->cfun = 1;
    m->ipr = 115200;
    m->pdp[1] = (struct pdp_context){.defined = true, .type = "IP"};   /* AT&F0 factory context */
}

int modem_reg_stat(const struct sim *s)
{
    if (!s->world.sim_present || s->modem.cfun != 1 || s->power != POWER_ON)
        return 0;
    return s->world.reg_stat;
}

bool modem_registered(const struct sim *s)
{
    int st = modem_reg_stat(s);
    return st == 1 || st == 5;
}

int modem_rssi(const struct sim *s)
{
    return s->modem.cfun == 1 && s->world.sim_present ? s->world.rssi : 99;
}

/* ---- registration: one implementation for CREG, CGREG and CEREG ---------------- */

static int *reg_n(struct sim *s, char which)
{
    return which == 'C' ? &s->modem.creg_n : which == 'G' ? &s->modem.cgreg_n : &s->modem.cereg_n;
}

/* "<stat>[,<lac>,<ci>[,<AcT>]]" as the read form and the URC print it. */
static void reg_fields(struct sim *s, char which, int n, char *buf, size_t cap)
{
    int st = modem_reg_stat(s);
    int len = snprintf(buf, cap, "%d", st);
    if (n == 2 && (st == 1 || st == 5))
        snprintf(buf + len, cap - (size_t)len, which == 'E' ? ",\"%s\",\"%s\",7" : ",\"%s\",\"%s\"",
                 NET_LAC, NET_CELL);
}

static enum cmd_result reg_command(struct sim *s, const struct at_cmdline_cmd *c, const struct at_args *a,
                                   char which)
{
    int *n = reg_n(s, which);
    char fields[64];
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "%s: (0-2)", c->name);
        return CMD_OK;
    case AT_FORM_READ:
        reg_fields(s, which, *n, fields, sizeof fields);
        sim_info(s, "%s: %d,%s", c->name, *n, fields);
        return CMD_OK;
    case AT_FORM_EXEC:
        *n = 0;
        return CMD_OK;
    case AT_FORM_WRITE:
        if (a->count != 1 || a->v[0].type != AT_ARG_NUMBER || a->v[0].number < 0 || a->v[0].number > 2)
            return CMD_ERROR;
        *n = (int)a->v[0].number;
        return CMD_OK;
    }
    return CMD_ERROR;
}

DECLARE_HANDLER(cmd_creg) { return reg_command(s, c, a, 'C'); }
DECLARE_HANDLER(cmd_cgreg) { return reg_command(s, c, a, 'G'); }
DECLARE_HANDLER(cmd_cereg) { return reg_command(s, c, a, 'E'); }

void modem_report_registration(struct sim *s)
{
    static const struct { char which; const char *name; } kinds[] = {
        {'C', "+CREG"}, {'G', "+CGREG"}, {'E', "+CEREG"},
    };
    int st = modem_reg_stat(s);
    if (st == s->modem.reported_stat)
        return;
    bool was_registered = s->modem.reported_stat == 1 || s->modem.reported_stat == 5;
    s->modem.reported_stat = st;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        int n = *reg_n(s, kinds[i].which);
        char fields[64];
        if (n == 0)
            continue;
        reg_fields(s, kinds[i].which, n, fields, sizeof fields);
        sim_urc(s, "%s: %s", kinds[i].name, fields);
    }
    if (was_registered && !modem_registered(s))
        mqtt_network_lost(s);
}

void modem_boot_urcs(struct sim *s)
{
    if (!s->modem.rtc_running) {        /* the clock starts from its power-on value when the module is up */
        s->modem.rtc_running = true;
        s->modem.rtc_ref_us = s->now_us;
        s->modem.rtc_ref_s = RTC_POWER_ON_S;
    }
    sim_urc(s, "RDY");
    if (!s->world.sim_present) {
        sim_urc(s, "+CPIN: SIM REMOVED");
        return;
    }
    sim_urc(s, "+CPIN: READY");
    sim_urc(s, "SMS DONE");
    sim_urc(s, "PB DONE");
    modem_report_registration(s);
}

/* ---- V.250 basic commands ------------------------------------------------------- */

static enum cmd_result set_flag(int *flag, int value)
{
    if (value > 1)
        return CMD_ERROR;
    *flag = value < 0 ? 0 : value;    /* ATE / ATV without a value mean 0 (V.250) */
    return CMD_OK;
}

DECLARE_HANDLER(cmd_basic_e) { (void)a; return set_flag(&s->modem.echo, c->value); }
DECLARE_HANDLER(cmd_basic_v) { (void)a; return set_flag(&s->modem.verbose, c->value); }
DECLARE_HANDLER(cmd_basic_q) { (void)a; return set_flag(&s->modem.quiet, c->value); }

DECLARE_HANDLER(cmd_basic_i)
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

/* ATZ: the stored profile is the factory one (AT&W is accepted but not kept). */
DECLARE_HANDLER(cmd_basic_z)
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
DECLARE_HANDLER(cmd_basic_f)
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

DECLARE_HANDLER(cmd_basic_ignored) { (void)s; (void)c; (void)a; return CMD_OK; }

/* S-registers: the AT&V example's values; writes are accepted and not kept. */
DECLARE_HANDLER(cmd_basic_s)
{
    static const int values[] = {0, 0, 43, 13, 10, 8, 2, 50, 2, 6, 14, 95};
    (void)a;
    if (c->value < 0 || c->value >= (int)(sizeof values / sizeof values[0]))
        return CMD_ERROR;
    if (c->form == AT_FORM_READ)
        sim_info(s, "%03d", values[c->value]);
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

DECLARE_HANDLER(cmd_cgmi) { (void)a; return identity(s, c, "", ID_MANUFACTURER); }
DECLARE_HANDLER(cmd_cgmm) { (void)a; return identity(s, c, "", ID_MODEL); }
DECLARE_HANDLER(cmd_cgmr) { (void)a; return identity(s, c, "+CGMR: ", ID_CGMR); }
DECLARE_HANDLER(cmd_cgsn) { (void)a; return identity(s, c, "", ID_IMEI); }
DECLARE_HANDLER(cmd_cimi) { (void)a; return identity(s, c, "", ID_IMSI); }
DECLARE_HANDLER(cmd_ciccid) { (void)a; return identity(s, c, "+ICCID: ", ID_ICCID); }
DECLARE_HANDLER(cmd_gcap) { (void)a; return identity(s, c, "+GCAP: ", ID_GCAP); }

DECLARE_HANDLER(cmd_simei)
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

/* ---- SIM and signal ------------------------------------------------------------- */

/* AT+CPIN=<pin>[,<newpin>]: anything else is a syntax error, bare ERROR
 * before the SIM is even looked at (findings §1). */
static bool cpin_write_readable(const struct at_args *a)
{
    if (a->count < 1 || a->count > 2)
        return false;
    for (int i = 0; i < a->count; i++)
        if (a->v[i].type != AT_ARG_STRING && a->v[i].type != AT_ARG_NUMBER)
            return false;
    return true;
}

DECLARE_HANDLER(cmd_cpin)
{
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form == AT_FORM_WRITE && !cpin_write_readable(a))
        return CMD_ERROR;
    if (!s->world.sim_present)
        return sim_cme(s, CME_SIM_NOT_INSERTED);
    if (c->form == AT_FORM_READ) {
        sim_info(s, "+CPIN: READY");
        return CMD_OK;
    }
    if (c->form == AT_FORM_WRITE)
        return sim_cme(s, CME_NOT_ALLOWED);     /* no PIN is pending on a READY SIM */
    return CMD_ERROR;
}

DECLARE_HANDLER(cmd_csq)
{
    (void)a;
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "+CSQ: (0-31,99),(0-7,99)");
        return CMD_OK;
    }
    if (c->form != AT_FORM_EXEC)
        return CMD_ERROR;
    int rssi = modem_rssi(s);
    sim_info(s, "+CSQ: %d,%d", rssi, rssi == 99 ? 99 : s->world.ber);
    return CMD_OK;
}

/* AT+COPS=<mode>[,<format>[,<oper>]]: only the format is kept; the mode stays automatic
 * (27.007 §7.3: <format> set with any mode, mode 3 sets nothing else). */
DECLARE_HANDLER(cmd_cops)
{
    static const char *const names[] = {NET_OPERATOR, NET_OPERATOR_SHORT, NET_OPERATOR_NUMERIC};
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+COPS: (2,\"%s\",\"%s\",\"%s\",7),,(0-4),(0-2)", NET_OPERATOR, NET_OPERATOR_SHORT,
                 NET_OPERATOR_NUMERIC);
        return CMD_OK;
    case AT_FORM_READ:
        if (modem_registered(s))
            sim_info(s, "+COPS: 0,%d,\"%s\",7", s->modem.cops_format, names[s->modem.cops_format]);
        else
            sim_info(s, "+COPS: 0");
        return CMD_OK;
    case AT_FORM_WRITE:
        break;
        case AT_FORM_EXEC:
        return CMD_ERROR;
    }
    if (a->count < 1 || a->count > 4 || a->v[0].type != AT_ARG_NUMBER || a->v[0].number < 0 ||
        a->v[0].number > 4)
        return CMD_ERROR;
    if (a->count >= 2 && a->v[1].type != AT_ARG_EMPTY) {
        if (a->v[1].type != AT_ARG_NUMBER || a->v[1].number < 0 || a->v[1].number > 2)
            return CMD_ERROR;
        s->modem.cops_format = (int)a->v[1].number;
    } else if (a->v[0].number == 3) {
        return CMD_ERROR;               /* mode 3 is "set the format": without one there is nothing to do */
    }
    return CMD_OK;
}

DECLARE_HANDLER(cmd_cpsi)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "+CPSI: (0-255)");
        return CMD_OK;
    }
    if (c->form == AT_FORM_WRITE)
        return a->count == 1 && a->v[0].type == AT_ARG_NUMBER ? CMD_OK : CMD_ERROR;
    if (c->form != AT_FORM_READ)
        return CMD_ERROR;
    if (!modem_registered(s)) {
        sim_info(s, "+CPSI: NO SERVICE,%s", s->modem.cfun == 1 ? "Online" : "Low Power Mode");
        return CMD_OK;
    }
    /* LTE line; the manual has no LTE example, the fields follow AT §5.15 */
    int rssi_dbm = -113 + 2 * modem_rssi(s);
    sim_info(s, "+CPSI: LTE,Online,234-15,0x%s,%lu,256,EUTRAN-BAND3,1575,5,5,-94,-%d,%d,15",
             NET_LAC, 0x0A1B2C3DUL, 1100 - 10 * modem_rssi(s), rssi_dbm);
    return CMD_OK;
}

/* ---- power --------------------------------------------------------------------- */

DECLARE_HANDLER(cmd_cfun)
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

DECLARE_HANDLER(cmd_creset)
{
    (void)a;
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_EXEC)
        return CMD_ERROR;
    sim_reset_command(s);
    return CMD_DONE;
}

DECLARE_HANDLER(cmd_ipr)
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

DECLARE_HANDLER(cmd_cmee)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CMEE: (0-2)");
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CMEE: %d", s->modem.cmee);
        return CMD_OK;
    case AT_FORM_EXEC:
        s->modem.cmee = CMEE_DEFAULT;
        return CMD_OK;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count != 1 || a->v[0].type != AT_ARG_NUMBER || a->v[0].number < 0 || a->v[0].number > 2)
        return CMD_ERROR;
    s->modem.cmee = (int)a->v[0].number;
    return CMD_OK;
}

/* ---- packet data ------------------------------------------------------------------- */

static bool valid_cid(const struct at_arg *v)
{
    return v->type == AT_ARG_NUMBER && v->number >= 1 && v->number <= PDP_CID_MAX;
}

static void copy_arg(char *dst, size_t cap, const struct at_arg *v)
{
    size_t n = v->len < cap - 1 ? v->len : cap - 1;
    memcpy(dst, v->text, n);
    dst[n] = '\0';
}

static bool valid_pdp_type(const struct at_arg *v)
{
    static const char *const types[] = {"IP", "PPP", "IPV6", "IPV4V6"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (v->type == AT_ARG_STRING && v->len == strlen(types[i]) && memcmp(v->text, types[i], v->len) == 0)
            return true;
    return false;
}

DECLARE_HANDLER(cmd_cgdcont)
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
    copy_arg(p->type, sizeof p->type, &a->v[1]);
    p->apn[0] = '\0';
    if (a->count > 2)
        copy_arg(p->apn, sizeof p->apn, &a->v[2]);
    return CMD_OK;
}

/* Password before user name: AT manual V1.01 §9.15 (reference §5.2). */
DECLARE_HANDLER(cmd_cgauth)
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
        copy_arg(p->pass, sizeof p->pass, &a->v[2]);
    if (a->count > 3)
        copy_arg(p->user, sizeof p->user, &a->v[3]);
    return CMD_OK;
}

DECLARE_HANDLER(cmd_cgact)
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

DECLARE_HANDLER(cmd_cgatt)
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

DECLARE_HANDLER(cmd_cgpaddr)
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

/* ---- character set, own number, time zone, clock -------------------------------- */

static const char *const charsets[] = {"IRA", "UCS2", "GSM"};

static bool arg_is(const struct at_arg *v, const char *text)
{
    return v->type == AT_ARG_STRING && v->len == strlen(text) && memcmp(v->text, text, v->len) == 0;
}

DECLARE_HANDLER(cmd_cscs)
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
        if (arg_is(&a->v[0], charsets[i])) {
            s->modem.cscs = (int)i;
            return CMD_OK;
        }
    }
    return CMD_ERROR;
}

/* The simulated SIM stores no own number (MSISDN), as most data SIMs: the list is empty
 * (27.007 §7.1), so the execute form is a bare OK. */
DECLARE_HANDLER(cmd_cnum)
{
    (void)s;
    (void)a;
    return c->form == AT_FORM_TEST || c->form == AT_FORM_EXEC ? CMD_OK : CMD_ERROR;
}

/* AT+CTZR and AT+CTZU: a 0/1 switch each; the bare command sets the default 0. */
static enum cmd_result switch_command(struct sim *s, const struct at_cmdline_cmd *c, const struct at_args *a,
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

DECLARE_HANDLER(cmd_ctzr) { return switch_command(s, c, a, &s->modem.ctzr); }
DECLARE_HANDLER(cmd_ctzu) { return switch_command(s, c, a, &s->modem.ctzu); }

static bool leap_year(int year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

/* Days since 1980-01-01 of a date of 1980-2079, and back. */
static long days_from_date(int year, int month, int day)
{
    static const int before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    long days = 0;
    for (int y = 1980; y < year; y++)
        days += leap_year(y) ? 366 : 365;
    return days + before[month - 1] + (month > 2 && leap_year(year)) + day - 1;
}

static void date_from_days(long days, int *year, int *month, int *day)
{
    int y = 1980;
    while (days >= (leap_year(y) ? 366 : 365)) {
        days -= leap_year(y) ? 366 : 365;
        y++;
    }
    int m = 12;
    while (m > 1 && days_from_date(y, m, 1) - days_from_date(y, 1, 1) > days)
        m--;
    *year = y;
    *month = m;
    *day = (int)(days - (days_from_date(y, m, 1) - days_from_date(y, 1, 1))) + 1;
}

static bool parse_two(const char *p, int *out)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
        return false;
    *out = (p[0] - '0') * 10 + (p[1] - '0');
    return true;
}

/* "yy/MM/dd,hh:mm:ss±zz" (27.007 §8.15), yy 80-99 for 1980-1999 and 00-79 for 2000-2079. */
static bool parse_clock(const struct at_arg *v, int64_t *secs, int *tz)
{
    int f[7];
    if (v->type != AT_ARG_STRING || v->len != 20)
        return false;
    const char *t = v->text;
    static const char seps[] = "//,::";
    for (int i = 0; i < 6; i++)
        if (!parse_two(t + 3 * i, &f[i]) || (i < 5 && t[3 * i + 2] != seps[i]))
            return false;
    if ((t[17] != '+' && t[17] != '-') || !parse_two(t + 18, &f[6]))
        return false;
    int year = f[0] >= 80 ? 1900 + f[0] : 2000 + f[0];
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > mdays[f[1] - 1] || (f[1] == 2 && f[2] == 29 && !leap_year(year)) ||
        f[3] > 23 || f[4] > 59 || f[5] > 59 || f[6] > 48)
        return false;
    *secs = (int64_t)days_from_date(year, f[1], f[2]) * 86400 + f[3] * 3600 + f[4] * 60 + f[5];
    *tz = t[17] == '-' ? -f[6] : f[6];
    return true;
}

DECLARE_HANDLER(cmd_cclk)
{
    switch (c->form) {
    case AT_FORM_TEST:
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_READ: {
        if (!s->modem.rtc_running) {    /* a warm start: the clock's origin is not known */
            s->modem.rtc_running = true;
            s->modem.rtc_ref_us = s->now_us;
            s->modem.rtc_ref_s = RTC_POWER_ON_S;
        }
        int64_t now = s->modem.rtc_ref_s + (int64_t)((s->now_us - s->modem.rtc_ref_us) / 1000000u);
        int year, month, day;
        date_from_days((long)(now / 86400), &year, &month, &day);
        int sec = (int)(now % 86400);
        int tz = s->modem.rtc_tz;
        sim_info(s, "+CCLK: \"%02d/%02d/%02d,%02d:%02d:%02d%c%02d\"", year % 100, month, day, sec / 3600,
                 sec / 60 % 60, sec % 60, tz < 0 ? '-' : '+', tz < 0 ? -tz : tz);
        return CMD_OK;
    }
    case AT_FORM_WRITE:
        break;
    }
    int64_t secs;
    int tz;
    if (a->count != 1 || !parse_clock(&a->v[0], &secs, &tz))
        return CMD_ERROR;
    s->modem.rtc_running = true;
    s->modem.rtc_ref_us = s->now_us;
    s->modem.rtc_ref_s = secs;
    s->modem.rtc_tz = tz;
    return CMD_OK;
}
