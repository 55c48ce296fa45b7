/* Test support: a simulator core driven by a unit test, on the test's clock. */
#ifndef TEST_SIM_DRIVE_H
#define TEST_SIM_DRIVE_H

#include <stdint.h>

#include "sim.h"
#include "strbuf.h"

struct sim_drive {
    struct sim *sim;
    uint64_t now_us;
    struct strbuf out, reply;
};

/* A simulator made from cfg at 1 s on the test's clock (baud 0: unpaced). */
void sim_drive_start(struct sim_drive *d, const struct sim_config *cfg);
/* Bytes to the module, then 1 ms of clock; returns what it printed. */
const char *sim_drive_io(struct sim_drive *d, const char *text);
/* Runs the clock forward by ms and returns everything the module printed
 * meanwhile (valid until the next call). */
const char *sim_drive_advance(struct sim_drive *d, uint64_t ms);
/* A control line, answered now; returns the reply (valid until the next call). */
const char *sim_drive_control(struct sim_drive *d, const char *line);
/* Destroys the simulator and the buffers. */
void sim_drive_free(struct sim_drive *d);

#endif
