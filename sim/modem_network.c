/* The SIM, the signal and the network: PIN state, signal quality,
 * registration (CREG, CGREG, CEREG and their URCs), operator, serving cell
 * (AT manual §4, §5). */
#include "sim_internal.h"

#include <stdio.h>
#include <string.h>

#define NET_LAC "00C3"
#define NET_CELL "0A1B2C3D"
#define NET_OPERATOR "Simulated Operator"        /* AT+COPS format 0 */
#define NET_OPERATOR_SHORT "SIMOP"                /* format 1 */
#define NET_OPERATOR_NUMERIC "23415"              /* format 2: MCC 234, MNC 15, as AT+CPSI's 234-15 */

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

static DECLARE_HANDLER(cmd_creg) { return reg_command(s, c, a, 'C'); }
static DECLARE_HANDLER(cmd_cgreg) { return reg_command(s, c, a, 'G'); }
static DECLARE_HANDLER(cmd_cereg) { return reg_command(s, c, a, 'E'); }

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

static DECLARE_HANDLER(cmd_cpin)
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

static DECLARE_HANDLER(cmd_csq)
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
static DECLARE_HANDLER(cmd_cops)
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

static DECLARE_HANDLER(cmd_cpsi)
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

static const struct command commands[] = {
    {"+CPIN", cmd_cpin, 0},
    {"+CSQ", cmd_csq, 0},
    {"+CREG", cmd_creg, 0},
    {"+CGREG", cmd_cgreg, 0},
    {"+CEREG", cmd_cereg, 0},
    {"+COPS", cmd_cops, 0},
    {"+CPSI", cmd_cpsi, 0},
};

const struct command_family modem_network_commands = {commands, sizeof commands / sizeof commands[0]};
