/* The command line the runner gives QEMU (tools/run-firmware.sh passes it as
 * semihosting arguments): words split on blanks, "--name value" pairs. */
#include <string.h>

#include "fw_config.h"
#include "sim7600_cortex_m.h"

int fw_parse_ms(const char *p, size_t n, uint32_t *ms)
{
    uint32_t v = 0;
    size_t i;
    if (n == 0 || n > 7) /* 3600000 has 7 digits: no overflow below */
        return -1;
    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10u + (uint32_t)(p[i] - '0');
    }
    if (v < FW_MIN_INTERVAL_MS || v > FW_MAX_INTERVAL_MS)
        return -1;
    *ms = v;
    return 0;
}

/* The next blank-separated word at *p, NUL-terminated in place; NULL at the end. */
static char *next_word(char **p)
{
    char *w = *p;
    while (*w == ' ')
        w++;
    if (*w == '\0')
        return NULL;
    *p = w;
    while (**p && **p != ' ')
        (*p)++;
    if (**p)
        *(*p)++ = '\0';
    return w;
}

static void set_option(struct fw_config *c, const char *name, const char *value)
{
    if (strcmp(name, "--broker") == 0)
        c->broker = value;
    else if (strcmp(name, "--client-id") == 0)
        c->client_id = value;
    else if (strcmp(name, "--apn") == 0)
        c->apn = value;
    else if (strcmp(name, "--interval") == 0 && fw_parse_ms(value, strlen(value), &c->interval_ms) == 0)
        ;
    else
        status_printf("config: ignored %s %s (options: --broker URL --client-id ID --apn APN "
                      "--interval 100..3600000)", name, value);
}

void fw_config_load(struct fw_config *c)
{
    char *p = c->cmdline, *name, *value;
    c->broker = FW_DEFAULT_BROKER;
    c->client_id = FW_DEFAULT_CLIENT_ID;
    c->apn = FW_DEFAULT_APN;
    c->interval_ms = FW_DEFAULT_INTERVAL_MS;
    if (board_cmdline(c->cmdline, sizeof c->cmdline) != 0)
        return;
    (void)next_word(&p); /* the program's name */
    while ((name = next_word(&p)) != NULL) {
        value = next_word(&p);
        if (value == NULL) {
            status_printf("config: %s has no value; ignored", name);
            break;
        }
        set_option(c, name, value);
    }
}
