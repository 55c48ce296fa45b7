/* Test support: one simulator core per test file, driven through short
 * names, and the table of exchanges most model tests are written as.
 * Include it once, in a Criterion test file; `drive` is that file's. */
#ifndef TEST_SIM_FIXTURE_H
#define TEST_SIM_FIXTURE_H

#include <criterion/criterion.h>
#include <string.h>

#include "sim_drive.h"

static struct sim_drive drive;

/* Runs the clock forward and collects everything the module says meanwhile. */
static inline const char *advance(uint64_t ms)
{
    return sim_drive_advance(&drive, ms);
}

/* Bytes to the module, then the clock run by `ms`: what it answered. */
static inline const char *io_bytes_after(const void *data, size_t n, uint64_t ms)
{
    sim_input(drive.sim, data, n, drive.now_us);
    return advance(ms);
}

static inline const char *io_bytes(const void *data, size_t n) { return io_bytes_after(data, n, 1); }
static inline const char *io(const char *text) { return io_bytes(text, strlen(text)); }
/* The answer at the same instant: for tests of exact moments. */
static inline const char *io_now(const char *text) { return io_bytes_after(text, strlen(text), 0); }
static inline const char *ctl(const char *line) { return sim_drive_control(&drive, line); }
static inline void sim_fixture_teardown(void) { sim_drive_free(&drive); }

/* A fast boot (boot.c) is over well within this: RDY after 100 ms, PB DONE 70 ms later. */
#define SIM_FIXTURE_BOOT_MS 500
#define SIM_FIXTURE_DATA_TIMEOUT_MS 500   /* a data phase's silence bound: short, for tests */

/* A module on the default profile, unpaced, powered but not yet booted:
 * the moment to hand it a network or a link before anything runs. */
static inline void sim_fixture_start(void)
{
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = 0;
    cfg.data_timeout_ms = SIM_FIXTURE_DATA_TIMEOUT_MS;
    sim_drive_start(&drive, &cfg);
    cr_assert_not_null(drive.sim);
}

/* Lets sim_fixture_start's module boot, then turns its echo off. */
static inline void sim_fixture_boot(void)
{
    advance(SIM_FIXTURE_BOOT_MS);
    io("ATE0\r");
}

/* Each line sent, and exactly what the module answers, in order. */
struct exchange {
    const char *send, *answer;
};

/* The bytes with CR and LF made visible, for a failure message. */
static inline const char *visible(const char *text, char *buf, size_t cap)
{
    size_t n = 0;
    for (; *text && n + 3 < cap; text++) {
        if (*text == '\r' || *text == '\n') {
            buf[n++] = '\\';
            buf[n++] = *text == '\r' ? 'r' : 'n';
        } else {
            buf[n++] = *text;
        }
    }
    buf[n] = '\0';
    return buf;
}

static inline void assert_exchanges(const struct exchange *x, size_t n)
{
    char got[512], want[512];
    for (size_t i = 0; i < n; i++) {
        const char *answer = io(x[i].send);
        cr_assert_str_eq(answer, x[i].answer, "the answer to %s: got \"%s\", want \"%s\"", x[i].send,
                         visible(answer, got, sizeof got), visible(x[i].answer, want, sizeof want));
    }
}

#define ASSERT_EXCHANGES(x) assert_exchanges(x, sizeof x / sizeof x[0])
#define EXCHANGES(...) do { \
        static const struct exchange x_[] = {__VA_ARGS__}; \
        assert_exchanges(x_, sizeof x_ / sizeof x_[0]); \
    } while (0)

#endif
