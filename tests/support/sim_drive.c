#include "sim_drive.h"

#include <string.h>

const char *sim_drive_advance(struct sim_drive *d, uint64_t ms)
{
    d->now_us += ms * 1000;
    sim_tick(d->sim, d->now_us);
    uint8_t buf[4096];
    size_t n;
    sb_reset(&d->out);
    sb_add(&d->out, "", 0);
    while ((n = sim_take_output(d->sim, buf, sizeof buf, d->now_us)) > 0)
        sb_add(&d->out, buf, n);
    return sb_str(&d->out);
}

const char *sim_drive_control(struct sim_drive *d, const char *line)
{
    sb_reset(&d->reply);
    sim_control(d->sim, line, &d->reply, d->now_us);
    return sb_str(&d->reply);
}

void sim_drive_free(struct sim_drive *d)
{
    sim_destroy(d->sim);
    sb_free(&d->out);
    sb_free(&d->reply);
    memset(d, 0, sizeof *d);
}
