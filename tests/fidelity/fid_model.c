/* The model's side: the simulator's core, driven without a pty on a fake
 * clock (as tests/support/sim_drive.h does), from the start state a log's
 * header names, answering the log's commands one at a time. */
#include "fidelity.h"

#include "alloc.h"
#include "module_models.h"
#include "sim.h"
#include "sim_drive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define START_US 1000000ull    /* the fake clock's power-on instant */
#define STEP_MS 10             /* the clock runs in steps this long while an answer is awaited */
#define BOOT_LIMIT_MS 60000    /* a boot longer than this is no boot the host would wait for */
#define BOOT_QUIET_MS 5000     /* the banner is over when the module says nothing for this long */
#define ANSWER_LIMIT_MS 30000  /* the longest a command's answer is awaited (a CONNECT's timeout) */
#define SILENT_WAIT_MS 300     /* a command the module left unanswered: how long the model is heard */
#define ASYNC_WAIT_MS 1000     /* after OK, how long a command's own result line is awaited */
#define URC_LIMIT_MS 30000     /* a command the module followed with URCs (a reset): they are awaited */
#define DATA_TIMEOUT_MS 2000   /* a '>' data phase the log did not fill ends with ERROR */
#define REG_WAIT_LIMIT_MS 180000 /* a host waits this long at most for registration (27.007's 3 min) */
#define REG_HOME 1             /* 27.007 <stat>: registered, home network */
#define REG_ROAMING 5          /* registered, roaming */
#define NET_QUEUE_FIRST 16     /* room for this many network answers at first */
#define ESCAPE_QUIET_MS 1100   /* before "+++": over V.250's guard time (S12: 1 s), whatever the latency */

/* `#! net accept`: a network whose every connection opens at once and whose
 * peer takes what is sent and says nothing (a log's data is not replayed). Its
 * answers wait for the model's next step: the core is never re-entered. */
struct net_answer {
    enum sim_net_kind kind;
    int link;
    size_t len;
};

/* Grown as needed: a step whose network calls were dropped would mismatch
 * the log with no reason given. */
struct accepting_net {
    struct net_answer *q;
    size_t n, cap;
};

struct model {
    struct sim_drive d;
    struct strbuf heard;       /* what the module said since the command went out */
    double last_t;             /* the log's time of the last command sent; -1: none, or no times */
    uint64_t last_sent_us;     /* the model's clock when it went out */
    struct accepting_net net;
};

static void net_queue(void *ctx, enum sim_net_kind kind, int link, size_t len)
{
    struct accepting_net *n = ctx;
    if (n->n == n->cap) {
        n->cap = n->cap ? 2 * n->cap : NET_QUEUE_FIRST;
        n->q = xrealloc(n->q, n->cap * sizeof *n->q);
    }
    n->q[n->n++] = (struct net_answer){kind, link, len};
}

static void net_open(void *ctx, const struct sim_net_open *p) { net_queue(ctx, SIM_NET_OPENED, p->link, 0); }

static void net_send(void *ctx, int link, const uint8_t *data, size_t len, const char *host, int port)
{
    (void)data, (void)host, (void)port;
    net_queue(ctx, SIM_NET_SENT, link, len);
}

static void net_quiet(void *ctx, int link) { (void)ctx, (void)link; }
static void net_room(void *ctx, int link, size_t room) { (void)ctx, (void)link, (void)room; }
static void net_resolve(void *ctx, int query, const char *host) { (void)ctx, (void)query, (void)host; }

static enum sim_net_error net_listen(void *ctx, const struct sim_net_listen *p, int *host_port)
{
    (void)ctx, (void)p, (void)host_port;
    return SIM_NET_IN_USE;     /* no log needs a server yet */
}

static void net_accept(void *ctx, int server, int link) { (void)ctx, (void)server, (void)link; }

static const struct sim_net_ops accepting_ops = {net_open,   net_send,  net_quiet,  net_room, net_resolve,
                                                 net_listen, net_quiet, net_accept};

static void net_deliver(struct model *m)
{
    for (size_t i = 0; i < m->net.n; i++) {
        struct sim_net_event ev = {.kind = m->net.q[i].kind, .link = m->net.q[i].link, .len = m->net.q[i].len};
        sim_net_event(m->d.sim, &ev, m->d.now_us);
    }
    m->net.n = 0;
}

/* Splits what was heard into an answer: lines, the echo of the command
 * skipped, the prompt (no line end) kept as ">". */
static void parse(const char *heard, const char *command, struct fid_answer *a)
{
    memset(a, 0, sizeof *a);
    size_t n = strlen(command);
    if (n && strncmp(heard, command, n) == 0 && heard[n] == '\r')
        heard += n + 1;
    char line[FID_TEXT_MAX];
    while (*heard) {
        size_t k = strcspn(heard, "\r\n");
        if (k) {
            snprintf(line, sizeof line, "%.*s", (int)k, heard);
            bool ended = heard[k] != '\0';
            if (ended || strcmp(line, ">") == 0 || strcmp(line, "> ") == 0)
                fid_answer_add(a, command, ended ? line : ">");
        }
        heard += k;
        heard += *heard != '\0';
    }
}

static void listen(struct model *m, uint64_t ms)
{
    net_deliver(m);
    sb_puts(&m->heard, sim_drive_advance(&m->d, ms));
}

#define US_PER_S 1000000.0

/* A log with times (a capture, a timestamped monitor) says how long its host
 * waited before a command: the model's clock runs as long, if it has not
 * already (the model may answer slower than the module did, never faster). */
static void keep_pace(struct model *m, double t)
{
    if (t >= 0 && m->last_t >= 0 && t > m->last_t) {
        uint64_t due = m->last_sent_us + (uint64_t)((t - m->last_t) * US_PER_S);
        if (due > m->d.now_us)
            listen(m, (due - m->d.now_us) / 1000);
    }
    m->last_t = t;
    m->last_sent_us = m->d.now_us;
}

/* Runs the clock until `done` says so, or `limit_ms` passed. */
static void listen_until(struct model *m, const char *command, uint64_t limit_ms,
                         bool (*done)(const struct fid_answer *a, const void *ctx), const void *ctx,
                         struct fid_answer *a)
{
    for (uint64_t t = 0; t <= limit_ms; t += STEP_MS) {
        listen(m, t ? STEP_MS : 0);
        parse(sb_str(&m->heard), command, a);
        if (done(a, ctx))
            return;
    }
}

static bool prompted(const struct fid_answer *a)
{
    return !a->final[0] && a->n_info && fid_is_prompt(a->info[a->n_info - 1]);
}

static bool has_final(const struct fid_answer *a, const void *ctx)
{
    (void)ctx;
    return a->final[0] != '\0';
}

static bool has_final_or_prompt(const struct fid_answer *a, const void *ctx)
{
    return has_final(a, ctx) || prompted(a);
}

static bool has_async(const struct fid_answer *a, const void *ctx)
{
    return a->n_async >= *(const int *)ctx;
}

static bool has_urcs(const struct fid_answer *a, const void *ctx)
{
    return a->urcs >= *(const int *)ctx;
}

static bool never(const struct fid_answer *a, const void *ctx)
{
    (void)a, (void)ctx;
    return false;
}

/* The boot: until the module has been quiet for BOOT_QUIET_MS after speaking. */
static void boot(struct model *m, struct fid_answer *a)
{
    uint64_t quiet = 0;
    size_t said = 0;
    for (uint64_t t = 0; t <= BOOT_LIMIT_MS; t += STEP_MS) {
        listen(m, t ? STEP_MS : 0);
        quiet = m->heard.len == said ? quiet + STEP_MS : 0;
        said = m->heard.len;
        if (said && quiet >= BOOT_QUIET_MS)
            break;
    }
    parse(sb_str(&m->heard), "", a);
    /* before any command every line is the boot's: keep them as its information lines */
    if (a->final[0] && a->n_info < FID_LINES_MAX)
        snprintf(a->info[a->n_info++], FID_TEXT_MAX, "%s", a->final);
    a->final[0] = '\0';
}

/* A command sent before the log starts (#! echo, #! cmee, #! store), with the
 * data it prompts for, if any; its answer is not compared: whether it was OK. */
static bool prepare(struct model *m, const char *command, const char *data)
{
    struct fid_answer a;
    char line[FID_TEXT_MAX];
    snprintf(line, sizeof line, "%s\r", command);
    sb_reset(&m->heard);
    sim_input(m->d.sim, (const uint8_t *)line, strlen(line), m->d.now_us);
    listen_until(m, command, ANSWER_LIMIT_MS, has_final_or_prompt, NULL, &a);
    if (data && prompted(&a)) {
        sim_input(m->d.sim, (const uint8_t *)data, strlen(data), m->d.now_us);
        listen_until(m, command, ANSWER_LIMIT_MS, has_final, NULL, &a);
    }
    return strcmp(a.final, "OK") == 0;
}

/* What a `#! store` file holds: the capture does not show its bytes, and the
 * embedded broker checks that a context's files are there, not what they say. */
static const char stored_file[] = "-----BEGIN CERTIFICATE-----\n"
                                  "(a file the captured module held; its bytes are not in the capture)\n"
                                  "-----END CERTIFICATE-----\n";

/* The start state the log's directives name beyond the config: the store's
 * files (uploaded as a host would, AT+CCERTDOWN), the server's TLS fault. */
static void prepare_world(struct model *m, const struct fid_setup *su)
{
    char command[FID_TEXT_MAX];
    for (int i = 0; i < su->n_store; i++) {
        snprintf(command, sizeof command, "AT+CCERTDOWN=\"%s\",%zu", su->store[i], strlen(stored_file));
        if (!prepare(m, command, stored_file))
            fprintf(stderr, "fidelity: the simulator refused %s: the log's #! store %s is not in the model's "
                            "store; name a file the module takes (findings §27: 5-128 bytes ending .pem or .der)\n",
                    command, su->store[i]);
    }
    if (su->tls_fail[0]) {
        struct strbuf line = {0}, reply = {0};
        sb_printf(&line, "tls-fail %s", su->tls_fail);
        if (sim_control(m->d.sim, sb_str(&line), &reply, m->d.now_us) != 0)
            fprintf(stderr, "fidelity: the simulator refused \"%s\" (%s): the log's #! tls-fail is not "
                            "played; see sim/control.c's tls-fail\n", sb_str(&line), sb_str(&reply));
        sb_free(&line);
        sb_free(&reply);
    }
}

static void start(struct model *m, const struct fid_setup *su, struct fid_answer *boot_answer)
{
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = (uint32_t)su->baud;
    cfg.profile = su->start == FID_START_WARM ? SIM_PROFILE_WARM : SIM_PROFILE_COLD;
    cfg.latency = su->realistic ? SIM_LATENCY_REALISTIC : SIM_LATENCY_FAST;
    cfg.sim_present = su->sim_present;
    cfg.data_timeout_ms = DATA_TIMEOUT_MS;
    cfg.model = fid_model_variant(su);
    if (su->reg >= 0)
        cfg.reg_stat = su->reg;
    if (su->rssi >= 0)
        cfg.rssi = su->rssi;
    memset(m, 0, sizeof *m);
    m->last_t = -1;
    m->d.now_us = START_US;
    m->d.sim = sim_create(&cfg, m->d.now_us);
    if (su->net_accept)
        sim_set_net(m->d.sim, &accepting_ops, &m->net);
    if (su->start == FID_START_COLD)
        boot(m, boot_answer);
    else
        listen(m, 0), parse(sb_str(&m->heard), "", boot_answer);
    if (su->echo >= 0)
        prepare(m, su->echo ? "ATE1" : "ATE0", NULL);
    if (su->cmee >= 0)
        prepare(m, su->cmee == 2 ? "AT+CMEE=2" : su->cmee ? "AT+CMEE=1" : "AT+CMEE=0", NULL);
    prepare_world(m, su);
}

/* The <stat> of a registration read ("+CGREG: 0,1"), or -1 for any other line. */
static int read_stat(const char *line)
{
    static const char *const reads[] = {"+CREG:", "+CGREG:", "+CEREG:"};
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
        int n, stat;
        if (strncmp(line, reads[i], strlen(reads[i])) == 0 &&
            sscanf(line + strlen(reads[i]), " %d,%d", &n, &stat) == 2)
            return stat;
    }
    return -1;
}

static bool registered(int stat)
{
    return stat == REG_HOME || stat == REG_ROAMING;
}

/* The module's answer to this command says it was registered. */
static bool answer_registered(const struct fid_answer *a)
{
    for (int i = 0; i < a->n_info; i++)
        if (registered(read_stat(a->info[i])))
            return true;
    return false;
}

static bool model_registered(const struct model *m)
{
    struct strbuf state = {0};
    sim_state_json(m->d.sim, &state);
    const char *reg = strstr(sb_str(&state), "\"reg\":");
    bool yes = reg && registered(atoi(reg + strlen("\"reg\":")));
    sb_free(&state);
    return yes;
}

/* A log without times cannot say how long its host waited between commands.
 * Where the module's answer shows it registered, the host had polled until
 * then (S1a: +CGREG: 0,2, then 0,1): the model gets the same wait, bounded. */
static void wait_registered(struct model *m)
{
    for (uint64_t t = 0; t < REG_WAIT_LIMIT_MS && !model_registered(m); t += STEP_MS)
        listen(m, STEP_MS);
}

/* "+++" framed by guard times of silence, then its answer. */
static void escape(struct model *m, const struct fid_exchange *x, struct fid_answer *a)
{
    keep_pace(m, x->t);
    listen(m, ESCAPE_QUIET_MS);
    sb_reset(&m->heard);
    sim_input(m->d.sim, (const uint8_t *)FID_ESCAPE_TEXT, strlen(FID_ESCAPE_TEXT), m->d.now_us);
    listen_until(m, x->command, ESCAPE_QUIET_MS + ANSWER_LIMIT_MS, has_final, NULL, a);
}

/* One command, its data phase if the model prompts and the log typed data,
 * and what follows as long as the module's side of the log shows it. */
static void answer(struct model *m, const struct fid_exchange *x, struct fid_answer *a)
{
    const struct fid_answer *want = &x->module;
    if (x->kind == FID_ESCAPE) {
        escape(m, x, a);
        return;
    }
    keep_pace(m, x->t);
    if (answer_registered(want))
        wait_registered(m);
    sb_reset(&m->heard);
    sim_input(m->d.sim, (const uint8_t *)x->command, strlen(x->command), m->d.now_us);
    sim_input(m->d.sim, (const uint8_t *)"\r", 1, m->d.now_us);
    if (!want->final[0] && !want->n_info) {
        /* unanswered: the model is heard for a while, or until the URCs the module sent instead */
        if (want->urcs)
            listen_until(m, x->command, URC_LIMIT_MS, has_urcs, &want->urcs, a);
        else
            listen_until(m, x->command, SILENT_WAIT_MS, never, NULL, a);
        return;
    }
    listen_until(m, x->command, ANSWER_LIMIT_MS, has_final_or_prompt, NULL, a);
    if (prompted(a)) {
        /* the log's data, if it typed any; none ends with the data timeout's ERROR */
        if (x->data.len)
            sim_input(m->d.sim, (const uint8_t *)x->data.p, x->data.len, m->d.now_us);
        listen_until(m, x->command, ANSWER_LIMIT_MS, has_final, NULL, a);
    }
    if (want->n_async)
        listen_until(m, x->command, ASYNC_WAIT_MS, has_async, &want->n_async, a);
    if (want->urcs)
        listen_until(m, x->command, URC_LIMIT_MS, has_urcs, &want->urcs, a);
}

const struct module_model *fid_model_variant(const struct fid_setup *su)
{
    const struct module_model *m = su->model[0] ? module_model_find(su->model) : NULL;
    return m ? m : module_model_default();
}

void fid_model_run(const struct fid_log *log, const bool *skip, struct fid_answer *model)
{
    struct model m;
    struct fid_answer boot_answer;
    start(&m, &log->setup, &boot_answer);
    for (size_t i = 0; i < log->n; i++) {
        memset(&model[i], 0, sizeof model[i]);
        if (log->x[i].kind == FID_BOOT)
            model[i] = boot_answer;
        else if (!skip[i])
            answer(&m, &log->x[i], &model[i]);
    }
    sim_drive_free(&m.d);
    sb_free(&m.heard);
    free(m.net.q);
}
