/* What the MQTT model's files (mqtt_model.c: commands; mqtt_data.c: the '>'
 * data commands; mqtt_events.c: outcomes, messages, losses) share and no
 * other part of the simulator needs. */
#ifndef SIM_MQTT_INTERNAL_H
#define SIM_MQTT_INTERNAL_H

#include "sim_internal.h"

enum client_need {
    NEED_SERVICE_STOPPED,   /* START */
    NEED_ALL_RELEASED,      /* STOP */
    NEED_FREE,              /* ACCQ */
    NEED_HELD,              /* acquired, connected or not: buffers */
    NEED_IDLE,              /* acquired and not connected: CONNECT */
    NEED_RELEASABLE,        /* not connected: REL (a free client releases with plain OK) */
    NEED_CONNECTED,         /* PUB, SUB, UNSUB, DISC */
};

/* The one place where a state becomes a result code (reference §7.2). */
int mqtt_precondition(const struct sim *s, const struct mqtt_client *cl, enum client_need need);
/* A synchronous refusal: the command's own result line, then ERROR. */
enum cmd_result mqtt_refuse(struct sim *s, const struct at_cmdline_cmd *c, int client, int err);
/* A number parameter: 0, or the code for a non-number (12) or a value out of range. */
int mqtt_number_param(const struct at_args *a, int i, long min, long max, int range_err, long *out);
int mqtt_optional_flag(const struct at_args *a, int i, long *out);
/* Arity, then the client index; NULL after printing the refusal (*res set). */
struct mqtt_client *mqtt_client_arg(struct sim *s, const struct at_cmdline_cmd *c, const struct at_args *a,
                                    int min_args, int max_args, enum cmd_result *res);
int mqtt_client_index(const struct sim *s, const struct mqtt_client *cl);
void mqtt_clear_client(struct mqtt_client *cl);

/* mqtt_tls.c: MQTT over TLS (findings §28). AT+CMQTTACCQ's <server_type>: */
enum mqtt_server_type { MQTT_SERVER_TCP = 0, MQTT_SERVER_TLS = 1 };
void mqtt_tls_power_on(struct sim *s);         /* no session bound to a context */
DECLARE_HANDLER(cmd_mqtt_sslcfg);
/* For a CONNECT to `host`: MQTT_OK with *tls the client's resolved context
 * (NULL for a plain client; it points into *cfg), or the code the module
 * gives without connecting (33). Uses up the AT+CMQTTSSLCFG binding. */
int mqtt_tls_prepare(struct sim *s, struct mqtt_client *cl, const char *host, struct sim_tls_config *cfg,
                     const struct sim_tls_config **tls);

/* mqtt_data.c: a '>' command's write form (SUB and UNSUB with a topic too). */
enum cmd_result mqtt_data_command(struct sim *s, const struct at_cmdline_cmd *c, const struct at_args *a,
                                  enum data_target t, const char *test_text);

#endif
