/* The boot timeline as a host program on a real pty sees it (issue 14, fault
 * 5): the module powers on when the port is first opened, so a host that
 * opens it, flushes it (pyserial, tty.setraw and libserialport do) and polls
 * AT sees RDY, +CPIN: READY, SMS DONE and PB DONE, then OK. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>

#include "sim_process.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define AT_POLL_MS 200            /* a host polling AT every 100-500 ms */
#define DEAF_WINDOW_MS 300        /* a realistic boot is deaf for seconds: this much is enough to see it */

static struct sim_process sim;

static void stop(void)
{
    simproc_stop(&sim);
    unsetenv("SIM7600_SIM_NO_INOTIFY");
}

/* Opens the port as pyserial does: raw, then every byte in either direction flushed. */
static void open_and_flush(void)
{
    cr_assert_eq(simproc_open(&sim), 0, "cannot open %s", sim.pty_path);
    cr_assert_eq(tcflush(sim.fd, TCIOFLUSH), 0);
}

/* Polls AT until PB DONE and an OK came (bounded); returns all the module said. */
static const char *poll_at_until_booted(void)
{
    long long end = test_now_ms() + T;
    const char *said = simproc_pending(&sim);
    while (test_now_ms() < end && !(strstr(said, "PB DONE\r\n") && strstr(said, "\r\nOK\r\n"))) {
        simproc_send(&sim, "AT\r");
        simproc_gather_for(&sim, AT_POLL_MS);
        said = simproc_pending(&sim);
    }
    return said;
}

static void assert_boot_then_ok(const char *said)
{
    static const char *const lines[] = {"\r\nRDY\r\n", "\r\n+CPIN: READY\r\n", "\r\nSMS DONE\r\n", "\r\nPB DONE\r\n"};
    const char *at = said;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        const char *found = strstr(at, lines[i]);
        cr_assert_not_null(found, "no %s after what came before it; the module said: \"%s\"", lines[i], said);
        at = found + strlen(lines[i]);
    }
    cr_assert_not_null(strstr(said, "\r\nOK\r\n"), "no OK to AT; the module said: \"%s\"", said);
}

static void the_flushing_host_sees_the_boot(void)
{
    cr_assert_eq(simproc_start(&sim, NULL), 0, "sim7600-sim did not start");
    open_and_flush();
    assert_boot_then_ok(poll_at_until_booted());
}

TestSuite(boot_pty, .fini = stop);

Test(boot_pty, a_host_that_flushes_the_port_it_opened_then_polls_at_sees_the_whole_boot)
{
    the_flushing_host_sees_the_boot();
}

Test(boot_pty, the_same_when_the_simulator_looks_for_hosts_by_polling)
{
    setenv("SIM7600_SIM_NO_INOTIFY", "1", 1);   /* opens noticed up to 20 ms late */
    the_flushing_host_sees_the_boot();
}

Test(boot_pty, a_host_that_opens_the_port_again_meets_the_module_already_up)
{
    the_flushing_host_sees_the_boot();
    simproc_close_port(&sim);
    simproc_flush(&sim);
    open_and_flush();
    simproc_send(&sim, "AT\r");
    cr_assert(simproc_expect(&sim, "\r\nOK\r\n", T), "no OK at once: \"%s\"", simproc_pending(&sim));
    cr_assert_null(strstr(simproc_pending(&sim), "RDY"));
}

Test(boot_pty, a_control_reboot_replays_the_boot_to_the_host)
{
    the_flushing_host_sees_the_boot();
    simproc_flush(&sim);
    char reply[256];
    cr_assert_eq(simproc_control(&sim, "reboot", reply, sizeof reply), 0, "%s", reply);
    assert_boot_then_ok(poll_at_until_booted());
}

Test(boot_pty, a_realistic_module_is_deaf_for_seconds_after_the_port_opens)
{
    const char *args[] = {"--latency", "realistic", NULL};
    cr_assert_eq(simproc_start(&sim, args), 0, "sim7600-sim did not start");
    open_and_flush();
    simproc_send(&sim, "AT\r");
    cr_assert(simproc_quiet_for(&sim, DEAF_WINDOW_MS), "a booting module answered: \"%s\"", simproc_pending(&sim));
    char reply[8192];
    cr_assert_eq(simproc_control(&sim, "state", reply, sizeof reply), 0, "%s", reply);
    cr_assert_not_null(strstr(reply, "\"power\":\"booting\""), "%s", reply);
}
