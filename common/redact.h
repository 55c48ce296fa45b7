/* Passwords out of recorded logs: the credentials of AT+CMQTTCONNECT and
 * AT+CGAUTH become "***", in the host's commands, in their echo and in the
 * read-form answers that print them back. Only the recording changes; the
 * bytes passed between host and module are never touched. */
#ifndef SIM_REDACT_H
#define SIM_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* Appends `line` (n bytes) to out with any credential replaced; returns how
 * many fields were replaced. */
int redact_line(const char *line, size_t n, struct strbuf *out);
/* Whether an unfinished line may still become one with a credential (it
 * starts like one): a recorder must then wait for its end before writing it. */
bool redact_may_hold_secret(const char *line, size_t n);

#endif
