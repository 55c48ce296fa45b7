/* The benchmarks' clock and their medians. The harness's hil_now_us() counts
 * whole microseconds; a pty round trip is a few of them, so the benchmarks
 * read the monotonic clock in fractions. */
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <stdlib.h>
#include <time.h>

static inline double bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static inline double bench_now_s(void)
{
    return bench_now_us() / 1e6;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v in place, for medians and percentiles. */
static inline void bench_sort(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
}

static inline double bench_median(double *v, int n)
{
    bench_sort(v, n);
    return v[n / 2];
}

#endif
