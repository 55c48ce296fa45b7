/* The instance: configuration defaults, running one command, events. */
#include <stddef.h>
#include <string.h>

#include "sim7600_internal.h"


/* The default of each field left 0 in the configuration, as tables of
 * offsets: no code per field. */
#define CFG_FIELD(f) ((uint16_t)offsetof(struct sim7600_config, f))
static const struct {
    uint16_t field;
    uint32_t value;
} u32_defaults[] = {
    {CFG_FIELD(cmd_timeout_ms), 5000},     {CFG_FIELD(at_timeout_ms), 1000},
    {CFG_FIELD(start_timeout_ms), 120000}, {CFG_FIELD(connect_timeout_ms), 130000},
    {CFG_FIELD(reg_timeout_ms), 60000},    {CFG_FIELD(reg_poll_ms), 1000},
    {CFG_FIELD(backoff_min_ms), 1000},     {CFG_FIELD(backoff_max_ms), 60000},
    {CFG_FIELD(probe_idle_ms), 30000},     {CFG_FIELD(boot_timeout_ms), 30000},
};
static const struct {
    uint16_t field;
    uint8_t value;
} u8_defaults[] = {
    {CFG_FIELD(pub_timeout_s), 60},      {CFG_FIELD(at_attempts), 10},
    {CFG_FIELD(max_timeouts), 3},        {CFG_FIELD(outbox_max_attempts), 8},
    {CFG_FIELD(recovery_attempts), 3},
};

static void apply_defaults(struct sim7600_config *c)
{
    unsigned char *base = (unsigned char *)c;
    size_t i;

    for (i = 0; i < sizeof u32_defaults / sizeof u32_defaults[0]; i++) {
        uint32_t *f = (uint32_t *)(void *)(base + u32_defaults[i].field);
        if (*f == 0)
            *f = u32_defaults[i].value;
    }
    for (i = 0; i < sizeof u8_defaults / sizeof u8_defaults[0]; i++) {
        if (base[u8_defaults[i].field] == 0)
            base[u8_defaults[i].field] = u8_defaults[i].value;
    }
    /* after pub_timeout_s: the PUB result timeout follows from it */
    if (c->pub_result_timeout_ms == 0)
        c->pub_result_timeout_ms = c->pub_timeout_s * 1000u + SIM7600_MODULE_TIMEOUT_MARGIN_MS;
    if (c->keepalive_s == 0)
        c->keepalive_s = 60;
    if (c->apn_user != NULL && c->apn_auth == 0)
        c->apn_auth = 1;
}

static bool config_ok(const struct sim7600_config *c)
{
    return c->line_buf != NULL && c->line_cap >= 64 && c->cmd_buf != NULL && c->cmd_cap >= 64 &&
           c->rx_topic != NULL && c->rx_topic_cap >= 2 && c->rx_payload != NULL &&
           c->rx_payload_cap >= 1 && (c->outbox_slots == 0 || (c->outbox != NULL &&
                                                              c->outbox_data != NULL &&
                                                              c->outbox_slot_size > 0)) &&
           (c->subs_cap == 0 || c->subs != NULL) && (c->pass == NULL || c->user != NULL) &&
           c->keepalive_s >= 60 && c->keepalive_s <= 64800 && c->pub_timeout_s >= 60 && c->pub_timeout_s <= 180 &&
           (c->tls == NULL || (SIM7600_TLS && c->tls->ssl_ctx <= SIM7600_SSL_CTX_MAX &&
                                 c->tls->version <= SIM7600_TLS_1_2));
}

static void on_engine_log(void *ctx, const char *what, const char *text, size_t len)
{
    struct sim7600 *dev = ctx;
    if (dev->cfg.on_log != NULL)
        dev->cfg.on_log(dev->cfg.cb_ctx, what, text, len);
}

int sim7600_init(struct sim7600 *dev, const struct sim7600_port *port,
                 const struct sim7600_config *cfg)
{
    struct at_engine_config ec;

    if (dev == NULL || port == NULL || cfg == NULL)
        return SIM7600_E_PARAM;
    memset(dev, 0, sizeof *dev);
    dev->cfg = *cfg;
    apply_defaults(&dev->cfg);
    if (!config_ok(&dev->cfg))
        return SIM7600_E_PARAM;
    if ((port->lock == NULL) != (port->unlock == NULL))
        return SIM7600_E_PARAM;
    dev->port = port;
    memset(&ec, 0, sizeof ec);
    ec.port = port;
    ec.line_buf = dev->cfg.line_buf;
    ec.line_cap = dev->cfg.line_cap;
    ec.urcs = sim7600_urc_table(&ec.n_urcs);
    ec.urc_ctx = dev;
    ec.on_raw = sim7600_on_raw;
    ec.on_log = on_engine_log;
    if (at_engine_init(&dev->at, &ec) != 0)
        return SIM7600_E_PARAM;
    dev->state = SIM7600_STATE_OFF;
    dev->need_bringup = true;
    dev->backoff_ms = dev->cfg.backoff_min_ms;
    dev->health.rssi = 99;
    dev->health.ber = 99;
    dev->health.creg = dev->health.cgreg = dev->health.cereg = -1;
    dev->step = "";
    return SIM7600_OK;
}

uint32_t sim7600_now(const struct sim7600 *dev)
{
    return dev->port->now_ms(dev->port->ctx);
}

void sim7600_lock(struct sim7600 *dev)
{
    if (dev->port->lock != NULL)
        dev->port->lock(dev->port->ctx);
}

void sim7600_unlock(struct sim7600 *dev)
{
    if (dev->port->unlock != NULL)
        dev->port->unlock(dev->port->ctx);
}

void sim7600_log(struct sim7600 *dev, const char *what, const char *text)
{
    if (dev->cfg.on_log != NULL)
        dev->cfg.on_log(dev->cfg.cb_ctx, what, text, strlen(text));
}

void sim7600_event(struct sim7600 *dev, enum sim7600_event ev, int status)
{
    if (dev->cfg.on_event != NULL)
        dev->cfg.on_event(dev->cfg.cb_ctx, ev, status);
}

void sim7600_set_state(struct sim7600 *dev, enum sim7600_state s)
{
    if (dev->state == s)
        return;
    dev->state = s;
    dev->health.state = s;
    sim7600_event(dev, SIM7600_EV_STATE, (int)s);
}

struct at_buf *sim7600_cmd_begin(struct sim7600 *dev, struct at_buf *b, const char *step)
{
    dev->step = step;
    at_buf_init(b, dev->cfg.cmd_buf, dev->cfg.cmd_cap);
    at_buf_str(b, step);
    return b;
}

int sim7600_cmd_check(const struct at_buf *b)
{
    if (b->unquotable)
        return SIM7600_E_UNQUOTABLE;
    return at_buf_ok(b) ? SIM7600_OK : SIM7600_E_TOO_LONG;
}

/* What each way a command ends means; OK, ERROR and +CME ERROR look further. */
static const int8_t final_status[] = {
    [AT_FINAL_NONE] = SIM7600_E_PROTOCOL,    [AT_FINAL_OK] = SIM7600_OK,
    [AT_FINAL_ERROR] = SIM7600_E_ERROR,      [AT_FINAL_CME] = SIM7600_E_ERROR, /* no code */
    [AT_FINAL_CMS] = SIM7600_E_CMS,          [AT_FINAL_TIMEOUT] = SIM7600_E_TIMEOUT,
    [AT_FINAL_IO] = SIM7600_E_IO,            [AT_FINAL_REJECTED] = SIM7600_E_BUSY,
    [AT_FINAL_ABORTED] = SIM7600_E_REBOOTED, [AT_FINAL_CANCELLED] = SIM7600_E_CONNLOST,
};

static int map_result(const struct at_result *r)
{
    bool result_line = r->final == AT_FINAL_OK || r->final == AT_FINAL_ERROR;

    if (result_line && r->result_err == AT_RESULT_GARBLED)
        return SIM7600_E_PROTOCOL; /* a damaged result line: what the module meant is unknown */
    if (result_line && r->result_err > 0)
        return SIM7600_E_MQTT(r->result_err);
    if (r->final == AT_FINAL_CME && r->code >= 0)
        return SIM7600_E_CME(r->code);
    return (unsigned)r->final < sizeof final_status ? final_status[r->final] : SIM7600_E_PROTOCOL;
}

static void count_timeout(struct sim7600 *dev, int st)
{
    if (st == SIM7600_E_TIMEOUT)
        dev->health.timeouts++;
}

/* After a timeout, a late answer must not complete the next command: send a
 * probe whose own information line marks where its answer starts. */
static int resync(struct sim7600 *dev)
{
    struct at_cmd probe;
    struct at_result r;
    int st;

    memset(&probe, 0, sizeof probe);
    probe.line = "AT+CSQ";
    probe.flags = AT_CMD_SYNC | AT_CMD_NAMED;
    probe.timeout_ms = dev->cfg.cmd_timeout_ms;
    at_run(&dev->at, &probe, &r);
    st = map_result(&r);
    count_timeout(dev, st);
    return st;
}

int sim7600_exec(struct sim7600 *dev, struct at_cmd *cmd)
{
    struct at_result r;
    int st;

    if (dev->at.state == AT_STATE_RESYNC) {
        st = resync(dev);
        if (st != SIM7600_OK)
            return st;
    }
    if (cmd->timeout_ms == 0)
        cmd->timeout_ms = dev->cfg.cmd_timeout_ms;
    dev->cancel = AT_CANCEL_NONE;
    cmd->cancel = &dev->cancel;
    at_run(&dev->at, cmd, &r);
    st = map_result(&r);
    count_timeout(dev, st);
    return st;
}

int sim7600_run(struct sim7600 *dev, const struct at_buf *b, unsigned flags, uint32_t timeout_ms,
                const uint8_t *data, size_t len)
{
    struct at_cmd c;
    int st = sim7600_cmd_check(b);

    if (st != SIM7600_OK)
        return st;
    memset(&c, 0, sizeof c);
    c.line = b->p;
    c.flags = flags;
    c.data = data;
    c.data_len = len;
    c.timeout_ms = timeout_ms;
    c.ack_timeout_ms = dev->cfg.cmd_timeout_ms;
    return sim7600_exec(dev, &c);
}

int sim7600_exec_simple(struct sim7600 *dev, const char *line, at_line_fn on_line, void *ctx)
{
    struct at_cmd c;

    memset(&c, 0, sizeof c);
    dev->step = line;
    c.line = line;
    c.flags = on_line != NULL ? AT_CMD_NAMED : 0;
    c.on_line = on_line;
    c.ctx = ctx;
    return sim7600_exec(dev, &c);
}

void sim7600_wait(struct sim7600 *dev, uint32_t ms, const bool *flag)
{
    uint32_t deadline = sim7600_now(dev) + ms;

    while (!(flag != NULL && *flag)) {
        uint32_t now = sim7600_now(dev);
        if (at_time_reached(now, deadline))
            return;
        if (at_pump(&dev->at, deadline - now) < 0) {
            if (dev->port->sleep_ms != NULL)
                dev->port->sleep_ms(dev->port->ctx, deadline - now);
            return;
        }
    }
}

enum sim7600_state sim7600_get_state(const struct sim7600 *dev)
{
    return dev->state;
}

const char *sim7600_last_step(const struct sim7600 *dev)
{
    return dev->step;
}
