/* common/parse_num: what each caller relied on (a whole decimal string in a
 * range) and what none of them checked before (overflow, "+", spaces). */
#include <criterion/criterion.h>
#include <limits.h>

#include "parse_num.h"

Test(parse_num, a_whole_number_in_range_is_read)
{
    long v = 0;
    uint64_t u = 0;
    cr_assert(parse_long("42", 0, 100, &v) && v == 42);
    cr_assert(parse_long("-7", -10, 10, &v) && v == -7);
    cr_assert(parse_u64("18446744073709551615", UINT64_MAX, &u) && u == UINT64_MAX);
}

Test(parse_num, anything_else_is_refused_and_leaves_the_output_alone)
{
    long v = 5;
    uint64_t u = 5;
    const char *bad[] = {"", " 1", "1 ", "+1", "1x", "0x10", "--1", "-", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_not(parse_long(bad[i], LONG_MIN, LONG_MAX, &v), "\"%s\" was taken", bad[i]);
        cr_assert_not(parse_u64(bad[i], UINT64_MAX, &u), "\"%s\" was taken", bad[i]);
    }
    cr_assert_not(parse_long("101", 0, 100, &v), "above the range");
    cr_assert_not(parse_long("-1", 0, 100, &v), "below the range");
    cr_assert_not(parse_u64("-1", UINT64_MAX, &u), "a sign is no unsigned number");
    cr_assert_not(parse_u64("18446744073709551616", UINT64_MAX, &u), "overflow");
    cr_assert_not(parse_long(NULL, 0, 1, &v));
    cr_assert_eq(v, 5);
    cr_assert_eq(u, 5);
}
