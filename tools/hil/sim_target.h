/* The runner's simulator for one scenario: a harness simulator process
 * (sim_process.h) with the runner's options (its stderr kept for the
 * failure report, its socket in the worker's directory, killed with the
 * worker), the control connection the steps use, and a `watch` connection
 * whose MSG lines go into the scenario's broker log. */
#ifndef HIL_SIM_TARGET_H
#define HIL_SIM_TARGET_H

#include <pthread.h>
#include <stdbool.h>

#include "broker_log.h"
#include "sim_process.h"
#include "strbuf.h"

#define SIM_TARGET_STOP_GRACE_MS 2000

struct sim_target {
    struct sim_process proc;  /* pty_path, control_path, the process */
    int control_fd;           /* the steps' commands and their replies (simproc_command) */
    int watch_fd;             /* MSG lines from the broker */
    pthread_t watch_thread;
    bool watching;
    struct broker_log *log;
    struct strbuf err;        /* why the last call failed */
};

/* Starts `sim_bin` with `args` (NULL-terminated) and its control socket in
 * `dir` (NULL: a new temporary directory), and connects to it. Returns 0, or
 * -1 with the reason in t->err. */
int sim_target_start(struct sim_target *t, const char *dir, const char *sim_bin, const char *const *args);

/* Opens the watch connection; messages the broker receives go to `log`. */
int sim_target_watch(struct sim_target *t, struct broker_log *log);

/* Stops the watch and the process (SIGTERM, then SIGKILL after a bound) and cleans up. */
void sim_target_stop(struct sim_target *t);

#endif
