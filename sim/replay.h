/* Replaying a captured log: the simulator answers from the log instead of its
 * model. The host's bytes in the log are the script the program must follow;
 * each host line matched releases what the module printed after it, at its
 * recorded offset (scaled by speed). The first byte that departs from the
 * script is a divergence, reported with the log line, what was expected and
 * what came. */
#ifndef SIM_REPLAY_H
#define SIM_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

struct replay;

enum replay_state {
    REPLAY_ACTIVE,      /* following the log */
    REPLAY_DIVERGED,    /* the host departed from the log */
    REPLAY_FINISHED,    /* the log is used up */
};

/* Parses a capture (sim/capture.h format). Returns NULL with the reason, as
 * "file:line: message", in err. */
struct replay *replay_load(const char *path, double speed, char *err, size_t errlen);
struct replay *replay_load_buffer(const char *name, const char *text, double speed, char *err, size_t errlen);
void replay_free(struct replay *r);

/* Starts the log's clock at now_us. */
void replay_start(struct replay *r, uint64_t now_us);
/* Module bytes due by now_us, appended to out; returns how many. */
size_t replay_due_output(struct replay *r, uint64_t now_us, struct strbuf *out);
/* When the next module bytes fall due; UINT64_MAX if none is waiting on time. */
uint64_t replay_next_due(const struct replay *r);
/* Host bytes: returns how many followed the log. The first that did not (if
 * any) and everything after it are the caller's to handle; the state then is
 * REPLAY_DIVERGED. Module lines the log printed before this host line and
 * that are not yet out are appended to out first. */
size_t replay_input(struct replay *r, const uint8_t *data, size_t n, uint64_t now_us, struct strbuf *out);
enum replay_state replay_state(const struct replay *r);
const char *replay_state_str(enum replay_state st);
/* "log line 12: expected \"AT+CSQ\\r\", got \"AT+CREG?\\r\"", or "" before any divergence. */
const char *replay_divergence(const struct replay *r);
int replay_divergence_line(const struct replay *r);
/* After a divergence: the start of the diverging line that did match the log
 * (already taken by replay_input), so whoever answers next sees the whole line. */
const uint8_t *replay_diverged_prefix(const struct replay *r, size_t *len);

#endif
