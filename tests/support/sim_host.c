/* Test support: the host's side of a sim7600-sim process (sim_host.h). */
#include "sim_host.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "test_certs.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define GATHER_MS 2                  /* one read window while waiting for bytes */
#define TARGET_MAX 64                /* "tcp://127.0.0.1:<port>" */
#define CERT_PATH_MAX 512

void host_start(struct sim_process *sim, const char *const *args)
{
    cr_assert_eq(simproc_start(sim, args), 0, "sim7600-sim did not start");
    cr_assert_eq(simproc_open(sim), 0, "the simulator's pty %s did not open", sim->pty_path);
    host_send_expect(sim, "ATE0\r", "OK\r\n");
}

void host_start_bench(struct sim_process *sim, const char *const *args)
{
    cr_assert_eq(simproc_start(sim, args), 0, "sim7600-sim did not start");
    cr_assert_eq(simproc_open(sim), 0, "the simulator's pty %s did not open", sim->pty_path);
    host_expect(sim, "PB DONE\r\n");
    simproc_close_port(sim);
}

void host_start_broker(struct sim_process *sim, int port)
{
    char target[TARGET_MAX];
    snprintf(target, sizeof target, "tcp://127.0.0.1:%d", port);
    const char *args[] = {"--broker", target, "--profile", "warm", NULL};
    host_start(sim, args);
}

void host_expect_within(struct sim_process *sim, const char *text, int ms)
{
    cr_assert(simproc_expect(sim, text, ms), "expected \"%s\"; the module said: \"%s\"", text, simproc_pending(sim));
}

void host_expect(struct sim_process *sim, const char *text)
{
    host_expect_within(sim, text, T);
}

void host_send_expect(struct sim_process *sim, const char *cmd, const char *answer)
{
    simproc_send(sim, cmd);
    host_expect(sim, answer);
}

void host_take_exact(struct sim_process *sim, uint8_t *out, size_t n)
{
    long long end = test_now_ms() + T;
    while (sim->rx_len < n && test_now_ms() < end)
        simproc_gather_for(sim, GATHER_MS);
    cr_assert_geq(sim->rx_len, n, "%zu of %zu bytes came", sim->rx_len, n);
    memcpy(out, sim->rx, n);
    memmove(sim->rx, sim->rx + n, sim->rx_len - n + 1);
    sim->rx_len -= n;
}

void host_tls_broker_start(struct mosquitto_process *broker, const char *cert, const char *key, bool mutual)
{
    char certfile[CERT_PATH_MAX], keyfile[CERT_PATH_MAX], cafile[CERT_PATH_MAX];
    snprintf(certfile, sizeof certfile, "%s", test_cert_path(cert));
    snprintf(keyfile, sizeof keyfile, "%s", test_cert_path(key));
    snprintf(cafile, sizeof cafile, "%s", test_cert_path("ca.pem"));
    struct mqproc_tls tls = {.cafile = cafile, .certfile = certfile, .keyfile = keyfile,
                             .require_certificate = mutual};
    cr_assert_eq(mqproc_start_tls(broker, NULL, NULL, NULL, &tls), 0, "mosquitto did not start with TLS");
}
