/* The settings of the module's TCP/IP stack (AT+CIPMODE, AT+CIPSENDMODE,
 * AT+CIPHEAD, AT+CIPSRIP, AT+CIPCCFG, AT+CIPTIMEOUT, AT+CIPDNSSET), its name lookups
 * (AT+CDNSGIP, AT+CPING) and the faults a name or a port can be given.
 * Findings §25. */
#include "sim_internal.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define TIMEOUT_DEFAULT_MS 120000   /* AT+CIPTIMEOUT's three, as after power-on */
#define TIMEOUT_MIN_MS 3000
#define PING_RTT_MS 30              /* a simulated echo's round trip */
#define PING_TTL 64
#define PING_COUNT_MAX 100
#define PING_SIZE_MIN 4
#define PING_SIZE_MAX 5120
#define PING_DEFAULT_COUNT 4
#define PING_DEFAULT_SIZE 64

#define DNS_NET_RETRIES_MAX 3       /* AT+CIPDNSSET's first: network open retries (findings §25) */
#define DNS_NET_TIMEOUT_DEFAULT_MS 30000
#define DNS_RETRIES_DEFAULT 5
#define DNS_RETRIES_MIN 1

/* ---- the settings of numbers (AT+CIPCCFG, AT+CIPTIMEOUT, AT+CIPDNSSET) -------------- */

struct field_range {
    long dflt, lo, hi;                /* power-on value and range */
};

/* AT+CIPCCFG=<NmRetry>,<DelayTm>,<Ack>,<errMode>,<HeaderType>,<AsyncMode>,<TimeoutVal> */
static const struct field_range cipccfg_fields[CIPCCFG_FIELDS] = {
    {10, 0, 10}, {0, 0, 1000}, {0, 0, 1}, {1, 0, 1}, {0, 0, 1}, {0, 0, 1}, {500, 500, 120000},
};
/* AT+CIPTIMEOUT=<netopen>,<cipopen>,<cipsend> in ms (the CIPOPEN one bounds the real connect) */
static const struct field_range ciptimeout_fields[CIPTIMEOUT_FIELDS] = {
    {TIMEOUT_DEFAULT_MS, TIMEOUT_MIN_MS, TIMEOUT_DEFAULT_MS},
    {TIMEOUT_DEFAULT_MS, TIMEOUT_MIN_MS, TIMEOUT_DEFAULT_MS},
    {TIMEOUT_DEFAULT_MS, TIMEOUT_MIN_MS, TIMEOUT_DEFAULT_MS},
};
/* AT+CIPDNSSET=<net_retries>,<net_timeout_ms>,<dns_retries> (findings §25: the values
 * are sourced, the ranges but the first inferred) */
static const struct field_range cipdnsset_fields[CIPDNSSET_FIELDS] = {
    {0, 0, DNS_NET_RETRIES_MAX},
    {DNS_NET_TIMEOUT_DEFAULT_MS, TIMEOUT_MIN_MS, TIMEOUT_DEFAULT_MS},
    {DNS_RETRIES_DEFAULT, DNS_RETRIES_MIN, DNS_RETRIES_DEFAULT},
};

/* A command whose values are a list of numbers, kept: none changes what the model does
 * but AT+CIPTIMEOUT's CIPOPEN bound. */
struct field_setting {
    const char *name;
    size_t offset;                    /* of the long[] in struct tcpip_config */
    const struct field_range *range;
    int count;
};

static const struct field_setting field_settings[] = {
    {"+CIPCCFG", offsetof(struct tcpip_config, cipccfg), cipccfg_fields, CIPCCFG_FIELDS},
    {"+CIPTIMEOUT", offsetof(struct tcpip_config, ciptimeout), ciptimeout_fields, CIPTIMEOUT_FIELDS},
    {"+CIPDNSSET", offsetof(struct tcpip_config, cipdnsset), cipdnsset_fields, CIPDNSSET_FIELDS},
};

static long *field_values(struct tcpip_config *c, const struct field_setting *f)
{
    return (long *)((char *)c + f->offset);
}

void tcpip_config_defaults(struct tcpip_config *c)
{
    memset(c, 0, sizeof *c);
    c->ciphead = 1;
    c->sock_cid = TCPIP_DEFAULT_CID;
    for (size_t k = 0; k < sizeof field_settings / sizeof field_settings[0]; k++)
        for (int i = 0; i < field_settings[k].count; i++)
            field_values(c, &field_settings[k])[i] = field_settings[k].range[i].dflt;
}

static const struct field_setting *find_fields(const char *name)
{
    for (size_t k = 0; k < sizeof field_settings / sizeof field_settings[0]; k++)
        if (strcmp(field_settings[k].name, name) == 0)
            return &field_settings[k];
    return NULL;
}

/* The test form's ranges or the read form's values, as one line. */
static void print_fields(struct sim *s, const struct field_setting *f, const long *v)
{
    char line[160];
    size_t n = (size_t)snprintf(line, sizeof line, "%s: ", f->name);
    for (int i = 0; i < f->count && n < sizeof line; i++) {
        const char *sep = i ? "," : "";
        n += (size_t)(v ? snprintf(line + n, sizeof line - n, "%s%ld", sep, v[i])
                        : snprintf(line + n, sizeof line - n, "%s(%ld-%ld)", sep, f->range[i].lo, f->range[i].hi));
    }
    sim_info(s, "%s", line);
}

/* Empty parameters keep their value (AT+CIPCCFG=,,,,1 sets only HeaderType). */
static DECLARE_HANDLER(cmd_fields)
{
    const struct field_setting *f = find_fields(c->name);
    long *v = field_values(&s->tcpip.cfg, f);
    switch (c->form) {
    case AT_FORM_TEST:
        print_fields(s, f, NULL);
        return CMD_OK;
    case AT_FORM_READ:
        print_fields(s, f, v);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count > f->count)
        return CMD_ERROR;
    for (int i = 0; i < a->count; i++)
        if (a->v[i].type != AT_ARG_EMPTY && !arg_number_in(&a->v[i], f->range[i].lo, f->range[i].hi))
            return CMD_ERROR;
    for (int i = 0; i < a->count; i++)
        if (a->v[i].type == AT_ARG_NUMBER)
            v[i] = a->v[i].number;
    return CMD_OK;
}

/* ---- the 0/1 switches ------------------------------------------------------------- */

struct switch_setting {
    const char *name;
    size_t offset;             /* of the int in struct tcpip_config */
};

static const struct switch_setting switches[] = {
    {"+CIPSENDMODE", offsetof(struct tcpip_config, cipsendmode)},
    {"+CIPHEAD", offsetof(struct tcpip_config, ciphead)},
    {"+CIPSRIP", offsetof(struct tcpip_config, cipsrip)},
};

static const struct switch_setting *find_switch(const char *name)
{
    for (size_t i = 0; i < sizeof switches / sizeof switches[0]; i++)
        if (strcmp(switches[i].name, name) == 0)
            return &switches[i];
    return NULL;
}

static DECLARE_HANDLER(cmd_switch)
{
    const struct switch_setting *w = find_switch(c->name);
    int *value = (int *)((char *)&s->tcpip.cfg + w->offset);
    if (c->form == AT_FORM_EXEC)
        return CMD_ERROR;        /* no source shows a bare form of these, unlike AT+CTZR's: refused */
    return modem_switch_command(s, c, a, value);
}

/* AT+CIPMODE: 0 command mode, 1 transparent mode (tcpip_transparent.c); set
 * while the network is closed, as the manual asks. */
static DECLARE_HANDLER(cmd_cipmode)
{
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CIPMODE: (0-1)");
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CIPMODE: %d", s->tcpip.cfg.cipmode);
        return CMD_OK;
    case AT_FORM_EXEC:       /* S5: a bare AT+CIPMODE answers OK; it sets the default, command mode */
        if (s->tcpip.net != NET_CLOSED)
            return CMD_ERROR;
        s->tcpip.cfg.cipmode = 0;
        return CMD_OK;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count != 1 || !arg_number_in(&a->v[0], 0, 1) || s->tcpip.net != NET_CLOSED)
        return CMD_ERROR;
    s->tcpip.cfg.cipmode = (int)a->v[0].number;
    return CMD_OK;
}

/* ---- faults on names and ports ------------------------------------------------------ */

bool tcpip_dns_fails(const struct sim *s, const char *host)
{
    for (int i = 0; i < TCPIP_FAULT_NAMES; i++)
        if (s->tcpip.faults.dns_fail[i][0] && strcasecmp(s->tcpip.faults.dns_fail[i], host) == 0)
            return true;
    return false;
}

bool tcpip_refused(const struct sim *s, const char *host, int port)
{
    char key[sizeof s->tcpip.faults.refuse[0]];
    snprintf(key, sizeof key, "%s:%d", host, port);
    for (int i = 0; i < TCPIP_FAULT_NAMES; i++)
        if (s->tcpip.faults.refuse[i][0] && strcasecmp(s->tcpip.faults.refuse[i], key) == 0)
            return true;
    return false;
}

/* ---- AT+CDNSGIP ------------------------------------------------------------------------ */

static void dns_failed(struct sim *s)
{
    s->tcpip.dns_query = 0;
    sim_info(s, "+CDNSGIP: 0,%d", TCPIP_DNS_ERROR);
    sim_final(s, V250_ERROR);
}

void tcpip_resolved(struct sim *s, const struct sim_net_event *ev)
{
    if (ev->link != s->tcpip.dns_query || s->tcpip.dns_query == 0)
        return;                     /* an answer nobody waits for any more */
    if (ev->code != SIM_NET_OK || !ev->host) {
        dns_failed(s);
        return;
    }
    s->tcpip.dns_query = 0;
    sim_info(s, "+CDNSGIP: 1,\"%s\",\"%s\"", s->tcpip.dns_name, ev->host);
    sim_final(s, V250_OK);
}

static bool is_address(const char *host)
{
    struct in_addr addr;
    return inet_pton(AF_INET, host, &addr) == 1;
}

/* AT+CDNSGIP=<name>: the network resolves it, the answer ends the command;
 * without an open network, or for a name the world made fail, +CDNSGIP: 0,10. */
static DECLARE_HANDLER(cmd_cdnsgip)
{
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_WRITE || a->count != 1 || a->v[0].type != AT_ARG_STRING || a->v[0].len == 0 ||
        a->v[0].len > TCPIP_HOST_MAX)
        return CMD_ERROR;
    if (s->tcpip.dns_query != 0)
        return CMD_ERROR;            /* one look-up at a time: the last one has not answered */
    at_arg_copy(s->tcpip.dns_name, sizeof s->tcpip.dns_name, &a->v[0]);
    const char *name = s->tcpip.dns_name;
    bool faulted = tcpip_net_open(s) && s->tcpip.ops && tcpip_dns_fails(s, name);
    if (faulted)
        s->tcpip.faults.took_effect[TFAULT_DNS_FAIL]++;
    if (!tcpip_net_open(s) || !s->tcpip.ops || faulted) {
        s->tcpip.dns_query = -1;     /* answered by the event, as a lookup would be */
        tcpip_schedule(s, TEV_DNS_FAILED, 0, 0);
        return CMD_PENDING;
    }
    if (is_address(name)) {
        sim_info(s, "+CDNSGIP: 1,\"%s\",\"%s\"", name, name);
        return CMD_OK;
    }
    s->tcpip.dns_query = ++s->tcpip.next_query;
    s->tcpip.ops->resolve(s->tcpip.ops_ctx, s->tcpip.dns_query, name);
    return CMD_PENDING;
}

/* ---- AT+CPING ---------------------------------------------------------------------------- */

/* AT+CPING=<address>,<type>[,<count>[,<size>...]]: OK, then one +CPING: 1 per echo
 * and the +CPING: 3 summary. ICMP is not the network's to do: an open network
 * answers every echo in PING_RTT_MS; no network, or a name the world made
 * fail, loses them all (findings §25, N4). */
static DECLARE_HANDLER(cmd_cping)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "+CPING: ,(1-2),(1-%d),(%d-%d),(1000-600000),(1000-60000),(16-255)", PING_COUNT_MAX,
                 PING_SIZE_MIN, PING_SIZE_MAX);
        return CMD_OK;
    }
    if (c->form != AT_FORM_WRITE || a->count < 2 || a->v[0].type != AT_ARG_STRING || a->v[0].len == 0 ||
        a->v[0].len > TCPIP_HOST_MAX || !arg_number_in(&a->v[1], 1, 2) ||
        (a->count > 2 && !arg_number_in(&a->v[2], 1, PING_COUNT_MAX)) ||
        (a->count > 3 && !arg_number_in(&a->v[3], PING_SIZE_MIN, PING_SIZE_MAX)))
        return CMD_ERROR;
    int count = a->count > 2 ? (int)a->v[2].number : PING_DEFAULT_COUNT;
    int size = a->count > 3 ? (int)a->v[3].number : PING_DEFAULT_SIZE;
    at_arg_copy(s->tcpip.dns_name, sizeof s->tcpip.dns_name, &a->v[0]);
    bool answered = tcpip_net_open(s) && !tcpip_dns_fails(s, s->tcpip.dns_name);
    tcpip_schedule(s, TEV_PING, answered ? count : -count, size);   /* negative: every echo lost */
    return CMD_OK;
}

static void ping_done(struct sim *s, int count, int size)
{
    if (count < 0) {
        sim_urc(s, "+CPING: 3,0,0,0,0,0,0");
        return;
    }
    for (int i = 0; i < count; i++)
        sim_urc(s, "+CPING: 1,%s,%d,%d,%d", s->tcpip.dns_name, size, PING_RTT_MS, PING_TTL);
    sim_urc(s, "+CPING: 3,%d,%d,0,%d,%d,%d", count, count, PING_RTT_MS, PING_RTT_MS, PING_RTT_MS);
}

void tcpip_config_event(struct sim *s, const struct sim_event *ev)
{
    if (ev->code == TEV_DNS_FAILED && s->tcpip.dns_query == -1)
        dns_failed(s);
    else if (ev->code == TEV_PING)
        ping_done(s, ev->client, ev->arg);
}

static const struct command commands[] = {
    {"+CIPMODE", cmd_cipmode, 0},
    {"+CIPSENDMODE", cmd_switch, 0},
    {"+CIPHEAD", cmd_switch, 0},
    {"+CIPSRIP", cmd_switch, 0},
    {"+CIPCCFG", cmd_fields, 0},
    {"+CIPTIMEOUT", cmd_fields, 0},
    {"+CIPDNSSET", cmd_fields, 0},
    {"+CDNSGIP", cmd_cdnsgip, CMD_NEEDS_SIM},
    {"+CPING", cmd_cping, CMD_NEEDS_SIM},
};

const struct command_family tcpip_config_commands = {commands, sizeof commands / sizeof commands[0]};
