/* The module reads command lines as V.250 says and as firmware in the field
 * writes them: spaces around forms and parameters, and the optional trailing
 * parameters later firmware added (findings §24). */
#include <criterion/criterion.h>
#include <string.h>

#include "sim.h"
#include "sim_fixture.h"

static void warm_quiet(void)
{
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = 0;
    cfg.profile = SIM_PROFILE_WARM;     /* MQTT started, client 0 acquired */
    sim_drive_start(&drive, &cfg);
    sim_drive_io(&drive, "ATE0\r");
}

static void check(const char *send, const char *answer)
{
    cr_assert_str_eq(io(send), answer, "the answer to %s", send);
}

TestSuite(parsing, .init = warm_quiet, .fini = sim_fixture_teardown);

Test(parsing, spaces_around_the_form_are_ignored)
{
    check("AT+CREG ?\r", "\r\n+CREG: 0,1\r\n\r\nOK\r\n");
    check("AT+CSQ \r", "\r\n+CSQ: 23,0\r\n\r\nOK\r\n");
    check("AT+CMEE = ?\r", "\r\n+CMEE: (0-2)\r\n\r\nOK\r\n");
    check("AT+CMEE =1\r", "\r\nOK\r\n");
    check("AT+CMEE?\r", "\r\n+CMEE: 1\r\n\r\nOK\r\n");
    check("AT+CSQ X\r", "\r\nERROR\r\n");             /* a word after the name is still junk */
}

Test(parsing, spaces_after_commas_are_ignored)
{
    check("AT+CMQTTREL=0\r", "\r\nOK\r\n");
    check("AT+CMQTTACCQ=0, \"dev 1\" , 0\r", "\r\nOK\r\n");
    check("AT+CMQTTACCQ?\r", "\r\n+CMQTTACCQ: 0,\"dev 1\",0\r\n+CMQTTACCQ: 1,\"\",0\r\n\r\nOK\r\n");
}

/* Firmware that asks for MQTT 3.1.1 sends a fourth parameter, 3 or 4. */
Test(parsing, the_acquire_command_takes_an_mqtt_version)
{
    check("AT+CMQTTACCQ=?\r", "\r\n+CMQTTACCQ: (0-1),(1-23),(0-1),(3-4)\r\n\r\nOK\r\n");
    check("AT+CMQTTACCQ=1,\"v311\",0,4\r", "\r\nOK\r\n");
    check("AT+CMQTTREL=1\r", "\r\nOK\r\n");
    check("AT+CMQTTACCQ=1,\"v31\",0,3\r", "\r\nOK\r\n");
    check("AT+CMQTTREL=1\r", "\r\nOK\r\n");
    check("AT+CMQTTACCQ=1,\"v5\",0,5\r", "\r\n+CMQTTACCQ: 1,12\r\n\r\nERROR\r\n");
    check("AT+CMQTTACCQ=1,\"x\",0,4,1\r", "\r\nERROR\r\n");
}
