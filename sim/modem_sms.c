/* SMS set-up (3GPP TS 27.005; AT manual §7; findings §26): message service,
 * preferred storages, message format, service centre, text-mode parameters
 * and header display, new-message indications, and listing and deleting on
 * the simulated stores, which are always empty: the simulated network
 * delivers no SMS and sending (AT+CMGS) is not simulated. */
#include "sim_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- message storages (AT+CPMS) ------------------------------------------------- */

enum sms_mem { MEM_SM, MEM_ME, MEM_MT, MEM_SR, MEM_COUNT };   /* MEM_SM first: the power-on storage */
enum sms_role { ROLE_READ = 1u, ROLE_WRITE = 2u, ROLE_RECEIVE = 4u };   /* <mem1>, <mem2>, <mem3> */

/* Capacities: "SM" a SIM's (50 on the SIM7600G-H capture, the manual's example), "ME" and "MT"
 * (the same flash store, manual §7.2) 23 as captured; "SR" is an inference (findings §26). */
static const struct sms_store {
    const char *name;
    int total;
    unsigned roles;
} stores[MEM_COUNT] = {
    [MEM_SM] = {"SM", 50, ROLE_READ | ROLE_WRITE | ROLE_RECEIVE},
    [MEM_ME] = {"ME", 23, ROLE_READ | ROLE_WRITE | ROLE_RECEIVE},
    [MEM_MT] = {"MT", 23, ROLE_READ | ROLE_WRITE},
    [MEM_SR] = {"SR", 50, ROLE_READ},
};
static const enum sms_mem listing_order[] = {MEM_ME, MEM_MT, MEM_SM, MEM_SR};   /* AT+CPMS=? order */
static const unsigned role_of[SMS_MEM_ROLES] = {ROLE_READ, ROLE_WRITE, ROLE_RECEIVE};
#define SMS_USED 0              /* every simulated store is empty */

static void cpms_test(struct sim *s)
{
    char line[128];
    size_t len = (size_t)snprintf(line, sizeof line, "+CPMS: ");
    for (int r = 0; r < SMS_MEM_ROLES; r++) {
        const char *sep = "";
        len += (size_t)snprintf(line + len, sizeof line - len, "%s(", r ? "," : "");
        for (size_t i = 0; i < sizeof listing_order / sizeof listing_order[0]; i++) {
            const struct sms_store *st = &stores[listing_order[i]];
            if (!(st->roles & role_of[r]))
                continue;
            len += (size_t)snprintf(line + len, sizeof line - len, "%s\"%s\"", sep, st->name);
            sep = ",";
        }
        len += (size_t)snprintf(line + len, sizeof line - len, ")");
    }
    sim_info(s, "%s", line);
}

/* "+CPMS: <used1>,<total1>,..." after a write, or with each storage's name for the read form. */
static void cpms_report(struct sim *s, bool names)
{
    char line[128];
    size_t len = (size_t)snprintf(line, sizeof line, "+CPMS: ");
    for (int r = 0; r < SMS_MEM_ROLES; r++) {
        const struct sms_store *st = &stores[s->modem.sms.cpms[r]];
        if (names)
            len += (size_t)snprintf(line + len, sizeof line - len, "%s\"%s\",", r ? "," : "", st->name);
        else if (r)
            len += (size_t)snprintf(line + len, sizeof line - len, ",");
        len += (size_t)snprintf(line + len, sizeof line - len, "%d,%d", SMS_USED, st->total);
    }
    sim_info(s, "%s", line);
}

static int store_for(const struct at_arg *v, unsigned role)
{
    for (int m = 0; m < MEM_COUNT; m++)
        if ((stores[m].roles & role) && at_arg_is(v, stores[m].name))
            return m;
    return -1;
}

/* AT+CPMS=<mem1>[,<mem2>[,<mem3>]]: the storages not given stay (27.005 §3.2.2). */
static enum cmd_result cpms_write(struct sim *s, const struct at_args *a)
{
    int mem[SMS_MEM_ROLES];
    if (a->count < 1 || a->count > SMS_MEM_ROLES)
        return CMD_ERROR;
    for (int r = 0; r < a->count; r++)
        if ((mem[r] = store_for(&a->v[r], role_of[r])) < 0)
            return CMD_ERROR;
    for (int r = 0; r < a->count; r++)
        s->modem.sms.cpms[r] = mem[r];
    cpms_report(s, false);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_cpms)
{
    switch (c->form) {
    case AT_FORM_TEST:
        cpms_test(s);
        return CMD_OK;
    case AT_FORM_READ:
        cpms_report(s, true);
        return CMD_OK;
    case AT_FORM_EXEC:          /* manual §7.2: "SM" for all three */
        memset(s->modem.sms.cpms, 0, sizeof s->modem.sms.cpms);
        cpms_report(s, false);
        return CMD_OK;
    case AT_FORM_WRITE:
        break;
    }
    return cpms_write(s, a);
}

/* ---- AT+CSMS, AT+CMGF, AT+CSDH ---------------------------------------------------- */

/* <mt>,<mo>,<bm>: mobile-terminated, mobile-originated and broadcast messages supported. */
#define CSMS_SUPPORT "1,1,1"

static DECLARE_HANDLER(cmd_csms)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CSMS: (0-1)");
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CSMS: %d," CSMS_SUPPORT, s->modem.sms.csms);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count != 1 || !arg_number_in(&a->v[0], 0, 1))
        return CMD_ERROR;
    s->modem.sms.csms = (int)a->v[0].number;
    sim_info(s, "+CSMS: " CSMS_SUPPORT);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_cmgf) { return modem_switch_command(s, c, a, &s->modem.sms.cmgf); }
static DECLARE_HANDLER(cmd_csdh) { return modem_switch_command(s, c, a, &s->modem.sms.csdh); }

/* ---- AT+CSCA ------------------------------------------------------------------------ */

/* The simulated SIM's service centre: a number Ofcom keeps for fiction, in the simulated
 * operator's country (MCC 234), so that no program takes it for a real one. */
#define SIM_SERVICE_CENTRE "+447700900000"
#define TOSCA_INTERNATIONAL 145
#define TOSCA_OTHER 129
#define TOSCA_MIN 128
#define TOSCA_MAX 255

/* An address: an optional '+', then digits (27.005 §3.3.1, <sca> of 23.040's semi-octets). */
static bool valid_address(const struct at_arg *v)
{
    if (v->type != AT_ARG_STRING || v->len == 0 || v->len > SMS_SCA_MAX)
        return false;
    for (size_t i = v->text[0] == '+' ? 1 : 0; i < v->len; i++)
        if (v->text[i] < '0' || v->text[i] > '9')
            return false;
    return true;
}

static enum cmd_result csca_write(struct sim *s, const struct at_args *a)
{
    struct sms_settings *sms = &s->modem.sms;
    if (a->count < 1 || a->count > 2 || !valid_address(&a->v[0]))
        return CMD_ERROR;
    bool typed = a->count == 2 && a->v[1].type != AT_ARG_EMPTY;
    if (typed && !arg_number_in(&a->v[1], TOSCA_MIN, TOSCA_MAX))
        return CMD_ERROR;
    at_arg_copy(sms->csca, sizeof sms->csca, &a->v[0]);
    sms->tosca = typed ? (int)a->v[1].number : sms->csca[0] == '+' ? TOSCA_INTERNATIONAL : TOSCA_OTHER;
    sms->csca_written = true;
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_csca)
{
    const struct sms_settings *sms = &s->modem.sms;
    switch (c->form) {
    case AT_FORM_TEST:          /* manual §7.4: OK alone */
        return CMD_OK;
    case AT_FORM_READ:
        if (sms->csca_written)
            sim_info(s, "+CSCA: \"%s\",%d", sms->csca, sms->tosca);
        else
            sim_info(s, "+CSCA: \"" SIM_SERVICE_CENTRE "\",%d", TOSCA_INTERNATIONAL);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    return csca_write(s, a);
}

/* ---- AT+CSMP ------------------------------------------------------------------------ */

/* <fo> 17 (SMS-SUBMIT, relative validity), <vp> 167 (one day), <pid> 0, <dcs> 0 (manual §7.6). */
static const int csmp_power_on[SMS_CSMP_PARAMS] = {17, 167, 0, 0};
#define CSMP_VALUE_MAX 255

static const int *csmp_values(const struct sms_settings *sms)
{
    return sms->csmp_written ? sms->csmp : csmp_power_on;
}

/* AT+CSMP=[<fo>[,<vp>[,<pid>[,<dcs>]]]]: an empty or missing value stays. <vp> in the
 * time-string or enhanced format is not accepted (only the relative, integer one). */
static enum cmd_result csmp_write(struct sim *s, const struct at_args *a)
{
    struct sms_settings *sms = &s->modem.sms;
    int v[SMS_CSMP_PARAMS];
    if (a->count > SMS_CSMP_PARAMS)
        return CMD_ERROR;
    memcpy(v, csmp_values(sms), sizeof v);
    for (int i = 0; i < a->count; i++) {
        if (a->v[i].type == AT_ARG_EMPTY)
            continue;
        if (!arg_number_in(&a->v[i], 0, CSMP_VALUE_MAX))
            return CMD_ERROR;
        v[i] = (int)a->v[i].number;
    }
    memcpy(sms->csmp, v, sizeof v);
    sms->csmp_written = true;
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_csmp)
{
    const int *v = csmp_values(&s->modem.sms);
    switch (c->form) {
    case AT_FORM_TEST:          /* manual §7.6: OK alone */
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CSMP: %d,%d,%d,%d", v[0], v[1], v[2], v[3]);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    return csmp_write(s, a);
}

/* ---- AT+CNMI ------------------------------------------------------------------------ */

enum cnmi_param { CNMI_MODE, CNMI_MT, CNMI_BM, CNMI_DS, CNMI_BFR };
/* What a SIM7600 reads after power-on (findings §26: S5's AT&V, a SIM7600G-H capture). */
static const int cnmi_power_on[SMS_CNMI_PARAMS] = {2, 1, 0, 0, 0};
/* Each parameter's values, as AT+CNMI=? lists them (manual §7.9), as bit sets. */
#define BIT(n) (1u << (n))
static const unsigned cnmi_allowed[SMS_CNMI_PARAMS] = {
    [CNMI_MODE] = BIT(0) | BIT(1) | BIT(2),
    [CNMI_MT] = BIT(0) | BIT(1) | BIT(2) | BIT(3),
    [CNMI_BM] = BIT(0) | BIT(2),
    [CNMI_DS] = BIT(0) | BIT(1) | BIT(2),
    [CNMI_BFR] = BIT(0) | BIT(1),
};
#define CNMI_VALUE_MAX 3
#define CNMI_MT_DIRECT 2        /* +CMT routed directly */
#define CNMI_MT_CLASS3 3
#define CNMI_DS_DIRECT 1

static const int *cnmi_values(const struct sms_settings *sms)
{
    return sms->cnmi_written ? sms->cnmi : cnmi_power_on;
}

static void cnmi_test(struct sim *s)
{
    char line[96];
    size_t len = (size_t)snprintf(line, sizeof line, "+CNMI: ");
    for (int p = 0; p < SMS_CNMI_PARAMS; p++) {
        const char *sep = "";
        len += (size_t)snprintf(line + len, sizeof line - len, "%s(", p ? "," : "");
        for (int v = 0; v <= CNMI_VALUE_MAX; v++)
            if (cnmi_allowed[p] & BIT(v)) {
                len += (size_t)snprintf(line + len, sizeof line - len, "%s%d", sep, v);
                sep = ",";
            }
        len += (size_t)snprintf(line + len, sizeof line - len, ")");
    }
    sim_info(s, "%s", line);
}

/* Manual §7.9: <mt>=3 or <ds>=1 need <mode>=1; <mt>=2 needs <mode> 1 or 2. */
static bool cnmi_consistent(const int *v)
{
    if ((v[CNMI_MT] == CNMI_MT_CLASS3 || v[CNMI_DS] == CNMI_DS_DIRECT) && v[CNMI_MODE] != 1)
        return false;
    return v[CNMI_MT] != CNMI_MT_DIRECT || v[CNMI_MODE] != 0;
}

/* AT+CNMI=<mode>[,<mt>[,<bm>[,<ds>[,<bfr>]]]]: a value not given stays (manual §1.4). */
static enum cmd_result cnmi_write(struct sim *s, const struct at_args *a)
{
    struct sms_settings *sms = &s->modem.sms;
    int v[SMS_CNMI_PARAMS];
    if (a->count > SMS_CNMI_PARAMS || a->v[0].type == AT_ARG_EMPTY)
        return CMD_ERROR;
    memcpy(v, cnmi_values(sms), sizeof v);
    for (int p = 0; p < a->count; p++) {
        if (a->v[p].type == AT_ARG_EMPTY)
            continue;
        if (!arg_number_in(&a->v[p], 0, CNMI_VALUE_MAX) || !(cnmi_allowed[p] & BIT(a->v[p].number)))
            return CMD_ERROR;
        v[p] = (int)a->v[p].number;
    }
    if (!cnmi_consistent(v))
        return CMD_ERROR;
    memcpy(sms->cnmi, v, sizeof v);
    sms->cnmi_written = true;
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_cnmi)
{
    const int *v = cnmi_values(&s->modem.sms);
    switch (c->form) {
    case AT_FORM_TEST:
        cnmi_test(s);
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CNMI: %d,%d,%d,%d,%d", v[0], v[1], v[2], v[3], v[4]);
        return CMD_OK;
    case AT_FORM_EXEC:          /* "set default value": the power-on one (inference, findings §26) */
        s->modem.sms.cnmi_written = false;
        return CMD_OK;
    case AT_FORM_WRITE:
        break;
    }
    return cnmi_write(s, a);
}

/* ---- AT+CMGL, AT+CMGD on the empty stores -------------------------------------------- */

/* <stat> in text mode, in its PDU number's order (manual §7.11). */
static const char *const cmgl_stats[] = {"REC UNREAD", "REC READ", "STO UNSENT", "STO SENT", "ALL"};
#define CMGL_STATS ((int)(sizeof cmgl_stats / sizeof cmgl_stats[0]))
#define SMS_TEXT_MODE 1

static void cmgl_test(struct sim *s)
{
    if (s->modem.sms.cmgf != SMS_TEXT_MODE) {
        sim_info(s, "+CMGL: (0-%d)", CMGL_STATS - 1);
        return;
    }
    char line[96];
    size_t len = (size_t)snprintf(line, sizeof line, "+CMGL: (");
    for (int i = 0; i < CMGL_STATS; i++)
        len += (size_t)snprintf(line + len, sizeof line - len, "%s\"%s\"", i ? "," : "", cmgl_stats[i]);
    sim_info(s, "%s)", line);
}

static bool cmgl_stat_valid(const struct sim *s, const struct at_arg *v)
{
    if (s->modem.sms.cmgf != SMS_TEXT_MODE)
        return arg_number_in(v, 0, CMGL_STATS - 1);
    for (int i = 0; i < CMGL_STATS; i++)
        if (at_arg_is(v, cmgl_stats[i]))
            return true;
    return false;
}

/* The list of an empty store is OK alone. */
static DECLARE_HANDLER(cmd_cmgl)
{
    switch (c->form) {
    case AT_FORM_TEST:
        cmgl_test(s);
        return CMD_OK;
    case AT_FORM_READ:
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    return a->count == 1 && cmgl_stat_valid(s, &a->v[0]) ? CMD_OK : CMD_ERROR;
}

#define CMGD_DELFLAG_MAX 4      /* 0 the one at <index> ... 4 every message */

/* AT+CMGD=<index>[,<delflag>]; with a <delflag> of 1-4 the index may be empty (manual §7.16).
 * Deleting from an empty store succeeds. */
static enum cmd_result cmgd_write(struct sim *s, const struct at_args *a)
{
    int total = stores[s->modem.sms.cpms[0]].total;
    bool flagged = a->count == 2 && a->v[1].type != AT_ARG_EMPTY;
    if (a->count > 2 || (flagged && !arg_number_in(&a->v[1], 0, CMGD_DELFLAG_MAX)))
        return CMD_ERROR;
    if (a->v[0].type == AT_ARG_EMPTY)
        return flagged && a->v[1].number > 0 ? CMD_OK : CMD_ERROR;
    return arg_number_in(&a->v[0], 0, total - 1) ? CMD_OK : CMD_ERROR;
}

static DECLARE_HANDLER(cmd_cmgd)
{
    switch (c->form) {
    case AT_FORM_TEST:          /* S5: an empty store lists no index */
        sim_info(s, "+CMGD: (),(0-%d)", CMGD_DELFLAG_MAX);
        return CMD_OK;
    case AT_FORM_READ:
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    return cmgd_write(s, a);
}

/* The manual marks each of them "SIM PIN: YES" (§7). */
static const struct command commands[] = {
    {"+CSMS", cmd_csms, CMD_NEEDS_SIM},
    {"+CPMS", cmd_cpms, CMD_NEEDS_SIM},
    {"+CMGF", cmd_cmgf, CMD_NEEDS_SIM},
    {"+CSCA", cmd_csca, CMD_NEEDS_SIM},
    {"+CSMP", cmd_csmp, CMD_NEEDS_SIM},
    {"+CSDH", cmd_csdh, CMD_NEEDS_SIM},
    {"+CNMI", cmd_cnmi, CMD_NEEDS_SIM},
    {"+CMGL", cmd_cmgl, CMD_NEEDS_SIM},
    {"+CMGD", cmd_cmgd, CMD_NEEDS_SIM},
};

const struct command_family modem_sms_commands = {commands, sizeof commands / sizeof commands[0]};
