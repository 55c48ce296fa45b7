/* The host transport: termios for ptys and ttys, libserialport for hardware
 * (see sim7600_posix.h for why both). */
#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sim7600_posix.h"

#define SIMCOM_VID 0x1E0E

static const char *const backend_names[] = {
    [SIM7600_BACKEND_AUTO] = "auto",
    [SIM7600_BACKEND_TERMIOS] = "termios",
    [SIM7600_BACKEND_SERIALPORT] = "serialport",
};

const char *sim7600_backend_str(enum sim7600_backend b)
{
    return (unsigned)b < sizeof backend_names / sizeof backend_names[0] ? backend_names[b] : "?";
}

int sim7600_backend_parse(const char *s, enum sim7600_backend *b)
{
    size_t i;
    for (i = 0; i < sizeof backend_names / sizeof backend_names[0]; i++) {
        if (strcmp(s, backend_names[i]) == 0) {
            *b = (enum sim7600_backend)i;
            return 0;
        }
    }
    return -1;
}

/* ---- the port functions ------------------------------------------------------ */

static uint32_t port_now(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static void port_sleep(void *ctx, uint32_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    (void)ctx;
    nanosleep(&ts, NULL);
}

static int port_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct sim7600_serial *s = ctx;
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(s->fd, buf + done, len - done);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd p = {s->fd, POLLOUT, 0};
            poll(&p, 1, 1000);
            continue;
        }
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return (int)len;
}

static void drain_wake(struct sim7600_serial *s)
{
    char junk[64];
    while (read(s->wake[0], junk, sizeof junk) > 0) {
    }
}

/* Waits on the UART and the wake pipe; a wake-up reads as "nothing yet". */
static int port_read(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
    struct sim7600_serial *s = ctx;
    struct pollfd p[2] = {{s->fd, POLLIN, 0}, {s->wake[0], POLLIN, 0}};
    int r = poll(p, 2, timeout_ms > INT32_MAX ? INT32_MAX : (int)timeout_ms);
    ssize_t n;

    if (r < 0)
        return errno == EINTR ? 0 : -1;
    if (p[1].revents & POLLIN)
        drain_wake(s);
    if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
        return 0;
    n = read(s->fd, buf, cap);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    /* A pty whose other side closed reads EIO / 0: the module is gone. */
    return n > 0 ? (int)n : -1;
}

void sim7600_serial_wake(struct sim7600_serial *s)
{
    if (s->wake[1] >= 0 && write(s->wake[1], "w", 1) < 0) {
        /* the pipe is full: a wake-up is already pending */
    }
}

/* ---- opening ------------------------------------------------------------------- */

static speed_t baud_const(int baud)
{
    static const struct {
        int baud;
        speed_t c;
    } table[] = {{9600, B9600},     {19200, B19200},   {38400, B38400},   {57600, B57600},
                 {115200, B115200}, {230400, B230400}, {460800, B460800}, {921600, B921600},
                 {3000000, B3000000}, {4000000, B4000000}};
    size_t i;
    for (i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].baud == baud)
            return table[i].c;
    }
    return B0;
}

static int open_termios(struct sim7600_serial *s, const char *path, int baud, char *err,
                        size_t errlen)
{
    struct termios t;
    speed_t sp = baud_const(baud);

    if (sp == B0) {
        snprintf(err, errlen, "%s: unsupported baud rate %d", path, baud);
        return -1;
    }
    s->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (s->fd < 0) {
        snprintf(err, errlen, "%s: %s%s", path, strerror(errno),
                 errno == EACCES ? " (are you in group dialout?)" : "");
        return -1;
    }
    if (tcgetattr(s->fd, &t) != 0) {
        snprintf(err, errlen, "%s: not a terminal (%s)", path, strerror(errno));
        close(s->fd);
        s->fd = -1;
        return -1;
    }
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cflag &= ~(tcflag_t)CRTSCTS;
    cfsetispeed(&t, sp);
    cfsetospeed(&t, sp);
    tcsetattr(s->fd, TCSANOW, &t);
    tcflush(s->fd, TCIOFLUSH);
    return 0;
}

static int open_serialport(struct sim7600_serial *s, const char *path, int baud, char *err,
                           size_t errlen)
{
    if (sp_get_port_by_name(path, &s->sp) != SP_OK) {
        snprintf(err, errlen, "%s: libserialport does not know this port%s", path,
                 strncmp(path, "/dev/pts/", 9) == 0 ? " (a pty: use --backend termios or auto)" : "");
        s->sp = NULL;
        return -1;
    }
    if (sp_open(s->sp, SP_MODE_READ_WRITE) != SP_OK) {
        char *msg = sp_last_error_message();
        snprintf(err, errlen, "%s: %s", path, msg != NULL ? msg : "cannot open");
        sp_free_error_message(msg);
        sp_free_port(s->sp);
        s->sp = NULL;
        return -1;
    }
    sp_set_baudrate(s->sp, baud);
    sp_set_bits(s->sp, 8);
    sp_set_parity(s->sp, SP_PARITY_NONE);
    sp_set_stopbits(s->sp, 1);
    sp_set_flowcontrol(s->sp, SP_FLOWCONTROL_NONE);
    sp_get_port_handle(s->sp, &s->fd);
    fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
    return 0;
}

/* AUTO: a pty (ENOTTY under libserialport) or an unknown name goes to termios. */
static enum sim7600_backend choose(const char *path)
{
    char real[4096];
    struct sp_port *probe = NULL;
    bool known;

    if (realpath(path, real) == NULL)
        snprintf(real, sizeof real, "%s", path);
    if (strncmp(real, "/dev/pts/", 9) == 0 || strcmp(real, "/dev/ptmx") == 0)
        return SIM7600_BACKEND_TERMIOS;
    known = sp_get_port_by_name(real, &probe) == SP_OK;
    if (probe != NULL)
        sp_free_port(probe);
    return known ? SIM7600_BACKEND_SERIALPORT : SIM7600_BACKEND_TERMIOS;
}

int sim7600_serial_open(struct sim7600_serial *s, const char *path, int baud,
                        enum sim7600_backend backend, char *err, size_t errlen)
{
    int rc;

    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->wake[0] = s->wake[1] = -1;
    snprintf(s->path, sizeof s->path, "%s", path);
    s->backend = backend == SIM7600_BACKEND_AUTO ? choose(path) : backend;
    rc = s->backend == SIM7600_BACKEND_SERIALPORT ? open_serialport(s, path, baud, err, errlen)
                                                  : open_termios(s, path, baud, err, errlen);
    if (rc != 0)
        return -1;
    if (pipe2(s->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        sim7600_serial_close(s);
        return -1;
    }
    s->port.ctx = s;
    s->port.write = port_write;
    s->port.read = port_read;
    s->port.now_ms = port_now;
    s->port.sleep_ms = port_sleep;
    return 0;
}

void sim7600_serial_close(struct sim7600_serial *s)
{
    if (s->sp != NULL) {
        sp_close(s->sp);
        sp_free_port(s->sp);
        s->sp = NULL;
    } else if (s->fd >= 0) {
        close(s->fd);
    }
    s->fd = -1;
    if (s->wake[0] >= 0)
        close(s->wake[0]);
    if (s->wake[1] >= 0)
        close(s->wake[1]);
    s->wake[0] = s->wake[1] = -1;
}

/* ---- listing ------------------------------------------------------------------- */

static const char *transport_str(enum sp_transport t)
{
    switch (t) {
    case SP_TRANSPORT_USB:
        return "usb";
    case SP_TRANSPORT_BLUETOOTH:
        return "bluetooth";
    default:
        return "native";
    }
}

int sim7600_list_ports(FILE *out)
{
    struct sp_port **list = NULL;
    int i;

    if (sp_list_ports(&list) != SP_OK)
        return -1;
    for (i = 0; list[i] != NULL; i++) {
        struct sp_port *p = list[i];
        enum sp_transport t = sp_get_port_transport(p);
        const char *desc = sp_get_port_description(p);
        int vid = 0, pid = 0;

        if (t == SP_TRANSPORT_USB && sp_get_port_usb_vid_pid(p, &vid, &pid) == SP_OK)
            fprintf(out, "%-16s %-9s %04x:%04x  %s%s\n", sp_get_port_name(p), transport_str(t),
                    vid, pid, desc != NULL ? desc : "",
                    vid == SIMCOM_VID ? "  [SIMCom module]" : "");
        else
            fprintf(out, "%-16s %-9s %-9s  %s\n", sp_get_port_name(p), transport_str(t), "-",
                    desc != NULL ? desc : "");
    }
    sp_free_port_list(list);
    return i;
}
