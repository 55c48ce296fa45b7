/* Keywords of the header (name, targets, time limit) and of the start state
 * (the simulated module and the world around it at time 0), each given at
 * most once; and the start state a file that says nothing gets. */
#include "scn_internal.h"

#include "alloc.h"
#include "control_bounds.h"
#include "module_models.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The simulator's own start state (sim_config_defaults in sim/sim.c), written
 * again because the tools may not include the simulator's headers (make
 * layering). Keep the two equal: the runner passes the profile, signal,
 * registration, latency and baud as options on every start, but a present
 * SIM is no option (only --no-sim is), so a scenario's report of the world
 * is true only while the defaults agree. */
const struct scn_world scn_world_defaults = {
    .profile = SCN_PROFILE_COLD,
    .sim_present = true,
    .rssi = 23,
    .reg_stat = 1,                 /* registered, home network */
    .broker = SCN_BROKER_ACCEPT,
    .latency = SCN_LATENCY_FAST,
    .baud = 115200,
    .replay_speed = 1,
};

/* ---- header ---- */

static void kw_scenario(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scenario *sc = obj;
    (void)d;
    if (scn_get_text(p, a->pos[0], "the scenario name", &sc->name)) {
        if (sc->name[0] == '\0') scn_perr(p, "the scenario name is empty; expected a name such as \"cold-start\"");
        sc->name_line = p->line;
    }
}

static const char *const target_names[] = { "sim", "hardware", "both", NULL };

static void kw_targets(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scenario *sc = obj;
    unsigned t = 0;
    (void)d;
    for (size_t i = 0; i < a->n_pos; i++) {
        int v;
        if (!scn_get_name(p, a->pos[i], "target", target_names, &v)) return;
        t |= v == 0 ? SCN_TARGET_SIM : v == 1 ? SCN_TARGET_HARDWARE : SCN_TARGET_BOTH;
    }
    sc->targets = t;
    p->targets_line = p->line;
}

static void kw_time_limit(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scenario *sc = obj;
    uint32_t ms;
    (void)d;
    if (scn_get_duration(p, a->pos[0], "the time limit", &ms)) {
        if (ms == 0) scn_perr(p, "the time limit must be more than 0");
        sc->time_limit_ms = ms;
    }
}

/* ---- start state ---- */

static void kw_profile(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    int v;
    (void)d;
    if (scn_get_name(p, a->pos[0], "profile", scn_profile_names, &v)) {
        w->profile = (enum scn_profile)v;
        w->profile_line = p->line;
    }
}

static void kw_model(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    (void)d;
    if (!scn_want_word(p, a->pos[0], "model")) return;
    w->model = module_model_find(a->pos[0]->text);
    if (!w->model) {
        struct strbuf known = {0};
        module_model_list(&known);
        scn_perr(p, "unknown model '%s'; expected one of: %s", a->pos[0]->text, sb_str(&known));
        sb_free(&known);
        return;
    }
    w->model_line = p->line;
}

static const char *const sim_names[] = { "absent", "present", NULL };

bool scn_get_sim(struct scn_parser *p, const struct scn_args *a, int *present)
{
    return scn_get_name(p, a->pos[0], "SIM state", sim_names, present);
}

static void kw_sim(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    int v;
    (void)d;
    if (scn_get_sim(p, a, &v)) {
        w->sim_present = v == 1;
        w->sim_line = p->line;
    }
}

bool scn_get_rssi(struct scn_parser *p, const struct scn_args *a, int *rssi)
{
    long v;
    if (!scn_get_uint(p, a->pos[0], "signal rssi", 0, 99, &v)) return false;
    if (v > 31 && v != 99) {
        scn_perr(p, "bad signal rssi '%ld'; expected 0-31 (as AT+CSQ prints it) or 99 (no signal)", v);
        return false;
    }
    *rssi = (int)v;
    return true;
}

static void kw_signal(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    (void)d;
    if (scn_get_rssi(p, a, &w->rssi)) w->signal_line = p->line;
}

/* 3GPP 27.007 <stat> values, by number or by name. */
static const char *const reg_names[] = {
    "not-registered", "home", "searching", "denied", "unknown", "roaming", NULL,
};

bool scn_get_reg(struct scn_parser *p, const struct scn_args *a, int *stat)
{
    const struct scn_tok *t = a->pos[0];
    unsigned long v;
    if (t->kind == SCN_TOK_WORD && scn_parse_ulong(t->text, &v)) {
        if (v <= 5) {
            *stat = (int)v;
            return true;
        }
        scn_perr(p, "bad registration stat '%s'; expected 0-5 or a name: not-registered, home, "
                    "searching, denied, unknown, roaming", t->text);
        return false;
    }
    return scn_get_name(p, t, "registration stat", reg_names, stat);
}

static void kw_registration(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    (void)d;
    if (scn_get_reg(p, a, &w->reg_stat)) w->registration_line = p->line;
}

/* "broker accept|refuse CODE|slow DURATION|unreachable|dns-fail|no-connack" */
bool scn_get_broker(struct scn_parser *p, const struct scn_args *a, enum scn_broker *mode, int *code)
{
    int v;
    if (!scn_get_name(p, a->pos[0], "broker mode", scn_broker_names, &v)) return false;
    *mode = (enum scn_broker)v;
    if (v == SCN_BROKER_REFUSE) {
        long c;
        if (a->n_pos < 2) {
            scn_perr(p, "'broker refuse' needs the CONNACK code; expected 'broker refuse 1-5' "
                        "(5 = not authorized, 4 = bad user name or password)");
            return false;
        }
        if (!scn_get_uint(p, a->pos[1], "CONNACK refuse code", 1, 5, &c)) return false;
        *code = (int)c;
    } else if (v == SCN_BROKER_SLOW) {
        uint32_t ms;
        if (a->n_pos < 2) {
            scn_perr(p, "'broker slow' needs how late the CONNACK comes; expected e.g. 'broker slow 3s'");
            return false;
        }
        if (!scn_get_duration(p, a->pos[1], "CONNACK delay", &ms)) return false;
        if (ms == 0 || ms > CONTROL_BROKER_SLOW_MAX_MS) {
            scn_perr(p, "'broker slow' takes 1ms to 10min (a real module gives up after 30s: longer is a timeout)");
            return false;
        }
        *code = (int)ms;
    } else if (a->n_pos > 1) {
        scn_perr(p, "'broker %s' takes no value; only 'broker refuse CODE' and 'broker slow DURATION' do",
                 scn_broker_names[v]);
        return false;
    }
    if (v != SCN_BROKER_ACCEPT && (scn_opt(a, "user") || scn_opt(a, "password"))) {
        scn_perr(p, "user= and password= only go with 'broker accept' (the credentials the broker requires)");
        return false;
    }
    return true;
}

static void kw_broker(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    (void)d;
    if (scn_get_broker(p, a, &w->broker, &w->broker_refuse_code)) {
        scn_opt_string(p, a, "user", &w->broker_user);
        scn_opt_string(p, a, "password", &w->broker_password);
        if (w->broker_password.ptr && !w->broker_user.ptr)
            scn_perr(p, "password= needs user= too (the module sends a password only after a user name)");
        w->broker_line = p->line;
    }
}

static void kw_latency(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    int v;
    (void)d;
    if (scn_get_name(p, a->pos[0], "latency", scn_latency_names, &v)) {
        w->latency = (enum scn_latency)v;
        w->latency_line = p->line;
    }
}

/* AT+IPR's list (reference §1.8), plus 0 for unpaced output. */
static const unsigned long baud_rates[] = {
    0, 300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400,
    460800, 921600, 3000000, 3200000, 3686400, 4000000,
};

static void kw_baud(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    unsigned long v;
    (void)d;
    if (!scn_want_word(p, a->pos[0], "baud rate")) return;
    if (scn_parse_ulong(a->pos[0]->text, &v))
        for (size_t i = 0; i < sizeof baud_rates / sizeof baud_rates[0]; i++)
            if (baud_rates[i] == v) {
                w->baud = (uint32_t)v;
                w->baud_line = p->line;
                return;
            }
    scn_perr(p, "bad baud rate '%s'; expected one the module supports (AT+IPR): 300, 600, 1200, 2400, "
                "4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 3000000, 3200000, "
                "3686400, 4000000, or 0 for unpaced", a->pos[0]->text);
}

/* A log path is relative to the scenario's folder, so a suite moves as a whole. */
static void resolve_log(struct scn_parser *p, struct scn_bytes *path)
{
    const char *slash = strrchr(p->file, '/');
    if (path->ptr[0] == '/' || !slash)
        return;
    size_t dir = (size_t)(slash - p->file) + 1;
    char *full = xmalloc(dir + path->len + 1);
    memcpy(full, p->file, dir);
    memcpy(full + dir, path->ptr, path->len + 1);
    scn_bytes_free(path);
    path->ptr = full;
    path->len = dir + strlen(full + dir);
}

static void kw_replay(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    long strict = 0, speed = 1;
    (void)d;
    if (!scn_get_string(p, a->pos[0], "the log to replay", &w->replay))
        return;
    if (memchr(w->replay.ptr, '\0', w->replay.len) || w->replay.len == 0) {
        scn_perr(p, "the log to replay must be a file name, without NUL bytes");
        return;
    }
    resolve_log(p, &w->replay);
    if (access(w->replay.ptr, R_OK) != 0) {
        scn_perr(p, "cannot read the log to replay '%s': %s; paths are relative to the scenario's folder",
                 w->replay.ptr, strerror(errno));
        return;
    }
    scn_opt_uint(p, a, "strict", 0, 1, &strict);
    scn_opt_uint(p, a, "speed", 1, 1000, &speed);
    w->replay_strict = strict != 0;
    w->replay_speed = (unsigned)speed;
    w->replay_line = p->line;
}

/* ---- the table ---- */

static const char *const K_BROKER[] = { "user", "password", NULL };
static const char *const K_REPLAY[] = { "strict", "speed", NULL };
static const char *const K_SERVER[] = { "name", "port", NULL };
static const char *const K_TLS[] = { "ca", "cert", "key", "key-password", "version", "sni", "check-time",
                                     "upload", "broker-cert", NULL };

#define W (KW_WORLD | KW_SIM_ONLY)

static const struct scn_kw world[] = {
    { "scenario", 1, 1, KW_HEADER, NULL, "scenario NAME", kw_scenario, 0, ONCE_SCENARIO },
    { "targets", 1, 2, KW_HEADER, NULL, "targets sim|hardware|both", kw_targets, 0, ONCE_TARGETS },
    { "time-limit", 1, 1, KW_HEADER, NULL, "time-limit DURATION", kw_time_limit, 0, ONCE_TIME_LIMIT },

    { "profile", 1, 1, W, NULL, "profile cold|warm", kw_profile, 0, ONCE_PROFILE },
    { "sim", 1, 1, W, NULL, "sim present|absent", kw_sim, 0, ONCE_SIM },
    { "signal", 1, 1, W, NULL, "signal RSSI (0-31, 99 = none)", kw_signal, 0, ONCE_SIGNAL },
    { "registration", 1, 1, W, NULL, "registration STAT (0-5 or a name)", kw_registration, 0, ONCE_REGISTRATION },
    { "broker", 1, 2, W, K_BROKER,
      "broker accept [user=\"U\" password=\"P\"] | refuse CODE | unreachable | dns-fail | no-connack", kw_broker, 0, ONCE_BROKER },
    { "latency", 1, 1, W, NULL, "latency fast|realistic", kw_latency, 0, ONCE_LATENCY },
    { "baud", 1, 1, W, NULL, "baud RATE", kw_baud, 0, ONCE_BAUD },
    { "replay", 1, 1, W, K_REPLAY, "replay \"LOG.cap\" [strict=0|1] [speed=N]", kw_replay, 0, ONCE_REPLAY },
    { "model", 1, 1, W, NULL, "model NAME (SIM7600E-H, SIM7600G-H ...)", kw_model, 0, ONCE_MODEL },
    /* repeatable: scn_servers.c */
    { "net-map", 1, 1, W, NULL, "net-map \"HOST:PORT=HOST:PORT\"", scn_kw_net_map, 0, ONCE_NONE },
    { "server", 1, 1, W, K_SERVER, "server echo|sink [name=NAME] [port=P]", scn_kw_server, 0, ONCE_NONE },
    { "http-server", 0, 0, W, scn_http_server_keys,
      "http-server [port=P] [status=N] [body=\"TEXT\"|body-size=N] [header=\"NAME: VALUE\"] [chunked=0|1] "
      "[delay=T] [answer=normal|drop|silent|half]", scn_kw_http_server, 0, ONCE_NONE },
    /* the driver's own configuration: both targets (scn_tls.c) */
    { "tls", 0, 0, KW_WORLD, K_TLS,
      "tls [ca=\"FILE\"] [cert=\"FILE\" key=\"FILE\"] [key-password=\"P\"] [version=any|1.2|1.1|1.0|ssl3] "
      "[sni=0|1] [check-time=0|1] [upload=always|if-missing] [broker-cert=valid|expired]", scn_kw_tls, 0, ONCE_TLS },
};

#undef W

const struct scn_kw_family scn_kw_world = { world, sizeof world / sizeof world[0] };
