/* A simulator for one scenario: a sim7600-sim process on its own pty, with a
 * control socket in a private directory, and a `watch` connection that logs
 * every message its broker receives. The process dies with the runner's
 * worker (PR_SET_PDEATHSIG), so a stopped scenario leaves nothing behind. */
#ifndef HIL_SIM_TARGET_H
#define HIL_SIM_TARGET_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "broker_log.h"
#include "strbuf.h"

#define SIM_TARGET_MAX_ARGS 32
#define SIM_TARGET_START_MS 5000   /* a simulator prints its PTY line at once; this is a generous bound */

struct sim_target {
    pid_t pid;
    char dir[256];            /* the directory of the control socket */
    bool own_dir;             /* made by sim_target_start: removed on stop */
    char pty_path[256];
    char control_path[108];
    char stderr_path[300];    /* what the simulator says on stderr (a replay's departures, errors) */
    int control_fd;           /* commands and their replies */
    int watch_fd;             /* MSG lines from the broker */
    pthread_t watch_thread;
    bool watching;
    struct broker_log *log;
    struct strbuf err;        /* why the last call failed */
};

/* Starts `sim_bin` with `args` (NULL-terminated) plus its control socket in
 * `dir` (NULL: a new temporary directory, removed by sim_target_stop), and
 * waits for its PTY line. Returns 0, or -1 with the reason in t->err. */
int sim_target_start(struct sim_target *t, const char *dir, const char *sim_bin, const char *const *args);

/* Sends one control line and reads the reply. Returns 0 for an "OK" reply,
 * -1 for "ERR ..." or a broken socket; the reply (or the reason) is in `reply`. */
int sim_target_control(struct sim_target *t, const char *line, struct strbuf *reply);

/* Opens the watch connection; messages the broker receives go to `log`. */
int sim_target_watch(struct sim_target *t, struct broker_log *log);

/* How many messages the simulator's broker has received (from its state). */
long sim_target_published(struct sim_target *t);

/* A second connection for another thread (timed events). -1 on failure. */
int sim_target_connect(const struct sim_target *t);
/* sim_target_control on a given connection. */
int sim_target_control_fd(int fd, const char *line, struct strbuf *reply);

/* Appends what the simulator wrote on stderr (at most `max` bytes, the last ones). */
void sim_target_stderr(const struct sim_target *t, struct strbuf *out, size_t max);

/* True when the simulator process has ended, or ends within within_ms (its
 * pty closes a moment before it can be reaped); `why` says how. */
bool sim_target_exited(struct sim_target *t, int within_ms, struct strbuf *why);

/* Stops the process (SIGTERM, then SIGKILL after a bound) and cleans up. */
void sim_target_stop(struct sim_target *t);

#endif
