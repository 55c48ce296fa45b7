/* A capture file written a line at a time, redacted (redacted_capture.h). */
#include "redacted_capture.h"

#include <string.h>

void redacted_capture_init(struct redacted_capture *rc, struct capture *cap)
{
    memset(rc, 0, sizeof *rc);
    rc->cap = cap;
    rc->redact[RC_MODULE].module = true;
}

/* One line, redacted, as a capture line of its own: two pieces of a long
 * line stay two lines, as a replay cuts them. */
static void record(struct redacted_capture *rc, int side)
{
    struct strbuf *l = &rc->line[side];
    if (!l->len)
        return;
    struct strbuf clean = {0};
    redact_stream_line(&rc->redact[side], l->p, l->len, &clean);
    if (side == RC_MODULE)
        redact_stream_module_said(&rc->redact[RC_HOST], l->p, l->len);
    capture_write(rc->cap, side == RC_HOST ? CAPTURE_TO_MODULE : CAPTURE_FROM_MODULE, (const uint8_t *)clean.p,
                  clean.len, rc->line_us[side]);
    capture_end_line(rc->cap);
    sb_free(&clean);
    sb_reset(l);
}

static bool is_command(const struct strbuf *l)
{
    return l->len >= 2 && (l->p[0] | 0x20) == 'a' && (l->p[1] | 0x20) == 't';
}

/* Whether the other side's unfinished line can be written before new bytes:
 * it came first, unless it may still need redacting whole. */
static bool flush_other_first(const struct redacted_capture *rc, int side)
{
    int other = side == RC_HOST ? RC_MODULE : RC_HOST;
    const struct strbuf *l = &rc->line[other];
    if (!l->len)
        return false;
    if (other == RC_HOST)   /* a host command waits for its CR; its data does not */
        return !is_command(l);
    return !redact_stream_may_hold_secret(&rc->redact[other], l->p, l->len);
}

void redacted_capture_bytes(struct redacted_capture *rc, char dir, const uint8_t *data, size_t n, uint64_t now_us)
{
    if (!rc->cap)
        return;          /* not recording */
    int side = dir == CAPTURE_TO_MODULE ? RC_HOST : RC_MODULE;
    if (flush_other_first(rc, side))
        record(rc, side == RC_HOST ? RC_MODULE : RC_HOST);
    for (size_t i = 0; i < n; i++) {
        if (!rc->line[side].len)
            rc->line_us[side] = now_us;
        sb_add(&rc->line[side], &data[i], 1);
        if (redact_stream_line_ends(&rc->redact[side], rc->line[side].p, rc->line[side].len))
            record(rc, side);
    }
}

void redacted_capture_comment(struct redacted_capture *rc, const char *text)
{
    if (!rc->cap)
        return;
    for (int side = 0; side < RC_SIDES; side++)
        record(rc, side);
    capture_comment(rc->cap, text);
}

void redacted_capture_finish(struct redacted_capture *rc)
{
    for (int side = 0; side < RC_SIDES; side++) {
        record(rc, side);
        sb_free(&rc->line[side]);
    }
}
