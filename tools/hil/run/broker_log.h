/* What the broker received during a scenario, for the broker checks.
 * Filled from another thread (the simulator's `watch` stream, or a
 * libmosquitto subscriber), read by the scenario's thread: locked inside. */
#ifndef HIL_BROKER_LOG_H
#define HIL_BROKER_LOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

struct broker_msg {
    char *topic;
    uint8_t *payload;   /* NUL-terminated for convenience */
    size_t len;
    int qos;
    bool retain;
};

struct broker_log {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct broker_msg *v;
    size_t n, cap;
};

/* The outcome of checking a numbered sequence "1".."count" on a topic. */
struct broker_seq {
    long received;      /* messages on the topic with a payload in 1..count */
    long missing;       /* numbers never received */
    long first_missing; /* the lowest of them, 0 if none */
    long duplicates;    /* receptions beyond the first of each number */
};

void broker_log_init(struct broker_log *bl);
void broker_log_free(struct broker_log *bl);
void broker_log_add(struct broker_log *bl, const char *topic, size_t tlen,
                    const void *payload, size_t plen, int qos, bool retain);
/* How many messages were logged so far. */
size_t broker_log_size(struct broker_log *bl);
/* Waits up to timeout_ms until at least `n` messages were logged. */
bool broker_log_wait(struct broker_log *bl, size_t n, int timeout_ms);
/* Messages on exactly `topic` whose payload matches `pat` (SCN_PAT_NONE: any). */
long broker_log_count(struct broker_log *bl, const char *topic, const struct scn_pattern *pat);
/* With `prefix` (may be NULL) the payloads are PREFIX1 .. PREFIXcount. */
void broker_log_seq(struct broker_log *bl, const char *topic, const char *prefix, long count, struct broker_seq *out);

#endif
