/* C escapes (\r \n \t \\ \" \xHH) in the capture format and the control protocol. */
#ifndef SIM_CESCAPE_H
#define SIM_CESCAPE_H

#include <stddef.h>
#include <stdint.h>

/* Decodes n characters of `in` into `out` (at least n bytes). Returns the
 * decoded length, or -1 with *bad set to the offending offset. */
long c_unescape(const char *in, size_t n, uint8_t *out, size_t *bad);

#define TOKENS_MAX 16
struct tokens {
    int count;
    char *v[TOKENS_MAX];       /* decoded, NUL-terminated (may hold NUL bytes: use len) */
    size_t len[TOKENS_MAX];
};

/* Splits a line at spaces; "quoted tokens" may hold spaces and escapes.
 * Decodes in place. Returns 0, or -1 with a reason in *why. */
int tokenize(char *line, struct tokens *t, const char **why);

#endif
