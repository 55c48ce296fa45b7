#include "run_internal.h"

#include "alloc.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hil_clock.h"
#include "program_run.h"
#include "run_tls.h"
#include "scenario_sim.h"

static const char *const verdict_names[] = {[RUN_PASS] = "pass", [RUN_FAIL] = "FAIL", [RUN_SKIP] = "skip"};

const char *run_verdict_str(enum run_verdict v)
{
    return verdict_names[v];
}

void run_report_free(struct run_report *r)
{
    sb_free(&r->why);
    sb_free(&r->skipped);
    sb_free(&r->notes);
    sb_free(&r->tail);
    sb_free(&r->capture);
}

int run_fail(struct run *r, const char *fmt, ...)
{
    if (r->rep->verdict == RUN_FAIL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    r->rep->verdict = RUN_FAIL;
    sb_vprintf(&r->rep->why, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- the recording port: the driver's port, with every byte in the transcript ---- */

static int rec_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct run *r = ctx;
    int n = r->serial.port.write(r->serial.port.ctx, buf, len);
    transcript_record(&r->tr, CAPTURE_TO_MODULE, buf, len, hil_now_us());
    if (n < 0)
        r->wire_broken = true;
    return n;
}

static int rec_read(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
    struct run *r = ctx;
    int n = r->serial.port.read(r->serial.port.ctx, buf, cap, timeout_ms);
    if (n > 0) {
        transcript_record(&r->tr, CAPTURE_FROM_MODULE, buf, (size_t)n, hil_now_us());
        r->rx_bytes += (uint64_t)n;
    } else if (n < 0) {
        r->wire_broken = true;   /* EIO or hang-up: it would fail again at once, every time */
    }
    return n;
}

static uint32_t rec_now_ms(void *ctx)
{
    struct run *r = ctx;
    return r->serial.port.now_ms(r->serial.port.ctx);
}

static void rec_sleep_ms(void *ctx, uint32_t ms)
{
    struct run *r = ctx;
    r->serial.port.sleep_ms(r->serial.port.ctx, ms);
}

/* On the simulator the reset line is wired: the driver's reset is a reboot. */
static int sim_reset(void *ctx)
{
    struct run *r = ctx;
    struct strbuf reply = {0};
    int rc = simproc_command(r->sim.control_fd, "reboot", &reply);
    sb_free(&reply);
    return rc;
}

int run_idle(struct run *r, uint32_t ms)
{
    if (r->wire_broken)
        return run_wire_failed(r);
    if (r->progs) {
        return programs_serve(r, ms);
    } else if (r->dev_ready) {
        sim7600_poll(&r->dev, ms);
    } else {
        uint8_t buf[1024];
        r->port.read(r->port.ctx, buf, sizeof buf, ms);
    }
    return r->wire_broken ? run_wire_failed(r) : 0;
}

#define SIM_EXIT_WAIT_MS 1000

int run_wire_failed(struct run *r)
{
    struct strbuf why = {0};
    if (!r->on_sim)
        sb_printf(&why, "the serial port %s failed: unplugged, or the module powered off?", r->o->port);
    else if (!simproc_exited(&r->sim.proc, SIM_EXIT_WAIT_MS, &why))
        sb_puts(&why, "the simulator's pty failed while the simulator still runs");
    if (r->step_line)
        run_fail(r, "line %d: the wire broke: %s", r->step_line, sb_str(&why));
    else
        run_fail(r, "the wire broke: %s", sb_str(&why));
    sb_free(&why);
    return -1;
}

/* ---- set-up --------------------------------------------------------------------- */

/* Against a module, the statements that need the simulator are listed as skipped. */
static void list_skipped(struct run *r)
{
    const struct scn_world *w = &r->sc->world;
    const struct { int line; const char *what; } world[] = {
        {w->profile_line, "profile"}, {w->sim_line, "sim"}, {w->signal_line, "signal"},
        {w->registration_line, "registration"}, {w->broker_line, "broker"},
        {w->latency_line, "latency"}, {w->baud_line, "baud"}, {w->replay_line, "replay"},
        {w->model_line, "model"},
    };
    for (size_t i = 0; i < sizeof world / sizeof world[0]; i++)
        if (world[i].line)
            sb_printf(&r->rep->skipped, "line %d: %s (needs the simulator)\n", world[i].line, world[i].what);
    for (size_t i = 0; i < w->n_net_map; i++)
        sb_printf(&r->rep->skipped, "line %d: net-map (needs the simulator)\n", w->net_map_line[i]);
    for (size_t i = 0; i < r->sc->n_events; i++)
        if (!scn_action_is_program(r->sc->events[i].kind))   /* the runner's own: they run on the bench too */
            sb_printf(&r->rep->skipped, "line %d: %s event (needs the simulator)\n", r->sc->events[i].line,
                      scn_action_kind_str(r->sc->events[i].kind));
}

static int control_ok(struct run *r, const char *line, int src_line)
{
    struct strbuf reply = {0};
    int rc = simproc_command(r->sim.control_fd, line, &reply);
    if (rc < 0)
        run_fail(r, "line %d: the simulator refused '%s': %s", src_line, line, sb_str(&reply));
    sb_free(&reply);
    return rc;
}

/* A real broker cannot refuse on cue, fail DNS or hold back its CONNACK, and
 * the simulator cannot inject into it: what only the embedded broker can do. */
static const char *needs_embedded_broker(const struct scenario *sc, int *line)
{
    const struct scn_world *w = &sc->world;
    *line = w->broker_line;
    if (w->broker != SCN_BROKER_ACCEPT && w->broker != SCN_BROKER_UNREACHABLE)
        return "a broker that refuses, fails DNS, answers slowly or never";
    for (size_t i = 0; i < sc->n_events; i++) {
        const struct scn_event *ev = &sc->events[i];
        *line = ev->line;
        if (ev->kind == SCN_ACT_BROKER)
            return "the broker changing its behaviour";
        if (ev->kind == SCN_ACT_DELIVER && ev->trig.kind != SCN_TRIG_AT)
            return "a message delivered on a trigger other than 'at'";
        if (ev->kind == SCN_ACT_DELIVER && w->broker == SCN_BROKER_UNREACHABLE)
            return "a message delivered while the broker is unreachable";
    }
    return NULL;
}

static int deliver_to_mosquitto(void *ctx, const struct scn_event *ev, struct strbuf *why)
{
    struct run *r = ctx;
    char *generated = NULL;
    const void *payload = ev->payload.ptr;
    size_t len = ev->payload.len;
    if (!payload) {
        generated = xmalloc(ev->payload_size + 1);
        scn_fill_payload(generated, ev->payload_size);
        payload = generated;
        len = ev->payload_size;
    }
    int rc = mqtt_watch_publish(&r->watch, ev->topic.ptr, payload, len, ev->qos < 0 ? 0 : ev->qos);
    if (rc < 0)
        sb_puts(why, "the private mosquitto did not take the message");
    free(generated);
    return rc;
}

/* --broker mosquitto: a private broker (with the scenario's credentials), and
 * the simulator's real MQTT pointed at it. */
static int start_mosquitto(struct run *r, char *broker_arg, size_t cap)
{
    const struct scn_world *w = &r->sc->world;
    int line;
    const char *why = needs_embedded_broker(r->sc, &line);
    if (why) {
        r->rep->verdict = RUN_SKIP;
        sb_printf(&r->rep->why, "needs the embedded broker (line %d: %s)", line, why);
        return -1;
    }
    if (w->broker == SCN_BROKER_UNREACHABLE) {   /* a port nobody listens on: a real refused connect */
        snprintf(broker_arg, cap, "tcp://127.0.0.1:%d", free_tcp_port());
        return 0;
    }
    struct mqproc_tls tls;
    bool with_tls = run_tls_listener(r, &tls);
    if (mqproc_start_tls(&r->mq, r->o->work_dir, w->broker_user.ptr, w->broker_password.ptr,
                         with_tls ? &tls : NULL) < 0)
        return run_fail(r, mqproc_installed()
                               ? "a private mosquitto did not start: a user name mosquitto_passwd refuses (':')?"
                               : "cannot start a private mosquitto: it is not installed (make deps)");
    r->mq_started = true;
    struct strbuf err = {0};
    int rc = mqtt_watch_start(&r->watch, "127.0.0.1", r->mq.port, w->broker_user.ptr, w->broker_password.ptr,
                              &r->broker, &err);
    r->watch_started = true;
    if (rc < 0)
        run_fail(r, "%s", sb_str(&err));
    sb_free(&err);
    r->broker_watched = rc == 0;
    /* the module's connects go to the TLS listener in a tls scenario; the watch stays on the plain one */
    snprintf(broker_arg, cap, "tcp://127.0.0.1:%d", with_tls ? r->mq.tls_port : r->mq.port);
    return rc;
}

/* The start state's net-map rules, {server} expanded: kept in maps[] while
 * the simulator starts. */
static void add_net_maps(struct run *r, struct scn_sim_args *a, struct strbuf *maps)
{
    const struct scn_world *w = &r->sc->world;
    for (size_t i = 0; i < w->n_net_map; i++) {
        run_expand_servers(r, &w->net_map[i], &maps[i]);
        a->v[a->n++] = "--net-map";
        a->v[a->n++] = sb_str(&maps[i]);
    }
    a->v[a->n] = NULL;
}

static int launch_sim(struct run *r, struct scn_sim_args *a)
{
    struct strbuf maps[SCN_MAX_NET_MAPS] = {{0}};
    add_net_maps(r, a, maps);
    r->on_sim = true;   /* from here tear_down stops what sim_target_start began */
    int rc = sim_target_start(&r->sim, r->o->work_dir, r->o->sim_bin, a->v);
    for (size_t i = 0; i < SCN_MAX_NET_MAPS; i++)
        sb_free(&maps[i]);
    return rc < 0 ? run_fail(r, "%s", sb_str(&r->sim.err)) : 0;
}

static int start_sim(struct run *r)
{
    struct scn_sim_args a;
    char broker_arg[64];
    scn_sim_args(&r->sc->world, &a);
    if (r->o->private_mosquitto) {
        if (start_mosquitto(r, broker_arg, sizeof broker_arg) < 0)
            return -1;
        a.v[a.n++] = "--broker";
        a.v[a.n++] = broker_arg;
        a.v[a.n] = NULL;
    }
    if (run_servers_start(r) < 0 || run_http_start(r) < 0 || launch_sim(r, &a) < 0)
        return -1;
    struct strbuf line = {0};
    if (!r->o->private_mosquitto)
        scn_sim_broker_line(&r->sc->world, &line);
    int rc = line.len ? control_ok(r, sb_str(&line), r->sc->world.broker_line) : 0;
    for (size_t i = 0; rc == 0 && i < r->sc->n_events; i++) {
        if (r->sc->events[i].trig.kind == SCN_TRIG_AT || scn_action_is_program(r->sc->events[i].kind))
            continue;
        sb_reset(&line);
        scn_sim_event_line(&r->sc->events[i], &line);
        rc = control_ok(r, sb_str(&line), r->sc->events[i].line);
    }
    sb_free(&line);
    if (rc == 0 && !r->o->private_mosquitto)
        rc = run_tls_embedded(r, control_ok);
    if (rc == 0 && !r->o->private_mosquitto) {
        if (sim_target_watch(&r->sim, &r->broker) < 0)
            return run_fail(r, "%s", sb_str(&r->sim.err));
        r->broker_watched = true;
    }
    return rc;
}

void run_capture_path(const struct run_options *o, const struct scenario *sc, struct strbuf *path)
{
    sb_printf(path, "%s/", o->log_dir);
    transcript_file_name(sc->name, path);
    sb_puts(path, ".cap");
}

static int open_wire(struct run *r)
{
    char err[256];
    const char *path = r->on_sim ? r->sim.proc.pty_path : r->o->port;
    int baud = r->o->port_baud ? r->o->port_baud : 115200;
    if (sim7600_serial_open(&r->serial, path, baud, SIM7600_BACKEND_AUTO, err, sizeof err) < 0)
        return run_fail(r, "cannot open %s: %s", path, err);
    r->serial_open = true;
    r->port = r->serial.port;
    r->port.ctx = r;
    r->port.write = rec_write;
    r->port.read = rec_read;
    r->port.now_ms = rec_now_ms;
    r->port.sleep_ms = r->serial.port.sleep_ms ? rec_sleep_ms : NULL;
    r->port.lock = r->port.unlock = NULL;   /* one thread drives the wire */
    r->port.reset_module = r->on_sim ? sim_reset : NULL;

    const char *cap = NULL;
    if (r->o->log_dir) {
        run_capture_path(r->o, r->sc, &r->rep->capture);
        cap = sb_str(&r->rep->capture);
    }
    struct strbuf what = {0};
    sb_printf(&what, "scenario %s (%s) on %s", r->sc->name, r->sc->file, r->on_sim ? "the simulator" : path);
    int rc = transcript_open(&r->tr, cap, sb_str(&what), hil_now_us());
    sb_free(&what);
    if (rc < 0)
        return run_fail(r, "cannot write the transcript %s: %s (check --keep-logs)", cap, strerror(errno));
    return 0;
}

/* ---- the run ---------------------------------------------------------------------- */

#define FAILURE_TAIL_LINES 12
#define SIM_STDERR_SHOWN 1024

/* The simulator's own words (a replay departure, an error) go with a failure. */
static void simulator_said(struct run *r)
{
    struct strbuf said = {0};
    simproc_stderr_tail(&r->sim.proc, &said, SIM_STDERR_SHOWN);
    if (said.len) {
        sb_puts(&r->rep->tail, "    the simulator said:\n");
        for (const char *p = sb_str(&said); *p;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            sb_printf(&r->rep->tail, "      %.*s\n", (int)n, p);
            p += n + (nl ? 1 : 0);
        }
    }
    sb_free(&said);
}

static void tear_down(struct run *r)
{
    programs_free(r);
    if (r->events_armed)
        timed_events_stop(&r->events);
    if (r->serial_open)
        sim7600_serial_close(&r->serial);
    if (r->on_sim)
        sim_target_stop(&r->sim);
    run_servers_stop(r);   /* after the simulator: its sockets see no close at the end */
    run_clients_stop(r);
    run_http_stop(r);
    if (r->watch_started)
        mqtt_watch_stop(&r->watch);
    if (r->mq_started)
        mqproc_stop(&r->mq);
    transcript_close(&r->tr);
    for (size_t i = 0; i < r->n_rx; i++) {
        free(r->rx[i].topic);
        free(r->rx[i].payload);
    }
    free(r->rx);
    free(r->bufs);
    run_tls_free(r);
    broker_log_free(&r->broker);
}

/* Against a module, the broker it reaches is watched if the user named it. */
static int watch_module_broker(struct run *r)
{
    const struct mqtt_url *u = r->o->watch;
    struct strbuf err = {0};
    int rc = mqtt_watch_start(&r->watch, u->host, u->port, u->has_user ? u->user : NULL, u->pass, &r->broker, &err);
    r->watch_started = true;
    if (rc < 0)
        run_fail(r, "%s (--watch)", sb_str(&err));
    r->broker_watched = rc == 0;
    sb_free(&err);
    return rc;
}

/* A refused event fails the scenario (after a failed step too: it may be the
 * cause); so does one the steps ended too soon to see. */
static int events_failed(struct run *r, bool steps_passed)
{
    struct strbuf why = {0};
    bool failed = timed_events_failed(&r->events, &why) ||
                  (steps_passed && timed_events_unfired(&r->events, hil_now_ms(), &why));
    if (failed && r->rep->verdict == RUN_FAIL)
        sb_printf(&r->rep->why, "; also: %s", sb_str(&why));
    else if (failed)
        run_fail(r, "%s", sb_str(&why));
    sb_free(&why);
    return failed ? -1 : 0;
}

/* On the simulator, opening the port powers a cold module on: the steps
 * begin once it has booted, as a scenario on the bench begins on a module
 * that is up. Its boot lines wait in the pty for the steps to read. */
#define BOOT_POLL_MS 5

static int await_boot(struct run *r)
{
    struct strbuf json = {0};
    int rc = -1;
    while (hil_now_ms() < r->deadline_ms) {
        if (simproc_state_on(r->sim.control_fd, &json) < 0) {
            run_fail(r, "cannot read the simulator's state while it boots: %s", sb_str(&json));
            break;
        }
        if (strstr(sb_str(&json), "\"power\":\"on\"")) {
            rc = 0;
            break;
        }
        sb_reset(&json);
        poll(NULL, 0, BOOT_POLL_MS);
    }
    if (rc < 0 && r->rep->verdict != RUN_FAIL)
        run_fail(r, "the module was still booting at the time limit (latency realistic boots in about 20 s: "
                    "raise time-limit)");
    sb_free(&json);
    return rc;
}

/* Against a module, a scenario whose sockets meet the runner's loopback
 * cannot run: the module's sockets cannot reach it, nor it the module's
 * server (on the module's own address, behind the operator). */
static bool needs_loopback(struct run *r)
{
    int line;
    if (r->sc->n_servers)
        sb_printf(&r->rep->why, "needs the simulator (line %d: a test server on the runner's loopback)",
                  r->sc->servers[0].line);
    else if (run_uses_clients(r->sc, &line))
        sb_printf(&r->rep->why, "needs the simulator (line %d: a client of the module's server from the runner's "
                                "loopback)", line);
    else
        return false;
    r->rep->verdict = RUN_SKIP;
    return true;
}

static void run_target(struct run *r)
{
    if (r->o->port && needs_loopback(r))
        return;
    if (r->o->port) {
        list_skipped(r);
        if (r->o->watch && watch_module_broker(r) < 0)
            return;
    } else if (start_sim(r) < 0) {
        return;   /* failed, or skipped (needs the embedded broker) */
    }
    if (open_wire(r) < 0 || (r->on_sim && await_boot(r) < 0))
        return;
    r->t0_ms = hil_now_ms();
    if (r->on_sim) {
        r->events_armed = true;
        timed_deliver_fn deliver = r->watch_started ? deliver_to_mosquitto : NULL;
        if (timed_events_start(&r->events, r->sc, &r->sim.proc, r->t0_ms, deliver, r) < 0) {
            run_fail(r, "cannot arm the timed events: %s", sb_str(&r->events.err));
            return;
        }
    }
    if (r->progs && programs_start(r) < 0)
        return;
    int rc = run_steps(r);
    if (r->on_sim && events_failed(r, rc == 0) < 0)
        return;
    if (rc == 0)
        run_checks(r);
}

/* The programs (if any) are stopped before the verdict is final: how they
 * end (a SIGTERM ignored, processes left behind) is part of it. */
static void run_body(struct run *r)
{
    if (run_tls_prepare(r) < 0 || programs_prepare(r) < 0)
        return;
    run_target(r);
    programs_finish(r);
}

/* The worker gives itself less than the runner's limit, to fail with the
 * step's own words and report before the runner stops it. */
#define REPORT_MARGIN_MS 300

void run_scenario(const struct scenario *sc, const struct run_options *o, struct run_report *rep,
                  const struct run_hooks *hooks)
{
    static const struct run_hooks none = {0};
    struct run r = {.sc = sc, .o = o, .rep = rep, .hooks = hooks ? hooks : &none};
    uint64_t start = o->started_ms ? o->started_ms : hil_now_ms();
    r.deadline_ms = start + (sc->time_limit_ms > 2 * REPORT_MARGIN_MS ? sc->time_limit_ms - REPORT_MARGIN_MS
                                                                       : sc->time_limit_ms);
    bool runs = !o->port || (sc->targets & SCN_TARGET_HARDWARE);
    memset(rep, 0, sizeof *rep);
    rep->verdict = runs ? RUN_PASS : RUN_SKIP;
    if (!runs)
        sb_puts(&rep->why, "targets the simulator only");
    broker_log_init(&r.broker);
    if (runs)
        run_body(&r);
    if (rep->verdict == RUN_FAIL) {
        transcript_tail(&r.tr, FAILURE_TAIL_LINES, &rep->tail);
        if (r.on_sim)
            simulator_said(&r);
    }
    if (r.hooks->report)
        r.hooks->report(r.hooks->ctx, rep);
    tear_down(&r);
}
