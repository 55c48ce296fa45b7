/* Supervision: connection loss, module reboot and a silent module lead to
 * RECOVERING; sim7600_poll() reconnects with exponential backoff, re-running
 * bring-up after a reboot or a reset, and flushes the outbox once back. */
#include <string.h>

#include "sim7600_internal.h"

static void enter_recovering(struct sim7600 *dev, uint32_t delay_ms)
{
    dev->retry_at = sim7600_now(dev) + delay_ms;
    sim7600_set_state(dev, SIM7600_STATE_RECOVERING);
}

int sim7600_link_check(struct sim7600 *dev, int status)
{
    if (dev->want_connected && dev->state != SIM7600_STATE_RECOVERING &&
        sim7600_status_is_link_error(status))
        enter_recovering(dev, 0);
    return status;
}

static bool supervising(const struct sim7600 *dev)
{
    return dev->want_connected && dev->state != SIM7600_STATE_CLOSED;
}

static void on_reboot(struct sim7600 *dev)
{
    dev->ev_rebooted = false;
    dev->need_bringup = true;
    dev->health.reboots++;
    sim7600_event(dev, SIM7600_EV_REBOOT, 0);
    if (supervising(dev))
        enter_recovering(dev, 0);
}

static void on_silent(struct sim7600 *dev)
{
    int rc = -1;

    dev->at.timeouts = 0;
    if (dev->port->reset_module != NULL) {
        rc = dev->port->reset_module(dev->port->ctx);
        if (rc == 0)
            dev->health.resets++;
    }
    dev->need_bringup = true;
    sim7600_event(dev, SIM7600_EV_SILENT, rc);
    if (supervising(dev) && dev->state != SIM7600_STATE_RECOVERING)
        enter_recovering(dev, 0);
}

/* Flags set by URC handlers and the timeout count become state changes here,
 * outside any handler. */
static void handle_flags(struct sim7600 *dev)
{
    if (dev->ev_rebooted)
        on_reboot(dev);
    if (dev->ev_connlost) {
        dev->ev_connlost = false;
        if (dev->state == SIM7600_STATE_CONNECTED)
            enter_recovering(dev, 0);
    }
    if (dev->at.timeouts >= dev->cfg.max_timeouts)
        on_silent(dev);
}

/* Failures that say nothing about the module's own setup (SIM, registration,
 * PDP): the broker or the path to it. Any other failure re-runs bring-up. */
static const sim7600_status_set broker_side[] = {
    SIM7600_E_MQTT_SOCK_CONNECT,         SIM7600_E_MQTT_TIMEOUT,
    SIM7600_E_MQTT_DNS,                  SIM7600_E_MQTT_CLOSED_BY_SERVER,
    SIM7600_E_MQTT_REFUSED_PROTOCOL,     SIM7600_E_MQTT_REFUSED_ID,
    SIM7600_E_MQTT_REFUSED_UNAVAILABLE,  SIM7600_E_MQTT_REFUSED_CREDENTIALS,
    SIM7600_E_MQTT_REFUSED_NOT_AUTHORIZED, SIM7600_E_MQTT_HANDSHAKE,
    SIM7600_E_MQTT_NO_CERT,
};

static bool is_broker_side(int st)
{
    return SIM7600_STATUS_IN(st, broker_side);
}

/* The first rung again, with no failure counted on it. */
static void restart_ladder(struct sim7600 *dev)
{
    dev->rung = SIM7600_RUNG_RECONNECT;
    dev->rung_failures = 0;
}

/* A failed reconnect on the current rung; after recovery_attempts of them the
 * supervisor climbs. Broker-side refusals do not climb: resetting the module
 * cannot change a broker's answer. */
static void count_failure(struct sim7600 *dev, int st)
{
    if (is_broker_side(st)) { /* the module and its client work: nothing to climb for */
        restart_ladder(dev);
        return;
    }
    if (++dev->rung_failures < dev->cfg.recovery_attempts)
        return;
    dev->rung_failures = 0;
    if (dev->rung == SIM7600_RUNG_RESET_MODULE) {
        restart_ladder(dev);
        dev->backoff_ms = dev->cfg.backoff_max_ms;
        sim7600_event(dev, SIM7600_EV_ESCALATED, SIM7600_RUNG_STUCK);
        return;
    }
    dev->rung = (enum sim7600_rung)(dev->rung + 1);
    sim7600_event(dev, SIM7600_EV_ESCALATED, (int)dev->rung);
}

static void back_off(struct sim7600 *dev)
{
    enter_recovering(dev, dev->backoff_ms);
    dev->backoff_ms = dev->backoff_ms > dev->cfg.backoff_max_ms / 2 ? dev->cfg.backoff_max_ms
                                                                    : dev->backoff_ms * 2;
}

static void schedule_retry(struct sim7600 *dev, int st)
{
    if (!is_broker_side(st))
        dev->need_bringup = true;
    count_failure(dev, st); /* first: a stuck ladder starts over at backoff_max_ms */
    back_off(dev);
    sim7600_event(dev, SIM7600_EV_RETRY, st);
}

void sim7600_session_suspect(struct sim7600 *dev)
{
    if (!dev->want_connected || dev->state == SIM7600_STATE_RECOVERING)
        return;
    dev->need_bringup = true;
    back_off(dev);
}

/* The rung's own step before the session is opened again. */
static int climb(struct sim7600 *dev)
{
    switch (dev->rung) {
    case SIM7600_RUNG_RESTART_MQTT:
        sim7600_session_teardown(dev);
        return SIM7600_OK;
    case SIM7600_RUNG_RESET_MODULE:
        return sim7600_reset_module(dev);
    default:
        return SIM7600_OK;
    }
}

static int recover(struct sim7600 *dev)
{
    int st = climb(dev);

    if (st == SIM7600_OK && dev->need_bringup)
        st = sim7600_modem_up(dev);
    if (st == SIM7600_OK)
        st = sim7600_session_open(dev);
    if (st == SIM7600_OK && dev->ev_rebooted)
        st = SIM7600_E_REBOOTED; /* it rebooted again meanwhile */
    if (st != SIM7600_OK) {
        schedule_retry(dev, st);
        return st;
    }
    restart_ladder(dev);
    dev->health.reconnects++;
    sim7600_outbox_flush(dev, (size_t)-1, NULL);
    sim7600_event(dev, SIM7600_EV_RECONNECTED, (int)dev->ob_count);
    return SIM7600_OK;
}

static uint32_t wait_budget(const struct sim7600 *dev, uint32_t timeout_ms)
{
    uint32_t now = sim7600_now(dev);
    uint32_t until;

    if (dev->state != SIM7600_STATE_RECOVERING)
        return timeout_ms;
    if (at_time_reached(now, dev->retry_at))
        return 0;
    until = dev->retry_at - now;
    return until < timeout_ms ? until : timeout_ms;
}

static int poll_locked(struct sim7600 *dev, uint32_t timeout_ms)
{
    uint32_t budget = wait_budget(dev, timeout_ms);
    uint32_t now;
    int st = SIM7600_OK;

    if (at_pump(&dev->at, budget) < 0) {
        /* The port failed: do not spin on it, but keep supervising, so the
         * failure reaches the application (SIM7600_EV_RETRY with E_IO). */
        if (dev->port->sleep_ms != NULL)
            dev->port->sleep_ms(dev->port->ctx, budget);
        sim7600_link_check(dev, SIM7600_E_IO);
        st = SIM7600_E_IO;
    }
    handle_flags(dev);
    now = sim7600_now(dev);
    if (dev->state == SIM7600_STATE_RECOVERING && supervising(dev)) {
        if (!at_time_reached(now, dev->retry_at))
            return st;
        return recover(dev);
    }
    if (dev->state != SIM7600_STATE_CONNECTED || st != SIM7600_OK)
        return st;
    if (dev->ob_count > 0)
        return sim7600_outbox_flush(dev, (size_t)-1, NULL);
    if (at_time_reached(now, dev->at.last_rx_ms + dev->cfg.probe_idle_ms)) {
        st = sim7600_link_check(dev, sim7600_query_csq(dev));
        return st == SIM7600_OK ? sim7600_link_check(dev, sim7600_query_session(dev)) : st;
    }
    return SIM7600_OK;
}

int sim7600_poll(struct sim7600 *dev, uint32_t timeout_ms)
{
    int st;
    sim7600_lock(dev);
    st = poll_locked(dev, timeout_ms);
    handle_flags(dev);
    sim7600_unlock(dev);
    return st;
}

int sim7600_health(struct sim7600 *dev, struct sim7600_health *h)
{
    int st;

    sim7600_lock(dev);
    st = sim7600_query_csq(dev);
    if (st == SIM7600_OK)
        st = sim7600_query_reg(dev);
    sim7600_link_check(dev, st);
    dev->health.state = dev->state;
    dev->health.outbox = dev->ob_count;
    dev->health.ms_since_rx = sim7600_now(dev) - dev->at.last_rx_ms;
    if (h != NULL)
        *h = dev->health;
    sim7600_unlock(dev);
    return st;
}
