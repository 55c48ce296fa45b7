/* The control protocol: a person or a test changes the world while the module
 * runs. One command per line; one reply line, "OK ..." or "ERR <what to do>". */
#include "sim_internal.h"

#include "cescape.h"
#include "control_bounds.h"
#include "parse_num.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef int (*control_fn)(struct sim *s, const struct tokens *t, struct strbuf *reply);

struct control_command {
    const char *name;
    int min_args, max_args;
    const char *usage;
    control_fn fn;
};

/* "ERR <why>". The words quoted in it often come from the command with their
 * escapes decoded: a CR or LF shown raw would split the one-line reply, and
 * the client would take the rest for the answer to its next command. So
 * control bytes go back as \xHH. */
__attribute__((format(printf, 2, 3))) static int err(struct strbuf *reply, const char *fmt, ...)
{
    struct strbuf text = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&text, fmt, ap);
    va_end(ap);
    sb_puts(reply, "ERR ");
    for (size_t i = 0; i < text.len; i++) {
        unsigned char c = (unsigned char)text.p[i];
        if (c < 0x20 || c == 0x7f)
            sb_printf(reply, "\\x%02X", c);
        else
            sb_add(reply, &c, 1);
    }
    sb_free(&text);
    return -1;
}

static bool embedded_only(const struct sim *s, struct strbuf *reply, const char *what)
{
    if (s->link == &link_embedded_ops)
        return true;
    err(reply, "%s works with the embedded broker; this simulator talks to a real broker (--broker tcp)", what);
    return false;
}

/* "client=N" (one of the module's MQTT clients) among the words from `from`
 * on goes into *client; the other words, in order, into rest[] (*n_rest).
 * @retval 0, or -1 with ERR in `reply` for a bad N */
static int split_client_option(const struct tokens *t, int from, long *client, const char **rest, int *n_rest,
                               struct strbuf *reply)
{
    *n_rest = 0;
    for (int i = from; i < t->count; i++) {
        const char *word = t->v[i];
        if (strncmp(word, "client=", 7) != 0)
            rest[(*n_rest)++] = word;
        else if (!parse_long(word + 7, 0, MQTT_CLIENTS - 1, client))
            return err(reply, "'%s' must be client=0 or client=1 (the module has MQTT clients 0 and 1)", word);
    }
    return 0;
}

/* Withdraws the deliveries queued since event number `from` for every client
 * but `keep`. Both clients share the embedded broker, so a message meant for
 * one client's connection is published as usual (topic checks, subscriptions,
 * counters, watchers) and only the other client's copy is taken back. */
static void keep_delivery_for(struct sim *s, uint64_t from, int keep)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nevents; i++) {
        struct sim_event *ev = &s->events[i];
        if (ev->seq >= from && ev->kind == EV_RX && ev->client != keep) {
            free(ev->data);
            continue;
        }
        s->events[n++] = *ev;
    }
    s->nevents = n;
}

static int ctl_deliver(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    if (!embedded_only(s, reply, "deliver"))
        return -1;
    long qos = 0, client = -1;
    bool retain = false;
    const char *opts[TOKENS_MAX];
    int n_opts;
    if (split_client_option(t, 3, &client, opts, &n_opts, reply) < 0)
        return -1;
    for (int i = 0; i < n_opts; i++) {
        if (strncmp(opts[i], "qos=", 4) == 0 && parse_long(opts[i] + 4, 0, 2, &qos))
            continue;
        if (strcmp(opts[i], "retain") == 0) {
            retain = true;
            continue;
        }
        return err(reply, "unknown option '%s' (use qos=0|1|2, retain or client=0|1)", opts[i]);
    }
    /* a retained message would stay on the broker both clients share and reach
     * the other client when it subscribes: not one client's message any more */
    if (retain && client >= 0)
        return err(reply, "%s", "retain and client= cannot go together (the retained message would reach both clients)");
    if (t->len[1] == 0 || t->len[1] > MQTT_TOPIC_MAX || t->len[2] > MQTT_PAYLOAD_MAX)
        return err(reply, "%s", "topic must be 1-1024 bytes and payload 0-10240 bytes");
    if (!mqtt_topic_valid(t->v[1], t->len[1]))
        return err(reply, "'%s' is not a topic one can publish to (no + or #)", t->v[1]);
    uint64_t from = s->event_seq;
    mqtt_inject(s, t->v[1], t->len[1], (const uint8_t *)t->v[2], t->len[2], (int)qos, retain);
    if (client >= 0)
        keep_delivery_for(s, from, (int)client);
    sb_puts(reply, "OK published");
    return 0;
}

/* One client's connection drops, as mqtt_connection_lost does for each. */
static uint64_t lose_one_client(struct sim *s, int client, int cause)
{
    enum mqtt_client_state st = s->mqtt.client[client].state;
    if (st != MQTT_CL_CONNECTED && st != MQTT_CL_DISCONNECTING)
        return 0;
    uint64_t before = s->stats.connlost;
    s->link->drop(s->link_ctx, client);
    mqtt_client_lost(s, client, cause);
    return s->stats.connlost - before;
}

static int ctl_connlost(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    long cause = CONNLOST_PEER_CLOSED, client = -1;
    const char *words[TOKENS_MAX];
    int n_words;
    if (split_client_option(t, 1, &client, words, &n_words, reply) < 0)
        return -1;
    if (n_words > 0 && !parse_long(words[0], 1, 3, &cause))
        return err(reply, "cause '%s' must be 1 (peer closed), 2 (socket reset) or 3 (network closed)", words[0]);
    if (n_words > 1)
        return err(reply, "'%s': one cause only (usage: connlost [cause 1-3] [client=0|1])", words[1]);
    uint64_t lost;
    if (client >= 0) {
        lost = lose_one_client(s, (int)client, (int)cause);
    } else {
        uint64_t before = s->stats.connlost;
        mqtt_connection_lost(s, (int)cause);
        lost = s->stats.connlost - before;
    }
    if (lost > 0)
        faults_count(&s->faults, FAULT_COUNT_CONNLOST);
    sb_printf(reply, "OK %llu client(s) lost their connection", (unsigned long long)lost);
    return 0;
}

static int ctl_reboot(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    (void)t;
    sim_reboot(s);
    faults_count(&s->faults, FAULT_COUNT_REBOOT);
    sb_puts(reply, "OK rebooting");
    return 0;
}

static int ctl_sim(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    bool insert = strcmp(t->v[1], "insert") == 0;
    if (!insert && strcmp(t->v[1], "remove") != 0)
        return err(reply, "'%s': use 'sim remove' or 'sim insert'", t->v[1]);
    if (s->world.sim_present != insert) {
        /* a SIM interface AT+CFUN=0 powered down notices neither (findings §22) */
        bool reachable = modem_sim_error(s) == CME_NONE;
        s->world.sim_present = insert;
        if (s->power == POWER_ON && (reachable || modem_sim_error(s) == CME_NONE))
            sim_urc(s, insert ? "+CPIN: READY" : "+CPIN: SIM REMOVED");
        modem_report_registration(s);
    }
    sb_printf(reply, "OK sim %s", insert ? "inserted" : "removed");
    return 0;
}

static int ctl_signal(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    long rssi, ber = 0;
    if (!parse_long(t->v[1], 0, 99, &rssi) || (rssi > 31 && rssi != 99))
        return err(reply, "rssi '%s' must be 0-31 or 99 (unknown)", t->v[1]);
    if (t->count > 2 && (!parse_long(t->v[2], 0, 99, &ber) || (ber > 7 && ber != 99)))
        return err(reply, "ber '%s' must be 0-7 or 99", t->v[2]);
    s->world.rssi = (int)rssi;
    s->world.ber = (int)ber;
    sb_printf(reply, "OK signal %ld,%ld", rssi, ber);
    return 0;
}

static int ctl_reg(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    long stat;
    if (!parse_long(t->v[1], 0, 5, &stat))
        return err(reply, "stat '%s' must be 0-5 (1 home, 5 roaming, 2 searching, 3 denied)", t->v[1]);
    s->world.reg_stat = (int)stat;
    if (s->power == POWER_ON)
        modem_report_registration(s);
    sb_printf(reply, "OK registration %ld", stat);
    return 0;
}

/* The network's clock, as NITZ carries it: sent to a registered module now,
 * and at each registration from now on (findings §21). */
static int ctl_nitz(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    int64_t secs;
    int tz;
    if (!modem_clock_parse(t->v[1], t->len[1], &secs, &tz))
        return err(reply, "'%s' must be the network's local time as yy/MM/dd,hh:mm:ss+zz, zz in quarter hours "
                          "(e.g. 26/12/01,07:30:00+04)", t->v[1]);
    s->world.net = (struct world_net){.nitz = true, .nitz_s = secs, .nitz_ref_us = s->now_us, .nitz_tz = tz};
    if (s->power == POWER_ON)
        modem_clock_network_time(s);
    sb_printf(reply, "OK network time %s", t->v[1]);
    return 0;
}

static int ctl_silent(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    long ms;
    if (!parse_long(t->v[1], 0, 3600000, &ms))
        return err(reply, "'%s' must be a duration in ms (0-3600000)", t->v[1]);
    sim_set_silent(s, (uint32_t)ms);
    if (ms > 0)
        faults_count(&s->faults, FAULT_COUNT_SILENT);
    sb_printf(reply, "OK silent for %ld ms", ms);
    return 0;
}

/* The embedded broker's TLS (findings §28): which handshakes fail, and how. */
static int ctl_tls_fail(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    if (!embedded_only(s, reply, "tls-fail"))
        return -1;
    for (int f = WORLD_TLS_OK; f <= WORLD_TLS_REJECTED; f++)
        if (strcmp(t->v[1], world_tls_fault_name((enum world_tls_fault)f)) == 0) {
            s->world.tls_fault = (enum world_tls_fault)f;
            sb_printf(reply, "OK tls-fail %s", t->v[1]);
            return 0;
        }
    return err(reply, "'%s': use handshake, untrusted, expired, rejected or off", t->v[1]);
}

static int ctl_broker(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    static const struct { const char *word; enum sim_broker_mode mode; } modes[] = {
        {"accept", SIM_BROKER_ACCEPT}, {"unreachable", SIM_BROKER_UNREACHABLE},
        {"dns-fail", SIM_BROKER_DNS_FAIL}, {"no-connack", SIM_BROKER_NO_CONNACK},
    };
    const char *w = t->v[1];
    if (!embedded_only(s, reply, "broker"))
        return -1;
    if (strcmp(w, "refuse") == 0) {
        long code;
        if (t->count < 3 || !parse_long(t->v[2], 1, 5, &code))
            return err(reply, "%s", "usage: broker refuse <CONNACK code 1-5> (4 bad credentials, 5 not authorized)");
        s->world.broker = SIM_BROKER_REFUSE;
        s->world.refuse_code = (int)code;
    } else if (strcmp(w, "slow") == 0) {
        long ms;
        if (t->count != 3 || !parse_long(t->v[2], 1, CONTROL_BROKER_SLOW_MAX_MS, &ms))
            return err(reply, "usage: broker slow <ms> (1-%d: the CONNACK comes that late)",
                       CONTROL_BROKER_SLOW_MAX_MS);
        s->world.broker = SIM_BROKER_SLOW;
        s->world.connack_ms = (uint32_t)ms;
    } else if (strcmp(w, "credentials") == 0) {
        if (t->count != 4 || t->len[2] > MQTT_FIELD_MAX || t->len[3] > MQTT_FIELD_MAX)
            return err(reply, "%s", "usage: broker credentials <user> <password> (up to 256 bytes each)");
        strcpy(s->world.user, t->v[2]);
        strcpy(s->world.pass, t->v[3]);
    } else {
        size_t i = 0;
        while (i < sizeof modes / sizeof modes[0] && strcmp(modes[i].word, w) != 0)
            i++;
        if (i == sizeof modes / sizeof modes[0])
            return err(reply, "'%s': use accept, refuse <1-5>, slow <ms>, unreachable, dns-fail, no-connack or credentials <user> <pass>", w);
        s->world.broker = modes[i].mode;
        if (modes[i].mode == SIM_BROKER_ACCEPT)
            s->world.user[0] = s->world.pass[0] = '\0';
    }
    sb_printf(reply, "OK broker %s", w);
    return 0;
}

/* ---- faults of the module's TCP/IP stack (findings §25) ------------------------------ */

typedef char fault_key[TCPIP_FAULT_KEY_MAX + 1];

static fault_key *find_key(fault_key *list, const char *key)
{
    for (int i = 0; i < TCPIP_FAULT_NAMES; i++)
        if (strcasecmp(list[i], key) == 0)
            return &list[i];
    return NULL;
}

/* Adds `key` to a fault list (once); -1 with ERR when it is full or too long. */
static int add_key(fault_key *list, const char *key, struct strbuf *reply)
{
    if (strlen(key) > TCPIP_FAULT_KEY_MAX)
        return err(reply, "'%s' is longer than %d bytes", key, TCPIP_FAULT_KEY_MAX);
    if (find_key(list, key))
        return 0;
    fault_key *slot = find_key(list, "");
    if (!slot)
        return err(reply, "%d entries already: remove one first (dns-ok <name>, refuse clear)", TCPIP_FAULT_NAMES);
    strcpy(*slot, key);
    return 0;
}

static int ctl_dns_fail(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    if (t->len[1] == 0)
        return err(reply, "%s", "usage: dns-fail <name> (a host name the firmware opens)");
    if (add_key(s->tcpip.faults.dns_fail, t->v[1], reply) < 0)
        return -1;
    sb_printf(reply, "OK %s does not resolve", t->v[1]);
    return 0;
}

static int ctl_dns_ok(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    fault_key *k = t->len[1] ? find_key(s->tcpip.faults.dns_fail, t->v[1]) : NULL;
    if (strcmp(t->v[1], "all") == 0)
        memset(s->tcpip.faults.dns_fail, 0, sizeof s->tcpip.faults.dns_fail);
    else if (k)
        (*k)[0] = '\0';
    else
        return err(reply, "'%s' was not made to fail (dns-fail <name>); 'dns-ok all' clears every name", t->v[1]);
    sb_printf(reply, "OK %s resolves", t->v[1]);
    return 0;
}

static int ctl_refuse(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    const char *w = t->v[1];
    if (strcmp(w, "clear") == 0) {
        memset(s->tcpip.faults.refuse, 0, sizeof s->tcpip.faults.refuse);
        sb_puts(reply, "OK no port refuses");
        return 0;
    }
    const char *colon = strrchr(w, ':');
    long port;
    if (!colon || colon == w || !parse_long(colon + 1, 1, 65535, &port))
        return err(reply, "'%s' must be HOST:PORT, as the firmware opens it (e.g. broker.example.com:1883), or clear", w);
    if (add_key(s->tcpip.faults.refuse, w, reply) < 0)
        return -1;
    sb_printf(reply, "OK %s refuses connections", w);
    return 0;
}

#define SSL_SESSION_PREFIX "ssl:"   /* stall, unstall and close name an SSL session so */

static int link_word(const char *word, long *link, struct strbuf *reply)
{
    if (!parse_long(word, 0, TCPIP_LINKS - 1, link))
        return err(reply, "link '%s' must be 0-%d (the module's socket, as in AT+CIPOPEN)", word, TCPIP_LINKS - 1);
    return 0;
}

/* "ssl:N": an SSL session rather than a socket (a bad N is a link_word error). */
static bool ssl_session_word(const char *word, long *session)
{
    return strncmp(word, SSL_SESSION_PREFIX, strlen(SSL_SESSION_PREFIX)) == 0 &&
           parse_long(word + strlen(SSL_SESSION_PREFIX), 0, CCH_SESSIONS - 1, session);
}

static int ctl_stall(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    long link;
    if (strcmp(t->v[1], HTTP_LINK_WORD) == 0) {
        http_set_stall(s, true);
        sb_puts(reply, "OK the HTTP connection stalled");
        return 0;
    }
    if (ssl_session_word(t->v[1], &link)) {
        cch_set_stall(s, (int)link, true);
        sb_printf(reply, "OK SSL session %ld stalled", link);
        return 0;
    }
    if (link_word(t->v[1], &link, reply) < 0)
        return -1;
    tcpip_set_stall(s, (int)link, true);
    sb_printf(reply, "OK link %ld stalled", link);
    return 0;
}

static int ctl_unstall(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    long link = -1, session = -1;
    bool http_only = t->count > 1 && strcmp(t->v[1], HTTP_LINK_WORD) == 0;
    if (t->count > 1 && !http_only && !ssl_session_word(t->v[1], &session) && link_word(t->v[1], &link, reply) < 0)
        return -1;
    if (t->count == 1 || http_only)
        http_set_stall(s, false);
    for (int i = 0; i < TCPIP_LINKS; i++)
        if (t->count == 1 || i == link)
            tcpip_set_stall(s, i, false);
    for (int i = 0; i < CCH_SESSIONS; i++)
        if (t->count == 1 || i == session)
            cch_set_stall(s, i, false);
    sb_puts(reply, "OK unstalled");
    return 0;
}

static int ctl_close(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    long link;
    if (strcmp(t->v[1], HTTP_LINK_WORD) == 0) {
        if (http_peer_close(s) < 0)
            return err(reply, "%s", "no HTTP connection is open (AT+HTTPACTION opens one; it closes once the response is in)");
        sb_puts(reply, "OK the HTTP connection closed by the peer");
        return 0;
    }
    if (ssl_session_word(t->v[1], &link)) {
        if (cch_peer_close(s, (int)link) < 0)
            return err(reply, "SSL session %ld is not open (AT+CCHOPEN it first; AT+CCHOPEN? lists the open ones)",
                       link);
        sb_printf(reply, "OK SSL session %ld closed by the peer", link);
        return 0;
    }
    if (link_word(t->v[1], &link, reply) < 0)
        return -1;
    if (tcpip_peer_close(s, (int)link) < 0)
        return err(reply, "link %ld is not open (AT+CIPOPEN it first; AT+CIPCLOSE? lists the open ones)", link);
    sb_printf(reply, "OK link %ld closed by the peer", link);
    return 0;
}

static const struct control_command *find_command(const char *name, int nargs, struct strbuf *reply);

/* A rule's control-command action is checked when the rule is armed: a rule
 * that could never act must not be armed. faults.c parses the rest. */
static int ctl_rule(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    struct fault_rule r;
    int at;
    if (faults_parse_rule(t, &r, &at, reply) < 0)
        return -1;
    struct strbuf why = {0};
    if (at > 0 && !find_command(t->v[at], t->count - at - 1, &why)) {
        sb_puts(reply, "ERR the rule's action: ");
        sb_puts(reply, sb_str(&why) + strlen("ERR "));
        sb_free(&why);
        fault_rule_free(&r);
        return -1;
    }
    return faults_arm(&s->faults, &r, reply);
}

static int ctl_rules(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    if (strcmp(t->v[1], "clear") != 0)
        return err(reply, "'%s': the only rules command is 'rules clear'", t->v[1]);
    faults_clear(&s->faults);
    sb_puts(reply, "OK rules cleared");
    return 0;
}

static int ctl_inject(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    sim_raw(s, t->v[1], t->len[1]);
    sb_printf(reply, "OK injected %zu bytes", t->len[1]);
    return 0;
}

static int ctl_garble(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    long n, seed = 0;
    if (!parse_long(t->v[1], 1, 1000000, &n))
        return err(reply, "'%s' must be a number of bytes (1-1000000)", t->v[1]);
    if (t->count > 2 && (strncmp(t->v[2], "seed=", 5) != 0 ||
                         !parse_long(t->v[2] + 5, 1, 0xFFFFFFFFl, &seed)))
        return err(reply, "'%s' must be seed=<1-4294967295>", t->v[2]);
    faults_arm_garble(&s->faults, (uint32_t)n, (uint32_t)seed);
    sb_printf(reply, "OK the next %ld bytes are garbled", n);
    return 0;
}

static int ctl_state(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    (void)t;
    sb_puts(reply, "OK ");
    sim_state_json(s, reply);
    return 0;
}

static int ctl_help(struct sim *s, const struct tokens *t, struct strbuf *reply);

static const struct control_command control_commands[] = {
    {"deliver", 2, 5, "deliver <topic> <payload> [qos=N] [retain] [client=0|1] (client=: only that client gets it)", ctl_deliver},
    {"connlost", 0, 2, "connlost [cause 1-3] [client=0|1] (without client=, every connected client)", ctl_connlost},
    {"reboot", 0, 0, "reboot", ctl_reboot},
    {"sim", 1, 1, "sim remove|insert", ctl_sim},
    {"signal", 1, 2, "signal <rssi 0-31|99> [ber]", ctl_signal},
    {"reg", 1, 1, "reg <stat 0-5>", ctl_reg},
    {"nitz", 1, 1, "nitz <yy/MM/dd,hh:mm:ss+zz> (the network's time and zone, sent now and at each registration)", ctl_nitz},
    {"silent", 1, 1, "silent <ms>", ctl_silent},
    {"broker", 1, 3, "broker accept|refuse <1-5>|slow <ms>|unreachable|dns-fail|no-connack|credentials <u> <p>", ctl_broker},
    {"tls-fail", 1, 1, "tls-fail handshake|untrusted|expired|rejected|off (the embedded broker's TLS handshakes "
                       "fail so; a client that notices gets +CMQTTCONNECT: <i>,32)", ctl_tls_fail},
    {"rule", 2, TOKENS_MAX - 1, "rule on-send|on-answer|in-data <prefix> [nth=N] <action> | rule after-publishes <N> <action>; "
                                "action: replace \"<bytes>\" | delay <ms> | garble <n> [seed=<s>] | <control command>", ctl_rule},
    {"rules", 1, 1, "rules clear", ctl_rules},
    {"inject", 1, 1, "inject \"<bytes>\" (the module sends them now)", ctl_inject},
    {"garble", 1, 2, "garble <n> [seed=<s>] (the next n bytes the module sends are corrupted; a seed makes it repeatable)", ctl_garble},
    {"dns-fail", 1, 1, "dns-fail <name> (AT+CIPOPEN and AT+CDNSGIP of that name fail as a DNS error)", ctl_dns_fail},
    {"dns-ok", 1, 1, "dns-ok <name>|all (the name resolves again)", ctl_dns_ok},
    {"refuse", 1, 1, "refuse <host:port>|clear (AT+CIPOPEN to it fails: the peer refuses)", ctl_refuse},
    {"stall", 1, 1, "stall <link 0-9|ssl:0-1|http> (nothing moves on the link, the SSL session or the HTTP connection: sends wait, the peer is held back)", ctl_stall},
    {"unstall", 0, 1, "unstall [link|ssl:N|http] (without one, every link, SSL session and the HTTP connection)", ctl_unstall},
    {"close", 1, 1, "close <link 0-9|ssl:0-1|http> (the peer closes: +IPCLOSE: <link>,1; +CCH_PEER_CLOSED: <session>; the HTTP connection: 704 or +HTTP_PEER_CLOSED)", ctl_close},
    {"state", 0, 0, "state", ctl_state},
    {"watch", 0, 0, "watch (stream every published message as MSG lines)", NULL},
    {"help", 0, 0, "help", ctl_help},
};
#define N_CONTROL (sizeof control_commands / sizeof control_commands[0])

static int ctl_help(struct sim *s, const struct tokens *t, struct strbuf *reply)
{
    (void)s;
    (void)t;
    sb_puts(reply, "OK commands:");
    for (size_t i = 0; i < N_CONTROL; i++)
        sb_printf(reply, "%s %s", i ? ";" : "", control_commands[i].usage);
    return 0;
}

/* The command `name` taking `nargs` arguments; NULL with the reason in `reply`. */
static const struct control_command *find_command(const char *name, int nargs, struct strbuf *reply)
{
    for (size_t i = 0; i < N_CONTROL; i++) {
        const struct control_command *c = &control_commands[i];
        if (strcmp(c->name, name) != 0 || !c->fn)
            continue;
        if (nargs < c->min_args || nargs > c->max_args) {
            err(reply, "usage: %s", c->usage);
            return NULL;
        }
        return c;
    }
    err(reply, "unknown command '%s' (try 'help')", name);
    return NULL;
}

int control_run(struct sim *s, const char *line, struct strbuf *reply)
{
    char buf[2 * (MQTT_PAYLOAD_MAX + MQTT_TOPIC_MAX) + 64];
    struct tokens t;
    const char *why = NULL;
    if (strlen(line) >= sizeof buf)
        return err(reply, "%s", "line too long");
    strcpy(buf, line);
    if (tokenize(buf, &t, &why) < 0)
        return err(reply, "%s", why);
    if (t.count == 0)
        return err(reply, "%s", "empty command (try 'help')");
    const struct control_command *c = find_command(t.v[0], t.count - 1, reply);
    return c ? c->fn(s, &t, reply) : -1;
}

/* ---- state as one line of JSON ------------------------------------------------------- */

static void json_client(const struct sim *s, int i, struct strbuf *o)
{
    const struct mqtt_client *cl = &s->mqtt.client[i];
    sb_printf(o, "{\"index\":%d,\"state\":\"%s\",\"client_id\":", i, mqtt_client_state_str(cl->state));
    sb_json_string(o, cl->id, strlen(cl->id));
    sb_puts(o, ",\"server\":");
    sb_json_string(o, cl->server, strlen(cl->server));
    sb_printf(o, ",\"busy\":%s,\"topic_len\":%zu,\"payload_len\":%zu,\"subtopics_pending\":%d,"
                 "\"subscriptions\":%zu,\"published\":%llu,\"received\":%llu}",
              cl->busy ? "true" : "false", cl->topic_len, cl->payload_len, cl->sub_count,
              broker_subscription_count(s->broker, i), (unsigned long long)cl->published,
              (unsigned long long)cl->received);
}

/* Operator selection, radio mode, attachment and the active PDP contexts (findings §21). */
static void json_network(const struct sim *s, struct strbuf *o)
{
    sb_printf(o, ",\"network\":{\"cops_mode\":%d,\"cnmp\":%d,\"attached\":%s,\"active_cids\":[",
              (int)s->modem.net.cops_mode, modem_radio_cnmp(s), modem_packet_attached(s) ? "true" : "false");
    const char *sep = "";
    for (int i = 1; i <= PDP_CID_MAX; i++)
        if (s->modem.pdp[i].active) {
            sb_printf(o, "%s%d", sep, i);
            sep = ",";
        }
    sb_puts(o, "]}");
}

void sim_state_json(const struct sim *s, struct strbuf *o)
{
    static const char *const power[] = {"booting", "on", "off"};
    static const char *const modes[] = {"command", "discarding", "data", "transparent", "ppp"};
    const struct modem *m = &s->modem;
    sb_printf(o, "{\"power\":\"%s\",\"host_attached\":%s,\"silent\":%s,\"input\":\"%s\","
                 "\"echo\":%d,\"verbose\":%d,\"quiet\":%d,\"cmee\":%d,\"cfun\":%d,\"sim\":\"%s\","
                 "\"data_got\":%zu,\"rssi\":%d,\"reg\":%d,\"rules\":%zu,\"rules_fired\":%zu,"
                 "\"mqtt\":{\"service\":\"%s\",\"clients\":[",
              power[s->power], s->host_attached ? "true" : "false",
              s->now_us < s->silent_until_us ? "true" : "false", modes[s->mode], m->echo, m->verbose,
              m->quiet, m->cmee, m->cfun, s->world.sim_present ? "present" : "absent",
              s->mode == INPUT_DATA ? s->data.got : 0, modem_rssi(s),
              modem_reg_stat(s), s->faults.count, s->faults.rules_fired, mqtt_service_str(s->mqtt.service));
    for (int i = 0; i < MQTT_CLIENTS; i++) {
        if (i)
            sb_puts(o, ",");
        json_client(s, i, o);
    }
    sb_puts(o, "]}");
    if (s->replay) {
        const char *d = replay_divergence(s->replay);
        sb_printf(o, ",\"replay\":{\"state\":\"%s\",\"line\":%d,\"divergence\":",
                  replay_state_str(replay_state(s->replay)), replay_divergence_line(s->replay));
        sb_json_string(o, d, strlen(d));
        sb_puts(o, "}");
    }
    sb_printf(o, ",\"broker\":{\"published\":%llu,\"retained\":%zu},"
                 "\"stats\":{\"commands\":%llu,\"errors\":%llu,\"bytes_in\":%llu,\"bytes_out\":%llu,"
                 "\"boots\":%llu,\"connlost\":%llu,\"rx_messages\":%llu,\"host_opens\":%llu,"
                 "\"output_lost\":%llu}",
              (unsigned long long)broker_published_count(s->broker), broker_retained_count(s->broker),
              (unsigned long long)s->stats.commands, (unsigned long long)s->stats.errors,
              (unsigned long long)s->stats.bytes_in, (unsigned long long)s->stats.bytes_out,
              (unsigned long long)s->stats.boots, (unsigned long long)s->stats.connlost,
              (unsigned long long)s->stats.rx_messages, (unsigned long long)s->stats.host_opens,
              (unsigned long long)s->out.dropped);
    json_network(s, o);
    tcpip_state_json(s, o);
    cch_state_json(s, o);
    http_state_json(s, o);
    ssl_state_json(s, o);
    ppp_state_json(s, o);
    /* the faults that took effect, whether a control command or a rule sent them */
    sb_puts(o, ",\"faults\":{");
    for (int k = 0; k < FAULT_COUNT_KINDS; k++)
        sb_printf(o, "%s\"%s\":%llu", k ? "," : "", fault_kind_count_name((enum fault_kind_count)k),
                  (unsigned long long)s->faults.took_effect[k]);
    sb_printf(o, "},\"model\":\"%s\"}", modem_model(s)->name);   /* model names are plain ASCII */
}
