/* Bring-up against a scripted module: what the caller sees. */
#include <criterion/criterion.h>
#include <string.h>

#include "fake_port.h"

static struct fake_dev fd;

static void setup(void)
{
    fake_dev_init(&fd);
}

TestSuite(bringup, .init = setup);

Test(bringup, cold_module_reaches_net_ready)
{
    static const struct fake_step s[] = {FAKE_BRINGUP};
    cr_assert_eq(fake_dev_start(&fd), SIM7600_OK);
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    cr_assert_eq(sim7600_bringup(&fd.dev), SIM7600_OK, "%s", fd.fp.error);
    cr_assert(fake_port_done(&fd.fp), "%s", fd.fp.error);
    cr_assert_eq(sim7600_get_state(&fd.dev), SIM7600_STATE_NET_READY);
    cr_assert_eq(fd.dev.health.rssi, 20);
}

Test(bringup, echo_before_ate0_is_skipped)
{
    static const struct fake_step s[] = {
        {"AT\r", "AT\r\r\nOK\r\n", 0},
        {"AT+CSQ\r", "AT+CSQ\r\r\n+CSQ: 20,0\r\n\r\nOK\r\n", 0},
        {"ATE0\r", "ATE0\r\r\nOK\r\n", 0},
        {"AT+CMEE=1\r", FAKE_OK, 0},
        {"AT+CPIN?\r", "\r\n+CPIN: READY\r\n" FAKE_OK, 0},
        {"AT+CSQ\r", "\r\n+CSQ: 20,0\r\n" FAKE_OK, 0},
        {"AT+CREG?\r", "\r\n+CREG: 0,1\r\n" FAKE_OK, 0},
        {"AT+CGREG?\r", "\r\n+CGREG: 0,1\r\n" FAKE_OK, 0},
        {"AT+CEREG?\r", "\r\n+CEREG: 0,1\r\n" FAKE_OK, 0},
        {"AT+CGDCONT=1,\"IP\",\"internet\"\r", FAKE_OK, 0},
    };
    fake_dev_start(&fd);
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    cr_assert_eq(sim7600_bringup(&fd.dev), SIM7600_OK, "%s", fd.fp.error);
}

/* The host was reset in the middle of a command and the module's answer to it
 * is still on the wire: the first AT's OK may be that one. The probe after AT
 * drops it, so every later answer goes to its own command. */
Test(bringup, an_answer_left_by_the_hosts_earlier_life_is_not_taken_for_the_next_commands)
{
    static const struct fake_step s[] = {
        {"AT\r", "\r\nOK\r\n\r\n+CMQTTPUB: 0,0\r\n" FAKE_OK, 0},
        FAKE_SYNC_PROBE,
        FAKE_BRINGUP_SYNCED,
    };
    fake_dev_start(&fd);
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    cr_assert_eq(sim7600_bringup(&fd.dev), SIM7600_OK, "%s", fd.fp.error);
    cr_assert(fake_port_done(&fd.fp), "%s", fd.fp.error);
}

Test(bringup, module_that_never_answers_gives_no_response_after_the_attempts)
{
    uint32_t t0 = fd.fp.now;
    fd.cfg.at_attempts = 4;
    fd.cfg.at_timeout_ms = 500;
    fake_dev_start(&fd);
    fd.fp.silent = true;
    cr_assert_eq(sim7600_bringup(&fd.dev), SIM7600_E_NO_RESPONSE);
    cr_assert_eq(fd.fp.now - t0, 2000, "took %u ms", fd.fp.now - t0);
    cr_assert_str_eq(fake_port_tx(&fd.fp), "AT\rAT\rAT\rAT\r");
}

Test(bringup, module_answering_late_is_found_and_resynchronised)
{
    /* Booting: the first AT is answered only after its timeout; the stale OK
     * must not be taken as the answer to ATE0. */
    static const struct fake_step s[] = {
        {"AT\r", FAKE_OK, 1500},
        {"AT\r", FAKE_OK, 0},
        {"AT+CSQ\r", "\r\n+CSQ: 20,0\r\n" FAKE_OK, 0}, /* the resync probe */
        {"ATE0\r", FAKE_OK, 0},
        {"AT+CMEE=1\r", FAKE_OK, 0},
        {"AT+CPIN?\r", "\r\n+CPIN: READY\r\n" FAKE_OK, 0},
        {"AT+CSQ\r", "\r\n+CSQ: 20,0\r\n" FAKE_OK, 0},
        {"AT+CREG?\r", "\r\n+CREG: 0,1\r\n" FAKE_OK, 0},
        {"AT+CGREG?\r", "\r\n+CGREG: 0,1\r\n" FAKE_OK, 0},
        {"AT+CEREG?\r", "\r\n+CEREG: 0,1\r\n" FAKE_OK, 0},
        {"AT+CGDCONT=1,\"IP\",\"internet\"\r", FAKE_OK, 0},
    };
    fake_dev_start(&fd);
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    cr_assert_eq(sim7600_bringup(&fd.dev), SIM7600_OK, "%s / %s", fd.fp.error, fd.log);
    cr_assert(fake_port_done(&fd.fp), "%s", fd.fp.error);
}

Test(bringup, missing_sim_is_named)
{
    static const struct fake_step s[] = {
        FAKE_SYNC,
        {"ATE0\r", FAKE_OK, 0},
        {"AT+CMEE=1\r", FAKE_OK, 0},
        {"AT+CPIN?\r", "\r\n+CME ERROR: 10\r\n", 0},
    };
    int st;
    fake_dev_start(&fd);
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    st = sim7600_bringup(&fd.dev);
    cr_assert_eq(st, SIM7600_E_CME_SIM_NOT_INSERTED);
    cr_assert_str_eq(sim7600_strerror(st), "+CME ERROR 10: SIM not inserted");
    cr_assert_eq(sim7600_status_module_code(st), 10);
    cr_assert_str_eq(sim7600_last_step(&fd.dev), "AT+CPIN?");
}

Test(bringup, sim_pin_is_reported)
{
    static const struct fake_step s[] = {
        FAKE_SYNC,
        {"ATE0\r", FAKE_OK, 0},
        {"AT+CMEE=1\r", FAKE_OK, 0},
        {"AT+CPIN?\r", "\r\n+CPIN: SIM PIN\r\n" FAKE_OK, 0},
    };
    fake_dev_start(&fd);
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    cr_assert_eq(sim7600_bringup(&fd.dev), SIM7600_E_SIM_LOCKED);
}

Test(bringup, registration_is_awaited_and_a_urc_ends_the_wait_early)
{
    static const struct fake_step s[] = {
        FAKE_SYNC,
        {"ATE0\r", FAKE_OK, 0},
        {"AT+CMEE=1\r", FAKE_OK, 0},
        {"AT+CPIN?\r", "\r\n+CPIN: READY\r\n" FAKE_OK, 0},
        {"AT+CSQ\r", "\r\n+CSQ: 20,0\r\n" FAKE_OK, 0},
        {"AT+CREG?\r", "\r\n+CREG: 0,2\r\n" FAKE_OK, 0},
        {"AT+CGREG?\r", "\r\n+CGREG: 0,2\r\n" FAKE_OK, 0},
        {"AT+CEREG?\r", "\r\nERROR\r\n", 0},
        {NULL, "\r\n+CGREG: 1\r\n", 300},
        {"AT+CREG?\r", "\r\n+CREG: 0,1\r\n" FAKE_OK, 0},
        {"AT+CGREG?\r", "\r\n+CGREG: 0,1\r\n" FAKE_OK, 0},
        {"AT+CEREG?\r", "\r\nERROR\r\n", 0},
        {"AT+CGDCONT=1,\"IP\",\"internet\"\r", FAKE_OK, 0},
    };
    uint32_t t0 = fd.fp.now;
    fd.cfg.reg_poll_ms = 5000;
    fake_dev_start(&fd);
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    cr_assert_eq(sim7600_bringup(&fd.dev), SIM7600_OK, "%s", fd.fp.error);
    cr_assert_lt(fd.fp.now - t0, 1000, "waited %u ms instead of reacting to the URC",
                 fd.fp.now - t0);
}

Test(bringup, registration_denied_is_named)
{
    static const struct fake_step s[] = {
        FAKE_SYNC,
        {"ATE0\r", FAKE_OK, 0},
        {"AT+CMEE=1\r", FAKE_OK, 0},
        {"AT+CPIN?\r", "\r\n+CPIN: READY\r\n" FAKE_OK, 0},
        {"AT+CSQ\r", "\r\n+CSQ: 20,0\r\n" FAKE_OK, 0},
        {"AT+CREG?\r", "\r\n+CREG: 0,3\r\n" FAKE_OK, 0},
        {"AT+CGREG?\r", "\r\n+CGREG: 0,3\r\n" FAKE_OK, 0},
        {"AT+CEREG?\r", "\r\n+CEREG: 0,3\r\n" FAKE_OK, 0},
    };
    fake_dev_start(&fd);
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    cr_assert_eq(sim7600_bringup(&fd.dev), SIM7600_E_REG_DENIED);
}

Test(bringup, apn_credentials_in_manual_order_and_never_logged)
{
    static const struct fake_step s[] = {
        FAKE_SYNC,
        {"ATE0\r", FAKE_OK, 0},
        {"AT+CMEE=1\r", FAKE_OK, 0},
        {"AT+CPIN?\r", "\r\n+CPIN: READY\r\n" FAKE_OK, 0},
        {"AT+CSQ\r", "\r\n+CSQ: 20,0\r\n" FAKE_OK, 0},
        {"AT+CREG?\r", "\r\n+CREG: 0,1\r\n" FAKE_OK, 0},
        {"AT+CGREG?\r", "\r\n+CGREG: 0,1\r\n" FAKE_OK, 0},
        {"AT+CEREG?\r", "\r\n+CEREG: 0,1\r\n" FAKE_OK, 0},
        {"AT+CGDCONT=1,\"IP\",\"internet\"\r", FAKE_OK, 0},
        {"AT+CGAUTH=1,1,\"s3cret\",\"bob\"\r", "\r\nERROR\r\n", 0},
    };
    fd.cfg.apn_user = "bob";
    fd.cfg.apn_pass = "s3cret";
    fake_dev_start(&fd);
    fake_port_script(&fd.fp, FAKE_STEPS(s));
    cr_assert_eq(sim7600_bringup(&fd.dev), SIM7600_E_ERROR, "%s", fd.fp.error);
    cr_assert(fake_port_done(&fd.fp), "%s", fd.fp.error);
    cr_assert_null(strstr(fd.log, "s3cret"), "password in the log: %s", fd.log);
    cr_assert_not_null(strstr(fd.log, "credentials"), "the failure should be logged: %s", fd.log);
}

Test(bringup, config_without_buffers_is_refused)
{
    fd.cfg.line_buf = NULL;
    cr_assert_eq(fake_dev_start(&fd), SIM7600_E_PARAM);
}
