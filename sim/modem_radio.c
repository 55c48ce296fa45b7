/* The radio: preferred mode (AT+CNMP), acquisition order (AT+CNAOP), the
 * network system mode (AT+CNSMOD and its URC) and the serving cell
 * (AT+CPSI?) (AT manual §5.11-§5.16; reference §4.5, §4.6; findings §21).
 * The simulated network is one LTE cell: a mode without LTE finds nothing. */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* AT+CNMP=? of a SIM7600E (findings §21, S18), in its order; the first is
 * the power-on and AT&F value (reference §1.7). */
static const struct cnmp_mode {
    int mode;
    bool lte;                   /* the mode includes LTE */
} cnmp_modes[] = {
    {2, true},   /* automatic */
    {9, false}, {10, false}, {13, false}, {14, false}, {19, false}, {22, false},
    {38, true},  /* LTE only */
    {39, true}, {48, false}, {51, true}, {54, true}, {59, false}, {60, false}, {63, false}, {67, false},
};
#define CNMP_MODES (sizeof cnmp_modes / sizeof cnmp_modes[0])

/* AT+CNAOP modes (findings §21): the first is what a SIM7600 reads after power-on. */
static const int cnaop_modes[] = {2, 0, 1, 7};
#define CNAOP_MODES (sizeof cnaop_modes / sizeof cnaop_modes[0])
#define CNAOP_MODE_LIST 7      /* followed by the order as <pref1>..<pref6> */
#define CNAOP_PREF_MAX 255

/* AT+CNSMOD <stat> values the simulated network can show (reference §4.5). */
enum cnsmod_stat { CNSMOD_NO_SERVICE = 0, CNSMOD_LTE = 8 };

/* A downlink channel (EARFCN) inside each band a model's cell may be on
 * (3GPP TS 36.101 table 5.7.3-1: band 3 is 1200-1949, band 2 600-1199 ...). */
static const struct { int band, earfcn; } band_channels[] = {
    {1, 300}, {2, 900}, {3, 1575}, {4, 2175}, {5, 2525}, {7, 3100}, {8, 3625}, {20, 6300}, {28, 9435},
};

static int serving_earfcn(int band)
{
    for (size_t i = 0; i < sizeof band_channels / sizeof band_channels[0]; i++)
        if (band_channels[i].band == band)
            return band_channels[i].earfcn;
    return band_channels[0].earfcn;
}

/* The serving cell as AT+CPSI? shows it (findings §21: an LTE line of a SIM7600E-H). */
#define CPSI_PCI 256
#define CPSI_BANDWIDTH 5        /* <dlbw>, <ulbw>: 5 is 20 MHz */
#define CPSI_RSRQ (-94)         /* 1/10 dB */
#define CPSI_RSRP_BELOW_RSSI 250   /* 1/10 dB: RSRP is per resource element, RSSI over the band */
#define CPSI_SNR 15
#define CPSI_TIME_MAX 255       /* AT+CPSI=<time>: report period in seconds */
#define CSQ_DBM_AT_ZERO (-113)  /* <rssi> 0 is -113 dBm, and each step is 2 dB (27.007 §8.5) */
#define CSQ_UNKNOWN 99

bool modem_radio_finds_network(const struct sim *s)
{
    return cnmp_modes[s->modem.net.cnmp].lte;
}

int modem_radio_cnmp(const struct sim *s)
{
    return cnmp_modes[s->modem.net.cnmp].mode;
}

/* ---- AT+CNMP ---------------------------------------------------------------------- */

static int cnmp_index(long mode)
{
    for (size_t i = 0; i < CNMP_MODES; i++)
        if (cnmp_modes[i].mode == mode)
            return (int)i;
    return -1;
}

static void cnmp_test(struct sim *s)
{
    char list[128];
    size_t len = 0;
    for (size_t i = 0; i < CNMP_MODES; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%d", i ? "," : "", cnmp_modes[i].mode);
    sim_info(s, "+CNMP: (%s)", list);
}

static DECLARE_HANDLER(cmd_cnmp)
{
    switch (c->form) {
    case AT_FORM_TEST:
        cnmp_test(s);
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CNMP: %d", cnmp_modes[s->modem.net.cnmp].mode);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    int i = a->count == 1 && a->v[0].type == AT_ARG_NUMBER ? cnmp_index(a->v[0].number) : -1;
    if (i < 0)
        return CMD_ERROR;       /* reference §4.6: a mode the module does not support is ERROR */
    s->modem.net.cnmp = i;
    modem_report_registration(s);      /* a mode without LTE loses the cell, one with it finds it */
    return CMD_OK;
}

/* AT&F restores the factory radio settings (reference §1.7): automatic mode and
 * acquisition order; the cell an LTE-less mode had lost is found again. */
void modem_radio_factory(struct sim *s)
{
    s->modem.net.cnmp = 0;
    s->modem.net.cnaop = 0;
    s->modem.net.cnaop_prefs = 0;
    modem_report_registration(s);
}

/* ---- AT+CNAOP --------------------------------------------------------------------- */

static int cnaop_index(long mode)
{
    for (size_t i = 0; i < CNAOP_MODES; i++)
        if (cnaop_modes[i] == mode)
            return (int)i;
    return -1;
}

static void cnaop_read(struct sim *s)
{
    const struct modem_net *n = &s->modem.net;
    char line[64];
    size_t len = (size_t)snprintf(line, sizeof line, "+CNAOP: %d", cnaop_modes[n->cnaop]);
    for (int i = 0; i < n->cnaop_prefs; i++)
        len += (size_t)snprintf(line + len, sizeof line - len, ",%d", n->cnaop_pref[i]);
    sim_info(s, "%s", line);
}

/* AT+CNAOP=<mode>, or AT+CNAOP=7,<pref1>,...,<pref6> with the order itself. */
static enum cmd_result cnaop_write(struct sim *s, const struct at_args *a)
{
    int i = a->count >= 1 && a->v[0].type == AT_ARG_NUMBER ? cnaop_index(a->v[0].number) : -1;
    if (i < 0)
        return CMD_ERROR;
    bool list = cnaop_modes[i] == CNAOP_MODE_LIST;
    if (a->count != (list ? 1 + CNAOP_PREFS_MAX : 1))
        return CMD_ERROR;
    for (int k = 1; k < a->count; k++)
        if (!arg_number_in(&a->v[k], 0, CNAOP_PREF_MAX))
            return CMD_ERROR;
    struct modem_net *n = &s->modem.net;
    n->cnaop = i;
    n->cnaop_prefs = a->count - 1;
    for (int k = 1; k < a->count; k++)
        n->cnaop_pref[k - 1] = (int)a->v[k].number;
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_cnaop)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CNAOP: (0-2,7)");
        return CMD_OK;
    case AT_FORM_READ:
        cnaop_read(s);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    return cnaop_write(s, a);
}

/* ---- AT+CNSMOD -------------------------------------------------------------------- */

static enum cnsmod_stat cnsmod_stat(const struct sim *s)
{
    return modem_registered(s) ? CNSMOD_LTE : CNSMOD_NO_SERVICE;
}

void modem_radio_report(struct sim *s)
{
    enum cnsmod_stat st = cnsmod_stat(s);
    if ((int)st == s->modem.net.reported_cnsmod)
        return;
    s->modem.net.reported_cnsmod = (int)st;
    if (s->modem.net.cnsmod_n == 1)
        sim_urc(s, "+CNSMOD: %d", (int)st);
}

static DECLARE_HANDLER(cmd_cnsmod)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CNSMOD: (0-1)");
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CNSMOD: %d,%d", s->modem.net.cnsmod_n, (int)cnsmod_stat(s));
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;       /* findings §1, S1b: the execute form answers ERROR */
    case AT_FORM_WRITE:
        break;
    }
    if (a->count != 1 || !arg_number_in(&a->v[0], 0, 1))
        return CMD_ERROR;
    s->modem.net.cnsmod_n = (int)a->v[0].number;
    s->modem.net.reported_cnsmod = (int)cnsmod_stat(s);    /* the URC reports changes from now on */
    return CMD_OK;
}

/* ---- AT+CPSI ---------------------------------------------------------------------- */

/* The LTE line: <RSSI> and <RSRP> in 1/10 dBm, as the captures print them. */
static void cpsi_lte(struct sim *s)
{
    int csq = modem_rssi(s);
    int rssi = 10 * (CSQ_DBM_AT_ZERO + 2 * (csq == CSQ_UNKNOWN ? 0 : csq));
    int band = modem_model(s)->serving_band;
    sim_info(s, "+CPSI: LTE,Online,%s,0x%s,%lu,%d,EUTRAN-BAND%d,%d,%d,%d,%d,%d,%d,%d", NET_MCC_MNC, NET_TAC,
             strtoul(NET_CELL, NULL, 16), CPSI_PCI, band, serving_earfcn(band), CPSI_BANDWIDTH, CPSI_BANDWIDTH,
             CPSI_RSRQ, rssi - CPSI_RSRP_BELOW_RSSI, rssi, CPSI_SNR);
}

static DECLARE_HANDLER(cmd_cpsi)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CPSI: (0-%d)", CPSI_TIME_MAX);
        return CMD_OK;
    case AT_FORM_WRITE:     /* the period is accepted; periodic reports are not simulated */
        return a->count == 1 && arg_number_in(&a->v[0], 0, CPSI_TIME_MAX) ? CMD_OK : CMD_ERROR;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_READ:
        break;
    }
    if (modem_registered(s))
        cpsi_lte(s);
    else    /* findings §21: no space after the comma on a SIM7600 */
        sim_info(s, "+CPSI: NO SERVICE,%s", s->modem.cfun == 1 ? "Online" : "Low Power Mode");
    return CMD_OK;
}

static const struct command commands[] = {
    {"+CNMP", cmd_cnmp, 0},
    {"+CNAOP", cmd_cnaop, 0},
    {"+CNSMOD", cmd_cnsmod, 0},
    {"+CPSI", cmd_cpsi, 0},
};

const struct command_family modem_radio_commands = {commands, sizeof commands / sizeof commands[0]};
