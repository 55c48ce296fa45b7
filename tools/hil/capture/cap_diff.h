/* Comparing two captures of the same scenario (sim7600-hil diff): the
 * bench-validation report. Each capture is read with log_import's capture
 * reader and reduced to its conversation: the host's lines, each with the
 * module lines that answer it. Times, blank lines and the module's echo of the
 * host's own line are dropped, since they differ between a simulator and a
 * real part without meaning anything. The two conversations are aligned by
 * the host's lines (a longest common subsequence, so one extra or missing
 * command does not shift every exchange after it) and each aligned exchange
 * whose answers differ is one difference.
 *
 * Lines are kept as printable text: bytes outside printable ASCII appear as
 * C escapes (\r \n \\ \xHH, the capture format's own), so a garbled answer is
 * shown as it was and compared as text. */
#ifndef HIL_CAP_DIFF_H
#define HIL_CAP_DIFF_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* Stands for "no exchange on this side" in a cap_diff_entry. */
#define CAP_DIFF_NONE ((size_t)-1)

/* Patterns for parts of lines that are expected to vary (an IMEI, a clock).
 * Owned by the caller: fill with cap_diff_options_ignore, release with
 * cap_diff_options_free. A zeroed struct ignores nothing. */
struct cap_diff_options {
    regex_t *ignore;
    size_t n_ignore;
};

struct cap_diff_line {
    char *text;     /* as shown: printable, escapes for other bytes */
    char *key;      /* as compared: text with every --ignore match masked */
    int line;       /* the capture line it starts on */
};

/* One host line and what the module printed after it, up to the next host line. */
struct cap_diff_exchange {
    struct cap_diff_line host;      /* text NULL in exchange 0: output before the first command */
    struct cap_diff_line *answer;
    size_t count, cap;
};

struct cap_diff_transcript {
    char *name;                     /* as given, for messages */
    struct cap_diff_exchange *ex;   /* ex[0] always exists (the module's output before any command) */
    size_t count, cap;
};

enum cap_diff_kind {
    CAP_DIFF_ANSWER,    /* the same host line, different answers */
    CAP_DIFF_ONLY_A,    /* host lines A sent and B did not */
    CAP_DIFF_ONLY_B,    /* host lines B sent and A did not */
};

/* a and b index the transcripts' exchanges. ONLY_A covers the n host lines
 * from A's exchange a on, in a row (a skipped step is one difference, not one
 * per command); b is the B exchange they would come before (CAP_DIFF_NONE:
 * after B's last). The same the other way round for ONLY_B. n is 1 for ANSWER. */
struct cap_diff_entry {
    enum cap_diff_kind kind;
    size_t a, b, n;
};

struct cap_diff_result {
    struct cap_diff_entry *v;
    size_t count, cap;
    size_t exchanges;   /* exchanges compared: aligned pairs, lines only one side sent, output before the first command */
    bool in_order;      /* the host lines were too different to align and were compared in order */
};

/* Adds a POSIX extended regular expression. Returns 0, or -1 with what is
 * wrong in `err`. */
int cap_diff_options_ignore(struct cap_diff_options *opt, const char *pattern, struct strbuf *err);
void cap_diff_options_free(struct cap_diff_options *opt);

/* Reduces capture text (named `name` in messages) to its conversation.
 * Returns 0, or -1 with one "name:line: what is wrong" per bad line and what
 * to do in `err`; `out` is then empty. Free `out` with cap_diff_transcript_free
 * either way. */
int cap_diff_read_text(const char *name, const char *text, size_t len, const struct cap_diff_options *opt,
                       struct cap_diff_transcript *out, struct strbuf *err);
/* The same for a file. */
int cap_diff_load(const char *path, const struct cap_diff_options *opt, struct cap_diff_transcript *out,
                  struct strbuf *err);
void cap_diff_transcript_free(struct cap_diff_transcript *tr);

/* Aligns the two conversations and lists where they differ, in A's order. */
void cap_diff_compare(const struct cap_diff_transcript *a, const struct cap_diff_transcript *b,
                      struct cap_diff_result *out);
void cap_diff_result_free(struct cap_diff_result *r);

/* Appends the report: a legend, each difference with its command and both
 * answers (- A, + B, unchanged lines indented), and the summary line
 * "N differences in M exchanges" or "no differences in M exchanges". */
void cap_diff_report(const struct cap_diff_transcript *a, const struct cap_diff_transcript *b,
                     const struct cap_diff_result *r, struct strbuf *out);

#endif
