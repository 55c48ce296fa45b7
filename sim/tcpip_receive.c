/* What arrives on the module's sockets: pushed to the host (+RECEIVE, or raw
 * in transparent mode) or buffered until AT+CIPRXGET reads it, and the room
 * each link gives the network so a fast peer waits. Findings §25. */
#include "sim_internal.h"

#include <string.h>

/* How many more received bytes the module takes on the link: transparent
 * mode's link what transparent mode takes; a stalled link none; buffered
 * (AT+CIPRXGET=1), what its buffer has left; pushed to the host, a buffer less
 * what the UART has not sent yet, so a fast peer waits for a slow baud rate. */
static size_t rx_room(const struct sim *s, int link)
{
    const struct tcpip_link *l = &s->tcpip.link[link];
    if (tcpip_transparent_on(s, link))
        return tcpip_transparent_room(s);
    if (l->stalled)
        return 0;
    if (s->tcpip.cfg.ciprxget != 0)
        return TCPIP_RX_BUFFER - l->rx_len;
    return s->out.len < TCPIP_RX_BUFFER ? TCPIP_RX_BUFFER - s->out.len : 0;
}

void tcpip_tell_room(struct sim *s, int link)
{
    struct tcpip_link *l = &s->tcpip.link[link];
    if (!s->tcpip.ops || l->state != LINK_OPEN)
        return;
    l->room_told = rx_room(s, link);
    s->tcpip.ops->receive_room(s->tcpip.ops_ctx, link, l->room_told);
}

/* The UART sent bytes: a link whose room grew is told. */
void tcpip_output_drained(struct sim *s)
{
    for (int i = 0; i < TCPIP_LINKS; i++) {
        const struct tcpip_link *l = &s->tcpip.link[i];
        if (l->state == LINK_OPEN && rx_room(s, i) > l->room_told)
            tcpip_tell_room(s, i);
    }
}

/* ---- receiving ---------------------------------------------------------------------- */

static void push_to_host(struct sim *s, int link, const struct sim_net_event *ev)
{
    const struct tcpip_config *c = &s->tcpip.cfg;
    if (c->cipsrip)
        sim_urc(s, "RECV FROM:%s:%d", ev->host ? ev->host : s->tcpip.link[link].host, ev->port);
    if (c->ciphead)
        sim_urc(s, "+RECEIVE,%d,%zu", link, ev->len);
    sim_raw(s, ev->data, ev->len);
}

/* Kept until AT+CIPRXGET reads them (told once). */
static void buffer_for_host(struct sim *s, int link, const struct sim_net_event *ev)
{
    struct tcpip_link *l = &s->tcpip.link[link];
    size_t room = TCPIP_RX_BUFFER - l->rx_len;
    size_t n = ev->len < room ? ev->len : room;    /* the network reads no more than the room it was given */
    memcpy(l->rx + l->rx_len, ev->data, n);
    l->rx_len += n;
    l->rx_lost += ev->len - n;
    if (!l->rx_told) {
        l->rx_told = true;
        sim_urc(s, "+CIPRXGET: 1,%d", link);
    }
}

void tcpip_received(struct sim *s, const struct sim_net_event *ev)
{
    struct tcpip_link *l = &s->tcpip.link[ev->link];
    if (l->state != LINK_OPEN || ev->len == 0)
        return;
    l->received += ev->len;
    if (tcpip_transparent_on(s, ev->link))
        l->rx_lost += tcpip_transparent_received(s, ev->data, ev->len);
    else if (s->tcpip.cfg.ciprxget == 0)
        push_to_host(s, ev->link, ev);
    else
        buffer_for_host(s, ev->link, ev);
    tcpip_tell_room(s, ev->link);
}


/* ---- AT+CIPRXGET ------------------------------------------------------------------------ */

enum rxget_mode { RXGET_PUSH, RXGET_BUFFERED, RXGET_READ, RXGET_READ_HEX, RXGET_QUERY };

static void print_hex(struct sim *s, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789ABCDEF";
    char hex[2 * TCPIP_READ_HEX_MAX];
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[p[i] >> 4];
        hex[2 * i + 1] = digits[p[i] & 0xF];
    }
    sim_info_bytes(s, hex, 2 * n);
}

/* AT+CIPRXGET=2|3,<link>[,<len>]: what is buffered, raw or as hex. */
static enum cmd_result rxget_read(struct sim *s, const struct at_args *a, enum rxget_mode mode)
{
    int link;
    long max = mode == RXGET_READ ? TCPIP_READ_MAX : TCPIP_READ_HEX_MAX, len = max;
    if (a->count < 2 || a->count > 3 || !tcpip_link_param(a, 1, &link) ||
        (a->count == 3 && !arg_number_in(&a->v[2], 1, max)))
        return CMD_ERROR;
    if (a->count == 3)
        len = a->v[2].number;
    struct tcpip_link *l = &s->tcpip.link[link];
    if (s->tcpip.cfg.ciprxget != RXGET_BUFFERED || l->rx_len == 0) {
        sim_info(s, "+IP ERROR: No data");
        return CMD_ERROR;
    }
    size_t n = l->rx_len < (size_t)len ? l->rx_len : (size_t)len;
    sim_info(s, "+CIPRXGET: %d,%d,%zu,%zu", (int)mode, link, n, l->rx_len - n);
    if (mode == RXGET_READ)
        sim_info_bytes(s, l->rx, n);
    else
        print_hex(s, l->rx, n);
    memmove(l->rx, l->rx + n, l->rx_len - n);
    l->rx_len -= n;
    l->rx_told = false;              /* the next data that arrives is told again */
    tcpip_tell_room(s, link);
    return CMD_OK;
}

static enum cmd_result rxget_set(struct sim *s, const struct at_args *a, int mode)
{
    if (a->count != 1)
        return CMD_ERROR;
    s->tcpip.cfg.ciprxget = mode;
    for (int i = 0; i < TCPIP_LINKS; i++)
        tcpip_tell_room(s, i);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_ciprxget)
{
    int link;
    switch (c->form) {
    case AT_FORM_TEST:
        sim_info(s, "+CIPRXGET: (0-4),(0-%d),(1-%d)", TCPIP_LINKS - 1, TCPIP_READ_MAX);
        return CMD_OK;
    case AT_FORM_READ:
        sim_info(s, "+CIPRXGET: %d", s->tcpip.cfg.ciprxget);
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_WRITE:
        break;
    }
    if (a->count < 1 || !arg_number_in(&a->v[0], RXGET_PUSH, RXGET_QUERY))
        return CMD_ERROR;
    enum rxget_mode mode = (enum rxget_mode)a->v[0].number;
    switch (mode) {
    case RXGET_PUSH:
    case RXGET_BUFFERED:
        return rxget_set(s, a, (int)mode);
    case RXGET_READ:
    case RXGET_READ_HEX:
        return rxget_read(s, a, mode);
    case RXGET_QUERY:
        break;
    }
    if (a->count != 2 || !tcpip_link_param(a, 1, &link))
        return CMD_ERROR;
    sim_info(s, "+CIPRXGET: 4,%d,%zu", link, s->tcpip.link[link].rx_len);
    return CMD_OK;
}


static const struct command commands[] = {
    {"+CIPRXGET", cmd_ciprxget, CMD_NEEDS_SIM},
};

const struct command_family tcpip_receive_commands = {commands, sizeof commands / sizeof commands[0]};
