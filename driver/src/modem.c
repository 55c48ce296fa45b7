/* Bring-up: AT until answered, ATE0, CMEE, SIM, signal, registration, APN
 * (reference §1, §4, §5), then the TLS files and context when configured (tls.c). */
#include <string.h>

#include "sim7600_internal.h"

static int sync_at(struct sim7600 *dev)
{
    struct at_cmd c;
    uint8_t i;

    for (i = 0; i < dev->cfg.at_attempts; i++) {
        int st;
        memset(&c, 0, sizeof c);
        c.line = "AT";
        c.timeout_ms = dev->cfg.at_timeout_ms;
        at_abandon(&dev->at); /* a late OK to an earlier "AT" is as good as this one's */
        dev->step = "AT";
        st = sim7600_exec(dev, &c);
        if (st == SIM7600_OK)
            break;
        if (st != SIM7600_E_TIMEOUT && st != SIM7600_E_ERROR)
            return st;
    }
    if (i == dev->cfg.at_attempts)
        return SIM7600_E_NO_RESPONSE;
    /* The OK may not be this AT's: late answers to the earlier probes, or to
     * what the host sent before it was reset, may still be on their way. The
     * next command is preceded by a probe whose own line marks its answer. */
    dev->at.state = AT_STATE_RESYNC;
    return SIM7600_OK;
}

/* ---- SIM ------------------------------------------------------------------- */

struct cpin {
    bool seen, ready;
};

static void on_cpin(void *ctx, const char *line, size_t len)
{
    struct cpin *p = ctx;
    p->seen = true;
    p->ready = at_line_is(line, len, "+CPIN: READY");
}

static bool sim_retryable(int st)
{
    return st == SIM7600_E_CME_SIM_BUSY || st == SIM7600_E_ERROR ||
           st == SIM7600_E_CME_SIM_FAILURE;
}

static int check_sim(struct sim7600 *dev)
{
    uint32_t deadline = sim7600_now(dev) + dev->cfg.reg_timeout_ms;

    for (;;) {
        struct cpin p = {false, false};
        int st = sim7600_exec_simple(dev, "AT+CPIN?", on_cpin, &p);
        if (st == SIM7600_OK)
            return p.ready ? SIM7600_OK : p.seen ? SIM7600_E_SIM_LOCKED : SIM7600_E_PROTOCOL;
        if (!sim_retryable(st) || at_time_reached(sim7600_now(dev), deadline))
            return st;
        sim7600_wait(dev, dev->cfg.reg_poll_ms, NULL);
    }
}

/* ---- signal and registration ------------------------------------------------- */

static void on_csq(void *ctx, const char *line, size_t len)
{
    struct sim7600_health *h = ctx;
    long v[2];
    if (at_scan_ints(line, len, v, 2) == 2) {
        h->rssi = (int)v[0];
        h->ber = (int)v[1];
    }
}

int sim7600_query_csq(struct sim7600 *dev)
{
    return sim7600_exec_simple(dev, "AT+CSQ", on_csq, &dev->health);
}

/* Read form "+CxREG: <n>,<stat>[,...]": stat is the second number. */
static void on_reg(void *ctx, const char *line, size_t len)
{
    int *stat = ctx;
    long v[2];
    if (at_scan_ints(line, len, v, 2) == 2)
        *stat = (int)v[1];
}

static const struct reg_query {
    const char *line;
    size_t offset;
} reg_queries[] = {
    {"AT+CREG?", offsetof(struct sim7600_health, creg)},
    {"AT+CGREG?", offsetof(struct sim7600_health, cgreg)},
    {"AT+CEREG?", offsetof(struct sim7600_health, cereg)},
};

static bool registered(int stat)
{
    return stat == 1 || stat == 5;
}

/* Queries all three; a module that does not know one answers ERROR (-1). */
int sim7600_query_reg(struct sim7600 *dev)
{
    size_t i;
    for (i = 0; i < sizeof reg_queries / sizeof reg_queries[0]; i++) {
        const struct reg_query *q = &reg_queries[i];
        int *stat = (int *)(void *)((char *)&dev->health + q->offset);
        int st;
        *stat = -1;
        st = sim7600_exec_simple(dev, q->line, on_reg, stat);
        if (st != SIM7600_OK && st != SIM7600_E_ERROR && sim7600_status_module_code(st) < 0)
            return st; /* ERROR or a CME code: this module does not know the query */
    }
    return SIM7600_OK;
}

/* Packet-switched registration is what MQTT needs; CREG only counts on a
 * module that answers neither CGREG nor CEREG. */
static int reg_verdict(const struct sim7600_health *h)
{
    bool ps_known = h->cgreg >= 0 || h->cereg >= 0;
    if (registered(h->cgreg) || registered(h->cereg) || (!ps_known && registered(h->creg)))
        return SIM7600_OK;
    if (h->cgreg == 3 || h->cereg == 3 || (!ps_known && h->creg == 3))
        return SIM7600_E_REG_DENIED;
    return SIM7600_E_NOT_REGISTERED;
}

static int wait_registered(struct sim7600 *dev)
{
    uint32_t deadline = sim7600_now(dev) + dev->cfg.reg_timeout_ms;
    uint32_t left;

    for (;;) {
        int st = sim7600_query_reg(dev);
        if (st != SIM7600_OK)
            return st;
        st = reg_verdict(&dev->health);
        if (st != SIM7600_E_NOT_REGISTERED || at_time_reached(sim7600_now(dev), deadline))
            return st;
        dev->ev_reg = false; /* a +CxREG URC ends the wait early */
        left = deadline - sim7600_now(dev);   /* the last wait ends at the deadline, not after it */
        sim7600_wait(dev, left < dev->cfg.reg_poll_ms ? left : dev->cfg.reg_poll_ms, &dev->ev_reg);
    }
}

/* ---- packet data --------------------------------------------------------------- */

static int set_apn(struct sim7600 *dev)
{
    struct at_buf b;
    int st;

    if (dev->cfg.apn == NULL)
        return SIM7600_OK;
    sim7600_cmd_begin(dev, &b, "AT+CGDCONT");
    at_buf_str(&b, "=1,\"IP\",");
    at_buf_quoted(&b, dev->cfg.apn);
    st = sim7600_run(dev, &b, 0, 0, NULL, 0);
    if (st != SIM7600_OK || dev->cfg.apn_user == NULL)
        return st;
    /* AT manual V1.01 §9.15 puts the password before the user name. */
    sim7600_cmd_begin(dev, &b, "AT+CGAUTH");
    at_buf_str(&b, "=1,");
    at_buf_u32(&b, dev->cfg.apn_auth);
    at_buf_arg_quoted(&b, dev->cfg.apn_pass != NULL ? dev->cfg.apn_pass : "");
    at_buf_arg_quoted(&b, dev->cfg.apn_user);
    return sim7600_run(dev, &b, AT_CMD_SECRET, 0, NULL, 0);
}

/* ---- the sequence ---------------------------------------------------------------- */

static int cmd_ok(struct sim7600 *dev, const char *line)
{
    return sim7600_exec_simple(dev, line, NULL, NULL);
}

int sim7600_modem_up(struct sim7600 *dev)
{
    int st;

    dev->ev_rebooted = false;
    st = sync_at(dev);
    if (st == SIM7600_OK)
        st = cmd_ok(dev, "ATE0");
    if (st == SIM7600_OK)
        st = cmd_ok(dev, "AT+CMEE=1");
    if (st == SIM7600_OK)
        st = check_sim(dev);
    if (st == SIM7600_OK)
        st = sim7600_query_csq(dev);
    if (st == SIM7600_OK)
        st = wait_registered(dev);
    if (st == SIM7600_OK)
        st = set_apn(dev);
    if (st == SIM7600_OK)
        st = sim7600_tls_setup(dev);
    if (st != SIM7600_OK)
        return st;
    dev->need_bringup = false;
    sim7600_set_state(dev, SIM7600_STATE_NET_READY);
    return SIM7600_OK;
}

int sim7600_reset_module(struct sim7600 *dev)
{
    int st;

    dev->ev_rebooted = false; /* RDY may come in the same read as AT+CRESET's OK */
    if (dev->port->reset_module != NULL)
        st = dev->port->reset_module(dev->port->ctx) == 0 ? SIM7600_OK : SIM7600_E_IO;
    else
        st = sim7600_exec_simple(dev, "AT+CRESET", NULL, NULL);
    if (st == SIM7600_E_REBOOTED)
        st = SIM7600_OK; /* its RDY came before its OK: the reset is done */
    if (st != SIM7600_OK)
        return st;
    dev->health.resets++;
    sim7600_wait(dev, dev->cfg.boot_timeout_ms, &dev->ev_rebooted);
    dev->ev_rebooted = false; /* our own reset: nothing to react to */
    dev->need_bringup = true;
    return SIM7600_OK;
}

int sim7600_bringup(struct sim7600 *dev)
{
    int st;
    sim7600_lock(dev);
    st = sim7600_modem_up(dev);
    sim7600_unlock(dev);
    return st;
}
