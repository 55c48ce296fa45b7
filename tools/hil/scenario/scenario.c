/* Scenario parser: see scenario.h and scenarios/README.md.
 *
 * Each line is tokenized (scn_lex.c), its keyword looked up in a table
 * (name, argument counts, options, flags, handler), and the handler fills one
 * step, check, event or part of the header. Errors never stop the parse: they
 * are collected with their line numbers, and the scenario is dropped at the end
 * if there was any. */
#include "scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regex_guard.h"
#include "scn_lex.h"
#include "text_file.h"

/* ---- names for logs --------------------------------------------------------- */

const char *scn_status_str(enum scn_status st)
{
    switch (st) {
    case SCN_OK: return "ok";
    case SCN_ERR_INVALID: return "invalid";
    case SCN_ERR_IO: return "io";
    case SCN_ERR_NOMEM: return "nomem";
    }
    return "?";
}

const char *scn_pattern_kind_str(enum scn_pattern_kind k)
{
    switch (k) {
    case SCN_PAT_NONE: return "none";
    case SCN_PAT_EXACT: return "exact";
    case SCN_PAT_REGEX: return "regex";
    case SCN_PAT_SIZE: return "size";
    }
    return "?";
}

const char *scn_target_str(unsigned targets)
{
    switch (targets & SCN_TARGET_BOTH) {
    case SCN_TARGET_SIM: return "sim";
    case SCN_TARGET_HARDWARE: return "hardware";
    case SCN_TARGET_BOTH: return "both";
    }
    return "none";
}

static const char *const profile_names[] = { [SCN_PROFILE_COLD] = "cold", [SCN_PROFILE_WARM] = "warm", NULL };
static const char *const broker_names[] = {
    [SCN_BROKER_ACCEPT] = "accept", [SCN_BROKER_REFUSE] = "refuse",
    [SCN_BROKER_UNREACHABLE] = "unreachable", [SCN_BROKER_DNS_FAIL] = "dns-fail",
    [SCN_BROKER_NO_CONNACK] = "no-connack", NULL,
};
static const char *const latency_names[] = { [SCN_LATENCY_FAST] = "fast", [SCN_LATENCY_REALISTIC] = "realistic", NULL };
static const char *const trigger_names[] = {
    [SCN_TRIG_AT] = "at", [SCN_TRIG_ON_SEND] = "on-send", [SCN_TRIG_AFTER_PUBLISHES] = "after-publishes",
};
static const char *const action_names[] = {
    [SCN_ACT_CONNECTION_LOST] = "connection-lost", [SCN_ACT_REBOOT] = "reboot",
    [SCN_ACT_SILENT] = "silent", [SCN_ACT_REPLACE] = "replace", [SCN_ACT_DELAY] = "delay",
    [SCN_ACT_GARBLE] = "garble", [SCN_ACT_INJECT] = "inject", [SCN_ACT_DELIVER] = "deliver",
    [SCN_ACT_SIGNAL] = "signal", [SCN_ACT_REGISTRATION] = "registration", [SCN_ACT_SIM] = "sim",
    [SCN_ACT_BROKER] = "broker",
};
static const char *const result_names[] = {
    [SCN_RES_OK] = "ok", [SCN_RES_ANY] = "any", [SCN_RES_ERROR] = "error",
    [SCN_RES_BAD_CREDENTIALS] = "bad-credentials", [SCN_RES_REFUSED] = "refused",
    [SCN_RES_DNS] = "dns", [SCN_RES_SOCKET] = "socket", [SCN_RES_TIMEOUT] = "timeout",
    [SCN_RES_NO_SIM] = "no-sim", [SCN_RES_NOT_REGISTERED] = "not-registered",
    [SCN_RES_NO_SIGNAL] = "no-signal", [SCN_RES_NOT_CONNECTED] = "not-connected",
    [SCN_RES_REJECTED] = "rejected", [SCN_RES_IO] = "io", [SCN_RES_INVALID] = "invalid", NULL,
};
static const char *const step_names[] = {
    [SCN_STEP_SEND] = "send", [SCN_STEP_SEND_RAW] = "send-raw", [SCN_STEP_EXPECT] = "expect",
    [SCN_STEP_EXPECT_PROMPT] = "expect-prompt", [SCN_STEP_BRING_UP] = "bring-up",
    [SCN_STEP_CONNECT] = "connect", [SCN_STEP_SUBSCRIBE] = "subscribe", [SCN_STEP_PUBLISH] = "publish",
    [SCN_STEP_PUBLISH_SEQ] = "publish-seq", [SCN_STEP_DISCONNECT] = "disconnect",
    [SCN_STEP_EXPECT_CONNECTED] = "expect-connected", [SCN_STEP_WAIT] = "wait",
};
static const char *const check_names[] = {
    [SCN_CHECK_SENT] = "expect-sent", [SCN_CHECK_NOT_SENT] = "expect-not-sent",
    [SCN_CHECK_PRINTED] = "expect-printed", [SCN_CHECK_NOT_PRINTED] = "expect-not-printed",
    [SCN_CHECK_MESSAGE] = "expect-message", [SCN_CHECK_SEQ] = "expect-seq",
    [SCN_CHECK_RECEIVED] = "expect-received",
    [SCN_CHECK_RECONNECTS] = "expect-reconnects",
};

#define NAME_OF(table, v) \
    ((size_t)(v) < sizeof(table) / sizeof(table[0]) && (table)[(v)] ? (table)[(v)] : "?")

const char *scn_profile_str(enum scn_profile v) { return NAME_OF(profile_names, v); }
const char *scn_broker_str(enum scn_broker v) { return NAME_OF(broker_names, v); }
const char *scn_latency_str(enum scn_latency v) { return NAME_OF(latency_names, v); }
const char *scn_trigger_kind_str(enum scn_trigger_kind v) { return NAME_OF(trigger_names, v); }
const char *scn_action_kind_str(enum scn_action_kind v) { return NAME_OF(action_names, v); }
void scn_name_as_file(const char *name, struct strbuf *out)
{
    for (const char *p = name; *p; p++) {
        char c = (*p == '/' || *p == ' ' || (unsigned char)*p < 0x20) ? '_' : *p;
        sb_add(out, &c, 1);
    }
}

const char *scn_result_str(enum scn_result v) { return NAME_OF(result_names, v); }
const char *scn_step_kind_str(enum scn_step_kind v) { return NAME_OF(step_names, v); }
const char *scn_check_kind_str(enum scn_check_kind v) { return NAME_OF(check_names, v); }

static int name_index(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

int scn_result_from_str(const char *name) { return name_index(result_names, name); }

bool scn_step_is_driver(enum scn_step_kind k)
{
    return k >= SCN_STEP_BRING_UP && k <= SCN_STEP_EXPECT_CONNECTED;
}

/* ---- patterns ----------------------------------------------------------------- */

void scn_fill_payload(char *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)('0' + i % 10);
}

bool scn_pattern_match(const struct scn_pattern *p, const char *data, size_t len)
{
    switch (p->kind) {
    case SCN_PAT_NONE:
        return true;
    case SCN_PAT_EXACT:
        return len == p->text.len && memcmp(data, p->text.ptr, len) == 0;
    case SCN_PAT_SIZE:
        if (len != p->size) return false;
        for (size_t i = 0; i < len; i++)
            if (data[i] != (char)('0' + i % 10)) return false;
        return true;
    case SCN_PAT_REGEX: {
        /* regexec wants a C string; lines are short, payloads at most 10 KiB. */
        char *s = malloc(len + 1);
        if (!s) return false;
        memcpy(s, data, len);
        s[len] = '\0';
        bool m = regexec(&p->re, s, 0, NULL, 0) == 0;
        free(s);
        return m;
    }
    }
    return false;
}

/* ---- diagnostics ------------------------------------------------------------ */

static int diags_add(struct scn_diags *d, const char *file, int line, const char *msg)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        struct scn_diag *v = realloc(d->v, cap * sizeof *v);
        if (!v) return -1;
        d->v = v;
        d->cap = cap;
    }
    struct scn_diag *e = &d->v[d->n];
    e->file = strdup(file);
    e->msg = strdup(msg);
    e->line = line;
    if (!e->file || !e->msg) {
        free(e->file);
        free(e->msg);
        return -1;
    }
    d->n++;
    return 0;
}

void scn_diags_print(const struct scn_diags *d, FILE *out)
{
    for (size_t i = 0; i < d->n; i++) {
        if (d->v[i].line > 0)
            fprintf(out, "%s:%d: %s\n", d->v[i].file, d->v[i].line, d->v[i].msg);
        else
            fprintf(out, "%s: %s\n", d->v[i].file, d->v[i].msg);
    }
}

void scn_diags_free(struct scn_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].msg);
    }
    free(d->v);
    d->v = NULL;
    d->n = d->cap = 0;
}

/* ---- freeing ------------------------------------------------------------------ */

static void bytes_free(struct scn_bytes *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = 0;
}

static void pattern_free(struct scn_pattern *p)
{
    if (p->kind == SCN_PAT_REGEX)
        regfree(&p->re);
    bytes_free(&p->text);
    p->kind = SCN_PAT_NONE;
}

static void step_free(struct scn_step *s)
{
    bytes_free(&s->text);
    pattern_free(&s->pat);
    bytes_free(&s->topic);
    bytes_free(&s->payload);
    bytes_free(&s->apn);
    bytes_free(&s->server);
    bytes_free(&s->client_id);
    bytes_free(&s->user);
    bytes_free(&s->password);
}

static void event_free(struct scn_event *e)
{
    bytes_free(&e->trig.prefix);
    for (size_t i = 0; i < e->n_lines; i++)
        bytes_free(&e->lines[i]);
    bytes_free(&e->data);
    bytes_free(&e->topic);
    bytes_free(&e->payload);
}

static void check_free(struct scn_check *c)
{
    pattern_free(&c->pat);
    bytes_free(&c->topic);
}

void scn_free(struct scenario *sc)
{
    if (!sc) return;
    for (size_t i = 0; i < sc->n_events; i++) event_free(&sc->events[i]);
    for (size_t i = 0; i < sc->n_steps; i++) step_free(&sc->steps[i]);
    for (size_t i = 0; i < sc->n_checks; i++) check_free(&sc->checks[i]);
    free(sc->events);
    free(sc->steps);
    free(sc->checks);
    bytes_free(&sc->world.broker_user);
    bytes_free(&sc->world.broker_password);
    bytes_free(&sc->world.replay);
    free(sc->file);
    free(sc->name);
    free(sc);
}

/* ---- the parser ----------------------------------------------------------------- */

#define MAX_POS 20
#define MAX_OPTS 12

struct args {
    const char *keyword;
    const struct scn_tok *kw;
    const struct scn_tok *pos[MAX_POS];
    size_t n_pos;
    const struct scn_tok *opt[MAX_OPTS];
    size_t n_opt;
};

struct sim_only_use { int line; const char *what; };

/* Keywords that may be given once: their slots in parser.seen[]. */
enum { ONCE_NONE, ONCE_SCENARIO, ONCE_TARGETS, ONCE_TIME_LIMIT, ONCE_PROFILE, ONCE_SIM, ONCE_SIGNAL,
       ONCE_REGISTRATION, ONCE_BROKER, ONCE_LATENCY, ONCE_BAUD, ONCE_REPLAY, ONCE_COUNT_ };

struct parser {
    const char *file;
    struct scn_diags *diags;
    struct scenario *sc;
    int line;
    size_t n_errors;
    bool nomem;
    size_t cap_events, cap_steps, cap_checks;
    int targets_line;
    int seen[ONCE_COUNT_];             /* line where each once-only keyword was given */
    int first_step_line;               /* the first step, for "world must come before steps" */
    int first_driver_line, first_send_line;
    const char *first_driver_kw, *first_send_kw;
    struct sim_only_use *sim_only;     /* every sim-only statement, for "targets hardware" */
    size_t n_sim_only, cap_sim_only;
    struct regex_cost regex_spent;     /* by the regexes compiled so far */
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void perr_at(struct parser *p, int line, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (diags_add(p->diags, p->file, line, buf))
        p->nomem = true;
    p->n_errors++;
}

#define perr(p, ...) perr_at((p), (p)->line, __VA_ARGS__)

static char *xmemdup(struct parser *p, const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) {
        p->nomem = true;
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Joins names as "a, b, c" for "expected one of" messages. */
static void join_names(char *buf, size_t cap, const char *const *names)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; names[i] && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", names[i]);
}

/* A token shown in a message: words as is, strings quoted, regexes in slashes. */
static const char *tok_show(const struct scn_tok *t, char *buf, size_t cap)
{
    const char *open = t->kind == SCN_TOK_STRING ? "\"" : t->kind == SCN_TOK_REGEX ? "/" : "'";
    snprintf(buf, cap, "%s%.40s%s%s", open, t->text, t->len > 40 ? "..." : "", open);
    return buf;
}

/* ---- typed values ---- */

static bool want_word(struct parser *p, const struct scn_tok *t, const char *what)
{
    if (t->kind == SCN_TOK_WORD) return true;
    char b[64];
    perr(p, "%s must be a plain word, got the %s %s", what, scn_tok_kind_str(t->kind), tok_show(t, b, sizeof b));
    return false;
}

static bool parse_ulong(const char *s, unsigned long *v)
{
    if (*s < '0' || *s > '9') return false;
    errno = 0;
    char *end;
    unsigned long x = strtoul(s, &end, 10);
    if (errno || *end) return false;
    *v = x;
    return true;
}

static bool get_uint(struct parser *p, const struct scn_tok *t, const char *what,
                     unsigned long min, unsigned long max, long *out)
{
    unsigned long v;
    if (!want_word(p, t, what)) return false;
    if (!parse_ulong(t->text, &v) || v < min || v > max) {
        if (t->key)
            perr(p, "bad %s=%s; expected a whole number from %lu to %lu", t->key, t->text, min, max);
        else
            perr(p, "bad %s '%s'; expected a whole number from %lu to %lu", what, t->text, min, max);
        return false;
    }
    *out = (long)v;
    return true;
}

#define SCN_MAX_DURATION_MS 86400000ul /* a day: anything longer is a typo */

static bool get_duration(struct parser *p, const struct scn_tok *t, const char *what, uint32_t *out)
{
    if (!want_word(p, t, what)) return false;
    const char *s = t->text;
    size_t digits = strspn(s, "0123456789");
    unsigned long scale = 0;
    if (digits > 0 && digits <= 9) {
        const char *unit = s + digits;
        if (*unit == '\0' || strcmp(unit, "ms") == 0) scale = 1;
        else if (strcmp(unit, "s") == 0) scale = 1000;
        else if (strcmp(unit, "min") == 0) scale = 60000;
    }
    unsigned long v = scale ? strtoul(s, NULL, 10) * scale : 0;
    if (!scale || v > SCN_MAX_DURATION_MS) {
        if (t->key)
            perr(p, "bad duration %s=%s; expected a whole number with an optional unit "
                    "ms, s or min (250, 250ms, 5s, 2min), at most 24 hours", t->key, s);
        else
            perr(p, "bad duration '%s' for %s; expected a whole number with an optional unit "
                    "ms, s or min (250, 250ms, 5s, 2min), at most 24 hours", s, what);
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

static bool get_string(struct parser *p, const struct scn_tok *t, const char *what, struct scn_bytes *out)
{
    if (t->kind != SCN_TOK_STRING) {
        char b[64];
        perr(p, "%s must be a quoted string, got the %s %s; write it as \"...\"",
             what, scn_tok_kind_str(t->kind), tok_show(t, b, sizeof b));
        return false;
    }
    bytes_free(out);
    out->ptr = xmemdup(p, t->text, t->len);
    out->len = out->ptr ? t->len : 0;
    return out->ptr != NULL;
}

/* A string, or a word (for names such as "scenario cold-start"). */
static bool get_text(struct parser *p, const struct scn_tok *t, const char *what, char **out)
{
    if (t->kind == SCN_TOK_REGEX) {
        perr(p, "%s must be a word or a quoted string, got the regex /%s/", what, t->text);
        return false;
    }
    if (memchr(t->text, '\0', t->len)) {
        perr(p, "%s must not contain a NUL byte", what);
        return false;
    }
    free(*out);
    *out = xmemdup(p, t->text, t->len);
    return *out != NULL;
}

static bool get_pattern(struct parser *p, const struct scn_tok *t, const char *what, struct scn_pattern *out)
{
    char b[64];
    pattern_free(out);
    if (t->kind == SCN_TOK_WORD) {
        perr(p, "%s must be a quoted string (exact line) or /regex/, got the word %s",
             what, tok_show(t, b, sizeof b));
        return false;
    }
    out->text.ptr = xmemdup(p, t->text, t->len);
    out->text.len = t->len;
    if (!out->text.ptr) return false;
    if (t->kind == SCN_TOK_STRING) {
        out->kind = SCN_PAT_EXACT;
        return true;
    }
    struct regex_cost cost = regex_cost(t->text);
    if (regex_cost_over(cost)) {
        perr(p, "regular expression /%s/ for %s is too big to compile: %s; simplify it", t->text, what,
             regex_cost_why(cost));
        bytes_free(&out->text);
        return false;
    }
    /* Every compiled regex lives as long as the scenario: without a budget
     * for the file, a few KB of lines each just under the limit took GBs. */
    struct regex_cost spent = regex_cost_add(p->regex_spent, cost);
    if (regex_cost_over(spent)) {
        perr(p, "regular expression /%s/ for %s makes the scenario's regular expressions too big to "
                "compile together: %s, where all of a file's may cost only what one may; simplify them",
             t->text, what, regex_cost_why(spent));
        bytes_free(&out->text);
        return false;
    }
    int rc = regcomp(&out->re, t->text, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[160];
        regerror(rc, &out->re, msg, sizeof msg);
        perr(p, "bad regular expression /%s/ for %s: %s; expected a POSIX extended regex", t->text, what, msg);
        bytes_free(&out->text);
        return false;
    }
    p->regex_spent = spent;
    out->kind = SCN_PAT_REGEX;
    return true;
}

static bool get_name(struct parser *p, const struct scn_tok *t, const char *what,
                     const char *const *names, int *out)
{
    char list[256];
    if (!want_word(p, t, what)) return false;
    int i = name_index(names, t->text);
    if (i < 0) {
        join_names(list, sizeof list, names);
        perr(p, "unknown %s '%s'; expected one of: %s", what, t->text, list);
        return false;
    }
    *out = i;
    return true;
}

static const struct scn_tok *opt(const struct args *a, const char *key)
{
    for (size_t i = 0; i < a->n_opt; i++)
        if (strcmp(a->opt[i]->key, key) == 0)
            return a->opt[i];
    return NULL;
}

/* Option helpers: leave *out untouched when the option is absent. */
static void opt_uint(struct parser *p, const struct args *a, const char *key,
                     unsigned long min, unsigned long max, long *out)
{
    const struct scn_tok *t = opt(a, key);
    char what[48];
    snprintf(what, sizeof what, "option %s=", key);
    if (t) get_uint(p, t, what, min, max, out);
}

static void opt_int(struct parser *p, const struct args *a, const char *key,
                    unsigned long min, unsigned long max, int *out)
{
    long v = *out;
    opt_uint(p, a, key, min, max, &v);
    *out = (int)v;
}

static void opt_duration(struct parser *p, const struct args *a, const char *key, uint32_t *out)
{
    const struct scn_tok *t = opt(a, key);
    char what[48];
    snprintf(what, sizeof what, "option %s=", key);
    if (t) get_duration(p, t, what, out);
}

static void opt_string(struct parser *p, const struct args *a, const char *key, struct scn_bytes *out)
{
    const struct scn_tok *t = opt(a, key);
    char what[48];
    snprintf(what, sizeof what, "option %s=", key);
    if (t) get_string(p, t, what, out);
}

static void opt_result(struct parser *p, const struct args *a, enum scn_result *out)
{
    const struct scn_tok *t = opt(a, "result");
    int v;
    if (t && get_name(p, t, "result", result_names, &v))
        *out = (enum scn_result)v;
}

/* ---- the keyword tables ---- */

enum {
    F_HEADER = 1u << 0,   /* once per file */
    F_WORLD = 1u << 1,    /* start state: once, before the first step */
    F_STEP = 1u << 2,
    F_CHECK = 1u << 3,
    F_EVENT = 1u << 4,    /* a trigger; an action follows */
    F_SIM_ONLY = 1u << 5,
    F_WIRE_SEND = 1u << 6,/* writes to the wire itself: no driver in the same scenario */
    F_ON_SEND = 1u << 7,  /* action: only with an on-send trigger */
};

struct kw_def;
/* obj: the scenario (header, world), the step, the check or the event being built. */
typedef void (*kw_fn)(struct parser *p, const struct kw_def *d, const struct args *a, void *obj);

struct kw_def {
    const char *name;
    unsigned min_args, max_args;
    unsigned flags;
    const char *const *keys; /* allowed options, NULL-terminated; NULL = none */
    const char *usage;
    kw_fn fn;
    int kind;                /* step/check/trigger/action kind */
    int once;                /* header and start state: slot in parser.seen[], for "given twice" */
};

/* -- header -- */

static void kw_scenario(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scenario *sc = obj;
    (void)d;
    if (get_text(p, a->pos[0], "the scenario name", &sc->name)) {
        if (sc->name[0] == '\0') perr(p, "the scenario name is empty; expected a name such as \"cold-start\"");
        sc->name_line = p->line;
    }
}

static const char *const target_names[] = { "sim", "hardware", "both", NULL };

static void kw_targets(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scenario *sc = obj;
    unsigned t = 0;
    (void)d;
    for (size_t i = 0; i < a->n_pos; i++) {
        int v;
        if (!get_name(p, a->pos[i], "target", target_names, &v)) return;
        t |= v == 0 ? SCN_TARGET_SIM : v == 1 ? SCN_TARGET_HARDWARE : SCN_TARGET_BOTH;
    }
    sc->targets = t;
    p->targets_line = p->line;
}

static void kw_time_limit(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scenario *sc = obj;
    uint32_t ms;
    (void)d;
    if (get_duration(p, a->pos[0], "the time limit", &ms)) {
        if (ms == 0) perr(p, "the time limit must be more than 0");
        sc->time_limit_ms = ms;
    }
}

/* -- world -- */

static void kw_profile(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    int v;
    (void)d;
    if (get_name(p, a->pos[0], "profile", profile_names, &v)) {
        w->profile = (enum scn_profile)v;
        w->profile_line = p->line;
    }
}

static const char *const sim_names[] = { "absent", "present", NULL };

static bool get_sim(struct parser *p, const struct args *a, int *present)
{
    return get_name(p, a->pos[0], "SIM state", sim_names, present);
}

static void kw_sim(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    int v;
    (void)d;
    if (get_sim(p, a, &v)) {
        w->sim_present = v == 1;
        w->sim_line = p->line;
    }
}

static bool get_rssi(struct parser *p, const struct args *a, int *rssi)
{
    long v;
    if (!get_uint(p, a->pos[0], "signal rssi", 0, 99, &v)) return false;
    if (v > 31 && v != 99) {
        perr(p, "bad signal rssi '%ld'; expected 0-31 (as AT+CSQ prints it) or 99 (no signal)", v);
        return false;
    }
    *rssi = (int)v;
    return true;
}

static void kw_signal(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    (void)d;
    if (get_rssi(p, a, &w->rssi)) w->signal_line = p->line;
}

/* 3GPP 27.007 <stat> values, by number or by name. */
static const char *const reg_names[] = {
    "not-registered", "home", "searching", "denied", "unknown", "roaming", NULL,
};

static bool get_reg(struct parser *p, const struct args *a, int *stat)
{
    const struct scn_tok *t = a->pos[0];
    unsigned long v;
    if (t->kind == SCN_TOK_WORD && parse_ulong(t->text, &v)) {
        if (v <= 5) {
            *stat = (int)v;
            return true;
        }
        perr(p, "bad registration stat '%s'; expected 0-5 or a name: not-registered, home, "
                "searching, denied, unknown, roaming", t->text);
        return false;
    }
    return get_name(p, t, "registration stat", reg_names, stat);
}

static void kw_registration(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    (void)d;
    if (get_reg(p, a, &w->reg_stat)) w->registration_line = p->line;
}

/* "broker accept|refuse CODE|unreachable|dns-fail|no-connack" */
static bool get_broker(struct parser *p, const struct args *a, enum scn_broker *mode, int *code)
{
    int v;
    if (!get_name(p, a->pos[0], "broker mode", broker_names, &v)) return false;
    *mode = (enum scn_broker)v;
    if (v == SCN_BROKER_REFUSE) {
        long c;
        if (a->n_pos < 2) {
            perr(p, "'broker refuse' needs the CONNACK code; expected 'broker refuse 1-5' "
                    "(5 = not authorized, 4 = bad user name or password)");
            return false;
        }
        if (!get_uint(p, a->pos[1], "CONNACK refuse code", 1, 5, &c)) return false;
        *code = (int)c;
    } else if (a->n_pos > 1) {
        perr(p, "'broker %s' takes no code; only 'broker refuse CODE' does", broker_names[v]);
        return false;
    }
    if (v != SCN_BROKER_ACCEPT && (opt(a, "user") || opt(a, "password"))) {
        perr(p, "user= and password= only go with 'broker accept' (the credentials the broker requires)");
        return false;
    }
    return true;
}

static void kw_broker(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    (void)d;
    if (get_broker(p, a, &w->broker, &w->broker_refuse_code)) {
        opt_string(p, a, "user", &w->broker_user);
        opt_string(p, a, "password", &w->broker_password);
        if (w->broker_password.ptr && !w->broker_user.ptr)
            perr(p, "password= needs user= too (the module sends a password only after a user name)");
        w->broker_line = p->line;
    }
}

static void kw_latency(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    int v;
    (void)d;
    if (get_name(p, a->pos[0], "latency", latency_names, &v)) {
        w->latency = (enum scn_latency)v;
        w->latency_line = p->line;
    }
}

/* AT+IPR's list (reference §1.8), plus 0 for unpaced output. */
static const unsigned long baud_rates[] = {
    0, 300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400,
    460800, 921600, 3000000, 3200000, 3686400, 4000000,
};

/* A log path is relative to the scenario's folder, so a suite moves as a whole. */
static void resolve_log(struct parser *p, struct scn_bytes *path)
{
    const char *slash = strrchr(p->file, '/');
    if (path->ptr[0] == '/' || !slash)
        return;
    size_t dir = (size_t)(slash - p->file) + 1;
    char *full = malloc(dir + path->len + 1);
    if (!full) {
        p->nomem = true;
        return;
    }
    memcpy(full, p->file, dir);
    memcpy(full + dir, path->ptr, path->len + 1);
    bytes_free(path);
    path->ptr = full;
    path->len = dir + strlen(full + dir);
}

static void kw_replay(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    long strict = 0, speed = 1;
    (void)d;
    if (!get_string(p, a->pos[0], "the log to replay", &w->replay))
        return;
    if (memchr(w->replay.ptr, '\0', w->replay.len) || w->replay.len == 0) {
        perr(p, "the log to replay must be a file name, without NUL bytes");
        return;
    }
    resolve_log(p, &w->replay);
    if (access(w->replay.ptr, R_OK) != 0) {
        perr(p, "cannot read the log to replay '%s': %s; paths are relative to the scenario's folder",
             w->replay.ptr, strerror(errno));
        return;
    }
    opt_uint(p, a, "strict", 0, 1, &strict);
    opt_uint(p, a, "speed", 1, 1000, &speed);
    w->replay_strict = strict != 0;
    w->replay_speed = (unsigned)speed;
    w->replay_line = p->line;
}

static void kw_baud(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    unsigned long v;
    (void)d;
    if (!want_word(p, a->pos[0], "baud rate")) return;
    if (parse_ulong(a->pos[0]->text, &v))
        for (size_t i = 0; i < sizeof baud_rates / sizeof baud_rates[0]; i++)
            if (baud_rates[i] == v) {
                w->baud = (uint32_t)v;
                w->baud_line = p->line;
                return;
            }
    perr(p, "bad baud rate '%s'; expected one the module supports (AT+IPR): 300, 600, 1200, 2400, "
            "4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 3000000, 3200000, "
            "3686400, 4000000, or 0 for unpaced", a->pos[0]->text);
}

/* -- steps -- */

static void step_driver_opts(struct parser *p, const struct args *a, struct scn_step *s)
{
    opt_duration(p, a, "within", &s->within_ms);
    opt_result(p, a, &s->result);
}

static void kw_send(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_step *s = obj;
    get_string(p, a->pos[0], d->kind == SCN_STEP_SEND ? "the command line" : "the bytes", &s->text);
    if (s->text.ptr && d->kind == SCN_STEP_SEND && memchr(s->text.ptr, '\r', s->text.len))
        perr(p, "'send' adds the \\r itself; drop the \\r from the line, or use send-raw for exact bytes");
}

static void kw_expect(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_step *s = obj;
    (void)d;
    s->within_ms = SCN_DEFAULT_EXPECT_MS;
    get_pattern(p, a->pos[0], "the expected line", &s->pat);
    opt_duration(p, a, "within", &s->within_ms);
}

static void kw_expect_prompt(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_step *s = obj;
    (void)d;
    s->within_ms = SCN_DEFAULT_EXPECT_MS;
    opt_duration(p, a, "within", &s->within_ms);
}

static void kw_bring_up(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_step *s = obj;
    (void)d;
    opt_string(p, a, "apn", &s->apn);
    step_driver_opts(p, a, s);
}

static void kw_connect(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_step *s = obj;
    (void)d;
    opt_string(p, a, "server", &s->server);
    opt_string(p, a, "client-id", &s->client_id);
    opt_string(p, a, "user", &s->user);
    opt_string(p, a, "password", &s->password);
    opt_int(p, a, "keepalive", 60, 64800, &s->keepalive);
    opt_int(p, a, "clean", 0, 1, &s->clean);
    step_driver_opts(p, a, s);
    if (s->server.ptr && strncmp(s->server.ptr, "tcp://", 6) != 0)
        perr(p, "server= must begin with tcp:// (the module requires it, also for TLS), got \"%s\"", s->server.ptr);
    if (s->client_id.ptr && (s->client_id.len < 1 || s->client_id.len > 23))
        perr(p, "client-id= must be 1 to 23 bytes (AT+CMQTTACCQ), got %zu", s->client_id.len);
    if (s->password.ptr && !s->user.ptr)
        perr(p, "password= needs user= too (the module sends a password only after a user name)");
}

static void kw_subscribe(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_step *s = obj;
    (void)d;
    get_string(p, a->pos[0], "the topic", &s->topic);
    opt_int(p, a, "qos", 0, 2, &s->qos);
    step_driver_opts(p, a, s);
}

/* PAYLOAD positional or size=N, exactly one of them. */
static void get_payload(struct parser *p, const struct args *a, size_t idx, const char *kw,
                        struct scn_bytes *payload, size_t *size)
{
    const struct scn_tok *sz = opt(a, "size");
    if (a->n_pos > idx && sz) {
        perr(p, "'%s' takes either a PAYLOAD or size=N, not both", kw);
        return;
    }
    if (a->n_pos > idx) {
        get_string(p, a->pos[idx], "the payload", payload);
        return;
    }
    if (!sz) {
        perr(p, "'%s' needs a payload; expected a quoted PAYLOAD or size=N (N generated bytes)", kw);
        return;
    }
    long v;
    if (get_uint(p, sz, "option size=", 1, 10240, &v))
        *size = (size_t)v;
}

static void kw_publish(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_step *s = obj;
    get_string(p, a->pos[0], "the topic", &s->topic);
    get_payload(p, a, 1, d->name, &s->payload, &s->payload_size);
    if (s->payload.ptr) s->payload_size = s->payload.len;
    opt_int(p, a, "qos", 0, 2, &s->qos);
    opt_int(p, a, "retain", 0, 1, &s->retain);
    step_driver_opts(p, a, s);
}

static void kw_publish_seq(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_step *s = obj;
    long n;
    (void)d;
    get_string(p, a->pos[0], "the topic", &s->topic);
    if (get_uint(p, a->pos[1], "sequence length", 1, 1000000, &n)) s->count = (unsigned)n;
    get_duration(p, a->pos[2], "the interval", &s->interval_ms);
    opt_int(p, a, "qos", 0, 2, &s->qos);
    step_driver_opts(p, a, s);
}

static void kw_driver_plain(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    (void)d;
    step_driver_opts(p, a, obj);
}

static void kw_expect_connected(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_step *s = obj;
    (void)d;
    s->within_ms = SCN_DEFAULT_EXPECT_MS;
    opt_duration(p, a, "within", &s->within_ms);
}

static void kw_wait(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_step *s = obj;
    (void)d;
    get_duration(p, a->pos[0], "wait", &s->within_ms);
}

/* -- checks -- */

static void kw_check_line(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_check *c = obj;
    get_pattern(p, a->pos[0], "the line", &c->pat);
    if (d->kind == SCN_CHECK_SENT || d->kind == SCN_CHECK_PRINTED)
        opt_uint(p, a, "count", 0, 1000000, &c->count);
}

static void kw_check_message(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_check *c = obj;
    get_string(p, a->pos[0], "the topic", &c->topic);
    const struct scn_tok *sz = opt(a, "size");
    if (a->n_pos > 1 && sz) {
        perr(p, "'%s' takes either a PAYLOAD or size=N, not both", d->name);
    } else if (a->n_pos > 1) {
        get_pattern(p, a->pos[1], "the payload", &c->pat);
    } else if (sz) {
        long v;
        if (get_uint(p, sz, "option size=", 1, 10240, &v)) {
            c->pat.kind = SCN_PAT_SIZE;
            c->pat.size = (size_t)v;
        }
    }
    opt_uint(p, a, "count", 0, 1000000, &c->count);
}

static void kw_check_seq(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_check *c = obj;
    (void)d;
    get_string(p, a->pos[0], "the topic", &c->topic);
    get_uint(p, a->pos[1], "sequence length", 1, 1000000, &c->count);
    opt_uint(p, a, "max-dup", 0, 1000000, &c->max_dup);
}

static void kw_check_reconnects(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_check *c = obj;
    (void)d;
    if (a->n_pos == 1 && (opt(a, "min") || opt(a, "max"))) {
        perr(p, "'expect-reconnects' takes either N or min=/max=, not both");
        return;
    }
    if (a->n_pos == 0 && !opt(a, "min") && !opt(a, "max")) {
        perr(p, "'expect-reconnects' needs a count; expected 'expect-reconnects N' or min=N and/or max=N");
        return;
    }
    if (a->n_pos == 1) {
        if (get_uint(p, a->pos[0], "reconnect count", 0, 1000000, &c->min)) c->max = c->min;
        return;
    }
    opt_uint(p, a, "min", 0, 1000000, &c->min);
    opt_uint(p, a, "max", 0, 1000000, &c->max);
    if (c->max >= 0 && c->min > c->max)
        perr(p, "min=%ld is more than max=%ld", c->min, c->max);
}

/* -- events: triggers, then actions -- */

static void trig_at(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_event *e = obj;
    (void)d;
    get_duration(p, a->pos[0], "'at'", &e->trig.at_ms);
}

static void trig_on_send(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_event *e = obj;
    long n = 1;
    (void)d;
    if (get_string(p, a->pos[0], "the command prefix", &e->trig.prefix) && e->trig.prefix.len == 0)
        perr(p, "the command prefix is empty; expected the start of a command line, as in \"AT+CMQTTPUB\"");
    opt_uint(p, a, "nth", 1, 1000000, &n);
    e->trig.nth = (unsigned)n;
}

static void trig_after_publishes(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_event *e = obj;
    long n;
    (void)d;
    if (get_uint(p, a->pos[0], "publish count", 1, 1000000, &n)) e->trig.publishes = (unsigned)n;
}

static void act_connection_lost(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_event *e = obj;
    long v;
    (void)d;
    if (get_uint(p, a->pos[0], "connection-lost cause", 1, 3, &v)) e->cause = (int)v;
    opt_int(p, a, "client", 0, 1, &e->client);
}

static void act_none(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    (void)p; (void)d; (void)a; (void)obj;
}

static void act_duration(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_event *e = obj;
    char what[48];
    snprintf(what, sizeof what, "'%s'", d->name);
    get_duration(p, a->pos[0], what, &e->ms);
}

static void act_replace(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_event *e = obj;
    (void)d;
    for (size_t i = 0; i < a->n_pos && i < SCN_MAX_REPLACE_LINES; i++) {
        if (!get_string(p, a->pos[i], "a replacement line", &e->lines[i])) return;
        e->n_lines = i + 1;
    }
}

static void act_garble(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_event *e = obj;
    long v, seed = 1;
    (void)d;
    if (get_uint(p, a->pos[0], "garble byte count", 1, 100000, &v)) e->count = (unsigned)v;
    opt_uint(p, a, "seed", 1, 0xFFFFFFFFul, &seed);
    e->seed = (unsigned)seed;
}

static void act_inject(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_event *e = obj;
    (void)d;
    if (get_string(p, a->pos[0], "the bytes", &e->data) && e->data.len == 0)
        perr(p, "'inject' needs at least one byte");
}

static void act_deliver(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_event *e = obj;
    if (get_string(p, a->pos[0], "the topic", &e->topic) && (e->topic.len < 1 || e->topic.len > 1024))
        perr(p, "the topic must be 1 to 1024 bytes, got %zu", e->topic.len);
    get_payload(p, a, 1, d->name, &e->payload, &e->payload_size);
    if (e->payload.ptr) e->payload_size = e->payload.len;
    opt_int(p, a, "qos", 0, 2, &e->qos);
    opt_int(p, a, "client", 0, 1, &e->client);
}

static void act_signal(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    (void)d;
    get_rssi(p, a, &((struct scn_event *)obj)->value);
}

static void act_registration(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    (void)d;
    get_reg(p, a, &((struct scn_event *)obj)->value);
}

static void act_sim(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    (void)d;
    get_sim(p, a, &((struct scn_event *)obj)->value);
}

static void act_broker(struct parser *p, const struct kw_def *d, const struct args *a, void *obj)
{
    struct scn_event *e = obj;
    (void)d;
    get_broker(p, a, &e->broker, &e->value);
}

/* -- the tables -- */

static const char *const K_DRIVER[] = { "within", "result", NULL };
static const char *const K_WITHIN[] = { "within", NULL };
static const char *const K_BRING_UP[] = { "apn", "within", "result", NULL };
static const char *const K_CONNECT[] = { "server", "client-id", "user", "password", "keepalive",
                                         "clean", "within", "result", NULL };
static const char *const K_SUBSCRIBE[] = { "qos", "within", "result", NULL };
static const char *const K_PUBLISH[] = { "size", "qos", "retain", "within", "result", NULL };
static const char *const K_PUBLISH_SEQ[] = { "qos", "within", "result", NULL };
static const char *const K_COUNT[] = { "count", NULL };
static const char *const K_MESSAGE[] = { "size", "count", NULL };
static const char *const K_SEQ[] = { "max-dup", NULL };
static const char *const K_MINMAX[] = { "min", "max", NULL };
static const char *const K_BROKER[] = { "user", "password", NULL };
static const char *const K_REPLAY[] = { "strict", "speed", NULL };
static const char *const K_NTH[] = { "nth", NULL };
static const char *const K_CLIENT[] = { "client", NULL };
static const char *const K_GARBLE[] = { "seed", NULL };
static const char *const K_DELIVER[] = { "size", "qos", "client", NULL };

#define W (F_WORLD | F_SIM_ONLY)
#define DS F_STEP /* driver steps run on both targets */

static const struct kw_def statements[] = {
    { "scenario", 1, 1, F_HEADER, NULL, "scenario NAME", kw_scenario, 0, ONCE_SCENARIO },
    { "targets", 1, 2, F_HEADER, NULL, "targets sim|hardware|both", kw_targets, 0, ONCE_TARGETS },
    { "time-limit", 1, 1, F_HEADER, NULL, "time-limit DURATION", kw_time_limit, 0, ONCE_TIME_LIMIT },

    { "profile", 1, 1, W, NULL, "profile cold|warm", kw_profile, 0, ONCE_PROFILE },
    { "sim", 1, 1, W, NULL, "sim present|absent", kw_sim, 0, ONCE_SIM },
    { "signal", 1, 1, W, NULL, "signal RSSI (0-31, 99 = none)", kw_signal, 0, ONCE_SIGNAL },
    { "registration", 1, 1, W, NULL, "registration STAT (0-5 or a name)", kw_registration, 0, ONCE_REGISTRATION },
    { "broker", 1, 2, W, K_BROKER,
      "broker accept [user=\"U\" password=\"P\"] | refuse CODE | unreachable | dns-fail | no-connack", kw_broker, 0, ONCE_BROKER },
    { "latency", 1, 1, W, NULL, "latency fast|realistic", kw_latency, 0, ONCE_LATENCY },
    { "baud", 1, 1, W, NULL, "baud RATE", kw_baud, 0, ONCE_BAUD },
    { "replay", 1, 1, W, K_REPLAY, "replay \"LOG.cap\" [strict=0|1] [speed=N]", kw_replay, 0, ONCE_REPLAY },

    { "at", 1, 1, F_EVENT | F_SIM_ONLY, NULL, "at DURATION ACTION ...", trig_at, SCN_TRIG_AT },
    { "on-send", 1, 1, F_EVENT | F_SIM_ONLY, K_NTH, "on-send \"PREFIX\" [nth=N] ACTION ...", trig_on_send, SCN_TRIG_ON_SEND },
    { "after-publishes", 1, 1, F_EVENT | F_SIM_ONLY, NULL, "after-publishes N ACTION ...", trig_after_publishes, SCN_TRIG_AFTER_PUBLISHES },

    { "send", 1, 1, F_STEP | F_WIRE_SEND, NULL, "send \"LINE\"", kw_send, SCN_STEP_SEND },
    { "send-raw", 1, 1, F_STEP | F_WIRE_SEND, NULL, "send-raw \"BYTES\"", kw_send, SCN_STEP_SEND_RAW },
    { "expect", 1, 1, F_STEP, K_WITHIN, "expect \"LINE\"|/REGEX/ [within=T]", kw_expect, SCN_STEP_EXPECT },
    { "expect-prompt", 0, 0, F_STEP, K_WITHIN, "expect-prompt [within=T]", kw_expect_prompt, SCN_STEP_EXPECT_PROMPT },
    { "bring-up", 0, 0, DS, K_BRING_UP, "bring-up [apn=\"APN\"] [within=T] [result=R]", kw_bring_up, SCN_STEP_BRING_UP },
    { "connect", 0, 0, DS, K_CONNECT,
      "connect [server=\"tcp://H:P\"] [client-id=\"ID\"] [user=\"U\"] [password=\"P\"] [keepalive=S] [clean=0|1] "
      "[within=T] [result=R]", kw_connect, SCN_STEP_CONNECT },
    { "subscribe", 1, 1, DS, K_SUBSCRIBE, "subscribe \"TOPIC\" [qos=0-2] [within=T] [result=R]", kw_subscribe, SCN_STEP_SUBSCRIBE },
    { "publish", 1, 2, DS, K_PUBLISH,
      "publish \"TOPIC\" \"PAYLOAD\"|size=N [qos=0-2] [retain=0|1] [within=T] [result=R]", kw_publish, SCN_STEP_PUBLISH },
    { "publish-seq", 3, 3, DS, K_PUBLISH_SEQ, "publish-seq \"TOPIC\" N INTERVAL [qos=0-2] [within=T] [result=R]",
      kw_publish_seq, SCN_STEP_PUBLISH_SEQ },
    { "disconnect", 0, 0, DS, K_DRIVER, "disconnect [within=T] [result=R]", kw_driver_plain, SCN_STEP_DISCONNECT },
    { "expect-connected", 0, 0, DS, K_WITHIN, "expect-connected [within=T]", kw_expect_connected, SCN_STEP_EXPECT_CONNECTED },
    { "wait", 1, 1, F_STEP, NULL, "wait DURATION", kw_wait, SCN_STEP_WAIT },

    { "expect-sent", 1, 1, F_CHECK, K_COUNT, "expect-sent \"LINE\"|/REGEX/ [count=N]", kw_check_line, SCN_CHECK_SENT },
    { "expect-not-sent", 1, 1, F_CHECK, NULL, "expect-not-sent \"LINE\"|/REGEX/", kw_check_line, SCN_CHECK_NOT_SENT },
    { "expect-printed", 1, 1, F_CHECK, K_COUNT, "expect-printed \"LINE\"|/REGEX/ [count=N]", kw_check_line, SCN_CHECK_PRINTED },
    { "expect-not-printed", 1, 1, F_CHECK, NULL, "expect-not-printed \"LINE\"|/REGEX/", kw_check_line, SCN_CHECK_NOT_PRINTED },
    { "expect-message", 1, 2, F_CHECK, K_MESSAGE, "expect-message \"TOPIC\" [\"PAYLOAD\"|/REGEX/|size=N] [count=N]",
      kw_check_message, SCN_CHECK_MESSAGE },
    { "expect-received", 1, 2, F_CHECK, K_MESSAGE, "expect-received \"TOPIC\" [\"PAYLOAD\"|/REGEX/|size=N] [count=N]",
      kw_check_message, SCN_CHECK_RECEIVED },
    { "expect-seq", 2, 2, F_CHECK, K_SEQ, "expect-seq \"TOPIC\" N [max-dup=N]", kw_check_seq, SCN_CHECK_SEQ },
    { "expect-reconnects", 0, 1, F_CHECK, K_MINMAX, "expect-reconnects N | [min=N] [max=N]",
      kw_check_reconnects, SCN_CHECK_RECONNECTS },
};

static const struct kw_def actions[] = {
    { "connection-lost", 1, 1, 0, K_CLIENT, "connection-lost CAUSE(1-3) [client=0|1]", act_connection_lost, SCN_ACT_CONNECTION_LOST },
    { "reboot", 0, 0, 0, NULL, "reboot", act_none, SCN_ACT_REBOOT },
    { "silent", 1, 1, 0, NULL, "silent DURATION", act_duration, SCN_ACT_SILENT },
    { "replace", 1, SCN_MAX_REPLACE_LINES, F_ON_SEND, NULL, "replace \"LINE\" [\"LINE\"...]", act_replace, SCN_ACT_REPLACE },
    { "delay", 1, 1, F_ON_SEND, NULL, "delay DURATION", act_duration, SCN_ACT_DELAY },
    { "garble", 1, 1, 0, K_GARBLE, "garble N [seed=S]", act_garble, SCN_ACT_GARBLE },
    { "inject", 1, 1, 0, NULL, "inject \"BYTES\"", act_inject, SCN_ACT_INJECT },
    { "deliver", 1, 2, 0, K_DELIVER, "deliver \"TOPIC\" \"PAYLOAD\"|size=N [qos=0-2] [client=0|1]", act_deliver, SCN_ACT_DELIVER },
    { "signal", 1, 1, 0, NULL, "signal RSSI", act_signal, SCN_ACT_SIGNAL },
    { "registration", 1, 1, 0, NULL, "registration STAT", act_registration, SCN_ACT_REGISTRATION },
    { "sim", 1, 1, 0, NULL, "sim present|absent", act_sim, SCN_ACT_SIM },
    { "broker", 1, 2, 0, NULL, "broker accept|refuse CODE|unreachable|dns-fail|no-connack", act_broker, SCN_ACT_BROKER },
};

#undef W
#undef DS

#define COUNT(t) (sizeof(t) / sizeof((t)[0]))

static const struct kw_def *find_kw(const struct kw_def *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

static void table_names(char *buf, size_t cap, const struct kw_def *table, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", table[i].name);
}

static bool key_allowed(const struct kw_def *d, const char *key)
{
    for (size_t i = 0; d->keys && d->keys[i]; i++)
        if (strcmp(d->keys[i], key) == 0)
            return true;
    return false;
}

/* Splits toks[0..n) into positional arguments and options for d, and checks both.
 * For a trigger (stop_at_action), splitting stops after its arguments and its own
 * options; *used says how many tokens it took. */
static bool split_args(struct parser *p, const struct kw_def *d, const struct scn_tok *toks, size_t n,
                       bool stop_at_action, struct args *a, size_t *used)
{
    size_t i = 1;
    bool ok = true; /* false only when the argument count is wrong: bad options are
                       reported, and the handler still checks the rest of the line */
    memset(a, 0, sizeof *a);
    a->keyword = d->name;
    a->kw = &toks[0];
    for (; i < n; i++) {
        const struct scn_tok *t = &toks[i];
        if (t->key) {
            if (stop_at_action && !key_allowed(d, t->key)) break;
            if (!key_allowed(d, t->key)) {
                char list[200];
                if (d->keys) join_names(list, sizeof list, d->keys);
                perr(p, "'%s' has no option '%s'; %s%s", d->name, t->key,
                     d->keys ? "expected one of: " : "it takes no options", d->keys ? list : "");
                continue;
            }
            if (opt(a, t->key)) {
                perr(p, "option '%s' given twice", t->key);
                continue;
            }
            if (a->n_opt < MAX_OPTS) a->opt[a->n_opt++] = t;
            continue;
        }
        if (stop_at_action && a->n_pos == d->max_args) break;
        if (a->n_pos < MAX_POS) a->pos[a->n_pos] = t;
        a->n_pos++;
    }
    *used = i;
    if (a->n_pos < d->min_args || a->n_pos > d->max_args) {
        if (d->min_args == d->max_args)
            perr(p, "'%s' takes %u argument%s, got %zu; usage: %s", d->name, d->min_args,
                 d->min_args == 1 ? "" : "s", a->n_pos, d->usage);
        else
            perr(p, "'%s' takes %u to %u arguments, got %zu; usage: %s", d->name, d->min_args,
                 d->max_args, a->n_pos, d->usage);
        ok = false;
    }
    if (a->n_pos > MAX_POS) a->n_pos = MAX_POS;
    return ok;
}

/* ---- growing arrays ---- */

static void *grow(struct parser *p, void *v, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) return v;
    size_t c = *cap ? *cap * 2 : 8;
    void *nv = realloc(v, c * elem);
    if (!nv) {
        p->nomem = true;
        return NULL;
    }
    *cap = c;
    return nv;
}

static void note_sim_only(struct parser *p, const char *what)
{
    struct sim_only_use *v = grow(p, p->sim_only, &p->cap_sim_only, p->n_sim_only, sizeof *v);
    if (!v) return;
    p->sim_only = v;
    p->sim_only[p->n_sim_only++] = (struct sim_only_use){ p->line, what };
    p->sc->uses_sim_only = true;
}

/* ---- one statement ---- */

static void do_event(struct parser *p, const struct kw_def *trig, const struct scn_line *ln)
{
    struct args ta, aa;
    size_t used, used2;
    struct scn_event e = { .line = p->line, .trig.kind = (enum scn_trigger_kind)trig->kind, .trig.nth = 1 };
    size_t before = p->n_errors;
    char list[400];

    bool ok = split_args(p, trig, ln->toks, ln->n, true, &ta, &used);
    if (ok) trig->fn(p, trig, &ta, &e);
    if (used >= ln->n) {
        table_names(list, sizeof list, actions, COUNT(actions));
        perr(p, "'%s' needs an action after the trigger; expected one of: %s", trig->name, list);
        goto out;
    }
    const struct scn_tok *at = &ln->toks[used];
    if (at->key) {
        perr(p, "'%s' has no option '%s'; %s", trig->name, at->key,
             trig->keys ? "expected nth=N" : "it takes no options");
        goto out;
    }
    const struct kw_def *act = at->kind == SCN_TOK_WORD && !at->key
                                   ? find_kw(actions, COUNT(actions), at->text) : NULL;
    if (!act) {
        char b[64];
        table_names(list, sizeof list, actions, COUNT(actions));
        perr(p, "unknown action %s after '%s'; expected one of: %s", tok_show(at, b, sizeof b), trig->name, list);
        goto out;
    }
    e.kind = (enum scn_action_kind)act->kind;
    if (!split_args(p, act, ln->toks + used, ln->n - used, false, &aa, &used2)) goto out;
    act->fn(p, act, &aa, &e);
    if ((act->flags & F_ON_SEND) && trig->kind != SCN_TRIG_ON_SEND)
        perr(p, "'%s' needs an on-send trigger (it changes the answer to that command); "
                "expected on-send \"PREFIX\" %s ...", act->name, act->name);
out:
    if (p->n_errors == before && !p->nomem) {
        struct scn_event *v = grow(p, p->sc->events, &p->cap_events, p->sc->n_events, sizeof *v);
        if (v) {
            p->sc->events = v;
            v[p->sc->n_events++] = e;
            return;
        }
    }
    event_free(&e);
}

static void do_step(struct parser *p, const struct kw_def *d, const struct args *a)
{
    struct scn_step s = { .line = p->line, .kind = (enum scn_step_kind)d->kind,
                          .result = SCN_RES_OK, .qos = -1, .retain = -1, .keepalive = -1, .clean = -1 };
    size_t before = p->n_errors;
    d->fn(p, d, a, &s);
    if (!p->first_step_line) p->first_step_line = p->line;
    if (scn_step_is_driver(s.kind) && !p->first_driver_line) {
        p->first_driver_line = p->line;
        p->first_driver_kw = d->name;
    }
    if ((d->flags & F_WIRE_SEND) && !p->first_send_line) {
        p->first_send_line = p->line;
        p->first_send_kw = d->name;
    }
    if (p->n_errors == before && !p->nomem) {
        struct scn_step *v = grow(p, p->sc->steps, &p->cap_steps, p->sc->n_steps, sizeof *v);
        if (v) {
            p->sc->steps = v;
            v[p->sc->n_steps++] = s;
            return;
        }
    }
    step_free(&s);
}

static void do_check(struct parser *p, const struct kw_def *d, const struct args *a)
{
    struct scn_check c = { .line = p->line, .kind = (enum scn_check_kind)d->kind,
                           .count = -1, .max_dup = -1, .min = 0, .max = -1 };
    size_t before = p->n_errors;
    d->fn(p, d, a, &c);
    if (p->n_errors == before && !p->nomem) {
        struct scn_check *v = grow(p, p->sc->checks, &p->cap_checks, p->sc->n_checks, sizeof *v);
        if (v) {
            p->sc->checks = v;
            v[p->sc->n_checks++] = c;
            return;
        }
    }
    check_free(&c);
}

static void do_statement_kw(struct parser *p, const struct kw_def *d, const struct scn_line *ln);

static void do_statement(struct parser *p, const struct scn_line *ln)
{
    const struct scn_tok *kw = &ln->toks[0];
    char b[64], list[900];
    if (kw->kind != SCN_TOK_WORD || kw->key) {
        perr(p, "a statement starts with a keyword, got %s%s%s; expected a keyword such as "
                "'scenario', 'send', 'expect' or 'publish'",
             kw->key ? kw->key : "", kw->key ? "=" : "", tok_show(kw, b, sizeof b));
        return;
    }
    const struct kw_def *d = find_kw(statements, COUNT(statements), kw->text);
    if (!d) {
        table_names(list, sizeof list, statements, COUNT(statements));
        perr(p, "unknown keyword '%s'; expected one of: %s", kw->text, list);
        return;
    }
    size_t before = p->n_errors;
    do_statement_kw(p, d, ln);
    /* Only a statement that is otherwise right gets the "needs the simulator" error too. */
    if ((d->flags & F_SIM_ONLY) && p->n_errors == before) note_sim_only(p, d->name);
}

static void do_statement_kw(struct parser *p, const struct kw_def *d, const struct scn_line *ln)
{
    if (d->flags & F_EVENT) {
        do_event(p, d, ln);
        return;
    }
    struct args a;
    size_t used;
    if (d->flags & (F_HEADER | F_WORLD)) {
        int *seen = &p->seen[d->once];
        if (d->once && *seen) {
            perr(p, "'%s' given twice (first at line %d); a scenario has one", d->name, *seen);
            return;
        }
        if ((d->flags & F_WORLD) && p->first_step_line) {
            if (find_kw(actions, COUNT(actions), d->name))
                perr(p, "'%s' sets the start state and must come before the first step (line %d); "
                        "to change it during the run, use a trigger: at 5s %s ...", d->name, p->first_step_line, d->name);
            else
                perr(p, "'%s' sets the start state and must come before the first step (line %d)",
                     d->name, p->first_step_line);
            return;
        }
    }
    if (!split_args(p, d, ln->toks, ln->n, false, &a, &used))
        return;
    if (d->once) p->seen[d->once] = p->line;
    if (d->flags & F_STEP) do_step(p, d, &a);
    else if (d->flags & F_CHECK) do_check(p, d, &a);
    else d->fn(p, d, &a, p->sc);
}

/* ---- whole file ---- */

static void check_whole(struct parser *p, int last_line)
{
    struct scenario *sc = p->sc;
    if (!sc->name)
        perr_at(p, 1, "no 'scenario NAME' statement; every scenario file names itself, e.g. scenario \"cold-start\"");
    if (sc->n_steps == 0 && p->n_errors == 0)
        perr_at(p, sc->name_line ? sc->name_line : last_line,
                "the scenario has no steps; expected at least one (send, expect, bring-up, connect, wait, ...)");
    if (p->first_driver_line && p->first_send_line)
        perr_at(p, p->first_send_line > p->first_driver_line ? p->first_send_line : p->first_driver_line,
                "'%s' (line %d) writes to the wire itself and cannot share it with driver steps such as "
                "'%s' (line %d); split the scenario in two",
                p->first_send_kw, p->first_send_line, p->first_driver_kw, p->first_driver_line);
    if (sc->targets == SCN_TARGET_HARDWARE)
        for (size_t i = 0; i < p->n_sim_only; i++)
            perr_at(p, p->sim_only[i].line,
                    "'%s' needs the simulator but the scenario's targets are 'hardware' (line %d); "
                    "use 'targets both' (it is then skipped on hardware) or drop it",
                    p->sim_only[i].what, p->targets_line);
}

/* Stable, so several errors of one line keep their order. */
static void sort_diags_by_line(struct scn_diag *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct scn_diag x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1].line > x.line; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static void world_defaults(struct scn_world *w)
{
    memset(w, 0, sizeof *w);
    w->profile = SCN_PROFILE_COLD;
    w->sim_present = true;
    w->rssi = 23;
    w->reg_stat = 1;
    w->broker = SCN_BROKER_ACCEPT;
    w->latency = SCN_LATENCY_FAST;
    w->baud = 115200;
    w->replay_speed = 1;
}

enum scn_status scn_parse_buffer(const char *name, const char *text, size_t len,
                                 struct scenario **out, struct scn_diags *diags)
{
    struct parser p = { .file = name, .diags = diags };
    size_t first_diag = diags->n;
    struct scn_line ln = { 0 };
    int lineno = 0;

    *out = NULL;
    p.sc = calloc(1, sizeof *p.sc);
    if (!p.sc) return SCN_ERR_NOMEM;
    p.sc->file = strdup(name);
    p.sc->targets = SCN_TARGET_BOTH;
    p.sc->time_limit_ms = SCN_DEFAULT_TIME_LIMIT_MS;
    world_defaults(&p.sc->world);

    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 byte order mark */
        text += 3;
        len -= 3;
    }
    size_t pos = 0;
    while (pos < len && !p.nomem) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - pos;
        if (n > 0 && text[pos + n - 1] == '\r') n--; /* CRLF files */
        p.line = ++lineno;
        int rc = scn_lex_line(text + pos, n, &ln);
        if (rc == -2) {
            p.nomem = true;
        } else if (rc == -1) {
            perr(&p, "column %d: %s", ln.error_col, ln.error);
        } else if (ln.n > 0) {
            do_statement(&p, &ln);
        }
        pos = end + 1;
    }
    scn_line_clear(&ln);
    if (!p.nomem) check_whole(&p, lineno ? lineno : 1);
    free(p.sim_only);

    /* Whole-file errors come last; readers want them in line order. */
    if (diags->n > first_diag)
        sort_diags_by_line(diags->v + first_diag, diags->n - first_diag);
    if (p.nomem || !p.sc->file) {
        scn_free(p.sc);
        return SCN_ERR_NOMEM;
    }
    if (p.n_errors) {
        scn_free(p.sc);
        return SCN_ERR_INVALID;
    }
    *out = p.sc;
    return SCN_OK;
}

enum scn_status scn_parse_file(const char *path, struct scenario **out, struct scn_diags *diags)
{
    *out = NULL;
    struct strbuf text = {0}, why = {0};
    if (text_file_read(path, TEXT_FILE_LIMIT, &text, &why) < 0) {
        int nomem = diags_add(diags, path, 0, sb_str(&why));
        sb_free(&why);
        return nomem ? SCN_ERR_NOMEM : SCN_ERR_IO;
    }
    enum scn_status st = scn_parse_buffer(path, text.p, text.len, out, diags);
    sb_free(&text);
    return st;
}
