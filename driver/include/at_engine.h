/* The AT engine: frames the module's output into lines, completes the one
 * pending command, and routes every other line to URC handlers.
 *
 * States (at_state_str() names them for logs):
 *   IDLE        no command pending; lines go to the URC table or the log.
 *   WAIT_PROMPT a data command was sent; '>' at the start of a line makes the
 *               engine write exactly cmd.data_len bytes, then WAIT_RESP.
 *   WAIT_RESP   waiting for OK / ERROR / +CME ERROR / +CMS ERROR.
 *   WAIT_FINAL  OK came, the command's own result line ("+CMQTTPUB: 0,<err>")
 *               has not (AT_CMD_RESULT_LINE). The result line may also come
 *               before OK: it is kept and OK then completes the command.
 *   RESYNC      a command timed out; a late final result is dropped so it can
 *               never complete the next command. Any final result -> IDLE.
 * Independently of the state, a URC handler may claim the next n raw bytes
 * (RAW(n), "+CMQTTRXPAYLOAD: 0,60" then 60 bytes that may contain CR LF).
 *
 * Matching is by whole line or prefix only, never by substring.
 * Threading: one task owns the engine; handlers run inside at_feed() on that
 * task and must not submit commands.
 */
#ifndef AT_ENGINE_H
#define AT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim7600_port.h"

enum at_state {
    AT_STATE_IDLE,
    AT_STATE_WAIT_PROMPT,
    AT_STATE_WAIT_RESP,
    AT_STATE_WAIT_FINAL,
    AT_STATE_RESYNC,
};
const char *at_state_str(enum at_state s);

/* How a command ended. */
enum at_final {
    AT_FINAL_NONE,    /* still pending */
    AT_FINAL_OK,
    AT_FINAL_ERROR,   /* plain ERROR */
    AT_FINAL_CME,     /* +CME ERROR: n  (n in at_result.code, -1 if text) */
    AT_FINAL_CMS,     /* +CMS ERROR: n */
    AT_FINAL_TIMEOUT, /* no final result within cmd.timeout_ms */
    AT_FINAL_IO,      /* the port failed */
    AT_FINAL_REJECTED,/* at_run: the engine was busy or the command malformed */
    AT_FINAL_ABORTED, /* at_abort, AT_CANCEL_RESTARTED: the module restarted; no answer will ever come */
    AT_FINAL_CANCELLED, /* AT_CANCEL_LOST: what the command waited for is gone (connection lost) */
};
const char *at_final_str(enum at_final f);

struct at_result {
    enum at_final final;
    int code;        /* CME/CMS code, -1 if none */
    int result_err;  /* <err> of the command's own result line, AT_RESULT_NONE if none
                        came, AT_RESULT_GARBLED if it came but was not all numbers */
};

#define AT_RESULT_NONE (-1)    /* no result line came (yet) */
/* A result line that came damaged: its code cannot be trusted, either way. */
#define AT_RESULT_GARBLED (-2)

/* cmd.flags */
#define AT_CMD_PROMPT      0x01u /* wait for '>' and write data */
#define AT_CMD_ERR_LINE    0x02u /* prefix lines are "[<i>,]<err>" result lines */
#define AT_CMD_RESULT_LINE 0x04u /* ... and the command is not done until one came (implies ERR_LINE) */
#define AT_CMD_SYNC        0x08u /* finals before the first prefix line are stale: drop them */
#define AT_CMD_SECRET      0x10u /* never log the command line (passwords) */
#define AT_CMD_ACK_FIRST   0x20u /* OK comes at once, the result line later: OK within ack_timeout_ms */
/* With prefix NULL: the command's lines are its name and ':' ("+CSQ:" for
 * "AT+CSQ", "+CMQTTPUB:" for "AT+CMQTTPUB=0,1,60"), as V.250 §5.7.2 has them. */
#define AT_CMD_NAMED       0x40u
#define AT_CMD_MARK        0x80u /* not read by the engine: the owner's own mark on a command */

/* Why the owner wants the pending command ended before its answer (see at_cmd.cancel). */
enum at_cancel {
    AT_CANCEL_NONE,
    AT_CANCEL_RESTARTED, /* the module restarted: nothing more will come (-> IDLE) */
    AT_CANCEL_LOST,      /* the answer will never be useful, but a late OK may still come (-> RESYNC) */
};

/* Called for each information line that belongs to the pending command. */
typedef void (*at_line_fn)(void *ctx, const char *line, size_t len);

struct at_cmd {
    const char *line;      /* "AT+CSQ", no CR; must stay valid until the command ends */
    const char *prefix;    /* "+CSQ:" -- lines starting with it belong to the command; NULL none */
    const uint8_t *data;   /* AT_CMD_PROMPT: bytes written after '>' (valid until done) */
    size_t data_len;
    uint32_t timeout_ms;
    unsigned flags;
    at_line_fn on_line;    /* NULL: information lines are ignored */
    void *ctx;
    /* AT_CMD_ACK_FIRST: the OK must come within this (0: timeout_ms); only
     * the result line may take the whole timeout_ms. A module that never read
     * the command is then found out in seconds, not after pub_timeout. */
    uint32_t ack_timeout_ms;
    /* Optional: read by at_run after each chunk from the port. The owner's URC
     * handlers set it, so the engine ends the command itself, outside their
     * dispatch (handlers never call back into the engine). */
    const enum at_cancel *cancel;
};

/* A URC handler returns how many raw bytes follow the line (0: none). */
typedef size_t (*at_urc_fn)(void *ctx, const char *line, size_t len);

enum at_match { AT_MATCH_PREFIX, AT_MATCH_LINE };

struct at_urc {
    const char *text;
    enum at_match match;
    at_urc_fn fn;
};

struct at_engine_config {
    const struct sim7600_port *port;
    char *line_buf;          /* caller-owned; the longest line kept (longer ones are dropped) */
    size_t line_cap;
    const struct at_urc *urcs;
    size_t n_urcs;
    void *urc_ctx;           /* ctx for urc fns, on_raw and on_log */
    /* Raw bytes claimed by a URC handler, delivered in pieces as they arrive. */
    void (*on_raw)(void *ctx, const uint8_t *data, size_t len);
    /* Optional: one line of diagnostics ("what", then the offending text). */
    void (*on_log)(void *ctx, const char *what, const char *text, size_t len);
};

#define AT_RX_CHUNK 64

struct at_engine {
    struct at_engine_config cfg;
    enum at_state state;
    size_t line_len;
    bool line_overflow;
    bool skip_lf;            /* a CR ended the last line: a following LF is part of it */
    size_t raw_left;         /* RAW(n) */
    struct at_cmd cmd;       /* the pending command (copy) */
    struct at_result res;
    bool done;               /* res holds the outcome of the last command */
    bool got_ok;
    bool sync_seen;
    uint32_t deadline;
    uint32_t started_ms;     /* when the pending command was written */
    uint32_t last_rx_ms;     /* when the last byte arrived (for health checks) */
    uint32_t timeouts;       /* consecutive command timeouts; 0 after any answer */
    uint8_t rx[AT_RX_CHUNK];
};

/* @retval 0 ok, -1 bad config */
int at_engine_init(struct at_engine *e, const struct at_engine_config *cfg);

/* Sends cmd.line + CR. The engine must not have a pending command (RESYNC is
 * allowed: use AT_CMD_SYNC to tell a late answer from this command's).
 * @retval 0 sent, -1 busy or bad command, -2 the write failed (res.final = IO). */
int at_submit(struct at_engine *e, const struct at_cmd *cmd);

/* Ends the pending command now with AT_FINAL_ABORTED (from a URC handler:
 * the module rebooted, so its answer will never come). No-op when idle. */
void at_abort(struct at_engine *e);

/* Forgets a timed-out command (RESYNC -> IDLE) without waiting for its late
 * answer. Only for probes whose answer carries no information ("AT"). */
void at_abandon(struct at_engine *e);

/* Feeds bytes received from the module. */
void at_feed(struct at_engine *e, const uint8_t *buf, size_t len);

/* Checks the pending command's deadline. @retval true if a command just ended. */
bool at_poll(struct at_engine *e);

/* True when no command is pending (IDLE or RESYNC). */
bool at_idle(const struct at_engine *e);

/* Blocking helpers for the owning task: read from the port and feed until
 * the command ends (at_run) or for at most timeout_ms (at_pump). */
void at_run(struct at_engine *e, const struct at_cmd *cmd, struct at_result *res);
/* @retval >=0 bytes processed, <0 port error */
int at_pump(struct at_engine *e, uint32_t timeout_ms);

/* Wrap-safe: has `now` reached `deadline`? */
static inline bool at_time_reached(uint32_t now, uint32_t deadline)
{
    return (int32_t)(now - deadline) >= 0;
}

#endif
