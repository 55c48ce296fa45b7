/* A byte FIFO drained at an emulated baud rate: the UART in each direction.
 * The module's output leaves through one; the host's bytes reach the module
 * through another, so neither side goes faster than the wire would let it.
 * Time is passed in by the caller (microseconds, monotonic). */
#ifndef SIM_PACED_FIFO_H
#define SIM_PACED_FIFO_H

#include <stddef.h>
#include <stdint.h>

struct paced_fifo {
    uint8_t *buf;
    size_t head, len, cap;
    uint32_t baud;            /* 0: unpaced */
    uint64_t wire_free_us;    /* when the emulated UART finishes the last byte it sent */
    uint64_t hold_until_us;   /* nothing leaves before this (a delayed response) */
    size_t max_bytes;         /* beyond this a UART with no reader loses bytes */
    uint64_t dropped;         /* the newest bytes, lost because the FIFO was full */
};

void fifo_init(struct paced_fifo *o, uint32_t baud, size_t max_bytes);
void fifo_free(struct paced_fifo *o);
void fifo_clear(struct paced_fifo *o);
/* Bytes that arrive at now_us; on an idle wire they start then. When they do
 * not all fit under max_bytes, the ones that fit are kept and the rest (the
 * newest) are lost and counted in `dropped`. */
void fifo_append(struct paced_fifo *o, const void *data, size_t n, uint64_t now_us);
/* Copies at most `cap` bytes that may leave the wire by `now_us`. */
size_t fifo_take(struct paced_fifo *o, uint8_t *dst, size_t cap, uint64_t now_us);
/* When fifo_take can next return bytes; UINT64_MAX if the FIFO is empty. */
uint64_t fifo_next_us(const struct paced_fifo *o);
/* When a loop draining the FIFO should next look: when the next byte is due,
 * but not before now_us + slice_us unless the last byte held is due sooner.
 * A burst then leaves in slices instead of a wake-up per byte, and its last
 * byte still leaves on time. UINT64_MAX if the FIFO is empty. */
uint64_t fifo_wake_us(const struct paced_fifo *o, uint64_t now_us, uint64_t slice_us);
/* Gives bytes back to the front of the FIFO (a write to the pty took fewer). */
void fifo_unread(struct paced_fifo *o, size_t n);

#endif
