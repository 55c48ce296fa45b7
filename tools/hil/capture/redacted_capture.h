/* A capture file written a line at a time with every credential redacted
 * (common/redact.h): the passwords of AT+CMQTTCONNECT, AT+CGAUTH and
 * AT+CSSLCFG="password", in the host's commands and in their echo, and the
 * bytes of an AT+CCERTDOWN upload that are not a certificate (a key, DER).
 * Bytes wait for their line end, since a line is redacted whole; an
 * unfinished line of the other side is written first when it cannot hold a
 * secret (the module's '>' prompt, the host's data after it). Only the file
 * changes: the bytes between host and module are never touched. */
#ifndef HIL_REDACTED_CAPTURE_H
#define HIL_REDACTED_CAPTURE_H

#include <stdint.h>

#include "capture.h"
#include "redact.h"
#include "strbuf.h"

enum { RC_HOST, RC_MODULE, RC_SIDES };

struct redacted_capture {
    struct capture *cap;
    struct strbuf line[RC_SIDES];            /* bytes waiting for their line end */
    uint64_t line_us[RC_SIDES];              /* when each line began */
    struct redact_stream redact[RC_SIDES];   /* each side's upload data phase */
};

void redacted_capture_init(struct redacted_capture *rc, struct capture *cap);
/* Bytes of one side (dir CAPTURE_TO_MODULE or CAPTURE_FROM_MODULE). */
void redacted_capture_bytes(struct redacted_capture *rc, char dir, const uint8_t *data, size_t n, uint64_t now_us);
/* Writes what still waits (at the end of a session) and frees the buffers. */
void redacted_capture_finish(struct redacted_capture *rc);

#endif
