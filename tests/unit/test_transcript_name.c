/* A scenario's transcript file name: the name as it is when it fits, cut with
 * a hash of the whole name when it does not, never half a UTF-8 character. */
#include <criterion/criterion.h>
#include <limits.h>
#include <string.h>

#include "transcript.h"

static struct strbuf a, b;

static void teardown(void)
{
    sb_free(&a);
    sb_free(&b);
}

TestSuite(transcript_name, .fini = teardown);

Test(transcript_name, a_short_name_is_the_file_name_with_unsafe_bytes_replaced)
{
    transcript_file_name("connlost mid/sequence", &a);
    cr_assert_str_eq(sb_str(&a), "connlost_mid_sequence");
}

Test(transcript_name, a_name_that_fits_is_not_cut)
{
    char name[TRANSCRIPT_STEM_MAX + 1];
    memset(name, 'x', TRANSCRIPT_STEM_MAX);
    name[TRANSCRIPT_STEM_MAX] = '\0';
    transcript_file_name(name, &a);
    cr_assert_str_eq(sb_str(&a), name);
}

Test(transcript_name, long_names_are_cut_and_stay_distinct)
{
    char one[4096], two[4096];
    memset(one, 'x', sizeof one - 1);
    one[sizeof one - 1] = '\0';
    memcpy(two, one, sizeof two);
    two[sizeof two - 2] = 'y';   /* differs only at its very end */
    sb_puts(&a, "dir/");
    transcript_file_name(one, &a);
    transcript_file_name(two, &b);
    cr_assert_eq(strncmp(sb_str(&a), "dir/", 4), 0, "appended to what was there");
    cr_assert_leq(a.len - 4, TRANSCRIPT_STEM_MAX);
    cr_assert_leq(b.len, TRANSCRIPT_STEM_MAX);
    cr_assert_leq(b.len + strlen(".cap"), NAME_MAX);
    cr_assert_str_neq(sb_str(&a) + 4, sb_str(&b));
    sb_reset(&a);
    transcript_file_name(two, &a);
    cr_assert_str_eq(sb_str(&a), sb_str(&b), "the same name makes the same file");
}

Test(transcript_name, the_cut_never_splits_a_character)
{
    char name[1024] = "";
    while (strlen(name) + strlen("\xc3\xa9") < sizeof name)
        strcat(name, "\xc3\xa9");   /* é, two bytes: a cut at an odd length would split one */
    transcript_file_name(name, &a);
    const char *dash = strrchr(sb_str(&a), '-');
    cr_assert_not_null(dash);
    size_t stem = (size_t)(dash - sb_str(&a));
    cr_assert_gt(stem, 0);
    cr_assert_eq(stem % 2, 0, "a cut inside a character: %zu bytes", stem);
    cr_assert_eq(memcmp(sb_str(&a), name, stem), 0);
}
