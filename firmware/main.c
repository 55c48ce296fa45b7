/* sim7600-demo: the seed firmware's job done as it should be, on a Cortex-M4
 * with the driver core unchanged: bring the module up, connect, publish a
 * numbered reading every interval with QoS 1 (none lost across faults: the
 * driver's outbox keeps them), and obey commands on a topic:
 *   "interval=MS"  change the interval (100 ms .. 1 h), answered on the status topic
 *   "ping"         answered "pong #N", N the next reading's number
 * Status lines go to UART1 (the runner reads them as the program's output);
 * the options come from the emulator's command line (firmware/README in the
 * top README's "Firmware in the loop"). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sim7600.h"
#include "sim7600_cortex_m.h"

#include "fw_config.h"

/* The driver's buffers: sized for this app's topics and commands. */
#define LINE_CAP     256u
#define CMD_CAP      400u  /* CONNECT carries a broker URL of up to 256 bytes */
#define RX_TOPIC_CAP 64u
#define RX_PAYLOAD_CAP 128u
#define OUTBOX_SLOTS 8u
#define OUTBOX_SLOT_SIZE 64u
#define SUBS_CAP     2u
#define REPLY_CAP    64u

/* Reconnects and retries: the driver's own supervision climbs from here. */
#define BACKOFF_MIN_MS 500u
#define BACKOFF_MAX_MS 8000u
#define CONNECT_RETRY_MAX_MS 8000u
/* A PUB whose answer never comes is sent again after this (a duplicate, never
 * a loss); the module's own 60 s would stall the readings for a minute. */
#define PUB_RESULT_TIMEOUT_MS 15000u
#define POLL_MAX_MS 1000u

struct app {
    struct fw_config conf;
    struct sim7600 dev;
    uint32_t next_reading;   /* number of the next reading to publish */
    uint32_t due_ms;         /* when it is due */
    char reply[REPLY_CAP];   /* an answer to a command, published from the loop */
    bool reply_pending;
};

static char line_buf[LINE_CAP], cmd_buf[CMD_CAP];
static uint8_t rx_topic[RX_TOPIC_CAP], rx_payload[RX_PAYLOAD_CAP];
static struct sim7600_outbox_slot outbox[OUTBOX_SLOTS];
static uint8_t outbox_data[OUTBOX_SLOTS * OUTBOX_SLOT_SIZE];
static struct sim7600_sub subs[SUBS_CAP];
static struct app app;

/* ---- text helpers (no libc printf on the board) ------------------------------- */

/* Appends decimal v to s (NUL-terminated, capacity cap). */
static void append_uint(char *s, size_t cap, uint32_t v)
{
    char tmp[10];
    size_t n = 0, len = strlen(s);
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n && len + 1 < cap)
        s[len++] = tmp[--n];
    s[len] = '\0';
}

static void set_text(char *s, size_t cap, const char *prefix, uint32_t v)
{
    s[0] = '\0';
    strncat(s, prefix, cap - 1);
    append_uint(s, cap, v);
}

/* ---- commands ------------------------------------------------------------------ */

static void command(struct app *a, const char *p, size_t n)
{
    static const char interval[] = "interval=";
    uint32_t ms;
    if (n == 4 && memcmp(p, "ping", 4) == 0) {
        set_text(a->reply, sizeof a->reply, "pong #", a->next_reading);
    } else if (n > sizeof interval - 1 && memcmp(p, interval, sizeof interval - 1) == 0 &&
               fw_parse_ms(p + sizeof interval - 1, n - (sizeof interval - 1), &ms) == 0) {
        a->conf.interval_ms = ms;
        a->due_ms = board_now_ms() + ms;
        set_text(a->reply, sizeof a->reply, "interval=", ms);
    } else {
        strcpy(a->reply, "unknown command (interval=MS or ping)");
    }
    a->reply_pending = true;
    status_printf("command: %s", a->reply);
}

/* Runs inside a driver call: it must not call the driver, so the answer is
 * published later, from the main loop. */
static void on_message(void *ctx, const struct sim7600_message *m)
{
    struct app *a = ctx;
    if (m->topic_len == strlen(FW_CMD_TOPIC) && memcmp(m->topic, FW_CMD_TOPIC, m->topic_len) == 0)
        command(a, (const char *)m->payload, m->truncated ? 0 : m->payload_len);
    else
        status_printf("message: %s (not a command topic)", (const char *)m->topic);
}

static void on_event(void *ctx, enum sim7600_event ev, int status)
{
    (void)ctx;
    switch (ev) {
    case SIM7600_EV_STATE:
        status_printf("state: %s", sim7600_state_str((enum sim7600_state)status));
        break;
    case SIM7600_EV_CONNLOST:
        status_printf("event: connection lost (cause %d)", status);
        break;
    case SIM7600_EV_SILENT: /* status: the port's reset_module result, not a driver status */
        status_printf("event: module silent; reset hook %s", status == 0 ? "done" : "unavailable");
        break;
    case SIM7600_EV_ESCALATED:
        status_printf("event: reconnecting keeps failing; now: %s",
                      sim7600_rung_str((enum sim7600_rung)status));
        break;
    default:
        status_printf("event: %s (%s)", sim7600_event_str(ev), sim7600_status_name(status));
        break;
    }
}

/* ---- the loop -------------------------------------------------------------------- */

static void setup(struct app *a)
{
    static const struct sim7600_config base = {
        .clean_session = true,
        .line_buf = line_buf, .line_cap = sizeof line_buf,
        .cmd_buf = cmd_buf, .cmd_cap = sizeof cmd_buf,
        .rx_topic = rx_topic, .rx_topic_cap = sizeof rx_topic,
        .rx_payload = rx_payload, .rx_payload_cap = sizeof rx_payload,
        .outbox = outbox, .outbox_slots = OUTBOX_SLOTS,
        .outbox_data = outbox_data, .outbox_slot_size = OUTBOX_SLOT_SIZE,
        .subs = subs, .subs_cap = SUBS_CAP,
        .on_message = on_message, .on_event = on_event,
        .backoff_min_ms = BACKOFF_MIN_MS, .backoff_max_ms = BACKOFF_MAX_MS,
        .pub_result_timeout_ms = PUB_RESULT_TIMEOUT_MS,
    };
    struct sim7600_config cfg = base;
    int st;
    cfg.apn = a->conf.apn;
    cfg.broker = a->conf.broker;
    cfg.client_id = a->conf.client_id;
    cfg.cb_ctx = a;
    st = sim7600_init(&a->dev, sim7600_cortex_m_port(), &cfg);
    if (st != SIM7600_OK) {
        status_printf("fatal: sim7600_init refused the configuration: %s (check the options)",
                      sim7600_status_name(st));
        for (;;)
            board_sleep_ms(POLL_MAX_MS);
    }
    /* queued: the driver subscribes at every connect */
    (void)sim7600_subscribe(&a->dev, FW_CMD_TOPIC, 1);
}

/* Until the first session is up; after that the driver's poll supervises. */
static void connect_first(struct app *a)
{
    uint32_t wait_ms = BACKOFF_MIN_MS;
    int st;
    while ((st = sim7600_connect(&a->dev)) != SIM7600_OK) {
        status_printf("connect failed at %s: %s; again in %u ms", sim7600_last_step(&a->dev),
                      sim7600_status_name(st), (unsigned)wait_ms);
        board_sleep_ms(wait_ms);
        wait_ms = wait_ms * 2u > CONNECT_RETRY_MAX_MS ? CONNECT_RETRY_MAX_MS : wait_ms * 2u;
    }
    status_printf("connected: %s as %s", a->conf.broker, a->conf.client_id);
}

static void publish_reading(struct app *a)
{
    char payload[REPLY_CAP];
    int st;
    set_text(payload, sizeof payload, FW_READING_PREFIX, a->next_reading);
    st = sim7600_publish(&a->dev, FW_READING_TOPIC, payload, strlen(payload), 1, false);
    if (st == SIM7600_OK || st == SIM7600_QUEUED) {
        status_printf("%s: %s", st == SIM7600_OK ? "published" : "queued", payload);
        a->next_reading++;
    } else { /* outbox full: this number is tried again at the next tick */
        status_printf("publish %s failed: %s; trying again", payload, sim7600_status_name(st));
    }
}

static void publish_reply(struct app *a)
{
    int st = sim7600_publish(&a->dev, FW_STATUS_TOPIC, a->reply, strlen(a->reply), 1, false);
    if (st == SIM7600_OK || st == SIM7600_QUEUED)
        a->reply_pending = false;
}

int main(void)
{
    struct app *a = &app;
    board_init();
    fw_config_load(&a->conf);
    status_printf("boot: sim7600-demo, broker %s, client id %s, interval %u ms", a->conf.broker,
                  a->conf.client_id, (unsigned)a->conf.interval_ms);
    setup(a);
    connect_first(a);
    a->next_reading = 1;
    a->due_ms = board_now_ms();
    for (;;) {
        int32_t left = (int32_t)(a->due_ms - board_now_ms());
        if (left <= 0) {
            publish_reading(a);
            a->due_ms = board_now_ms() + a->conf.interval_ms;
            left = (int32_t)a->conf.interval_ms;
        }
        if (a->reply_pending)
            publish_reply(a); /* a full outbox leaves it pending for the next pass */
        (void)sim7600_poll(&a->dev, (uint32_t)left < POLL_MAX_MS ? (uint32_t)left : POLL_MAX_MS);
    }
}
