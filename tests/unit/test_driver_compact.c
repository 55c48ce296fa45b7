/* What the flash-saving forms of the driver core (issue 18's footprint work)
 * must keep: names kept in one string per list (at_text_nth) give the same
 * name for every status, state, event and rung; a command's information
 * lines found by its name (AT_CMD_NAMED) are exactly those "+NAME:" lines;
 * the ",value" builders write what the commands need. */
#include <criterion/criterion.h>
#include <string.h>

#include "at_engine.h"
#include "at_text.h"
#include "fake_port.h"
#include "sim7600.h"

#define LINE_CAP 64

/* ---- names ------------------------------------------------------------------ */

Test(compact_names, list_entries_and_past_the_end)
{
    static const char list[] = "zero\0one\0\0three";
    cr_assert_str_eq(at_text_nth(list, 4, 0), "zero");
    cr_assert_str_eq(at_text_nth(list, 4, 1), "one");
    cr_assert_str_eq(at_text_nth(list, 4, 2), "");
    cr_assert_str_eq(at_text_nth(list, 4, 3), "three");
    cr_assert_str_eq(at_text_nth(list, 4, 4), "?");
}

/* Every named status, its name, in the header's order: a row out of place in
 * status.c's list would give a neighbour's name. */
#define NAMED(s) {s, #s}
static const struct {
    int status;
    const char *name;
} named[] = {
    NAMED(SIM7600_OK), NAMED(SIM7600_QUEUED), NAMED(SIM7600_E_PARAM), NAMED(SIM7600_E_TOO_LONG),
    NAMED(SIM7600_E_IO), NAMED(SIM7600_E_TIMEOUT), NAMED(SIM7600_E_NO_RESPONSE),
    NAMED(SIM7600_E_ERROR), NAMED(SIM7600_E_BUSY), NAMED(SIM7600_E_PROTOCOL),
    NAMED(SIM7600_E_SIM_LOCKED), NAMED(SIM7600_E_NOT_REGISTERED), NAMED(SIM7600_E_REG_DENIED),
    NAMED(SIM7600_E_NOT_CONNECTED), NAMED(SIM7600_E_OUTBOX_FULL), NAMED(SIM7600_E_CONNLOST),
    NAMED(SIM7600_E_REBOOTED), NAMED(SIM7600_E_CMS), NAMED(SIM7600_E_STATE),
    NAMED(SIM7600_E_UNQUOTABLE), NAMED(SIM7600_E_MQTT_FAILED), NAMED(SIM7600_E_MQTT_BAD_UTF8),
    NAMED(SIM7600_E_MQTT_SOCK_CONNECT), NAMED(SIM7600_E_MQTT_SOCK_CREATE),
    NAMED(SIM7600_E_MQTT_SOCK_CLOSE), NAMED(SIM7600_E_MQTT_RECEIVE),
    NAMED(SIM7600_E_MQTT_NET_OPEN), NAMED(SIM7600_E_MQTT_NET_CLOSE),
    NAMED(SIM7600_E_MQTT_NET_NOT_OPENED), NAMED(SIM7600_E_MQTT_CLIENT_INDEX),
    NAMED(SIM7600_E_MQTT_NO_CONNECTION), NAMED(SIM7600_E_MQTT_INVALID_PARAM),
    NAMED(SIM7600_E_MQTT_NOT_SUPPORTED), NAMED(SIM7600_E_MQTT_CLIENT_BUSY),
    NAMED(SIM7600_E_MQTT_REQUIRE_CONN), NAMED(SIM7600_E_MQTT_SOCK_SEND),
    NAMED(SIM7600_E_MQTT_TIMEOUT), NAMED(SIM7600_E_MQTT_TOPIC_EMPTY),
    NAMED(SIM7600_E_MQTT_CLIENT_USED), NAMED(SIM7600_E_MQTT_CLIENT_NOT_ACQUIRED),
    NAMED(SIM7600_E_MQTT_CLIENT_NOT_RELEASED), NAMED(SIM7600_E_MQTT_LENGTH),
    NAMED(SIM7600_E_MQTT_NET_OPENED), NAMED(SIM7600_E_MQTT_PACKET), NAMED(SIM7600_E_MQTT_DNS),
    NAMED(SIM7600_E_MQTT_CLOSED_BY_SERVER), NAMED(SIM7600_E_MQTT_REFUSED_PROTOCOL),
    NAMED(SIM7600_E_MQTT_REFUSED_ID), NAMED(SIM7600_E_MQTT_REFUSED_UNAVAILABLE),
    NAMED(SIM7600_E_MQTT_REFUSED_CREDENTIALS), NAMED(SIM7600_E_MQTT_REFUSED_NOT_AUTHORIZED),
    NAMED(SIM7600_E_MQTT_HANDSHAKE), NAMED(SIM7600_E_MQTT_NO_CERT),
    NAMED(SIM7600_E_CME_PHONE_FAILURE), NAMED(SIM7600_E_CME_NOT_ALLOWED),
    NAMED(SIM7600_E_CME_NOT_SUPPORTED), NAMED(SIM7600_E_CME_SIM_NOT_INSERTED),
    NAMED(SIM7600_E_CME_SIM_PIN), NAMED(SIM7600_E_CME_SIM_PUK), NAMED(SIM7600_E_CME_SIM_FAILURE),
    NAMED(SIM7600_E_CME_SIM_BUSY), NAMED(SIM7600_E_CME_SIM_WRONG),
    NAMED(SIM7600_E_CME_INCORRECT_PASSWORD), NAMED(SIM7600_E_CME_NO_NETWORK),
    NAMED(SIM7600_E_CME_NETWORK_TIMEOUT), NAMED(SIM7600_E_CME_UNKNOWN),
};

Test(compact_names, every_status_has_its_own_name_and_sentence)
{
    size_t i, j;
    for (i = 0; i < sizeof named / sizeof named[0]; i++) {
        cr_assert_str_eq(sim7600_status_name(named[i].status), named[i].name);
        for (j = 0; j < i; j++)
            cr_assert_str_neq(sim7600_strerror(named[i].status), sim7600_strerror(named[j].status),
                              "%s and %s share a sentence", named[i].name, named[j].name);
    }
    cr_assert_str_eq(sim7600_strerror(SIM7600_E_TIMEOUT), "the module did not answer in time");
    cr_assert_str_eq(sim7600_strerror(SIM7600_E_CME_UNKNOWN), "+CME ERROR 100: unknown");
}

Test(compact_names, codes_without_a_row_get_their_family)
{
    cr_assert_str_eq(sim7600_status_name(SIM7600_E_MQTT(34)), "SIM7600_E_MQTT(n)");
    cr_assert_str_eq(sim7600_status_name(SIM7600_E_CME(5)), "SIM7600_E_CME(n)");
    cr_assert_str_eq(sim7600_status_name(-19), "?");
    cr_assert_str_eq(sim7600_status_name(2), "?");
    cr_assert_str_eq(sim7600_strerror(2), "unknown status");
}

Test(compact_names, states_events_rungs_engine_states_and_finals)
{
    cr_assert_str_eq(sim7600_state_str(SIM7600_STATE_OFF), "OFF");
    cr_assert_str_eq(sim7600_state_str(SIM7600_STATE_CLOSED), "CLOSED");
    cr_assert_str_eq(sim7600_state_str((enum sim7600_state)(SIM7600_STATE_CLOSED + 1)), "?");
    cr_assert_str_eq(sim7600_event_str(SIM7600_EV_STATE), "state");
    cr_assert_str_eq(sim7600_event_str(SIM7600_EV_DROPPED), "outbox message cannot be sent");
    cr_assert_str_eq(sim7600_event_str(SIM7600_EV_ESCALATED), "recovery escalated");
    cr_assert_str_eq(sim7600_event_str((enum sim7600_event)(SIM7600_EV_ESCALATED + 1)), "?");
    cr_assert_str_eq(sim7600_rung_str(SIM7600_RUNG_RESTART_MQTT), "restart MQTT");
    cr_assert_str_eq(sim7600_rung_str((enum sim7600_rung)(SIM7600_RUNG_STUCK + 1)), "?");
    cr_assert_str_eq(at_state_str(AT_STATE_IDLE), "IDLE");
    cr_assert_str_eq(at_state_str(AT_STATE_RESYNC), "RESYNC");
    cr_assert_str_eq(at_state_str((enum at_state)(AT_STATE_RESYNC + 1)), "?");
    cr_assert_str_eq(at_final_str(AT_FINAL_NONE), "pending");
    cr_assert_str_eq(at_final_str(AT_FINAL_CANCELLED), "cancelled");
    cr_assert_str_eq(at_final_str((enum at_final)(AT_FINAL_CANCELLED + 1)), "?");
}

/* ---- command lines ------------------------------------------------------------ */

Test(compact_lines, arguments_after_a_comma)
{
    char buf[32];
    struct at_buf b;

    at_buf_init(&b, buf, sizeof buf);
    at_buf_str(&b, "AT+X=0");
    at_buf_arg_quoted(&b, "tcp://h:1");
    at_buf_arg_u32(&b, 60);
    at_buf_arg_u32(&b, 0);
    cr_assert_str_eq(buf, "AT+X=0,\"tcp://h:1\",60,0");
    cr_assert(at_buf_ok(&b));
    at_buf_arg_quoted(&b, "a\"b");
    cr_assert_not(at_buf_ok(&b), "a quote inside a quoted argument must make the line unusable");
}

/* ---- information lines found by the command's name ------------------------------ */

static struct fake_port fp;
static struct at_engine eng;
static char line_buf[LINE_CAP];
static char got[8][LINE_CAP];
static int n_got, n_urcs;

static void on_line(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    if (n_got < 8 && len < LINE_CAP) {
        memcpy(got[n_got], line, len);
        got[n_got++][len] = '\0';
    }
}

static size_t on_urc(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    (void)line;
    (void)len;
    n_urcs++;
    return 0;
}

static const struct at_urc urcs[] = {{"+CSQX:", AT_MATCH_PREFIX, on_urc}};

static void engine_setup(void)
{
    struct at_engine_config c = {0};
    fake_port_init(&fp);
    n_got = n_urcs = 0;
    c.port = &fp.port;
    c.line_buf = line_buf;
    c.line_cap = sizeof line_buf;
    c.urcs = urcs;
    c.n_urcs = 1;
    cr_assert_eq(at_engine_init(&eng, &c), 0);
}

static void run_named(const char *line, unsigned flags, const char *module)
{
    struct at_cmd c = {0};
    c.line = line;
    c.flags = AT_CMD_NAMED | flags;
    c.timeout_ms = 1000;
    c.on_line = on_line;
    cr_assert_eq(at_submit(&eng, &c), 0);
    at_feed(&eng, (const uint8_t *)module, strlen(module));
    cr_assert(eng.done, "%s: not done after %s", line, module);
}

TestSuite(compact_named, .init = engine_setup);

/* With AT_CMD_ERR_LINE the command's own lines set result_err: whether a
 * line counted as the command's shows there. */
Test(compact_named, lines_with_the_name_and_a_colon_only)
{
    run_named("AT+CSQ", AT_CMD_ERR_LINE, "\r\n+CSQX: 1\r\n+CS: 3\r\n+CSQ 5\r\n+CSQ\r\nOK\r\n");
    cr_assert_eq(eng.res.result_err, AT_RESULT_NONE, "a line that is not \"+CSQ:\" counted");
    cr_assert_eq(n_urcs, 1, "a URC whose name only starts like the command's is still a URC");
    run_named("AT+CSQ", AT_CMD_ERR_LINE, "\r\n+CSQ: 20,7\r\nOK\r\n");
    cr_assert_eq(eng.res.result_err, 7);
}

Test(compact_named, a_read_and_a_set_command_are_named_without_their_tail)
{
    run_named("AT+CPIN?", 0, "\r\n+CPIN: READY\r\n\r\nOK\r\n");
    cr_assert_eq(n_got, 1);
    cr_assert_str_eq(got[0], "+CPIN: READY");
    run_named("AT+CMQTTPUB=0,1,60", AT_CMD_RESULT_LINE, "\r\nOK\r\n\r\n+CMQTTPUB: 0,11\r\n");
    cr_assert_eq(eng.res.final, AT_FINAL_OK);
    cr_assert_eq(eng.res.result_err, 11, "the result line is found by the name: %d",
                 eng.res.result_err);
}

Test(compact_named, a_basic_command_has_no_information_lines)
{
    run_named("ATE0", AT_CMD_ERR_LINE, "\r\n+E0: 1\r\n:1\r\nOK\r\n");
    cr_assert_eq(eng.res.final, AT_FINAL_OK);
    cr_assert_eq(eng.res.result_err, AT_RESULT_NONE);
}
