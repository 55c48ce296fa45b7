/* A scenario's programs in its run: the user's firmware (the main program)
 * and helpers beside it, started once the world is set up, on a pty of
 * their own that the runner relays to the module byte for byte (so the
 * transcript, `expect` and the wire checks see every byte, as with our
 * driver), their output in the transcript, the events on them, the steps
 * and the check on what they do, and their stop at the end. */
#ifndef HIL_PROGRAM_RUN_H
#define HIL_PROGRAM_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "scenario.h"
#include "strbuf.h"

struct run;

/* Whether `run --program` skips the scenario (it has no program of its own,
 * and driver steps or send): true with the reason appended to why. */
bool programs_not_applicable(const struct scenario *sc, struct strbuf *why);

/* Before the target is set up: whether the scenario runs programs (its own,
 * or --program's for a scenario without any), and whether it can. 0 to go
 * on, -1 when the scenario failed or is skipped (the report says why). */
int programs_prepare(struct run *r);
/* Once the wire is open: starts them. 0, or -1 after run_fail. */
int programs_start(struct run *r);
/* Serves the wire and the programs for up to ms (run_idle, when programs
 * run). -1 after run_fail: the wire broke, a program ended unexpectedly,
 * flooded its output, or the time ran out. */
int programs_serve(struct run *r, uint32_t ms);
/* expect-exit, expect-output. */
int programs_step(struct run *r, const struct scn_step *s);
/* expect-no-output. */
int programs_check(struct run *r, const struct scn_check *c);
/* Reconnects as the wire tells them: successful MQTT connects after the first. */
long programs_reconnects(const struct run *r);
/* After the checks: stops them (TERM, then KILL) and reports what a program
 * did wrong on the way out (ignored TERM, left processes, never opened its port). */
void programs_finish(struct run *r);
/* At tear-down: whatever still runs is killed; frees everything. */
void programs_free(struct run *r);

#endif
