/* Test support: one parsed scenario per test and what the parser said, for
 * the scenario language's tests (test_scenario_tls.c, _sockets.c, _model.c,
 * _http.c).
 * Include it once, in a Criterion test file; `sc` and `diags` are that file's,
 * freed by scn_fixture_free (the suite's .fini). */
#ifndef TEST_SCN_FIXTURE_H
#define TEST_SCN_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "scenario.h"

#define SCN_FIXTURE_PATH "t.scn"     /* the scenario's file name; its folder is the current one */

static struct scn_diags diags;
static struct scenario *sc;

static inline void scn_fixture_free(void)
{
    scn_free(sc);
    sc = NULL;
    scn_diags_free(&diags);
}

/* Parses `text` into sc and diags: the status. */
static inline enum scn_status parse(const char *text)
{
    return scn_parse_buffer(SCN_FIXTURE_PATH, text, strlen(text), &sc, &diags);
}

/* `text` parses; the diagnostics go to stderr when it does not. */
static inline struct scenario *parse_ok(const char *text)
{
    enum scn_status st = parse(text);
    if (st != SCN_OK)
        scn_diags_print(&diags, stderr);
    cr_assert_eq(st, SCN_OK, "expected the text to parse");
    return sc;
}

/* Exactly one error, on `at`, containing `text`, and no scenario. What an
 * earlier call said is dropped first: a test may check several texts. */
static inline void one_error(const char *text_in, int at, const char *text)
{
    struct scenario *none = NULL;
    scn_diags_free(&diags);
    enum scn_status st = scn_parse_buffer(SCN_FIXTURE_PATH, text_in, strlen(text_in), &none, &diags);
    cr_assert_eq(st, SCN_ERR_INVALID);
    cr_assert_null(none);
    if (diags.n != 1)
        scn_diags_print(&diags, stderr);
    cr_assert_eq(diags.n, 1, "expected one error, got %zu", diags.n);
    cr_expect_eq(diags.v[0].line, at, "error on line %d, expected %d: %s", diags.v[0].line, at, diags.v[0].msg);
    cr_expect(strstr(diags.v[0].msg, text), "\"%s\" lacks \"%s\"", diags.v[0].msg, text);
}

#endif
