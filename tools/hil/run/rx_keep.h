/* What one of the runner's loopback peers received (a test server, a client
 * of the module's own server), kept for the checks that wait on it: the
 * bytes in arrival order up to RX_KEEP_MAX, the rest only counted, so a
 * flood cannot eat the runner's memory. The peer's thread adds while a step
 * reads from another thread: every call takes the lock. */
#ifndef HIL_RX_KEEP_H
#define HIL_RX_KEEP_H

#include <pthread.h>
#include <stddef.h>

#include "strbuf.h"

#define RX_KEEP_MAX (1u << 20)    /* bytes kept for the checks; more are only counted */

struct rx_keep {
    pthread_mutex_t mu;      /* guards what follows */
    struct strbuf got;
    size_t not_kept;         /* bytes received past RX_KEEP_MAX */
};

void rx_keep_init(struct rx_keep *k);
/* Keeps what of buf[0..n) fits, counts the rest. */
void rx_keep_add(struct rx_keep *k, const char *buf, size_t n);
/* Appends the bytes kept so far to out; *not_kept (if not NULL) gets how
 * many more arrived than were kept. */
void rx_keep_copy(struct rx_keep *k, struct strbuf *out, size_t *not_kept);
void rx_keep_free(struct rx_keep *k);

#endif
