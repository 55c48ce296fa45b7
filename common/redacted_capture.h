/* A capture file written a line at a time with every credential redacted
 * (redact.h): the passwords of AT+CMQTTCONNECT, AT+CGAUTH and
 * AT+CSSLCFG="password", in the host's commands and in their echo, and the
 * bytes of an AT+CCERTDOWN upload that are not a certificate (a key, DER).
 * Bytes wait for their line end, since a line is redacted whole; an
 * unfinished line of the other side is written first when it cannot hold a
 * secret (the module's '>' prompt, the host's data after it). The host's
 * lines are cut as redact_stream_line_ends says, each a capture line of
 * its own, so a replay (sim/replay.c) can cut and redact the host's bytes
 * the same way and match them. Only the file changes: the bytes between host
 * and module are never touched. Used by sim7600-sim --log, sim7600-hil run's
 * transcripts and sim7600-hil tap. */
#ifndef COMMON_REDACTED_CAPTURE_H
#define COMMON_REDACTED_CAPTURE_H

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
/* A comment after what waits (an unfinished line is written redacted as it is). */
void redacted_capture_comment(struct redacted_capture *rc, const char *text);
/* Writes what still waits (at the end of a session) and frees the buffers. */
void redacted_capture_finish(struct redacted_capture *rc);

#endif
