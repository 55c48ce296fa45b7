#include "replay.h"

#include "alloc.h"
#include "capture.h"
#include "redact.h"
#include "text_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOT_MAX 80      /* how much of the diverging host line the report quotes */
#define HIDDEN "***"    /* what a redacted log has where a secret was (redact.h) */
#define HIDDEN_NOTE " (*** hides a key's bytes or a password: the host's line is compared " \
                    "once hidden the same way)"

struct step {
    char dir;           /* CAPTURE_TO_MODULE or CAPTURE_FROM_MODULE */
    double t;           /* seconds in the log, -1 when the log has no times */
    int line;
    uint8_t *data;
    size_t len;
    bool redacted;      /* a host line with "***" (a credential, a key's bytes): compared whole,
                           once the host's line is redacted as the recorder did */
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
    struct strbuf line;     /* the host's line so far, as it typed it */
    struct redact_stream host;   /* the host's side as the recorder redacted it (its uploads) */
    struct strbuf echo_logged, echo_typed;   /* the last redacted host line: as logged, as typed */
};

static void add_step(struct replay *r, char dir, double t, int line, const uint8_t *data, size_t len)
{
    r->steps = grow_array(r->steps, &r->cap, r->count + 1, sizeof *r->steps);
    uint8_t *copy = xmemdup(data, len);
    bool redacted = dir == CAPTURE_TO_MODULE && memmem(copy, len, HIDDEN, strlen(HIDDEN)) != NULL;
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
    sb_free(&r->line);
    sb_free(&r->echo_logged);
    sb_free(&r->echo_typed);
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

/* A module step; when it starts with the echo of a redacted host line, the
 * echo is the line as the host typed it, as the live module echoed it (the
 * log keeps only "***"). Returns the bytes appended. */
static size_t emit_step(struct replay *r, const struct step *s, struct strbuf *out)
{
    const uint8_t *data = s->data;
    size_t len = s->len, start = out->len, n = r->echo_logged.len;
    if (n && len >= n && memcmp(data, r->echo_logged.p, n) == 0) {
        sb_add(out, r->echo_typed.p, r->echo_typed.len);
        data += n;
        len -= n;
    }
    sb_reset(&r->echo_logged);           /* an echo comes first or not at all */
    sb_reset(&r->echo_typed);
    sb_add(out, data, len);
    return out->len - start;
}

/* Module steps up to the next host step: all of them (force) or those due. */
static size_t emit_module(struct replay *r, uint64_t now_us, bool force, struct strbuf *out)
{
    size_t total = 0;
    while (r->state == REPLAY_ACTIVE && r->next < r->count && r->steps[r->next].dir == CAPTURE_FROM_MODULE) {
        const struct step *s = &r->steps[r->next];
        if (!force && due_us(r, s) > now_us)
            break;
        total += emit_step(r, s, out);
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

/* `text` as the recorder would have written it at this point of the host's
 * side (a password, an upload's key bytes become "***"), C-escaped into out. */
static void escape_redacted(const struct replay *r, const uint8_t *text, size_t n, struct strbuf *out)
{
    struct redact_stream here = r->host;     /* a copy: the report does not move the stream */
    struct strbuf clean = {0};
    redact_stream_line(&here, (const char *)text, n, &clean);
    sb_c_escape(out, clean.p, clean.len);
    sb_free(&clean);
}

/* The host departed at step s; `got` is its line as far as the report quotes
 * it, never a secret: both sides are shown redacted. */
static void diverge(struct replay *r, const struct step *s, const uint8_t *got, size_t n)
{
    r->state = REPLAY_DIVERGED;
    r->diverged_line = s->line;
    sb_reset(&r->expected);
    escape_redacted(r, s->data, s->len, &r->expected);
    sb_reset(&r->got);
    escape_redacted(r, got, n, &r->got);
    sb_reset(&r->report);
    sb_printf(&r->report, "log line %d: expected \"%s\", got \"%s\"%s", s->line, sb_str(&r->expected),
              sb_str(&r->got), s->redacted ? HIDDEN_NOTE : "");
}

/* A byte that did not follow the log: the report quotes the line so far
 * and what came, up to its CR. */
static void diverge_at(struct replay *r, const struct step *s, const uint8_t *rest, size_t n)
{
    struct strbuf got = {0};
    size_t take = 0;
    while (take < n && take < GOT_MAX && (take == 0 || rest[take - 1] != '\r'))
        take++;
    sb_add(&got, r->line.p, r->line.len);      /* what did follow the log, then what did not */
    sb_add(&got, rest, take);
    diverge(r, s, (const uint8_t *)got.p, got.len);
    sb_free(&got);
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

/* One byte of the host's line. At the line's end, as the recorder cuts lines,
 * the line goes through the host's redaction stream (which follows its
 * uploads) into clean, when given, and the next byte starts a new line. */
static bool host_byte(struct replay *r, uint8_t b, struct strbuf *clean)
{
    sb_add(&r->line, &b, 1);
    if (!redact_stream_line_ends(&r->host, r->line.p, r->line.len))
        return false;
    struct strbuf discard = {0};
    redact_stream_line(&r->host, r->line.p, r->line.len, clean ? clean : &discard);
    sb_free(&discard);
    return true;
}

/* A step of a redacted log: the host's whole line matches once redacted the
 * same way, whatever its password or key bytes are. Returns bytes used. */
static size_t redacted_input(struct replay *r, struct step *s, const uint8_t *data, size_t n, uint64_t now_us)
{
    size_t used = 0;
    struct redact_stream before = r->host;
    struct strbuf clean = {0};
    bool ended = false;
    while (used < n && !ended)
        ended = host_byte(r, data[used++], &clean);
    if (ended && clean.len == s->len && memcmp(clean.p, s->data, s->len) == 0) {
        sb_reset(&r->echo_logged);
        sb_add(&r->echo_logged, s->data, s->len);
        sb_reset(&r->echo_typed);
        sb_add(&r->echo_typed, r->line.p, r->line.len);
        sb_reset(&r->line);
        step_done(r, s, now_us);
    } else if (ended) {
        r->host = before;                   /* the report redacts the line as it came */
        diverge(r, s, (const uint8_t *)r->line.p, r->line.len);
    }
    sb_free(&clean);
    return used;
}

/* A byte of a step recorded as it was: it must be the log's. */
static bool plain_input(struct replay *r, struct step *s, const uint8_t *data, size_t n, uint64_t now_us)
{
    if (data[0] != s->data[r->matched]) {
        diverge_at(r, s, data, n);
        return false;
    }
    if (host_byte(r, data[0], NULL))
        sb_reset(&r->line);
    if (++r->matched == s->len)             /* the line is complete: its answer may start */
        step_done(r, s, now_us);
    return true;
}

size_t replay_input(struct replay *r, const uint8_t *data, size_t n, uint64_t now_us, struct strbuf *out)
{
    size_t used = 0;
    while (used < n && r->state == REPLAY_ACTIVE) {
        emit_module(r, now_us, true, out);      /* the host spoke: what the module said before is out */
        if (r->state != REPLAY_ACTIVE)
            break;
        struct step *s = &r->steps[r->next];
        if (s->redacted)
            used += redacted_input(r, s, data + used, n - used, now_us);
        else if (plain_input(r, s, data + used, n - used, now_us))
            used++;
        else
            break;
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
    *len = r->line.len;                 /* the line as the host typed it, secrets and all */
    return *len ? (const uint8_t *)r->line.p : NULL;
}
