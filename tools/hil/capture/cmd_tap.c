/* sim7600-hil tap: sits between a program and a module. The module is opened
 * through the driver's POSIX port (libserialport for hardware, termios for a
 * pty); the program gets a pty of its own; every byte passes both ways
 * unchanged, and the session is written in the capture format with the
 * credentials redacted (redacted_capture.c, as sim7600-sim --log writes it). */
#include "capture.h"
#include "hil.h"
#include "hil_clock.h"
#include "pty_port.h"
#include "redacted_capture.h"
#include "sim7600_posix.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define CHUNK 4096

struct tap {
    struct sim7600_serial module;
    struct sim_pty host;
    struct capture cap;
    struct redacted_capture rc;       /* the file, a line at a time, redacted */
    uint64_t bytes[2];                /* [0] to the module, [1] from it */
};

static void tap_usage(FILE *f)
{
    fputs("Usage: sim7600-hil tap --port PATH --out FILE.cap [--baud N] [--link PATH] [--backend B]\n"
          "Records a program's session with a module: the program opens the pty printed\n"
          "(or --link PATH) as it would open the module's port; every byte passes both ways\n"
          "unchanged and is written to FILE.cap in the capture format, with the passwords of\n"
          "AT+CMQTTCONNECT, AT+CGAUTH and AT+CSSLCFG and the bytes of an uploaded key replaced\n"
          "by *** (in the file only). Stops on Ctrl-C.\n\n"
          "  --port PATH     the module's port (/dev/ttyUSB2, or a pty such as sim7600-sim's)\n"
          "  --baud N        its speed (default 115200)\n"
          "  --backend B     auto (default), termios or serialport\n"
          "  --link PATH     also make PATH a symlink to the program's pty\n"
          "  --out FILE      the capture to write\n",
          f);
}

/* Lines are redacted whole, so bytes wait for their line end (redacted_capture.h). */
static void collect(struct tap *t, int side, const uint8_t *data, size_t n, uint64_t now)
{
    redacted_capture_bytes(&t->rc, side ? CAPTURE_FROM_MODULE : CAPTURE_TO_MODULE, data, n, now);
    t->bytes[side] += n;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
        if (w < 0) {
            struct pollfd pfd = {fd, POLLOUT, 0};
            poll(&pfd, 1, 100);
            continue;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Host → module. A host that closed its end is not an error: the tap waits for the next. */
static void from_host(struct tap *t, uint64_t now)
{
    uint8_t buf[CHUNK];
    ssize_t n;
    while ((n = read(t->host.master, buf, sizeof buf)) > 0) {
        collect(t, 0, buf, (size_t)n, now);
        t->module.port.write(t->module.port.ctx, buf, (size_t)n);
    }
}

static int from_module(struct tap *t, uint64_t now)
{
    uint8_t buf[CHUNK];
    int n = t->module.port.read(t->module.port.ctx, buf, sizeof buf, 0);
    if (n < 0)
        return -1;
    collect(t, 1, buf, (size_t)n, now);
    if (t->host.host == PTY_HOST_ATTACHED || t->host.host == PTY_HOST_NOT_YET)
        write_all(t->host.master, buf, (size_t)n);
    return 0;
}

/* The host's presence, from the pty's open/close watch (or its hang-up). */
static void follow_host(struct tap *t)
{
    enum pty_change ch[8];
    int n = t->host.watch >= 0 ? pty_watch_changes(&t->host, ch, 8) : 0;
    for (int i = 0; i < n; i++)
        t->host.host = ch[i] == PTY_HOST_CAME ? PTY_HOST_ATTACHED
                       : t->host.host == PTY_HOST_NOT_YET ? PTY_HOST_NOT_YET : PTY_HOST_GONE;
    if (t->host.watch < 0)
        t->host.host = pty_host_present(&t->host) ? PTY_HOST_ATTACHED : PTY_HOST_GONE;
}

static int relay(struct tap *t, int sigfd)
{
    for (;;) {
        bool attached = t->host.host == PTY_HOST_ATTACHED;
        struct pollfd fds[4] = {{sigfd, POLLIN, 0}, {t->module.fd, POLLIN, 0}, {t->host.watch, POLLIN, 0},
                                {attached ? t->host.master : -1, POLLIN, 0}};
        if (poll(fds, 4, t->host.watch < 0 ? 50 : -1) < 0 && errno != EINTR)
            return HIL_EXIT_FAIL;
        uint64_t now = hil_now_us();
        if (fds[0].revents)
            return HIL_EXIT_OK;
        if (fds[1].revents && from_module(t, now) < 0) {
            fprintf(stderr, "sim7600-hil tap: the module's port %s failed; the capture so far is kept\n",
                    t->module.path);
            return HIL_EXIT_FAIL;
        }
        follow_host(t);
        if (attached && fds[3].revents)
            from_host(t, now);
    }
}

int hil_cmd_tap(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'p'}, {"baud", required_argument, NULL, 'b'},
        {"link", required_argument, NULL, 'l'}, {"out", required_argument, NULL, 'o'},
        {"backend", required_argument, NULL, 'B'}, {"help", no_argument, NULL, 'h'}, {0},
    };
    const char *port = NULL, *out = NULL, *link = NULL;
    int baud = 115200, c;
    enum sim7600_backend backend = SIM7600_BACKEND_AUTO;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': port = optarg; break;
        case 'o': out = optarg; break;
        case 'l': link = optarg; break;
        case 'b': baud = atoi(optarg); break;
        case 'B':
            if (sim7600_backend_parse(optarg, &backend) < 0) {
                fprintf(stderr, "sim7600-hil tap: --backend must be auto, termios or serialport, not '%s'\n", optarg);
                return HIL_EXIT_USAGE;
            }
            break;
        case 'h': tap_usage(stdout); return HIL_EXIT_OK;
        default: tap_usage(stderr); return HIL_EXIT_USAGE;
        }
    }
    if (!port || !out || baud <= 0) {
        fputs("sim7600-hil tap: --port and --out are required, and --baud must be positive\n", stderr);
        tap_usage(stderr);
        return HIL_EXIT_USAGE;
    }
    struct tap t = {0};
    char err[256];
    if (sim7600_serial_open(&t.module, port, baud, backend, err, sizeof err) < 0) {
        fprintf(stderr, "sim7600-hil tap: %s\n", err);
        return HIL_EXIT_FAIL;
    }
    if (pty_open(&t.host, link, err, sizeof err) < 0 ||
        capture_open(&t.cap, out, hil_now_us(), "sim7600-hil tap") < 0) {
        fprintf(stderr, "sim7600-hil tap: %s\n", t.host.master < 0 ? err : strerror(errno));
        sim7600_serial_close(&t.module);
        pty_close(&t.host);
        return HIL_EXIT_FAIL;
    }
    char what[300];
    snprintf(what, sizeof what, "module port %s at %d baud; passwords redacted", port, baud);
    capture_comment(&t.cap, what);
    redacted_capture_init(&t.rc, &t.cap);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
    printf("PTY %s\n", t.host.slave_path);
    fflush(stdout);
    int status = relay(&t, sigfd);
    redacted_capture_finish(&t.rc);
    capture_close(&t.cap);
    fprintf(stderr, "sim7600-hil tap: %llu bytes to the module, %llu from it, written to %s\n",
            (unsigned long long)t.bytes[0], (unsigned long long)t.bytes[1], out);
    close(sigfd);
    pty_close(&t.host);
    sim7600_serial_close(&t.module);
    return status;
}
