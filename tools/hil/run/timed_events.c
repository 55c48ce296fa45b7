#include "timed_events.h"

#include "alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hil_clock.h"
#include "scenario_sim.h"

static int by_time(const void *a, const void *b)
{
    const struct timed_event *x = a, *y = b;
    return x->at_ms < y->at_ms ? -1 : x->at_ms > y->at_ms ? 1 : x->ev->line - y->ev->line;
}

static void *events_main(void *arg)
{
    struct timed_events *te = arg;
    struct strbuf reply = {0};
    pthread_mutex_lock(&te->mu);
    while (!te->stop && te->fired < te->n) {
        const struct timed_event *ev = &te->v[te->fired];
        if (hil_now_ms() < te->t0_ms + ev->at_ms) {
            struct timespec ts = hil_deadline_in(te->t0_ms + ev->at_ms - hil_now_ms());
            pthread_cond_timedwait(&te->cv, &te->mu, &ts);
            continue;
        }
        te->fired++;
        pthread_mutex_unlock(&te->mu);
        sb_reset(&reply);
        bool own = te->deliver && ev->ev->kind == SCN_ACT_DELIVER;
        int r = own ? te->deliver(te->deliver_ctx, ev->ev, &reply) : simproc_command(te->fd, ev->control, &reply);
        pthread_mutex_lock(&te->mu);
        if (r < 0 && te->err.len == 0)
            sb_printf(&te->err, "line %d: the event '%s' failed: %s", ev->ev->line, ev->control, sb_str(&reply));
    }
    pthread_mutex_unlock(&te->mu);
    sb_free(&reply);
    return NULL;
}

int timed_events_start(struct timed_events *te, const struct scenario *sc, const struct sim_process *sim,
                       uint64_t t0_ms, timed_deliver_fn deliver, void *deliver_ctx)
{
    memset(te, 0, sizeof *te);
    te->fd = -1;
    te->t0_ms = t0_ms;
    te->deliver = deliver;
    te->deliver_ctx = deliver_ctx;
    pthread_mutex_init(&te->mu, NULL);
    hil_cond_init(&te->cv);
    for (size_t i = 0; i < sc->n_events; i++) {
        const struct scn_event *ev = &sc->events[i];
        if (ev->trig.kind != SCN_TRIG_AT || scn_action_is_program(ev->kind))   /* those are the runner's */
            continue;
        struct strbuf line = {0};
        scn_sim_event_line(ev, &line);
        te->v = grow_array(te->v, &te->cap, te->n + 1, sizeof *te->v);
        te->v[te->n++] = (struct timed_event){ev->trig.at_ms, ev, line.p};
    }
    if (te->n == 0)
        return 0;
    qsort(te->v, te->n, sizeof *te->v, by_time);
    te->fd = simproc_connect(sim);
    if (te->fd < 0) {
        sb_printf(&te->err, "cannot open a control connection for the timed events: %s", strerror(errno));
        return -1;
    }
    te->started = pthread_create(&te->thread, NULL, events_main, te) == 0;
    return te->started ? 0 : -1;
}

void timed_events_stop(struct timed_events *te)
{
    if (te->started) {
        pthread_mutex_lock(&te->mu);
        te->stop = true;
        pthread_cond_signal(&te->cv);
        pthread_mutex_unlock(&te->mu);
        pthread_join(te->thread, NULL);
    }
    if (te->fd >= 0)
        close(te->fd);
    for (size_t i = 0; i < te->n; i++)
        free(te->v[i].control);
    free(te->v);
    sb_free(&te->err);
    pthread_mutex_destroy(&te->mu);
    pthread_cond_destroy(&te->cv);
    memset(te, 0, sizeof *te);
    te->fd = -1;
}

bool timed_events_failed(struct timed_events *te, struct strbuf *out)
{
    pthread_mutex_lock(&te->mu);
    bool failed = te->err.len > 0;
    if (failed)
        sb_add(out, te->err.p, te->err.len);
    pthread_mutex_unlock(&te->mu);
    return failed;
}

bool timed_events_unfired(struct timed_events *te, uint64_t now_ms, struct strbuf *out)
{
    pthread_mutex_lock(&te->mu);
    const struct timed_event *next = te->fired < te->n ? &te->v[te->fired] : NULL;
    bool unfired = next && te->t0_ms + next->at_ms > now_ms;
    if (unfired)
        sb_printf(out, "line %d: the event at %.2fs never fired: the steps ended at %.2fs (a `wait` lets it come)",
                  next->ev->line, (double)next->at_ms / 1000, (double)(now_ms - te->t0_ms) / 1000);
    pthread_mutex_unlock(&te->mu);
    return unfired;
}
