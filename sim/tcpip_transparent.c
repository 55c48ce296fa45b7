/* Transparent mode (AT+CIPMODE=1): AT+CIPOPEN=0,... answers CONNECT and the
 * host's bytes go to the peer as they come, the peer's to the host with no
 * header; "+++" framed by guard times returns to command mode with the link
 * open, ATO goes back; the peer's close says CLOSED. Only link 0, as the
 * manual allows. DTR (AT&D) cannot end data mode on a pty. Findings §25. */
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

bool tcpip_transparent_data(const struct sim *s)
{
    return s->tcpip.tm.state == TM_DATA;
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

void tcpip_transparent_connected(struct sim *s)
{
    memset(&s->tcpip.tm, 0, sizeof s->tcpip.tm);
    enter_data(s);
}

/* The link went: back to command mode. The peer's close says so. */
void tcpip_transparent_end(struct sim *s, bool say_closed)
{
    if (!tcpip_transparent(s))
        return;
    if (s->mode == INPUT_TRANSPARENT)
        s->mode = INPUT_COMMAND;
    memset(&s->tcpip.tm, 0, sizeof s->tcpip.tm);
    if (say_closed)
        sim_urc(s, "CLOSED");
}

/* What the host typed goes to the peer; a stalled link keeps it until unstalled. */
void tcpip_transparent_flush(struct sim *s)
{
    struct tcpip_transparent *tm = &s->tcpip.tm;
    struct tcpip_link *l = &s->tcpip.link[0];
    if (tm->tx_len == 0 || l->stalled || !s->tcpip.ops)
        return;
    s->tcpip.ops->send(s->tcpip.ops_ctx, 0, tm->tx, tm->tx_len, NULL, 0);
    l->sent += tm->tx_len;
    l->acked += tm->tx_len;
    tm->tx_len = 0;
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

/* ATO: back to data mode; what arrived meanwhile follows the CONNECT. */
static DECLARE_HANDLER(cmd_ato)
{
    (void)a;
    (void)c;
    if (ppp_resume(s))
        return CMD_DONE;   /* an escaped PPP call goes back to data mode: CONNECT (findings §30) */
    struct tcpip_link *l = &s->tcpip.link[0];
    if (s->tcpip.tm.state != TM_ESCAPED || l->state != LINK_OPEN) {
        sim_final(s, V250_NO_CARRIER);
        return CMD_DONE;
    }
    enter_data(s);
    sim_raw(s, l->rx, l->rx_len);
    l->rx_len = 0;
    return CMD_DONE;
}

static const struct command commands[] = {
    {"O", cmd_ato, 0},
};

const struct command_family tcpip_transparent_commands = {commands, sizeof commands / sizeof commands[0]};
