/* Test support: one sim7600-sim process and one loopback HTTP(S) server per
 * test, for the module's HTTP client end to end (test_sim_http.c,
 * test_sim_https.c). Include it once, in a Criterion test file; `sim` and
 * `srv` are that file's, stopped by http_fixture_stop (the suite's .fini). */
#ifndef TEST_HTTP_FIXTURE_H
#define TEST_HTTP_FIXTURE_H

#include "http_drive.h"

static struct sim_process sim;
static struct http_server srv;

static inline void http_fixture_stop(void)
{
    simproc_stop(&sim);
    http_server_stop(&srv);
}

static inline void expect(const char *text) { host_expect(&sim, text); }
static inline void send_expect(const char *cmd, const char *text) { host_send_expect(&sim, cmd, text); }

#endif
