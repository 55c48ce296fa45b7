/* SMS, call and phonebook set-up as a SIM7600 answers it (findings §26):
 * every form of CSMS, CPMS, CMGF, CSCA, CSMP, CSDH, CNMI, CMGL, CMGD, CLIP,
 * CRC, CCWA, CUSD, CHUP, CPBS and CPBR, the settings kept across commands and lost at a
 * reboot, the SIM they need, and gammu's and OVMS's start-up lines. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "sim_fixture.h"

#define BOOT_STEP_MS 100
#define BOOT_LIMIT_MS 60000     /* far above any boot the latency profiles allow */
#define FAST_RDY_MS 100         /* the fast timeline's RDY after power-on (test_sim_boot.c) */

static void create(bool sim_present)
{
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = 0;
    cfg.sim_present = sim_present;
    drive.now_us = 1000000;
    drive.sim = sim_create(&cfg, drive.now_us);
    cr_assert_not_null(drive.sim);
}

static void wait_for(const char *line)
{
    uint64_t waited = 0;
    while (!strstr(advance(BOOT_STEP_MS), line))
        cr_assert_lt(waited += BOOT_STEP_MS, BOOT_LIMIT_MS, "the module never said %s", line);
}

/* A cold module, booted (its banner seen), echo off, nothing else changed. */
static void booted(void)
{
    create(true);
    wait_for("PB DONE");
    cr_assert_str_eq(io("ATE0\r"), "ATE0\r\r\nOK\r\n");
}

#define OK "\r\nOK\r\n"
#define ERROR "\r\nERROR\r\n"
#define INFO(line) "\r\n" line "\r\n" OK

/* ---- SMS ------------------------------------------------------------------------------ */

TestSuite(sms, .init = booted, .fini = sim_fixture_teardown);

Test(sms, cpms_lists_the_storages_per_role_and_keeps_the_choice)
{
    EXCHANGES(
        {"AT+CPMS=?\r", INFO("+CPMS: (\"ME\",\"MT\",\"SM\",\"SR\"),(\"ME\",\"MT\",\"SM\"),(\"ME\",\"SM\")")},
        {"AT+CPMS?\r", INFO("+CPMS: \"SM\",0,50,\"SM\",0,50,\"SM\",0,50")},
        {"AT+CPMS=\"ME\"\r", INFO("+CPMS: 0,23,0,50,0,50")},          /* only <mem1> changes */
        {"AT+CPMS?\r", INFO("+CPMS: \"ME\",0,23,\"SM\",0,50,\"SM\",0,50")},
        {"AT+CPMS=\"SR\",\"MT\",\"ME\"\r", INFO("+CPMS: 0,50,0,23,0,23")},
        {"AT+CPMS?\r", INFO("+CPMS: \"SR\",0,50,\"MT\",0,23,\"ME\",0,23")},
        {"AT+CPMS=\"SM\",\"SR\"\r", ERROR},      /* "SR" holds status reports only */
        {"AT+CPMS=\"SM\",\"SM\",\"MT\"\r", ERROR},
        {"AT+CPMS=\"XX\"\r", ERROR},
        {"AT+CPMS=SM\r", ERROR},                  /* unquoted */
        {"AT+CPMS=\"SM\",\"SM\",\"SM\",\"SM\"\r", ERROR},
        {"AT+CPMS?\r", INFO("+CPMS: \"SR\",0,50,\"MT\",0,23,\"ME\",0,23")},   /* errors changed nothing */
        {"AT+CPMS\r", INFO("+CPMS: 0,50,0,50,0,50")},                         /* back to "SM" */
        {"AT+CPMS?\r", INFO("+CPMS: \"SM\",0,50,\"SM\",0,50,\"SM\",0,50")},
    );
}

Test(sms, csms_cmgf_and_csdh_answer_every_form)
{
    EXCHANGES(
        {"AT+CSMS=?\r", INFO("+CSMS: (0-1)")},
        {"AT+CSMS?\r", INFO("+CSMS: 0,1,1,1")},
        {"AT+CSMS=1\r", INFO("+CSMS: 1,1,1")},
        {"AT+CSMS?\r", INFO("+CSMS: 1,1,1,1")},
        {"AT+CSMS=2\r", ERROR},
        {"AT+CSMS\r", ERROR},
        {"AT+CMGF=?\r", INFO("+CMGF: (0-1)")},
        {"AT+CMGF?\r", INFO("+CMGF: 0")},
        {"AT+CMGF=1\r", OK},
        {"AT+CMGF?\r", INFO("+CMGF: 1")},
        {"AT+CMGF=2\r", ERROR},
        {"AT+CMGF\r", OK},
        {"AT+CMGF?\r", INFO("+CMGF: 0")},
        {"AT+CSDH=?\r", INFO("+CSDH: (0-1)")},
        {"AT+CSDH?\r", INFO("+CSDH: 0")},
        {"AT+CSDH=1\r", OK},
        {"AT+CSDH?\r", INFO("+CSDH: 1")},
        {"AT+CSDH=\"1\"\r", ERROR},
        {"AT+CSDH\r", OK},
        {"AT+CSDH?\r", INFO("+CSDH: 0")},
    );
}

Test(sms, csca_reads_the_sims_service_centre_and_keeps_a_written_one)
{
    EXCHANGES(
        {"AT+CSCA=?\r", OK},
        {"AT+CSCA?\r", INFO("+CSCA: \"+447700900000\",145")},
        {"AT+CSCA=\"+447700900123\"\r", OK},
        {"AT+CSCA?\r", INFO("+CSCA: \"+447700900123\",145")},      /* '+': international */
        {"AT+CSCA=\"07700900123\"\r", OK},
        {"AT+CSCA?\r", INFO("+CSCA: \"07700900123\",129")},
        {"AT+CSCA=\"07700900123\",161\r", OK},
        {"AT+CSCA?\r", INFO("+CSCA: \"07700900123\",161")},
        {"AT+CSCA=\"07700A\"\r", ERROR},
        {"AT+CSCA=\"+4477009001234567890123\"\r", ERROR},           /* longer than 20 digits */
        {"AT+CSCA=\"+447700900123\",300\r", ERROR},
        {"AT+CSCA=+447700900123\r", ERROR},
        {"AT+CSCA\r", ERROR},
        {"AT+CSCA?\r", INFO("+CSCA: \"07700900123\",161")},
    );
}

Test(sms, csmp_keeps_each_value_given_and_the_others)
{
    EXCHANGES(
        {"AT+CSMP=?\r", OK},
        {"AT+CSMP?\r", INFO("+CSMP: 17,167,0,0")},
        {"AT+CSMP=17,167,0,8\r", OK},
        {"AT+CSMP?\r", INFO("+CSMP: 17,167,0,8")},
        {"AT+CSMP=49\r", OK},
        {"AT+CSMP?\r", INFO("+CSMP: 49,167,0,8")},
        {"AT+CSMP=,,,0\r", OK},
        {"AT+CSMP?\r", INFO("+CSMP: 49,167,0,0")},
        {"AT+CSMP=256\r", ERROR},
        {"AT+CSMP=17,\"24/01/01,00:00:00+00\"\r", ERROR},   /* only the relative validity period */
        {"AT+CSMP=1,2,3,4,5\r", ERROR},
        {"AT+CSMP\r", ERROR},
        {"AT+CSMP?\r", INFO("+CSMP: 49,167,0,0")},
    );
}

Test(sms, cnmi_starts_as_a_sim7600_and_refuses_what_the_manual_refuses)
{
    EXCHANGES(
        {"AT+CNMI=?\r", INFO("+CNMI: (0,1,2),(0,1,2,3),(0,2),(0,1,2),(0,1)")},
        {"AT+CNMI?\r", INFO("+CNMI: 2,1,0,0,0")},
        {"AT+CNMI=1,2,0,0,0\r", OK},
        {"AT+CNMI?\r", INFO("+CNMI: 1,2,0,0,0")},
        {"AT+CNMI=2,1\r", OK},                    /* the values not given stay */
        {"AT+CNMI?\r", INFO("+CNMI: 2,1,0,0,0")},
        {"AT+CNMI=2,1,0,2,1\r", OK},              /* what gammu sets */
        {"AT+CNMI?\r", INFO("+CNMI: 2,1,0,2,1")},
        {"AT+CNMI=0,2\r", ERROR},                 /* +CMT needs <mode> 1 or 2 */
        {"AT+CNMI=2,3\r", ERROR},                 /* class 3 routing needs <mode> 1 */
        {"AT+CNMI=2,1,0,1\r", ERROR},             /* +CDS needs <mode> 1 */
        {"AT+CNMI=1,3,0,1\r", OK},
        {"AT+CNMI=1,1,1\r", ERROR},               /* <bm> is 0 or 2 */
        {"AT+CNMI=3\r", ERROR},
        {"AT+CNMI=,1\r", ERROR},
        {"AT+CNMI=1,1,0,0,0,0\r", ERROR},
        {"AT+CNMI?\r", INFO("+CNMI: 1,3,0,1,1")},
        {"AT+CNMI\r", OK},
        {"AT+CNMI?\r", INFO("+CNMI: 2,1,0,0,0")},
    );
}

Test(sms, the_empty_store_lists_nothing_in_either_mode_and_deletes_without_complaint)
{
    EXCHANGES(
        {"AT+CMGL=?\r", INFO("+CMGL: (0-4)")},
        {"AT+CMGL=4\r", OK},
        {"AT+CMGL=\"ALL\"\r", ERROR},             /* text <stat> in PDU mode */
        {"AT+CMGL=5\r", ERROR},
        {"AT+CMGF=1\r", OK},
        {"AT+CMGL=?\r", INFO("+CMGL: (\"REC UNREAD\",\"REC READ\",\"STO UNSENT\",\"STO SENT\",\"ALL\")")},
        {"AT+CMGL=\"REC UNREAD\"\r", OK},
        {"AT+CMGL=4\r", ERROR},
        {"AT+CMGL\r", ERROR},
        {"AT+CMGD=?\r", INFO("+CMGD: (),(0-4)")},
        {"AT+CMGD=0\r", OK},
        {"AT+CMGD=49\r", OK},
        {"AT+CMGD=50\r", ERROR},                  /* "SM" has 0-49 */
        {"AT+CMGD=1,4\r", OK},
        {"AT+CMGD=,4\r", OK},
        {"AT+CMGD=,0\r", ERROR},                  /* deleting one message needs its index */
        {"AT+CMGD=1,5\r", ERROR},
        {"AT+CPMS=\"ME\"\r", INFO("+CPMS: 0,23,0,50,0,50")},
        {"AT+CMGD=23\r", ERROR},                  /* "ME" has 0-22 */
        {"AT+CMGD\r", ERROR},
    );
}

Test(sms, a_reboot_restores_every_setting)
{
    EXCHANGES(
        {"AT+CMGF=1;+CSDH=1;+CNMI=1,2,0,0,0;+CSMP=17,167,0,8;+CSCA=\"+447700900123\"\r", OK},
        {"AT+CPMS=\"ME\",\"ME\",\"ME\";+CLIP=1;+CRC=1;+CUSD=1;+CPBS=\"ME\";+CSMS=1\r",
         "\r\n+CPMS: 0,23,0,23,0,23\r\n+CSMS: 1,1,1\r\n" OK},
    );
    cr_assert(strncmp(ctl("reboot"), "OK", 2) == 0);
    wait_for("PB DONE");
    EXCHANGES(
        {"ATE0\r", "ATE0\r" OK},
        {"AT+CMGF?;+CSDH?;+CNMI?;+CSMP?;+CSCA?\r",
         "\r\n+CMGF: 0\r\n+CSDH: 0\r\n+CNMI: 2,1,0,0,0\r\n+CSMP: 17,167,0,0\r\n"
         "+CSCA: \"+447700900000\",145\r\n" OK},
        {"AT+CPMS?;+CLIP?;+CRC?;+CUSD?;+CPBS?;+CSMS?\r",
         "\r\n+CPMS: \"SM\",0,50,\"SM\",0,50,\"SM\",0,50\r\n+CLIP: 0,1\r\n+CRC: 0\r\n+CUSD: 0\r\n"
         "+CPBS: \"SM\",0,200\r\n+CSMS: 0,1,1,1\r\n" OK},
    );
}

/* ---- calls, USSD, phonebook ------------------------------------------------------------ */

TestSuite(call, .init = booted, .fini = sim_fixture_teardown);

Test(call, clip_keeps_its_setting_and_says_what_the_network_provisions)
{
    EXCHANGES(
        {"AT+CLIP=?\r", INFO("+CLIP: (0-1)")},
        {"AT+CLIP?\r", INFO("+CLIP: 0,1")},
        {"AT+CLIP=1\r", OK},
        {"AT+CLIP?\r", INFO("+CLIP: 1,1")},
        {"AT+CLIP=2\r", ERROR},
        {"AT+CFUN=4\r", OK},
        {"AT+CLIP?\r", INFO("+CLIP: 1,2")},      /* no network to ask: unknown */
        {"AT+CFUN=1\r", OK},
        {"AT+CLIP\r", OK},
        {"AT+CLIP?\r", INFO("+CLIP: 0,1")},
    );
}

Test(call, cusd_keeps_presentation_and_refuses_a_string_the_network_cannot_serve)
{
    EXCHANGES(
        {"AT+CMEE=2\r", OK},
        {"AT+CUSD=?\r", INFO("+CUSD: (0-2)")},
        {"AT+CUSD?\r", INFO("+CUSD: 0")},
        {"AT+CUSD=1\r", OK},
        {"AT+CUSD?\r", INFO("+CUSD: 1")},
        {"AT+CUSD=2\r", OK},                      /* cancel: no session, presentation stays */
        {"AT+CUSD?\r", INFO("+CUSD: 1")},
        {"AT+CUSD=1,\"*100#\",15\r", "\r\n+CME ERROR: operation not supported\r\n"},
        {"AT+CUSD=1,*100#\r", ERROR},
        {"AT+CUSD=3\r", ERROR},
        {"AT+CUSD\r", OK},
        {"AT+CUSD?\r", INFO("+CUSD: 0")},
    );
}

Test(call, crc_answers_every_form)
{
    EXCHANGES(
        {"AT+CRC=?\r", INFO("+CRC: (0-1)")},
        {"AT+CRC?\r", INFO("+CRC: 0")},
        {"AT+CRC=1\r", OK},
        {"AT+CRC?\r", INFO("+CRC: 1")},
        {"AT+CRC=2\r", ERROR},
        {"AT+CRC\r", OK},
        {"AT+CRC?\r", INFO("+CRC: 0")},
    );
}

Test(call, ccwa_keeps_its_setting_and_the_network_says_the_service_is_off)
{
    EXCHANGES(
        {"AT+CCWA=?\r", INFO("+CCWA: (0-1)")},
        {"AT+CCWA?\r", INFO("+CCWA: 0")},
        {"AT+CCWA=1\r", OK},                     /* what gammu sends */
        {"AT+CCWA?\r", INFO("+CCWA: 1")},
        {"AT+CCWA=1,1\r", OK},
        {"AT+CCWA=1,2\r", INFO("+CCWA: 0,7")},
        {"AT+CCWA=0,2,1\r", INFO("+CCWA: 0,1")},
        {"AT+CCWA?\r", INFO("+CCWA: 0")},
        {"AT+CCWA=2\r", ERROR},
        {"AT+CCWA=1,3\r", ERROR},
        {"AT+CCWA=1,2,0\r", ERROR},
        {"AT+CCWA=1\r", OK},
        {"AT+CCWA\r", OK},
        {"AT+CCWA?\r", INFO("+CCWA: 0")},
    );
}

Test(call, chup_hangs_up_nothing_at_once)
{
    EXCHANGES(
        {"AT+CHUP=?\r", OK},
        {"AT+CHUP\r", OK},
        {"AT+CHUP?\r", ERROR},
        {"AT+CHUP=1\r", ERROR},
    );
}

Test(call, cpbs_lists_the_phonebooks_and_keeps_the_one_chosen)
{
    EXCHANGES(
        {"AT+CPBS=?\r", INFO("+CPBS: (\"SM\",\"DC\",\"FD\",\"LD\",\"MC\",\"ME\",\"RC\",\"EN\",\"ON\")")},
        {"AT+CPBS?\r", INFO("+CPBS: \"SM\",0,200")},
        {"AT+CPBS=\"ME\"\r", OK},
        {"AT+CPBS?\r", INFO("+CPBS: \"ME\",0,500")},
        {"AT+CPBS=\"DC\"\r", OK},
        {"AT+CPBS?\r", INFO("+CPBS: \"DC\",0,100")},
        {"AT+CPBS=\"XX\"\r", ERROR},
        {"AT+CPBS=ME\r", ERROR},
        {"AT+CPBS=\"SM\",\"1234\"\r", ERROR},
        {"AT+CPBS?\r", INFO("+CPBS: \"DC\",0,100")},
        {"AT+CPBS\r", OK},
        {"AT+CPBS?\r", INFO("+CPBS: \"SM\",0,200")},
    );
}

Test(call, cpbr_reads_nothing_from_the_empty_phonebook_it_is_on)
{
    EXCHANGES(
        {"AT+CPBR=?\r", INFO("+CPBR: (1-200),40,14")},
        {"AT+CPBR=1\r", OK},
        {"AT+CPBR=1,200\r", OK},
        {"AT+CPBR=0\r", ERROR},
        {"AT+CPBR=201\r", ERROR},
        {"AT+CPBR=5,4\r", ERROR},
        {"AT+CPBS=\"ON\"\r", OK},
        {"AT+CPBR=?\r", INFO("+CPBR: (1-4),40,14")},
        {"AT+CPBR=5\r", ERROR},
        {"AT+CPBR?\r", ERROR},
        {"AT+CPBR\r", ERROR},
    );
}

/* What gammu monitor and the OVMS firmware send at start-up (tests/clients/FINDINGS.md §2). */
Test(call, the_start_up_lines_of_gammu_and_ovms_answer_ok)
{
    EXCHANGES(
        {"AT+CPMS=\"ME\"\r", INFO("+CPMS: 0,23,0,50,0,50")},
        {"AT+CLIP=1\r", OK},
        {"AT+CRC=1\r", OK},
        {"AT+CCWA=1\r", OK},
        {"AT+CUSD=1\r", OK},
        {"AT+CPBS=\"ON\"\r", OK},
        {"AT+CHUP=?\r", OK},
        {"AT+CREG=1;+CGREG=1;+CEREG=1;+CTZU=1;+CTZR=1;+CLIP=1;+CMGF=1;+CNMI=1,2,0,0,0;+CSDH=1;+CMEE=2\r", OK},
    );
}

/* ---- the SIM they read ------------------------------------------------------------------ */

TestSuite(sms_sim, .fini = sim_fixture_teardown);

Test(sms_sim, without_a_sim_each_command_that_reads_it_says_so)
{
    create(false);
    wait_for("+CPIN: SIM REMOVED");
    cr_assert_str_eq(io("ATE0\r"), "ATE0\r" OK);
    static const char *const needs_sim[] = {
        "AT+CPMS?\r", "AT+CMGF=1\r", "AT+CSCA?\r", "AT+CNMI?\r", "AT+CSMS?\r", "AT+CSMP?\r",
        "AT+CSDH?\r", "AT+CMGL=4\r", "AT+CMGD=0\r", "AT+CLIP?\r", "AT+CUSD=1\r", "AT+CPBS?\r",
        "AT+CPBR=1\r", "AT+CCWA?\r",
    };
    for (size_t i = 0; i < sizeof needs_sim / sizeof needs_sim[0]; i++)
        cr_assert_str_eq(io(needs_sim[i]), "\r\n+CME ERROR: SIM not inserted\r\n", "%s", needs_sim[i]);
    cr_assert_str_eq(io("AT+CHUP\r"), OK, "hanging up needs no SIM");
}

Test(sms_sim, before_the_sim_is_ready_the_sms_set_up_is_busy_but_its_syntax_answers)
{
    create(true);
    cr_assert_str_eq(advance(FAST_RDY_MS), "\r\nRDY\r\n");
    EXCHANGES(
        {"ATE0\r", "ATE0\r" OK},
        {"AT+CPMS?\r", "\r\n+CME ERROR: SIM busy\r\n"},
        {"AT+CMGF=1\r", "\r\n+CME ERROR: SIM busy\r\n"},
        {"AT+CPBS?\r", "\r\n+CME ERROR: SIM busy\r\n"},
        {"AT+CNMI=?\r", INFO("+CNMI: (0,1,2),(0,1,2,3),(0,2),(0,1,2),(0,1)")},
    );
}
