/* Call and phonebook set-up (3GPP TS 27.007; AT manual §6, §8, findings §26):
 * calling line presentation, cellular result codes, call waiting, USSD result
 * codes, hang-up, the phonebook storage and reading it. The simulated network places no call and answers
 * no USSD string; the phonebooks are empty. */
#include "sim_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- AT+CLIP ------------------------------------------------------------------------ */

/* <m>: the network's CLIP provisioning, which the read form asks the network for. */
enum clip_provision { CLIP_PROVISIONED = 1, CLIP_UNKNOWN = 2 };

static DECLARE_HANDLER(cmd_clip)
{
    if (c->form != AT_FORM_READ)
        return modem_switch_command(s, c, a, &s->modem.call.clip);
    /* without a network nothing can be asked: "unknown (e.g. no network)" (manual §6.12) */
    sim_info(s, "+CLIP: %d,%d", s->modem.call.clip, modem_registered(s) ? CLIP_PROVISIONED : CLIP_UNKNOWN);
    return CMD_OK;
}

/* ---- AT+CRC ------------------------------------------------------------------------- */

/* Cellular result codes (27.007 §6.11): 0-1, 0 at power-on (findings §26, P2). */
static DECLARE_HANDLER(cmd_crc) { return modem_switch_command(s, c, a, &s->modem.call.crc); }

/* ---- AT+CCWA ------------------------------------------------------------------------ */

enum ccwa_mode { CCWA_DISABLE, CCWA_ENABLE, CCWA_QUERY };
#define CCWA_CLASSES_DEFAULT 7  /* voice, data and fax (manual §6.9) */
#define CCWA_CLASS_MAX 255

/* AT+CCWA=<n>[,<mode>[,<class>]]: the network takes an enable or disable; asked, it says
 * the service is not active (inference, findings §26: the simulated network has none). */
static enum cmd_result ccwa_write(struct sim *s, const struct at_args *a)
{
    bool has_mode = a->count >= 2 && a->v[1].type != AT_ARG_EMPTY;
    bool has_class = a->count == 3 && a->v[2].type != AT_ARG_EMPTY;
    if (a->count > 3 || !arg_number_in(&a->v[0], 0, 1) || (has_mode && !arg_number_in(&a->v[1], 0, CCWA_QUERY)) ||
        (has_class && !arg_number_in(&a->v[2], 1, CCWA_CLASS_MAX)))
        return CMD_ERROR;
    s->modem.call.ccwa = (int)a->v[0].number;
    if (has_mode && a->v[1].number == CCWA_QUERY)
        sim_info(s, "+CCWA: 0,%ld", has_class ? a->v[2].number : (long)CCWA_CLASSES_DEFAULT);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_ccwa)
{
    return c->form == AT_FORM_WRITE ? ccwa_write(s, a) : modem_switch_command(s, c, a, &s->modem.call.ccwa);
}

/* ---- AT+CUSD ------------------------------------------------------------------------ */

#define CUSD_N_MAX 2            /* 0 disable, 1 enable, 2 cancel the session (27.007 §7.15) */

/* AT+CUSD=<n>[,<str>[,<dcs>]]: a string would go to the network, and the simulated one
 * offers no USSD service: operation not supported (inference, findings §26). */
static enum cmd_result cusd_write(struct sim *s, const struct at_args *a)
{
    if (a->count < 1 || a->count > 3 || !arg_number_in(&a->v[0], 0, CUSD_N_MAX))
        return CMD_ERROR;
    if (a->count >= 2 && a->v[1].type != AT_ARG_STRING)
        return CMD_ERROR;
    if (a->count == 3 && !arg_number_in(&a->v[2], 0, UINT8_MAX))
        return CMD_ERROR;
    if (a->count >= 2)
        return sim_cme(s, CME_NOT_SUPPORTED);
    /* 2 ends a session; none is open, and the presentation setting stays as it was */
    if (a->v[0].number != CUSD_N_MAX)
        s->modem.call.cusd = (int)a->v[0].number;
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_cusd)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CUSD: (0-%d)", CUSD_N_MAX);
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CUSD: %d", s->modem.call.cusd);
        return CMD_OK;
    case AT_FORM_EXEC:          /* 27.007: the bare command is <n>=0 */
        s->modem.call.cusd = 0;
        return CMD_OK;
    case AT_FORM_WRITE:
        break;
    }
    return cusd_write(s, a);
}

/* ---- AT+CHUP ------------------------------------------------------------------------ */

/* No call is ever up: hanging up is OK at once (S5: AT+CHUP after NO CARRIER answers OK). */
static DECLARE_HANDLER(cmd_chup)
{
    (void)s;
    (void)a;
    return c->form == AT_FORM_TEST || c->form == AT_FORM_EXEC ? CMD_OK : CMD_ERROR;
}

/* ---- AT+CPBS ------------------------------------------------------------------------ */

/* The storages of manual §8.1, in its AT+CPBS=? order, with their capacities: the
 * manual's where it states one, a SIM's (the manual's example, 200 in "SM") otherwise
 * (inference for "FD", "ON", "LD", "EN"). "SM" first: the power-on storage. */
static const struct phonebook {
    const char *name;
    int total;
} phonebooks[] = {
    {"SM", 200}, {"DC", 100}, {"FD", 20}, {"LD", 10}, {"MC", 100}, {"ME", 500}, {"RC", 100}, {"EN", 10},
    {"ON", 4},
};
#define PHONEBOOKS ((int)(sizeof phonebooks / sizeof phonebooks[0]))
#define PHONEBOOK_USED 0        /* every simulated phonebook is empty */

static void cpbs_test(struct sim *s)
{
    char line[96];
    size_t len = (size_t)snprintf(line, sizeof line, "+CPBS: (");
    for (int i = 0; i < PHONEBOOKS; i++)
        len += (size_t)snprintf(line + len, sizeof line - len, "%s\"%s\"", i ? "," : "", phonebooks[i].name);
    sim_info(s, "%s)", line);
}

static enum cmd_result cpbs_write(struct sim *s, const struct at_args *a)
{
    if (a->count != 1)
        return CMD_ERROR;
    for (int i = 0; i < PHONEBOOKS; i++)
        if (at_arg_is(&a->v[0], phonebooks[i].name)) {
            s->modem.call.cpbs = i;
            return CMD_OK;
        }
    return CMD_ERROR;
}

static DECLARE_HANDLER(cmd_cpbs)
{
    const struct phonebook *pb = &phonebooks[s->modem.call.cpbs];
    switch (c->form) {
    case AT_FORM_TEST:
        cpbs_test(s);
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CPBS: \"%s\",%d,%d", pb->name, PHONEBOOK_USED, pb->total);
        return CMD_OK;
    case AT_FORM_EXEC:          /* manual §8.1: back to "SM" */
        s->modem.call.cpbs = 0;
        return CMD_OK;
    case AT_FORM_WRITE:
        break;
    }
    return cpbs_write(s, a);
}

/* ---- AT+CPBR on the empty phonebooks ---------------------------------------------------- */

/* The longest number and text an entry takes (inference, findings §26: a common SIM's). */
#define PHONEBOOK_NUMBER_MAX 40
#define PHONEBOOK_TEXT_MAX 14
#define PHONEBOOK_FIRST 1

/* AT+CPBR=<index1>[,<index2>]: nothing in the range is stored, so OK alone (27.007 §8.12). */
static enum cmd_result cpbr_write(struct sim *s, const struct at_args *a)
{
    int total = phonebooks[s->modem.call.cpbs].total;
    if (a->count < 1 || a->count > 2 || !arg_number_in(&a->v[0], PHONEBOOK_FIRST, total))
        return CMD_ERROR;
    if (a->count == 2 && !arg_number_in(&a->v[1], a->v[0].number, total))
        return CMD_ERROR;
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_cpbr)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CPBR: (%d-%d),%d,%d", PHONEBOOK_FIRST, phonebooks[s->modem.call.cpbs].total,
                 PHONEBOOK_NUMBER_MAX, PHONEBOOK_TEXT_MAX);
        return CMD_OK;
    case AT_FORM_READ:
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    return cpbr_write(s, a);
}

/* "SIM PIN: YES" in the manual for all but hanging up; AT+CRC is a TA setting (inference). */
static const struct command commands[] = {
    {"+CLIP", cmd_clip, CMD_NEEDS_SIM},
    {"+CRC", cmd_crc, 0},
    {"+CCWA", cmd_ccwa, CMD_NEEDS_SIM},
    {"+CUSD", cmd_cusd, CMD_NEEDS_SIM},
    {"+CHUP", cmd_chup, 0},
    {"+CPBS", cmd_cpbs, CMD_NEEDS_SIM},
    {"+CPBR", cmd_cpbr, CMD_NEEDS_SIM},
};

const struct command_family modem_call_commands = {commands, sizeof commands / sizeof commands[0]};
