#include "rx_keep.h"

#include <string.h>

void rx_keep_init(struct rx_keep *k)
{
    memset(k, 0, sizeof *k);
    pthread_mutex_init(&k->mu, NULL);
}

void rx_keep_add(struct rx_keep *k, const char *buf, size_t n)
{
    pthread_mutex_lock(&k->mu);
    size_t room = k->got.len < RX_KEEP_MAX ? RX_KEEP_MAX - k->got.len : 0;
    size_t kept = n < room ? n : room;
    sb_add(&k->got, buf, kept);
    k->not_kept += n - kept;
    pthread_mutex_unlock(&k->mu);
}

void rx_keep_copy(struct rx_keep *k, struct strbuf *out, size_t *not_kept)
{
    pthread_mutex_lock(&k->mu);
    sb_add(out, k->got.p, k->got.len);
    if (not_kept)
        *not_kept = k->not_kept;
    pthread_mutex_unlock(&k->mu);
}

void rx_keep_free(struct rx_keep *k)
{
    sb_free(&k->got);
    pthread_mutex_destroy(&k->mu);
}
