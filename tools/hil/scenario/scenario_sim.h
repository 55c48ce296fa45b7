/* How a scenario's simulator-only statements become the simulator's own
 * language: the start state becomes command-line options and control lines,
 * each event a control line (`at T`, fired by the runner's clock) or a rule the
 * simulator arms itself (`on-send`, `after-publishes`), so that a trigger
 * fires at the exact byte it names, not when the runner gets round to it.
 * Pure functions: no process, no socket. */
#ifndef HIL_SCENARIO_SIM_H
#define HIL_SCENARIO_SIM_H

#include <stddef.h>

#include "scenario.h"
#include "strbuf.h"

#define SCN_SIM_MAX_ARGS (20 + 2 * SCN_MAX_NET_MAPS)   /* the runner adds --broker and the --net-maps */

struct scn_sim_args {
    const char *v[SCN_SIM_MAX_ARGS + 1];   /* NULL-terminated */
    int n;
    char num[4][16];                       /* storage for the numbers */
};

/* sim7600-sim options for the start state: profile, SIM, signal, registration,
 * latency, baud, the module model, and the log to replay. */
void scn_sim_args(const struct scn_world *w, struct scn_sim_args *a);

/* The control line that sets the broker's behaviour at start; empty when the
 * default (accept anyone) applies. */
void scn_sim_broker_line(const struct scn_world *w, struct strbuf *out);

/* The control line for an event: for `at` the action itself, sent at its
 * time; for `on-send` and `after-publishes` a "rule ..." that arms it. */
void scn_sim_event_line(const struct scn_event *ev, struct strbuf *out);

#endif
