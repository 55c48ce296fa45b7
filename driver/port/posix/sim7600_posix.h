/* The POSIX host port of libsim7600.
 *
 * Transport (serial.c): opens the module by path. Pseudo-terminals and any
 * tty go through termios; real hardware through libserialport, which cannot
 * open ptys (it reads the modem lines with TIOCMGET: ENOTTY). AUTO picks
 * termios for /dev/pts/N (and anything libserialport does not know), and
 * libserialport otherwise; either can be forced.
 *
 * Host runner (host.c): one thread owns the UART and the driver instance.
 * Other threads post requests (publish, subscribe, health, stop) and wait for
 * their status; received messages are copied into a bounded queue that any
 * thread drains with sim7600_host_recv(). Nobody polls the UART but the
 * owner, and the owner sleeps in poll() on the UART and a wake-up pipe.
 */
#ifndef SIM7600_POSIX_H
#define SIM7600_POSIX_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim7600.h"

enum sim7600_backend {
    SIM7600_BACKEND_AUTO,
    SIM7600_BACKEND_TERMIOS,
    SIM7600_BACKEND_SERIALPORT,
};
const char *sim7600_backend_str(enum sim7600_backend b);
/* "auto", "termios", "serialport" -> 0 and *b; -1 if unknown. */
int sim7600_backend_parse(const char *s, enum sim7600_backend *b);

struct sp_port;

struct sim7600_serial {
    struct sim7600_port port;   /* ready to give to sim7600_init() */
    enum sim7600_backend backend; /* the one actually used */
    int fd;                     /* the UART (termios fd, or libserialport's handle) */
    struct sp_port *sp;
    int wake[2];                /* a write to wake[1] ends a pending read early */
    char path[256];
};

/* Opens `path` at `baud` 8N1 raw. On failure returns -1 and writes a sentence
 * into err (e.g. "/dev/ttyUSB2: Permission denied (are you in group dialout?)"). */
int sim7600_serial_open(struct sim7600_serial *s, const char *path, int baud,
                        enum sim7600_backend backend, char *err, size_t errlen);
void sim7600_serial_close(struct sim7600_serial *s);
void sim7600_serial_wake(struct sim7600_serial *s);

/* Lists serial ports (libserialport): name, transport, USB VID:PID, description;
 * SIMCom modules (VID 0x1E0E) are marked. Returns the number listed, -1 on error. */
int sim7600_list_ports(FILE *out);

/* ---- host runner ------------------------------------------------------------ */

struct sim7600_host_msg {
    char *topic;                /* NUL-terminated; free with sim7600_host_msg_free */
    uint8_t *payload;           /* NUL-terminated for convenience */
    size_t payload_len;
    bool truncated;
};
void sim7600_host_msg_free(struct sim7600_host_msg *m);

struct sim7600_host_req;

#define SIM7600_HOST_SUBS_MAX 16    /* topics subscribed at once (the size of subs below) */

struct sim7600_host_config {
    struct sim7600_config drv;  /* buffers may be left NULL: the host allocates them */
    size_t rx_queue;            /* received messages kept for sim7600_host_recv (64) */
    size_t outbox_slots;        /* (32) */
    size_t outbox_slot_size;    /* (2048) */
    size_t max_message;         /* rx topic/payload buffers (4096) */
    /* Called on the owner thread; must be thread-safe against the caller's
     * own printing and must not call sim7600_host_* functions. */
    void (*on_event)(void *ctx, enum sim7600_event ev, int status);
    void (*on_log)(void *ctx, const char *what, const char *text, size_t len);
    void *ctx;
};

struct sim7600_host {
    struct sim7600_serial *serial;
    struct sim7600 dev;
    struct sim7600_host_config cfg;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    struct sim7600_host_req *req_head, *req_tail;
    struct sim7600_host_msg *rxq;
    size_t rxq_head, rxq_count;
    uint64_t rx_dropped;
    /* owned buffers */
    char *line, *cmd;
    uint8_t *rx_topic, *rx_payload, *ob_data;
    struct sim7600_outbox_slot *ob;
    struct sim7600_sub *subs;   /* the driver's table; each topic in it one of `topics` */
    char *topics[SIM7600_HOST_SUBS_MAX + 1]; /* the copies the host owns (one more: the one being tried) */
};

/* Initialises the driver on `serial` and starts the owner thread. Nothing is
 * sent to the module until sim7600_host_connect(). @retval SIM7600_OK or a status */
int sim7600_host_start(struct sim7600_host *h, struct sim7600_serial *serial,
                       const struct sim7600_host_config *cfg);
/* Stops the owner thread (after any request in progress) and frees buffers. */
void sim7600_host_stop(struct sim7600_host *h);

/* Requests run on the owner thread; these block until done and return its status. */
int sim7600_host_connect(struct sim7600_host *h);
int sim7600_host_publish(struct sim7600_host *h, const char *topic, const void *payload,
                         size_t len, uint8_t qos, bool retain);
/* The host subscribes with its own copy of topic (the caller's may go at once)
 * and frees the copy when the driver drops it (a refusal, see struct sim7600_sub) or at stop. */
int sim7600_host_subscribe(struct sim7600_host *h, const char *topic, uint8_t qos);
int sim7600_host_health(struct sim7600_host *h, struct sim7600_health *out);
int sim7600_host_disconnect(struct sim7600_host *h);
/* The failing step of the last request ("AT+CMQTTCONNECT"). */
const char *sim7600_host_last_step(struct sim7600_host *h);

/* Waits up to timeout_ms for a received message. @retval 1 got one, 0 timeout */
int sim7600_host_recv(struct sim7600_host *h, struct sim7600_host_msg *m, int timeout_ms);

#endif
