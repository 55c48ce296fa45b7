/* Shared between the driver's source files; not part of the public API. */
#ifndef SIM7600_INTERNAL_H
#define SIM7600_INTERNAL_H

#include "at_text.h"
#include "sim7600.h"

/* Built for a hosted system (Linux, macOS, Windows) rather than a
 * microcontroller, where flash is dear: the defaults below follow it. */
#if defined(__unix__) || defined(__APPLE__) || defined(_WIN32)
#define SIM7600_HOSTED 1
#else
#define SIM7600_HOSTED 0
#endif

/* SIM7600_TLS=0 leaves MQTT over TLS out (tls.c: about 830 B of flash on a
 * Cortex-M4); sim7600_init() then refuses a config with tls set
 * (SIM7600_E_PARAM). In by default on a hosted system, out on a
 * microcontroller: -DSIM7600_TLS=1 asks for it there. */
#ifndef SIM7600_TLS
#define SIM7600_TLS SIM7600_HOSTED
#endif

#define SIM7600_CLIENT "0" /* the driver uses MQTT client index 0 */
#define SIM7600_CLIENT_INDEX 0 /* the same, as read commands number it */
#define SIM7600_TOPIC_MAX 1024u   /* MQTT manual §2.2.10 */
#define SIM7600_PAYLOAD_MAX 10240u /* MQTT manual §2.2.11 */
#define SIM7600_SSL_CTX_MAX 9u    /* SSL contexts 0..9 (SSL manual, AT+CSSLCFG) */
/* Waited on top of a timeout the module enforces itself (pub_timeout, DISC's 60 s). */
#define SIM7600_MODULE_TIMEOUT_MARGIN_MS 5000u

/* status.c: is st one of the n statuses in set? Sets hold every status in
 * two bytes (they range from -1100 to 1). */
typedef int16_t sim7600_status_set;
bool sim7600_status_in(int st, const sim7600_status_set *set, size_t n);
#define SIM7600_STATUS_IN(st, set) sim7600_status_in((st), (set), sizeof(set) / sizeof((set)[0]))

/* sim7600.c: running one command */
struct at_buf *sim7600_cmd_begin(struct sim7600 *dev, struct at_buf *b, const char *step);
/* SIM7600_OK when the built line can be sent, else why not. */
int sim7600_cmd_check(const struct at_buf *b);
/* Runs a command built in cfg.cmd_buf (or a literal in cmd->line) and maps
 * its outcome to a status. Resynchronises first after a timeout. */
int sim7600_exec(struct sim7600 *dev, struct at_cmd *cmd);
/* Runs the line built in b (SIM7600_E_TOO_LONG or _UNQUOTABLE if it could not
 * be built); with AT_CMD_PROMPT, the len bytes at data go after '>'. The
 * answer must start within cmd_timeout_ms when flags has AT_CMD_ACK_FIRST. */
int sim7600_run(struct sim7600 *dev, const struct at_buf *b, unsigned flags, uint32_t timeout_ms,
                const uint8_t *data, size_t len);
/* A short command with no data, named by its line, timeout = cmd_timeout_ms;
 * on_line (if any) gets its information lines ("+CSQ: ..." for "AT+CSQ"). */
int sim7600_exec_simple(struct sim7600 *dev, const char *line, at_line_fn on_line, void *ctx);
void sim7600_set_state(struct sim7600 *dev, enum sim7600_state s);
void sim7600_event(struct sim7600 *dev, enum sim7600_event ev, int status);
void sim7600_lock(struct sim7600 *dev);
void sim7600_unlock(struct sim7600 *dev);
uint32_t sim7600_now(const struct sim7600 *dev);
/* Pumps the port for up to ms, returning early once *flag is set. */
void sim7600_wait(struct sim7600 *dev, uint32_t ms, const bool *flag);
void sim7600_log(struct sim7600 *dev, const char *what, const char *text);

/* modem.c */
int sim7600_modem_up(struct sim7600 *dev);
int sim7600_query_csq(struct sim7600 *dev);
int sim7600_query_reg(struct sim7600 *dev);
/* AT+CMQTTDISC?: sets ev_connlost when the module says our client is disconnected. */
int sim7600_query_session(struct sim7600 *dev);
/* Resets the module (the port's reset_module, else AT+CRESET) and waits up
 * to boot_timeout_ms for its RDY; bring-up must run again. */
int sim7600_reset_module(struct sim7600 *dev);

/* mqtt.c */
const struct at_urc *sim7600_urc_table(size_t *n);
void sim7600_on_raw(void *ctx, const uint8_t *data, size_t len);
int sim7600_session_open(struct sim7600 *dev);
int sim7600_session_close(struct sim7600 *dev);
/* DISC, REL and STOP whatever each answers: the escalation ladder's clean slate. */
void sim7600_session_teardown(struct sim7600 *dev);
int sim7600_pub_send(struct sim7600 *dev, const uint8_t *topic, size_t topic_len,
                     const uint8_t *payload, size_t payload_len, uint8_t qos, bool retain);
int sim7600_sub_send(struct sim7600 *dev, const char *topic, uint8_t qos);

/* tls.c: nothing to do without cfg.tls */
/* Uploads the certificates and configures the SSL context (once per bring-up). */
int sim7600_tls_setup(struct sim7600 *dev);
/* AT+CMQTTSSLCFG: binds client 0 to the context, before every CONNECT. */
int sim7600_tls_bind(struct sim7600 *dev);

/* outbox.c */
int sim7600_outbox_push(struct sim7600 *dev, const char *topic, const void *payload, size_t len,
                        uint8_t qos, bool retain, size_t *ticket);
/* Sends queued messages oldest first while connected. A message the module
 * refuses for good (not a link error) is dropped with SIM7600_EV_DROPPED.
 * *ticket_st gets the outcome of the message pushed with `ticket` (unchanged
 * if it stays queued). @retval OK, or the link error that stopped the flush */
int sim7600_outbox_flush(struct sim7600 *dev, size_t ticket, int *ticket_st);

/* supervisor.c */
/* Reacts to a status from a session command: link errors start recovery. */
int sim7600_link_check(struct sim7600 *dev, int status);
/* A session command failed in a way that says nothing clear (a damaged or
 * unexpected answer): bring-up and the session run again after the backoff. */
void sim7600_session_suspect(struct sim7600 *dev);

#endif
