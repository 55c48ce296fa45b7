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
