/* One list of every named status: the driver's own, the MQTT <err> codes
 * (MQTT manual §2.3.1) and the +CME ERROR codes the driver acts on (AT §17.3). */
#include "sim7600_internal.h"

#include <stddef.h>

/* SIM7600_STATUS_TEXT=0 leaves the sentences out (about 2.5 KB of flash):
 * sim7600_strerror() then returns the status name. The default follows the
 * target (SIM7600_HOSTED): sentences on a hosted system, names on a
 * microcontroller; -DSIM7600_STATUS_TEXT=1 asks for them there. */
#ifndef SIM7600_STATUS_TEXT
#define SIM7600_STATUS_TEXT SIM7600_HOSTED
#endif

/* One list makes the row numbers, the names and the sentences, so their
 * orders cannot differ. Names and sentences are each one string of
 * NUL-separated entries (at_text_nth): no table of pointers in flash. The
 * driver's own statuses and the MQTT codes are contiguous (a status gives its
 * row by arithmetic); the CME codes are not (a byte each says which). */
#define OWN_ROWS(X) \
    X(SIM7600_OK, "success") \
    X(SIM7600_QUEUED, "queued: will be sent when the MQTT session is up") \
    X(SIM7600_E_PARAM, "invalid argument or configuration") \
    X(SIM7600_E_TOO_LONG, "too long for the configured buffer or the module's limit") \
    X(SIM7600_E_IO, "serial port I/O error") \
    X(SIM7600_E_TIMEOUT, "the module did not answer in time") \
    X(SIM7600_E_NO_RESPONSE, "the module does not answer AT (power, baud rate, wiring?)") \
    X(SIM7600_E_ERROR, "the module answered ERROR") \
    X(SIM7600_E_BUSY, "another command is pending") \
    X(SIM7600_E_PROTOCOL, "unexpected answer from the module") \
    X(SIM7600_E_SIM_LOCKED, "the SIM needs a PIN or PUK") \
    X(SIM7600_E_NOT_REGISTERED, "not registered on a network") \
    X(SIM7600_E_REG_DENIED, "the network denied registration") \
    X(SIM7600_E_NOT_CONNECTED, "the MQTT session is not connected") \
    X(SIM7600_E_OUTBOX_FULL, "outbox full: QoS 1/2 message not accepted") \
    X(SIM7600_E_CONNLOST, "the MQTT connection was lost") \
    X(SIM7600_E_REBOOTED, "the module rebooted") \
    X(SIM7600_E_CMS, "the module answered +CMS ERROR") \
    X(SIM7600_E_STATE, "not allowed in the current state") \
    X(SIM7600_E_UNQUOTABLE, "a string holds '\"' or a control character, which an AT command cannot carry")

#define MQTT_ROWS(X) \
    X(SIM7600_E_MQTT_FAILED, "MQTT 1: failed") \
    X(SIM7600_E_MQTT_BAD_UTF8, "MQTT 2: bad UTF-8 string") \
    X(SIM7600_E_MQTT_SOCK_CONNECT, "MQTT 3: socket connect failed") \
    X(SIM7600_E_MQTT_SOCK_CREATE, "MQTT 4: socket create failed") \
    X(SIM7600_E_MQTT_SOCK_CLOSE, "MQTT 5: socket close failed") \
    X(SIM7600_E_MQTT_RECEIVE, "MQTT 6: message receive failed") \
    X(SIM7600_E_MQTT_NET_OPEN, "MQTT 7: network open failed (PDP context, APN?)") \
    X(SIM7600_E_MQTT_NET_CLOSE, "MQTT 8: network close failed") \
    X(SIM7600_E_MQTT_NET_NOT_OPENED, "MQTT 9: network not opened (service not started)") \
    X(SIM7600_E_MQTT_CLIENT_INDEX, "MQTT 10: client index error") \
    X(SIM7600_E_MQTT_NO_CONNECTION, "MQTT 11: no connection") \
    X(SIM7600_E_MQTT_INVALID_PARAM, "MQTT 12: invalid parameter") \
    X(SIM7600_E_MQTT_NOT_SUPPORTED, "MQTT 13: operation not supported") \
    X(SIM7600_E_MQTT_CLIENT_BUSY, "MQTT 14: client is busy") \
    X(SIM7600_E_MQTT_REQUIRE_CONN, "MQTT 15: require connection failed") \
    X(SIM7600_E_MQTT_SOCK_SEND, "MQTT 16: socket send failed") \
    X(SIM7600_E_MQTT_TIMEOUT, "MQTT 17: timeout (no answer from the broker)") \
    X(SIM7600_E_MQTT_TOPIC_EMPTY, "MQTT 18: topic is empty") \
    X(SIM7600_E_MQTT_CLIENT_USED, "MQTT 19: client is used (already acquired)") \
    X(SIM7600_E_MQTT_CLIENT_NOT_ACQUIRED, "MQTT 20: client not acquired") \
    X(SIM7600_E_MQTT_CLIENT_NOT_RELEASED, "MQTT 21: client not released (service still holds it)") \
    X(SIM7600_E_MQTT_LENGTH, "MQTT 22: length out of range") \
    X(SIM7600_E_MQTT_NET_OPENED, "MQTT 23: network is opened (service already started)") \
    X(SIM7600_E_MQTT_PACKET, "MQTT 24: packet failure") \
    X(SIM7600_E_MQTT_DNS, "MQTT 25: DNS error (broker host name)") \
    X(SIM7600_E_MQTT_CLOSED_BY_SERVER, "MQTT 26: socket closed by the server") \
    X(SIM7600_E_MQTT_REFUSED_PROTOCOL, "MQTT 27: broker refused: unaccepted protocol version") \
    X(SIM7600_E_MQTT_REFUSED_ID, "MQTT 28: broker refused: client identifier rejected") \
    X(SIM7600_E_MQTT_REFUSED_UNAVAILABLE, "MQTT 29: broker refused: server unavailable") \
    X(SIM7600_E_MQTT_REFUSED_CREDENTIALS, "MQTT 30: broker refused: bad user name or password") \
    X(SIM7600_E_MQTT_REFUSED_NOT_AUTHORIZED, "MQTT 31: broker refused: not authorized") \
    X(SIM7600_E_MQTT_HANDSHAKE, "MQTT 32: TLS handshake failed") \
    X(SIM7600_E_MQTT_NO_CERT, "MQTT 33: certificate not set")

#define CME_ROWS(X) \
    X(SIM7600_E_CME_PHONE_FAILURE, "+CME ERROR 0: phone failure") \
    X(SIM7600_E_CME_NOT_ALLOWED, "+CME ERROR 3: operation not allowed") \
    X(SIM7600_E_CME_NOT_SUPPORTED, "+CME ERROR 4: operation not supported") \
    X(SIM7600_E_CME_SIM_NOT_INSERTED, "+CME ERROR 10: SIM not inserted") \
    X(SIM7600_E_CME_SIM_PIN, "+CME ERROR 11: SIM PIN required") \
    X(SIM7600_E_CME_SIM_PUK, "+CME ERROR 12: SIM PUK required") \
    X(SIM7600_E_CME_SIM_FAILURE, "+CME ERROR 13: SIM failure") \
    X(SIM7600_E_CME_SIM_BUSY, "+CME ERROR 14: SIM busy") \
    X(SIM7600_E_CME_SIM_WRONG, "+CME ERROR 15: SIM wrong") \
    X(SIM7600_E_CME_INCORRECT_PASSWORD, "+CME ERROR 16: incorrect password") \
    X(SIM7600_E_CME_NO_NETWORK, "+CME ERROR 30: no network service") \
    X(SIM7600_E_CME_NETWORK_TIMEOUT, "+CME ERROR 31: network timeout") \
    X(SIM7600_E_CME_UNKNOWN, "+CME ERROR 100: unknown")

#define STATUS_ROWS(X) OWN_ROWS(X) MQTT_ROWS(X) CME_ROWS(X)
#define ROW_OF(name, text) ROW_##name,
#define CME_CODE_OF(name, text) (uint8_t)(SIM7600_E_CME_BASE - (name)),
#define NAME_OF(name, text) #name "\0"
#define TEXT_OF(name, text) text "\0"

enum { STATUS_ROWS(ROW_OF) N_ROWS };
/* find_row's arithmetic holds for the lists as written (each row's name is
 * checked by test_driver_compact). */
typedef char own_rows_in_order[ROW_SIM7600_E_UNQUOTABLE == 1 - SIM7600_E_UNQUOTABLE ? 1 : -1];
typedef char mqtt_rows_in_order[ROW_SIM7600_E_MQTT_NO_CERT - ROW_SIM7600_E_MQTT_FAILED ==
                                        SIM7600_E_MQTT_FAILED - SIM7600_E_MQTT_NO_CERT ? 1 : -1];

static const uint8_t cme_codes[] = {CME_ROWS(CME_CODE_OF)};
static const char names[] = STATUS_ROWS(NAME_OF);

/* The row of a status, N_ROWS if it has none. */
static size_t find_row(int status)
{
    size_t i;

    if (status >= SIM7600_E_UNQUOTABLE && status <= SIM7600_QUEUED)
        return status >= 0 ? (size_t)status : (size_t)(1 - status); /* OK, QUEUED, then -1.. */
    if (status <= SIM7600_E_MQTT_FAILED && status >= SIM7600_E_MQTT_NO_CERT)
        return ROW_SIM7600_E_MQTT_FAILED + (size_t)(SIM7600_E_MQTT_FAILED - status);
    for (i = 0; i < sizeof cme_codes; i++) {
        if (status == SIM7600_E_CME(cme_codes[i]))
            return ROW_SIM7600_E_CME_PHONE_FAILURE + i;
    }
    return N_ROWS;
}

static bool is_mqtt(int status)
{
    return status < SIM7600_E_MQTT_BASE && status > SIM7600_E_CME_BASE;
}

static bool is_cme(int status)
{
    return status <= SIM7600_E_CME_BASE;
}

const char *sim7600_status_name(int status)
{
    size_t row = find_row(status);
    if (row < N_ROWS)
        return at_text_nth(names, N_ROWS, row);
    if (is_mqtt(status))
        return "SIM7600_E_MQTT(n)";
    if (is_cme(status))
        return "SIM7600_E_CME(n)";
    return "?";
}

#if SIM7600_STATUS_TEXT
static const char texts[] = STATUS_ROWS(TEXT_OF);

const char *sim7600_strerror(int status)
{
    size_t row = find_row(status);
    if (row < N_ROWS)
        return at_text_nth(texts, N_ROWS, row);
    if (is_mqtt(status))
        return "MQTT error code not in the manual (see sim7600_status_module_code)";
    if (is_cme(status))
        return "+CME ERROR (see sim7600_status_module_code and AT manual §17.3)";
    return "unknown status";
}
#else
const char *sim7600_strerror(int status)
{
    return sim7600_status_name(status);
}
#endif

int sim7600_status_module_code(int status)
{
    if (is_mqtt(status))
        return SIM7600_E_MQTT_BASE - status;
    if (is_cme(status))
        return SIM7600_E_CME_BASE - status;
    return -1;
}

/* Statuses after which the session state is unknown or gone: reconnect. */
static const sim7600_status_set link_errors[] = {
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

bool sim7600_status_in(int st, const sim7600_status_set *set, size_t n)
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

/* In enum order (enum sim7600_state, sim7600_event, sim7600_rung). */
static const char state_names[] = "OFF\0NET_READY\0CONNECTED\0RECOVERING\0CLOSED";

const char *sim7600_state_str(enum sim7600_state s)
{
    return at_text_nth(state_names, SIM7600_STATE_CLOSED + 1u, (unsigned)s);
}

static const char event_names[] =
    "state\0connection lost\0module rebooted\0module silent: reset\0"
    "reconnect failed, retrying\0reconnected\0outbox message cannot be sent\0"
    "received message truncated\0publish failed, retrying\0publish given up\0"
    "recovery escalated";

const char *sim7600_event_str(enum sim7600_event ev)
{
    return at_text_nth(event_names, SIM7600_EV_ESCALATED + 1u, (unsigned)ev);
}

static const char rung_names[] = "reconnect\0restart MQTT\0reset module\0stuck";

const char *sim7600_rung_str(enum sim7600_rung r)
{
    return at_text_nth(rung_names, SIM7600_RUNG_STUCK + 1u, (unsigned)r);
}
