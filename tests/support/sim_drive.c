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

void sim_drive_start(struct sim_drive *d, const struct sim_config *cfg)
{
    d->now_us = 1000000;
    d->sim = sim_create(cfg, d->now_us);
}

const char *sim_drive_io(struct sim_drive *d, const char *text)
{
    sim_input(d->sim, (const uint8_t *)text, strlen(text), d->now_us);
    return sim_drive_advance(d, 1);
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
