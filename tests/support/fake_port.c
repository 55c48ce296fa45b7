/* Scripted fake port with a fake clock (see fake_port.h). */
#include "fake_port.h"

#include <stdio.h>
#include <string.h>

static bool reached(uint32_t now, uint32_t t)
{
    return (int32_t)(now - t) >= 0;
}

void fake_port_push(struct fake_port *fp, const void *data, size_t len, uint32_t delay_ms)
{
    uint32_t at = fp->now + delay_ms;
    size_t i;

    if (fp->rx_len > 0 && !reached(at, fp->rx_at[fp->rx_len - 1]))
        at = fp->rx_at[fp->rx_len - 1]; /* bytes leave in order */
    for (i = 0; i < len && fp->rx_len < FAKE_RX_MAX; i++) {
        fp->rx[fp->rx_len] = ((const uint8_t *)data)[i];
        fp->rx_at[fp->rx_len++] = at;
    }
}

void fake_port_push_str(struct fake_port *fp, const char *s, uint32_t delay_ms)
{
    fake_port_push(fp, s, strlen(s), delay_ms);
}

static void mismatch(struct fake_port *fp, const char *expect)
{
    if (fp->error[0] != '\0')
        return;
    snprintf(fp->error, sizeof fp->error, "step %zu: expected write \"%s\", driver wrote \"%.*s\"",
             fp->step, expect != NULL ? expect : "(nothing: script ended)",
             (int)(fp->tx_len - fp->unmatched), fp->tx + fp->unmatched);
}

static void match_steps(struct fake_port *fp)
{
    while (fp->error[0] == '\0' && fp->step < fp->n_steps) {
        const struct fake_step *s = &fp->steps[fp->step];
        size_t have = fp->tx_len - fp->unmatched;
        size_t elen = s->expect != NULL ? strlen(s->expect) : 0;
        size_t cmp = have < elen ? have : elen;

        if (memcmp(fp->tx + fp->unmatched, s->expect != NULL ? s->expect : "", cmp) != 0) {
            mismatch(fp, s->expect);
            return;
        }
        if (have < elen)
            return; /* wait for the rest of the write */
        fp->unmatched += elen;
        fp->step++;
        if (s->reply != NULL)
            fake_port_push_str(fp, s->reply, s->delay_ms);
    }
    if (fp->step == fp->n_steps && fp->unmatched < fp->tx_len)
        mismatch(fp, NULL);
}

static int fp_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct fake_port *fp = ctx;

    if (fp->gone || (fp->write_fail > 0 && --fp->write_fail == 0))
        return -1;
    if (fp->tx_len + len >= FAKE_TX_MAX)
        len = FAKE_TX_MAX - 1 - fp->tx_len;
    memcpy(fp->tx + fp->tx_len, buf, len);
    fp->tx_len += len;
    fp->tx[fp->tx_len] = '\0';
    if (fp->silent)
        fp->unmatched = fp->tx_len;
    else
        match_steps(fp);
    return (int)len;
}

static int fp_read(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
    struct fake_port *fp = ctx;
    size_t n = 0;
    size_t limit = fp->chunk != 0 && fp->chunk < cap ? fp->chunk : cap;

    if (fp->gone)
        return -1;
    if (fp->rx_pos < fp->rx_len && !reached(fp->now, fp->rx_at[fp->rx_pos])) {
        uint32_t wait = fp->rx_at[fp->rx_pos] - fp->now;
        if (wait > timeout_ms) {
            fp->now += timeout_ms;
            return 0;
        }
        fp->now += wait;
    }
    while (n < limit && fp->rx_pos < fp->rx_len && reached(fp->now, fp->rx_at[fp->rx_pos]))
        buf[n++] = fp->rx[fp->rx_pos++];
    if (n == 0)
        fp->now += timeout_ms;
    return (int)n;
}

static uint32_t fp_now(void *ctx)
{
    return ((struct fake_port *)ctx)->now;
}

static void fp_sleep(void *ctx, uint32_t ms)
{
    ((struct fake_port *)ctx)->now += ms;
}

static int fp_reset(void *ctx)
{
    struct fake_port *fp = ctx;
    fp->resets++;
    if (fp->on_reset != NULL) {
        fp->silent = false;
        fp->unmatched = fp->tx_len;
        fake_port_script(fp, fp->on_reset, fp->on_reset_n);
    }
    return 0;
}

void fake_port_init(struct fake_port *fp)
{
    memset(fp, 0, sizeof *fp);
    fp->now = 1000;
    fp->port.ctx = fp;
    fp->port.write = fp_write;
    fp->port.read = fp_read;
    fp->port.now_ms = fp_now;
    fp->port.sleep_ms = fp_sleep;
    fp->port.reset_module = fp_reset;
}

void fake_port_script(struct fake_port *fp, const struct fake_step *steps, size_t n)
{
    fp->steps = steps;
    fp->n_steps = n;
    fp->step = 0;
    fp->unmatched = fp->tx_len; /* a new script judges only later writes */
    match_steps(fp);
}

bool fake_port_done(const struct fake_port *fp)
{
    return fp->error[0] == '\0' && fp->step == fp->n_steps;
}

const char *fake_port_tx(const struct fake_port *fp)
{
    return fp->tx;
}

size_t fake_port_pending(const struct fake_port *fp)
{
    return fp->rx_len - fp->rx_pos;
}

/* ---- fake_dev ---------------------------------------------------------------- */

static void fd_message(void *ctx, const struct sim7600_message *m)
{
    struct fake_dev *fd = ctx;
    if (fd->n_msgs < 8)
        snprintf(fd->msgs[fd->n_msgs++], sizeof fd->msgs[0], "%.*s|%.*s", (int)m->topic_len,
                 (const char *)m->topic, (int)m->payload_len, (const char *)m->payload);
    fd->truncated |= m->truncated;
}

static void fd_event(void *ctx, enum sim7600_event ev, int status)
{
    struct fake_dev *fd = ctx;
    if (fd->n_events < 64) {
        fd->events[fd->n_events] = (int)ev;
        fd->ev_status[fd->n_events++] = status;
    }
}

static void fd_log(void *ctx, const char *what, const char *text, size_t len)
{
    struct fake_dev *fd = ctx;
    int n = snprintf(fd->log + fd->log_len, sizeof fd->log - fd->log_len, "%s: %.*s\n", what,
                     (int)len, text);
    if (n > 0 && (size_t)n < sizeof fd->log - fd->log_len)
        fd->log_len += (size_t)n;
}

void fake_dev_init(struct fake_dev *fd)
{
    struct sim7600_config *c = &fd->cfg;

    memset(fd, 0, sizeof *fd);
    fake_port_init(&fd->fp);
    fd->fp.chunk = 5;
    c->apn = "internet";
    c->broker = "tcp://broker:1883";
    c->client_id = "dev1";
    c->clean_session = true;
    c->line_buf = fd->line;
    c->line_cap = sizeof fd->line;
    c->cmd_buf = fd->cmd;
    c->cmd_cap = sizeof fd->cmd;
    c->rx_topic = fd->topic;
    c->rx_topic_cap = sizeof fd->topic;
    c->rx_payload = fd->payload;
    c->rx_payload_cap = sizeof fd->payload;
    c->outbox = fd->slots;
    c->outbox_slots = 4;
    c->outbox_data = fd->ob_data;
    c->outbox_slot_size = 64;
    c->subs = fd->subs;
    c->subs_cap = 4;
    c->on_message = fd_message;
    c->on_event = fd_event;
    c->on_log = fd_log;
    c->cb_ctx = fd;
}

int fake_dev_start(struct fake_dev *fd)
{
    return sim7600_init(&fd->dev, &fd->fp.port, &fd->cfg);
}

int fake_dev_events(const struct fake_dev *fd, enum sim7600_event ev, int *status)
{
    int i, n = 0;
    for (i = 0; i < fd->n_events; i++) {
        if (fd->events[i] == (int)ev) {
            n++;
            if (status != NULL)
                *status = fd->ev_status[i];
        }
    }
    return n;
}

void fake_dev_run(struct fake_dev *fd, uint32_t max_ms)
{
    uint32_t end = fd->fp.now + max_ms;
    while (!reached(fd->fp.now, end) &&
           !(fake_port_done(&fd->fp) && fake_port_pending(&fd->fp) == 0 &&
             fd->dev.state != SIM7600_STATE_RECOVERING))
        sim7600_poll(&fd->dev, 100);
}

int fake_dev_connect_cold(struct fake_dev *fd)
{
    static const struct fake_step s[] = {FAKE_BRINGUP, FAKE_SESSION_COLD};
    fake_port_script(&fd->fp, FAKE_STEPS(s));
    return sim7600_connect(&fd->dev);
}
