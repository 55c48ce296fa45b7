/* What cap_diff.c (reading) and cap_diff_compare.c (aligning, the report) share. */
#ifndef HIL_CAP_DIFF_INTERNAL_H
#define HIL_CAP_DIFF_INTERNAL_H

#include <stddef.h>

/* realloc that aborts when out of memory: a diff of two files has nothing
 * useful to do without the memory. */
void *cap_diff_xrealloc(void *p, size_t n);

#endif
