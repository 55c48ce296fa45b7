/* The command table: every command the simulator knows, by name. An unknown
 * name answers ERROR, as the module does. */
#include "sim_internal.h"

#include <string.h>

static const struct command commands[] = {
    /* V.250 basic commands (AT §3) */
    {"E", cmd_basic_e, 0}, {"V", cmd_basic_v, 0}, {"Q", cmd_basic_q, 0}, {"I", cmd_basic_i, 0},
    {"Z", cmd_basic_z, 0}, {"&F", cmd_basic_f, 0}, {"&W", cmd_basic_ignored, 0},
    {"&C", cmd_basic_ignored, 0}, {"&D", cmd_basic_ignored, 0}, {"X", cmd_basic_ignored, 0},
    {"S", cmd_basic_s, 0},
    /* identity (AT §3, §4) */
    {"+CGMI", cmd_cgmi, 0}, {"+CGMM", cmd_cgmm, 0}, {"+CGMR", cmd_cgmr, 0}, {"+CGSN", cmd_cgsn, 0},
    {"+GMI", cmd_cgmi, 0}, {"+GMM", cmd_cgmm, 0}, {"+GSN", cmd_cgsn, 0},
    {"+SIMEI", cmd_simei, 0}, {"+CIMI", cmd_cimi, CMD_NEEDS_SIM}, {"+CICCID", cmd_ciccid, CMD_NEEDS_SIM},
    {"+GCAP", cmd_gcap, 0}, {"+CMEE", cmd_cmee, 0}, {"+IPR", cmd_ipr, 0},
    /* SIM, signal, network (AT §4, §5, §9) */
    {"+CPIN", cmd_cpin, 0}, {"+CSQ", cmd_csq, 0}, {"+CREG", cmd_creg, 0},
    {"+CGREG", cmd_cgreg, 0}, {"+CEREG", cmd_cereg, 0}, {"+COPS", cmd_cops, 0},
    {"+CPSI", cmd_cpsi, 0}, {"+CFUN", cmd_cfun, 0}, {"+CRESET", cmd_creset, 0},
    {"+CGDCONT", cmd_cgdcont, CMD_NEEDS_SIM}, {"+CGAUTH", cmd_cgauth, CMD_NEEDS_SIM},
    {"+CGACT", cmd_cgact, CMD_NEEDS_SIM}, {"+CGATT", cmd_cgatt, CMD_NEEDS_SIM},
    {"+CGPADDR", cmd_cgpaddr, CMD_NEEDS_SIM},
    /* character set, own number, time (27.007 §5.5, §7.1, §8.40, §8.41, §8.15) */
    {"+CSCS", cmd_cscs, 0}, {"+CNUM", cmd_cnum, CMD_NEEDS_SIM}, {"+CTZR", cmd_ctzr, 0},
    {"+CTZU", cmd_ctzu, 0}, {"+CCLK", cmd_cclk, 0},
    /* MQTT (MQTT manual §2.2) */
    {"+CMQTTSTART", cmd_mqtt_start, 0}, {"+CMQTTSTOP", cmd_mqtt_stop, 0},
    {"+CMQTTACCQ", cmd_mqtt_accq, 0}, {"+CMQTTREL", cmd_mqtt_rel, 0},
    {"+CMQTTSSLCFG", cmd_mqtt_sslcfg, 0}, {"+CMQTTWILLTOPIC", cmd_mqtt_willtopic, 0},
    {"+CMQTTWILLMSG", cmd_mqtt_willmsg, 0}, {"+CMQTTCONNECT", cmd_mqtt_connect, 0},
    {"+CMQTTDISC", cmd_mqtt_disc, 0}, {"+CMQTTTOPIC", cmd_mqtt_topic, 0},
    {"+CMQTTPAYLOAD", cmd_mqtt_payload, 0}, {"+CMQTTPUB", cmd_mqtt_pub, 0},
    {"+CMQTTSUBTOPIC", cmd_mqtt_subtopic, 0}, {"+CMQTTSUB", cmd_mqtt_sub, 0},
    {"+CMQTTUNSUBTOPIC", cmd_mqtt_unsubtopic, 0}, {"+CMQTTUNSUB", cmd_mqtt_unsub, 0},
    {"+CMQTTCFG", cmd_mqtt_cfg, 0},
};

const struct command *command_find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}
