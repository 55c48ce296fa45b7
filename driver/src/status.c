/* One table of every named status: the driver's own, the MQTT <err> codes
 * (MQTT manual §2.3.1) and the +CME ERROR codes the driver acts on (AT §17.3). */
#include "sim7600_internal.h"

#include <stddef.h>

/* SIM7600_STATUS_TEXT=0 leaves the sentences out (about 2.4 KB of flash):
 * sim7600_strerror() then returns the status name. The default follows the
 * target: sentences on a hosted system (Linux, macOS, Windows), names on a
 * microcontroller, where flash is dear; -DSIM7600_STATUS_TEXT=1 asks for them. */
#ifndef SIM7600_STATUS_TEXT
#if defined(__unix__) || defined(__APPLE__) || defined(_WIN32)
#define SIM7600_STATUS_TEXT 1
#else
#define SIM7600_STATUS_TEXT 0
#endif
#endif

#if SIM7600_STATUS_TEXT
#define ROW(name, text) {name, #name, text}
#else
#define ROW(name, text) {name, #name}
#endif

static const struct status_row {
    int status;
    const char *name;
#if SIM7600_STATUS_TEXT
    const char *text;
#endif
} rows[] = {
    ROW(SIM7600_OK, "success"),
    ROW(SIM7600_QUEUED, "queued: will be sent when the MQTT session is up"),
    ROW(SIM7600_E_PARAM, "invalid argument or configuration"),
    ROW(SIM7600_E_TOO_LONG, "too long for the configured buffer or the module's limit"),
    ROW(SIM7600_E_IO, "serial port I/O error"),
    ROW(SIM7600_E_TIMEOUT, "the module did not answer in time"),
    ROW(SIM7600_E_NO_RESPONSE, "the module does not answer AT (power, baud rate, wiring?)"),
    ROW(SIM7600_E_ERROR, "the module answered ERROR"),
    ROW(SIM7600_E_BUSY, "another command is pending"),
    ROW(SIM7600_E_PROTOCOL, "unexpected answer from the module"),
    ROW(SIM7600_E_SIM_LOCKED, "the SIM needs a PIN or PUK"),
    ROW(SIM7600_E_NOT_REGISTERED, "not registered on a network"),
    ROW(SIM7600_E_REG_DENIED, "the network denied registration"),
    ROW(SIM7600_E_NOT_CONNECTED, "the MQTT session is not connected"),
    ROW(SIM7600_E_OUTBOX_FULL, "outbox full: QoS 1/2 message not accepted"),
    ROW(SIM7600_E_CONNLOST, "the MQTT connection was lost"),
    ROW(SIM7600_E_REBOOTED, "the module rebooted"),
    ROW(SIM7600_E_CMS, "the module answered +CMS ERROR"),
    ROW(SIM7600_E_STATE, "not allowed in the current state"),
    ROW(SIM7600_E_UNQUOTABLE, "a string holds '\"' or a control character, which an AT command cannot carry"),

    ROW(SIM7600_E_MQTT_FAILED, "MQTT 1: failed"),
    ROW(SIM7600_E_MQTT_BAD_UTF8, "MQTT 2: bad UTF-8 string"),
    ROW(SIM7600_E_MQTT_SOCK_CONNECT, "MQTT 3: socket connect failed"),
    ROW(SIM7600_E_MQTT_SOCK_CREATE, "MQTT 4: socket create failed"),
    ROW(SIM7600_E_MQTT_SOCK_CLOSE, "MQTT 5: socket close failed"),
    ROW(SIM7600_E_MQTT_RECEIVE, "MQTT 6: message receive failed"),
    ROW(SIM7600_E_MQTT_NET_OPEN, "MQTT 7: network open failed (PDP context, APN?)"),
    ROW(SIM7600_E_MQTT_NET_CLOSE, "MQTT 8: network close failed"),
    ROW(SIM7600_E_MQTT_NET_NOT_OPENED, "MQTT 9: network not opened (service not started)"),
    ROW(SIM7600_E_MQTT_CLIENT_INDEX, "MQTT 10: client index error"),
    ROW(SIM7600_E_MQTT_NO_CONNECTION, "MQTT 11: no connection"),
    ROW(SIM7600_E_MQTT_INVALID_PARAM, "MQTT 12: invalid parameter"),
    ROW(SIM7600_E_MQTT_NOT_SUPPORTED, "MQTT 13: operation not supported"),
    ROW(SIM7600_E_MQTT_CLIENT_BUSY, "MQTT 14: client is busy"),
    ROW(SIM7600_E_MQTT_REQUIRE_CONN, "MQTT 15: require connection failed"),
    ROW(SIM7600_E_MQTT_SOCK_SEND, "MQTT 16: socket send failed"),
    ROW(SIM7600_E_MQTT_TIMEOUT, "MQTT 17: timeout (no answer from the broker)"),
    ROW(SIM7600_E_MQTT_TOPIC_EMPTY, "MQTT 18: topic is empty"),
    ROW(SIM7600_E_MQTT_CLIENT_USED, "MQTT 19: client is used (already acquired)"),
    ROW(SIM7600_E_MQTT_CLIENT_NOT_ACQUIRED, "MQTT 20: client not acquired"),
    ROW(SIM7600_E_MQTT_CLIENT_NOT_RELEASED, "MQTT 21: client not released (service still holds it)"),
    ROW(SIM7600_E_MQTT_LENGTH, "MQTT 22: length out of range"),
    ROW(SIM7600_E_MQTT_NET_OPENED, "MQTT 23: network is opened (service already started)"),
    ROW(SIM7600_E_MQTT_PACKET, "MQTT 24: packet failure"),
    ROW(SIM7600_E_MQTT_DNS, "MQTT 25: DNS error (broker host name)"),
    ROW(SIM7600_E_MQTT_CLOSED_BY_SERVER, "MQTT 26: socket closed by the server"),
    ROW(SIM7600_E_MQTT_REFUSED_PROTOCOL, "MQTT 27: broker refused: unaccepted protocol version"),
    ROW(SIM7600_E_MQTT_REFUSED_ID, "MQTT 28: broker refused: client identifier rejected"),
    ROW(SIM7600_E_MQTT_REFUSED_UNAVAILABLE, "MQTT 29: broker refused: server unavailable"),
    ROW(SIM7600_E_MQTT_REFUSED_CREDENTIALS, "MQTT 30: broker refused: bad user name or password"),
    ROW(SIM7600_E_MQTT_REFUSED_NOT_AUTHORIZED, "MQTT 31: broker refused: not authorized"),
    ROW(SIM7600_E_MQTT_HANDSHAKE, "MQTT 32: TLS handshake failed"),
    ROW(SIM7600_E_MQTT_NO_CERT, "MQTT 33: certificate not set"),

    ROW(SIM7600_E_CME_PHONE_FAILURE, "+CME ERROR 0: phone failure"),
    ROW(SIM7600_E_CME_NOT_ALLOWED, "+CME ERROR 3: operation not allowed"),
    ROW(SIM7600_E_CME_NOT_SUPPORTED, "+CME ERROR 4: operation not supported"),
    ROW(SIM7600_E_CME_SIM_NOT_INSERTED, "+CME ERROR 10: SIM not inserted"),
    ROW(SIM7600_E_CME_SIM_PIN, "+CME ERROR 11: SIM PIN required"),
    ROW(SIM7600_E_CME_SIM_PUK, "+CME ERROR 12: SIM PUK required"),
    ROW(SIM7600_E_CME_SIM_FAILURE, "+CME ERROR 13: SIM failure"),
    ROW(SIM7600_E_CME_SIM_BUSY, "+CME ERROR 14: SIM busy"),
    ROW(SIM7600_E_CME_SIM_WRONG, "+CME ERROR 15: SIM wrong"),
    ROW(SIM7600_E_CME_INCORRECT_PASSWORD, "+CME ERROR 16: incorrect password"),
    ROW(SIM7600_E_CME_NO_NETWORK, "+CME ERROR 30: no network service"),
    ROW(SIM7600_E_CME_NETWORK_TIMEOUT, "+CME ERROR 31: network timeout"),
    ROW(SIM7600_E_CME_UNKNOWN, "+CME ERROR 100: unknown"),
};

static const struct status_row *find_row(int status)
{
    size_t i;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (rows[i].status == status)
            return &rows[i];
    }
    return NULL;
}

static bool is_mqtt(int status)
{
    return status < SIM7600_E_MQTT_BASE && status > SIM7600_E_CME_BASE;
}

static bool is_cme(int status)
{
    return status <= SIM7600_E_CME_BASE;
}

const char *sim7600_strerror(int status)
{
    const struct status_row *r = find_row(status);
#if SIM7600_STATUS_TEXT
    if (r != NULL)
        return r->text;
#else
    if (r != NULL)
        return r->name;
#endif
    if (is_mqtt(status))
        return "MQTT error code not in the manual (see sim7600_status_module_code)";
    if (is_cme(status))
        return "+CME ERROR (see sim7600_status_module_code and AT manual §17.3)";
    return "unknown status";
}

const char *sim7600_status_name(int status)
{
    const struct status_row *r = find_row(status);
    if (r != NULL)
        return r->name;
    if (is_mqtt(status))
        return "SIM7600_E_MQTT(n)";
    if (is_cme(status))
        return "SIM7600_E_CME(n)";
    return "?";
}

int sim7600_status_module_code(int status)
{
    if (is_mqtt(status))
        return SIM7600_E_MQTT_BASE - status;
    if (is_cme(status))
        return SIM7600_E_CME_BASE - status;
    return -1;
}

/* Statuses after which the session state is unknown or gone: reconnect. */
static const int link_errors[] = {
    SIM7600_E_IO,
    SIM7600_E_TIMEOUT,
    SIM7600_E_NO_RESPONSE,
    SIM7600_E_NOT_CONNECTED,
    SIM7600_E_CONNLOST,
    SIM7600_E_REBOOTED,
    SIM7600_E_MQTT_NO_CONNECTION,
    SIM7600_E_MQTT_SOCK_SEND,
    SIM7600_E_MQTT_TIMEOUT,
    SIM7600_E_MQTT_CLIENT_BUSY,
    SIM7600_E_MQTT_CLOSED_BY_SERVER,
    SIM7600_E_MQTT_NET_NOT_OPENED,
    SIM7600_E_MQTT_CLIENT_NOT_ACQUIRED,
};

bool sim7600_status_in(int st, const int *set, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (set[i] == st)
            return true;
    }
    return false;
}

bool sim7600_status_is_link_error(int status)
{
    return SIM7600_STATUS_IN(status, link_errors);
}

static const char *const state_names[] = {
    [SIM7600_STATE_OFF] = "OFF",
    [SIM7600_STATE_NET_READY] = "NET_READY",
    [SIM7600_STATE_CONNECTED] = "CONNECTED",
    [SIM7600_STATE_RECOVERING] = "RECOVERING",
    [SIM7600_STATE_CLOSED] = "CLOSED",
};

const char *sim7600_state_str(enum sim7600_state s)
{
    return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "?";
}

static const char *const event_names[] = {
    [SIM7600_EV_STATE] = "state",
    [SIM7600_EV_CONNLOST] = "connection lost",
    [SIM7600_EV_REBOOT] = "module rebooted",
    [SIM7600_EV_SILENT] = "module silent: reset",
    [SIM7600_EV_RETRY] = "reconnect failed, retrying",
    [SIM7600_EV_RECONNECTED] = "reconnected",
    [SIM7600_EV_DROPPED] = "outbox message cannot be sent",
    [SIM7600_EV_RX_TRUNCATED] = "received message truncated",
    [SIM7600_EV_PUB_RETRY] = "publish failed, retrying",
    [SIM7600_EV_GAVE_UP] = "publish given up",
    [SIM7600_EV_ESCALATED] = "recovery escalated",
};

const char *sim7600_event_str(enum sim7600_event ev)
{
    return (unsigned)ev < sizeof event_names / sizeof event_names[0] ? event_names[ev] : "?";
}

static const char *const rung_names[] = {
    [SIM7600_RUNG_RECONNECT] = "reconnect",
    [SIM7600_RUNG_RESTART_MQTT] = "restart MQTT",
    [SIM7600_RUNG_RESET_MODULE] = "reset module",
    [SIM7600_RUNG_STUCK] = "stuck",
};

const char *sim7600_rung_str(enum sim7600_rung r)
{
    return (unsigned)r < sizeof rung_names / sizeof rung_names[0] ? rung_names[r] : "?";
}
