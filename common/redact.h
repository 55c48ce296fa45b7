/* Secrets out of recorded logs: the credentials of AT+CMQTTCONNECT,
 * AT+CGAUTH and AT+CSOCKAUTH and the SSL contexts' password
 * (AT+CSSLCFG="password") become "***", in the host's commands (any of a line
 * chained with ';'), in their echo and in the read-form answers that print
 * them back; and the bytes of an AT+CCERTDOWN upload are recorded only where
 * they are a certificate (a key, a password file, DER bytes become
 * "***"). Only the recording changes; the bytes passed between host and
 * module are never touched. */
#ifndef SIM_REDACT_H
#define SIM_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* Appends `line` (n bytes) to out with any credential replaced; returns how
 * many fields were replaced. A quoted credential is its quotes' contents; an
 * unquoted one hides the rest of its line, ';' and all. */
int redact_line(const char *line, size_t n, struct strbuf *out);
/* Whether an unfinished line may still become one with a credential (it
 * starts like one): a recorder must then wait for its end before writing it. */
bool redact_may_hold_secret(const char *line, size_t n);

/* One direction of a session, line after line: what redact_line does, and an
 * AT+CCERTDOWN's data phase (the announced bytes after the command) recorded
 * only where it is a PEM certificate; anything else in it, a private key's
 * body, a password file, DER bytes, becomes "***" (its line ends kept). An
 * allow-list, so a key in a form nobody thought of is hidden too. */
struct redact_stream {
    size_t data_left;          /* upload bytes still to come */
    bool fresh;                /* the command line just ended: a lone LF is its terminator */
    bool in_certificate;       /* between BEGIN CERTIFICATE and END */
    bool module;               /* set by the caller for the module's side: there the data phase is
                                  the upload's echo, if any; its prompt and its final result
                                  (OK, ERROR, +CME ERROR) are not data, and the result ends it */
};

int redact_stream_line(struct redact_stream *st, const char *line, size_t n, struct strbuf *out);
/* In an upload, every line may hold a secret (see redact_may_hold_secret),
 * except one of nothing but line ends and the '>' prompt. */
bool redact_stream_may_hold_secret(const struct redact_stream *st, const char *line, size_t n);

/* A line without an end is recorded in pieces of this many bytes. */
#define REDACT_LINE_MAX 4096
/* Whether a line so far (`n` bytes, the last one just added) ends there, as
 * recorders cut lines: the module's at an LF; the host's at a CR or LF, or at
 * an upload's last byte (so the next command is a line of its own); either at
 * REDACT_LINE_MAX bytes. A recorder and a replay that cut the bytes so see the
 * same lines, and redact them alike. */
bool redact_stream_line_ends(const struct redact_stream *st, const char *line, size_t n);
/* A stretch of one side's bytes, cut into lines as above and each redacted
 * (an unfinished last line as it is); returns how many fields were replaced. */
int redact_stream_text(struct redact_stream *st, const char *text, size_t n, struct strbuf *out);
/* The module's words (one line or several) as the host's stream must know
 * them: a final result (OK, ERROR, +CME ERROR) ends the host's upload, since
 * the module answers only once the data is in or given up. A text redacted
 * before, whose "***" no longer has the upload's length, so stays in step. */
void redact_stream_module_said(struct redact_stream *host, const char *text, size_t n);
/* Whether redact_stream_text could change the text or the stream: an upload
 * goes on or begins in it, or a line in it starts like a credential's. When
 * not, the text may be used as it is (no copy). */
bool redact_stream_text_may_change(const struct redact_stream *st, const char *text, size_t n);

#endif
