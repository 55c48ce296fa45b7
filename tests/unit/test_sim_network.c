/* Network, radio and packet data as a SIM7600 answers them (issue 14;
 * findings §21): every form of CNMP, CNAOP, CNSMOD, CPSI, CSPN, COPS,
 * CREG/CGREG/CEREG, CGEREP, CGACT, CGATT, CGPADDR, and the state they share
 * across commands and with the control socket. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "sim_fixture.h"

#define BOOT_STEP_MS 100
#define BOOT_LIMIT_MS 60000     /* far above any boot the latency profiles allow */


/* A cold module, booted (its banner seen), echo off, nothing else changed. */
static void booted(void)
{
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = 0;
    drive.now_us = 1000000;
    drive.sim = sim_create(&cfg, drive.now_us);
    cr_assert_not_null(drive.sim);
    uint64_t waited = 0;
    while (!strstr(advance(BOOT_STEP_MS), "PB DONE"))
        cr_assert_lt(waited += BOOT_STEP_MS, BOOT_LIMIT_MS, "the module never finished its boot");
    cr_assert_str_eq(io("ATE0\r"), "ATE0\r\r\nOK\r\n");
}



static void assert_control(const char *line, const char *reply_prefix)
{
    const char *r = ctl(line);
    cr_assert(strncmp(r, reply_prefix, strlen(reply_prefix)) == 0, "control '%s' answered '%s'", line, r);
}

#define OK "\r\nOK\r\n"
#define ERROR "\r\nERROR\r\n"
#define CPSI_LTE_23 "\r\n+CPSI: LTE,Online,234-15,0x00C3,169552957,256,EUTRAN-BAND3,1575,5,5,-94,-920,-670,15\r\n" OK

/* ---- radio ------------------------------------------------------------------------- */

TestSuite(radio, .init = booted, .fini = sim_fixture_teardown);

Test(radio, cnmp_answers_every_form_and_keeps_the_mode)
{
    EXCHANGES(
        {"AT+CNMP=?\r", "\r\n+CNMP: (2,9,10,13,14,19,22,38,39,48,51,54,59,60,63,67)\r\n" OK},
        {"AT+CNMP?\r", "\r\n+CNMP: 2\r\n" OK},
        {"AT+CNMP=38\r", OK},
        {"AT+CNMP?\r", "\r\n+CNMP: 38\r\n" OK},
        {"AT+CNMP=99\r", ERROR},            /* a mode the module does not have */
        {"AT+CNMP=\"38\"\r", ERROR},
        {"AT+CNMP=38,1\r", ERROR},
        {"AT+CNMP\r", ERROR},
        {"AT+CNMP?\r", "\r\n+CNMP: 38\r\n" OK},
    );
}

Test(radio, a_mode_without_lte_loses_the_cell_and_automatic_finds_it_again)
{
    EXCHANGES(
        {"AT+CREG=1;+CEREG=1;+CNSMOD=1\r", OK},
        {"AT+CNMP=13\r", "\r\n+CREG: 2\r\n\r\n+CEREG: 2\r\n\r\n+CNSMOD: 0\r\n" OK},
        {"AT+CPSI?\r", "\r\n+CPSI: NO SERVICE,Online\r\n" OK},
        {"AT+CNSMOD?\r", "\r\n+CNSMOD: 1,0\r\n" OK},
        {"AT+COPS?\r", "\r\n+COPS: 0\r\n" OK},
        {"AT+COPS=?\r", "\r\n+COPS: ,,(0-4),(0-2)\r\n" OK},
        {"AT+CGATT?\r", "\r\n+CGATT: 0\r\n" OK},
        {"AT+CGACT?\r", "\r\n+CGACT: 1,0\r\n" OK},
        {"AT+CNMP=2\r", "\r\n+CREG: 1\r\n\r\n+CEREG: 1\r\n\r\n+CNSMOD: 8\r\n" OK},
        {"AT+CPSI?\r", CPSI_LTE_23},
        {"AT+CGACT?\r", "\r\n+CGACT: 1,1\r\n" OK},
    );
}

Test(radio, cnaop_keeps_a_mode_or_an_order)
{
    EXCHANGES(
        {"AT+CNAOP=?\r", "\r\n+CNAOP: (0-2,7)\r\n" OK},
        {"AT+CNAOP?\r", "\r\n+CNAOP: 2\r\n" OK},
        {"AT+CNAOP=0\r", OK},
        {"AT+CNAOP?\r", "\r\n+CNAOP: 0\r\n" OK},
        {"AT+CNAOP=7,9,5,3,11,2,4\r", OK},
        {"AT+CNAOP?\r", "\r\n+CNAOP: 7,9,5,3,11,2,4\r\n" OK},
        {"AT+CNAOP=7\r", ERROR},            /* the order is missing */
        {"AT+CNAOP=1,9\r", ERROR},
        {"AT+CNAOP=5\r", ERROR},
        {"AT+CNAOP\r", ERROR},
        {"AT+CNAOP=1\r", OK},
        {"AT+CNAOP?\r", "\r\n+CNAOP: 1\r\n" OK},
    );
}

Test(radio, cnsmod_reports_the_system_mode_when_asked_to)
{
    EXCHANGES(
        {"AT+CNSMOD=?\r", "\r\n+CNSMOD: (0-1)\r\n" OK},
        {"AT+CNSMOD?\r", "\r\n+CNSMOD: 0,8\r\n" OK},
        {"AT+CNSMOD\r", ERROR},             /* findings §1, S1b */
        {"AT+CNSMOD=2\r", ERROR},
    );
    assert_control("reg 2", "OK");
    cr_assert_str_eq(advance(1), "", "n=0 reports nothing");
    EXCHANGES({"AT+CNSMOD=1\r", OK}, {"AT+CNSMOD?\r", "\r\n+CNSMOD: 1,0\r\n" OK});
    assert_control("reg 1", "OK");
    cr_assert_str_eq(advance(1), "\r\n+CNSMOD: 8\r\n");
    assert_control("reg 5", "OK");
    cr_assert_str_eq(advance(1), "", "roaming is still LTE");
}

Test(radio, cpsi_follows_signal_registration_and_radio)
{
    EXCHANGES(
        {"AT+CPSI=?\r", "\r\n+CPSI: (0-255)\r\n" OK},
        {"AT+CPSI?\r", CPSI_LTE_23},
        {"AT+CPSI=10\r", OK},
        {"AT+CPSI=256\r", ERROR},
        {"AT+CPSI\r", ERROR},
    );
    assert_control("signal 10", "OK");
    EXCHANGES({"AT+CPSI?\r",
               "\r\n+CPSI: LTE,Online,234-15,0x00C3,169552957,256,EUTRAN-BAND3,1575,5,5,-94,-1180,-930,15\r\n" OK});
    assert_control("reg 3", "OK");
    EXCHANGES({"AT+CPSI?\r", "\r\n+CPSI: NO SERVICE,Online\r\n" OK});
    EXCHANGES({"AT+CFUN=4\r", OK}, {"AT+CPSI?\r", "\r\n+CPSI: NO SERVICE,Low Power Mode\r\n" OK});
}

/* ---- operator ---------------------------------------------------------------------- */

TestSuite(oper, .init = booted, .fini = sim_fixture_teardown);

Test(oper, cops_lists_reads_and_selects_the_simulated_operator)
{
    EXCHANGES(
        {"AT+COPS=?\r", "\r\n+COPS: (2,\"Simulated Operator\",\"SIMOP\",\"23415\",7),,(0-4),(0-2)\r\n" OK},
        {"AT+COPS?\r", "\r\n+COPS: 0,0,\"Simulated Operator\",7\r\n" OK},
        {"AT+COPS=1,2,\"23415\"\r", OK},
        {"AT+COPS?\r", "\r\n+COPS: 1,2,\"23415\",7\r\n" OK},
        {"AT+COPS=1,1,\"SIMOP\",7\r", OK},
        {"AT+COPS?\r", "\r\n+COPS: 1,1,\"SIMOP\",7\r\n" OK},
        {"AT+COPS=1,0,\"Other Net\"\r", "\r\n+CME ERROR: no network service\r\n"},
        {"AT+COPS=1,2,\"23415\",2\r", "\r\n+CME ERROR: no network service\r\n"},   /* no UTRAN cell */
        {"AT+COPS?\r", "\r\n+COPS: 1,2,\"23415\",7\r\n" OK},                      /* nothing changed */
        {"AT+COPS=4,0,\"Other Net\"\r", OK},                                       /* falls back */
        {"AT+COPS?\r", "\r\n+COPS: 0,0,\"Simulated Operator\",7\r\n" OK},
        {"AT+COPS=4,1,\"SIMOP\"\r", OK},
        {"AT+COPS?\r", "\r\n+COPS: 1,1,\"SIMOP\",7\r\n" OK},
        {"AT+COPS=0\r", OK},
        {"AT+COPS?\r", "\r\n+COPS: 0,1,\"SIMOP\",7\r\n" OK},
    );
}

Test(oper, cops_2_deregisters_and_0_registers_again)
{
    EXCHANGES(
        {"AT+CGREG=1;+CGEREP=1\r", OK},
        {"AT+COPS=2\r", "\r\n+CGREG: 0\r\n\r\n+CGEV: ME PDN DEACT 1\r\n" OK},
        {"AT+COPS?\r", "\r\n+COPS: 2\r\n" OK},
        {"AT+COPS=?\r", "\r\n+COPS: (1,\"Simulated Operator\",\"SIMOP\",\"23415\",7),,(0-4),(0-2)\r\n" OK},
        {"AT+CGATT?\r", "\r\n+CGATT: 0\r\n" OK},
        {"AT+CPSI?\r", "\r\n+CPSI: NO SERVICE,Online\r\n" OK},
        {"AT+COPS=0\r", "\r\n+CGREG: 1\r\n\r\n+CGEV: ME PDN ACT 1\r\n" OK},
        {"AT+COPS?\r", "\r\n+COPS: 0,0,\"Simulated Operator\",7\r\n" OK},
    );
}

Test(oper, a_denying_network_is_listed_forbidden_and_cannot_be_selected)
{
    assert_control("reg 3", "OK");
    EXCHANGES(
        {"AT+COPS=?\r", "\r\n+COPS: (3,\"Simulated Operator\",\"SIMOP\",\"23415\",7),,(0-4),(0-2)\r\n" OK},
        {"AT+COPS=1,2,\"23415\"\r", "\r\n+CME ERROR: no network service\r\n"},
        {"AT+COPS?\r", "\r\n+COPS: 0\r\n" OK},
    );
}

Test(oper, cops_syntax_errors_are_bare_error)
{
    EXCHANGES(
        {"AT+CMEE=2\r", OK},
        {"AT+COPS=1\r", ERROR},             /* manual selection names no operator */
        {"AT+COPS=1,2\r", ERROR},
        {"AT+COPS=3\r", ERROR},
        {"AT+COPS=3,2,\"23415\"\r", ERROR},
        {"AT+COPS=5\r", ERROR},
        {"AT+COPS=0,3\r", ERROR},
        {"AT+COPS=\"0\"\r", ERROR},
        {"AT+COPS=1,2,\"23415\",x\r", ERROR},
        {"AT+COPS\r", ERROR},
        {"AT+COPS=3,2\r", OK},
        {"AT+COPS?\r", "\r\n+COPS: 0,2,\"23415\",7\r\n" OK},
    );
}

Test(oper, cspn_reads_the_service_provider_name_from_the_sim)
{
    EXCHANGES(
        {"AT+CSPN=?\r", OK},
        {"AT+CSPN?\r", "\r\n+CSPN: \"Simulated Operator\",0\r\n" OK},
        {"AT+CSPN\r", ERROR},
    );
    assert_control("sim remove", "OK");
    advance(1);
    EXCHANGES({"AT+CSPN?\r", "\r\n+CME ERROR: SIM not inserted\r\n"});
}

/* ---- registration ------------------------------------------------------------------ */

TestSuite(registration, .init = booted, .fini = sim_fixture_teardown);

Test(registration, n2_adds_the_location_and_cereg_its_access_technology)
{
    EXCHANGES(
        {"AT+CREG=2;+CGREG=2;+CEREG=2\r", OK},
        {"AT+CREG?\r", "\r\n+CREG: 2,1,\"00C3\",\"0A1B2C3D\"\r\n" OK},
        {"AT+CGREG?\r", "\r\n+CGREG: 2,1,\"00C3\",\"0A1B2C3D\"\r\n" OK},
        {"AT+CEREG?\r", "\r\n+CEREG: 2,1,\"00C3\",\"0A1B2C3D\",7\r\n" OK},
    );
    assert_control("reg 2", "OK");
    cr_assert_str_eq(advance(1), "\r\n+CREG: 2\r\n\r\n+CGREG: 2\r\n\r\n+CEREG: 2\r\n");
    assert_control("reg 5", "OK");
    cr_assert_str_eq(advance(1), "\r\n+CREG: 5,\"00C3\",\"0A1B2C3D\"\r\n\r\n+CGREG: 5,\"00C3\",\"0A1B2C3D\"\r\n"
                                 "\r\n+CEREG: 5,\"00C3\",\"0A1B2C3D\",7\r\n");
    EXCHANGES({"AT+CEREG?\r", "\r\n+CEREG: 2,5,\"00C3\",\"0A1B2C3D\",7\r\n" OK});
}

Test(registration, forms_and_syntax)
{
    EXCHANGES(
        {"AT+CMEE=2\r", OK},
        {"AT+CREG=?\r", "\r\n+CREG: (0-2)\r\n" OK},
        {"AT+CEREG=?\r", "\r\n+CEREG: (0-2)\r\n" OK},
        {"AT+CREG=3\r", ERROR},
        {"AT+CEREG=\"1\"\r", ERROR},
        {"AT+CGREG=1,1\r", ERROR},
        {"AT+CGREG=1\r", OK},
        {"AT+CGREG\r", OK},                 /* the bare command sets n=0 */
        {"AT+CGREG?\r", "\r\n+CGREG: 0,1\r\n" OK},
    );
}

/* ---- packet data -------------------------------------------------------------------- */

TestSuite(packet, .init = booted, .fini = sim_fixture_teardown);

Test(packet, the_default_bearer_is_up_after_attach)
{
    EXCHANGES(
        {"AT+CGATT?\r", "\r\n+CGATT: 1\r\n" OK},
        {"AT+CGACT?\r", "\r\n+CGACT: 1,1\r\n" OK},
        {"AT+CGPADDR\r", "\r\n+CGPADDR: 1,10.49.14.68\r\n" OK},
        {"AT+CGPADDR=1\r", "\r\n+CGPADDR: 1,10.49.14.68\r\n" OK},
        {"AT+CGDCONT?\r", "\r\n+CGDCONT: 1,\"IP\",\"\",\"0.0.0.0\",0,0,0,0\r\n" OK},
        {"AT+CGDCONT=2,\"IPV4V6\",\"ims\"\r", OK},
        {"AT+CGDCONT?\r", "\r\n+CGDCONT: 1,\"IP\",\"\",\"0.0.0.0\",0,0,0,0\r\n"
                          "+CGDCONT: 2,\"IPV4V6\",\"ims\",\"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\",0,0,0,0\r\n" OK},
        {"AT+CGACT?\r", "\r\n+CGACT: 1,1\r\n+CGACT: 2,0\r\n" OK},
        {"AT+CGPADDR=2\r", "\r\n+CGPADDR: 2,0.0.0.0\r\n" OK},
        {"AT+CGPADDR=3\r", "\r\n+CME ERROR: operation not allowed\r\n"},
        {"AT+CGPADDR=25\r", ERROR},
    );
}

Test(packet, cgerep_answers_every_form)
{
    EXCHANGES(
        {"AT+CGEREP=?\r", "\r\n+CGEREP: (0-2),(0-1)\r\n" OK},
        {"AT+CGEREP?\r", "\r\n+CGEREP: 0,0\r\n" OK},
        {"AT+CGEREP=2,1\r", OK},
        {"AT+CGEREP?\r", "\r\n+CGEREP: 2,1\r\n" OK},
        {"AT+CGEREP=1\r", OK},
        {"AT+CGEREP?\r", "\r\n+CGEREP: 1,0\r\n" OK},
        {"AT+CGEREP=3\r", ERROR},
        {"AT+CGEREP=1,2\r", ERROR},
        {"AT+CGEREP=a\r", ERROR},
        {"AT+CGEREP\r", OK},
        {"AT+CGEREP?\r", "\r\n+CGEREP: 0,0\r\n" OK},
    );
}

Test(packet, cgatt_detaches_and_attaches_with_their_reports)
{
    EXCHANGES(
        {"AT+CGATT=0\r", OK},               /* CGEREP 0: no report */
        {"AT+CGATT=1\r", OK},
        {"AT+CGEREP=1\r", OK},
        {"AT+CGATT=0\r", "\r\n+CGEV: ME DETACH\r\n" OK},
        {"AT+CGATT?\r", "\r\n+CGATT: 0\r\n" OK},
        {"AT+CGACT?\r", "\r\n+CGACT: 1,0\r\n" OK},
        {"AT+CGPADDR\r", "\r\n+CGPADDR: 1,0.0.0.0\r\n" OK},
        {"AT+CGATT=0\r", OK},               /* already detached: nothing to report */
        {"AT+CGATT=1\r", "\r\n+CGEV: ME PDN ACT 1\r\n" OK},
        {"AT+CGATT?\r", "\r\n+CGATT: 1\r\n" OK},
        {"AT+CGACT?\r", "\r\n+CGACT: 1,1\r\n" OK},
        {"AT+CGATT=2\r", ERROR},
        {"AT+CGATT\r", ERROR},
        {"AT+CGATT=?\r", "\r\n+CGATT: (0,1)\r\n" OK},
    );
}

Test(packet, cgact_changes_the_contexts_it_names)
{
    EXCHANGES(
        {"AT+CGEREP=1\r", OK},
        {"AT+CGDCONT=2,\"IP\",\"other\"\r", OK},
        {"AT+CGACT=0,1\r", "\r\n+CGEV: ME PDN DEACT 1\r\n" OK},
        {"AT+CGACT?\r", "\r\n+CGACT: 1,0\r\n+CGACT: 2,0\r\n" OK},
        {"AT+CGACT=1\r", "\r\n+CGEV: ME PDN ACT 1\r\n\r\n+CGEV: ME PDN ACT 2\r\n" OK},
        {"AT+CGACT=0,2\r", "\r\n+CGEV: ME PDN DEACT 2\r\n" OK},
        {"AT+CGACT=1,1\r", OK},             /* already active */
        {"AT+CGACT=1,5\r", "\r\n+CME ERROR: operation not allowed\r\n"},
        {"AT+CGACT=1,25\r", ERROR},
        {"AT+CGACT=2\r", ERROR},
        {"AT+CGACT=1,\"1\"\r", ERROR},
        {"AT+CGACT=?\r", "\r\n+CGACT: (0,1)\r\n" OK},
    );
}

Test(packet, activation_after_a_detach_attaches_first)
{
    EXCHANGES(
        {"AT+CGEREP=1\r", OK},
        {"AT+CGDCONT=2,\"IP\",\"other\"\r", OK},
        {"AT+CGATT=0\r", "\r\n+CGEV: ME DETACH\r\n" OK},
        {"AT+CGACT=1,2\r", "\r\n+CGEV: ME PDN ACT 1\r\n\r\n+CGEV: ME PDN ACT 2\r\n" OK},
        {"AT+CGATT?\r", "\r\n+CGATT: 1\r\n" OK},
    );
}

Test(packet, losing_registration_drops_the_contexts_and_regaining_it_restores_the_default)
{
    EXCHANGES({"AT+CGEREP=1;+CEREG=1\r", OK});
    assert_control("reg 2", "OK");
    cr_assert_str_eq(advance(1), "\r\n+CEREG: 2\r\n\r\n+CGEV: ME PDN DEACT 1\r\n");
    EXCHANGES(
        {"AT+CGACT?\r", "\r\n+CGACT: 1,0\r\n" OK},
        {"AT+CGATT?\r", "\r\n+CGATT: 0\r\n" OK},
        {"AT+CGACT=1\r", "\r\n+CME ERROR: no network service\r\n"},
        {"AT+CGATT=1\r", "\r\n+CME ERROR: no network service\r\n"},
    );
    assert_control("reg 1", "OK");
    cr_assert_str_eq(advance(1), "\r\n+CEREG: 1\r\n\r\n+CGEV: ME PDN ACT 1\r\n");
    EXCHANGES({"AT+CGPADDR=1\r", "\r\n+CGPADDR: 1,10.49.14.68\r\n" OK});
}

Test(packet, a_detached_module_stays_detached_across_registration)
{
    EXCHANGES({"AT+CGATT=0\r", OK});
    assert_control("reg 2", "OK");
    assert_control("reg 1", "OK");
    EXCHANGES({"AT+CGATT?\r", "\r\n+CGATT: 0\r\n" OK}, {"AT+CGACT?\r", "\r\n+CGACT: 1,0\r\n" OK});
}

Test(packet, radio_off_and_sim_removal_detach_like_a_lost_network)
{
    EXCHANGES(
        {"AT+CGEREP=1;+CEREG=1\r", OK},
        {"AT+CFUN=4\r", "\r\n+CEREG: 0\r\n\r\n+CGEV: ME PDN DEACT 1\r\n" OK},
        {"AT+CGATT?\r", "\r\n+CGATT: 0\r\n" OK},
        {"AT+COPS=?\r", "\r\n+COPS: ,,(0-4),(0-2)\r\n" OK},
        {"AT+CFUN=1\r", "\r\n+CEREG: 1\r\n\r\n+CGEV: ME PDN ACT 1\r\n" OK},
    );
    assert_control("sim remove", "OK");
    cr_assert_str_eq(advance(1), "\r\n+CPIN: SIM REMOVED\r\n\r\n+CEREG: 0\r\n\r\n+CGEV: ME PDN DEACT 1\r\n");
    EXCHANGES({"AT+CGATT?\r", "\r\n+CME ERROR: SIM not inserted\r\n"}, {"AT+COPS?\r", "\r\n+COPS: 0\r\n" OK});
}

Test(packet, the_control_state_shows_the_network_side)
{
    cr_assert(strstr(ctl("state"), "\"network\":{\"cops_mode\":0,\"cnmp\":2,\"attached\":true,\"active_cids\":[1]}"),
              "%s", ctl("state"));
    EXCHANGES({"AT+CGDCONT=3,\"IP\",\"x\";+CGACT=1,3;+CNMP=38;+COPS=1,2,\"23415\"\r", OK});
    cr_assert(strstr(ctl("state"), "\"network\":{\"cops_mode\":1,\"cnmp\":38,\"attached\":true,\"active_cids\":[1,3]}"),
              "%s", ctl("state"));
    EXCHANGES({"AT+COPS=2\r", OK});
    cr_assert(strstr(ctl("state"), "\"network\":{\"cops_mode\":2,\"cnmp\":38,\"attached\":false,\"active_cids\":[]}"),
              "%s", ctl("state"));
}

/* Brings client 0 to CONNECTED. */
static void connect_client0(void)
{
    EXCHANGES(
        {"AT+CMQTTSTART\r", "\r\n+CMQTTSTART: 0\r\n" OK},
        {"AT+CMQTTACCQ=0,\"dev1\"\r", OK},
        {"AT+CMQTTCONNECT=0,\"tcp://broker.example:1883\",60,1\r", OK "\r\n+CMQTTCONNECT: 0,0\r\n"},
    );
}

#define MQTT_NETWORK_GONE "\r\n+CMQTTCONNLOST: 0,3\r\n\r\n+CMQTTNONET\r\n"

Test(packet, a_detach_takes_mqtt_down_with_the_bearer)
{
    connect_client0();
    EXCHANGES(
        {"AT+CGATT=0\r", MQTT_NETWORK_GONE OK},
        {"AT+CMQTTSTOP\r", "\r\n+CMQTTSTOP: 9\r\n" ERROR},    /* the service went with the network */
    );
}

Test(packet, deactivating_the_default_bearer_takes_mqtt_down)
{
    connect_client0();
    EXCHANGES({"AT+CGACT=0,1\r", MQTT_NETWORK_GONE OK});
}

Test(packet, a_radio_mode_without_lte_takes_mqtt_down)
{
    connect_client0();
    EXCHANGES({"AT+CNMP=13\r", MQTT_NETWORK_GONE OK}, {"AT+CMQTTSTART\r", "\r\n+CMQTTSTART: 7\r\n" ERROR});
}

/* AT&F puts the radio back to automatic (reference §1.7): the cell an LTE-less
 * mode had lost is found again. */
Test(radio, factory_defaults_restore_the_radio_mode)
{
    EXCHANGES(
        {"AT+CNMP=13\r", OK},
        {"AT+CREG?\r", "\r\n+CREG: 0,2\r\n" OK},
        {"AT&F\r", OK},
        {"AT+CNMP?\r", "\r\n+CNMP: 2\r\n" OK},
        {"AT+CREG?\r", "\r\n+CREG: 0,1\r\n" OK},
    );
}

Test(packet, cgclass_is_a_and_only_a)
{
    EXCHANGES(
        {"AT+CGCLASS=?\r", "\r\n+CGCLASS: (\"A\")\r\n" OK},
        {"AT+CGCLASS?\r", "\r\n+CGCLASS: \"A\"\r\n" OK},
        {"AT+CGCLASS=\"A\"\r", OK},
        {"AT+CGCLASS=\"B\"\r", ERROR},
        {"AT+CGCLASS\r", ERROR},
    );
}

/* The MQTT service runs on the attach's default bearer: stopping it leaves the
 * bearer up, as other users of the data connection need it. */
Test(packet, stopping_mqtt_leaves_the_default_bearer_up)
{
    EXCHANGES(
        {"AT+CMQTTSTART\r", "\r\n+CMQTTSTART: 0\r\n" OK},
        {"AT+CMQTTSTOP\r", "\r\n+CMQTTSTOP: 0\r\n" OK},
        {"AT+CGACT?\r", "\r\n+CGACT: 1,1\r\n" OK},
        {"AT+CGPADDR=1\r", "\r\n+CGPADDR: 1,10.49.14.68\r\n" OK},
    );
}

/* ---- network time -------------------------------------------------------------------- */

TestSuite(nitz, .init = booted, .fini = sim_fixture_teardown);

Test(nitz, ctzr_reports_the_zone_the_network_sends)
{
    assert_control("nitz 26/12/01,07:30:00+04", "OK");
    cr_assert_str_eq(advance(1), "", "CTZR=0 reports nothing");
    EXCHANGES({"AT+CTZR=1\r", OK});
    assert_control("nitz 26/12/01,07:31:00-20", "OK");
    cr_assert_str_eq(advance(1), "\r\n+CTZV: -20\r\n");
    assert_control("reg 2", "OK");
    cr_assert_str_eq(advance(1), "", "no network, no time");
    assert_control("reg 1", "OK");
    cr_assert_str_eq(advance(1), "\r\n+CTZV: -20\r\n", "registration brings the network's time");
}

Test(nitz, ctzu_sets_the_clock_from_the_network)
{
    EXCHANGES({"AT+CTZU=1\r", OK});
    assert_control("nitz 26/12/01,07:30:00+04", "OK");
    advance(2000);
    EXCHANGES({"AT+CCLK?\r", "\r\n+CCLK: \"26/12/01,07:30:02+04\"\r\n" OK});
    EXCHANGES({"AT+CTZU=0\r", OK}, {"AT+CCLK=\"25/01/01,00:00:00+00\"\r", OK});
    assert_control("reg 2", "OK");
    assert_control("reg 1", "OK");
    EXCHANGES({"AT+CCLK?\r", "\r\n+CCLK: \"25/01/01,00:00:00+00\"\r\n" OK});   /* CTZU=0: kept */
}

Test(nitz, a_bad_time_is_refused_with_the_reason)
{
    assert_control("nitz 26/13/01,07:30:00+04", "ERR '26/13/01,07:30:00+04' must be the network's local time");
    assert_control("nitz", "ERR usage: nitz");
}

/* ---- syntax, whatever CMEE says (findings §1) -------------------------------------------- */

TestSuite(syntax, .init = booted, .fini = sim_fixture_teardown);

Test(syntax, unreadable_parameters_are_bare_error_under_cmee_2)
{
    EXCHANGES(
        {"AT+CMEE=2\r", OK},
        {"AT+CNMP=x\r", ERROR},
        {"AT+CNAOP=\"2\"\r", ERROR},
        {"AT+CNSMOD=-1\r", ERROR},
        {"AT+CPSI=a\r", ERROR},
        {"AT+CGEREP=,1\r", ERROR},
        {"AT+CGACT=1,1,\r", ERROR},
        {"AT+CGATT=\"1\"\r", ERROR},
        {"AT+CGPADDR=x\r", ERROR},
        {"AT+CSPN=1\r", ERROR},
    );
}
