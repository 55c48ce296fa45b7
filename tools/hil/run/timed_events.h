/* The `at T` events of a scenario: a thread that sends each one's control
 * line to the simulator when its time comes, on a connection of its own. */
#ifndef HIL_TIMED_EVENTS_H
#define HIL_TIMED_EVENTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "scenario.h"
#include "sim_process.h"
#include "strbuf.h"

struct timed_event {
    uint64_t at_ms;
    const struct scn_event *ev;
    char *control;
};

/* Publishes a `deliver` event's message itself (a real broker: the simulator
 * cannot inject into it). 0, or -1 with the reason in `why`. */
typedef int (*timed_deliver_fn)(void *ctx, const struct scn_event *ev, struct strbuf *why);

struct timed_events {
    pthread_t thread;
    bool started, stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int fd;
    uint64_t t0_ms;
    struct timed_event *v;
    size_t n, cap, fired;
    timed_deliver_fn deliver;   /* NULL: deliver events go to the simulator */
    void *deliver_ctx;
    struct strbuf err;   /* the first event the simulator refused */
};

/* Arms every `at` event of `sc`, timed from t0_ms (hil_now_ms clock);
 * `deliver` (may be NULL) publishes the deliver events. */
int timed_events_start(struct timed_events *te, const struct scenario *sc, const struct sim_process *sim,
                       uint64_t t0_ms, timed_deliver_fn deliver, void *deliver_ctx);
/* Stops the thread; events not yet due never fire. */
void timed_events_stop(struct timed_events *te);
/* Copies the first failure into `out`; returns true if there was one. */
bool timed_events_failed(struct timed_events *te, struct strbuf *out);
/* Names the first event still to come at now_ms (the steps ended before it:
 * the scenario never tested it); returns true if there is one. */
bool timed_events_unfired(struct timed_events *te, uint64_t now_ms, struct strbuf *out);

#endif
