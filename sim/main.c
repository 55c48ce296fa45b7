/* sim7600-sim: the simulated module on a pseudo-terminal. This file is the
 * edge: options, the clock, the pty, the control socket, the capture log and
 * the poll loop. The module itself is sim.c and the files it uses. */
#include "capture.h"
#include "control_socket.h"
#include "link_mosquitto.h"
#include "module_models.h"
#include "net_posix.h"
#include "parse_num.h"
#include "pty_port.h"
#include "redacted_capture.h"
#include "replay.h"
#include "sim.h"
#include "state_dir.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define VERSION "0.1.0"
/* While nobody has opened the pty yet, poll(2) cannot tell when it has room;
 * without inotify, this is also how often an absent host is looked for. */
#define WAITING_RETRY_US 20000
/* A socket's connect that gets no answer fails (+CIPOPEN: <link>,10) after
 * AT+CIPTIMEOUT's power-on value for it (findings §25). */
#define NET_CONNECT_TIMEOUT_MS 120000
#define PATH_MAX_ERR 4400       /* an error naming a path of up to PATH_MAX bytes */

struct options {
    struct sim_config cfg;
    const char *link, *control, *log;
    const char *state_dir;      /* --state-dir: the certificate store kept between runs */
    uint32_t control_idle_ms;   /* silent this long, a control connection may lose its slot */
    bool real_broker;           /* --broker tcp[://HOST:PORT] */
    char broker_host[257];      /* empty: where AT+CMQTTCONNECT says */
    int broker_port;
    uint32_t connack_timeout_ms;
    const char *replay;         /* a capture to answer from */
    double replay_speed;
    bool replay_strict;
    bool no_net;                /* --net none */
    struct net_posix_config net;    /* --net-map rules, in order */
};

static void usage(FILE *f)
{
    fputs("Usage: sim7600-sim [OPTIONS]\n"
          "A simulated SIMCom SIM7600 module on a pseudo-terminal. Open the printed path\n"
          "like a serial port and type AT commands. The first line on stdout is\n"
          "\"PTY <path>\"; the module serves until SIGINT or SIGTERM.\n\n"
          "  --link PATH            also make PATH a symlink to the pty (removed on exit);\n"
          "                         only a stale link left by a simulator is replaced there\n"
          "  --profile cold|warm    cold (default): powered on when the port is first opened:\n"
          "                         deaf, then RDY, +CPIN: READY, SMS DONE, PB DONE;\n"
          "                         warm: MQTT service started and client 0 acquired, as a\n"
          "                         module that stayed powered through a host reset\n"
          "  --baud N               pace output at N baud, 8N1 (default 115200; 0 = unpaced)\n"
          "  --latency fast|realistic  fast (default): answers at once, boots in about\n"
          "                         0.2 s; realistic: the delays a real module takes\n"
          "                         (a 16 s boot, CONNECT, PUB...)\n"
          "  --control PATH         Unix socket taking control commands (see README); only\n"
          "                         a stale socket nobody listens on is replaced there\n"
          "  --control-idle-ms MS   with all 16 control connections taken, a new one takes the\n"
          "                         slot of the one silent the longest if it has been silent\n"
          "                         MS or more ('watch' ones excepted; default 2000)\n"
          "  --log FILE             write every byte both ways in the capture format; keys,\n"
          "                         passwords and credentials are written as ***\n"
          "  --data-timeout MS      a '>' data phase with no input for MS ends with ERROR\n"
          "                         (default 10000)\n"
          "  --no-sim               start with no SIM card inserted\n"
          "  --rssi N               signal quality, 0-31 or 99 (default 23)\n"
          "  --reg STAT             registration state 0-5 (default 1, home network)\n"
          "  --model NAME           the module variant: its identity (ATI, AT+CGMM, AT+CGMR,\n"
          "                         AT+SIMCOMATI) and behaviour; the models are listed below\n"
          "  --rx-chunk N           bytes per +CMQTTRXTOPIC/+CMQTTRXPAYLOAD chunk (default 500)\n"
          "  --broker embedded|tcp|tcp://HOST:PORT\n"
          "                         embedded (default): a broker inside the simulator, no\n"
          "                         network; tcp: real MQTT to the server AT+CMQTTCONNECT\n"
          "                         names; tcp://HOST:PORT: real MQTT, always to HOST:PORT\n"
          "  --connack-timeout MS   with a real broker: CONNECT gives 17 when no CONNACK\n"
          "                         comes within MS (default 10000)\n"
          "  --net host|none        what is behind the module's sockets and SSL sessions:\n"
          "                         host (default): real TCP/UDP connections from this host;\n"
          "                         none: no network, every open fails\n"
          "  --net-map FROM=TO      a socket (or SSL session) to FROM (HOST:PORT) connects to\n"
          "                         TO (HOST:PORT)\n"
          "                         instead; FROM's HOST or PORT may be *, TO's PORT may be *\n"
          "                         (the same port); repeatable, the first match wins. E.g.\n"
          "                         --net-map cloud.example.com:8883=127.0.0.1:18883\n"
          "  --replay FILE          answer from a captured log (capture format): each line\n"
          "                         the host sends as the log did releases what the module\n"
          "                         printed then; a departure is reported on stderr and\n"
          "                         in the state, then the model answers\n"
          "  --replay-speed X       play the log's timing X times as fast (default 1)\n"
          "  --replay-strict        after a departure from the log, answer nothing\n"
          "  --state-dir DIR        keep the module's flash (its certificate store,\n"
          "                         AT+CCERTDOWN) in DIR between runs; made if missing\n"
          "  -h, --help             this help;  --version  the version\n",
          f);
    struct strbuf models = {0};
    module_model_list(&models);
    fprintf(f, "\nModels: %s (default %s).\n", sb_str(&models), module_model_default()->name);
    sb_free(&models);
}

static int bad_option(const char *what, const char *value)
{
    fprintf(stderr, "sim7600-sim: %s: '%s' (see sim7600-sim --help)\n", what, value);
    return -1;
}

static int bad_model(const char *name)
{
    struct strbuf known = {0};
    module_model_list(&known);
    fprintf(stderr, "sim7600-sim: --model: unknown module '%s'; known models: %s\n", name, sb_str(&known));
    sb_free(&known);
    return -1;
}

static int parse_broker(const char *text, struct options *o)
{
    long port;
    if (strcmp(text, "embedded") == 0 || strcmp(text, "tcp") == 0) {
        o->real_broker = text[0] == 't';
        return 0;
    }
    if (strncmp(text, "tcp://", 6) != 0)
        return -1;
    const char *host = text + 6, *colon = strrchr(host, ':');
    if (!colon || colon == host || (size_t)(colon - host) >= sizeof o->broker_host ||
        !parse_long(colon + 1, 1, 65535, &port))
        return -1;
    memcpy(o->broker_host, host, (size_t)(colon - host));
    o->broker_host[colon - host] = '\0';
    o->broker_port = (int)port;
    o->real_broker = true;
    return 0;
}

/* Returns 0 to run, 1 to exit successfully (--help), -1 on a bad option. */
static int parse_options(int argc, char **argv, struct options *o)
{
    enum { OPT_LINK = 256, OPT_PROFILE, OPT_BAUD, OPT_LATENCY, OPT_CONTROL, OPT_LOG,
           OPT_DATA_TIMEOUT, OPT_NO_SIM, OPT_RSSI, OPT_REG, OPT_RX_CHUNK, OPT_BROKER,
           OPT_CONNACK_TIMEOUT, OPT_REPLAY, OPT_REPLAY_SPEED, OPT_REPLAY_STRICT, OPT_CONTROL_IDLE_MS,
           OPT_MODEL, OPT_NET, OPT_NET_MAP, OPT_STATE_DIR, OPT_VERSION };
    static const struct option longopts[] = {
        {"link", required_argument, NULL, OPT_LINK}, {"profile", required_argument, NULL, OPT_PROFILE},
        {"baud", required_argument, NULL, OPT_BAUD}, {"latency", required_argument, NULL, OPT_LATENCY},
        {"control", required_argument, NULL, OPT_CONTROL}, {"log", required_argument, NULL, OPT_LOG},
        {"data-timeout", required_argument, NULL, OPT_DATA_TIMEOUT}, {"no-sim", no_argument, NULL, OPT_NO_SIM},
        {"rssi", required_argument, NULL, OPT_RSSI}, {"reg", required_argument, NULL, OPT_REG},
        {"rx-chunk", required_argument, NULL, OPT_RX_CHUNK}, {"broker", required_argument, NULL, OPT_BROKER},
        {"connack-timeout", required_argument, NULL, OPT_CONNACK_TIMEOUT},
        {"replay", required_argument, NULL, OPT_REPLAY}, {"replay-speed", required_argument, NULL, OPT_REPLAY_SPEED},
        {"replay-strict", no_argument, NULL, OPT_REPLAY_STRICT},
        {"control-idle-ms", required_argument, NULL, OPT_CONTROL_IDLE_MS},
        {"model", required_argument, NULL, OPT_MODEL},
        {"net", required_argument, NULL, OPT_NET}, {"net-map", required_argument, NULL, OPT_NET_MAP},
        {"state-dir", required_argument, NULL, OPT_STATE_DIR},
        {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, OPT_VERSION}, {0},
    };
    sim_config_defaults(&o->cfg);
    o->cfg.power_on_at_open = true;   /* a host that is not there yet cannot miss the boot */
    o->connack_timeout_ms = 10000;
    o->control_idle_ms = CONTROL_IDLE_MS_DEFAULT;
    o->replay_speed = 1.0;
    o->net.connect_timeout_ms = NET_CONNECT_TIMEOUT_MS;
    int c;
    long v;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_LINK: o->link = optarg; break;
        case OPT_CONTROL: o->control = optarg; break;
        case OPT_LOG: o->log = optarg; break;
        case OPT_STATE_DIR: o->state_dir = optarg; break;
        case OPT_NO_SIM: o->cfg.sim_present = false; break;
        case OPT_PROFILE:
            if (strcmp(optarg, "cold") && strcmp(optarg, "warm"))
                return bad_option("--profile must be cold or warm", optarg);
            o->cfg.profile = strcmp(optarg, "warm") == 0 ? SIM_PROFILE_WARM : SIM_PROFILE_COLD;
            break;
        case OPT_LATENCY:
            if (strcmp(optarg, "fast") && strcmp(optarg, "realistic"))
                return bad_option("--latency must be fast or realistic", optarg);
            o->cfg.latency = strcmp(optarg, "realistic") == 0 ? SIM_LATENCY_REALISTIC : SIM_LATENCY_FAST;
            break;
        case OPT_BAUD:
            if (!parse_long(optarg, 0, 4000000, &v))
                return bad_option("--baud must be 0 (unpaced) to 4000000", optarg);
            o->cfg.baud = (uint32_t)v;
            break;
        case OPT_DATA_TIMEOUT:
            if (!parse_long(optarg, 1, 3600000, &v))
                return bad_option("--data-timeout must be 1 to 3600000 ms", optarg);
            o->cfg.data_timeout_ms = (uint32_t)v;
            break;
        case OPT_RSSI:
            if (!parse_long(optarg, 0, 99, &v) || (v > 31 && v != 99))
                return bad_option("--rssi must be 0-31 or 99", optarg);
            o->cfg.rssi = (int)v;
            break;
        case OPT_REG:
            if (!parse_long(optarg, 0, 5, &v))
                return bad_option("--reg must be 0-5", optarg);
            o->cfg.reg_stat = (int)v;
            break;
        case OPT_RX_CHUNK:
            if (!parse_long(optarg, 1, 10240, &v))
                return bad_option("--rx-chunk must be 1 to 10240 bytes", optarg);
            o->cfg.rx_chunk = (uint32_t)v;
            break;
        case OPT_BROKER:
            if (parse_broker(optarg, o) < 0)
                return bad_option("--broker must be embedded, tcp or tcp://HOST:PORT", optarg);
            break;
        case OPT_CONNACK_TIMEOUT:
            if (!parse_long(optarg, 1, 3600000, &v))
                return bad_option("--connack-timeout must be 1 to 3600000 ms", optarg);
            o->connack_timeout_ms = (uint32_t)v;
            break;
        case OPT_CONTROL_IDLE_MS:
            if (!parse_long(optarg, 1, 3600000, &v))
                return bad_option("--control-idle-ms must be 1 to 3600000 ms", optarg);
            o->control_idle_ms = (uint32_t)v;
            break;
        case OPT_MODEL:
            if (!(o->cfg.model = module_model_find(optarg)))
                return bad_model(optarg);
            break;
        case OPT_NET:
            if (strcmp(optarg, "host") && strcmp(optarg, "none"))
                return bad_option("--net must be host or none", optarg);
            o->no_net = strcmp(optarg, "none") == 0;
            break;
        case OPT_NET_MAP: {
            char err[512];
            if (net_map_add(&o->net.map, optarg, err, sizeof err) < 0) {
                fprintf(stderr, "sim7600-sim: %s\n", err);
                return -1;
            }
            break;
        }
        case OPT_REPLAY: o->replay = optarg; break;
        case OPT_REPLAY_STRICT: o->replay_strict = true; break;
        case OPT_REPLAY_SPEED: {
            char *end;
            o->replay_speed = strtod(optarg, &end);
            if (*end || !(o->replay_speed > 0 && o->replay_speed <= 10000))
                return bad_option("--replay-speed must be a number above 0 (2 = twice as fast)", optarg);
            break;
        }
        case 'h': usage(stdout); return 1;
        case OPT_VERSION: puts("sim7600-sim " VERSION); return 1;
        default: return -1;   /* getopt printed the problem */
        }
    }
    if (optind < argc)
        return bad_option("unexpected argument", argv[optind]);
    return 0;
}

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct app {
    struct sim *sim;
    bool replay_strict;
    bool divergence_told;
    struct link_mosquitto *broker;      /* NULL: the embedded broker */
    struct net_posix *net;              /* NULL: --net none */
    uint64_t net_now;                   /* the time of the pass whose network events are handed over */
    struct sim_pty pty;
    struct control_server control;
    struct capture log;
    struct redacted_capture redacted_log;   /* --log goes through it: no key or password in the file */
    int signal_fd;
    const char *state_dir;              /* NULL: the store lives as long as the process */
};

static void on_publish(void *ctx, const char *topic, size_t tlen, const uint8_t *payload, size_t plen,
                       int qos, bool retain)
{
    struct app *app = ctx;
    struct strbuf line = {0};
    sb_printf(&line, "MSG %d %d ", qos, retain);
    sb_c_quote(&line, topic, tlen);
    sb_puts(&line, " ");
    sb_c_quote(&line, payload, plen);
    control_broadcast(&app->control, line.p, line.len);
    sb_free(&line);
}

/* Writes what the wire lets out by now. */
static void flush_output(struct app *app, uint64_t now)
{
    uint8_t buf[4096];
    for (;;) {
        size_t n = sim_take_output(app->sim, buf, sizeof buf, now);
        if (n == 0)
            return;
        ssize_t w = write(app->pty.master, buf, n);
        if (w < 0)
            w = 0;
        redacted_capture_bytes(&app->redacted_log, CAPTURE_FROM_MODULE, buf, (size_t)w, now);
        if ((size_t)w < n) {
            sim_unread_output(app->sim, n - (size_t)w);
            return;
        }
    }
}

static void host_gone(struct app *app, uint64_t now)
{
    app->pty.host = PTY_HOST_GONE;
    sim_set_host_attached(app->sim, false, now);
    redacted_capture_comment(&app->redacted_log, "the host closed the port");
}

static void read_host(struct app *app, uint64_t now)
{
    uint8_t buf[4096];
    for (size_t room; (room = sim_input_room(app->sim)) > 0;) {
        size_t want = room < sizeof buf ? room : sizeof buf;
        ssize_t n = read(app->pty.master, buf, want);
        if (n > 0) {
            redacted_capture_bytes(&app->redacted_log, CAPTURE_TO_MODULE, buf, (size_t)n, now);
            sim_input(app->sim, buf, (size_t)n, now);
            if ((size_t)n < want)
                return;               /* drained: a read more would only say EAGAIN (poll tells of more) */
            continue;
        }
        if (n < 0 && errno == EIO && app->pty.host == PTY_HOST_ATTACHED)
            host_gone(app, now);      /* nobody holds the slave; the watch will confirm */
        return;
    }
}

/* A departure from the replayed log is told once, when it happens. */
static void tell_divergence(struct app *app)
{
    const char *d = sim_replay_divergence(app->sim);
    if (app->divergence_told || !*d)
        return;
    app->divergence_told = true;
    fprintf(stderr, "sim7600-sim: the host departed from the replayed log at %s; %s\n", d,
            app->replay_strict ? "--replay-strict: the module answers nothing more"
                               : "the model answers from here");
}

/* Opens and closes of the slave, in the order they happened. Handled before
 * the master is read, so a host that closes and reopens the port at once
 * starts afresh instead of feeding the old host's half-typed command. */
static void follow_host(struct app *app, uint64_t now)
{
    enum pty_change changes[16];
    int n = pty_watch_changes(&app->pty, changes, 16);
    for (int i = 0; i < n; i++) {
        bool reopened = i + 1 < n && changes[i + 1] == PTY_HOST_CAME;
        if (changes[i] == PTY_HOST_CAME) {
            app->pty.host = PTY_HOST_ATTACHED;
            sim_set_host_attached(app->sim, true, now);
            redacted_capture_comment(&app->redacted_log, "a host opened the port");
        } else if (app->pty.host != PTY_HOST_NOT_YET) {   /* NOT_YET: our own setup descriptor */
            if (!reopened)
                tcflush(app->pty.master, TCIFLUSH);    /* unread bytes of a host that left */
            if (app->pty.host != PTY_HOST_GONE)
                host_gone(app, now);
        }
    }
}

/* Without inotify: a host is attached while the master shows no hang-up. */
static void look_for_host(struct app *app, uint64_t now)
{
    if (app->pty.host == PTY_HOST_ATTACHED || !pty_host_present(&app->pty))
        return;
    app->pty.host = PTY_HOST_ATTACHED;
    sim_set_host_attached(app->sim, true, now);
    redacted_capture_comment(&app->redacted_log, "a host opened the port");
}

/* Microseconds matter: at 115200 baud a byte takes 87 µs, and a loop that
 * rounds its sleeps to milliseconds would slow every exchange. */
static struct timespec *poll_timeout(struct app *app, uint64_t now, struct timespec *ts)
{
    uint64_t next = sim_next_deadline(app->sim);
    if (app->net && net_posix_next_deadline(app->net) < next)
        next = net_posix_next_deadline(app->net);
    bool looking = app->pty.watch < 0 && app->pty.host != PTY_HOST_ATTACHED;
    if (looking && next > now + WAITING_RETRY_US)
        next = now + WAITING_RETRY_US;
    if (app->pty.host == PTY_HOST_NOT_YET && next != UINT64_MAX && next < now + WAITING_RETRY_US)
        next = now + WAITING_RETRY_US;
    if (next == UINT64_MAX)
        return NULL;
    uint64_t wait = next > now ? next - now : 0;
    ts->tv_sec = (time_t)(wait / 1000000u);
    ts->tv_nsec = (long)(wait % 1000000u) * 1000;
    return ts;
}

static void deliver_net_event(void *ctx, const struct sim_net_event *ev)
{
    struct app *app = ctx;
    sim_net_event(app->sim, ev, app->net_now);
}

/* What AT+CCERTDOWN and AT+CCERTDELE changed goes to --state-dir at once; a
 * failure is told and the store stays in memory. */
static void save_state(struct app *app)
{
    char err[PATH_MAX_ERR];
    if (app->state_dir && state_dir_save(app->sim, app->state_dir, err, sizeof err) < 0)
        fprintf(stderr, "sim7600-sim: the certificate store was not saved in %s: %s; the module keeps it "
                        "until it exits\n", app->state_dir, err);
}

/* What the calls into the core left for the edge, handled before the loop
 * sleeps, since nothing else may wake it: a departure from a strict replay
 * told, the network asked for what the commands wanted (its immediate answers
 * handed back), the certificate store saved. Run once a pass, after sim_tick:
 * that follows the last pass's host bytes (unpaced ones reach the core in
 * read_host) and control commands, and delivers the paced ones itself. */
static void after_core(struct app *app, uint64_t now)
{
    tell_divergence(app);
    if (app->net) {
        app->net_now = now;
        net_posix_handle(app->net, NULL, 0, now, deliver_net_event, app);
    }
    save_state(app);
}

static int serve(struct app *app)
{
    for (;;) {
        uint64_t now = mono_us();
        sim_tick(app->sim, now);
        after_core(app, now);
        if (app->pty.host != PTY_HOST_GONE)
            flush_output(app, now);
        /* what every call into the core published (the last pass's host
         * bytes, link reports and control commands, and this tick), out to
         * the watchers here, never from inside a command */
        sim_flush_published(app->sim);
        struct pollfd fds[4 + NET_POSIX_POLLFDS + CONTROL_MAX_CLIENTS + 1];
        size_t n = 0;
        fds[n++] = (struct pollfd){.fd = app->signal_fd, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = app->pty.watch, .events = POLLIN};   /* -1: ignored */
        /* a master with no slave holder reports POLLHUP forever: poll it only while attached */
        bool attached = app->pty.host == PTY_HOST_ATTACHED;
        size_t master_at = n;
        if (attached)   /* a full wire reads nothing: the host's writes wait in the pty */
            fds[n++] = (struct pollfd){.fd = app->pty.master, .events = sim_input_room(app->sim) ? POLLIN : 0};
        size_t broker_at = n;
        if (app->broker)
            fds[n++] = (struct pollfd){.fd = link_mosquitto_fd(app->broker), .events = POLLIN};
        size_t net_at = n, net_n = app->net ? net_posix_pollfds(app->net, fds + n, NET_POSIX_POLLFDS) : 0;
        n += net_n;
        size_t ctl_at = n;
        n += control_pollfds(&app->control, fds + n, sizeof fds / sizeof fds[0] - n);
        struct timespec ts;
        if (ppoll(fds, n, poll_timeout(app, now, &ts), NULL) < 0 && errno != EINTR) {
            perror("sim7600-sim: poll");
            return 1;
        }
        now = mono_us();
        if (fds[0].revents)
            return 0;
        if (fds[1].revents)
            follow_host(app, now);
        else if (app->pty.watch < 0)
            look_for_host(app, now);
        if (app->broker && fds[broker_at].revents)
            link_mosquitto_dispatch(app->broker, app->sim, now);
        if (app->net) {
            app->net_now = now;
            net_posix_handle(app->net, fds + net_at, net_n, now, deliver_net_event, app);
        }
        if (attached && fds[master_at].revents && app->pty.host == PTY_HOST_ATTACHED)
            read_host(app, now);
        control_handle(&app->control, fds + ctl_at, n - ctl_at, app->sim, now);
    }
}

static int setup(struct app *app, const struct options *o)
{
    char err[256];
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    app->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC);
    app->control.listen_fd = -1;
    /* the paths others find us by first: a refused one leaves everything, the log too, untouched */
    if (pty_open(&app->pty, o->link, err, sizeof err) < 0) {
        fprintf(stderr, "sim7600-sim: %s\n", err);
        return -1;
    }
    if (o->control && control_open(&app->control, o->control, o->control_idle_ms, err, sizeof err) < 0) {
        fprintf(stderr, "sim7600-sim: %s\n", err);
        return -1;
    }
    uint64_t now = mono_us();
    if (o->log && capture_open(&app->log, o->log, now, "sim7600-sim") < 0) {
        fprintf(stderr, "sim7600-sim: cannot write the log %s: %s\n", o->log, strerror(errno));
        return -1;
    }
    if (o->log)
        redacted_capture_init(&app->redacted_log, &app->log);
    app->sim = sim_create(&o->cfg, now);
    if (o->state_dir) {
        char why[PATH_MAX_ERR];
        if (state_dir_load(app->sim, o->state_dir, why, sizeof why) < 0) {
            fprintf(stderr, "sim7600-sim: %s\n", why);
            return -1;
        }
        app->state_dir = o->state_dir;
    }
    sim_set_publish_observer(app->sim, on_publish, app);
    if (o->replay) {
        struct replay *r = replay_load(o->replay, o->replay_speed, err, sizeof err);
        if (!r) {
            fprintf(stderr, "sim7600-sim: %s\n", err);
            return -1;
        }
        app->replay_strict = o->replay_strict;
        sim_set_replay(app->sim, r, o->replay_strict, now);
    }
    if (o->real_broker) {
        app->broker = link_mosquitto_create(o->broker_host[0] ? o->broker_host : NULL, o->broker_port,
                                            o->connack_timeout_ms, err, sizeof err);
        if (!app->broker) {
            fprintf(stderr, "sim7600-sim: %s\n", err);
            return -1;
        }
        sim_set_link(app->sim, &link_mosquitto_ops, app->broker);
    }
    if (!o->no_net) {
        if (!(app->net = net_posix_create(&o->net, err, sizeof err))) {
            fprintf(stderr, "sim7600-sim: %s\n", err);
            return -1;
        }
        sim_set_net(app->sim, &net_posix_ops, app->net);
    }
    return 0;
}

static void teardown(struct app *app)
{
    link_mosquitto_destroy(app->broker);
    sim_destroy(app->sim);              /* first: dropping its links may still ask the network */
    net_posix_destroy(app->net);
    control_close(&app->control);
    pty_close(&app->pty);
    redacted_capture_finish(&app->redacted_log);
    capture_close(&app->log);
    if (app->signal_fd >= 0)
        close(app->signal_fd);
}

int main(int argc, char **argv)
{
    struct options o = {0};
    int r = parse_options(argc, argv, &o);
    if (r != 0)
        return r > 0 ? 0 : 2;
    struct app app = {.signal_fd = -1};
    if (setup(&app, &o) < 0) {
        teardown(&app);
        return 1;
    }
    printf("PTY %s\n", app.pty.slave_path);
    fflush(stdout);
    int status = serve(&app);
    teardown(&app);
    return status;
}
