/* The paced FIFO (sim/paced_fifo.c): what survives when it overflows, and the
 * pacing, on a fake clock. */
#include <criterion/criterion.h>
#include <string.h>

#include "paced_fifo.h"

#define SMALL_MAX 8u         /* a FIFO small enough to overflow by hand */
#define UNPACED 0u
#define BAUD_10000 10000u    /* 8N1: one byte per millisecond */

static struct paced_fifo fifo;

static void fifo_done(void) { fifo_free(&fifo); }

/* Everything in the FIFO now, NUL-terminated. */
static const char *contents(void)
{
    static char out[64];
    size_t n = fifo_take(&fifo, (uint8_t *)out, sizeof out - 1, 0);
    out[n] = '\0';
    return out;
}

TestSuite(paced_fifo, .fini = fifo_done);

Test(paced_fifo, an_overflow_keeps_the_oldest_bytes_and_loses_the_newest)
{
    fifo_init(&fifo, UNPACED, SMALL_MAX);
    fifo_append(&fifo, "ABCDEF", 6, 0);
    fifo_append(&fifo, "GHIJ", 4, 0);    /* room for two: G and H go in, I and J are lost */
    fifo_append(&fifo, "KL", 2, 0);      /* full: both lost */
    cr_assert_eq(fifo.dropped, 4, "dropped %llu", (unsigned long long)fifo.dropped);
    cr_assert_str_eq(contents(), "ABCDEFGH");
    /* once the wire drained, new bytes are taken again */
    fifo_append(&fifo, "MN", 2, 0);
    cr_assert_str_eq(contents(), "MN");
    cr_assert_eq(fifo.dropped, 4);
}

Test(paced_fifo, a_chunk_that_fits_exactly_is_kept_whole)
{
    fifo_init(&fifo, UNPACED, SMALL_MAX);
    fifo_append(&fifo, "ABCD", 4, 0);
    fifo_append(&fifo, "EFGH", 4, 0);
    cr_assert_eq(fifo.dropped, 0);
    cr_assert_str_eq(contents(), "ABCDEFGH");
}

Test(paced_fifo, bytes_leave_only_once_the_wire_carried_them)
{
    fifo_init(&fifo, BAUD_10000, SMALL_MAX);
    fifo_append(&fifo, "ABC", 3, 5000);
    uint8_t out[8];
    cr_assert_eq(fifo_take(&fifo, out, sizeof out, 5999), 0, "a byte arrived before its last bit");
    cr_assert_eq(fifo_next_us(&fifo), 6000);
    cr_assert_eq(fifo_take(&fifo, out, sizeof out, 7000), 2);
    cr_assert_eq(memcmp(out, "AB", 2), 0);
    cr_assert_eq(fifo_take(&fifo, out, sizeof out, 8000), 1);
    cr_assert_eq(out[0], 'C');
    cr_assert_eq(fifo_next_us(&fifo), UINT64_MAX);
}

#define SLICE_US 3000u        /* three bytes' time at BAUD_10000 */

Test(paced_fifo, a_burst_is_looked_at_in_slices_and_its_last_byte_on_time)
{
    fifo_init(&fifo, BAUD_10000, SMALL_MAX);
    fifo_append(&fifo, "ABCDEFG", 7, 0);                /* bytes due at 1000, 2000 ... 7000 */
    cr_assert_eq(fifo_wake_us(&fifo, 0, SLICE_US), 3000, "the first look waits a slice, not one byte");
    uint8_t out[8];
    cr_assert_eq(fifo_take(&fifo, out, sizeof out, 3000), 3);
    cr_assert_eq(fifo_wake_us(&fifo, 3000, SLICE_US), 6000);
    cr_assert_eq(fifo_take(&fifo, out, sizeof out, 6000), 3);
    cr_assert_eq(fifo_wake_us(&fifo, 6000, SLICE_US), 7000, "the last byte is looked at when it is due");
    cr_assert_eq(fifo_take(&fifo, out, sizeof out, 7000), 1);
    cr_assert_eq(fifo_wake_us(&fifo, 7000, SLICE_US), UINT64_MAX);
}

Test(paced_fifo, a_short_answer_is_looked_at_when_its_last_byte_is_due)
{
    fifo_init(&fifo, BAUD_10000, SMALL_MAX);
    fifo_append(&fifo, "OK", 2, 500);                   /* due at 1500 and 2500 */
    cr_assert_eq(fifo_wake_us(&fifo, 500, SLICE_US), 2500);
}

Test(paced_fifo, unpaced_or_held_bytes_are_looked_at_when_due)
{
    fifo_init(&fifo, UNPACED, SMALL_MAX);
    fifo_append(&fifo, "AB", 2, 100);
    cr_assert_eq(fifo_wake_us(&fifo, 100, SLICE_US), 0, "unpaced bytes are due at once");
    fifo_free(&fifo);
    fifo_init(&fifo, BAUD_10000, SMALL_MAX);
    fifo.hold_until_us = 9000;                          /* a delayed response */
    fifo_append(&fifo, "AB", 2, 0);
    cr_assert_eq(fifo_wake_us(&fifo, 0, SLICE_US), 9000, "nothing leaves before the hold ends");
}
