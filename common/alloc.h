/* Memory for the host programs (simulator, harness, tools), with one policy:
 * running out is fatal. A simulator or runner that went on without the
 * event, rule, step or line it could not store would answer or report
 * wrongly without saying so; these say so on stderr and abort. (The driver
 * core allocates nothing: its buffers are the caller's.) */
#ifndef COMMON_ALLOC_H
#define COMMON_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
/* A copy of n bytes with a NUL after them (text or not). */
void *xmemdup(const void *p, size_t n);
char *xstrdup(const char *s);
/* The one growable array: room for at least `need` elements of `elem` bytes
 * in `items` (capacity *cap, doubled from 8). Returns the array, moved or not:
 *     v = grow_array(v, &cap, n + 1, sizeof *v);   v[n++] = x;            */
void *grow_array(void *items, size_t *cap, size_t need, size_t elem);

#endif
