/* The bounded outbox: QoS 1/2 messages stay here, oldest first, until the
 * module confirms them with +CMQTTPUB: 0,0. A ring of caller-owned slots;
 * each slot's topic and payload bytes live in outbox_data. */
#include <string.h>

#include "sim7600_internal.h"

static uint8_t *slot_data(const struct sim7600 *dev, size_t idx)
{
    return dev->cfg.outbox_data + idx * dev->cfg.outbox_slot_size;
}

int sim7600_outbox_push(struct sim7600 *dev, const char *topic, const void *payload, size_t len,
                        uint8_t qos, bool retain, size_t *ticket)
{
    size_t tlen = strlen(topic);
    size_t idx;
    struct sim7600_outbox_slot *s;

    if (tlen + len > dev->cfg.outbox_slot_size || dev->cfg.outbox_slots == 0)
        return dev->cfg.outbox_slots == 0 ? SIM7600_E_OUTBOX_FULL : SIM7600_E_TOO_LONG;
    if (dev->ob_count == dev->cfg.outbox_slots)
        return SIM7600_E_OUTBOX_FULL;
    idx = (dev->ob_head + dev->ob_count) % dev->cfg.outbox_slots;
    s = &dev->cfg.outbox[idx];
    s->topic_len = (uint16_t)tlen;
    s->payload_len = (uint16_t)len;
    s->qos = qos;
    s->retain = retain ? 1 : 0;
    s->attempts = 0;
    memcpy(slot_data(dev, idx), topic, tlen);
    if (len > 0)
        memcpy(slot_data(dev, idx) + tlen, payload, len);
    *ticket = dev->ob_seq + dev->ob_count;
    dev->ob_count++;
    return SIM7600_OK;
}

static void pop(struct sim7600 *dev)
{
    dev->ob_head = (dev->ob_head + 1) % dev->cfg.outbox_slots;
    dev->ob_count--;
    dev->ob_seq++;
}

/* Refusals of the message itself that sending it again cannot change: only
 * the driver's own checks. The module's codes are never trusted to drop a
 * message at first sight -- line noise can forge any of them (a damaged
 * "0,11" reads "0,18", topic empty) -- so a message the module really
 * refuses is given up after outbox_max_attempts (sim/real-module-findings.md §18). */
static const sim7600_status_set refused_for_good[] = {SIM7600_E_PARAM, SIM7600_E_TOO_LONG, SIM7600_E_UNQUOTABLE};

enum send_verdict { SENT, KEEP, DROP };

/* What one failed or successful send means for the message at the head. */
static enum send_verdict judge(struct sim7600 *dev, struct sim7600_outbox_slot *s, int st)
{
    if (st == SIM7600_OK)
        return SENT;
    if (sim7600_status_is_link_error(st))
        return KEEP; /* the network's doing, not the message's: no attempt counted */
    if (SIM7600_STATUS_IN(st, refused_for_good)) {
        sim7600_event(dev, SIM7600_EV_DROPPED, st);
        return DROP;
    }
    /* the module's state is in doubt too: the session is opened again, after a backoff */
    sim7600_session_suspect(dev);
    if (++s->attempts >= dev->cfg.outbox_max_attempts) {
        sim7600_event(dev, SIM7600_EV_GAVE_UP, st);
        return DROP;
    }
    sim7600_event(dev, SIM7600_EV_PUB_RETRY, st);
    return KEEP;
}

int sim7600_outbox_flush(struct sim7600 *dev, size_t ticket, int *ticket_st)
{
    while (dev->ob_count > 0 && dev->state == SIM7600_STATE_CONNECTED) {
        struct sim7600_outbox_slot *s = &dev->cfg.outbox[dev->ob_head];
        const uint8_t *d = slot_data(dev, dev->ob_head);
        bool mine = (dev->ob_seq == ticket);
        int st = sim7600_pub_send(dev, d, s->topic_len, d + s->topic_len, s->payload_len, s->qos,
                                  s->retain != 0);
        if (judge(dev, s, st) == KEEP)
            return sim7600_link_check(dev, st); /* sent again: now, or on the next connection */
        if (mine && ticket_st != NULL)
            *ticket_st = st;
        pop(dev);
    }
    return SIM7600_OK;
}

size_t sim7600_outbox_count(const struct sim7600 *dev)
{
    return dev->ob_count;
}
