/* The programs' state in a run, shared by program_run.c (set-up, relay,
 * output, stop) and program_steps.c (events, steps, checks). */
#ifndef HIL_PROGRAM_INTERNAL_H
#define HIL_PROGRAM_INTERNAL_H

#include <limits.h>

#include "program_proc.h"
#include "program_run.h"
#include "pty_port.h"
#include "run_internal.h"

/* Indexes of scn_program_placeholders[]. */
enum { PH_PORT, PH_BAUD, PH_BROKER, PH_CONTROL, PH_BIN, PH_TLS_BROKER, PH_CA, PH_CERT, PH_KEY, PH_COUNT_ };

#define PROGRAM_OUTPUT_MAX (4 << 20)   /* bytes a program may print in one start: more is a flood */
#define PROGRAM_LINES_SHOWN 3          /* its last lines in a failure message */

struct program_line {
    uint64_t t_us;
    char *text;
    size_t len;
};

struct run_program {
    struct run *r;
    const struct scn_program *spec;
    char **argv;                  /* placeholders filled in */
    char *path;                   /* argv[0] resolved */
    struct prog_proc proc;
    uint64_t started_ms;
    unsigned starts;
    bool killed_on_purpose;       /* kill-program, restart-program, a flood: its end is ours */
    bool flooded;
    uint64_t resume_ms;           /* pause-program: when it gets SIGCONT (0: not paused) */
    struct program_line *lines;   /* everything it printed, both streams, every start */
    size_t n_lines, cap_lines;
};

struct run_programs {
    struct run_program v[SCN_MAX_PROGRAMS];
    size_t n;
    struct scn_program option_program;   /* --program, for a scenario without one */
    bool has_option_program;
    struct sim_pty host;                 /* the programs' port, relayed to the module */
    bool host_open;
    bool main_opened;                    /* somebody opened the port at least once */
    bool overrun_noted;
    char dir[PATH_MAX];                  /* the scenario's folder: where they run */
    struct strbuf values[PH_COUNT_];
    char **envp;
    bool *fired;                         /* per event of the scenario: done (program events only) */
    unsigned *on_send_seen;              /* per event: matching command lines so far */
    size_t commands_seen;                /* transcript lines looked at for on-send */
};

/* program_run.c */
int program_launch(struct run *r, struct run_program *p);
void program_last_lines(const struct run_program *p, struct strbuf *out);

/* program_steps.c */
/* Whether the scenario waits for this program's end (an expect-exit for it). */
bool program_exit_expected(const struct run *r, const struct run_program *p);
/* A problem found on the way out: the failure, or added to an earlier one. */
void program_problem(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The on-send events on programs, after the host sent bytes. */
void programs_on_send(struct run *r);
/* `at` and after-publishes events on programs, and the ends of pauses. */
int programs_timers(struct run *r);
/* Fails the scenario for an `at` event on a program the steps ended too soon to see. */
void programs_unfired(struct run *r);

#endif
