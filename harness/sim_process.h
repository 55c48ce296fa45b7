/* Test support: a real sim7600-sim process on a real pty, driven as a host
 * program would drive a module. Every wait is bounded; nothing sleeps a fixed time.
 * The simulator dies with the test process (PR_SET_PDEATHSIG), so a crashed
 * test leaves nothing running. */
#ifndef TEST_SIM_PROCESS_H
#define TEST_SIM_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SIMPROC_DEFAULT_TIMEOUT_MS 3000

struct sim_process {
    pid_t pid;
    int fd;                     /* the pty, opened raw by simproc_open(); -1 when closed */
    char dir[64];               /* a private temporary directory */
    char pty_path[256];
    char control_path[100];
    char *rx;                   /* what the module said and no expect consumed yet */
    size_t rx_len, rx_cap;
};

/* Starts build/bin/sim7600-sim with a control socket and `args` (NULL-terminated,
 * may be NULL) after "--baud 0". Returns 0 or -1. */
int simproc_start(struct sim_process *p, const char *const *args);
/* Opens the pty like a host program (raw, non-blocking reads). */
int simproc_open(struct sim_process *p);
void simproc_close_port(struct sim_process *p);
/* SIGTERM, then a bounded wait (SIGKILL if it hangs). Returns the exit status, or -1. */
int simproc_stop(struct sim_process *p);

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
/* Sends one control line; copies the reply line (no newline) into `reply`. */
int simproc_control(struct sim_process *p, const char *line, char *reply, size_t cap);
/* Drops what was received and not consumed. */
void simproc_flush(struct sim_process *p);
/* The unconsumed text, NUL-terminated (for assertion messages). */
const char *simproc_pending(struct sim_process *p);

/* Milliseconds of a monotonic clock. */
long long test_now_ms(void);

#endif
