/* The scenario parser (tools/hil/scenario/): every keyword into its
 * fields, every error message with its line number, all errors of a file
 * collected, and the example scenarios under scenarios/ parse. */
#include <glob.h>
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hil.h"
#include "scenario.h"
#include "scn_lex.h"

/* ---- helpers ---------------------------------------------------------------- */

static struct scn_diags diags;

static void reset(void) { scn_diags_free(&diags); }

TestSuite(scn, .fini = reset);

static struct scenario *parse_ok(const char *text)
{
    struct scenario *sc = NULL;
    enum scn_status st = scn_parse_buffer("t.scn", text, strlen(text), &sc, &diags);
    if (st != SCN_OK) scn_diags_print(&diags, stderr);
    cr_assert_eq(st, SCN_OK, "expected the text to parse");
    cr_assert_eq(diags.n, 0);
    cr_assert_not_null(sc);
    return sc;
}

static void parse_bad(const char *text)
{
    struct scenario *sc = (struct scenario *)1;
    enum scn_status st = scn_parse_buffer("t.scn", text, strlen(text), &sc, &diags);
    cr_assert_eq(st, SCN_ERR_INVALID, "expected errors, got status %s", scn_status_str(st));
    cr_assert_null(sc, "no scenario may come out of a file with errors");
    cr_assert_gt(diags.n, 0);
}

/* The diag at index i is on `line` and contains `text`. */
static void diag_is(size_t i, int line, const char *text)
{
    cr_assert_lt(i, diags.n, "only %zu diags", diags.n);
    cr_expect_str_eq(diags.v[i].file, "t.scn");
    cr_expect_eq(diags.v[i].line, line, "diag %zu: line %d, expected %d (%s)", i, diags.v[i].line, line,
                 diags.v[i].msg);
    cr_expect(strstr(diags.v[i].msg, text) != NULL, "diag %zu: \"%s\" lacks \"%s\"", i, diags.v[i].msg, text);
}

/* Exactly one error, on `line`, containing `text`. */
static void one_error(const char *body, int line, const char *text)
{
    parse_bad(body);
    if (diags.n != 1) scn_diags_print(&diags, stderr);
    cr_assert_eq(diags.n, 1, "expected exactly one error, got %zu", diags.n);
    diag_is(0, line, text);
}

#define HDR "scenario x\n"           /* line 1 */
#define STEP "wait 1\n"

/* ---- header ----------------------------------------------------------------- */

Test(scn, header_defaults)
{
    struct scenario *sc = parse_ok("scenario cold-start\nwait 10\n");
    cr_expect_str_eq(sc->name, "cold-start");
    cr_expect_eq(sc->name_line, 1);
    cr_expect_str_eq(sc->file, "t.scn");
    cr_expect_eq(sc->targets, SCN_TARGET_BOTH);
    cr_expect_eq(sc->time_limit_ms, SCN_DEFAULT_TIME_LIMIT_MS);
    cr_expect_not(sc->uses_sim_only);
    cr_expect_eq(sc->world.profile, SCN_PROFILE_COLD);
    cr_expect(sc->world.sim_present);
    cr_expect_eq(sc->world.rssi, 23);
    cr_expect_eq(sc->world.reg_stat, 1);
    cr_expect_eq(sc->world.broker, SCN_BROKER_ACCEPT);
    cr_expect_eq(sc->world.latency, SCN_LATENCY_FAST);
    cr_expect_eq(sc->world.baud, 115200);
    cr_expect_eq(sc->world.profile_line, 0);
    scn_free(sc);
}

Test(scn, header_fields)
{
    struct scenario *sc = parse_ok("scenario \"a name with spaces\"\ntargets sim\ntime-limit 2min\n" STEP);
    cr_expect_str_eq(sc->name, "a name with spaces");
    cr_expect_eq(sc->targets, SCN_TARGET_SIM);
    cr_expect_eq(sc->time_limit_ms, 120000);
    scn_free(sc);
    sc = parse_ok(HDR "targets hardware\n" STEP);
    cr_expect_eq(sc->targets, SCN_TARGET_HARDWARE);
    cr_expect_str_eq(scn_target_str(sc->targets), "hardware");
    scn_free(sc);
    sc = parse_ok(HDR "targets sim hardware\n" STEP);
    cr_expect_eq(sc->targets, SCN_TARGET_BOTH);
    scn_free(sc);
    sc = parse_ok(HDR "targets both\ntime-limit 1500ms\n" STEP);
    cr_expect_eq(sc->targets, SCN_TARGET_BOTH);
    cr_expect_eq(sc->time_limit_ms, 1500);
    scn_free(sc);
}

/* ---- start state -------------------------------------------------------------- */

Test(scn, world_all_keywords)
{
    struct scenario *sc = parse_ok(HDR
                                   "profile warm\n"
                                   "sim absent\n"
                                   "signal 99\n"
                                   "registration denied\n"
                                   "broker refuse 5\n"
                                   "latency realistic\n"
                                   "baud 9600\n" STEP);
    const struct scn_world *w = &sc->world;
    cr_expect_eq(w->profile, SCN_PROFILE_WARM);
    cr_expect_eq(w->profile_line, 2);
    cr_expect_not(w->sim_present);
    cr_expect_eq(w->sim_line, 3);
    cr_expect_eq(w->rssi, 99);
    cr_expect_eq(w->reg_stat, 3);
    cr_expect_eq(w->broker, SCN_BROKER_REFUSE);
    cr_expect_eq(w->broker_refuse_code, 5);
    cr_expect_eq(w->latency, SCN_LATENCY_REALISTIC);
    cr_expect_eq(w->baud, 9600);
    cr_expect_eq(w->baud_line, 8);
    cr_expect(sc->uses_sim_only);
    scn_free(sc);
}

Test(scn, world_variants)
{
    struct scenario *sc = parse_ok(HDR "registration 5\nbroker accept user=\"u\" password=\"p\"\nbaud 0\n" STEP);
    cr_expect_eq(sc->world.reg_stat, 5);
    cr_expect_eq(sc->world.broker, SCN_BROKER_ACCEPT);
    cr_expect_str_eq(sc->world.broker_user.ptr, "u");
    cr_expect_str_eq(sc->world.broker_password.ptr, "p");
    cr_expect_eq(sc->world.baud, 0);
    scn_free(sc);

    const char *modes[] = { "unreachable", "dns-fail", "no-connack" };
    enum scn_broker want[] = { SCN_BROKER_UNREACHABLE, SCN_BROKER_DNS_FAIL, SCN_BROKER_NO_CONNACK };
    for (int i = 0; i < 3; i++) {
        char buf[128];
        snprintf(buf, sizeof buf, HDR "broker %s\n" STEP, modes[i]);
        sc = parse_ok(buf);
        cr_expect_eq(sc->world.broker, want[i]);
        cr_expect_str_eq(scn_broker_str(sc->world.broker), modes[i]);
        scn_free(sc);
    }
}

/* ---- events ------------------------------------------------------------------- */

Test(scn, triggers)
{
    struct scenario *sc = parse_ok(HDR
                                   "at 5s reboot\n"
                                   "on-send \"AT+CMQTTPUB\" reboot\n"
                                   "on-send \"AT+CMQTTPUB\" nth=3 reboot\n"
                                   "after-publishes 10 reboot\n" STEP);
    cr_assert_eq(sc->n_events, 4);
    cr_expect_eq(sc->events[0].trig.kind, SCN_TRIG_AT);
    cr_expect_eq(sc->events[0].trig.at_ms, 5000);
    cr_expect_eq(sc->events[0].line, 2);
    cr_expect_eq(sc->events[1].trig.kind, SCN_TRIG_ON_SEND);
    cr_expect_str_eq(sc->events[1].trig.prefix.ptr, "AT+CMQTTPUB");
    cr_expect_eq(sc->events[1].trig.nth, 1);
    cr_expect_eq(sc->events[2].trig.nth, 3);
    cr_expect_eq(sc->events[3].trig.kind, SCN_TRIG_AFTER_PUBLISHES);
    cr_expect_eq(sc->events[3].trig.publishes, 10);
    for (int i = 0; i < 4; i++) cr_expect_eq(sc->events[i].kind, SCN_ACT_REBOOT);
    cr_expect(sc->uses_sim_only);
    scn_free(sc);
}

Test(scn, actions)
{
    struct scenario *sc = parse_ok(HDR
        "at 1s connection-lost 3\n"                                   /* 2 */
        "at 1s connection-lost 1 client=1\n"                          /* 3 */
        "at 1s silent 8s\n"                                           /* 4 */
        "on-send \"AT+CMQTTSTART\" replace \"OK\" \"+CMQTTSTART: 23\"\n" /* 5 */
        "on-send \"AT+CSQ\" nth=2 delay 3s\n"                         /* 6 */
        "at 2s garble 4 seed=7\n"                                     /* 7 */
        "at 2s inject \"\\xff\\r\\n\"\n"                              /* 8 */
        "at 3s deliver \"cmd/led\" \"on\" qos=1 client=1\n"           /* 9 */
        "at 3s deliver \"big\" size=10000\n"                          /* 10 */
        "at 4s signal 5\n"                                            /* 11 */
        "at 4s registration home\n"                                   /* 12 */
        "at 4s sim absent\n"                                          /* 13 */
        "at 4s broker refuse 4\n"                                     /* 14 */
        "at 4s broker unreachable\n"                                  /* 15 */
        STEP);
    cr_assert_eq(sc->n_events, 14);
    const struct scn_event *e = sc->events;
    cr_expect_eq(e[0].kind, SCN_ACT_CONNECTION_LOST);
    cr_expect_eq(e[0].cause, 3);
    cr_expect_eq(e[0].client, 0);
    cr_expect_eq(e[1].cause, 1);
    cr_expect_eq(e[1].client, 1);
    cr_expect_eq(e[2].kind, SCN_ACT_SILENT);
    cr_expect_eq(e[2].ms, 8000);
    cr_expect_eq(e[3].kind, SCN_ACT_REPLACE);
    cr_assert_eq(e[3].n_lines, 2);
    cr_expect_str_eq(e[3].lines[0].ptr, "OK");
    cr_expect_str_eq(e[3].lines[1].ptr, "+CMQTTSTART: 23");
    cr_expect_eq(e[4].kind, SCN_ACT_DELAY);
    cr_expect_eq(e[4].ms, 3000);
    cr_expect_eq(e[4].trig.nth, 2);
    cr_expect_eq(e[5].kind, SCN_ACT_GARBLE);
    cr_expect_eq(e[5].count, 4);
    cr_expect_eq(e[5].seed, 7);
    cr_expect_eq(e[6].kind, SCN_ACT_INJECT);
    cr_expect_eq(e[6].data.len, 3);
    cr_expect_eq(memcmp(e[6].data.ptr, "\xff\r\n", 3), 0);
    cr_expect_eq(e[7].kind, SCN_ACT_DELIVER);
    cr_expect_str_eq(e[7].topic.ptr, "cmd/led");
    cr_expect_str_eq(e[7].payload.ptr, "on");
    cr_expect_eq(e[7].payload_size, 2);
    cr_expect_eq(e[7].qos, 1);
    cr_expect_eq(e[7].client, 1);
    cr_expect_null(e[8].payload.ptr);
    cr_expect_eq(e[8].payload_size, 10000);
    cr_expect_eq(e[9].kind, SCN_ACT_SIGNAL);
    cr_expect_eq(e[9].value, 5);
    cr_expect_eq(e[10].kind, SCN_ACT_REGISTRATION);
    cr_expect_eq(e[10].value, 1);
    cr_expect_eq(e[11].kind, SCN_ACT_SIM);
    cr_expect_eq(e[11].value, 0);
    cr_expect_eq(e[12].kind, SCN_ACT_BROKER);
    cr_expect_eq(e[12].broker, SCN_BROKER_REFUSE);
    cr_expect_eq(e[12].value, 4);
    cr_expect_eq(e[13].broker, SCN_BROKER_UNREACHABLE);
    cr_expect_str_eq(scn_action_kind_str(e[0].kind), "connection-lost");
    cr_expect_str_eq(scn_trigger_kind_str(e[4].trig.kind), "on-send");
    scn_free(sc);
}

Test(scn, events_may_follow_steps)
{
    struct scenario *sc = parse_ok(HDR STEP "at 2s reboot\n");
    cr_expect_eq(sc->n_events, 1);
    scn_free(sc);
}

/* ---- steps -------------------------------------------------------------------- */

Test(scn, wire_steps)
{
    struct scenario *sc = parse_ok(HDR
                                   "send \"AT+CMQTTACCQ=0,\\\"client test0\\\"\"\n"
                                   "send-raw \"0123456789\"\n"
                                   "expect \"OK\"\n"
                                   "expect /^\\+CSQ: [0-9]+,0$/ within=1s\n"
                                   "expect-prompt\n"
                                   "expect-prompt within=250ms\n"
                                   "wait 2s\n");
    cr_assert_eq(sc->n_steps, 7);
    const struct scn_step *s = sc->steps;
    cr_expect_eq(s[0].kind, SCN_STEP_SEND);
    cr_expect_str_eq(s[0].text.ptr, "AT+CMQTTACCQ=0,\"client test0\"");
    cr_expect_eq(s[0].line, 2);
    cr_expect_eq(s[1].kind, SCN_STEP_SEND_RAW);
    cr_expect_eq(s[1].text.len, 10);
    cr_expect_eq(s[2].kind, SCN_STEP_EXPECT);
    cr_expect_eq(s[2].pat.kind, SCN_PAT_EXACT);
    cr_expect_str_eq(s[2].pat.text.ptr, "OK");
    cr_expect_eq(s[2].within_ms, SCN_DEFAULT_EXPECT_MS);
    cr_expect_eq(s[3].pat.kind, SCN_PAT_REGEX);
    cr_expect_eq(s[3].within_ms, 1000);
    cr_expect(scn_pattern_match(&s[3].pat, "+CSQ: 23,0", 10));
    cr_expect_not(scn_pattern_match(&s[3].pat, "+CSQ: 23,99", 11));
    cr_expect_eq(s[4].kind, SCN_STEP_EXPECT_PROMPT);
    cr_expect_eq(s[4].within_ms, SCN_DEFAULT_EXPECT_MS);
    cr_expect_eq(s[5].within_ms, 250);
    cr_expect_eq(s[6].kind, SCN_STEP_WAIT);
    cr_expect_eq(s[6].within_ms, 2000);
    for (int i = 0; i < 7; i++) cr_expect_not(scn_step_is_driver(s[i].kind));
    scn_free(sc);
}

Test(scn, driver_steps)
{
    struct scenario *sc = parse_ok(HDR
        "bring-up\n"                                                             /* 2 */
        "bring-up apn=\"internet\" within=30s result=not-registered\n"           /* 3 */
        "connect\n"                                                              /* 4 */
        "connect server=\"tcp://h:1883\" client-id=\"c1\" user=\"u\" password=\"p\" "
        "keepalive=120 clean=0 within=20s result=bad-credentials\n"              /* 5 */
        "subscribe \"a/b\" qos=1\n"                                              /* 6 */
        "publish \"a/b\" \"hi\" qos=2 retain=1\n"                                /* 7 */
        "publish \"a/b\" size=10000\n"                                           /* 8 */
        "publish-seq \"seq\" 20 200ms qos=1 result=any\n"                        /* 9 */
        "disconnect result=error\n"                                              /* 10 */
        "expect-connected within=30s\n"                                          /* 11 */
        "expect-connected\n");                                                   /* 12 */
    cr_assert_eq(sc->n_steps, 11);
    const struct scn_step *s = sc->steps;
    cr_expect_eq(s[0].kind, SCN_STEP_BRING_UP);
    cr_expect_null(s[0].apn.ptr);
    cr_expect_eq(s[0].result, SCN_RES_OK);
    cr_expect_eq(s[0].within_ms, 0);
    cr_expect_str_eq(s[1].apn.ptr, "internet");
    cr_expect_eq(s[1].within_ms, 30000);
    cr_expect_eq(s[1].result, SCN_RES_NOT_REGISTERED);
    cr_expect_eq(s[2].kind, SCN_STEP_CONNECT);
    cr_expect_null(s[2].server.ptr);
    cr_expect_eq(s[2].keepalive, -1);
    cr_expect_eq(s[2].clean, -1);
    cr_expect_str_eq(s[3].server.ptr, "tcp://h:1883");
    cr_expect_str_eq(s[3].client_id.ptr, "c1");
    cr_expect_str_eq(s[3].user.ptr, "u");
    cr_expect_str_eq(s[3].password.ptr, "p");
    cr_expect_eq(s[3].keepalive, 120);
    cr_expect_eq(s[3].clean, 0);
    cr_expect_eq(s[3].result, SCN_RES_BAD_CREDENTIALS);
    cr_expect_eq(s[4].kind, SCN_STEP_SUBSCRIBE);
    cr_expect_str_eq(s[4].topic.ptr, "a/b");
    cr_expect_eq(s[4].qos, 1);
    cr_expect_eq(s[5].kind, SCN_STEP_PUBLISH);
    cr_expect_str_eq(s[5].payload.ptr, "hi");
    cr_expect_eq(s[5].payload_size, 2);
    cr_expect_eq(s[5].qos, 2);
    cr_expect_eq(s[5].retain, 1);
    cr_expect_null(s[6].payload.ptr);
    cr_expect_eq(s[6].payload_size, 10000);
    cr_expect_eq(s[6].qos, -1);
    cr_expect_eq(s[6].retain, -1);
    cr_expect_eq(s[7].kind, SCN_STEP_PUBLISH_SEQ);
    cr_expect_eq(s[7].count, 20);
    cr_expect_eq(s[7].interval_ms, 200);
    cr_expect_eq(s[7].result, SCN_RES_ANY);
    cr_expect_eq(s[8].kind, SCN_STEP_DISCONNECT);
    cr_expect_eq(s[8].result, SCN_RES_ERROR);
    cr_expect_eq(s[9].kind, SCN_STEP_EXPECT_CONNECTED);
    cr_expect_eq(s[9].within_ms, 30000);
    cr_expect_eq(s[10].within_ms, SCN_DEFAULT_EXPECT_MS);
    for (int i = 0; i < 11; i++) cr_expect(scn_step_is_driver(s[i].kind));
    cr_expect_not(sc->uses_sim_only);
    scn_free(sc);
}

Test(scn, every_result_name)
{
    for (int r = 0; r < SCN_RES_COUNT_; r++) {
        char buf[128];
        snprintf(buf, sizeof buf, HDR "disconnect result=%s\n", scn_result_str((enum scn_result)r));
        struct scenario *sc = parse_ok(buf);
        cr_expect_eq(sc->steps[0].result, (enum scn_result)r, "%s", buf);
        cr_expect_eq(scn_result_from_str(scn_result_str((enum scn_result)r)), r);
        scn_free(sc);
    }
    cr_expect_eq(scn_result_from_str("nope"), -1);
}

/* ---- checks ------------------------------------------------------------------- */

Test(scn, checks)
{
    struct scenario *sc = parse_ok(HDR STEP
        "expect-sent \"AT+CMQTTSTOP\"\n"                       /* 3 */
        "expect-sent /^AT\\+CMQTTPUB=/ count=20\n"             /* 4 */
        "expect-not-sent /^AT\\+CMQTTSUB=0,\"/\n"              /* 5 */
        "expect-printed \"+CMQTTSTART: 23\" count=1\n"         /* 6 */
        "expect-not-printed /CONNLOST/\n"                      /* 7 */
        "expect-message \"t\"\n"                               /* 8 */
        "expect-message \"t\" \"p\" count=2\n"                 /* 9 */
        "expect-message \"t\" /^[0-9]+$/\n"                    /* 10 */
        "expect-message \"t\" size=10000\n"                    /* 11 */
        "expect-seq \"seq\" 20\n"                              /* 12 */
        "expect-seq \"seq\" 20 max-dup=0\n"                    /* 13 */
        "expect-reconnects 1\n"                                /* 14 */
        "expect-reconnects min=1 max=3\n"                      /* 15 */
        "expect-reconnects min=2\n");                          /* 16 */
    cr_assert_eq(sc->n_checks, 14);
    const struct scn_check *c = sc->checks;
    cr_expect_eq(c[0].kind, SCN_CHECK_SENT);
    cr_expect_eq(c[0].line, 3);
    cr_expect_eq(c[0].count, -1);
    cr_expect(scn_pattern_match(&c[0].pat, "AT+CMQTTSTOP", 12));
    cr_expect_not(scn_pattern_match(&c[0].pat, "AT+CMQTTSTOP=1", 14));
    cr_expect_eq(c[1].count, 20);
    cr_expect(scn_pattern_match(&c[1].pat, "AT+CMQTTPUB=0,1,60", 18));
    cr_expect_eq(c[2].kind, SCN_CHECK_NOT_SENT);
    cr_expect(scn_pattern_match(&c[2].pat, "AT+CMQTTSUB=0,\"x\",1", 19));
    cr_expect_eq(c[3].kind, SCN_CHECK_PRINTED);
    cr_expect_eq(c[3].count, 1);
    cr_expect_eq(c[4].kind, SCN_CHECK_NOT_PRINTED);
    cr_expect_eq(c[5].kind, SCN_CHECK_MESSAGE);
    cr_expect_str_eq(c[5].topic.ptr, "t");
    cr_expect_eq(c[5].pat.kind, SCN_PAT_NONE);
    cr_expect(scn_pattern_match(&c[5].pat, "anything", 8));
    cr_expect_eq(c[6].pat.kind, SCN_PAT_EXACT);
    cr_expect_eq(c[6].count, 2);
    cr_expect_eq(c[7].pat.kind, SCN_PAT_REGEX);
    cr_expect_eq(c[8].pat.kind, SCN_PAT_SIZE);
    cr_expect_eq(c[8].pat.size, 10000);
    char *big = malloc(10000);
    scn_fill_payload(big, 10000);
    cr_expect(scn_pattern_match(&c[8].pat, big, 10000));
    big[5000] = 'x';
    cr_expect_not(scn_pattern_match(&c[8].pat, big, 10000));
    cr_expect_not(scn_pattern_match(&c[8].pat, big, 9999));
    free(big);
    cr_expect_eq(c[9].kind, SCN_CHECK_SEQ);
    cr_expect_eq(c[9].count, 20);
    cr_expect_eq(c[9].max_dup, -1);
    cr_expect_eq(c[10].max_dup, 0);
    cr_expect_eq(c[11].kind, SCN_CHECK_RECONNECTS);
    cr_expect_eq(c[11].min, 1);
    cr_expect_eq(c[11].max, 1);
    cr_expect_eq(c[12].min, 1);
    cr_expect_eq(c[12].max, 3);
    cr_expect_eq(c[13].min, 2);
    cr_expect_eq(c[13].max, -1);
    scn_free(sc);
}

/* ---- lexical rules --------------------------------------------------------------- */

Test(scn, comments_blank_lines_crlf_bom)
{
    struct scenario *sc = parse_ok("\xEF\xBB\xBF# leading comment\r\n"
                                   "\r\n"
                                   "   \t  \n"
                                   "scenario x   # trailing comment\r\n"
                                   "  # indented comment\n"
                                   "send \"a # not a comment\"  # but this is\n"
                                   "send \"tail\"");  /* no final newline */
    cr_assert_eq(sc->n_steps, 2);
    cr_expect_eq(sc->name_line, 4);
    cr_expect_str_eq(sc->steps[0].text.ptr, "a # not a comment");
    cr_expect_eq(sc->steps[0].line, 6);
    cr_expect_str_eq(sc->steps[1].text.ptr, "tail");
    cr_expect_eq(sc->steps[1].line, 7);
    scn_free(sc);
}

Test(scn, escapes)
{
    struct scenario *sc = parse_ok(HDR "send-raw \"\\r\\n\\t\\\\\\\"\\x41\\x1a\\0z\"\n");
    const struct scn_bytes *b = &sc->steps[0].text;
    static const char want[] = "\r\n\t\\\"A\x1a\0z";
    cr_assert_eq(b->len, sizeof want - 1);
    cr_expect_eq(memcmp(b->ptr, want, b->len), 0);
    scn_free(sc);
}

Test(scn, empty_string_and_regex_slash)
{
    struct scenario *sc = parse_ok(HDR "expect \"\"\nexpect /^a\\/b$/\n");
    cr_expect_eq(sc->steps[0].pat.text.len, 0);
    cr_expect(scn_pattern_match(&sc->steps[0].pat, "", 0));
    cr_expect_str_eq(sc->steps[1].pat.text.ptr, "^a/b$");
    cr_expect(scn_pattern_match(&sc->steps[1].pat, "a/b", 3));
    scn_free(sc);
}

Test(scn, options_in_any_order)
{
    struct scenario *sc = parse_ok(HDR "publish qos=1 \"t\" retain=0 \"p\"\n");
    cr_expect_str_eq(sc->steps[0].topic.ptr, "t");
    cr_expect_str_eq(sc->steps[0].payload.ptr, "p");
    cr_expect_eq(sc->steps[0].qos, 1);
    scn_free(sc);
}

/* ---- errors: one per case, with its line ------------------------------------------- */

Test(scn, err_missing_name) { one_error(STEP, 1, "no 'scenario NAME' statement"); }
Test(scn, err_no_steps) { one_error("# c\nscenario x\n", 2, "no steps"); }
Test(scn, err_empty_name) { one_error("scenario \"\"\n" STEP, 1, "name is empty"); }
Test(scn, err_unknown_keyword) { one_error(HDR "\npubish \"t\" \"p\"\n", 3, "unknown keyword 'pubish'; expected one of: scenario,"); }
Test(scn, err_statement_not_keyword) { one_error(HDR "\"send\"\n", 2, "a statement starts with a keyword"); }
Test(scn, err_too_few_args) { one_error(HDR "publish\n", 2, "'publish' takes 1 to 2 arguments, got 0; usage: publish"); }
Test(scn, err_too_many_args) { one_error(HDR "send \"a\" \"b\"\n", 2, "'send' takes 1 argument, got 2"); }
Test(scn, err_unknown_option) { one_error(HDR "publish \"t\" \"p\" prio=1\n", 2, "'publish' has no option 'prio'; expected one of: size, qos"); }
Test(scn, err_option_on_plain_keyword) { one_error(HDR "wait 1 x=1\n", 2, "'wait' has no option 'x'; it takes no options"); }
Test(scn, err_option_twice) { one_error(HDR "publish \"t\" \"p\" qos=1 qos=2\n", 2, "option 'qos' given twice"); }
Test(scn, err_qos_range) { one_error(HDR "subscribe \"t\" qos=3\n", 2, "bad qos=3; expected a whole number from 0 to 2"); }
Test(scn, err_number_not_number) { one_error(HDR "publish-seq \"t\" many 1s\n", 2, "bad sequence length 'many'"); }
Test(scn, err_duration) { one_error(HDR "wait 5h\n", 2, "bad duration '5h' for wait; expected a whole number with an optional unit"); }
Test(scn, err_duration_too_long) { one_error(HDR "wait 1441min\n", 2, "at most 24 hours"); }
Test(scn, err_duration_option) { one_error(HDR "expect \"OK\" within=fast\n", 2, "bad duration within=fast"); }
Test(scn, err_zero_time_limit) { one_error(HDR "time-limit 0\n" STEP, 2, "more than 0"); }
Test(scn, err_string_expected) { one_error(HDR "subscribe topic/x\n", 2, "the topic must be a quoted string, got the word 'topic/x'"); }
Test(scn, err_pattern_word) { one_error(HDR "expect OK\n", 2, "must be a quoted string (exact line) or /regex/, got the word 'OK'"); }
Test(scn, err_regex_invalid) { one_error(HDR "expect /+CSQ/\n", 2, "bad regular expression /+CSQ/"); }
Test(scn, err_regex_invalid_check) { one_error(HDR STEP "expect-printed /a[/\n", 3, "expected a POSIX extended regex"); }
Test(scn, err_regex_empty) { one_error(HDR "expect //\n", 2, "empty regular expression"); }
Test(scn, err_regex_unterminated) { one_error(HDR "expect /abc\n", 2, "column 8: unterminated regular expression"); }
Test(scn, err_string_unterminated) { one_error(HDR "send \"AT\n", 2, "column 6: unterminated string; expected a closing '\"'"); }
Test(scn, err_bad_escape) { one_error(HDR "send \"a\\qb\"\n", 2, "column 8: unknown escape '\\q'"); }
Test(scn, err_bad_hex_escape) { one_error(HDR "send \"\\x4\"\n", 2, "bad escape '\\x' in string; expected exactly two hex digits"); }
Test(scn, err_backslash_at_end) { one_error(HDR "send \"abc\\\n", 2, "a backslash ends the line"); }
Test(scn, err_glued_tokens) { one_error(HDR "send \"a\"\"b\"\n", 2, "expected a blank between arguments"); }
Test(scn, err_equals_alone) { one_error(HDR "publish \"t\" \"p\" =1\n", 2, "'=' without an option name"); }
Test(scn, err_option_no_value) { one_error(HDR "publish \"t\" \"p\" qos=\n", 2, "option 'qos=' has no value"); }
Test(scn, err_send_with_cr) { one_error(HDR "send \"AT\\r\"\n", 2, "'send' adds the \\r itself"); }
Test(scn, err_name_twice) { one_error(HDR "scenario y\n" STEP, 2, "'scenario' given twice (first at line 1)"); }
Test(scn, err_world_twice) { one_error(HDR "signal 5\nsignal 6\n" STEP, 3, "'signal' given twice (first at line 2)"); }
Test(scn, err_world_after_step) { one_error(HDR STEP "signal 5\n", 3, "'signal' sets the start state and must come before the first step (line 2); to change it during the run, use a trigger: at 5s signal"); }
Test(scn, err_profile_after_step) { one_error(HDR STEP "profile warm\n", 3, "must come before the first step (line 2)"); }
Test(scn, err_unknown_profile) { one_error(HDR "profile hot\n" STEP, 2, "unknown profile 'hot'; expected one of: cold, warm"); }
Test(scn, err_unknown_target) { one_error(HDR "targets bench\n" STEP, 2, "unknown target 'bench'; expected one of: sim, hardware, both"); }
Test(scn, err_rssi) { one_error(HDR "signal 40\n" STEP, 2, "expected 0-31 (as AT+CSQ prints it) or 99"); }
Test(scn, err_registration) { one_error(HDR "registration 7\n" STEP, 2, "bad registration stat '7'; expected 0-5 or a name"); }
Test(scn, err_registration_name) { one_error(HDR "registration away\n" STEP, 2, "unknown registration stat 'away'"); }
Test(scn, err_broker_refuse_no_code) { one_error(HDR "broker refuse\n" STEP, 2, "'broker refuse' needs the CONNACK code"); }
Test(scn, err_broker_refuse_range) { one_error(HDR "broker refuse 6\n" STEP, 2, "bad CONNACK refuse code '6'; expected a whole number from 1 to 5"); }
Test(scn, err_broker_code_extra) { one_error(HDR "broker accept 3\n" STEP, 2, "'broker accept' takes no value"); }
Test(scn, err_broker_slow_no_delay) { one_error(HDR "broker slow\n" STEP, 2, "'broker slow' needs how late the CONNACK comes"); }
Test(scn, err_broker_slow_zero) { one_error(HDR "broker slow 0\n" STEP, 2, "'broker slow' takes 1ms to 10min"); }
Test(scn, err_broker_slow_over_the_simulators_bound) { one_error(HDR "broker slow 600001ms\n" STEP, 2, "'broker slow' takes 1ms to 10min"); }
Test(scn, err_broker_creds_mode) { one_error(HDR "broker unreachable user=\"u\"\n" STEP, 2, "user= and password= only go with 'broker accept'"); }
Test(scn, err_broker_password_alone) { one_error(HDR "broker accept password=\"p\"\n" STEP, 2, "password= needs user= too"); }
Test(scn, err_baud) { one_error(HDR "baud 12345\n" STEP, 2, "bad baud rate '12345'; expected one the module supports"); }
Test(scn, err_latency) { one_error(HDR "latency slow\n" STEP, 2, "unknown latency 'slow'; expected one of: fast, realistic"); }
Test(scn, err_no_action) { one_error(HDR "at 5s\n" STEP, 2, "'at' needs an action after the trigger; expected one of: connection-lost,"); }
Test(scn, err_unknown_action) { one_error(HDR "at 5s explode\n" STEP, 2, "unknown action 'explode' after 'at'"); }
Test(scn, err_trigger_option) { one_error(HDR "at 5s nth=2 reboot\n" STEP, 2, "'at' has no option 'nth'"); }
Test(scn, err_nth_zero) { one_error(HDR "on-send \"AT\" nth=0 reboot\n" STEP, 2, "bad nth=0; expected a whole number from 1"); }
Test(scn, err_on_send_empty) { one_error(HDR "on-send \"\" reboot\n" STEP, 2, "the command prefix is empty"); }
Test(scn, err_on_send_word) { one_error(HDR "on-send AT+CSQ reboot\n" STEP, 2, "the command prefix must be a quoted string"); }
Test(scn, err_after_publishes_zero) { one_error(HDR "after-publishes 0 reboot\n" STEP, 2, "bad publish count '0'"); }
Test(scn, err_replace_needs_on_send) { one_error(HDR "at 1s replace \"OK\"\n" STEP, 2, "'replace' needs an on-send trigger"); }
Test(scn, err_delay_needs_on_send) { one_error(HDR "after-publishes 2 delay 1s\n" STEP, 2, "'delay' needs an on-send trigger"); }
Test(scn, err_cause) { one_error(HDR "at 1s connection-lost 4\n" STEP, 2, "bad connection-lost cause '4'; expected a whole number from 1 to 3"); }
Test(scn, err_action_args) { one_error(HDR "at 1s reboot now\n" STEP, 2, "'reboot' takes 0 arguments, got 1; usage: reboot"); }
Test(scn, err_inject_empty) { one_error(HDR "at 1s inject \"\"\n" STEP, 2, "'inject' needs at least one byte"); }
Test(scn, err_deliver_no_payload) { one_error(HDR "at 1s deliver \"t\"\n" STEP, 2, "'deliver' needs a payload; expected a quoted PAYLOAD or size=N"); }
Test(scn, err_publish_both_payloads) { one_error(HDR "publish \"t\" \"p\" size=3\n", 2, "either a PAYLOAD or size=N, not both"); }
Test(scn, err_publish_size_range) { one_error(HDR "publish \"t\" size=10241\n", 2, "bad size=10241; expected a whole number from 1 to 10240"); }
Test(scn, err_server_scheme) { one_error(HDR "connect server=\"mqtt://h\"\n", 2, "server= must begin with tcp://"); }
Test(scn, err_client_id_long) { one_error(HDR "connect client-id=\"012345678901234567890123\"\n", 2, "client-id= must be 1 to 23 bytes"); }
Test(scn, err_keepalive) { one_error(HDR "connect keepalive=30\n", 2, "bad keepalive=30; expected a whole number from 60 to 64800"); }
Test(scn, err_unknown_result) { one_error(HDR "connect result=nope\n", 2, "unknown result 'nope'; expected one of: ok, any, error, bad-credentials"); }
Test(scn, err_reconnects_both) { one_error(HDR STEP "expect-reconnects 1 min=1\n", 3, "either N or min=/max=, not both"); }
Test(scn, err_reconnects_none) { one_error(HDR STEP "expect-reconnects\n", 3, "needs a count"); }
Test(scn, err_reconnects_order) { one_error(HDR STEP "expect-reconnects min=3 max=1\n", 3, "min=3 is more than max=1"); }
Test(scn, err_count_on_not_sent) { one_error(HDR STEP "expect-not-sent \"AT\" count=1\n", 3, "'expect-not-sent' has no option 'count'"); }
Test(scn, err_wire_and_driver) { one_error(HDR "send \"AT\"\nbring-up\n", 3, "'send' (line 2) writes to the wire itself and cannot share it with driver steps such as 'bring-up' (line 3)"); }

Test(scn, err_hardware_sim_only)
{
    parse_bad(HDR "targets hardware\nprofile warm\nat 1s reboot\n" STEP);
    cr_assert_eq(diags.n, 2);
    diag_is(0, 3, "'profile' needs the simulator but the scenario's targets are 'hardware' (line 2)");
    diag_is(1, 4, "'at' needs the simulator");
}

/* ---- many errors: all collected, in line order ------------------------------------ */

Test(scn, all_errors_collected_in_order)
{
    parse_bad("# a file with one mistake per line\n" /* 1 */
              "scenario many\n"                     /* 2 */
              "pubish \"t\"\n"                      /* 3 */
              "send \"ok\"\n"                       /* 4 */
              "expect /(/\n"                        /* 5 */
              "wait soon\n"                         /* 6 */
              "send \"unterminated\n"               /* 7 */
              "expect \"fine\"\n"                   /* 8 */
              "at 1s replace \"x\"\n"               /* 9 */
              "publish-seq \"t\" 3 1s qos=9 x=1\n"); /* 10: two errors on one line, and send+driver */
    if (diags.n != 8) scn_diags_print(&diags, stderr);
    cr_assert_eq(diags.n, 8);
    diag_is(0, 3, "unknown keyword 'pubish'");
    diag_is(1, 5, "bad regular expression /(/");
    diag_is(2, 6, "bad duration 'soon'");
    diag_is(3, 7, "unterminated string");
    diag_is(4, 9, "'replace' needs an on-send trigger");
    diag_is(5, 10, "'publish-seq' has no option 'x'");
    diag_is(6, 10, "bad qos=9");
    diag_is(7, 10, "cannot share it with driver steps");
}

Test(scn, diags_print_format)
{
    parse_bad(HDR "wait x\n");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    scn_diags_print(&diags, f);
    fclose(f);
    cr_expect_str_eq(buf, "t.scn:2: bad duration 'x' for wait; expected a whole number with an optional "
                          "unit ms, s or min (250, 250ms, 5s, 2min), at most 24 hours\n");
    free(buf);
}

Test(scn, diags_accumulate_across_files)
{
    struct scenario *sc;
    scn_parse_buffer("a.scn", "wait 1\n", 7, &sc, &diags);
    scn_parse_buffer("b.scn", "wait 1\n", 7, &sc, &diags);
    cr_assert_eq(diags.n, 2);
    cr_expect_str_eq(diags.v[0].file, "a.scn");
    cr_expect_str_eq(diags.v[1].file, "b.scn");
}

/* ---- files ----------------------------------------------------------------------- */

Test(scn, missing_file)
{
    struct scenario *sc = (struct scenario *)1;
    enum scn_status st = scn_parse_file("/nonexistent/x.scn", &sc, &diags);
    cr_expect_eq(st, SCN_ERR_IO);
    cr_expect_null(sc);
    cr_assert_eq(diags.n, 1);
    cr_expect_eq(diags.v[0].line, 0);
    cr_expect(strstr(diags.v[0].msg, "cannot open") != NULL);
}

Test(scn, example_scenarios_parse)
{
    static const char *const files[] = {
        "cold-start-publish.scn", "warm-start-21-23.scn", "manual-worked-example.scn",
    };
    for (size_t i = 0; i < 3; i++) {
        char path[512];
        struct scenario *sc = NULL;
        snprintf(path, sizeof path, "%s/scenarios/%s", SIM7600_SOURCE_DIR, files[i]);
        enum scn_status st = scn_parse_file(path, &sc, &diags);
        scn_diags_print(&diags, stderr);
        cr_assert_eq(st, SCN_OK, "%s", path);
        cr_expect_gt(sc->n_steps, 0);
        scn_free(sc);
    }
}

Test(scn, example_cold_start_fields)
{
    struct scenario *sc = NULL;
    cr_assert_eq(scn_parse_file(SIM7600_SOURCE_DIR "/scenarios/cold-start-publish.scn", &sc, &diags), SCN_OK);
    cr_expect_str_eq(sc->name, "cold-start-publish");
    cr_expect_eq(sc->steps[0].kind, SCN_STEP_BRING_UP);
    cr_expect_str_eq(sc->steps[1].client_id.ptr, "SIM7600_ESP32_Client");
    scn_free(sc);
}

/* ---- the check command -------------------------------------------------------------- */

static char *write_tmp(const char *dir, const char *name, const char *text)
{
    char *path = malloc(512);
    snprintf(path, 512, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

Test(check_cmd, the_shipped_suite_checks_clean, .init = cr_redirect_stdout)
{
    glob_t g;
    cr_assert_eq(glob(SIM7600_SOURCE_DIR "/scenarios/*.scn", 0, NULL, &g), 0);
    /* check recurses: the examples' folder too */
    glob(SIM7600_SOURCE_DIR "/scenarios/*/*.scn", GLOB_APPEND, NULL, &g);
    char expected[64];
    snprintf(expected, sizeof expected, "%zu scenario(s) OK\n", g.gl_pathc);
    globfree(&g);
    char *argv[] = { "check", SIM7600_SOURCE_DIR "/scenarios", NULL };
    cr_expect_eq(hil_cmd_check(2, argv), 0);
    fflush(stdout);
    cr_expect_stdout_eq_str(expected);
}

Test(check_cmd, errors_exit_1, .init = cr_redirect_stdout)
{
    char dir[] = "/tmp/scn-test-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *good = write_tmp(dir, "good.scn", "scenario good\nwait 1\n");
    char *bad = write_tmp(dir, "bad.scn", "scenario bad\nwait x\n");
    char *other = write_tmp(dir, "notes.txt", "not a scenario\n");
    char *argv[] = { "check", dir, NULL };
    cr_expect_eq(hil_cmd_check(2, argv), 1);
    fflush(stdout);
    char want[1024];
    snprintf(want, sizeof want,
             "%s: bad duration 'x' for wait; expected a whole number with an optional unit ms, s or min "
             "(250, 250ms, 5s, 2min), at most 24 hours\n"
             "1 error(s); 1 of 2 file(s) have errors\n", bad);
    /* "file:2: message": the line number sits between path and message. */
    char with_line[1100];
    snprintf(with_line, sizeof with_line, "%s:2%s", bad, want + strlen(bad));
    cr_expect_stdout_eq_str(with_line);
    unlink(good); unlink(bad); unlink(other); rmdir(dir);
    free(good); free(bad); free(other);
}

Test(check_cmd, duplicate_names_exit_1, .init = cr_redirect_stdout)
{
    char dir[] = "/tmp/scn-test-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *a = write_tmp(dir, "a.scn", "scenario same\nwait 1\n");
    char *b = write_tmp(dir, "b.scn", "# b\nscenario same\nwait 1\n");
    char *argv[] = { "check", a, b, NULL };
    cr_expect_eq(hil_cmd_check(3, argv), 1);
    unlink(a); unlink(b); rmdir(dir);
    free(a); free(b);
}

Test(check_cmd, usage_exit_2, .init = cr_redirect_stderr)
{
    char *argv[] = { "check", NULL };
    cr_expect_eq(hil_cmd_check(1, argv), 2);
}

/* ---- replay: a log named by the scenario ------------------------------------------ */

Test(scn, replay_resolves_the_log_against_the_scenario_folder)
{
    const char *text = "scenario r\nreplay \"logs/driver-cold-publish.cap\" strict=1 speed=4\n" STEP;
    struct scenario *sc = NULL;
    enum scn_status st = scn_parse_buffer(SIM7600_SOURCE_DIR "/scenarios/r.scn", text, strlen(text), &sc, &diags);
    scn_diags_print(&diags, stderr);
    cr_assert_eq(st, SCN_OK);
    cr_assert_str_eq(sc->world.replay.ptr, SIM7600_SOURCE_DIR "/scenarios/logs/driver-cold-publish.cap");
    cr_assert(sc->world.replay_strict);
    cr_assert_eq(sc->world.replay_speed, 4);
    cr_assert_eq(sc->world.replay_line, 2);
    cr_assert(sc->uses_sim_only, "replay needs the simulator");
    scn_free(sc);
}

Test(scn, err_replay_of_a_log_that_cannot_be_read)
{
    one_error(HDR "replay \"no/such.cap\"\n" STEP, 2, "cannot read the log to replay 'no/such.cap': No such file");
}

Test(scn, err_replay_option_out_of_range)
{
    one_error(HDR "replay \"/dev/null\" speed=0\n" STEP, 2, "bad speed=0; expected a whole number from 1 to 1000");
}
