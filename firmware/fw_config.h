/* The demo's options, read from the emulator's command line (semihosting):
 *   --broker tcp://HOST:PORT  --client-id ID  --apn APN  --interval MS
 * and its topics. Without a command line the defaults below hold. */
#ifndef FW_CONFIG_H
#define FW_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define FW_READING_TOPIC  "demo/reading"
#define FW_READING_PREFIX "reading #"
#define FW_CMD_TOPIC      "demo/cmd"
#define FW_STATUS_TOPIC   "demo/status"

#define FW_DEFAULT_BROKER    "tcp://127.0.0.1:1883"
#define FW_DEFAULT_CLIENT_ID "sim7600-demo"
#define FW_DEFAULT_APN       "internet"
#define FW_DEFAULT_INTERVAL_MS 1000u
#define FW_MIN_INTERVAL_MS   100u
#define FW_MAX_INTERVAL_MS   3600000u
#define FW_CMDLINE_CAP       384u

struct fw_config {
    const char *broker, *client_id, *apn; /* point into cmdline or at the defaults */
    uint32_t interval_ms;
    char cmdline[FW_CMDLINE_CAP];
};

/* Defaults, then what the command line says; a bad option is said on the
 * status UART and its default kept. */
void fw_config_load(struct fw_config *c);

/* n decimal digits, FW_MIN_INTERVAL_MS..FW_MAX_INTERVAL_MS: 0, else -1. */
int fw_parse_ms(const char *p, size_t n, uint32_t *ms);

#endif
