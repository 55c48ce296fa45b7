/* Names of the scenario enums: for logs, and the words the format uses. */
#include "scn_internal.h"

#include <string.h>

#include "strbuf.h"

const char *scn_status_str(enum scn_status st)
{
    switch (st) {
    case SCN_OK: return "ok";
    case SCN_ERR_INVALID: return "invalid";
    case SCN_ERR_IO: return "io";
    }
    return "?";
}

const char *scn_pattern_kind_str(enum scn_pattern_kind k)
{
    switch (k) {
    case SCN_PAT_NONE: return "none";
    case SCN_PAT_EXACT: return "exact";
    case SCN_PAT_REGEX: return "regex";
    case SCN_PAT_SIZE: return "size";
    }
    return "?";
}

const char *scn_target_str(unsigned targets)
{
    switch (targets & SCN_TARGET_BOTH) {
    case SCN_TARGET_SIM: return "sim";
    case SCN_TARGET_HARDWARE: return "hardware";
    case SCN_TARGET_BOTH: return "both";
    }
    return "none";
}

const char *const scn_profile_names[] = { [SCN_PROFILE_COLD] = "cold", [SCN_PROFILE_WARM] = "warm", NULL };
const char *const scn_broker_names[] = {
    [SCN_BROKER_ACCEPT] = "accept", [SCN_BROKER_REFUSE] = "refuse",
    [SCN_BROKER_UNREACHABLE] = "unreachable", [SCN_BROKER_DNS_FAIL] = "dns-fail",
    [SCN_BROKER_NO_CONNACK] = "no-connack", [SCN_BROKER_SLOW] = "slow", NULL,
};
const char *const scn_latency_names[] = {
    [SCN_LATENCY_FAST] = "fast", [SCN_LATENCY_REALISTIC] = "realistic", NULL,
};
const char *const scn_result_names[] = {
    [SCN_RES_OK] = "ok", [SCN_RES_ANY] = "any", [SCN_RES_ERROR] = "error",
    [SCN_RES_BAD_CREDENTIALS] = "bad-credentials", [SCN_RES_REFUSED] = "refused",
    [SCN_RES_DNS] = "dns", [SCN_RES_SOCKET] = "socket", [SCN_RES_TIMEOUT] = "timeout",
    [SCN_RES_NO_SIM] = "no-sim", [SCN_RES_NOT_REGISTERED] = "not-registered",
    [SCN_RES_NO_SIGNAL] = "no-signal", [SCN_RES_NOT_CONNECTED] = "not-connected",
    [SCN_RES_REJECTED] = "rejected", [SCN_RES_IO] = "io", [SCN_RES_INVALID] = "invalid",
    [SCN_RES_TLS_HANDSHAKE] = "tls-handshake", [SCN_RES_TLS_NO_CERT] = "tls-no-cert", NULL,
};
static const char *const trigger_names[] = {
    [SCN_TRIG_AT] = "at", [SCN_TRIG_ON_SEND] = "on-send", [SCN_TRIG_AFTER_PUBLISHES] = "after-publishes",
};
static const char *const action_names[] = {
    [SCN_ACT_CONNECTION_LOST] = "connection-lost", [SCN_ACT_REBOOT] = "reboot",
    [SCN_ACT_SILENT] = "silent", [SCN_ACT_REPLACE] = "replace", [SCN_ACT_DELAY] = "delay",
    [SCN_ACT_GARBLE] = "garble", [SCN_ACT_INJECT] = "inject", [SCN_ACT_DELIVER] = "deliver",
    [SCN_ACT_SIGNAL] = "signal", [SCN_ACT_REGISTRATION] = "registration", [SCN_ACT_SIM] = "sim",
    [SCN_ACT_BROKER] = "broker", [SCN_ACT_RESTART_PROGRAM] = "restart-program",
    [SCN_ACT_KILL_PROGRAM] = "kill-program", [SCN_ACT_PAUSE_PROGRAM] = "pause-program",
    [SCN_ACT_SOCKET_CLOSE] = "socket-close", [SCN_ACT_DNS_FAIL] = "dns-fail",
};
static const char *const step_names[] = {
    [SCN_STEP_SEND] = "send", [SCN_STEP_SEND_RAW] = "send-raw", [SCN_STEP_EXPECT] = "expect",
    [SCN_STEP_EXPECT_PROMPT] = "expect-prompt", [SCN_STEP_BRING_UP] = "bring-up",
    [SCN_STEP_CONNECT] = "connect", [SCN_STEP_SUBSCRIBE] = "subscribe", [SCN_STEP_PUBLISH] = "publish",
    [SCN_STEP_PUBLISH_SEQ] = "publish-seq", [SCN_STEP_DISCONNECT] = "disconnect",
    [SCN_STEP_EXPECT_CONNECTED] = "expect-connected", [SCN_STEP_WAIT] = "wait",
    [SCN_STEP_EXPECT_EXIT] = "expect-exit", [SCN_STEP_EXPECT_OUTPUT] = "expect-output",
    [SCN_STEP_EXPECT_SERVER_RECEIVED] = "expect-server-received",
    [SCN_STEP_EXPECT_HTTP_REQUEST] = "expect-http-request", [SCN_STEP_SEND_FILE] = "send-file",
    [SCN_STEP_CLIENT_CONNECT] = "client-connect", [SCN_STEP_CLIENT_SEND] = "client-send",
    [SCN_STEP_EXPECT_CLIENT_RECEIVED] = "expect-client-received", [SCN_STEP_CLIENT_CLOSE] = "client-close",
};
static const char *const check_names[] = {
    [SCN_CHECK_SENT] = "expect-sent", [SCN_CHECK_NOT_SENT] = "expect-not-sent",
    [SCN_CHECK_PRINTED] = "expect-printed", [SCN_CHECK_NOT_PRINTED] = "expect-not-printed",
    [SCN_CHECK_MESSAGE] = "expect-message", [SCN_CHECK_SEQ] = "expect-seq",
    [SCN_CHECK_RECEIVED] = "expect-received",
    [SCN_CHECK_RECONNECTS] = "expect-reconnects", [SCN_CHECK_NO_OUTPUT] = "expect-no-output",
};

/* "?" for a value outside the table or without a name: a log line must not crash on a bad value. */
#define NAME_OF(table, v) \
    ((size_t)(v) < sizeof(table) / sizeof(table[0]) && (table)[(v)] ? (table)[(v)] : "?")

const char *scn_profile_str(enum scn_profile v) { return NAME_OF(scn_profile_names, v); }
const char *scn_broker_str(enum scn_broker v) { return NAME_OF(scn_broker_names, v); }
const char *scn_latency_str(enum scn_latency v) { return NAME_OF(scn_latency_names, v); }
const char *scn_trigger_kind_str(enum scn_trigger_kind v) { return NAME_OF(trigger_names, v); }
const char *scn_action_kind_str(enum scn_action_kind v) { return NAME_OF(action_names, v); }
const char *scn_result_str(enum scn_result v) { return NAME_OF(scn_result_names, v); }
const char *scn_step_kind_str(enum scn_step_kind v) { return NAME_OF(step_names, v); }
const char *scn_check_kind_str(enum scn_check_kind v) { return NAME_OF(check_names, v); }

void scn_name_as_file(const char *name, struct strbuf *out)
{
    for (const char *p = name; *p; p++) {
        char c = (*p == '/' || *p == ' ' || (unsigned char)*p < 0x20) ? '_' : *p;
        sb_add(out, &c, 1);
    }
}

int scn_name_index(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

int scn_result_from_str(const char *name) { return scn_name_index(scn_result_names, name); }

bool scn_step_is_driver(enum scn_step_kind k)
{
    return k >= SCN_STEP_BRING_UP && k <= SCN_STEP_EXPECT_CONNECTED;
}
