#include "replay.h"

#include "alloc.h"
#include "capture.h"
#include "redact.h"
#include "text_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOT_MAX 80      /* how much of the diverging host line the report quotes */

struct step {
    char dir;           /* CAPTURE_TO_MODULE or CAPTURE_FROM_MODULE */
    double t;           /* seconds in the log, -1 when the log has no times */
    int line;
    uint8_t *data;
    size_t len;
    bool redacted;      /* a host line with a "***" credential: compared whole, after redaction */
};

struct replay {
    struct step *steps;
    size_t count, cap;
    size_t next;            /* the first step not yet replayed */
    size_t matched;         /* bytes of the current host step already received */
    double speed;
    uint64_t anchor_us;     /* the wall time of anchor_t */
    double anchor_t;        /* the log time of the last host line matched (or the start) */
    enum replay_state state;
    int diverged_line;
    struct strbuf expected, got;
    struct strbuf report;
    struct strbuf typed;    /* a redacted step's line as the host types it */
};

static void add_step(struct replay *r, char dir, double t, int line, const uint8_t *data, size_t len)
{
    r->steps = grow_array(r->steps, &r->cap, r->count + 1, sizeof *r->steps);
    uint8_t *copy = xmemdup(data, len);
    bool redacted = dir == CAPTURE_TO_MODULE && len >= 5 && memmem(copy, len, "\"***\"", 5) != NULL;
    r->steps[r->count++] = (struct step){dir, t, line, copy, len, redacted};
}

struct replay *replay_load_buffer(const char *name, const char *text, double speed, char *err, size_t errlen)
{
    struct replay *r = xmalloc(sizeof *r);
    memset(r, 0, sizeof *r);
    size_t cap = strlen(text) + 1;
    uint8_t *buf = xmalloc(cap);
    char *line = xmalloc(cap);
    r->speed = speed > 0 ? speed : 1.0;
    int lineno = 0;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        memcpy(line, p, n);
        line[n] = '\0';
        p += n + (p[n] == '\n');
        lineno++;
        double t;
        char dir;
        size_t len;
        const char *why;
        int kind = capture_parse_line(line, &t, &dir, buf, &len, &why);
        if (kind < 0) {
            snprintf(err, errlen, "%s:%d: %s", name, lineno, why);
            goto fail;
        }
        if (kind == 1 && len)
            add_step(r, dir, t, lineno, buf, len);
    }
    free(buf);
    free(line);
    return r;
fail:
    free(buf);
    free(line);
    replay_free(r);
    return NULL;
}

struct replay *replay_load(const char *path, double speed, char *err, size_t errlen)
{
    struct strbuf text = {0}, why = {0};
    if (text_file_read(path, TEXT_FILE_LIMIT, &text, &why) < 0) {
        snprintf(err, errlen, "%s: %s", path, sb_str(&why));
        sb_free(&why);
        return NULL;
    }
    /* the lines are read as C strings: from a NUL on, the log would be cut short unseen */
    const char *nul = text.len ? memchr(text.p, '\0', text.len) : NULL;
    if (nul) {
        int line = 1;
        for (const char *c = text.p; c < nul; c++)
            line += *c == '\n';
        snprintf(err, errlen, "%s:%d: a NUL byte; a capture is text (a byte 0 is written \\x00)", path, line);
        sb_free(&text);
        return NULL;
    }
    struct replay *r = replay_load_buffer(path, sb_str(&text), speed, err, errlen);
    sb_free(&text);
    return r;
}

void replay_free(struct replay *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        free(r->steps[i].data);
    free(r->steps);
    sb_free(&r->expected);
    sb_free(&r->got);
    sb_free(&r->report);
    sb_free(&r->typed);
    free(r);
}

void replay_start(struct replay *r, uint64_t now_us)
{
    r->anchor_us = now_us;
    r->anchor_t = 0;
    r->state = r->count ? REPLAY_ACTIVE : REPLAY_FINISHED;
}

static uint64_t due_us(const struct replay *r, const struct step *s)
{
    if (s->t < 0 || s->t <= r->anchor_t)
        return r->anchor_us;
    return r->anchor_us + (uint64_t)((s->t - r->anchor_t) * 1e6 / r->speed);
}

static void finish_if_done(struct replay *r)
{
    if (r->state == REPLAY_ACTIVE && r->next == r->count)
        r->state = REPLAY_FINISHED;
}

/* Module steps up to the next host step: all of them (force) or those due. */
static size_t emit_module(struct replay *r, uint64_t now_us, bool force, struct strbuf *out)
{
    size_t total = 0;
    while (r->state == REPLAY_ACTIVE && r->next < r->count && r->steps[r->next].dir == CAPTURE_FROM_MODULE) {
        const struct step *s = &r->steps[r->next];
        if (!force && due_us(r, s) > now_us)
            break;
        sb_add(out, s->data, s->len);
        total += s->len;
        r->next++;
    }
    finish_if_done(r);
    return total;
}

size_t replay_due_output(struct replay *r, uint64_t now_us, struct strbuf *out)
{
    return emit_module(r, now_us, false, out);
}

uint64_t replay_next_due(const struct replay *r)
{
    if (r->state != REPLAY_ACTIVE || r->next >= r->count || r->steps[r->next].dir != CAPTURE_FROM_MODULE)
        return UINT64_MAX;
    return due_us(r, &r->steps[r->next]);
}

static void diverge(struct replay *r, const struct step *s, const uint8_t *rest, size_t n)
{
    r->state = REPLAY_DIVERGED;
    r->diverged_line = s->line;
    sb_reset(&r->expected);
    sb_c_escape(&r->expected, s->data, s->len);
    struct strbuf got = {0};
    size_t take = 0;
    while (take < n && take < GOT_MAX && (take == 0 || rest[take - 1] != '\r'))
        take++;
    sb_add(&got, s->data, r->matched);      /* what did follow the log, then what did not */
    sb_add(&got, rest, take);
    sb_reset(&r->got);
    sb_c_escape(&r->got, got.p, got.len);
    sb_free(&got);
    sb_reset(&r->report);
    sb_printf(&r->report, "log line %d: expected \"%s\", got \"%s\"", s->line, sb_str(&r->expected),
              sb_str(&r->got));
}

static void step_done(struct replay *r, const struct step *s, uint64_t now_us)
{
    r->matched = 0;
    r->next++;
    if (s->t >= 0) {
        r->anchor_t = s->t;
        r->anchor_us = now_us;
    }
    finish_if_done(r);
}

/* A log with redacted credentials: the host's real line matches once redacted
 * the same way. Returns bytes used; the step is done at the line's CR. */
static size_t redacted_input(struct replay *r, struct step *s, const uint8_t *data, size_t n, uint64_t now_us)
{
    size_t used = 0;
    while (used < n && data[used] != '\r' && r->typed.len < s->len + 1024)
        sb_add(&r->typed, &data[used++], 1);
    if (used == n)
        return used;                     /* the line is not complete yet */
    sb_add(&r->typed, &data[used++], 1);
    struct strbuf clean = {0};
    redact_line(r->typed.p, r->typed.len, &clean);
    bool same = clean.len == s->len && memcmp(clean.p, s->data, s->len) == 0;
    if (same) {
        step_done(r, s, now_us);
        sb_reset(&r->typed);
    } else {
        diverge(r, s, (const uint8_t *)clean.p, clean.len);   /* reported redacted too */
    }
    sb_free(&clean);
    return used;
}

size_t replay_input(struct replay *r, const uint8_t *data, size_t n, uint64_t now_us, struct strbuf *out)
{
    size_t used = 0;
    while (used < n && r->state == REPLAY_ACTIVE) {
        emit_module(r, now_us, true, out);      /* the host spoke: what the module said before is out */
        if (r->state != REPLAY_ACTIVE)
            break;
        struct step *s = &r->steps[r->next];
        if (s->redacted) {
            used += redacted_input(r, s, data + used, n - used, now_us);
            continue;
        }
        if (data[used] != s->data[r->matched]) {
            diverge(r, s, data + used, n - used);
            break;
        }
        used++;
        if (++r->matched == s->len)             /* the line is complete: its answer may start */
            step_done(r, s, now_us);
    }
    return used;
}

enum replay_state replay_state(const struct replay *r)
{
    return r->state;
}

const char *replay_state_str(enum replay_state st)
{
    static const char *const names[] = {"active", "diverged", "finished"};
    return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "?";
}

const char *replay_divergence(const struct replay *r)
{
    return sb_str(&r->report);
}

int replay_divergence_line(const struct replay *r)
{
    return r->diverged_line;
}

const uint8_t *replay_diverged_prefix(const struct replay *r, size_t *len)
{
    if (r->state != REPLAY_DIVERGED) {
        *len = 0;
        return NULL;
    }
    if (r->typed.len) {                 /* a redacted line, as the host typed it */
        *len = r->typed.len;
        return (const uint8_t *)r->typed.p;
    }
    *len = r->matched;
    return *len ? r->steps[r->next].data : NULL;
}
