/* Simulator latency over its pty, --baud 0: time from the \r of "AT" to the
 * end of "\r\nOK\r\n", over many commands; median, 99th percentile, rate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bench_clock.h"
#include "sim_process.h"


#define DEFAULT_COMMANDS 10000

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : DEFAULT_COMMANDS;
    if (n <= 0) {
        fprintf(stderr, "usage: %s [COMMANDS]  (default %d)\n", argv[0], DEFAULT_COMMANDS);
        return 2;
    }
    struct sim_process sim;
    const char *args[] = {"--profile", "warm", NULL};
    if (simproc_start(&sim, args) < 0 || simproc_open(&sim) < 0) {
        fprintf(stderr, "bench: cannot start build/bin/sim7600-sim (run make first)\n");
        return 1;
    }
    simproc_send(&sim, "ATE0\r");
    if (!simproc_expect(&sim, "OK\r\n", SIMPROC_DEFAULT_TIMEOUT_MS)) {
        fprintf(stderr, "bench: the simulator did not answer ATE0\n");
        simproc_stop(&sim);
        return 1;
    }
    double *lat = xmalloc(sizeof *lat * (size_t)n);
    double start = bench_now_us();
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_us();
        simproc_send(&sim, "AT\r");
        if (!simproc_expect(&sim, "\r\nOK\r\n", SIMPROC_DEFAULT_TIMEOUT_MS)) {
            fprintf(stderr, "bench: no OK for command %d\n", i);
            free(lat);
            simproc_stop(&sim);
            return 1;
        }
        lat[i] = bench_now_us() - t0;
    }
    double total_s = (bench_now_us() - start) / 1e6;
    simproc_stop(&sim);
    bench_sort(lat, n);
    printf("| simulator AT→OK over the pty, --baud 0 | %d commands | median %.1f µs | p99 %.1f µs | %.0f commands/s |\n",
           n, lat[n / 2], lat[(int)(n * 0.99)], n / total_s);
    free(lat);
    return 0;
}
