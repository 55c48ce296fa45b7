/* sim7600-mqtt's TLS files: --ca, --cert, --key and --key-password-file read
 * on the host, handed to the driver (struct sim7600_tls) for upload to the
 * module's certificate store. */
#ifndef SIM7600_APP_TLS_FILES_H
#define SIM7600_APP_TLS_FILES_H

#include <stdint.h>

#include "app_options.h"
#include "sim7600.h"

/* The module's limits (SSL manual, AT+CCERTDOWN's test answer (5-128),(1-10240)). */
#define APP_CERT_MAX 10240
#define APP_KEY_PASSWORD_MAX 128

struct app_tls {
    struct sim7600_tls tls;   /* what the driver gets; its data points into the buffers below */
    uint8_t *ca, *cert, *key; /* the files' bytes (malloc'd) */
    char *password;
};

/* Reads the files the options name into *t. With none of them and no
 * ssl:// broker, TLS stays off (returns 0, t->tls unused).
 * @retval 0, or 1 after saying on stderr which file and what is wrong
 *         (missing, unreadable, empty, larger than the module takes); no
 *         message ever shows a file's content. */
int app_tls_load(const struct opts *o, struct app_tls *t);
void app_tls_free(struct app_tls *t);

#endif
