/* A scenario's transcript: every byte between host and module, as lines.
 *
 * The runner records both directions here, whoever drives the wire (its own
 * wire steps or the driver through a recording port): the capture file is
 * written as bytes pass, and the lines are kept in memory for `expect` steps
 * (a cursor over the module's lines) and the final checks (sent/printed).
 *
 * Module lines are split at '\r' or '\n', blank ones dropped; the data prompt '>' at the
 * start of a line is a line of its own, as soon as it arrives. Host bytes are
 * split at '\r'; bytes the host writes after a prompt, up to the module's next
 * output, are the data of that prompt (TR_HOST_DATA), not a command line.
 *
 * Secrets (redacted_capture.h): the capture file and the lines shown in a
 * failure report (transcript_tail) never hold a password of AT+CMQTTCONNECT,
 * AT+CGAUTH or AT+CSSLCFG, nor the bytes of an uploaded key; the lines the
 * checks match against are kept whole, in memory only.
 * Single-threaded: one thread records and reads. */
#ifndef HIL_TRANSCRIPT_H
#define HIL_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "redacted_capture.h"
#include "scenario.h"
#include "strbuf.h"

enum tr_kind {
    TR_HOST_COMMAND, /* a command line the host sent (without its \r) */
    TR_HOST_DATA,    /* bytes sent in answer to a '>' prompt */
    TR_MODULE,       /* a line the module printed (without \r\n) */
    TR_PROMPT,       /* the module's '>' data prompt */
    TR_PROGRAM,      /* a line a scenario's program printed: "NAME: text" (for the tail only) */
};

struct tr_line {
    enum tr_kind kind;
    uint64_t t_us;     /* since the transcript started */
    char *text;        /* NUL-terminated; may hold NUL bytes within len */
    size_t len;
    char *shown;       /* the line with its secrets hidden, for reports; NULL: text holds none */
    size_t shown_len;
};

struct transcript {
    uint64_t start_us;
    struct capture cap;
    bool cap_open;
    struct redacted_capture rcap; /* the file's writer */
    struct redact_stream host_redact; /* the host's lines as reports show them */
    struct strbuf host, module;   /* partial lines */
    bool after_prompt;            /* host bytes now are prompt data */
    struct tr_line *v;
    size_t n, cap_lines;
    size_t cursor;                /* expect: the first module line not yet consumed */
};

/* A scenario's transcript file name without ".cap", appended to `out`: its
 * name as scn_name_as_file makes it, and when that is longer than
 * TRANSCRIPT_STEM_MAX bytes, its start (cut at a UTF-8 character) with "-"
 * and a 64-bit hash of the whole name in hex, so that any name makes a file
 * the system can create (NAME_MAX is 255) and distinct long names stay distinct. */
#define TRANSCRIPT_STEM_MAX 200
void transcript_file_name(const char *scenario_name, struct strbuf *out);

/* Starts a transcript; with `path` the capture file is written there too
 * (returns -1 with errno if it cannot be created). `what` heads the file. */
int transcript_open(struct transcript *tr, const char *path, const char *what, uint64_t now_us);
void transcript_close(struct transcript *tr);

/* Records bytes: dir CAPTURE_TO_MODULE or CAPTURE_FROM_MODULE. */
void transcript_record(struct transcript *tr, char dir, const uint8_t *data, size_t n, uint64_t now_us);
/* A comment in the capture file ("# step line 12: publish"). */
void transcript_note(struct transcript *tr, const char *text);

/* A line a program printed, beside the wire bytes: in the capture file as
 * the comment "# program SECONDS NAME stdout|stderr: TEXT" (C escapes), so
 * that import and diff, which skip comments, read the file as before. */
#define TRANSCRIPT_PROGRAM_MARK "program"
void transcript_program(struct transcript *tr, const char *name, const char *stream, const char *text, size_t len,
                        uint64_t now_us);

/* The next module line (from the cursor) matching `pat`, consumed with all
 * before it; -1 if none yet. A prompt matches only `want_prompt`. */
long transcript_take(struct transcript *tr, const struct scn_pattern *pat, bool want_prompt);

/* Consumes every module line so far: the next take sees only newer ones. */
void transcript_skip_all(struct transcript *tr);

/* How many lines of `kind` match (TR_HOST_COMMAND counts command lines,
 * TR_MODULE module lines). */
long transcript_count(const struct transcript *tr, enum tr_kind kind, const struct scn_pattern *pat);

/* Prints the last `n` lines as "    > AT+CSQ" / "    < OK" for failure reports. */
void transcript_tail(const struct transcript *tr, size_t n, struct strbuf *out);

#endif
