/* The command table: every command the simulator knows, by family. An
 * unknown name answers ERROR, as the module does. A new family adds its
 * file's table here. */
#include "sim_internal.h"

#include <string.h>

static const struct command_family *const families[] = {
    &modem_basic_commands,   /* V.250, serial settings, error reporting (AT §2, §3) */
    &modem_identity_commands,/* identity, SIM identity (AT §3, §4) */
    &modem_network_commands, /* SIM, signal, registration, operator (AT §4, §5) */
    &modem_packet_commands,  /* PDP contexts (AT §5, 27.007 §10) */
    &modem_power_commands,   /* CFUN, CRESET (AT §3) */
    &modem_clock_commands,   /* clock, time zone (27.007 §8) */
    &modem_radio_commands,   /* radio mode, acquisition order, system mode, serving cell (AT §5) */
    &modem_sms_commands,     /* SMS set-up: storages, format, service centre, indications (AT §7) */
    &modem_call_commands,    /* CLIP, CUSD, CHUP, phonebook storage (AT §6, §8) */
    &mqtt_commands,          /* MQTT manual §2.2 */
    &tcpip_net_commands,     /* NETOPEN, NETCLOSE, IPADDR (TCPIP manual; AT §15) */
    &tcpip_socket_commands,  /* CIPOPEN, CIPSEND, CIPCLOSE, CIPACK */
    &tcpip_server_commands,  /* SERVERSTART, SERVERSTOP */
    &tcpip_receive_commands, /* CIPRXGET */
    &tcpip_config_commands,  /* CIPMODE, CIPCCFG, CIPTIMEOUT, CIPHEAD, CDNSGIP, CPING ... */
    &tcpip_transparent_commands, /* ATO, back to transparent mode's data */
    &cch_commands,           /* CCHSTART, CCHOPEN, CCHSEND, CCHRECV ... (SSL manual) */
    &ssl_store_commands,     /* CCERTDOWN, CCERTLIST, CCERTDELE (SSL manual) */
    &ssl_config_commands,    /* CSSLCFG: the ten SSL contexts (SSL manual) */
    &ppp_commands,           /* ATD*99#, AT+CGDATA, ATH: PPP data mode (27.007 §10.2.1) */
    &http_commands,          /* HTTPINIT, HTTPPARA, HTTPACTION, HTTPREAD ... (HTTP(S) manual) */
};

const struct command *command_find(const char *name)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (size_t i = 0; i < families[f]->count; i++)
            if (strcmp(families[f]->commands[i].name, name) == 0)
                return &families[f]->commands[i];
    return NULL;
}

size_t command_count(void)
{
    size_t n = 0;
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        n += families[f]->count;
    return n;
}

const struct command *command_at(size_t i)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        if (i < families[f]->count)
            return &families[f]->commands[i];
        i -= families[f]->count;
    }
    return NULL;
}
