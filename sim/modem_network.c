/* The SIM, the signal and the network: PIN state, signal quality,
 * registration (CREG, CGREG, CEREG and their URCs), operator selection and
 * the SIM's service provider name (AT manual §4, §5; 27.007 §7; findings
 * §10, §19, §21). What registration gains or loses for packet data, the
 * radio and the clock is theirs (modem_packet.c, modem_radio.c, modem_clock.c). */
#include "sim_internal.h"

#include <stdio.h>
#include <string.h>

#define COPS_FORMATS 3          /* <format> 0 long, 1 short, 2 numeric */
#define COPS_MODE_SET_FORMAT 3
#define COPS_MODE_MANUAL_AUTO 4
#define COPS_MODE_MAX 4

/* <stat> of an operator in AT+COPS=? (27.007 §7.3); OPER_UNSEEN: not listed. */
enum oper_stat { OPER_UNSEEN = -1, OPER_AVAILABLE = 1, OPER_CURRENT = 2, OPER_FORBIDDEN = 3 };

static bool registered_stat(int st)
{
    return st == REG_HOME || st == REG_ROAMING;
}

static bool radio_on(const struct sim *s)
{
    return s->world.sim_present && s->modem.cfun == 1 && s->power == POWER_ON;
}

/* Effective: the world's state, unless the module keeps itself off the
 * network (radio off, no SIM, AT+COPS=2) or its radio mode cannot see the
 * simulated LTE cell (AT+CNMP without LTE: it goes on searching). */
/* Between +CPIN: READY and the attach the booting module looks for the network. */
static bool searching_at_boot(const struct sim *s)
{
    return s->power == POWER_BOOTING && s->boot >= BOOT_SIM_READY && s->world.sim_present &&
           s->modem.cfun == 1;
}

int modem_reg_stat(const struct sim *s)
{
    if (searching_at_boot(s))
        return REG_SEARCHING;
    if (!radio_on(s) || s->modem.net.cops_mode == COPS_DEREGISTERED)
        return REG_NOT_SEARCHING;
    int st = s->world.reg_stat;
    if (registered_stat(st) && !modem_radio_finds_network(s))
        return REG_SEARCHING;
    return st;
}

bool modem_registered(const struct sim *s)
{
    return registered_stat(modem_reg_stat(s));
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

/* "<stat>[,<lac>,<ci>[,<AcT>]]" as the read form and the URC print it: the
 * location only with n=2 and registered; <AcT> only in CEREG (reference §4.3). */
static void reg_fields(struct sim *s, char which, int n, char *buf, size_t cap)
{
    int st = modem_reg_stat(s);
    int len = snprintf(buf, cap, "%d", st);
    if (n != 2 || !registered_stat(st))
        return;
    if (which == 'E')
        snprintf(buf + len, cap - (size_t)len, ",\"%s\",\"%s\",%d", NET_TAC, NET_CELL, NET_ACT_EUTRAN);
    else
        snprintf(buf + len, cap - (size_t)len, ",\"%s\",\"%s\"", NET_TAC, NET_CELL);
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
        break;
    }
    if (a->count != 1 || !arg_number_in(&a->v[0], 0, 2))
        return CMD_ERROR;
    *n = (int)a->v[0].number;
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_creg) { return reg_command(s, c, a, 'C'); }
static DECLARE_HANDLER(cmd_cgreg) { return reg_command(s, c, a, 'G'); }
static DECLARE_HANDLER(cmd_cereg) { return reg_command(s, c, a, 'E'); }

static void print_registration_urcs(struct sim *s)
{
    static const struct { char which; const char *name; } kinds[] = {
        {'C', "+CREG"}, {'G', "+CGREG"}, {'E', "+CEREG"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        int n = *reg_n(s, kinds[i].which);
        char fields[64];
        if (n == 0)
            continue;
        reg_fields(s, kinds[i].which, n, fields, sizeof fields);
        sim_urc(s, "%s: %s", kinds[i].name, fields);
    }
}

/* Registration changed: its URCs, then what follows from it. Losing it drops
 * the PDP contexts and MQTT's connections (findings §14); gaining it on LTE
 * brings the default bearer up and the network's time (findings §21). */
void modem_report_registration(struct sim *s)
{
    int st = modem_reg_stat(s);
    if (st != s->modem.reported_stat) {
        bool was_registered = registered_stat(s->modem.reported_stat);
        s->modem.reported_stat = st;
        print_registration_urcs(s);
        if (was_registered && !registered_stat(st)) {
            modem_packet_detach(s);
            mqtt_network_lost(s);
        } else if (!was_registered && registered_stat(st)) {
            modem_packet_attach(s);
            modem_clock_network_time(s);
        }
    }
    modem_radio_report(s);
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
    if (modem_sim_error(s) != CME_NONE)
        return sim_cme(s, modem_sim_error(s));
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

/* ---- operator selection (27.007 §7.3) ---------------------------------------------- */

static const char *const operator_names[COPS_FORMATS] = {NET_OPERATOR, NET_OPERATOR_SHORT, NET_OPERATOR_NUMERIC};

/* The simulated cell as AT+COPS=? finds it: forbidden when the network
 * denies registration, unseen when the radio cannot see it. */
static enum oper_stat operator_stat(const struct sim *s)
{
    int world = s->world.reg_stat;
    if (!radio_on(s) || !modem_radio_finds_network(s) || (!registered_stat(world) && world != REG_DENIED))
        return OPER_UNSEEN;
    if (modem_registered(s))
        return OPER_CURRENT;
    return world == REG_DENIED ? OPER_FORBIDDEN : OPER_AVAILABLE;
}

static void cops_test(struct sim *s)
{
    enum oper_stat st = operator_stat(s);
    if (st == OPER_UNSEEN)
        sim_info(s, "+COPS: ,,(0-4),(0-2)");
    else
        sim_info(s, "+COPS: (%d,\"%s\",\"%s\",\"%s\",%d),,(0-4),(0-2)", st, NET_OPERATOR, NET_OPERATOR_SHORT,
                 NET_OPERATOR_NUMERIC, NET_ACT_EUTRAN);
}

/* <oper> in the format given, and <AcT> if given, name the simulated cell. */
static bool names_our_operator(const struct at_args *a, int format)
{
    const struct at_arg *oper = &a->v[2];
    const char *want = operator_names[format];
    if (oper->len != strlen(want) || memcmp(oper->text, want, oper->len) != 0)
        return false;
    return a->count < 4 || a->v[3].number == NET_ACT_EUTRAN;
}

/* AT+COPS=<mode>[,<format>[,<oper>[,<AcT>]]]: modes 1 and 4 need <format>
 * and <oper>, mode 3 needs <format>; a bad value is a syntax error. */
static bool cops_readable(const struct at_args *a)
{
    if (a->count < 1 || a->count > 4 || !arg_number_in(&a->v[0], 0, COPS_MODE_MAX))
        return false;
    if (a->count > 1 && a->v[1].type != AT_ARG_EMPTY && !arg_number_in(&a->v[1], 0, COPS_FORMATS - 1))
        return false;
    if (a->count > 2 && a->v[2].type != AT_ARG_STRING && a->v[2].type != AT_ARG_NUMBER)
        return false;
    if (a->count > 3 && a->v[3].type != AT_ARG_NUMBER)
        return false;
    long mode = a->v[0].number;
    bool format = a->count > 1 && a->v[1].type == AT_ARG_NUMBER;
    if (mode == COPS_MODE_SET_FORMAT)
        return format && a->count == 2;
    if (mode == COPS_MANUAL || mode == COPS_MODE_MANUAL_AUTO)
        return format && a->count > 2;
    return a->count <= 2;
}

static enum cmd_result cops_write(struct sim *s, const struct at_args *a)
{
    if (!cops_readable(a))
        return CMD_ERROR;
    long mode = a->v[0].number;
    if (a->count > 1 && a->v[1].type == AT_ARG_NUMBER)
        s->modem.cops_format = (int)a->v[1].number;     /* 27.007: kept whatever the mode */
    if (mode == COPS_MODE_SET_FORMAT)
        return CMD_OK;
    enum cops_mode next = (enum cops_mode)mode;
    if (mode == COPS_MANUAL || mode == COPS_MODE_MANUAL_AUTO) {
        enum oper_stat st = operator_stat(s);
        bool found = names_our_operator(a, s->modem.cops_format) && (st == OPER_AVAILABLE || st == OPER_CURRENT);
        if (!found && mode == COPS_MANUAL)
            return sim_cme(s, CME_NO_NETWORK);          /* findings §21: the selection fails, nothing changes */
        next = found ? COPS_MANUAL : COPS_AUTOMATIC;     /* mode 4 falls back to automatic */
    }
    s->modem.net.cops_mode = next;
    modem_report_registration(s);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_cops)
{
    switch (c->form) {
    case AT_FORM_TEST:
        cops_test(s);
        return CMD_OK;
    case AT_FORM_READ:
        if (modem_registered(s))
            sim_info(s, "+COPS: %d,%d,\"%s\",%d", s->modem.net.cops_mode, s->modem.cops_format,
                     operator_names[s->modem.cops_format], NET_ACT_EUTRAN);
        else
            sim_info(s, "+COPS: %d", s->modem.net.cops_mode);
        return CMD_OK;
    case AT_FORM_WRITE:
        return cops_write(s, a);
    case AT_FORM_EXEC:
        break;
    }
    return CMD_ERROR;
}

/* AT+CSPN?: the service provider name the SIM stores, display mode 0 (findings §21). */
static DECLARE_HANDLER(cmd_cspn)
{
    (void)a;
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_READ)
        return CMD_ERROR;
    sim_info(s, "+CSPN: \"%s\",0", NET_OPERATOR);
    return CMD_OK;
}

static const struct command commands[] = {
    {"+CPIN", cmd_cpin, 0},
    {"+CSQ", cmd_csq, 0},
    {"+CREG", cmd_creg, 0},
    {"+CGREG", cmd_cgreg, 0},
    {"+CEREG", cmd_cereg, 0},
    {"+COPS", cmd_cops, 0},
    {"+CSPN", cmd_cspn, CMD_NEEDS_SIM},
};

const struct command_family modem_network_commands = {commands, sizeof commands / sizeof commands[0]};
