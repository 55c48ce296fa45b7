/* A sim7600-sim process: the one place that starts and stops the simulator,
 * for the runner, the soak, the benchmarks and the tests.
 *
 * simproc_launch starts it with a control socket in a directory of its own
 * (or the caller's) and waits, bounded, for its PTY line; the simulator dies
 * with its starter (PR_SET_PDEATHSIG), so a crashed caller leaves nothing
 * running. Its control socket is spoken to through simproc_command and its
 * state read as JSON (simproc_state, then json_read.h). simproc_start is the
 * tests' shortcut; the simproc_* pty helpers below drive the module as a
 * host program would. Every wait is bounded; nothing sleeps a fixed time.
 *
 * Implemented by sim_launch.c (start, stop, exit, stderr), sim_control.c
 * (the control socket) and sim_pty.c (the pty helpers). */
#ifndef HARNESS_SIM_PROCESS_H
#define HARNESS_SIM_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "scratch_dir.h"
#include "strbuf.h"

#define SIMPROC_DEFAULT_TIMEOUT_MS 3000   /* the tests' bound for an answer */
#define SIMPROC_START_MS 5000             /* a simulator prints its PTY line at once; a generous bound */
#define SIMPROC_STOP_GRACE_MS 3000        /* from SIGTERM to SIGKILL */
#define SIMPROC_REPLY_MS 5000             /* the simulator answers a control line at once */
#define SIMPROC_CONTROL_PATH_MAX 108      /* sockaddr_un's sun_path */
#define SIMPROC_STDERR_FILE "sim.err"

struct sim_process {
    pid_t pid;                           /* 0 once it ended and was reaped */
    char dir[SCRATCH_DIR_PATH_MAX];      /* holds the control socket (and the stderr file) */
    bool own_dir;                        /* made by simproc_launch: removed by simproc_stop */
    char pty_path[256];
    char control_path[SIMPROC_CONTROL_PATH_MAX];
    char stderr_path[SCRATCH_DIR_PATH_MAX + sizeof "/" SIMPROC_STDERR_FILE];   /* "": inherited */
    int stop_grace_ms;                   /* 0: SIMPROC_STOP_GRACE_MS */
    /* the pty, for the helpers below */
    int fd;                              /* opened raw by simproc_open(); -1 when closed */
    char *rx;                            /* what the module said and no expect consumed yet */
    size_t rx_len, rx_cap;
};

struct simproc_options {
    const char *bin;               /* NULL: the build's sim7600-sim (SIM7600_BIN_DIR) */
    const char *bin_option;        /* how the user names another binary, for the message when it
                                      does not start ("--sim"); NULL: none */
    const char *const *args;       /* after "--control <socket>"; NULL-terminated, may be NULL */
    const char *dir;               /* where the control socket goes, kept at stop; NULL: a new
                                      scratch directory, removed at stop ... */
    const char *scratch_parent;    /* ... made here (NULL: $TMPDIR, or /tmp) ... */
    const char *scratch_prefix;    /* ... with this name before its six random characters */
    bool capture_stderr;           /* its stderr into <dir>/sim.err (simproc_stderr_tail), not ours */
    int death_signal;              /* what it gets when its starter dies (0: SIGKILL) */
    int start_ms;                  /* how long its PTY line may take (0: SIMPROC_START_MS) */
    int stop_grace_ms;             /* from SIGTERM to SIGKILL (0: SIMPROC_STOP_GRACE_MS) */
};

#define SIMPROC_MAX_ARGS 32   /* of options.args; more are dropped */

/* ---- start and stop (sim_launch.c) -------------------------------------------------- */

/* Starts the simulator and waits for its PTY line. Returns 0, or -1 with the
 * reason appended to `err` and nothing left behind (simproc_stop is then a no-op). */
int simproc_launch(struct sim_process *p, const struct simproc_options *o, struct strbuf *err);
/* The tests' simulator: the build's, in /tmp/simtest-XXXXXX, "--baud 0" then
 * `args`, SIGTERM when the test dies. Returns 0 or -1. */
int simproc_start(struct sim_process *p, const char *const *args);
/* Closes the pty, then SIGTERM and a bounded wait (SIGKILL if it hangs), and
 * removes what the launch made. Returns its exit status, or -1 (killed,
 * crashed, or not running). */
int simproc_stop(struct sim_process *p);
/* True when the process has ended, or ends within within_ms (its pty closes a
 * moment before it can be reaped); `why` says how. */
bool simproc_exited(struct sim_process *p, int within_ms, struct strbuf *why);
/* Appends the last `max` bytes (at most 4 KiB) it wrote on a captured stderr. */
void simproc_stderr_tail(const struct sim_process *p, struct strbuf *out, size_t max);

/* ---- the control socket (sim_control.c) --------------------------------------------- */

/* A new connection to its control socket; -1 with errno set on failure.
 * A connection serves one thread at a time. */
int simproc_connect(const struct sim_process *p);
/* Sends one control line on connection `fd` and reads the reply line into
 * `reply`. Returns 0 for an "OK ..." reply, -1 for "ERR ..." or a connection
 * that failed or did not answer within SIMPROC_REPLY_MS (`reply` then says so). */
int simproc_command(int fd, const char *line, struct strbuf *reply);
/* One line on a connection of its own; the reply line, whatever it says, into
 * `reply` (NUL-terminated, truncated to cap; on failure, why). Returns 0 when
 * a reply that fits came, -1 otherwise. */
int simproc_control(struct sim_process *p, const char *line, char *reply, size_t cap);
/* The simulator's state, the JSON object of the `state` reply, into `json`
 * (for json_read.h). Returns 0, or -1 with the reason in `json`. */
int simproc_state_on(int fd, struct strbuf *json);
/* simproc_state_on, on a connection of its own. */
int simproc_state(const struct sim_process *p, struct strbuf *json);

/* ---- the pty, driven as a host program would (sim_pty.c) ----------------------------- */

/* Opens the pty like a host program (raw, non-blocking reads). */
int simproc_open(struct sim_process *p);
void simproc_close_port(struct sim_process *p);

int simproc_write(struct sim_process *p, const void *data, size_t n);
int simproc_send(struct sim_process *p, const char *text);
/* Waits until `needle` appears in what the module said; consumes everything up
 * to and including it. Returns true if it appeared within timeout_ms. */
bool simproc_expect(struct sim_process *p, const char *needle, int timeout_ms);
/* simproc_expect, and the consumed text (NUL-terminated, truncated to cap) in `taken`. */
bool simproc_take(struct sim_process *p, const char *needle, int timeout_ms, char *taken, size_t cap);
/* Reads for exactly `ms` (a bounded window) and returns how many bytes came;
 * they are in simproc_pending(), for the caller to check what did not come. */
size_t simproc_gather_for(struct sim_process *p, int ms);
/* Reads for `ms` and returns true if nothing at all arrived (a silent module). */
bool simproc_quiet_for(struct sim_process *p, int ms);
/* Drops what was received and not consumed. */
void simproc_flush(struct sim_process *p);
/* The unconsumed text, NUL-terminated (for assertion messages). */
const char *simproc_pending(struct sim_process *p);
/* Frees what the helpers received (simproc_stop does it). */
void simproc_drop_pending(struct sim_process *p);

/* Milliseconds of a monotonic clock. */
long long test_now_ms(void);

#endif
