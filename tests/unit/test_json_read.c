/* json_read: values by path out of one line of JSON (the simulator's `state`),
 * and a clear refusal of anything that is not one well-formed JSON value. */
#include <criterion/criterion.h>
#include <limits.h>
#include <string.h>

#include "json_read.h"

/* A `state` line as the simulator prints it (abridged). */
static const char STATE[] =
    "{\"power\":\"on\",\"silent\":false,\"rules\":2,\"rules_fired\":1,"
    "\"mqtt\":{\"service\":\"started\",\"clients\":[{\"index\":0,\"state\":\"connected\",\"busy\":true},"
    "{\"index\":1,\"state\":\"free\",\"busy\":false}]},"
    "\"broker\":{\"published\":17,\"retained\":0},"
    "\"stats\":{\"bytes_in\":1234,\"connlost\":3},"
    "\"faults\":{\"connlost\":2,\"reboot\":1,\"silent\":0,\"garble\":4},\"replay\":null}";

static long long int_at(const char *json, const char *path)
{
    long long v = -999;
    enum json_result rc = json_get_int(json, strlen(json), path, &v);
    cr_assert_eq(rc, JSON_OK, "%s: %s", path, json_result_str(rc));
    return v;
}

static enum json_result int_rc(const char *json, const char *path)
{
    long long v;
    return json_get_int(json, strlen(json), path, &v);
}

static const char *string_at(const char *json, const char *path)
{
    static char buf[64];
    size_t n;
    enum json_result rc = json_get_string(json, strlen(json), path, buf, sizeof buf, &n);
    cr_assert_eq(rc, JSON_OK, "%s: %s", path, json_result_str(rc));
    cr_assert_eq(n, strlen(buf));
    return buf;
}

Test(json_read, numbers_by_path_in_the_state_line)
{
    cr_assert_eq(int_at(STATE, "broker.published"), 17);
    cr_assert_eq(int_at(STATE, "stats.connlost"), 3);
    cr_assert_eq(int_at(STATE, "faults.connlost"), 2);   /* the same key elsewhere does not count */
    cr_assert_eq(int_at(STATE, "faults.garble"), 4);
    cr_assert_eq(int_at(STATE, "rules"), 2);              /* not rules_fired, which shares its start */
    cr_assert_eq(int_at(STATE, "rules_fired"), 1);
    cr_assert_eq(int_at(STATE, "mqtt.clients[1].index"), 1);
}

Test(json_read, strings_booleans_null_and_whole_values)
{
    cr_assert_str_eq(string_at(STATE, "mqtt.clients[0].state"), "connected");
    cr_assert_str_eq(string_at(STATE, "mqtt.clients[1].state"), "free");
    bool b = true;
    cr_assert_eq(json_get_bool(STATE, strlen(STATE), "silent", &b), JSON_OK);
    cr_assert_not(b);
    cr_assert_eq(json_get_bool(STATE, strlen(STATE), "mqtt.clients[0].busy", &b), JSON_OK);
    cr_assert(b);
    struct json_value v;
    cr_assert_eq(json_find(STATE, strlen(STATE), "replay", &v), JSON_OK);
    cr_assert_eq(v.type, JSON_NULL);
    cr_assert_eq(json_find(STATE, strlen(STATE), "broker", &v), JSON_OK);
    cr_assert_eq(v.type, JSON_OBJECT);
    cr_assert_eq(v.len, strlen("{\"published\":17,\"retained\":0}"));
    cr_assert_eq(memcmp(v.text, "{\"published\":17,\"retained\":0}", v.len), 0);
    cr_assert_eq(json_find(STATE, strlen(STATE), "mqtt.clients", &v), JSON_OK);
    cr_assert_eq(v.type, JSON_ARRAY);
    cr_assert_eq(json_find(STATE, strlen(STATE), "", &v), JSON_OK);   /* the empty path: the whole text */
    cr_assert_eq(v.len, strlen(STATE));
    const char arr[] = " [ 1 , [2, {\"a\": [ 3 ]}] ] ";
    cr_assert_eq(int_at(arr, "[0]"), 1);
    cr_assert_eq(int_at(arr, "[1][1].a[0]"), 3);
}

Test(json_read, escapes_in_values_and_in_keys)
{
    const char j[] = "{\"t\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\",\"u\":\"\\u00e9\\u20AC\\ud83d\\ude00\","
                     "\"k\\u0065y\":5,\"dot\\\"q\":6,\"nul\":\"x\\u0000y\"}";
    cr_assert_str_eq(string_at(j, "t"), "a\"b\\c/d\b\f\n\r\t");
    cr_assert_str_eq(string_at(j, "u"), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    cr_assert_eq(int_at(j, "key"), 5);                     /* a key is compared unescaped */
    cr_assert_eq(int_at(j, "dot\"q"), 6);
    char buf[8];
    size_t n = 0;
    cr_assert_eq(json_get_string(j, strlen(j), "nul", buf, sizeof buf, &n), JSON_OK);
    cr_assert_eq(n, 3);
    cr_assert_eq(memcmp(buf, "x\0y", 4), 0);
}

Test(json_read, integers_at_their_limits_and_numbers_that_are_not_integers)
{
    const char j[] = "{\"max\":9223372036854775807,\"min\":-9223372036854775808,\"over\":9223372036854775808,"
                     "\"under\":-9223372036854775809,\"zero\":-0,\"frac\":1.5,\"exp\":1e3,\"neg\":-2.5E-3,\"s\":\"7\"}";
    cr_assert_eq(int_at(j, "max"), LLONG_MAX);
    cr_assert_eq(int_at(j, "min"), LLONG_MIN);
    cr_assert_eq(int_at(j, "zero"), 0);
    cr_assert_eq(int_rc(j, "over"), JSON_E_RANGE);
    cr_assert_eq(int_rc(j, "under"), JSON_E_RANGE);
    cr_assert_eq(int_rc(j, "frac"), JSON_E_TYPE);
    cr_assert_eq(int_rc(j, "exp"), JSON_E_TYPE);
    cr_assert_eq(int_rc(j, "s"), JSON_E_TYPE);
    struct json_value v;
    cr_assert_eq(json_find(j, strlen(j), "neg", &v), JSON_OK);
    cr_assert_eq(v.type, JSON_NUMBER);
    cr_assert_eq(v.len, strlen("-2.5E-3"));
}

Test(json_read, what_is_not_there)
{
    cr_assert_eq(int_rc(STATE, "broker.nothing"), JSON_E_NOT_FOUND);
    cr_assert_eq(int_rc(STATE, "mqtt.clients[2].index"), JSON_E_NOT_FOUND);   /* past the end */
    cr_assert_eq(int_rc(STATE, "mqtt.clients.index"), JSON_E_NOT_FOUND);      /* a key into an array */
    cr_assert_eq(int_rc(STATE, "broker[0]"), JSON_E_NOT_FOUND);               /* an index into an object */
    cr_assert_eq(int_rc(STATE, "rules.x"), JSON_E_NOT_FOUND);                 /* into a number */
    cr_assert_eq(int_rc("{\"a\":{\"b\":1},\"a\":{\"c\":2}}", "a.c"), JSON_E_NOT_FOUND);   /* the first "a" counts */
    cr_assert_eq(int_at("{\"a\":1,\"a\":2}", "a"), 1);
    bool b;
    cr_assert_eq(json_get_bool(STATE, strlen(STATE), "replay", &b), JSON_E_TYPE);
    char small[4];
    cr_assert_eq(json_get_string(STATE, strlen(STATE), "mqtt.service", small, sizeof small, NULL), JSON_E_SPACE);
    cr_assert_eq(json_get_string("\"\"", 2, "", small, 0, NULL), JSON_E_SPACE);
}

Test(json_read, paths_that_are_not_paths)
{
    static const char *const bad[] = {"a..b", ".a", "a.", "a[", "a[]", "a[x]", "a[1", "a]", "a[0]b", "[0]]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(int_rc(STATE, bad[i]), JSON_E_PATH, "%s", bad[i]);
}

Test(json_read, malformed_text_is_refused_even_after_the_value)
{
    static const char *const bad[] = {
        "",                           /* nothing */
        "   ",
        "{\"a\":1",                   /* truncated: the value came, the end did not */
        "{\"a\":1,}",                 /* trailing comma */
        "{\"a\":1}x",                 /* bytes after the value */
        "{\"a\":1}{}",
        "{\"a\" 1}",                  /* no colon */
        "{a:1}",                      /* unquoted key */
        "{\"a\":01}",                 /* leading zero */
        "{\"a\":-}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":+1}",
        "{\"a\":tru}", "{\"a\":truex}", "{\"a\":nul}", "{\"a\":True}",
        "{\"a\":\"x}",                /* unterminated string */
        "{\"a\":\"\\q\"}",            /* unknown escape */
        "{\"a\":\"\\u12g4\"}",        /* bad hex */
        "{\"a\":\"\\ud83d\"}",        /* a high surrogate alone */
        "{\"a\":\"\\ude00\"}",        /* a low surrogate alone */
        "{\"a\":\"tab\there\"}",      /* a raw control character */
        "[1 2]", "[1,]", "[,1]", "]", "}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(int_rc(bad[i], "a"), JSON_E_MALFORMED, "%s", bad[i]);
    long long v;
    cr_assert_eq(json_get_int("{\"a\":1}\0", 8, "a", &v), JSON_E_MALFORMED, "a NUL byte inside the length");
    cr_assert_eq(json_get_int("{\"a\":12}", 7, "a", &v), JSON_E_MALFORMED, "the length bounds the text");
    cr_assert_eq(json_get_int("12345", 2, "", &v), JSON_OK, "a top-level number ends at the length");
    cr_assert_eq(v, 12);
}

Test(json_read, nesting_is_bounded)
{
    char deep[2 * JSON_READ_MAX_DEPTH + 8];
    size_t n = 0;
    for (int i = 0; i < JSON_READ_MAX_DEPTH; i++)
        deep[n++] = '[';
    for (int i = 0; i < JSON_READ_MAX_DEPTH; i++)
        deep[n++] = ']';
    struct json_value v;
    cr_assert_eq(json_find(deep, n, "", &v), JSON_OK, "%d levels are allowed", JSON_READ_MAX_DEPTH);
    char deeper[sizeof deep + 2];
    deeper[0] = '[';
    memcpy(deeper + 1, deep, n);
    deeper[n + 1] = ']';
    cr_assert_eq(json_find(deeper, n + 2, "", &v), JSON_E_MALFORMED, "one more is refused, not recursed into");
}

Test(json_read, every_result_has_a_name)
{
    for (int r = JSON_E_SPACE; r <= JSON_OK; r++)
        cr_assert_str_neq(json_result_str((enum json_result)r), "unknown result");
}
