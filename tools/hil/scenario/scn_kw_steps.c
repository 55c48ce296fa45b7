/* Keywords of the steps, run in file order: wire steps (send, expect) and
 * driver steps (bring-up, connect, publish ...), and the wait both may use. */
#include "scn_internal.h"

#include <string.h>

static void step_driver_opts(struct scn_parser *p, const struct scn_args *a, struct scn_step *s)
{
    scn_opt_duration(p, a, "within", &s->within_ms);
    scn_opt_result(p, a, &s->result);
}

static void kw_send(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_step *s = obj;
    scn_get_string(p, a->pos[0], d->kind == SCN_STEP_SEND ? "the command line" : "the bytes", &s->text);
    if (s->text.ptr && d->kind == SCN_STEP_SEND && memchr(s->text.ptr, '\r', s->text.len))
        scn_perr(p, "'send' adds the \\r itself; drop the \\r from the line, or use send-raw for exact bytes");
}

static void kw_expect(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_step *s = obj;
    (void)d;
    s->within_ms = SCN_DEFAULT_EXPECT_MS;
    scn_get_pattern(p, a->pos[0], "the expected line", &s->pat);
    scn_opt_duration(p, a, "within", &s->within_ms);
}

/* expect-prompt and expect-connected: a time bound, nothing else. */
static void kw_expect_within(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_step *s = obj;
    (void)d;
    s->within_ms = SCN_DEFAULT_EXPECT_MS;
    scn_opt_duration(p, a, "within", &s->within_ms);
}

static void kw_bring_up(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_step *s = obj;
    (void)d;
    scn_opt_string(p, a, "apn", &s->apn);
    step_driver_opts(p, a, s);
}

static void kw_connect(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_step *s = obj;
    (void)d;
    scn_opt_string(p, a, "server", &s->server);
    scn_opt_string(p, a, "client-id", &s->client_id);
    scn_opt_string(p, a, "user", &s->user);
    scn_opt_string(p, a, "password", &s->password);
    scn_opt_int(p, a, "keepalive", 60, 64800, &s->keepalive);
    scn_opt_int(p, a, "clean", 0, 1, &s->clean);
    scn_opt_int(p, a, "tls", 0, 1, &s->tls);
    step_driver_opts(p, a, s);
    if (s->server.ptr && strncmp(s->server.ptr, "tcp://", 6) != 0)
        scn_perr(p, "server= must begin with tcp:// (the module requires it, also for TLS), got \"%s\"",
                 s->server.ptr);
    if (s->client_id.ptr && (s->client_id.len < 1 || s->client_id.len > 23))
        scn_perr(p, "client-id= must be 1 to 23 bytes (AT+CMQTTACCQ), got %zu", s->client_id.len);
    if (s->password.ptr && !s->user.ptr)
        scn_perr(p, "password= needs user= too (the module sends a password only after a user name)");
}

static void kw_subscribe(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_step *s = obj;
    (void)d;
    scn_get_string(p, a->pos[0], "the topic", &s->topic);
    scn_opt_int(p, a, "qos", 0, 2, &s->qos);
    step_driver_opts(p, a, s);
}

static void kw_publish(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_step *s = obj;
    scn_get_string(p, a->pos[0], "the topic", &s->topic);
    scn_get_payload(p, a, 1, d->name, &s->payload, &s->payload_size);
    if (s->payload.ptr) s->payload_size = s->payload.len;
    scn_opt_int(p, a, "qos", 0, 2, &s->qos);
    scn_opt_int(p, a, "retain", 0, 1, &s->retain);
    step_driver_opts(p, a, s);
}

static void kw_publish_seq(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_step *s = obj;
    long n;
    (void)d;
    scn_get_string(p, a->pos[0], "the topic", &s->topic);
    if (scn_get_uint(p, a->pos[1], "sequence length", 1, 1000000, &n)) s->count = (unsigned)n;
    scn_get_duration(p, a->pos[2], "the interval", &s->interval_ms);
    scn_opt_int(p, a, "qos", 0, 2, &s->qos);
    step_driver_opts(p, a, s);
}

static void kw_driver_plain(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    (void)d;
    step_driver_opts(p, a, obj);
}

static void kw_wait(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_step *s = obj;
    (void)d;
    scn_get_duration(p, a->pos[0], "wait", &s->within_ms);
}

/* ---- the table ---- */

static const char *const K_DRIVER[] = { "within", "result", NULL };
static const char *const K_WITHIN[] = { "within", NULL };
static const char *const K_SERVER_RX[] = { "server", "within", NULL };
static const char *const K_BRING_UP[] = { "apn", "within", "result", NULL };
static const char *const K_CONNECT[] = { "server", "client-id", "user", "password", "keepalive",
                                         "clean", "tls", "within", "result", NULL };
static const char *const K_SUBSCRIBE[] = { "qos", "within", "result", NULL };
static const char *const K_PUBLISH[] = { "size", "qos", "retain", "within", "result", NULL };
static const char *const K_PUBLISH_SEQ[] = { "qos", "within", "result", NULL };

#define DS KW_STEP /* driver steps run on both targets */

static const struct scn_kw steps[] = {
    { "send", 1, 1, KW_STEP | KW_WIRE_SEND, NULL, "send \"LINE\"", kw_send, SCN_STEP_SEND },
    { "send-raw", 1, 1, KW_STEP | KW_WIRE_SEND, NULL, "send-raw \"BYTES\"", kw_send, SCN_STEP_SEND_RAW },
    { "send-file", 1, 1, KW_STEP | KW_WIRE_SEND, NULL, "send-file \"FILE\"", scn_kw_send_file, SCN_STEP_SEND_FILE },
    { "expect", 1, 1, KW_STEP, K_WITHIN, "expect \"LINE\"|/REGEX/ [within=T]", kw_expect, SCN_STEP_EXPECT },
    { "expect-prompt", 0, 0, KW_STEP, K_WITHIN, "expect-prompt [within=T]", kw_expect_within,
      SCN_STEP_EXPECT_PROMPT },
    { "bring-up", 0, 0, DS, K_BRING_UP, "bring-up [apn=\"APN\"] [within=T] [result=R]", kw_bring_up, SCN_STEP_BRING_UP },
    { "connect", 0, 0, DS, K_CONNECT,
      "connect [server=\"tcp://H:P\"] [client-id=\"ID\"] [user=\"U\"] [password=\"P\"] [keepalive=S] [clean=0|1] "
      "[tls=0|1] [within=T] [result=R]", kw_connect, SCN_STEP_CONNECT },
    { "subscribe", 1, 1, DS, K_SUBSCRIBE, "subscribe \"TOPIC\" [qos=0-2] [within=T] [result=R]", kw_subscribe,
      SCN_STEP_SUBSCRIBE },
    { "publish", 1, 2, DS, K_PUBLISH,
      "publish \"TOPIC\" \"PAYLOAD\"|size=N [qos=0-2] [retain=0|1] [within=T] [result=R]", kw_publish, SCN_STEP_PUBLISH },
    { "publish-seq", 3, 3, DS, K_PUBLISH_SEQ, "publish-seq \"TOPIC\" N INTERVAL [qos=0-2] [within=T] [result=R]",
      kw_publish_seq, SCN_STEP_PUBLISH_SEQ },
    { "disconnect", 0, 0, DS, K_DRIVER, "disconnect [within=T] [result=R]", kw_driver_plain, SCN_STEP_DISCONNECT },
    { "expect-connected", 0, 0, DS, K_WITHIN, "expect-connected [within=T]", kw_expect_within,
      SCN_STEP_EXPECT_CONNECTED },
    { "wait", 1, 1, KW_STEP, NULL, "wait DURATION", kw_wait, SCN_STEP_WAIT },
    { "expect-server-received", 1, 1, KW_STEP | KW_SIM_ONLY, K_SERVER_RX,
      "expect-server-received \"BYTES\"|/REGEX/ [server=NAME] [within=T]", scn_kw_expect_server_received,
      SCN_STEP_EXPECT_SERVER_RECEIVED },
    { "expect-http-request", 2, 3, KW_STEP | KW_SIM_ONLY, scn_http_request_keys,
      "expect-http-request METHOD \"PATH\" [\"BODY\"|/REGEX/] [within=T]", scn_kw_expect_http_request,
      SCN_STEP_EXPECT_HTTP_REQUEST },
    /* the runner as a client of the module's own TCP server (scn_clients.c) */
    { "client-connect", 1, 1, KW_STEP | KW_SIM_ONLY, scn_client_wait_keys,
      "client-connect PORT [client=NAME] [within=T]", scn_kw_client_connect, SCN_STEP_CLIENT_CONNECT },
    { "client-send", 1, 1, KW_STEP | KW_SIM_ONLY, scn_client_keys, "client-send \"BYTES\" [client=NAME]",
      scn_kw_client_step, SCN_STEP_CLIENT_SEND },
    { "expect-client-received", 1, 1, KW_STEP | KW_SIM_ONLY, scn_client_wait_keys,
      "expect-client-received \"BYTES\"|/REGEX/ [client=NAME] [within=T]", scn_kw_client_step,
      SCN_STEP_EXPECT_CLIENT_RECEIVED },
    { "client-close", 0, 0, KW_STEP | KW_SIM_ONLY, scn_client_keys, "client-close [client=NAME]",
      scn_kw_client_step, SCN_STEP_CLIENT_CLOSE },
};

#undef DS

const struct scn_kw_family scn_kw_steps = { steps, sizeof steps / sizeof steps[0] };
