/* The boot timeline (sim/boot.c) on a fake clock: deaf until RDY, SIM busy
 * until +CPIN: READY, then SMS DONE, PB DONE and registration; in both
 * latency profiles, after power-on, AT+CRESET, AT+CFUN=1,1 and a control
 * reboot; and never RDY before a host that opened the port could set it up. */
#include <criterion/criterion.h>
#include <string.h>

#include "module_models.h"
#include "sim.h"
#include "sim_fixture.h"

/* The fast timeline (boot.c): RDY 100 ms after power-on, and no sooner than
 * 100 ms after a host opened the port; +CPIN: READY 50 ms later, SMS DONE and
 * PB DONE 10 ms apart, registered just before PB DONE (a host that waits for
 * PB DONE finds the module registered). */
#define FAST_RDY_MS 100
#define FAST_SIM_MS 50
#define FAST_STEP_MS 10
#define HOST_GRACE_MS 100
/* The realistic one (findings §20): 16 s to RDY after power-on, 10 s after a
 * reset; registered 2 s after +CPIN: READY, while the phonebook still loads. */
#define REAL_RDY_MS 16000
#define REAL_RESET_RDY_MS 10000
#define REAL_SIM_MS 1000
#define REAL_SMS_MS 100
#define REAL_PB_MS 3000
#define REAL_REG_MS 2000

#define BOOT_LINES "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n"


static void create(enum sim_profile profile, enum sim_latency latency, bool sim_present, bool at_open)
{
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = 0;
    cfg.profile = profile;
    cfg.latency = latency;
    cfg.sim_present = sim_present;
    cfg.power_on_at_open = at_open;
    drive.now_us = 1000000;
    drive.sim = sim_create(&cfg, drive.now_us);
    cr_assert_not_null(drive.sim);
}


static bool state_has(const char *fragment)
{
    return strstr(ctl("state"), fragment) != NULL;
}

/* Runs the fast timeline from now (a power-on or reset just began) and checks each line's moment. */
static void expect_fast_boot(void)
{
    cr_assert_str_eq(advance(FAST_RDY_MS - 1), "", "the UART is not up yet");
    cr_assert_str_eq(advance(1), "\r\nRDY\r\n");
    cr_assert_str_eq(advance(FAST_SIM_MS - 1), "");
    cr_assert_str_eq(advance(1), "\r\n+CPIN: READY\r\n");
    cr_assert_str_eq(advance(FAST_STEP_MS), "\r\nSMS DONE\r\n");
    cr_assert(state_has("\"power\":\"booting\",") && state_has("\"reg\":2,"), "searching, not registered yet: %s",
              ctl("state"));
    cr_assert_str_eq(advance(FAST_STEP_MS), "\r\nPB DONE\r\n");
    cr_assert(state_has("\"power\":\"on\",") && state_has("\"reg\":1,"), "%s", ctl("state"));
}

TestSuite(boot_fast, .fini = sim_fixture_teardown);

Test(boot_fast, a_cold_module_prints_each_boot_line_at_its_moment_framed_as_a_urc)
{
    create(SIM_PROFILE_COLD, SIM_LATENCY_FAST, true, false);
    cr_assert(state_has("\"power\":\"booting\""), "%s", ctl("state"));
    expect_fast_boot();
    cr_assert_str_eq(advance(1000), "", "the boot lines come once");
}

Test(boot_fast, a_deaf_module_drops_what_it_hears_without_echo_or_a_late_answer)
{
    create(SIM_PROFILE_COLD, SIM_LATENCY_FAST, true, false);
    cr_assert_str_eq(io_now("AT\r"), "");
    cr_assert_str_eq(io_now("ATE0\r"), "");
    cr_assert_str_eq(advance(FAST_RDY_MS + FAST_SIM_MS + 2 * FAST_STEP_MS), BOOT_LINES,
                     "what the deaf module heard is lost, not answered later");
    cr_assert_str_eq(io_now("AT\r"), "AT\r\r\nOK\r\n", "echo still on: ATE0 never reached it");
}

Test(boot_fast, before_the_sim_is_ready_at_answers_and_what_reads_the_sim_is_busy)
{
    create(SIM_PROFILE_COLD, SIM_LATENCY_FAST, true, false);
    cr_assert_str_eq(advance(FAST_RDY_MS), "\r\nRDY\r\n");
    cr_assert_str_eq(io_now("ATE0\r"), "ATE0\r\r\nOK\r\n");
    const struct { const char *send, *answer; } x[] = {
        {"AT\r", "\r\nOK\r\n"},
        {"AT+CPIN?\r", "\r\n+CME ERROR: SIM busy\r\n"},        /* CMEE 2 at power-on */
        {"AT+CIMI\r", "\r\n+CME ERROR: SIM busy\r\n"},
        {"AT+CICCID\r", "\r\n+CME ERROR: SIM busy\r\n"},
        {"AT+CPIN=?\r", "\r\nOK\r\n"},                          /* the syntax needs no SIM */
        {"AT+CMEE=1\r", "\r\nOK\r\n"},
        {"AT+CPIN?\r", "\r\n+CME ERROR: 14\r\n"},
        {"AT+CMEE=0\r", "\r\nOK\r\n"},
        {"AT+CPIN?\r", "\r\nERROR\r\n"},
        {"AT+CPIN=\"1\",\"2\",\"3\"\r", "\r\nERROR\r\n"},         /* a syntax error stays one */
        {"AT+CSQ\r", "\r\n+CSQ: 23,0\r\n\r\nOK\r\n"},
        {"AT+CREG?\r", "\r\n+CREG: 0,0\r\n\r\nOK\r\n"},         /* not registered before the SIM */
    };
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        cr_assert_str_eq(io_now(x[i].send), x[i].answer, "the answer to %s", x[i].send);
    cr_assert_str_eq(advance(FAST_SIM_MS), "\r\n+CPIN: READY\r\n");
    cr_assert_str_eq(io_now("AT+CPIN?\r"), "\r\n+CPIN: READY\r\n\r\nOK\r\n");
    cr_assert_str_eq(io_now("AT+CIMI\r"), "\r\n234150000000017\r\n\r\nOK\r\n");
}

/* With its SIM read, the booting module looks for the network: "searching" (2)
 * until the attach, not "not searching" (0) as before it or with the radio off. */
Test(boot_fast, the_module_searches_for_the_network_from_the_sim_to_the_attach)
{
    create(SIM_PROFILE_COLD, SIM_LATENCY_FAST, true, false);
    advance(FAST_RDY_MS);
    cr_assert_str_eq(io_now("AT+CREG?\r"), "AT+CREG?\r\r\n+CREG: 0,0\r\n\r\nOK\r\n");
    cr_assert_str_eq(advance(FAST_SIM_MS), "\r\n+CPIN: READY\r\n");
    cr_assert_str_eq(io_now("AT+CEREG?\r"), "AT+CEREG?\r\r\n+CEREG: 0,2\r\n\r\nOK\r\n");
    advance(2 * FAST_STEP_MS);
    cr_assert_str_eq(io_now("AT+CEREG?\r"), "AT+CEREG?\r\r\n+CEREG: 0,1\r\n\r\nOK\r\n");
}

/* An A76xx says its UART is up with its own line (findings §22). */
Test(boot_fast, an_a7670e_says_atready_where_a_sim7600_says_rdy)
{
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = 0;
    cfg.model = module_model_find("A7670E");
    cr_assert_not_null(cfg.model);
    sim_drive_start(&drive, &cfg);
    cr_assert_str_eq(advance(FAST_RDY_MS), "\r\n*ATREADY: 1\r\n");
    cr_assert_str_eq(advance(FAST_SIM_MS), "\r\n+CPIN: READY\r\n");
}

Test(boot_fast, registration_is_reported_by_the_time_pb_done_comes)
{
    create(SIM_PROFILE_COLD, SIM_LATENCY_FAST, true, false);
    advance(FAST_RDY_MS);
    cr_assert_str_eq(io_now("ATE0;+CREG=1\r"), "ATE0;+CREG=1\r\r\nOK\r\n");
    cr_assert_str_eq(advance(FAST_SIM_MS + 2 * FAST_STEP_MS),
                     "\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\n+CREG: 1\r\n\r\nPB DONE\r\n");
    cr_assert_str_eq(io_now("AT+CREG?\r"), "\r\n+CREG: 1,1\r\n\r\nOK\r\n");
}

Test(boot_fast, without_a_sim_the_boot_ends_at_sim_removed)
{
    create(SIM_PROFILE_COLD, SIM_LATENCY_FAST, false, false);
    cr_assert_str_eq(advance(FAST_RDY_MS), "\r\nRDY\r\n");
    cr_assert_str_eq(io_now("AT+CPIN?\r"), "AT+CPIN?\r\r\n+CME ERROR: SIM busy\r\n", "it does not know yet");
    cr_assert_str_eq(advance(FAST_SIM_MS), "\r\n+CPIN: SIM REMOVED\r\n");
    cr_assert_str_eq(advance(1000), "", "no SMS or phonebook to load");
    cr_assert(state_has("\"power\":\"on\""), "%s", ctl("state"));
    cr_assert_str_eq(io_now("AT+CPIN?\r"), "AT+CPIN?\r\r\n+CME ERROR: SIM not inserted\r\n");
}

Test(boot_fast, creset_cfun_1_1_and_a_control_reboot_each_run_the_timeline)
{
    create(SIM_PROFILE_COLD, SIM_LATENCY_FAST, true, false);
    advance(1000);
    cr_assert_str_eq(io_now("AT+CRESET\r"), "AT+CRESET\r\r\nOK\r\n");
    cr_assert_str_eq(io_now("AT\r"), "", "deaf after the reset");
    expect_fast_boot();
    cr_assert_str_eq(io_now("AT+CFUN=1,1\r"), "AT+CFUN=1,1\r\r\nOK\r\n");
    cr_assert_str_eq(io_now("AT\r"), "");
    expect_fast_boot();
    cr_assert_str_eq(ctl("reboot"), "OK rebooting");
    cr_assert_str_eq(io_now("AT\r"), "");
    expect_fast_boot();
    cr_assert(state_has("\"boots\":4"), "%s", ctl("state"));
}

Test(boot_fast, a_warm_module_has_no_boot)
{
    create(SIM_PROFILE_WARM, SIM_LATENCY_FAST, true, false);
    cr_assert_str_eq(io_now("AT+CPIN?\r"), "AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n");
    cr_assert_str_eq(advance(1000), "");
}

/* sim7600-sim's module: off until the port is first opened. */
TestSuite(boot_at_open, .fini = sim_fixture_teardown);

Test(boot_at_open, the_module_powers_on_when_a_host_first_opens_the_port)
{
    create(SIM_PROFILE_COLD, SIM_LATENCY_FAST, true, true);
    cr_assert_str_eq(advance(60000), "", "nobody opened the port: nothing happens");
    cr_assert(state_has("\"power\":\"off\""), "%s", ctl("state"));
    sim_set_host_attached(drive.sim, true, drive.now_us);
    expect_fast_boot();
    sim_set_host_attached(drive.sim, false, drive.now_us);
    sim_set_host_attached(drive.sim, true, drive.now_us);
    cr_assert_str_eq(advance(1000), "", "a host that opens it again meets the module already up");
    cr_assert_str_eq(io_now("AT\r"), "AT\r\r\nOK\r\n");
}

Test(boot_at_open, a_host_that_opens_during_a_reboot_gets_time_to_set_the_port_up_before_rdy)
{
    create(SIM_PROFILE_COLD, SIM_LATENCY_FAST, true, false);
    advance(1000);
    sim_set_host_attached(drive.sim, false, drive.now_us);
    ctl("reboot");
    advance(FAST_RDY_MS - 10);
    sim_set_host_attached(drive.sim, true, drive.now_us);
    cr_assert_str_eq(advance(HOST_GRACE_MS - 1), "", "RDY waits for the host that just opened");
    cr_assert_str_eq(advance(1), "\r\nRDY\r\n");
}

/* AT+CPOF switches the module off for good: a host opening the port again does
 * not power it on (that is for the first open of a new simulator); reboot does. */
Test(boot_at_open, a_module_switched_off_stays_off_when_the_port_is_opened_again)
{
    create(SIM_PROFILE_COLD, SIM_LATENCY_FAST, true, true);
    sim_set_host_attached(drive.sim, true, drive.now_us);
    expect_fast_boot();
    cr_assert_str_eq(io_now("AT+CPOF\r"), "AT+CPOF\r\r\nOK\r\n");
    sim_set_host_attached(drive.sim, false, drive.now_us);
    sim_set_host_attached(drive.sim, true, drive.now_us);
    cr_assert_str_eq(advance(60000), "", "opening the port is no power key");
    cr_assert(state_has("\"power\":\"off\""), "%s", ctl("state"));
    ctl("reboot");
    expect_fast_boot();
}

Test(boot_at_open, a_boot_nobody_listens_to_is_lost_but_the_module_comes_up)
{
    create(SIM_PROFILE_COLD, SIM_LATENCY_FAST, true, false);
    advance(1000);
    sim_set_host_attached(drive.sim, false, drive.now_us);
    ctl("reboot");
    advance(1000);
    sim_set_host_attached(drive.sim, true, drive.now_us);
    cr_assert_str_eq(advance(1000), "", "the boot lines went out while nobody listened");
    cr_assert_str_eq(io_now("AT\r"), "AT\r\r\nOK\r\n");
}

TestSuite(boot_realistic, .fini = sim_fixture_teardown);

Test(boot_realistic, the_timeline_takes_the_time_of_a_real_module)
{
    create(SIM_PROFILE_COLD, SIM_LATENCY_REALISTIC, true, false);
    cr_assert_str_eq(advance(REAL_RDY_MS - 1), "");
    cr_assert_str_eq(io_now("AT\r"), "", "deaf for seconds");
    cr_assert_str_eq(advance(1), "\r\nRDY\r\n");
    cr_assert_str_eq(io_now("AT+CPIN?\r"), "AT+CPIN?\r\r\n+CME ERROR: SIM busy\r\n");
    cr_assert_str_eq(advance(REAL_SIM_MS - 1), "");
    cr_assert_str_eq(advance(1), "\r\n+CPIN: READY\r\n");
    cr_assert_str_eq(advance(REAL_SMS_MS), "\r\nSMS DONE\r\n");
    cr_assert_str_eq(advance(REAL_REG_MS - REAL_SMS_MS - 1), "");
    cr_assert(state_has("\"power\":\"booting\",") && state_has("\"reg\":2,"), "searching, not registered yet: %s",
              ctl("state"));
    advance(1);
    cr_assert(state_has("\"power\":\"on\",") && state_has("\"reg\":1,"), "not registered: %s", ctl("state"));
    cr_assert_str_eq(advance(REAL_SMS_MS + REAL_PB_MS - REAL_REG_MS), "\r\nPB DONE\r\n",
                     "the phonebook loads beside the attach");
}

Test(boot_realistic, a_reset_is_quicker_than_a_power_on)
{
    create(SIM_PROFILE_COLD, SIM_LATENCY_REALISTIC, true, false);
    advance(REAL_RDY_MS + REAL_SIM_MS + REAL_SMS_MS + REAL_PB_MS);
    cr_assert_str_eq(io_now("AT+CRESET\r"), "AT+CRESET\r\r\nOK\r\n");
    cr_assert_str_eq(advance(REAL_RESET_RDY_MS - 1), "");
    cr_assert_str_eq(advance(1), "\r\nRDY\r\n");
    cr_assert_str_eq(ctl("reboot"), "OK rebooting");
    cr_assert_str_eq(advance(REAL_RESET_RDY_MS), "", "a control reboot is a power cycle");
    cr_assert_str_eq(advance(REAL_RDY_MS - REAL_RESET_RDY_MS), "\r\nRDY\r\n");
}
