/* Transparent mode, one data path for two families: the socket family's
 * link 0 (AT+CIPMODE=1, findings §25) and the SSL family's session 0
 * (AT+CCHMODE=1, findings §29). The open answers CONNECT and the host's bytes
 * go to the peer as they come, the peer's to the host with no header; "+++"
 * framed by guard times returns to command mode with the connection open,
 * ATO goes back; the peer's close says CLOSED. The families call in here
 * (reserve, connected, received, stall, end); this file calls only the
 * network and the host's output, never a family. A transparent open holds the
 * mode from its command on (reserve), so a second one, a server's connection
 * or a PPP call is refused before its CONNECT. DTR (AT&D) cannot end data mode
 * on a pty. */
#include "sim_internal.h"

#include <string.h>

#define DEFAULT_BAUD 115200   /* CONNECT's text when the wire is unpaced */

static uint64_t guard_us(const struct sim *s)
{
    return sim_delay_us(s, DELAY_ESCAPE_GUARD);
}

bool tcpip_transparent(const struct sim *s)
{
    return s->tcpip.tm.state != TM_OFF;
}

bool tcpip_transparent_on(const struct sim *s, int link)
{
    return tcpip_transparent(s) && s->tcpip.tm.link == link;
}

bool tcpip_transparent_data(const struct sim *s)
{
    return s->tcpip.tm.state == TM_DATA;
}

/* One transparent connection of any family, and none beside a PPP call,
 * escaped or not: both would claim the UART's data mode (findings §29, §30). */
bool tcpip_transparent_blocked(const struct sim *s)
{
    return tcpip_transparent(s) || s->ppp.mode != PPP_OFF;
}

bool tcpip_transparent_escaped(const struct sim *s, int link)
{
    return tcpip_transparent_on(s, link) && s->tcpip.tm.state == TM_ESCAPED;
}

/* CONNECT said: the link carries data, in data mode or escaped. */
static bool carrying(const struct sim *s)
{
    return s->tcpip.tm.state == TM_DATA || s->tcpip.tm.state == TM_ESCAPED;
}

const char *tcpip_transparent_state_name(const struct sim *s, int link)
{
    static const char *const names[] = {
        [TM_OFF] = "off", [TM_OPENING] = "opening", [TM_DATA] = "data", [TM_ESCAPED] = "escaped",
    };
    return tcpip_transparent_on(s, link) ? names[s->tcpip.tm.state] : names[TM_OFF];
}

static void enter_data(struct sim *s)
{
    struct tcpip_transparent *tm = &s->tcpip.tm;
    tm->state = TM_DATA;
    escape_guard_start(&tm->esc, s->now_us);
    s->mode = INPUT_TRANSPARENT;
    uint32_t baud = s->cfg.baud ? s->cfg.baud : DEFAULT_BAUD;
    sim_urc(s, "CONNECT %u", (unsigned)baud);
}

/* The families refuse a transparent open while the mode is held
 * (tcpip_transparent), so this one finds it free. */
void tcpip_transparent_reserve(struct sim *s, int link)
{
    struct tcpip_transparent *tm = &s->tcpip.tm;
    memset(tm, 0, sizeof *tm);
    tm->state = TM_OPENING;
    tm->link = link;
}

/* Only the open that holds the mode connects in it: another link's would
 * take over a connection it does not own. */
void tcpip_transparent_connected(struct sim *s, int link, bool stalled)
{
    struct tcpip_transparent *tm = &s->tcpip.tm;
    if (!tcpip_transparent_on(s, link) || tm->state != TM_OPENING)
        return;
    tm->stalled = stalled;
    enter_data(s);
}

/* No OK came before it: this is the open's result (findings §25, §29). The
 * mode is free again. */
void tcpip_transparent_failed(struct sim *s, int link)
{
    if (!tcpip_transparent_on(s, link))
        return;
    memset(&s->tcpip.tm, 0, sizeof s->tcpip.tm);
    sim_urc(s, "CONNECT FAIL");
}

/* The link went: back to command mode. The peer's close says so. */
void tcpip_transparent_end(struct sim *s, int link, bool say_closed)
{
    if (!tcpip_transparent_on(s, link))
        return;
    if (s->mode == INPUT_TRANSPARENT)
        s->mode = INPUT_COMMAND;
    memset(&s->tcpip.tm, 0, sizeof s->tcpip.tm);
    if (say_closed)
        sim_urc(s, "CLOSED");
}

/* ---- the peer's bytes ------------------------------------------------------------------ */

/* In data mode they go to the host; escaped, they wait for ATO. The escape
 * starts with nothing held and the network reads no more than the room it was
 * last given (tcpip_transparent_room), so nothing should be cut; a network
 * that gives more has its excess returned, for the owner to count as lost. */
size_t tcpip_transparent_received(struct sim *s, const uint8_t *data, size_t len)
{
    struct tcpip_transparent *tm = &s->tcpip.tm;
    if (tm->state == TM_DATA) {
        sim_raw(s, data, len);
        return 0;
    }
    size_t room = sizeof tm->rx - tm->rx_len;
    size_t n = len < room ? len : room;
    memcpy(tm->rx + tm->rx_len, data, n);
    tm->rx_len += n;
    return len - n;
}

size_t tcpip_transparent_held(const struct sim *s, int link)
{
    return tcpip_transparent_on(s, link) ? s->tcpip.tm.rx_len : 0;
}

/* A stalled link takes nothing; escaped, what the held bytes leave; in data
 * mode a buffer less what the UART has not sent yet, so a fast peer waits. */
size_t tcpip_transparent_room(const struct sim *s)
{
    const struct tcpip_transparent *tm = &s->tcpip.tm;
    if (tm->stalled)
        return 0;
    if (tm->state == TM_ESCAPED)
        return sizeof tm->rx - tm->rx_len;
    return s->out.len < sizeof tm->rx ? sizeof tm->rx - s->out.len : 0;
}

/* ---- the host's bytes ------------------------------------------------------------------ */

/* What the host typed goes to the peer; a stalled link keeps it until unstalled. */
void tcpip_transparent_flush(struct sim *s)
{
    struct tcpip_transparent *tm = &s->tcpip.tm;
    if (tm->tx_len == 0 || tm->stalled || !s->tcpip.ops || !carrying(s))
        return;
    s->tcpip.ops->send(s->tcpip.ops_ctx, tm->link, tm->tx, tm->tx_len, NULL, 0);
    tm->tx_len = 0;
}

void tcpip_transparent_stall(struct sim *s, int link, bool on)
{
    if (!tcpip_transparent_on(s, link))
        return;
    s->tcpip.tm.stalled = on;
    tcpip_transparent_flush(s);
}

static void to_peer(struct sim *s, const uint8_t *p, size_t n)
{
    struct tcpip_transparent *tm = &s->tcpip.tm;
    for (size_t i = 0; i < n; i++) {
        if (tm->tx_len == sizeof tm->tx)
            tcpip_transparent_flush(s);
        if (tm->tx_len == sizeof tm->tx) {
            tm->tx_dropped++;         /* stalled and full: no RTS on a pty to hold the host back */
            continue;
        }
        tm->tx[tm->tx_len++] = p[i];
    }
}

/* A '+' that may be part of the escape is held (escape_guard.h); anything
 * else releases the held ones as data. */
void tcpip_transparent_byte(struct sim *s, uint8_t b)
{
    int release;
    if (escape_guard_hold(&s->tcpip.tm.esc, b, s->now_us, guard_us(s), &release))
        return;
    static const uint8_t pluses[ESCAPE_GUARD_LEN] = {ESCAPE_GUARD_CHAR, ESCAPE_GUARD_CHAR, ESCAPE_GUARD_CHAR};
    to_peer(s, pluses, (size_t)release);
    to_peer(s, &b, 1);
}

uint64_t tcpip_transparent_deadline(const struct sim *s)
{
    const struct tcpip_transparent *tm = &s->tcpip.tm;
    return tm->state == TM_DATA ? escape_guard_deadline(&tm->esc, guard_us(s)) : UINT64_MAX;
}

/* "+++" and a guard time of silence: command mode, the link stays open. */
void tcpip_transparent_tick(struct sim *s)
{
    if (s->now_us < tcpip_transparent_deadline(s))
        return;
    tcpip_transparent_flush(s);
    s->tcpip.tm.state = TM_ESCAPED;
    escape_guard_start(&s->tcpip.tm.esc, s->now_us);   /* nothing held now */
    s->mode = INPUT_COMMAND;
    s->line_len = 0;
    sim_final(s, V250_OK);
}

/* ATO: back to data mode; what arrived meanwhile follows the CONNECT. The
 * owners end transparent mode when their link goes, so an escaped one is open. */
static DECLARE_HANDLER(cmd_ato)
{
    (void)a;
    (void)c;
    if (ppp_resume(s))
        return CMD_DONE;   /* an escaped PPP call goes back to data mode: CONNECT (findings §30) */
    struct tcpip_transparent *tm = &s->tcpip.tm;
    if (tm->state != TM_ESCAPED) {
        sim_final(s, V250_NO_CARRIER);
        return CMD_DONE;
    }
    enter_data(s);
    sim_raw(s, tm->rx, tm->rx_len);
    tm->rx_len = 0;
    return CMD_DONE;
}

static const struct command commands[] = {
    {"O", cmd_ato, 0},
};

const struct command_family tcpip_transparent_commands = {commands, sizeof commands / sizeof commands[0]};
