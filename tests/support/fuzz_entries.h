/* Fuzz entry points: one per input surface, each taking arbitrary bytes.
 *
 * They live in the test support library, not in the libFuzzer mains, so the
 * same code runs two ways: under libFuzzer (tests/fuzz/fuzz_<target>.c, built
 * by `make fuzz` with clang) and in the Criterion test
 * tests/unit/test_fuzz_regressions.c, which replays the seed corpus and every
 * input that once crashed (so `make test` and `make check` keep them fixed
 * without clang). A finding is a crash: a sanitizer report or an abort() on a
 * broken invariant. Each returns 0, as libFuzzer wants. */
#ifndef FUZZ_ENTRIES_H
#define FUZZ_ENTRIES_H

#include <stddef.h>
#include <stdint.h>

/* sim/at_cmdline.h: one command line (the bytes before <CR>) split into
 * commands, each WRITE form's arguments split into parameters. */
int fuzz_at_cmdline(const uint8_t *data, size_t size);

/* sim/sim.h: the simulated module fed host bytes (lines, `>` data phases,
 * garbage), with its clock running between lines so asynchronous results,
 * data-phase timeouts and +CMQTTRX deliveries happen too. */
int fuzz_sim(const uint8_t *data, size_t size);

/* driver/include/at_engine.h: the engine fed module output while a command
 * chosen by the first byte is pending; the second byte sets the read size. */
int fuzz_at_engine(const uint8_t *data, size_t size);

/* driver/include/sim7600.h: the whole driver core on a fake port whose module
 * answers each command with the next piece of the input (pieces separated by
 * FUZZ_DRIVER_SEP): bring-up, connect, subscribe, publish, poll, disconnect. */
#define FUZZ_DRIVER_SEP "\n~~\n"
int fuzz_driver(const uint8_t *data, size_t size);

/* tools/hil/scenario/scenario.h: scn_parse_buffer on the bytes as a scenario file. */
int fuzz_scenario(const uint8_t *data, size_t size);

/* tools/hil/capture/log_import.h: the bytes as a log, detected and in every forced
 * format; whatever imports must write a capture the replayer loads and a
 * scenario the scenario parser accepts. */
int fuzz_log_import(const uint8_t *data, size_t size);

/* sim/sim.h sim_control: the control protocol (README "Control socket") fed
 * the input's lines (split at \n) on a running module; a line starting with
 * '>' is host bytes for the pty instead, one starting with '~' lets the next
 * timer run out. Every reply must be one OK/ERR line of bounded length, and
 * at the end, rules cleared and rebooted, the module must answer AT with OK. */
int fuzz_control(const uint8_t *data, size_t size);

/* The targets by name, for the regression test and the mains. */
struct fuzz_target {
    const char *name;
    int (*fn)(const uint8_t *data, size_t size);
};
extern const struct fuzz_target fuzz_targets[];
extern const size_t fuzz_n_targets;

#endif
