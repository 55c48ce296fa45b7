/* The module's output towards the host: a byte FIFO drained at the emulated
 * baud rate. Time is passed in by the caller (microseconds, monotonic). */
#ifndef SIM_OUTPUT_H
#define SIM_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

struct sim_output {
    uint8_t *buf;
    size_t head, len, cap;
    uint32_t baud;            /* 0: unpaced */
    uint64_t wire_free_us;    /* when the emulated UART finishes the last byte it sent */
    uint64_t hold_until_us;   /* nothing leaves before this (a delayed response) */
    size_t max_bytes;         /* beyond this a UART with no reader loses bytes */
    uint64_t dropped;
};

void out_init(struct sim_output *o, uint32_t baud, size_t max_bytes);
void out_free(struct sim_output *o);
void out_clear(struct sim_output *o);
void out_append(struct sim_output *o, const void *data, size_t n);
/* Copies at most `cap` bytes that may leave the wire by `now_us`. */
size_t out_take(struct sim_output *o, uint8_t *dst, size_t cap, uint64_t now_us);
/* When out_take can next return bytes; UINT64_MAX if the FIFO is empty. */
uint64_t out_next_us(const struct sim_output *o);
/* Gives bytes back to the front of the FIFO (a write to the pty took fewer). */
void out_unread(struct sim_output *o, size_t n);

#endif
