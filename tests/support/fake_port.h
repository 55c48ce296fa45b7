/* A scripted fake of struct sim7600_port for unit tests: a fake clock, and a
 * module that answers what the script says when the driver writes what the
 * script expects. Reads hand out at most `chunk` bytes at a time, so every
 * test also exercises responses split across reads. Nothing sleeps: a read
 * that would wait advances the fake clock instead. */
#ifndef FAKE_PORT_H
#define FAKE_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim7600_port.h"

struct fake_step {
    const char *expect;  /* bytes the driver must write next; NULL: reply at once */
    const char *reply;   /* bytes the module then sends; NULL: nothing */
    uint32_t delay_ms;   /* the reply becomes readable this long after the write */
};

#define FAKE_RX_MAX 32768
#define FAKE_TX_MAX 32768

struct fake_port {
    struct sim7600_port port;
    uint32_t now;
    size_t chunk;                     /* max bytes per read; 0: no limit */
    uint8_t rx[FAKE_RX_MAX];          /* module -> driver */
    uint32_t rx_at[FAKE_RX_MAX];      /* when each byte becomes readable */
    size_t rx_len, rx_pos;
    char tx[FAKE_TX_MAX];             /* driver -> module, everything */
    size_t tx_len;
    size_t unmatched;                 /* start of tx not yet matched by a step */
    const struct fake_step *steps;
    size_t n_steps, step;
    char error[512];                  /* first mismatch, "" if none */
    bool silent;                      /* the module ignores writes */
    int resets;                       /* reset_module calls */
    const struct fake_step *on_reset; /* script that replaces the current one on reset */
    size_t on_reset_n;
    int write_fail;                   /* fail the nth write from now (1 = next), 0 never */
    bool gone;                        /* the port is dead: reads and writes fail */
};

void fake_port_init(struct fake_port *fp);
void fake_port_script(struct fake_port *fp, const struct fake_step *steps, size_t n);
/* The module sends bytes on its own, readable after delay_ms. */
void fake_port_push(struct fake_port *fp, const void *data, size_t len, uint32_t delay_ms);
void fake_port_push_str(struct fake_port *fp, const char *s, uint32_t delay_ms);
/* All steps consumed and no mismatch. */
bool fake_port_done(const struct fake_port *fp);
/* Everything the driver wrote, NUL-terminated. */
const char *fake_port_tx(const struct fake_port *fp);
/* Unread module bytes. */
size_t fake_port_pending(const struct fake_port *fp);

#define FAKE_STEPS(arr) (arr), (sizeof(arr) / sizeof((arr)[0]))

/* ---- a driver instance on a fake port, for tests/unit/test_driver_*.c ---- */
#include "sim7600.h"

#define FAKE_OK "\r\nOK\r\n"

/* Canned exchanges (reference §9), to compose scripts: { FAKE_BRINGUP, FAKE_SESSION_COLD } */
/* After AT the driver probes with AT+CSQ, whose line marks where its answer
 * starts: an OK left on the wire by the host's earlier life is dropped. */
#define FAKE_SYNC_PROBE {"AT+CSQ\r", "\r\n+CSQ: 20,0\r\n" FAKE_OK, 0}
#define FAKE_SYNC {"AT\r", FAKE_OK, 0}, FAKE_SYNC_PROBE
#define FAKE_BRINGUP FAKE_SYNC, FAKE_BRINGUP_SYNCED
/* The bring-up after AT and the probe. */
#define FAKE_BRINGUP_SYNCED                                                              \
    {"ATE0\r", FAKE_OK, 0}, {"AT+CMEE=1\r", FAKE_OK, 0},                                \
        {"AT+CPIN?\r", "\r\n+CPIN: READY\r\n" FAKE_OK, 0},                               \
        {"AT+CSQ\r", "\r\n+CSQ: 20,0\r\n" FAKE_OK, 0},                                   \
        {"AT+CREG?\r", "\r\n+CREG: 0,1\r\n" FAKE_OK, 0},                                 \
        {"AT+CGREG?\r", "\r\n+CGREG: 0,1\r\n" FAKE_OK, 0},                               \
        {"AT+CEREG?\r", "\r\n+CEREG: 0,1\r\n" FAKE_OK, 0},                               \
        {"AT+CGDCONT=1,\"IP\",\"internet\"\r", FAKE_OK, 0}
#define FAKE_START_COLD {"AT+CMQTTSTART\r", FAKE_OK "\r\n+CMQTTSTART: 0\r\n", 0}
#define FAKE_START_WARM {"AT+CMQTTSTART\r", "\r\n+CMQTTSTART: 23\r\n\r\nERROR\r\n", 0}
#define FAKE_ACCQ {"AT+CMQTTACCQ=0,\"dev1\",0\r", FAKE_OK, 0}
#define FAKE_CONNECT                                                                     \
    {"AT+CMQTTCONNECT=0,\"tcp://broker:1883\",60,1\r", FAKE_OK "\r\n+CMQTTCONNECT: 0,0\r\n", 0}
#define FAKE_SESSION_COLD FAKE_START_COLD, FAKE_ACCQ, FAKE_CONNECT
/* warm module whose client 0 is acquired but not connected */
#define FAKE_SESSION_WARM                                                                \
    FAKE_START_WARM, {"AT+CMQTTDISC=0,60\r", "\r\n+CMQTTDISC: 0,11\r\n\r\nERROR\r\n", 0}, \
        {"AT+CMQTTREL=0\r", FAKE_OK, 0}, FAKE_ACCQ, FAKE_CONNECT
/* publish topic T (length TL) payload P (length PL) with qos Q */
#define FAKE_PUB(T, TL, P, PL, Q)                                                       \
    {"AT+CMQTTTOPIC=0," #TL "\r", "\r\n>", 0}, {T, FAKE_OK, 0},                          \
        {"AT+CMQTTPAYLOAD=0," #PL "\r", "\r\n> ", 0}, {P, FAKE_OK, 0},                    \
        {"AT+CMQTTPUB=0," #Q ",60\r", FAKE_OK "\r\n+CMQTTPUB: 0,0\r\n", 0}

struct fake_dev {
    struct fake_port fp;
    struct sim7600 dev;
    struct sim7600_config cfg;
    char line[256];
    char cmd[700];
    uint8_t topic[128];
    uint8_t payload[512];
    struct sim7600_outbox_slot slots[4];
    uint8_t ob_data[4 * 64];
    struct sim7600_sub subs[4];
    /* what the application saw */
    char msgs[8][256];        /* "topic|payload" */
    int n_msgs;
    bool truncated;
    int events[64];
    int ev_status[64];
    int n_events;
    char log[16384];
    size_t log_len;
};

/* Fills cfg (apn "internet", broker tcp://broker:1883, client "dev1", clean
 * session, 4 outbox slots of 64 bytes) and hooks the recorders. Change cfg,
 * then call fake_dev_start. */
void fake_dev_init(struct fake_dev *fd);
int fake_dev_start(struct fake_dev *fd);
/* How many times ev was reported (status of the last one in *status if not NULL). */
int fake_dev_events(const struct fake_dev *fd, enum sim7600_event ev, int *status);
/* Scripts a cold bring-up and MQTT session (FAKE_BRINGUP, FAKE_SESSION_COLD)
 * and connects. @retval sim7600_connect's status */
int fake_dev_connect_cold(struct fake_dev *fd);
/* Polls until the script is consumed and the engine idle, at most max_ms of fake time. */
void fake_dev_run(struct fake_dev *fd, uint32_t max_ms);

#endif
