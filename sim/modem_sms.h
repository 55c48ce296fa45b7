/* SMS, call and phonebook settings the module keeps (modem_sms.c,
 * modem_call.c; findings §26). struct modem holds them; modem_power_on
 * zeroes struct modem, so zero is each field's power-on value: a setting
 * whose power-on value is not zero keeps a "written" flag and reads its
 * power-on value until a host writes it. */
#ifndef SIM_MODEM_SMS_H
#define SIM_MODEM_SMS_H

#include <stdbool.h>

#define SMS_MEM_ROLES 3         /* AT+CPMS <mem1> read/delete, <mem2> write/send, <mem3> receive */
#define SMS_CNMI_PARAMS 5       /* <mode>,<mt>,<bm>,<ds>,<bfr> */
#define SMS_CSMP_PARAMS 4       /* <fo>,<vp>,<pid>,<dcs> */
#define SMS_SCA_MAX 21          /* '+' and 20 digits: the longest address 23.040 carries */

struct sms_settings {
    int cmgf;                   /* 0 PDU, 1 text */
    int csdh;                   /* show text-mode header values */
    int csms;                   /* message service, 0 phase 2 */
    int cpms[SMS_MEM_ROLES];    /* index in modem_sms.c's storage table; 0 is "SM" */
    bool cnmi_written;
    int cnmi[SMS_CNMI_PARAMS];
    bool csmp_written;
    int csmp[SMS_CSMP_PARAMS];
    bool csca_written;          /* otherwise the SIM's service centre */
    char csca[SMS_SCA_MAX + 1];
    int tosca;
};

struct call_settings {
    int clip;                   /* +CLIP after RING (no call is simulated, so never sent) */
    int crc;                    /* +CRING in place of RING (never sent: no call arrives) */
    int ccwa;                   /* +CCWA for a waiting call (never sent: no call arrives) */
    int cusd;                   /* +CUSD result codes */
    int cpbs;                   /* index in modem_call.c's phonebook table; 0 is "SM" */
};

#endif
