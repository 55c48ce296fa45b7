#include "alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_CAPACITY 8

static void out_of_memory(size_t n)
{
    fprintf(stderr, "out of memory (%zu bytes wanted); stopping rather than going on with less\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

void *xmemdup(const void *p, size_t n)
{
    char *q = xmalloc(n + 1);
    if (n)
        memcpy(q, p, n);
    q[n] = '\0';
    return q;
}

char *xstrdup(const char *s)
{
    return xmemdup(s, strlen(s));
}

void *grow_array(void *items, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return items;
    size_t c = *cap ? *cap : FIRST_CAPACITY;
    while (c < need)
        c = c > SIZE_MAX / 2 ? need : c * 2;
    if (elem && c > SIZE_MAX / elem)
        out_of_memory(SIZE_MAX);
    items = xrealloc(items, c * elem);
    *cap = c;
    return items;
}
