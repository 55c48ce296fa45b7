#include "codes.h"

#include <stddef.h>

struct code_name {
    int code;
    const char *name;
};

static const struct code_name mqtt_errs[] = {
    {MQTT_OK, "operation succeeded"}, {MQTT_FAILED, "failed"},
    {MQTT_BAD_UTF8, "bad UTF-8 string"}, {MQTT_SOCK_CONNECT_FAIL, "sock connect fail"},
    {MQTT_SOCK_CREATE_FAIL, "sock create fail"}, {MQTT_SOCK_CLOSE_FAIL, "sock close fail"},
    {MQTT_RECEIVE_FAIL, "message receive fail"}, {MQTT_NETWORK_OPEN_FAIL, "network open fail"},
    {MQTT_NETWORK_CLOSE_FAIL, "network close fail"}, {MQTT_NETWORK_NOT_OPENED, "network not opened"},
    {MQTT_CLIENT_INDEX_ERROR, "client index error"}, {MQTT_NO_CONNECTION, "no connection"},
    {MQTT_INVALID_PARAMETER, "invalid parameter"}, {MQTT_NOT_SUPPORTED, "not supported operation"},
    {MQTT_CLIENT_BUSY, "client is busy"}, {MQTT_REQUIRE_CONNECTION_FAIL, "require connection fail"},
    {MQTT_SOCK_SEND_FAIL, "sock sending fail"}, {MQTT_TIMEOUT, "timeout"},
    {MQTT_TOPIC_EMPTY, "topic is empty"}, {MQTT_CLIENT_USED, "client is used"},
    {MQTT_CLIENT_NOT_ACQUIRED, "client not acquired"}, {MQTT_CLIENT_NOT_RELEASED, "client not released"},
    {MQTT_LENGTH_OUT_OF_RANGE, "length out of range"}, {MQTT_NETWORK_IS_OPENED, "network is opened"},
    {MQTT_PACKET_FAIL, "packet fail"}, {MQTT_DNS_ERROR, "DNS error"},
    {MQTT_SOCKET_CLOSED_BY_SERVER, "socket is closed by server"},
    {MQTT_REFUSED_PROTOCOL, "connection refused: unaccepted protocol version"},
    {MQTT_REFUSED_IDENTIFIER, "connection refused: identifier rejected"},
    {MQTT_REFUSED_SERVER_UNAVAILABLE, "connection refused: server unavailable"},
    {MQTT_REFUSED_BAD_CREDENTIALS, "connection refused: bad user name or password"},
    {MQTT_REFUSED_NOT_AUTHORIZED, "connection refused: not authorized"},
    {MQTT_HANDSHAKE_FAIL, "handshake fail"}, {MQTT_NO_CERTIFICATE, "not set certificate"},
};

static const struct code_name cme_errs[] = {
    {CME_PHONE_FAILURE, "phone failure"}, {CME_NOT_ALLOWED, "operation not allowed"},
    {CME_NOT_SUPPORTED, "operation not supported"}, {CME_SIM_NOT_INSERTED, "SIM not inserted"},
    {CME_SIM_PIN_REQUIRED, "SIM PIN required"}, {CME_SIM_PUK_REQUIRED, "SIM PUK required"},
    {CME_SIM_FAILURE, "SIM failure"}, {CME_SIM_BUSY, "SIM busy"},
    {CME_INCORRECT_PASSWORD, "incorrect password"}, {CME_INVALID_INDEX, "invalid index"},
    {CME_NOT_FOUND, "not found"}, {CME_TEXT_TOO_LONG, "text string too long"},
    {CME_NO_NETWORK, "no network service"}, {CME_NETWORK_TIMEOUT, "network timeout"},
    {CME_UNKNOWN, "Unknown"},
};

static const char *lookup(const struct code_name *t, size_t n, int code)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].code == code)
            return t[i].name;
    return NULL;
}

const char *mqtt_err_name(int code)
{
    return lookup(mqtt_errs, sizeof mqtt_errs / sizeof mqtt_errs[0], code);
}

const char *cme_err_text(int code)
{
    return lookup(cme_errs, sizeof cme_errs / sizeof cme_errs[0], code);
}

const char *v250_result_text(enum v250_result r)
{
    static const char *const text[] = {"OK", "CONNECT", "RING", "NO CARRIER", "ERROR"};
    return (unsigned)r < sizeof text / sizeof text[0] ? text[r] : "ERROR";
}
