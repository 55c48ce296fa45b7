/* sim7600-mqtt: what the seed's ESP32 firmware did, on a Linux host --
 * connect, subscribe, publish periodically, print what arrives, and watch the
 * module's health. One thread owns the UART (the host runner); the publish,
 * receive and watchdog threads call the driver through it. */
#include <ctype.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app_options.h"
#include "sim7600_posix.h"
#include "tls_files.h"


struct app {
    struct opts o;
    struct sim7600_serial serial;
    struct sim7600_host host;
    struct app_tls tls;        /* the TLS files, alive as long as the driver */
    pthread_mutex_t out_mu;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, pub_done;
    long received;
    long published;            /* confirmed or queued */
    struct timespec pub_t0, pub_t1;
    int failure; /* exit status set by a worker */
    bool port_gone; /* the serial port vanished: the last line says so (say_port_gone) */
    long lost;      /* then: messages left in the outbox, -1 if they could not be counted */
};

static volatile sig_atomic_t g_signalled; /* the only global: signal handlers need one */

static void on_signal(int sig)
{
    (void)sig;
    g_signalled = 1;
}

/* ---- output --------------------------------------------------------------------- */

static void say(struct app *a, const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&a->out_mu);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    pthread_mutex_unlock(&a->out_mu);
}

/* Printable text: control and non-ASCII bytes as \xHH, CR/LF as \r \n. */
static void escape(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t i, o = 0;
    for (i = 0; i < n && o + 5 < cap; i++) {
        if (p[i] == '\r' || p[i] == '\n') {
            out[o++] = '\\';
            out[o++] = p[i] == '\r' ? 'r' : 'n';
        } else if (p[i] == '\\') {
            out[o++] = '\\';
            out[o++] = '\\';
        } else if (isprint(p[i])) {
            out[o++] = (char)p[i];
        } else {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", p[i]);
        }
    }
    out[o] = '\0';
}

static void fail(struct app *a, const char *what, int st)
{
    int code = sim7600_status_module_code(st);
    pthread_mutex_lock(&a->out_mu);
    fprintf(stderr, "sim7600-mqtt: %s failed at %s: %s [%s", what,
            sim7600_host_last_step(&a->host)[0] ? sim7600_host_last_step(&a->host) : "start",
            sim7600_strerror(st), sim7600_status_name(st));
    if (code >= 0)
        fprintf(stderr, ", module code %d", code);
    fprintf(stderr, "]\n");
    pthread_mutex_unlock(&a->out_mu);
}

static void on_event(void *ctx, enum sim7600_event ev, int status)
{
    struct app *a = ctx;
    switch (ev) {
    case SIM7600_EV_STATE:
        say(a, "state: %s", sim7600_state_str((enum sim7600_state)status));
        break;
    case SIM7600_EV_CONNLOST:
        say(a, "event: connection lost (cause %d)", status);
        break;
    case SIM7600_EV_RETRY:
        if (status == SIM7600_E_IO) { /* the port itself is gone: retrying cannot help */
            /* Said last, by main: a publish under way still ends (queued)
             * after this, and the count of what is lost is known only then. */
            pthread_mutex_lock(&a->mu);
            a->port_gone = true;
            a->failure = 1;
            a->stop = true;
            pthread_cond_broadcast(&a->cv);
            pthread_mutex_unlock(&a->mu);
            break;
        }
        say(a, "event: reconnect failed: %s [%s]; retrying", sim7600_strerror(status),
            sim7600_status_name(status));
        break;
    case SIM7600_EV_RECONNECTED:
        say(a, "event: reconnected (%d queued message(s) still to send)", status);
        break;
    case SIM7600_EV_REBOOT:
        say(a, "event: module rebooted (boot URCs seen); bringing it up again");
        break;
    case SIM7600_EV_SILENT:
        say(a, "event: module silent; reset hook %s", status == 0 ? "done" : "unavailable");
        break;
    case SIM7600_EV_ESCALATED:
        say(a, "event: reconnecting keeps failing; now: %s", sim7600_rung_str((enum sim7600_rung)status));
        break;
    default:
        say(a, "event: %s (%s)", sim7600_event_str(ev), sim7600_strerror(status));
        break;
    }
}

static void on_log(void *ctx, const char *what, const char *text, size_t len)
{
    struct app *a = ctx;
    char buf[512];
    if (!a->o.verbose)
        return;
    escape((const uint8_t *)text, len, buf, sizeof buf);
    say(a, "log: %s: %s", what, buf);
}

/* ---- worker threads ----------------------------------------------------------------- */

static bool stopping(struct app *a)
{
    bool s;
    pthread_mutex_lock(&a->mu);
    s = a->stop || g_signalled;
    pthread_mutex_unlock(&a->mu);
    return s;
}

static bool port_is_gone(struct app *a)
{
    bool gone;
    pthread_mutex_lock(&a->mu);
    gone = a->port_gone;
    pthread_mutex_unlock(&a->mu);
    return gone;
}

/* Waits ms or until stop; the interval is the application's schedule, not a
 * wait for the module. */
static void pause_ms(struct app *a, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&a->mu);
    while (!a->stop && !g_signalled) {
        if (pthread_cond_timedwait(&a->cv, &a->mu, &until) != 0)
            break;
    }
    pthread_mutex_unlock(&a->mu);
}

static void *publisher(void *arg)
{
    struct app *a = arg;
    long i;

    clock_gettime(CLOCK_MONOTONIC, &a->pub_t0);
    for (i = 1; (a->o.count == 0 || i <= a->o.count) && !stopping(a); i++) {
        char text[64];
        const char *msg = a->o.message;
        int st;
        if (msg == NULL) {
            snprintf(text, sizeof text, "message #%ld", i);
            msg = text;
        }
        st = sim7600_host_publish(&a->host, a->o.pub_topic, msg, strlen(msg), (uint8_t)a->o.qos,
                                  a->o.retain);
        if (st == SIM7600_OK || st == SIM7600_QUEUED) {
            a->published++;
            say(a, "%s: %s #%ld (qos %ld)", st == SIM7600_OK ? "published" : "queued",
                a->o.pub_topic, i, a->o.qos);
        }
        else
            say(a, "publish %s #%ld failed: %s [%s]", a->o.pub_topic, i, sim7600_strerror(st),
                sim7600_status_name(st));
        if (st == SIM7600_E_OUTBOX_FULL || st == SIM7600_E_PARAM || st == SIM7600_E_TOO_LONG) {
            pthread_mutex_lock(&a->mu);
            a->failure = 1;
            a->stop = true;
            pthread_mutex_unlock(&a->mu);
            break;
        }
        if (a->o.interval_ms > 0 && (a->o.count == 0 || i < a->o.count))
            pause_ms(a, a->o.interval_ms);
    }
    clock_gettime(CLOCK_MONOTONIC, &a->pub_t1);
    pthread_mutex_lock(&a->mu);
    a->pub_done = true;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

static void *receiver(void *arg)
{
    struct app *a = arg;
    while (!stopping(a)) {
        struct sim7600_host_msg m;
        char text[1024];
        if (sim7600_host_recv(&a->host, &m, 200) != 1)
            continue;
        escape(m.payload, m.payload_len, text, sizeof text);
        say(a, "message: %s %s%s", m.topic, text, m.truncated ? " (truncated)" : "");
        sim7600_host_msg_free(&m);
        pthread_mutex_lock(&a->mu);
        a->received++;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
    }
    return NULL;
}

static void report_health(struct app *a)
{
    struct sim7600_health h;
    int st = sim7600_host_health(&a->host, &h);
    if (st != SIM7600_OK) {
        say(a, "health: check failed: %s [%s]", sim7600_strerror(st), sim7600_status_name(st));
        return;
    }
    say(a, "health: state=%s rssi=%d creg=%d cgreg=%d cereg=%d outbox=%zu reconnects=%u "
           "resets=%u reboots=%u timeouts=%u",
        sim7600_state_str(h.state), h.rssi, h.creg, h.cgreg, h.cereg, h.outbox, h.reconnects,
        h.resets, h.reboots, h.timeouts);
}

static void *watchdog(void *arg)
{
    struct app *a = arg;
    for (;;) {
        pause_ms(a, a->o.health_ms);
        if (stopping(a))
            break;
        report_health(a);
    }
    return NULL;
}

/* ---- main ----------------------------------------------------------------------------- */

/* What TLS will do, by file name and size: never a key's or password's content. */
static void say_tls(struct app *a)
{
    static const char *const auth[] = {"no verification", "the broker verified",
                                       "mutual: broker and client verified",
                                       "client certificate only"};
    const struct sim7600_tls *t = &a->tls.tls;
    unsigned mode = sim7600_tls_authmode(t);

    say(a, "step: TLS to %s (%s): ca %s (%zu B), client certificate %s (%zu B), key %s%s",
        a->o.broker_tcp, auth[mode], t->ca.name != NULL ? t->ca.name : "none", t->ca.len,
        t->cert.name != NULL ? t->cert.name : "none", t->cert.len,
        t->key.name != NULL ? t->key.name : "none",
        t->key_password != NULL ? " with a password" : "");
}

static int open_and_connect(struct app *a)
{
    struct sim7600_host_config hc;
    char err[512];
    int st, i;

    if (a->o.tls && app_tls_load(&a->o, &a->tls) != 0)
        return 2; /* said which file and why */
    if (sim7600_serial_open(&a->serial, a->o.port, (int)a->o.baud, a->o.backend, err,
                            sizeof err) != 0) {
        fprintf(stderr, "sim7600-mqtt: cannot open the port: %s\n", err);
        return 1;
    }
    say(a, "step: opened %s (%s, %ld baud)", a->o.port, sim7600_backend_str(a->serial.backend),
        a->o.baud);
    memset(&hc, 0, sizeof hc);
    hc.drv.apn = a->o.apn;
    hc.drv.apn_user = a->o.apn_user;
    hc.drv.apn_pass = a->o.apn_pass;
    hc.drv.broker = a->o.broker_tcp;
    if (a->o.tls) {
        hc.drv.tls = &a->tls.tls;
        say_tls(a);
    }
    hc.drv.client_id = a->o.client_id;
    hc.drv.user = a->o.user;
    hc.drv.pass = a->o.pass;
    hc.drv.keepalive_s = (uint16_t)a->o.keepalive;
    hc.drv.clean_session = true;
    hc.on_event = on_event;
    hc.on_log = on_log;
    hc.ctx = a;
    st = sim7600_host_start(&a->host, &a->serial, &hc);
    if (st != SIM7600_OK) {
        fail(a, "start", st);
        return 1;
    }
    say(a, "step: connecting to %s as %s%s", a->o.broker_tcp, a->o.client_id,
        a->o.user != NULL ? " with credentials" : "");
    st = sim7600_host_connect(&a->host);
    if (st != SIM7600_OK) {
        fail(a, "connect", st);
        return 1;
    }
    for (i = 0; i < a->o.n_subs; i++) {
        st = sim7600_host_subscribe(&a->host, a->o.subs[i], (uint8_t)a->o.qos);
        if (st != SIM7600_OK && st != SIM7600_QUEUED) {
            fail(a, "subscribe", st);
            return 1;
        }
        say(a, "subscribed: %s (qos %ld)", a->o.subs[i], a->o.qos);
    }
    return 0;
}

/* Done when publishing finished, the outbox drained, and the receive goal
 * (--rx-count) or the --duration is reached. */
static bool work_done(struct app *a, struct timespec *t_pub_done)
{
    struct timespec now;
    bool done;
    pthread_mutex_lock(&a->mu);
    done = a->pub_done && (a->o.rx_count == 0 || a->received >= a->o.rx_count);
    pthread_mutex_unlock(&a->mu);
    if (!done)
        return false;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (t_pub_done->tv_sec == 0)
        *t_pub_done = now;
    if (a->o.pub_topic == NULL && a->o.rx_count == 0 && a->o.duration_ms == 0)
        return false; /* subscriber only: until Ctrl-C */
    return (now.tv_sec - t_pub_done->tv_sec) * 1000 +
               (now.tv_nsec - t_pub_done->tv_nsec) / 1000000 >= a->o.duration_ms;
}

/* Messages in the outbox, as the driver counts them; -1 if unknown. The
 * health request also asks the module, which fails on a dead port, but the
 * count is the driver's own: it is filled all the same. */
static long outbox_count(struct app *a, int *status)
{
    struct sim7600_health h;
    h.outbox = SIZE_MAX; /* stays so if the driver filled nothing */
    *status = sim7600_host_health(&a->host, &h);
    return h.outbox == SIZE_MAX ? -1 : (long)h.outbox;
}

/* -1 also when the module did not answer the health request. */
static int outbox_left(struct app *a)
{
    int st;
    long n = outbox_count(a, &st);
    return st == SIM7600_OK ? (int)n : -1;
}

/* The last line when the port vanished; nothing can follow it. */
static void say_port_gone(const struct app *a)
{
    fprintf(stderr, "sim7600-mqtt: giving up: the serial port %s is gone (module unplugged or "
                    "simulator stopped)", a->o.port);
    if (a->o.pub_topic != NULL && a->o.qos > 0) {
        if (a->lost >= 0)
            fprintf(stderr, "; %ld queued QoS %ld message(s) were not delivered", a->lost, a->o.qos);
        else
            fprintf(stderr, "; the queued QoS %ld messages could not be counted", a->o.qos);
    }
    fputc('\n', stderr);
}

static int run(struct app *a)
{
    pthread_t tp, tr, tw;
    struct timespec t_done = {0, 0};
    int rc = open_and_connect(a);

    if (rc != 0)
        return rc;
    pthread_create(&tr, NULL, receiver, a);
    if (a->o.health_ms > 0)
        pthread_create(&tw, NULL, watchdog, a);
    if (a->o.pub_topic != NULL)
        pthread_create(&tp, NULL, publisher, a);
    else
        a->pub_done = true;
    while (!stopping(a) && !work_done(a, &t_done))
        pause_ms(a, 100);
    if (a->o.pub_topic != NULL)
        pthread_join(tp, NULL);
    while (!stopping(a) && a->o.qos > 0 && outbox_left(a) > 0)
        pause_ms(a, 200);
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(tr, NULL);
    if (a->o.health_ms > 0)
        pthread_join(tw, NULL);
    if (port_is_gone(a)) {
        int st;
        a->lost = outbox_count(a, &st); /* every worker has stopped: nothing more is queued */
    }
    if (a->failure != 0)
        return a->failure;
    rc = sim7600_host_disconnect(&a->host);
    if (rc != SIM7600_OK)
        say(a, "step: disconnect: %s [%s]", sim7600_strerror(rc), sim7600_status_name(rc));
    else
        say(a, "step: disconnected");
    if (a->o.pub_topic != NULL) {
        double ms = (double)(a->pub_t1.tv_sec - a->pub_t0.tv_sec) * 1e3 +
                    (double)(a->pub_t1.tv_nsec - a->pub_t0.tv_nsec) / 1e6;
        say(a, "stats: %ld publish(es) in %.1f ms (%.1f/s)", a->published, ms,
            ms > 0 ? (double)a->published * 1000.0 / ms : 0.0);
    }
    say(a, "done: %ld message(s) received", a->received);
    return a->failure;
}

int main(int argc, char **argv)
{
    struct app *a = calloc(1, sizeof *a);
    struct sigaction sa;
    int rc;

    if (a == NULL)
        return 1;
    a->lost = -1; /* until counted */
    rc = app_parse_args(&a->o, argc, argv);
    if (rc != 0) {
        free(a);
        return rc;
    }
    if (a->o.list_ports) {
        rc = sim7600_list_ports(stdout);
        if (rc < 0)
            fprintf(stderr, "sim7600-mqtt: cannot list serial ports\n");
        else if (rc == 0)
            printf("no serial ports found\n");
        free(a);
        return rc < 0 ? 1 : 0;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    pthread_mutex_init(&a->out_mu, NULL);
    pthread_mutex_init(&a->mu, NULL);
    {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&a->cv, &ca);
        pthread_condattr_destroy(&ca);
    }
    rc = run(a);
    sim7600_host_stop(&a->host); /* its thread's last events are printed by now */
    if (a->port_gone)
        say_port_gone(a);
    if (a->serial.wake[0] > 0 || a->serial.fd >= 0)
        sim7600_serial_close(&a->serial);
    app_tls_free(&a->tls);
    free(a);
    return rc;
}
