#include "escape_guard.h"

void escape_guard_start(struct escape_guard *g, uint64_t now_us)
{
    g->last_byte_us = now_us;
    g->plus_held = 0;
}

bool escape_guard_hold(struct escape_guard *g, uint8_t b, uint64_t now_us, uint64_t guard_us, int *release)
{
    uint64_t quiet = now_us - g->last_byte_us;
    bool may_escape = b == ESCAPE_GUARD_CHAR && g->plus_held < ESCAPE_GUARD_LEN &&
                      (g->plus_held > 0 ? quiet < guard_us : quiet >= guard_us);
    g->last_byte_us = now_us;
    if (may_escape) {
        g->plus_held++;
        return true;
    }
    *release = g->plus_held;
    g->plus_held = 0;
    return false;
}

uint64_t escape_guard_deadline(const struct escape_guard *g, uint64_t guard_us)
{
    return g->plus_held == ESCAPE_GUARD_LEN ? g->last_byte_us + guard_us : UINT64_MAX;
}
