/* The simulated network and the module's network, radio and packet-data
 * state (issue 14; findings §21). The files modem_network.c (SIM,
 * registration, operator), modem_radio.c (CNMP, CNAOP, CNSMOD, CPSI),
 * modem_packet.c (PDP contexts, attach, +CGEV) and modem_clock.c (network
 * time) share it through sim_internal.h. */
#ifndef SIM_MODEM_NET_H
#define SIM_MODEM_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "at_cmdline.h"

/* The one operator of the simulated network: an LTE cell (findings §19, §21). */
#define NET_OPERATOR "Simulated Operator"        /* AT+COPS format 0, AT+CSPN */
#define NET_OPERATOR_SHORT "SIMOP"                /* format 1 */
#define NET_OPERATOR_NUMERIC "23415"              /* format 2: MCC 234, MNC 15 */
#define NET_MCC_MNC "234-15"                      /* as AT+CPSI writes it */
#define NET_TAC "00C3"                            /* tracking area (LAC for CREG/CGREG) */
#define NET_CELL "0A1B2C3D"                       /* E-UTRAN cell identity, hex */
#define NET_ACT_EUTRAN 7                          /* <AcT> 7: E-UTRAN (27.007 §7.3) */

/* 27.007 §7.2 <stat> values the model names. */
enum reg_stat {
    REG_NOT_SEARCHING = 0, REG_HOME = 1, REG_SEARCHING = 2, REG_DENIED = 3, REG_UNKNOWN = 4,
    REG_ROAMING = 5,
};

/* AT+COPS <mode> as the module keeps it (27.007 §7.3): 3 sets only the format,
 * and 4 becomes 1 when the manual selection succeeds, 0 when it does not. */
enum cops_mode { COPS_AUTOMATIC = 0, COPS_MANUAL = 1, COPS_DEREGISTERED = 2 };

#define CNAOP_PREFS_MAX 6      /* AT+CNAOP=7,<pref1>,...,<pref6> (findings §21) */

struct modem_net {
    enum cops_mode cops_mode;
    int cnmp;                   /* AT+CNMP: index in modem_radio.c's mode table; 0 is 2, automatic */
    int cnaop;                  /* AT+CNAOP <mode>: index in modem_radio.c's table; 0 is 2, as after power-on */
    int cnaop_pref[CNAOP_PREFS_MAX], cnaop_prefs;
    int cnsmod_n;               /* AT+CNSMOD=1: +CNSMOD: <stat> when the system mode changes */
    int reported_cnsmod;        /* the system mode last seen by modem_radio_report */
    int cgerep_mode, cgerep_bfr;   /* AT+CGEREP: +CGEV reports with mode 1 or 2 (both 0 at power-on) */
};

/* The network's clock, as NITZ would carry it; unset, the network sends no time. */
struct world_net {
    bool nitz;
    int64_t nitz_s;             /* local time then, seconds since 1980-01-01 00:00:00 (modem_clock.c) */
    uint64_t nitz_ref_us;       /* core time at which the network's clock read nitz_s */
    int nitz_tz;                /* quarter hours from GMT */
};

struct sim;

/* A number parameter within lo..hi: anything else is a syntax error (findings §1). */
static inline bool arg_number_in(const struct at_arg *v, long lo, long hi)
{
    return v->type == AT_ARG_NUMBER && v->number >= lo && v->number <= hi;
}

/* modem_radio.c */
bool modem_radio_finds_network(const struct sim *s);   /* CNMP lets the radio use the LTE cell */
int modem_radio_cnmp(const struct sim *s);             /* the AT+CNMP mode */
void modem_radio_report(struct sim *s);                /* +CNSMOD when the system mode changed */
void modem_radio_factory(struct sim *s);               /* AT&F: CNMP and CNAOP as at power-on */
/* modem_packet.c: registration gained or lost, as modem_report_registration sees it */
void modem_packet_attach(struct sim *s);
void modem_packet_detach(struct sim *s);
bool modem_packet_attached(const struct sim *s);       /* registered and not AT+CGATT=0 */
bool modem_packet_activate(struct sim *s, int cid);    /* a PPP call's context up (attaching first); false: no network */
bool modem_packet_bring_up(struct sim *s, int cid);    /* AT+NETOPEN's context up, if attached and defined */
#define PDP_ADDRESS_LEN 16
void modem_packet_address(int cid, char *buf, size_t n);   /* the address the network gives context <cid> */
/* tcpip_net.c: told by modem_packet.c that context <cid> went down (0: all, a
 * detach); the socket stack's network closes if it ran on it (findings §33). */
void tcpip_context_lost(struct sim *s, int cid);
/* modem_clock.c */
bool modem_clock_parse(const char *text, size_t len, int64_t *secs, int *tz);
void modem_clock_network_time(struct sim *s);          /* NITZ received: +CTZV, and the clock if CTZU */

#endif
