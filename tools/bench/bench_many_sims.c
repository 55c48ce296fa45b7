/* How many simulators, each serving its own driver, this machine runs at
 * once: N simulators at 115200 baud, N drivers (one thread each) connecting
 * and publishing QoS 1; N doubles until a driver fails or MAX_SIMS. Reports
 * the largest N that all succeeded and the simulators' CPU time. */
#include <pthread.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "bench_clock.h"
#include "sim7600_posix.h"
#include "sim_process.h"

#define MAX_SIMS 512
#define PUBLISHES 20

struct worker {
    struct sim_process sim;
    pthread_t thread;
    int status;
};

static void *drive(void *arg)
{
    struct worker *w = arg;
    struct sim7600_serial serial;
    struct sim7600_host host;
    char err[256];
    w->status = -1;
    if (sim7600_serial_open(&serial, w->sim.pty_path, 115200, SIM7600_BACKEND_AUTO, err, sizeof err) < 0)
        return NULL;
    struct sim7600_host_config cfg = {.drv = {.broker = "tcp://127.0.0.1:1883", .client_id = "many",
                                              .clean_session = true}};
    int rc = sim7600_host_start(&host, &serial, &cfg);
    if (rc == SIM7600_OK)
        rc = sim7600_host_connect(&host);
    for (int i = 0; i < PUBLISHES && rc == SIM7600_OK; i++)
        rc = sim7600_host_publish(&host, "bench/many", "x", 1, 1, false);
    sim7600_host_stop(&host);
    sim7600_serial_close(&serial);
    w->status = rc;
    return NULL;
}

/* utime + stime of a process, in seconds */
static double cpu_seconds(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    /* fields after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (p)
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Runs n at once; returns 0 if every driver succeeded. */
static int round_of(int n, double *wall, double *cpu)
{
    struct worker *w = xmalloc((size_t)n * sizeof *w);
    memset(w, 0, (size_t)n * sizeof *w);
    const char *args[] = {"--baud", "115200", "--profile", "warm", NULL};
    int started = 0, ok = 0;
    for (; started < n; started++)
        if (simproc_start(&w[started].sim, args) < 0)
            break;
    double t0 = bench_now_s();
    for (int i = 0; i < started; i++)
        pthread_create(&w[i].thread, NULL, drive, &w[i]);
    for (int i = 0; i < started; i++) {
        pthread_join(w[i].thread, NULL);
        ok += w[i].status == SIM7600_OK;
    }
    *wall = bench_now_s() - t0;
    *cpu = 0;
    for (int i = 0; i < started; i++) {
        *cpu += cpu_seconds(w[i].sim.pid);
        simproc_stop(&w[i].sim);
    }
    free(w);
    return ok == n ? 0 : -1;
}

int main(void)
{
    /* three descriptors per simulator on this side (pty, wake pipe) */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    int best = 0;
    double best_wall = 0, best_cpu = 0;
    for (int n = 8; n <= MAX_SIMS; n *= 2) {
        double wall, cpu;
        if (round_of(n, &wall, &cpu) < 0)
            break;
        best = n;
        best_wall = wall;
        best_cpu = cpu;
    }
    if (best == 0) {
        fprintf(stderr, "bench: not even 8 simulators with a driver each succeeded\n");
        return 1;
    }
    printf("| simulators at once, one driver each (115200 baud, connect + %d QoS 1 publishes) | %d%s at once "
           "| %.1f s wall | simulators' CPU %.2f s in all (%.0f%% of one core) | |\n",
           PUBLISHES, best, best == MAX_SIMS ? " (the most tried)" : "", best_wall, best_cpu,
           100.0 * best_cpu / best_wall);
    return 0;
}
