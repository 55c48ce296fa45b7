#include "broker_log.h"

#include "alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hil_clock.h"

void broker_log_init(struct broker_log *bl)
{
    memset(bl, 0, sizeof *bl);
    pthread_mutex_init(&bl->mu, NULL);
    hil_cond_init(&bl->cv);
}

void broker_log_free(struct broker_log *bl)
{
    for (size_t i = 0; i < bl->n; i++) {
        free(bl->v[i].topic);
        free(bl->v[i].payload);
    }
    free(bl->v);
    pthread_mutex_destroy(&bl->mu);
    pthread_cond_destroy(&bl->cv);
}


void broker_log_add(struct broker_log *bl, const char *topic, size_t tlen,
                    const void *payload, size_t plen, int qos, bool retain)
{
    struct broker_msg m = {xmemdup(topic, tlen), xmemdup(payload, plen), plen, qos, retain};
    pthread_mutex_lock(&bl->mu);
    bl->v = grow_array(bl->v, &bl->cap, bl->n + 1, sizeof *bl->v);
    bl->v[bl->n++] = m;
    pthread_cond_broadcast(&bl->cv);
    pthread_mutex_unlock(&bl->mu);
}

size_t broker_log_size(struct broker_log *bl)
{
    pthread_mutex_lock(&bl->mu);
    size_t n = bl->n;
    pthread_mutex_unlock(&bl->mu);
    return n;
}

bool broker_log_wait(struct broker_log *bl, size_t n, int timeout_ms)
{
    struct timespec end = hil_deadline_in((uint64_t)timeout_ms);
    pthread_mutex_lock(&bl->mu);
    int rc = 0;
    while (bl->n < n && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&bl->cv, &bl->mu, &end);
    bool got = bl->n >= n;
    pthread_mutex_unlock(&bl->mu);
    return got;
}

long broker_log_count(struct broker_log *bl, const char *topic, const struct scn_pattern *pat)
{
    long count = 0;
    pthread_mutex_lock(&bl->mu);
    for (size_t i = 0; i < bl->n; i++)
        if (strcmp(bl->v[i].topic, topic) == 0 &&
            scn_pattern_match(pat, (const char *)bl->v[i].payload, bl->v[i].len))
            count++;
    pthread_mutex_unlock(&bl->mu);
    return count;
}

/* "17" (after the prefix) -> 17; anything that is not a plain number in 1..count -> 0. */
static long seq_number(const struct broker_msg *m, const char *prefix, long count)
{
    long v = 0;
    size_t skip = prefix ? strlen(prefix) : 0;
    if (m->len <= skip || m->len - skip > 9 || (skip && memcmp(m->payload, prefix, skip) != 0))
        return 0;
    for (size_t i = skip; i < m->len; i++) {
        if (m->payload[i] < '0' || m->payload[i] > '9')
            return 0;
        v = v * 10 + (m->payload[i] - '0');
    }
    return v <= count ? v : 0;
}

void broker_log_seq(struct broker_log *bl, const char *topic, const char *prefix, long count, struct broker_seq *out)
{
    memset(out, 0, sizeof *out);
    unsigned *seen = xmalloc(((size_t)count + 1) * sizeof *seen);
    memset(seen, 0, ((size_t)count + 1) * sizeof *seen);
    pthread_mutex_lock(&bl->mu);
    for (size_t i = 0; i < bl->n; i++) {
        long k = strcmp(bl->v[i].topic, topic) == 0 ? seq_number(&bl->v[i], prefix, count) : 0;
        if (k == 0)
            continue;
        out->received++;
        if (seen[k]++)
            out->duplicates++;
    }
    pthread_mutex_unlock(&bl->mu);
    for (long k = count; k >= 1; k--)
        if (!seen[k]) {
            out->missing++;
            out->first_missing = k;
        }
    free(seen);
}
