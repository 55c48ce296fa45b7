#include "paced_fifo.h"

#include "alloc.h"

#include <stdlib.h>
#include <string.h>

/* 8N1: ten bit times per byte. */
#define BITS_PER_BYTE 10u

void fifo_init(struct paced_fifo *o, uint32_t baud, size_t max_bytes)
{
    memset(o, 0, sizeof *o);
    o->baud = baud;
    o->max_bytes = max_bytes;
}

void fifo_free(struct paced_fifo *o)
{
    free(o->buf);
    o->buf = NULL;
    o->cap = o->len = o->head = 0;
}

void fifo_clear(struct paced_fifo *o)
{
    o->head = o->len = 0;
}

static void compact(struct paced_fifo *o)
{
    if (o->head) {
        memmove(o->buf, o->buf + o->head, o->len);
        o->head = 0;
    }
}

void fifo_append(struct paced_fifo *o, const void *data, size_t n, uint64_t now_us)
{
    /* an idle wire starts sending when the bytes arrive, not when someone looks */
    if (o->len == 0 && o->wire_free_us < now_us)
        o->wire_free_us = now_us;
    /* a full UART TX FIFO (no flow control) sends what it holds and loses newer writes */
    size_t room = o->max_bytes > o->len ? o->max_bytes - o->len : 0;
    if (n > room) {
        o->dropped += n - room;
        n = room;
    }
    if (n == 0)
        return;
    if (o->head + o->len + n > o->cap) {
        compact(o);
        if (o->len + n > o->cap) {
            size_t cap = o->cap ? o->cap : 4096;
            while (cap < o->len + n)
                cap *= 2;
            o->buf = xrealloc(o->buf, cap);
            o->cap = cap;
        }
    }
    memcpy(o->buf + o->head + o->len, data, n);
    o->len += n;
}

static uint64_t byte_us(const struct paced_fifo *o)
{
    return (1000000ull * BITS_PER_BYTE + o->baud - 1) / o->baud;
}

size_t fifo_take(struct paced_fifo *o, uint8_t *dst, size_t cap, uint64_t now_us)
{
    if (o->len == 0 || now_us < o->hold_until_us)
        return 0;
    size_t n = o->len < cap ? o->len : cap;
    if (o->baud) {
        uint64_t per = byte_us(o);
        /* only bytes whose last bit has crossed the wire: never early at the other end */
        uint64_t allowed = now_us < o->wire_free_us + per ? 0 : (now_us - o->wire_free_us) / per;
        if (n > allowed)
            n = (size_t)allowed;
        o->wire_free_us += n * per;
    }
    memcpy(dst, o->buf + o->head, n);
    o->head += n;
    o->len -= n;
    return n;
}

void fifo_unread(struct paced_fifo *o, size_t n)
{
    o->head -= n;
    o->len += n;
    if (o->baud)
        o->wire_free_us -= n * byte_us(o);
}

uint64_t fifo_next_us(const struct paced_fifo *o)
{
    if (o->len == 0)
        return UINT64_MAX;
    uint64_t t = o->hold_until_us;
    if (o->baud && o->wire_free_us + byte_us(o) > t)
        t = o->wire_free_us + byte_us(o);
    return t;
}

uint64_t fifo_wake_us(const struct paced_fifo *o, uint64_t now_us, uint64_t slice_us)
{
    uint64_t next = fifo_next_us(o);
    if (next == UINT64_MAX || o->baud == 0)
        return next;
    uint64_t last = o->wire_free_us + o->len * byte_us(o);
    if (last < o->hold_until_us)
        last = o->hold_until_us;
    uint64_t wake = now_us + slice_us > next ? now_us + slice_us : next;
    return wake < last ? wake : last;
}
