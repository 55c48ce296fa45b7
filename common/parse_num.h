/* The one way a number is read from text here: the whole string, decimal,
 * within a range, overflow refused. Command-line options, control commands,
 * scenario values and fault rules all read numbers with these. */
#ifndef COMMON_PARSE_NUM_H
#define COMMON_PARSE_NUM_H

#include <stdbool.h>
#include <stdint.h>

/* An optional '-', then digits and nothing else, in [min, max]. */
bool parse_long(const char *text, long min, long max, long *out);
/* Digits and nothing else (no sign, no spaces), at most max. */
bool parse_u64(const char *text, uint64_t max, uint64_t *out);

#endif
