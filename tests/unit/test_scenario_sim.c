/* The trigger engine's translation: each scenario event becomes the control
 * line or rule that makes the simulator fire it at the byte it names. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "scenario.h"
#include "scenario_sim.h"

static struct scenario *sc;
static struct strbuf line;

static void teardown(void)
{
    scn_free(sc);
    sc = NULL;
    sb_free(&line);
}

/* `text` is the scenario's head; a step is added (a scenario needs one). */
static void parse(const char *text)
{
    struct scn_diags d = {0};
    char full[1024];
    snprintf(full, sizeof full, "%swait 1\n", text);
    enum scn_status st = scn_parse_buffer("t.scn", full, strlen(full), &sc, &d);
    if (st != SCN_OK)
        scn_diags_print(&d, stderr);
    scn_diags_free(&d);
    cr_assert_eq(st, SCN_OK);
}

static const char *event_line(size_t i)
{
    sb_reset(&line);
    scn_sim_event_line(&sc->events[i], &line);
    return sb_str(&line);
}

/* The scenario's events as the simulator's control lines, in order, one per entry of `want`. */
static void assert_events(const char *const *want)
{
    for (size_t i = 0; want[i] != NULL; i++)
        cr_assert_str_eq(event_line(i), want[i], "event %zu", i);
}

TestSuite(trigger_engine, .fini = teardown);

Test(trigger_engine, a_timed_event_is_the_bare_action_sent_at_its_time)
{
    parse("scenario x\nat 5s connection-lost 3\nat 1s silent 2s\nat 0 registration home\nat 0 sim absent\n");
    cr_assert_str_eq(event_line(0), "connlost 3 client=0");
    cr_assert_str_eq(event_line(1), "silent 2000");
    cr_assert_str_eq(event_line(2), "reg 1");
    cr_assert_str_eq(event_line(3), "sim remove");
    cr_assert_eq(sc->events[0].trig.at_ms, 5000);
}

Test(trigger_engine, on_send_becomes_a_rule_armed_in_the_simulator)
{
    parse("scenario x\non-send \"AT+CMQTTPUB\" nth=3 reboot\non-send \"AT+CSQ\" delay 250ms\n");
    cr_assert_str_eq(event_line(0), "rule on-send \"AT+CMQTTPUB\" nth=3 reboot");
    cr_assert_str_eq(event_line(1), "rule on-send \"AT+CSQ\" nth=1 delay 250");
}

Test(trigger_engine, replace_frames_each_line_as_the_module_does)
{
    parse("scenario x\non-send \"AT+CMQTTSTART\" replace \"+CMQTTSTART: 23\" \"ERROR\"\n");
    cr_assert_str_eq(event_line(0),
                     "rule on-send \"AT+CMQTTSTART\" nth=1 replace \"\\r\\n+CMQTTSTART: 23\\r\\n\\r\\nERROR\\r\\n\"");
}

Test(trigger_engine, inject_goes_inside_the_answer_only_with_on_send)
{
    parse("scenario x\non-send \"AT+CSQ\" inject \"\\r\\n+X\\r\\n\"\nat 1s inject \"\\xff\\\"\"\n");
    cr_assert_str_eq(event_line(0), "rule on-send \"AT+CSQ\" nth=1 inject-in-answer \"\\r\\n+X\\r\\n\"");
    cr_assert_str_eq(event_line(1), "inject \"\\xFF\\\"\"");
}

Test(trigger_engine, after_publishes_and_deliver_with_a_generated_payload)
{
    parse("scenario x\nafter-publishes 10 deliver \"a/b\" size=12 qos=1\nat 0 garble 5\n"
          "on-send \"AT+CSQ\" garble 3 seed=99\n");
    cr_assert_str_eq(event_line(0), "rule after-publishes 10 deliver \"a/b\" \"012345678901\" qos=1 client=0");
    cr_assert_str_eq(event_line(1), "garble 5");   /* no seed=: the runner draws one (seeds.h) */
    cr_assert_str_eq(event_line(2), "rule on-send \"AT+CSQ\" nth=1 garble 3 seed=99");
}

Test(trigger_engine, connection_lost_names_its_client_client_0_when_unsaid)
{
    parse("scenario x\nat 1s connection-lost 1 client=1\nat 2s connection-lost 2 client=0\n"
          "at 3s connection-lost 3\non-send \"AT+CSQ\" connection-lost 2 client=1\n");
    assert_events((const char *const[]){
        "connlost 1 client=1",
        "connlost 2 client=0",
        "connlost 3 client=0",   /* not every client */
        "rule on-send \"AT+CSQ\" nth=1 connlost 2 client=1",
        NULL});
}

Test(trigger_engine, deliver_names_its_client_client_0_when_unsaid)
{
    parse("scenario x\nat 1s deliver \"c/t\" \"on\" qos=1 client=1\nat 2s deliver \"c/t\" \"on\"\n"
          "after-publishes 2 deliver \"c/t\" size=3 client=1\n");
    assert_events((const char *const[]){
        "deliver \"c/t\" \"on\" qos=1 client=1",
        "deliver \"c/t\" \"on\" qos=0 client=0",
        "rule after-publishes 2 deliver \"c/t\" \"012\" qos=0 client=1",
        NULL});
}

Test(trigger_engine, the_start_state_becomes_simulator_options_and_a_broker_line)
{
    parse("scenario x\nprofile warm\nsim absent\nsignal 99\nregistration denied\nbaud 0\n"
          "broker accept user=\"dev\" password=\"p w\"\n");
    struct scn_sim_args a;
    scn_sim_args(&sc->world, &a);
    const char *want[] = {"--profile", "warm", "--no-sim", "--rssi", "99", "--reg", "3",
                          "--latency", "fast", "--baud", "0", NULL};
    for (int i = 0; want[i]; i++)
        cr_assert_str_eq(a.v[i], want[i], "argument %d", i);
    cr_assert_null(a.v[11]);
    scn_sim_broker_line(&sc->world, &line);
    cr_assert_str_eq(sb_str(&line), "broker credentials \"dev\" \"p w\"");
}

Test(trigger_engine, the_default_broker_needs_no_line_and_a_refusal_names_its_code)
{
    parse("scenario x\n");
    scn_sim_broker_line(&sc->world, &line);
    cr_assert_eq(line.len, 0);
    teardown();
    parse("scenario x\nbroker refuse 5\nat 2s broker unreachable\n");
    scn_sim_broker_line(&sc->world, &line);
    cr_assert_str_eq(sb_str(&line), "broker refuse 5");
    cr_assert_str_eq(event_line(0), "broker unreachable");
    teardown();
    parse("scenario x\nbroker slow 3s\nat 2s broker slow 250ms\n");
    scn_sim_broker_line(&sc->world, &line);
    cr_assert_str_eq(sb_str(&line), "broker slow 3000");
    cr_assert_str_eq(event_line(0), "broker slow 250");
}
