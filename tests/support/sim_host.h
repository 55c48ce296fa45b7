/* Test support: an integration test playing the host of a real sim7600-sim
 * process (harness/sim_process.h) over its pty, as firmware does, and a test
 * mosquitto with a TLS listener serving the test certificates. Each call
 * asserts with Criterion and waits a bounded time (SIMPROC_DEFAULT_TIMEOUT_MS
 * unless it takes its own). */
#ifndef TEST_SIM_HOST_H
#define TEST_SIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mosquitto_process.h"
#include "sim_process.h"

/* sim7600-sim started with `args` (after "--baud 0"), its pty open, echo off. */
void host_start(struct sim_process *sim, const char *const *args);
/* A simulator standing in for a bench module that has been powered a while,
 * for the runner's --target: started with `args` (may be NULL), its pty
 * opened once (the first open powers it on) until PB DONE, then closed. */
void host_start_bench(struct sim_process *sim, const char *const *args);
/* host_start of a warm module whose MQTT broker is 127.0.0.1:port. */
void host_start_broker(struct sim_process *sim, int port);

/* `text` comes within ms; consumed up to its end. */
void host_expect_within(struct sim_process *sim, const char *text, int ms);
void host_expect(struct sim_process *sim, const char *text);
/* `cmd` written, then host_expect(answer). */
void host_send_expect(struct sim_process *sim, const char *cmd, const char *answer);
/* Exactly n bytes of what the module said, binary as they are. */
void host_take_exact(struct sim_process *sim, uint8_t *out, size_t n);

/* mosquitto with a TLS listener serving the test set's `cert` and `key`;
 * `mutual`: it wants a client certificate of the test CA. */
void host_tls_broker_start(struct mosquitto_process *broker, const char *cert, const char *key, bool mutual);

#endif
