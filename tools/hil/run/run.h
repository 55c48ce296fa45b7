/* Running one scenario: the target (a private simulator, or a module on a
 * serial port), the steps in order, then the final checks. The runner calls
 * run_scenario() in a worker process of its own, so a scenario that hangs
 * can be stopped at its time limit without stopping the others. */
#ifndef HIL_RUN_H
#define HIL_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "mqtt_watch.h"
#include "scenario.h"
#include "strbuf.h"

struct run_options {
    const char *port;        /* NULL: a private simulator; else a module's serial port */
    int port_baud;           /* the port's baud rate (115200) */
    const char *sim_bin;     /* sim7600-sim to start */
    bool private_mosquitto;  /* each scenario gets its own mosquitto; the simulator speaks real MQTT to it */
    const struct mqtt_url *watch; /* against a module: the broker it reaches, for the broker checks; NULL: none */
    const char *server;      /* the broker the driver connects to unless a step says server= */
    const char *log_dir;     /* transcripts go here as NAME.cap; NULL: none */
    const char *work_dir;    /* a private directory for the simulator's socket; NULL: one is made */
    uint64_t started_ms;     /* when the scenario's time began (hil_now_ms); 0: when run_scenario starts */
    const char *program;     /* --program: the main program of every scenario without one (NULL: none) */
};

enum run_verdict { RUN_PASS, RUN_FAIL, RUN_SKIP };
const char *run_verdict_str(enum run_verdict v);

struct run_report {
    enum run_verdict verdict;
    struct strbuf why;       /* the failed expectation, or why it was skipped */
    struct strbuf skipped;   /* statements skipped against a module, one per line */
    struct strbuf notes;     /* worth reporting even on a pass (duplicates counted) */
    struct strbuf tail;      /* the transcript's last lines, on failure */
    struct strbuf capture;   /* the transcript's path, when written */
};
void run_report_free(struct run_report *r);

/* What the caller hears while a scenario runs: `progress` before each step
 * with "line N: keyword" (a scenario stopped at its time limit can say where
 * it was); `report` once the verdict is final, before the targets are torn
 * down, since tear-down time is not the scenario's. Either may be NULL. */
struct run_hooks {
    void (*progress)(void *ctx, const char *where);
    void (*report)(void *ctx, const struct run_report *rep);
    void *ctx;
};

/* Where run_scenario writes a scenario's transcript (o->log_dir set). */
void run_capture_path(const struct run_options *o, const struct scenario *sc, struct strbuf *path);

void run_scenario(const struct scenario *sc, const struct run_options *o, struct run_report *rep,
                  const struct run_hooks *hooks);

#endif
