/* The AT engine: line framing, command completion, URC routing, RAW(n) and
 * the '>' prompt (see at_engine.h for the states). */
#include "at_engine.h"

#include <string.h>

#include "at_text.h"

/* In enum order: one string of NUL-separated names (at_text_nth). */
static const char state_names[] = "IDLE\0WAIT_PROMPT\0WAIT_RESP\0WAIT_FINAL\0RESYNC";

const char *at_state_str(enum at_state s)
{
    return at_text_nth(state_names, AT_STATE_RESYNC + 1u, (unsigned)s);
}

static const char final_names[] =
    "pending\0OK\0ERROR\0+CME ERROR\0+CMS ERROR\0timeout\0port I/O error\0"
    "engine busy or bad command\0aborted (the module restarted)\0cancelled";

const char *at_final_str(enum at_final f)
{
    return at_text_nth(final_names, AT_FINAL_CANCELLED + 1u, (unsigned)f);
}

/* Final result codes (V.250 §5.7, 27.007 §9.2): whole line or prefix. */
static const struct {
    const char *text;
    uint8_t match;  /* enum at_match */
    uint8_t final;  /* enum at_final */
} finals[] = {
    {"OK", AT_MATCH_LINE, AT_FINAL_OK},
    {"ERROR", AT_MATCH_LINE, AT_FINAL_ERROR},
    {"+CME ERROR:", AT_MATCH_PREFIX, AT_FINAL_CME},
    {"+CMS ERROR:", AT_MATCH_PREFIX, AT_FINAL_CMS},
};

static bool matches(const char *line, size_t len, const char *text, enum at_match m)
{
    return m == AT_MATCH_LINE ? at_line_is(line, len, text) : at_starts_with(line, len, text);
}

static enum at_final classify_final(const char *line, size_t len, int *code)
{
    size_t i;
    for (i = 0; i < sizeof finals / sizeof finals[0]; i++) {
        if (matches(line, len, finals[i].text, (enum at_match)finals[i].match)) {
            long v;
            *code = at_scan_ints(line, len, &v, 1) == 1 ? (int)v : -1;
            return (enum at_final)finals[i].final;
        }
    }
    return AT_FINAL_NONE;
}

static uint32_t now_ms(const struct at_engine *e)
{
    return e->cfg.port->now_ms(e->cfg.port->ctx);
}

static bool secret_pending(const struct at_engine *e)
{
    return (e->cmd.flags & AT_CMD_SECRET) != 0 && e->state != AT_STATE_IDLE &&
           e->state != AT_STATE_RESYNC;
}

static const char hidden[] = "(line hidden: a command with credentials is pending)";

/* While a command with credentials is pending, an unmatched line may be its
 * (possibly truncated) echo: such lines are never shown. */
static void log_line(const struct at_engine *e, const char *what, const char *text, size_t len)
{
    if (e->cfg.on_log == NULL)
        return;
    if (secret_pending(e))
        e->cfg.on_log(e->cfg.urc_ctx, what, hidden, sizeof hidden - 1);
    else
        e->cfg.on_log(e->cfg.urc_ctx, what, text, len);
}

static const char *cmd_label(const struct at_engine *e)
{
    return (e->cmd.flags & AT_CMD_SECRET) != 0 ? "(command with credentials)" : e->cmd.line;
}

static bool pending(const struct at_engine *e)
{
    return e->state == AT_STATE_WAIT_PROMPT || e->state == AT_STATE_WAIT_RESP ||
           e->state == AT_STATE_WAIT_FINAL;
}

bool at_idle(const struct at_engine *e)
{
    return !pending(e);
}

int at_engine_init(struct at_engine *e, const struct at_engine_config *cfg)
{
    const struct sim7600_port *p = cfg->port;
    if (p == NULL || p->write == NULL || p->read == NULL || p->now_ms == NULL ||
        cfg->line_buf == NULL || cfg->line_cap < 8)
        return -1;
    memset(e, 0, sizeof *e);
    e->cfg = *cfg;
    e->state = AT_STATE_IDLE;
    e->res.final = AT_FINAL_NONE;
    e->last_rx_ms = now_ms(e);
    return 0;
}

static void complete(struct at_engine *e, enum at_final f, int code)
{
    e->res.final = f;
    e->res.code = code;
    e->done = true;
    if (f == AT_FINAL_TIMEOUT) {
        e->state = AT_STATE_RESYNC;
        e->timeouts++;
    } else {
        e->state = AT_STATE_IDLE;
        if (f != AT_FINAL_IO)
            e->timeouts = 0;
    }
}

static bool write_all(struct at_engine *e, const void *p, size_t n)
{
    if (n == 0)
        return true;
    return e->cfg.port->write(e->cfg.port->ctx, p, n) == (int)n;
}

int at_submit(struct at_engine *e, const struct at_cmd *cmd)
{
    if (pending(e) || cmd->line == NULL || ((cmd->flags & AT_CMD_PROMPT) && cmd->data == NULL &&
                                            cmd->data_len > 0))
        return -1;
    e->cmd = *cmd;
    if (e->cmd.flags & AT_CMD_RESULT_LINE)
        e->cmd.flags |= AT_CMD_ERR_LINE;
    e->res.final = AT_FINAL_NONE;
    e->res.code = -1;
    e->res.result_err = AT_RESULT_NONE;
    e->done = false;
    e->got_ok = false;
    e->sync_seen = false;
    e->state = (cmd->flags & AT_CMD_PROMPT) ? AT_STATE_WAIT_PROMPT : AT_STATE_WAIT_RESP;
    e->started_ms = now_ms(e);
    e->deadline = e->started_ms + cmd->timeout_ms;
    if ((cmd->flags & AT_CMD_ACK_FIRST) && cmd->ack_timeout_ms != 0 && cmd->ack_timeout_ms < cmd->timeout_ms)
        e->deadline = e->started_ms + cmd->ack_timeout_ms;
    if (!write_all(e, cmd->line, strlen(cmd->line)) || !write_all(e, "\r", 1)) {
        complete(e, AT_FINAL_IO, -1);
        return -2;
    }
    return 0;
}

void at_abort(struct at_engine *e)
{
    if (pending(e))
        complete(e, AT_FINAL_ABORTED, -1);
}

/* After OK only the result line is missing, and that is no final result: the
 * next command cannot take it for its own. Before OK a late OK can come. */
static void cancel_pending(struct at_engine *e, enum at_cancel why)
{
    enum at_final f = why == AT_CANCEL_RESTARTED ? AT_FINAL_ABORTED : AT_FINAL_CANCELLED;
    const char *text = at_final_str(f);
    bool acknowledged = e->got_ok;

    log_line(e, cmd_label(e), text, strlen(text));
    complete(e, f, -1);
    if (f == AT_FINAL_CANCELLED && !acknowledged)
        e->state = AT_STATE_RESYNC;
}

void at_abandon(struct at_engine *e)
{
    if (e->state == AT_STATE_RESYNC)
        e->state = AT_STATE_IDLE;
}

/* ---- routing one complete line ------------------------------------------ */

static bool dispatch_urc(struct at_engine *e, const char *line, size_t len)
{
    size_t i;
    for (i = 0; i < e->cfg.n_urcs; i++) {
        const struct at_urc *u = &e->cfg.urcs[i];
        if (matches(line, len, u->text, u->match)) {
            e->raw_left = u->fn != NULL ? u->fn(e->cfg.urc_ctx, line, len) : 0;
            return true;
        }
    }
    return false;
}

/* The final or result line is the module's own words: shown even for a
 * command with credentials (it never contains them). */
static void finish_with(struct at_engine *e, enum at_final f, int code, const char *line, size_t len)
{
    bool failed = f != AT_FINAL_OK || e->res.result_err > 0 ||
                  e->res.result_err == AT_RESULT_GARBLED;
    if (failed && e->cfg.on_log != NULL)
        e->cfg.on_log(e->cfg.urc_ctx, cmd_label(e), line, len);
    complete(e, f, code);
}

/* A final result while a command is pending. @retval true if consumed. */
static bool route_final(struct at_engine *e, const char *line, size_t len)
{
    int code = -1;
    enum at_final f = classify_final(line, len, &code);

    if (f == AT_FINAL_NONE)
        return false;
    if ((e->cmd.flags & AT_CMD_SYNC) && !e->sync_seen) {
        log_line(e, "dropped a late final result", line, len);
        return true;
    }
    if (f == AT_FINAL_OK && (e->cmd.flags & AT_CMD_RESULT_LINE) && e->res.result_err == AT_RESULT_NONE) {
        e->got_ok = true;
        e->state = AT_STATE_WAIT_FINAL;
        e->deadline = e->started_ms + e->cmd.timeout_ms;   /* acknowledged: the result may take long */
        return true;
    }
    finish_with(e, f, code, line, len);
    return true;
}

/* Does the line belong to the pending command (its prefix or, with
 * AT_CMD_NAMED, its name: "AT+CSQ" -> "+CSQ:")? */
static bool is_info_line(const struct at_engine *e, const char *line, size_t len)
{
    const char *name;
    size_t n;

    if (e->cmd.prefix != NULL)
        return at_starts_with(line, len, e->cmd.prefix);
    if ((e->cmd.flags & AT_CMD_NAMED) == 0 || strncmp(e->cmd.line, "AT+", 3) != 0)
        return false;
    name = e->cmd.line + 2; /* "+CSQ" */
    n = strcspn(name, "=?");
    return n < len && memcmp(line, name, n) == 0 && line[n] == ':';
}

static void route_prefix_line(struct at_engine *e, const char *line, size_t len)
{
    e->sync_seen = true;
    if (e->cmd.flags & AT_CMD_ERR_LINE) {
        long v[3];
        size_t n = at_scan_ints_whole(line, len, v, 3);
        e->res.result_err = n > 0 ? (int)v[n - 1] : AT_RESULT_GARBLED;
        if (e->state == AT_STATE_WAIT_FINAL)
            finish_with(e, AT_FINAL_OK, -1, line, len);
        return;
    }
    if (e->cmd.on_line != NULL)
        e->cmd.on_line(e->cmd.ctx, line, len);
}

static void route_idle(struct at_engine *e, const char *line, size_t len)
{
    int code;
    if (classify_final(line, len, &code) != AT_FINAL_NONE) {
        log_line(e, e->state == AT_STATE_RESYNC ? "dropped a late final result"
                                                 : "final result with no command",
                 line, len);
        e->state = AT_STATE_IDLE;
        return;
    }
    if (!dispatch_urc(e, line, len))
        log_line(e, "unsolicited line ignored", line, len);
}

static void route_line(struct at_engine *e, const char *line, size_t len)
{
    if (!pending(e)) {
        route_idle(e, line, len);
        return;
    }
    if (at_line_is(line, len, e->cmd.line))
        return; /* echo (before ATE0, or after a module reboot) */
    if (route_final(e, line, len))
        return;
    if (is_info_line(e, line, len)) {
        route_prefix_line(e, line, len);
        return;
    }
    if (dispatch_urc(e, line, len))
        return;
    if (e->cmd.on_line != NULL)
        e->cmd.on_line(e->cmd.ctx, line, len);
    else
        log_line(e, cmd_label(e), line, len);
}

static void end_line(struct at_engine *e)
{
    size_t len = e->line_len;
    char *line = e->cfg.line_buf;

    e->line_len = 0;
    if (e->line_overflow) {
        e->line_overflow = false;
        log_line(e, "over-long line dropped", line, len);
        return;
    }
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
        len--;
    if (len == 0)
        return;
    line[len] = '\0';
    route_line(e, line, len);
}

/* ---- bytes ---------------------------------------------------------------- */

static void on_prompt(struct at_engine *e)
{
    e->state = AT_STATE_WAIT_RESP;
    if (!write_all(e, e->cmd.data, e->cmd.data_len))
        complete(e, AT_FINAL_IO, -1);
}

static void feed_byte(struct at_engine *e, uint8_t c)
{
    bool lf_after_cr = (c == '\n' && e->skip_lf);

    e->skip_lf = false;
    if (lf_after_cr)
        return;
    if (c == '\r' || c == '\n') {
        e->skip_lf = (c == '\r');
        end_line(e);
        return;
    }
    if (c == '>' && e->state == AT_STATE_WAIT_PROMPT && e->line_len == 0 && !e->line_overflow) {
        on_prompt(e);
        return;
    }
    if (e->line_len + 1 < e->cfg.line_cap)
        e->cfg.line_buf[e->line_len++] = (char)c;
    else
        e->line_overflow = true;
}

static size_t feed_raw(struct at_engine *e, const uint8_t *buf, size_t len)
{
    size_t n;
    if (e->skip_lf) {
        e->skip_lf = false;
        if (buf[0] == '\n')
            return 1;
    }
    n = len < e->raw_left ? len : e->raw_left;
    e->raw_left -= n;
    if (e->cfg.on_raw != NULL)
        e->cfg.on_raw(e->cfg.urc_ctx, buf, n);
    return n;
}

void at_feed(struct at_engine *e, const uint8_t *buf, size_t len)
{
    size_t i = 0;

    if (len > 0)
        e->last_rx_ms = now_ms(e);
    while (i < len) {
        if (e->raw_left > 0)
            i += feed_raw(e, buf + i, len - i);
        else
            feed_byte(e, buf[i++]);
    }
}

static const char no_answer[] = "no final result before the timeout";

bool at_poll(struct at_engine *e)
{
    if (!pending(e) || !at_time_reached(now_ms(e), e->deadline))
        return false;
    log_line(e, cmd_label(e), no_answer, sizeof no_answer - 1);
    complete(e, AT_FINAL_TIMEOUT, -1);
    return true;
}

/* ---- blocking helpers for the owning task ---------------------------------- */

int at_pump(struct at_engine *e, uint32_t timeout_ms)
{
    const struct sim7600_port *p = e->cfg.port;
    int n = p->read(p->ctx, e->rx, sizeof e->rx, timeout_ms);

    if (n > 0)
        at_feed(e, e->rx, (size_t)n);
    at_poll(e);
    return n;
}

void at_run(struct at_engine *e, const struct at_cmd *cmd, struct at_result *res)
{
    int rc = at_submit(e, cmd);

    if (rc == -1) {
        res->final = AT_FINAL_REJECTED;
        res->code = -1;
        res->result_err = AT_RESULT_NONE;
        return;
    }
    while (!e->done) {
        uint32_t left = e->deadline - now_ms(e);
        if (at_time_reached(now_ms(e), e->deadline))
            left = 0;
        if (at_pump(e, left) < 0 && !e->done)
            complete(e, AT_FINAL_IO, -1);
        if (!e->done && cmd->cancel != NULL && *cmd->cancel != AT_CANCEL_NONE)
            cancel_pending(e, *cmd->cancel);
    }
    *res = e->res;
}
