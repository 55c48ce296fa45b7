/* A scenario's program as a process: started in a session (and process
 * group) of its own under a small guard process, its stdout and stderr read
 * line by line, signalled as a group, stopped with TERM then KILL, and its
 * group reaped so that nothing it started is left behind.
 *
 * The guard is our child; the program is the guard's. The guard reaps the
 * program (and, as a child subreaper, whatever the program forks and
 * abandons) and reports the program's pid, a failed exec and its exit on a
 * pipe. When the life pipe closes, because we closed it or because the
 * worker died outright (SIGKILL at a time limit, the runner's Ctrl-C), the
 * guard kills the program's whole group: a group of its own would otherwise
 * outlive the worker's. */
#ifndef HIL_PROGRAM_PROC_H
#define HIL_PROGRAM_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "strbuf.h"

enum prog_state {
    PROG_IDLE,      /* not started, or stopped and reaped */
    PROG_RUNNING,
    PROG_PAUSED,    /* SIGSTOP: the firmware hangs */
    PROG_EXITED,    /* it ended; its group may still hold processes it left */
};

enum prog_stream { PROG_STDOUT = 1, PROG_STDERR = 2 };

struct prog_spec {
    const char *path;           /* the file to execute (resolved: it has a '/') */
    char *const *argv;          /* NULL-terminated */
    char *const *envp;          /* NULL-terminated */
    const char *dir;            /* its working directory */
};

struct prog_proc {
    enum prog_state state;
    pid_t guard;                /* our child */
    pid_t pid;                  /* the program: leader of its session and group */
    int out_fd, err_fd;         /* its stdout and stderr, read ends, non-blocking */
    int status_fd;              /* the guard's reports */
    int life_fd;                /* closing it makes the guard kill the group and end */
    int wait_status;            /* PROG_EXITED: as waitpid gives it */
    int exec_errno;             /* the exec failed with this (then it exited 127) */
    int escaped;                /* processes it left outside its group (setsid), killed by the guard */
    struct strbuf partial[3];   /* [stream]: a line still without its end */
    size_t bytes;               /* printed since it started */
};

/* Starts it. Returns 0, or -1 with the reason in `why`. */
int prog_start(struct prog_proc *p, const struct prog_spec *spec, struct strbuf *why);

/* The descriptors to poll for it (up to 3), -1 where none. */
void prog_fds(const struct prog_proc *p, int fds[3]);

/* One line the program printed, without its line end. */
typedef void (*prog_line_fn)(void *ctx, enum prog_stream stream, const char *text, size_t len);

/* Reads what is ready: output (lines go to `line`; a line longer than
 * PROG_LINE_MAX is cut in pieces) and the guard's reports. Returns true when
 * the program's state changed (it exited). */
bool prog_read(struct prog_proc *p, prog_line_fn line, void *ctx);
#define PROG_LINE_MAX 4096

/* SIGSTOP / SIGCONT to its group. */
void prog_pause(struct prog_proc *p);
void prog_resume(struct prog_proc *p);
/* SIGTERM (and SIGCONT, should it be paused) to its group. */
void prog_terminate(struct prog_proc *p);
/* SIGKILL to its group (the exit is reported through prog_read). */
void prog_kill(struct prog_proc *p);

/* How a stop went, for the report. */
struct prog_stop_result {
    bool was_running;       /* it had not ended by itself */
    bool ignored_term;      /* it did not end within the grace after SIGTERM */
    bool left_processes;    /* its group (or a session it started) still held processes after it ended */
};

/* Stops it: SIGTERM to the group, up to grace_ms, then SIGKILL; kills what
 * it left in its group; ends the guard; closes everything. Output read on
 * the way goes to `line`. */
void prog_stop(struct prog_proc *p, int grace_ms, prog_line_fn line, void *ctx, struct prog_stop_result *res);

/* "exited with status 3", "was killed by signal 9 (Killed)" */
void prog_describe_exit(const struct prog_proc *p, struct strbuf *out);

#endif
