/* The driver's publish rate against sim7600-sim: QoS 0 and QoS 1, a 19-byte
 * topic and a 15-byte payload, over the pty unpaced (--baud 0) and at 115200
 * baud. At 115200 the wire limit is measured, not assumed: the bytes each
 * publish puts on the wire in both directions (the simulator's counters),
 * against 11,520 bytes/s. Both directions count because AT is lock-step:
 * each side waits for the other's answer ('>' before the data, OK before the
 * next command), so the bytes of one publish cross the wire in turns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_clock.h"
#include "json_read.h"
#include "sim7600_posix.h"
#include "sim_process.h"

#define TOPIC "bench/sim7600/rate1"        /* 19 bytes */
#define PAYLOAD "0123456789abcde"          /* 15 bytes */
#define BYTES_PER_SECOND_115200 11520.0

/* stats.bytes_in / stats.bytes_out from the simulator's state */
static int wire_counters(struct sim_process *sim, double *in, double *out)
{
    struct strbuf json = {0};
    long long i = 0, o = 0;
    int rc = simproc_state(sim, &json);
    if (rc == 0 && (json_get_int(json.p, json.len, "stats.bytes_in", &i) != JSON_OK ||
                    json_get_int(json.p, json.len, "stats.bytes_out", &o) != JSON_OK))
        rc = -1;
    sb_free(&json);
    *in = (double)i;
    *out = (double)o;
    return rc;
}

static int run(const char *baud, int qos, int count)
{
    struct sim_process sim;
    const char *args[] = {"--baud", baud, "--profile", "warm", NULL};
    struct sim7600_serial serial;
    struct sim7600_host host;
    char err[256];
    if (simproc_start(&sim, args) < 0) {
        fprintf(stderr, "bench: cannot start build/bin/sim7600-sim (run make first)\n");
        return -1;
    }
    if (sim7600_serial_open(&serial, sim.pty_path, 115200, SIM7600_BACKEND_AUTO, err, sizeof err) < 0) {
        fprintf(stderr, "bench: %s\n", err);
        simproc_stop(&sim);
        return -1;
    }
    struct sim7600_host_config cfg = {.drv = {.broker = "tcp://127.0.0.1:1883", .client_id = "bench",
                                              .clean_session = true}};
    int rc = sim7600_host_start(&host, &serial, &cfg);
    if (rc == SIM7600_OK)
        rc = sim7600_host_connect(&host);
    double in0 = 0, out0 = 0, in1 = 0, out1 = 0, t0 = bench_now_s(), t1 = t0;
    if (rc == SIM7600_OK && wire_counters(&sim, &in0, &out0) == 0) {
        t0 = bench_now_s();
        for (int i = 0; i < count && rc == SIM7600_OK; i++)
            rc = sim7600_host_publish(&host, TOPIC, PAYLOAD, strlen(PAYLOAD), (uint8_t)qos, false);
        t1 = bench_now_s();
        wire_counters(&sim, &in1, &out1);
    }
    if (rc != SIM7600_OK)
        fprintf(stderr, "bench: %s failed: %s\n", sim7600_host_last_step(&host), sim7600_strerror(rc));
    sim7600_host_stop(&host);
    sim7600_serial_close(&serial);
    simproc_stop(&sim);
    if (rc != SIM7600_OK)
        return -1;
    double rate = count / (t1 - t0);
    double per_in = (in1 - in0) / count, per_out = (out1 - out0) / count;
    if (strcmp(baud, "0") == 0) {
        printf("| driver publish QoS %d, --baud 0 | %d publishes | %.0f publishes/s | | |\n", qos, count, rate);
        return 0;
    }
    double limit = BYTES_PER_SECOND_115200 / (per_in + per_out);
    printf("| driver publish QoS %d, 115200 baud | %d publishes | %.0f publishes/s | wire limit %.0f/s "
           "(%.0f bytes host→module, %.0f module→host per publish) | %.0f%% of the limit |\n",
           qos, count, rate, limit, per_in, per_out, 100.0 * rate / limit);
    return 0;
}

int main(void)
{
    int failed = 0;
    failed |= run("0", 0, 2000) < 0;
    failed |= run("0", 1, 2000) < 0;
    failed |= run("115200", 0, 300) < 0;
    failed |= run("115200", 1, 300) < 0;
    return failed;
}
