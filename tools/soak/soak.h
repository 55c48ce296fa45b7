/* sim7600-soak: the driver publishes a numbered sequence of QoS 1 messages
 * through sim7600-sim while faults are injected at random; a receiver on the
 * broker side checks every sequence number. Shared declarations. */
#ifndef SOAK_H
#define SOAK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim7600.h"

/* ---- options (options.c) -------------------------------------------------------- */

enum soak_broker { SOAK_BROKER_EMBEDDED, SOAK_BROKER_MOSQUITTO };

enum fault_kind { FAULT_CONNLOST, FAULT_REBOOT, FAULT_SILENT, FAULT_GARBLE, FAULT_KINDS };
const char *fault_kind_name(enum fault_kind k);

struct soak_options {
    unsigned messages;
    uint64_t seed;
    enum soak_broker broker;
    unsigned faults[FAULT_KINDS];   /* how many of each kind to inject */
    unsigned silent_min_ms, silent_max_ms;
    unsigned garble_max_bytes;      /* each burst garbles 1..this many bytes */
    unsigned stall_ms;              /* no progress for this long: give up */
    bool verbose;
    bool random_only;               /* no targeted placements: every fault at a random moment */
    unsigned seeds;                 /* runs in a row, seed, seed+1, ... */
    bool print_plan;                /* print the plan of each seed, run nothing */
    const char *sim_log;            /* passed to the simulator as --log: every byte both ways */
};

/* 0 parsed, 1 --help printed, 2 usage error printed. */
int soak_parse_options(struct soak_options *o, int argc, char **argv);

/* ---- the seeded plan (plan.c) ---------------------------------------------------- */

struct soak_rng {
    uint64_t state;
};
void rng_seed(struct soak_rng *r, uint64_t seed);
uint64_t rng_next(struct soak_rng *r);
/* Uniform in [lo, hi] (hi >= lo). */
uint32_t rng_range(struct soak_rng *r, uint32_t lo, uint32_t hi);

/* Where a fault lands: at a random moment (a control command after a
 * jitter), or through a simulator rule at a place that hurts. */
enum fault_place {
    PLACE_RANDOM,         /* anywhere: between commands, mid-command, during a reconnect */
    PLACE_BEFORE_PROMPT,  /* as the module receives AT+CMQTTTOPIC, before its '>' */
    PLACE_IN_DATA,        /* at the first byte of AT+CMQTTPAYLOAD's data phase */
    PLACE_MID_PUB,        /* after a PUB's OK, before its +CMQTTPUB result line */
    PLACE_KINDS,
};
const char *fault_place_name(enum fault_place p);

struct planned_fault {
    enum fault_kind kind;
    enum fault_place place;
    unsigned at_seq;        /* injected once this many messages were handed to the driver */
    unsigned jitter_us;     /* then after this much more, so it lands anywhere in an exchange */
    unsigned amount;        /* silent: ms; garble: bytes; connlost: cause 1-3 */
};

/* Spreads the faults of o->faults over the run, sorted by at_seq. Returns the
 * count (sum of o->faults); *out is malloc'd. */
int soak_plan(const struct soak_options *o, struct planned_fault **out);

/* ---- what the threads share (soak.c) ------------------------------------------------ */

struct soak_shared {
    pthread_mutex_t mu;
    pthread_cond_t cv;              /* any field below changed */
    unsigned handed;                /* messages handed to the driver (OK or QUEUED) */
    enum sim7600_state state;       /* the driver's state, from its events */
    unsigned state_changes;         /* how many times it changed: a change that came and went still shows */
    bool stopping;
    /* driver events */
    unsigned ev_connlost, ev_reboot, ev_silent, ev_retry, ev_reconnected, ev_dropped;
    /* faults that took effect, by kind, as the simulator's state counts them */
    unsigned injected[FAULT_KINDS];
    unsigned not_injected;          /* planned but never took effect */
    unsigned ev_gave_up, ev_escalated;
};

/* Milliseconds of the monotonic clock, which every deadline here uses (that
 * of hil_clock.h: condition variables come from hil_cond_init). */
long long soak_now_ms(void);
/* pthread_cond_timedwait until deadline_ms; false once the deadline passed. */
bool soak_cond_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, long long deadline_ms);
/* Waits on sh->cv (sh->mu held) until deadline_ms; false on timeout. */
bool shared_wait(struct soak_shared *sh, long long deadline_ms);

/* ---- what the simulator counted (injector.c) ---------------------------------------- */

/* The control command that makes the fault ("connlost 2", "reboot", "silent 450", "garble 7"). */
void soak_fault_command(const struct planned_fault *f, char *line, size_t cap);

struct sim_process;

/* The simulator's own count of the faults that took effect, and of its rules. */
struct sim_fault_counts {
    long long took_effect[FAULT_KINDS];
    long long rules, rules_fired;
};
/* Reads them from the simulator's `state`. @retval 0, or -1 (control failed or unreadable) */
int sim_fault_counts(struct sim_process *sim, struct sim_fault_counts *c);

/* ---- the fault injector (injector.c) ---------------------------------------------- */


struct injector {
    pthread_t thread;
    struct sim_process *sim;        /* its control socket takes the faults */
    const struct planned_fault *plan;
    int count;
    unsigned messages;              /* the publisher's total: after it, rules wait in vain */
    unsigned stall_ms;
    bool verbose;
    struct soak_shared *sh;
};
int injector_start(struct injector *in);
void injector_join(struct injector *in);

/* ---- the receiver (receiver.c) ------------------------------------------------------ */

struct receiver;
/* Embedded broker: the simulator's control socket `watch` stream. */
struct receiver *receiver_watch_start(const char *control_path, const char *topic, unsigned messages);
/* A real broker: a libmosquitto subscriber on 127.0.0.1:port. */
struct receiver *receiver_mqtt_start(int port, const char *topic, unsigned messages);
/* Waits until every sequence number arrived, or until no new one came for
 * stall_ms. Returns true when all arrived. */
bool receiver_wait_all(struct receiver *r, unsigned stall_ms);
struct receiver_tally {
    unsigned distinct;              /* sequence numbers seen at least once */
    unsigned messages;              /* messages seen on the topic */
    unsigned duplicates;            /* messages - distinct */
    unsigned malformed;             /* not a sequence number of this run */
};
void receiver_tally(struct receiver *r, struct receiver_tally *t);
/* Writes up to max missing sequence numbers into out; returns how many it wrote. */
unsigned receiver_missing(struct receiver *r, unsigned *out, unsigned max);
void receiver_stop(struct receiver *r);

#endif
