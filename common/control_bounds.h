/* Bounds of the simulator's control commands that the scenario parser checks
 * too: a scenario asking for more is refused when it is read, with the limit
 * the simulator itself would answer with, instead of failing mid-run. */
#ifndef COMMON_CONTROL_BOUNDS_H
#define COMMON_CONTROL_BOUNDS_H

/* `broker slow <ms>`: how late the embedded broker's CONNACK may come (10 min) */
#define CONTROL_BROKER_SLOW_MAX_MS 600000

#endif
