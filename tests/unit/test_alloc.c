/* common/alloc: the one growable array keeps what it holds as it grows, and
 * running out of memory stops the program with a message instead of going on. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"

Test(alloc, a_growing_array_keeps_its_elements_and_grows_only_when_needed)
{
    int *v = NULL;
    size_t cap = 0;
    for (int i = 0; i < 1000; i++) {
        v = grow_array(v, &cap, (size_t)i + 1, sizeof *v);
        v[i] = i;
    }
    cr_assert_geq(cap, 1000);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(v[i], i);
    size_t before = cap;
    int *same = grow_array(v, &cap, 10, sizeof *v);
    cr_assert_eq(same, v, "no need, no move");
    cr_assert_eq(cap, before);
    free(v);
}

Test(alloc, xmemdup_copies_and_ends_with_a_nul)
{
    char *p = xmemdup("ab\0cd", 5);
    cr_assert_eq(memcmp(p, "ab\0cd", 5), 0);
    cr_assert_eq(p[5], '\0');
    free(p);
}

Test(alloc, an_impossible_size_stops_the_program_with_a_message, .signal = SIGABRT)
{
    size_t cap = 0;
    (void)grow_array(NULL, &cap, SIZE_MAX / 2, 16);
}
