/* The steps of a scenario, in file order: wire steps write and read the port
 * themselves; driver steps call the driver, which owns the port meanwhile. */
#include "run_internal.h"

#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hil_clock.h"
#include "program_run.h"
#include "run_tls.h"

/* The driver as the runner runs it: its own defaults, except that waits which
 * would make a suite slow are shorter (registration, reconnect backoff). */
#define RUN_LINE_MAX 1024
#define RUN_CMD_MAX 1400
#define RUN_TOPIC_MAX 1024
#define RUN_PAYLOAD_MAX 10240
#define RUN_OUTBOX_SLOTS 32
#define RUN_OUTBOX_SLOT (RUN_TOPIC_MAX + RUN_PAYLOAD_MAX)
#define RUN_SUBS 16
#define RUN_REG_TIMEOUT_MS 10000
#define RUN_BACKOFF_MIN_MS 500
#define RUN_BACKOFF_MAX_MS 4000
#define RUN_DEFAULT_CLIENT_ID "sim7600-hil"
#define RUN_POLL_SLICE_MS 20   /* how often a waiting step looks at the clock */

struct run_bufs {
    char line[RUN_LINE_MAX];
    char cmd[RUN_CMD_MAX];
    uint8_t rx_topic[RUN_TOPIC_MAX + 1];
    uint8_t rx_payload[RUN_PAYLOAD_MAX + 1];
    struct sim7600_outbox_slot outbox[RUN_OUTBOX_SLOTS];
    uint8_t outbox_data[RUN_OUTBOX_SLOTS * RUN_OUTBOX_SLOT];
    struct sim7600_sub subs[RUN_SUBS];
};

/* ---- the driver's callbacks ---------------------------------------------------- */


static void on_message(void *ctx, const struct sim7600_message *m)
{
    struct run *r = ctx;
    r->rx = grow_array(r->rx, &r->cap_rx, r->n_rx + 1, sizeof *r->rx);
    r->rx[r->n_rx++] = (struct run_rx){xmemdup(m->topic, m->topic_len), xmemdup(m->payload, m->payload_len),
                                       m->payload_len};
}

static void on_event(void *ctx, enum sim7600_event ev, int status)
{
    struct run *r = ctx;
    struct strbuf note = {0};
    if (ev == SIM7600_EV_RECONNECTED)
        r->reconnects++;
    sb_printf(&note, "driver: %s (%d)", sim7600_event_str(ev), status);
    transcript_note(&r->tr, sb_str(&note));
    sb_free(&note);
}

/* The broker the driver connects to unless a step says server=. */
static const char *default_server(const struct run *r, bool tls)
{
    if (r->o->server)
        return r->o->server;
    return tls ? RUN_DEFAULT_TLS_SERVER : RUN_DEFAULT_SERVER;
}

int run_driver_init(struct run *r)
{
    if (r->dev_ready)
        return 0;
    r->bufs = xmalloc(sizeof *r->bufs);
    memset(r->bufs, 0, sizeof *r->bufs);
    struct run_bufs *b = r->bufs;
    struct sim7600_config c = {
        .broker = default_server(r, r->tls != NULL),
        .tls = r->tls ? &r->tls->cfg : NULL,   /* uploaded and configured at bring-up */
        .client_id = RUN_DEFAULT_CLIENT_ID,
        .clean_session = true,
        .line_buf = b->line, .line_cap = sizeof b->line,
        .cmd_buf = b->cmd, .cmd_cap = sizeof b->cmd,
        .rx_topic = b->rx_topic, .rx_topic_cap = sizeof b->rx_topic,
        .rx_payload = b->rx_payload, .rx_payload_cap = sizeof b->rx_payload,
        .outbox = b->outbox, .outbox_slots = RUN_OUTBOX_SLOTS,
        .outbox_data = b->outbox_data, .outbox_slot_size = RUN_OUTBOX_SLOT,
        .subs = b->subs, .subs_cap = RUN_SUBS,
        .on_message = on_message, .on_event = on_event, .cb_ctx = r,
        .reg_timeout_ms = RUN_REG_TIMEOUT_MS,
        .backoff_min_ms = RUN_BACKOFF_MIN_MS, .backoff_max_ms = RUN_BACKOFF_MAX_MS,
    };
    int st = sim7600_init(&r->dev, &r->port, &c);
    if (st != SIM7600_OK)
        return run_fail(r, "the driver did not start: %s", sim7600_strerror(st));
    r->dev_ready = true;
    return 0;
}

/* ---- results ------------------------------------------------------------------- */

static bool mqtt_code_in(int st, const int *codes, size_t n)
{
    int code = sim7600_status_module_code(st);
    for (size_t i = 0; i < n && st <= SIM7600_E_MQTT_BASE && st > SIM7600_E_CME_BASE; i++)
        if (code == codes[i])
            return true;
    return false;
}

/* Does the driver's status `st` count as the result the scenario names? */
static bool result_matches(enum scn_result want, int st, const struct sim7600 *dev)
{
    /* CONNACK 5 (31) counts as bad credentials: it is what mosquitto answers to a wrong password */
    static const int refused[] = {27, 28, 29}, socket[] = {3, 4, 5, 16, 26}, credentials[] = {30, 31};
    bool unregistered = st == SIM7600_E_NOT_REGISTERED || st == SIM7600_E_REG_DENIED;
    switch (want) {
    case SCN_RES_OK:              return st == SIM7600_OK || st == SIM7600_QUEUED;
    case SCN_RES_ANY:             return true;
    case SCN_RES_ERROR:           return st < 0;
    case SCN_RES_BAD_CREDENTIALS: return mqtt_code_in(st, credentials, sizeof credentials / sizeof credentials[0]);
    case SCN_RES_REFUSED:         return mqtt_code_in(st, refused, sizeof refused / sizeof refused[0]);
    case SCN_RES_DNS:             return st == SIM7600_E_MQTT_DNS;
    case SCN_RES_SOCKET:          return st == SIM7600_E_CONNLOST || mqtt_code_in(st, socket, sizeof socket / sizeof socket[0]);
    case SCN_RES_TIMEOUT:         return st == SIM7600_E_TIMEOUT || st == SIM7600_E_NO_RESPONSE || st == SIM7600_E_MQTT_TIMEOUT;
    case SCN_RES_NO_SIM:          return st == SIM7600_E_CME_SIM_NOT_INSERTED || st == SIM7600_E_CME_SIM_FAILURE;
    case SCN_RES_NOT_REGISTERED:  return unregistered;
    case SCN_RES_NO_SIGNAL:       return unregistered && dev->health.rssi == 99;
    case SCN_RES_NOT_CONNECTED:   return st == SIM7600_E_NOT_CONNECTED || st == SIM7600_E_MQTT_NO_CONNECTION;
    case SCN_RES_REJECTED:        return st == SIM7600_E_ERROR || st == SIM7600_E_MQTT_INVALID_PARAM || st <= SIM7600_E_CME_BASE;
    case SCN_RES_IO:              return st == SIM7600_E_IO;
    case SCN_RES_INVALID:         return st == SIM7600_E_PARAM || st == SIM7600_E_TOO_LONG || st == SIM7600_E_UNQUOTABLE;
    case SCN_RES_TLS_HANDSHAKE:   return st == SIM7600_E_MQTT_HANDSHAKE;
    case SCN_RES_TLS_NO_CERT:     return st == SIM7600_E_MQTT_NO_CERT;
    case SCN_RES_COUNT_:          break;
    }
    return false;
}

static int step_result(struct run *r, const struct scn_step *s, int st, uint64_t started_ms)
{
    uint64_t took = hil_now_ms() - started_ms;
    if (r->wire_broken && !result_matches(s->result, st, &r->dev))
        return run_wire_failed(r);
    if (!result_matches(s->result, st, &r->dev)) {
        const char *step = st < 0 ? sim7600_last_step(&r->dev) : NULL;
        return run_fail(r, "line %d: %s expected result=%s, got %s (%s)%s%s", s->line, scn_step_kind_str(s->kind),
                        scn_result_str(s->result), sim7600_status_name(st), sim7600_strerror(st),
                        step && *step ? " at " : "", step && *step ? step : "");
    }
    if (s->within_ms && took > s->within_ms)
        return run_fail(r, "line %d: %s took %.2fs, longer than within=%.2fs", s->line, scn_step_kind_str(s->kind),
                        (double)took / 1000, (double)s->within_ms / 1000);
    return 0;
}

/* ---- waiting ------------------------------------------------------------------- */

/* One slice of waiting until end_ms: -1 when the wire broke. */
static int idle_slice(struct run *r, uint64_t end_ms)
{
    uint64_t now = hil_now_ms();
    uint64_t left = end_ms > now ? end_ms - now : 0;
    return run_idle(r, left < RUN_POLL_SLICE_MS ? (uint32_t)left : RUN_POLL_SLICE_MS);
}

int run_poll_until(struct run *r, uint32_t within_ms, run_look_fn look, void *ctx)
{
    uint64_t end = hil_now_ms() + within_ms;
    for (;;) {
        int found = look(r, ctx);
        if (found != 0)
            return found;
        if (hil_now_ms() >= end)
            return 0;
        if (idle_slice(r, end) < 0)
            return -1;
    }
}

static int idle_until(struct run *r, uint64_t end_ms)
{
    while (hil_now_ms() < end_ms)
        if (idle_slice(r, end_ms) < 0)
            return -1;
    return 0;
}

static uint32_t within_or(const struct scn_step *s, uint32_t dflt)
{
    return s->within_ms ? s->within_ms : dflt;
}

/* ---- wire steps ----------------------------------------------------------------- */

static int step_send(struct run *r, const struct scn_step *s)
{
    struct strbuf text = {0};
    run_expand_servers(r, &s->text, &text);   /* {server}: a test server's port */
    if (s->kind == SCN_STEP_SEND)
        sb_add(&text, "\r", 1);
    int st = r->port.write(r->port.ctx, (const uint8_t *)sb_str(&text), text.len);
    sb_free(&text);
    if (st < 0)
        return run_fail(r, "line %d: writing to the port failed", s->line);
    return 0;
}

static int step_expect(struct run *r, const struct scn_step *s)
{
    bool prompt = s->kind == SCN_STEP_EXPECT_PROMPT;
    uint32_t within = within_or(s, SCN_DEFAULT_EXPECT_MS);
    uint64_t end = hil_now_ms() + within;
    while (transcript_take(&r->tr, &s->pat, prompt) < 0) {
        uint64_t now = hil_now_ms();
        if (now >= end) {
            if (prompt)
                return run_fail(r, "line %d: no '>' prompt within %.2fs", s->line, (double)within / 1000);
            return run_fail(r, "line %d: the module printed no line matching %s%s%s within %.2fs", s->line,
                            s->pat.kind == SCN_PAT_REGEX ? "/" : "\"", s->pat.text.ptr,
                            s->pat.kind == SCN_PAT_REGEX ? "/" : "\"", (double)within / 1000);
        }
        if (idle_slice(r, end) < 0)
            return -1;
    }
    return 0;
}

/* ---- driver steps --------------------------------------------------------------- */

static int step_bring_up(struct run *r, const struct scn_step *s)
{
    if (s->apn.ptr)
        r->dev.cfg.apn = s->apn.ptr;
    /* within=T bounds the whole step: registration may take three quarters of it */
    r->dev.cfg.reg_timeout_ms = s->within_ms ? s->within_ms / 4 * 3 : RUN_REG_TIMEOUT_MS;
    return sim7600_bringup(&r->dev);
}

static int step_connect(struct run *r, const struct scn_step *s)
{
    struct sim7600_config *c = &r->dev.cfg;
    bool tls = r->tls && s->tls != 0;   /* a tls statement makes connects TLS unless tls=0 */
    c->tls = tls ? &r->tls->cfg : NULL;
    if (s->server.ptr)
        c->broker = s->server.ptr;
    if (s->client_id.ptr)
        c->client_id = s->client_id.ptr;
    c->user = s->user.ptr;
    c->pass = s->password.ptr;
    if (s->keepalive >= 0)
        c->keepalive_s = (uint16_t)s->keepalive;
    if (s->clean >= 0)
        c->clean_session = s->clean != 0;
    return sim7600_mqtt_connect(&r->dev);
}

static int step_publish(struct run *r, const struct scn_step *s)
{
    uint8_t qos = s->qos < 0 ? 0 : (uint8_t)s->qos;
    if (s->payload.ptr)
        return sim7600_publish(&r->dev, s->topic.ptr, s->payload.ptr, s->payload.len, qos, s->retain == 1);
    char *p = xmalloc(s->payload_size + 1);
    scn_fill_payload(p, s->payload_size);
    int st = sim7600_publish(&r->dev, s->topic.ptr, p, s->payload_size, qos, s->retain == 1);
    free(p);
    return st;
}

/* Publishes one message, waiting for room while the outbox is full (what an
 * application does with SIM7600_E_OUTBOX_FULL). */
static int publish_waiting(struct run *r, const char *topic, const char *payload, uint8_t qos, uint64_t end)
{
    int st = sim7600_publish(&r->dev, topic, payload, strlen(payload), qos, false);
    while (st == SIM7600_E_OUTBOX_FULL && hil_now_ms() < end) {
        if (idle_slice(r, end) < 0)
            return SIM7600_E_IO;
        st = sim7600_publish(&r->dev, topic, payload, strlen(payload), qos, false);
    }
    return st;
}

static int step_publish_seq(struct run *r, const struct scn_step *s)
{
    uint8_t qos = s->qos < 0 ? 0 : (uint8_t)s->qos;
    uint64_t start = hil_now_ms();
    uint64_t end = s->within_ms ? start + s->within_ms : r->deadline_ms;   /* else the scenario's own bound */
    int worst = SIM7600_OK;
    for (unsigned i = 1; i <= s->count; i++) {
        char payload[16];
        snprintf(payload, sizeof payload, "%u", i);
        int st = publish_waiting(r, s->topic.ptr, payload, qos, end);
        if (r->wire_broken)
            return run_wire_failed(r);
        if (st < 0 && worst >= 0)
            worst = st;
        if (st < 0 && s->result == SCN_RES_OK)
            return run_fail(r, "line %d: publish-seq message %u of %u failed: %s (%s)", s->line, i, s->count,
                            sim7600_status_name(st), sim7600_strerror(st));
        if (idle_until(r, start + (uint64_t)i * s->interval_ms) < 0)
            return SIM7600_E_IO;
    }
    while (qos > 0 && sim7600_outbox_count(&r->dev) > 0 && hil_now_ms() < end)
        if (idle_slice(r, end) < 0)
            return SIM7600_E_IO;
    if (qos > 0 && s->result == SCN_RES_OK && sim7600_outbox_count(&r->dev) > 0)
        return run_fail(r, "line %d: publish-seq: %zu of %u messages still unconfirmed by the module when the step's "
                        "time ran out", s->line, sim7600_outbox_count(&r->dev), s->count);
    return worst;
}

static int step_expect_connected(struct run *r, const struct scn_step *s)
{
    uint32_t within = within_or(s, SCN_DEFAULT_EXPECT_MS);
    uint64_t end = hil_now_ms() + within;
    while (sim7600_get_state(&r->dev) != SIM7600_STATE_CONNECTED) {
        if (hil_now_ms() >= end)
            return run_fail(r, "line %d: the driver was not connected within %.2fs (state %s)", s->line,
                            (double)within / 1000, sim7600_state_str(sim7600_get_state(&r->dev)));
        if (idle_slice(r, end) < 0)
            return -1;
    }
    return 0;
}

static int driver_step(struct run *r, const struct scn_step *s)
{
    if (run_driver_init(r) < 0)
        return -1;
    uint64_t started = hil_now_ms();
    int st;
    switch (s->kind) {
    case SCN_STEP_BRING_UP:   st = step_bring_up(r, s); break;
    case SCN_STEP_CONNECT:    st = step_connect(r, s); break;
    case SCN_STEP_SUBSCRIBE:  st = sim7600_subscribe(&r->dev, s->topic.ptr, s->qos < 0 ? 0 : (uint8_t)s->qos); break;
    case SCN_STEP_PUBLISH:    st = step_publish(r, s); break;
    case SCN_STEP_PUBLISH_SEQ:
        st = step_publish_seq(r, s);
        if (r->rep->verdict == RUN_FAIL)
            return -1;
        break;
    case SCN_STEP_DISCONNECT: st = sim7600_disconnect(&r->dev); break;
    case SCN_STEP_EXPECT_CONNECTED: return step_expect_connected(r, s);
    default:                  return run_fail(r, "line %d: not a driver step", s->line);
    }
    /* an `expect` after a driver step waits for what comes next, not for
     * lines the driver has already read */
    transcript_skip_all(&r->tr);
    return step_result(r, s, st, started);
}

static int run_step(struct run *r, const struct scn_step *s)
{
    switch (s->kind) {
    case SCN_STEP_SEND:
    case SCN_STEP_SEND_RAW:
        return step_send(r, s);
    case SCN_STEP_EXPECT:
    case SCN_STEP_EXPECT_PROMPT:
        return step_expect(r, s);
    case SCN_STEP_WAIT:
        return idle_until(r, hil_now_ms() + s->within_ms);
    case SCN_STEP_EXPECT_EXIT:
    case SCN_STEP_EXPECT_OUTPUT:
        return programs_step(r, s);
    case SCN_STEP_EXPECT_SERVER_RECEIVED:
        return run_server_received_step(r, s);
    case SCN_STEP_EXPECT_HTTP_REQUEST:
        return run_http_request_step(r, s);
    case SCN_STEP_SEND_FILE:
        return run_http_send_file(r, s);
    case SCN_STEP_CLIENT_CONNECT:
    case SCN_STEP_CLIENT_SEND:
    case SCN_STEP_EXPECT_CLIENT_RECEIVED:
    case SCN_STEP_CLIENT_CLOSE:
        return run_client_step(r, s);
    default:
        return driver_step(r, s);
    }
}

int run_steps(struct run *r)
{
    for (size_t i = 0; i < r->sc->n_steps; i++) {
        const struct scn_step *s = &r->sc->steps[i];
        struct strbuf where = {0};
        sb_printf(&where, "line %d: %s", s->line, scn_step_kind_str(s->kind));
        r->step_line = s->line;
        if (r->hooks->progress)
            r->hooks->progress(r->hooks->ctx, sb_str(&where));
        transcript_note(&r->tr, sb_str(&where));
        sb_free(&where);
        if (run_step(r, s) < 0)
            return -1;
    }
    return 0;
}
