/* Bytes from the host, once the wire has delivered them: line framing (CR,
 * the LF of CR LF, backspace, A/, lines too long), the '>' data phases, the
 * command line's dispatch to the families, and a replayed log's answers. */
#include "sim_internal.h"

#include <ctype.h>
#include <string.h>

#define BACKSPACE 0x08   /* S5 */

static void model_input(struct sim *s, const uint8_t *data, size_t n);

static enum cmd_result dispatch(struct sim *s, const struct at_cmdline_cmd *c)
{
    const struct command *cmd = command_find(c->name);
    if (!cmd)
        return CMD_ERROR;
    /* a line the module cannot read is a syntax error, bare ERROR whatever CMEE
     * says (findings §1); only a readable command can be refused with +CME */
    struct at_args args = {0};
    if (c->form == AT_FORM_WRITE && c->kind == AT_CMDLINE_EXTENDED &&
        at_args_parse(c->args, c->args_len, &args) < 0)
        return CMD_ERROR;
    if (boot_sim_busy(s, cmd, c))
        return sim_cme(s, CME_SIM_BUSY);
    if ((cmd->flags & CMD_NEEDS_SIM) && modem_sim_error(s) != CME_NONE)
        return sim_cme(s, modem_sim_error(s));
    return cmd->handler(s, c, &args);
}

static void run_commands(struct sim *s, const char *line, size_t n)
{
    struct at_cmdline cl;
    if (at_cmdline_parse(line, n, &cl) != AT_PARSE_OK) {
        sim_final(s, V250_ERROR);
        return;
    }
    for (int i = 0; i < cl.count; i++) {
        switch (dispatch(s, &cl.cmd[i])) {
        case CMD_OK:
            continue;
        case CMD_ERROR:
            sim_final(s, V250_ERROR);
            return;
        case CMD_DONE:
        case CMD_PENDING:
        case CMD_PROMPT:   /* what follows a data command on the same line is not executed */
            return;
        }
    }
    sim_final(s, V250_OK);
}

/* Its UART is up and it is not hung (a silent module hears nothing either). */
bool sim_hears(const struct sim *s)
{
    return boot_hears(s) && s->now_us >= s->silent_until_us;
}

static void run_line(struct sim *s, const char *line, size_t n)
{
    s->stats.commands++;
    s->response_open = false;
    bool replaced = faults_on_line(&s->faults, line, n);
    sim_run_rule_actions(s);
    if (replaced)
        return;
    if (!sim_hears(s))
        return;   /* a rule rebooted or hung the module as the line arrived: it never runs */
    run_commands(s, line, n);
    if (s->mode == INPUT_DATA)
        faults_data_begins(&s->faults, line, n);
    faults_on_answer(&s->faults, line, n);
    sim_run_rule_actions(s);
}

static bool is_repeat(const char *line, size_t n)
{
    return n == 2 && toupper((unsigned char)line[0]) == 'A' && line[1] == '/';
}

static void execute_line(struct sim *s)
{
    size_t n = s->line_len;
    s->line_len = 0;
    /* characters before "AT" are ignored by V.250 DCEs; an empty line gets no answer */
    size_t start = 0;
    while (start < n && (s->line[start] == ' ' || s->line[start] == '\t'))
        start++;
    if (start == n)
        return;
    memcpy(s->prev_line, s->line + start, n - start);
    s->prev_len = n - start;
    run_line(s, s->prev_line, s->prev_len);
}

static void command_byte(struct sim *s, uint8_t b)
{
    /* the LF of a host's CR LF belongs to the terminator: not echoed after the answer */
    if (s->modem.echo && !(b == '\n' && s->after_cr))
        sim_raw(s, &b, 1);
    if (b == '\n') {          /* not a terminator (S3 is CR): a lone LF is discarded */
        s->after_cr = false;
        return;
    }
    s->after_cr = b == '\r';
    if (b == '\r') {
        execute_line(s);
        return;
    }
    if (b == BACKSPACE) {
        if (s->line_len)
            s->line_len--;
        return;
    }
    if (s->line_len == SIM_LINE_MAX) {
        s->mode = INPUT_DISCARD_LINE;     /* line too long: ERROR when it ends */
        s->line_len = 0;
        return;
    }
    s->line[s->line_len++] = (char)b;
    if (is_repeat(s->line, s->line_len)) {   /* A/ runs at once, without <CR> (V.250 6.2.2) */
        s->line_len = 0;
        if (s->prev_len)
            run_line(s, s->prev_line, s->prev_len);
        else
            sim_final(s, V250_OK);
    }
}

#define CTRL_Z 0x1A   /* ends a variable-length data phase */
#define ESC 0x1B      /* cancels it */

static void data_complete(struct sim *s)
{
    s->mode = INPUT_COMMAND;
    if (s->data.target == DATA_CIPSEND)
        tcpip_data_complete(s);
    else if (s->data.target == DATA_CCHSEND)
        cch_data_complete(s);
    else if (s->data.target == DATA_CERT)
        ssl_cert_download_complete(s);
    else if (s->data.target == DATA_HTTP)
        http_data_complete(s);
    else
        mqtt_data_complete(s);
}

static void data_byte(struct sim *s, uint8_t b)
{
    if (s->data.variable && (b == CTRL_Z || b == ESC)) {
        s->data.want = s->data.got;
        if (b == CTRL_Z) {
            data_complete(s);
        } else {
            s->mode = INPUT_COMMAND;
            tcpip_data_cancelled(s);
        }
        return;
    }
    if (s->data.target == DATA_HTTP)
        http_data_byte(s, s->data.got, b);    /* up to 150 KiB: more than buf holds */
    else
        s->data.buf[s->data.got] = b;
    s->data.got++;
    if (s->data.got == s->data.want)
        data_complete(s);
}

static void model_input(struct sim *s, const uint8_t *data, size_t n);

/* Bytes the log answers; returns how many it took. A strict replay that
 * diverged takes everything: the module has gone quiet. */
static size_t replay_feed(struct sim *s, const uint8_t *data, size_t n)
{
    enum replay_state st = replay_state(s->replay);
    if (st != REPLAY_ACTIVE)
        return st == REPLAY_DIVERGED && s->replay_strict ? n : 0;
    struct strbuf out = {0};
    size_t used = replay_input(s->replay, data, n, s->now_us, &out);
    sim_raw(s, out.p, out.len);
    sb_free(&out);
    if (replay_state(s->replay) != REPLAY_DIVERGED)
        return used;
    if (s->replay_strict)
        return n;
    size_t len;
    const uint8_t *prefix = replay_diverged_prefix(s->replay, &len);
    model_input(s, prefix, len);
    return used;
}

void sim_process_input(struct sim *s, const uint8_t *data, size_t n)
{
    if (!sim_hears(s))
        return;                           /* a module that is booting or hung hears nothing */
    size_t used = s->replay ? replay_feed(s, data, n) : 0;
    model_input(s, data + used, n - used);
}

/* The LF of a host's CR LF after a '>' command line belongs to the line, not to
 * the data: firmware that ends lines with println works on real modules (issue
 * 14). Only the byte right after that CR, before any data byte, can be it. */
static bool terminator_lf(const struct sim *s, uint8_t b)
{
    /* A LF arriving once the whole prompt has left the module is data: a host that
     * has the '>' sent it on purpose, while a CR LF host's LF trails its CR on the
     * wire by one byte, before the '>' can have gone out. */
    return b == '\n' && s->after_cr && s->data.got == 0 && s->out.len > 0;
}

static void model_input(struct sim *s, const uint8_t *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b = data[i];
        switch (s->mode) {
        case INPUT_DATA: {
            bool line_end = terminator_lf(s, b);
            s->after_cr = false;
            if (line_end)
                break;
            if (s->data.got == 0 && s->faults.count > 0) {
                faults_in_data(&s->faults);
                sim_run_rule_actions(s);
                if (!sim_hears(s))
                    return;       /* rebooted or hung mid-data: the rest is not heard */
                if (s->mode != INPUT_DATA) {
                    model_input(s, data + i, n - i); /* the data phase ended: read them as what follows */
                    return;
                }
            }
            data_byte(s, b);
            break;
        }
        case INPUT_DISCARD_LINE:
            if (s->modem.echo)
                sim_raw(s, &b, 1);
            if (b == '\r') {
                s->mode = INPUT_COMMAND;
                s->after_cr = true;
                s->response_open = false;
                sim_final(s, V250_ERROR);
            }
            break;
        case INPUT_COMMAND:
            command_byte(s, b);
            break;
        case INPUT_TRANSPARENT:
            tcpip_transparent_byte(s, b);
            break;
        case INPUT_PPP:
            ppp_input_byte(s, b);
            break;
        }
    }
    if (s->mode == INPUT_TRANSPARENT)
        tcpip_transparent_flush(s);
    if (s->mode == INPUT_DATA && s->data.target != DATA_HTTP)   /* AT+HTTPDATA's <time> bounds it all */
        s->data.deadline_us = s->now_us + (uint64_t)s->cfg.data_timeout_ms * 1000u;
}

