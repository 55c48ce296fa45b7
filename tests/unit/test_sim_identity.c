/* Identity, power and status commands, and the module variants (--model):
 * what a firmware reads from each model, every form of each command, and
 * the power transitions (CFUN, CRESET, CPOF). Driven without a pty on a fake
 * clock, from a warm module (no boot to wait for). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "module_models.h"
#include "sim.h"
#include "sim_fixture.h"

#define BOOT_BUDGET_MS 60000   /* longer than any boot timeline, fast or realistic */
#define STEP_MS 10

static struct strbuf heard;    /* what wait_for collected */

/* Sends `line` (NULL: nothing), then runs the clock until the module has
 * said `text` (or the budget is spent); returns everything it said. */
static const char *send_and_wait(const char *line, const char *text, uint64_t budget_ms)
{
    sb_reset(&heard);
    sb_add(&heard, "", 0);
    if (line)
        sb_puts(&heard, io(line));
    for (uint64_t t = 0; t < budget_ms && !strstr(sb_str(&heard), text); t += STEP_MS)
        sb_puts(&heard, advance(STEP_MS));
    return sb_str(&heard);
}

/* A warm module of that model (NULL: the default), echo off. */
static void start(const char *model)
{
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = 0;
    cfg.profile = SIM_PROFILE_WARM;
    if (model) {
        cfg.model = module_model_find(model);
        cr_assert_not_null(cfg.model, "model %s is in the table", model);
    }
    drive.now_us = 1000000;
    drive.sim = sim_create(&cfg, drive.now_us);
    sim_set_host_attached(drive.sim, true, drive.now_us);
    advance(1);
    cr_assert_str_eq(io("ATE0\r"), "ATE0\r\r\nOK\r\n");
}

static void default_model(void) { start(NULL); }
static void teardown(void) { sim_drive_free(&drive); sb_free(&heard); }

#define OK "\r\nOK\r\n"
#define ERR "\r\nERROR\r\n"
#define INFO(line) "\r\n" line "\r\n"

/* ---- what a firmware reads, per model (findings §22) ------------------------------------ */

struct model_identity {
    const char *model;
    const char *ati, *cgmi, *cgmm, *cgmr, *simcomati;
};

static const struct model_identity identities[] = {
    {"SIM7600E",
     INFO("Manufacturer: SIMCOM INCORPORATED\r\nModel: SIMCOM_SIM7600E\r\nRevision: SIM7600M21-A_V1.1\r\n"
          "IMEI: 862636050000017\r\n+GCAP: +CGSM") OK,
     INFO("SIMCOM INCORPORATED") OK, INFO("SIMCOM_SIM7600E") OK, INFO("+CGMR: SIM7600M21-A_V1.1") OK,
     INFO("Manufacturer: SIMCOM INCORPORATED\r\nModel: SIMCOM_SIM7600E\r\nRevision: SIM7600M21-A_V1.1\r\n"
          "IMEI: 862636050000017\r\n+GCAP: +CGSM") OK},
    {"SIM7600E-H",
     INFO("Manufacturer: SIMCOM INCORPORATED\r\nModel: SIMCOM_SIM7600E-H\r\nRevision: LE20B04SIM7600M22\r\n"
          "IMEI: 862636050000017\r\n+GCAP: +CGSM") OK,
     INFO("SIMCOM INCORPORATED") OK, INFO("SIMCOM_SIM7600E-H") OK, INFO("+CGMR: LE20B04SIM7600M22") OK,
     INFO("Manufacturer: SIMCOM INCORPORATED\r\nModel: SIMCOM_SIM7600E-H\r\nRevision: LE20B04SIM7600M22\r\n"
          "QCN: \r\nIMEI: 862636050000017\r\nMEID: \r\n+GCAP: +CGSM\r\nDeviceInfo: 173,170") OK},
    {"SIM7600G-H",
     INFO("Manufacturer: SIMCOM INCORPORATED\r\nModel: SIMCOM_SIM7600G-H\r\nRevision: LE20B04SIM7600G22\r\n"
          "IMEI: 862636050000017\r\n+GCAP: +CGSM") OK,
     INFO("SIMCOM INCORPORATED") OK, INFO("SIMCOM_SIM7600G-H") OK, INFO("+CGMR: LE20B04SIM7600G22") OK,
     INFO("Manufacturer: SIMCOM INCORPORATED\r\nModel: SIMCOM_SIM7600G-H\r\nRevision: LE20B04SIM7600G22\r\n"
          "QCN: \r\nIMEI: 862636050000017\r\nMEID: \r\n+GCAP: +CGSM\r\nDeviceInfo: 173,170") OK},
    {"SIM7600SA-H",
     INFO("Manufacturer: SIMCOM INCORPORATED\r\nModel: SIMCOM_SIM7600SA-H\r\nRevision: LE20B04SIM7600M22\r\n"
          "IMEI: 862636050000017\r\n+GCAP: +CGSM") OK,
     INFO("SIMCOM INCORPORATED") OK, INFO("SIMCOM_SIM7600SA-H") OK, INFO("+CGMR: LE20B04SIM7600M22") OK,
     INFO("Manufacturer: SIMCOM INCORPORATED\r\nModel: SIMCOM_SIM7600SA-H\r\nRevision: LE20B04SIM7600M22\r\n"
          "QCN: \r\nIMEI: 862636050000017\r\nMEID: \r\n+GCAP: +CGSM\r\nDeviceInfo: 173,170") OK},
    {"SIM7600NA-H",
     INFO("Manufacturer: SIMCOM INCORPORATED\r\nModel: SIMCOM_SIM7600NA-H\r\nRevision: LE20B04SIM7600M22\r\n"
          "IMEI: 862636050000017\r\n+GCAP: +CGSM") OK,
     INFO("SIMCOM INCORPORATED") OK, INFO("SIMCOM_SIM7600NA-H") OK, INFO("+CGMR: LE20B04SIM7600M22") OK,
     INFO("Manufacturer: SIMCOM INCORPORATED\r\nModel: SIMCOM_SIM7600NA-H\r\nRevision: LE20B04SIM7600M22\r\n"
          "QCN: \r\nIMEI: 862636050000017\r\nMEID: \r\n+GCAP: +CGSM\r\nDeviceInfo: 173,170") OK},
    {"A7670E",
     INFO("Manufacturer: INCORPORATED\r\nModel: A7670E-LASE\r\nRevision: A011B12A7670M7\r\n"
          "IMEI: 862636050000017\r\n+GCAP: +CGSM,+FCLASS,+DS") OK,
     INFO("INCORPORATED") OK, INFO("A7670E-LASE") OK, INFO("+CGMR: A011B12A7670M7") OK,
     INFO("Manufacturer: INCORPORATED\r\nModel: A7670E-LASE\r\nRevision: A011B12A7670M7\r\n"
          "A7670M7_B12V02_220613\r\nQCN: \r\nIMEI: 862636050000017\r\nMEID: \r\n+GCAP: +CGSM,+FCLASS,+DS\r\n"
          "DeviceInfo: ") OK},
};

#define N_IDENTITIES (sizeof identities / sizeof identities[0])

TestSuite(models, .fini = teardown);

Test(models, each_model_answers_a_firmware_with_its_own_identity)
{
    for (size_t i = 0; i < N_IDENTITIES; i++) {
        const struct model_identity *m = &identities[i];
        start(m->model);
        const struct exchange x[] = {
            {"ATI\r", m->ati}, {"AT+CGMI\r", m->cgmi}, {"AT+GMI\r", m->cgmi}, {"AT+CGMM\r", m->cgmm},
            {"AT+GMM\r", m->cgmm}, {"AT+CGMR\r", m->cgmr}, {"AT+SIMCOMATI\r", m->simcomati},
        };
        ASSERT_EXCHANGES(x);
        sim_drive_free(&drive);
    }
}

Test(models, every_model_in_the_table_is_tested_and_the_default_is_the_sim7600e)
{
    size_t n = 0;
    while (module_model_at(n))
        n++;
    cr_assert_eq(n, N_IDENTITIES, "a model without identity expectations here");
    cr_assert_str_eq(module_model_default()->name, "SIM7600E");
    cr_assert_null(module_model_find("SIM7600X"));
    cr_assert_null(module_model_find("sim7600g-h"), "names are exact, as the help lists them");
    struct strbuf list = {0};
    module_model_list(&list);
    cr_assert_str_eq(sb_str(&list), "SIM7600E, SIM7600E-H, SIM7600G-H, SIM7600SA-H, SIM7600NA-H, A7670E");
    sb_free(&list);
}

Test(models, the_control_state_names_the_model)
{
    start("SIM7600G-H");
    cr_assert(strstr(ctl("state"), "\"model\":\"SIM7600G-H\""), "%s", ctl("state"));
    sim_drive_free(&drive);
    start(NULL);
    cr_assert(strstr(ctl("state"), "\"model\":\"SIM7600E\""), "%s", ctl("state"));
}

/* Band data h2's AT+CPSI? may use: the serving band is one the model has. */
Test(models, each_models_serving_band_is_among_its_bands)
{
    for (size_t i = 0; module_model_at(i); i++) {
        const struct module_model *m = module_model_at(i);
        char band[8];
        snprintf(band, sizeof band, "%d", m->serving_band);
        char list[96];
        snprintf(list, sizeof list, ",%s,", m->lte_bands);
        char needle[12];
        snprintf(needle, sizeof needle, ",%s,", band);
        cr_assert(strstr(list, needle), "%s: band %s not in %s", m->name, band, m->lte_bands);
    }
}

/* ---- every form of the identity and status commands ------------------------------------- */

TestSuite(forms, .init = default_model, .fini = teardown);

Test(forms, identity_commands_answer_their_test_form_and_refuse_read_and_write)
{
    const struct exchange x[] = {
        {"AT+SIMCOMATI=?\r", OK}, {"AT+SIMCOMATI?\r", ERR}, {"AT+SIMCOMATI=1\r", ERR},
        {"AT+CGMI=?\r", OK},      {"AT+CGMI?\r", ERR},      {"AT+CGMM=?\r", OK},
        {"AT+CGMM=1\r", ERR},     {"AT+CGMR=?\r", OK},      {"AT+CGMR?\r", ERR},
        {"AT+CGSN=?\r", OK},      {"AT+GCAP\r", INFO("+GCAP: +CGSM") OK},
        {"ATI1\r", ERR},          {"AT+CGSN\r", INFO("862636050000017") OK},
    };
    ASSERT_EXCHANGES(x);
}

Test(forms, supply_voltage_and_temperature_read_as_the_module_prints_them)
{
    const struct exchange x[] = {
        {"AT+CBC\r", INFO("+CBC: 3.800V") OK}, {"AT+CBC=?\r", OK}, {"AT+CBC?\r", ERR}, {"AT+CBC=1\r", ERR},
        {"AT+CPMUTEMP\r", INFO("+CPMUTEMP: 25") OK}, {"AT+CPMUTEMP=?\r", OK}, {"AT+CPMUTEMP?\r", ERR},
        {"AT+CPMUTEMP=1\r", ERR},
    };
    ASSERT_EXCHANGES(x);
}

Test(forms, csclk_keeps_its_mode_and_a_syntax_error_is_bare_error_under_cmee_2)
{
    const struct exchange x[] = {
        {"AT+CSCLK=?\r", INFO("+CSCLK: (0-2)") OK}, {"AT+CSCLK?\r", INFO("+CSCLK: 0") OK},
        {"AT+CSCLK=1\r", OK},                         {"AT+CSCLK?\r", INFO("+CSCLK: 1") OK},
        {"AT\r", OK},   /* a pty has no DTR: the module never sleeps */
        {"AT+CSCLK=2\r", OK},                         {"AT+CSCLK?\r", INFO("+CSCLK: 2") OK},
        {"AT+CSCLK\r", OK},                           {"AT+CSCLK?\r", INFO("+CSCLK: 0") OK},
        {"AT+CSCLK=3\r", ERR},  {"AT+CSCLK=\"1\"\r", ERR},  {"AT+CSCLK=1,1\r", ERR},
        {"AT+CSCLK?\r", INFO("+CSCLK: 0") OK},
    };
    ASSERT_EXCHANGES(x);
}

/* The S5 capture's profile, with this module's own values where it keeps them. */
Test(forms, ampersand_v_lists_the_whole_profile_with_the_current_settings)
{
    static const char *const lines[] = {
        "\r\n&C: 2; &D: 0; &E: 1; &F: 0; &S: 0; &W: 0; E: 0; L: 0; M: 0; Q: 0; V: 1;\r\n",
        "\r\nS104: 1; +FCLASS: 0; +ICF: 3,3; +IFC: 0,0; +IPR: 115200; +DR: 0;\r\n",
        "\r\n+DS: 0,0,2048,6; +CMEE: 1; +WS46: 25; +CFUN:; +IPREX: 115200;\r\n",
        "\r\n+CV120: 1,1,1,0,0,0; +CHSN: 0,0,0,0; +CSSN: 0,0; +CREG: 1; +CGREG: 0;\r\n",
        "\r\n+CEREG: 0; +CSCS: \"UCS2\"; +CSTA: 129; +CR: 0; +CRC: 0;\r\n",
        "\r\n+CGDCONT: (1,\"IP\",\"\",\"0.0.0.0\",0,0,0,0);\r\n",
        "\r\n+CMOD: 0; +CEMODE: 1; +CVHU: 1; ; ; ; ; ; ; +CSCLK: 2; +CCUART: 0;\r\n",
        "\r\n+CMER: 0,0,0,0,0; +CGATT: 1; +CGACT(1,",
        "\r\n+CPLS: 0; +CTZR: 0; +CTZU: 1; +CLIP: 0; +COLP: 0; +CDIP: 0; +CLIR: 0;\r\n",
        "\r\n+CFILTERSMSSWITCH: 0; *CNTI: 0; ^DSCI: 0; ^MODE: 0\r\n\r\nOK\r\n",
    };
    cr_assert_str_eq(io("ATV1Q0;+CMEE=1;+CREG=1;+CSCLK=2;+CTZU=1;+CSCS=\"UCS2\"\r"), OK);
    const char *said = io("AT&V\r");
    cr_assert(strncmp(said, "\r\n&C: ", strlen("\r\n&C: ")) == 0, "%s", said);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        cr_assert(strstr(said, lines[i]), "AT&V lacks %s: %s", lines[i], said);
    size_t n = 0;
    for (const char *p = said; (p = strstr(p, "\r\n")); p += 2)
        n++;
    cr_assert_eq(n, 1 + 31 + 2, "31 lines (one CR LF before the first, one after each), then OK: %s", said);
    cr_assert_str_eq(io("AT&V1\r"), ERR);
}

Test(forms, settings_not_acted_on_are_accepted_within_the_manuals_range)
{
    const struct exchange x[] = {
        {"AT&C1\r", OK}, {"AT&C3\r", ERR}, {"AT&D2\r", OK}, {"AT&D3\r", ERR},
        {"ATX4\r", OK},  {"ATX5\r", ERR},  {"AT&W\r", OK},  {"AT&W1\r", ERR},
    };
    ASSERT_EXCHANGES(x);
}

Test(forms, cfun_forms_and_syntax_errors)
{
    const struct exchange x[] = {
        {"AT+CFUN=?\r", INFO("+CFUN: (0,1,4-7),(0,1)") OK}, {"AT+CFUN?\r", INFO("+CFUN: 1") OK},
        {"AT+CFUN\r", ERR},    {"AT+CFUN=2\r", ERR},   {"AT+CFUN=4,1\r", ERR},  {"AT+CFUN=1,2\r", ERR},
        {"AT+CFUN=\"1\"\r", ERR}, {"AT+CFUN=1,\"0\"\r", ERR}, {"AT+CFUN=1,0,0\r", ERR},
        {"AT+CFUN?\r", INFO("+CFUN: 1") OK},
        {"AT+CRESET=?\r", OK}, {"AT+CRESET?\r", ERR},  {"AT+CRESET=1\r", ERR},
        {"AT+CPOF=?\r", OK},   {"AT+CPOF?\r", ERR},    {"AT+CPOF=0\r", ERR},
    };
    ASSERT_EXCHANGES(x);
}

/* ---- power transitions ------------------------------------------------------------------ */

/* A module with its MQTT service stopped, so that leaving the network says
 * nothing but OK (the service's +CMQTTNONET is mqtt's to test). */
static void offline_mqtt(void)
{
    start(NULL);
    cr_assert_str_eq(io("AT+CMQTTREL=0\r"), OK);
    cr_assert(strstr(send_and_wait("AT+CMQTTSTOP\r", OK, BOOT_BUDGET_MS), "+CMQTTSTOP: 0"));
}

TestSuite(power, .init = offline_mqtt, .fini = teardown);

/* Flight mode (4) takes the radio down and keeps the SIM: nothing is said, the
 * SIM's commands still work, and CFUN=1 registers again at once (findings §22). */
Test(power, cfun_4_takes_the_radio_off_and_keeps_the_sim)
{
    const struct exchange x[] = {
        {"AT+CREG?\r", INFO("+CREG: 0,1") OK},
        {"AT+CFUN=4\r", OK}, {"AT+CFUN?\r", INFO("+CFUN: 4") OK}, {"AT+CREG?\r", INFO("+CREG: 0,0") OK},
        {"AT+CPIN?\r", INFO("+CPIN: READY") OK}, {"AT+CGDCONT=1,\"IP\",\"internet\"\r", OK},
        {"AT+CFUN=1\r", OK}, {"AT+CREG?\r", INFO("+CREG: 0,1") OK},
    };
    ASSERT_EXCHANGES(x);
}

/* Minimum functionality (0) powers the SIM down: +SIMCARD: NOT AVAILABLE before
 * the OK (C8), the SIM's commands refused until CFUN=1, which runs the SIM's
 * part of the boot again and then registers (findings §22, §23 F8). */
Test(power, cfun_0_powers_the_sim_down_until_cfun_1_brings_it_back)
{
    const struct exchange x[] = {
        {"AT+CFUN=0\r", INFO("+SIMCARD: NOT AVAILABLE") OK},
        {"AT+CFUN?\r", INFO("+CFUN: 0") OK}, {"AT+CREG?\r", INFO("+CREG: 0,0") OK},
        {"AT+CPIN?\r", INFO("+CME ERROR: SIM failure")},
        {"AT+CGDCONT=1,\"IP\",\"internet\"\r", INFO("+CME ERROR: SIM failure")},
        {"AT+CFUN=0\r", OK},      /* already down: nothing more to say */
        {"AT+CFUN=1\r", OK},
        {"AT+CPIN?\r", INFO("+CME ERROR: SIM busy")},
    };
    ASSERT_EXCHANGES(x);
    cr_assert_str_eq(send_and_wait(NULL, "PB DONE", BOOT_BUDGET_MS),
                     INFO("+CPIN: READY") INFO("SMS DONE") INFO("PB DONE"));
    cr_assert_str_eq(io("AT+CPIN?\r"), INFO("+CPIN: READY") OK);
    cr_assert_str_eq(io("AT+CREG?\r"), INFO("+CREG: 0,1") OK);
}

/* CFUN=4 after CFUN=0 brings the SIM back (flight mode keeps it) but not the network. */
Test(power, cfun_4_after_cfun_0_brings_the_sim_back_without_the_network)
{
    cr_assert_str_eq(io("AT+CFUN=0\r"), INFO("+SIMCARD: NOT AVAILABLE") OK);
    cr_assert_str_eq(send_and_wait("AT+CFUN=4\r", "PB DONE", BOOT_BUDGET_MS),
                     OK INFO("+CPIN: READY") INFO("SMS DONE") INFO("PB DONE"));
    advance(BOOT_BUDGET_MS);
    cr_assert_str_eq(io("AT+CREG?\r"), INFO("+CREG: 0,0") OK);
    cr_assert_str_eq(io("AT+CGDCONT=1,\"IP\",\"internet\"\r"), OK);
    cr_assert_str_eq(io("AT+CFUN=1\r"), OK);
    cr_assert_str_eq(io("AT+CREG?\r"), INFO("+CREG: 0,1") OK);
}

/* CFUN=0 while the SIM is still coming back stops it: none of its boot lines follow. */
Test(power, cfun_0_while_the_sim_comes_back_stops_its_boot_lines)
{
    cr_assert_str_eq(io("AT+CFUN=0\r"), INFO("+SIMCARD: NOT AVAILABLE") OK);
    cr_assert_str_eq(io("AT+CFUN=1\r"), OK);
    cr_assert_str_eq(io("AT+CFUN=0\r"), INFO("+SIMCARD: NOT AVAILABLE") OK);
    cr_assert_str_eq(advance(BOOT_BUDGET_MS), "");
    cr_assert_str_eq(io("AT+CPIN?\r"), INFO("+CME ERROR: SIM failure"));
    cr_assert_str_eq(io("AT+CREG?\r"), INFO("+CREG: 0,0") OK);
}

/* A SIM taken out or put in while its interface is powered down goes unnoticed
 * until CFUN=1 powers it up: then the boot's SIM lines tell what is there. */
Test(power, a_sim_changed_during_cfun_0_is_noticed_at_cfun_1)
{
    cr_assert_str_eq(io("AT+CFUN=0\r"), INFO("+SIMCARD: NOT AVAILABLE") OK);
    ctl("sim remove");
    cr_assert_str_eq(advance(1), "");
    cr_assert_str_eq(io("AT+CFUN=1\r"), OK);
    cr_assert_str_eq(io("AT+CPIN?\r"), INFO("+CME ERROR: SIM not inserted"));
    cr_assert_str_eq(io("AT+CFUN=0\r"), OK);
    ctl("sim insert");
    cr_assert_str_eq(advance(1), "");
    cr_assert_str_eq(send_and_wait("AT+CFUN=1\r", "PB DONE", BOOT_BUDGET_MS),
                     OK INFO("+CPIN: READY") INFO("SMS DONE") INFO("PB DONE"));
}

/* Without a SIM there is nothing to power down or bring back: plain OKs. */
Test(power, without_a_sim_cfun_0_and_1_say_only_ok)
{
    ctl("sim remove");
    advance(1);
    cr_assert_str_eq(io("AT+CFUN=0\r"), OK);
    cr_assert_str_eq(io("AT+CPIN?\r"), INFO("+CME ERROR: SIM not inserted"));
    cr_assert_str_eq(io("AT+CFUN=1\r"), OK);
    cr_assert_str_eq(advance(BOOT_BUDGET_MS), "");
}

/* Each way to restart: OK, then the boot lines, and the module answers again
 * with its power-on settings (echo on, CSCLK 0). */
Test(power, creset_cfun_1_1_and_cfun_6_each_restart_the_module)
{
    static const char *const restarts[] = {"AT+CRESET\r", "AT+CFUN=1,1\r", "AT+CFUN=6\r"};
    for (size_t i = 0; i < sizeof restarts / sizeof restarts[0]; i++) {
        cr_assert_str_eq(io("AT+CSCLK=1\r"), OK);
        const char *said = send_and_wait(restarts[i], "PB DONE", BOOT_BUDGET_MS);
        cr_assert(strncmp(said, OK, strlen(OK)) == 0, "%s answers OK first: %s", restarts[i], said);
        cr_assert(strstr(said, "\r\nRDY\r\n") && strstr(said, "\r\nPB DONE\r\n"), "%s: the boot lines: %s",
                  restarts[i], said);
        cr_assert_str_eq(io("AT+CSCLK?\r"), "AT+CSCLK?\r" INFO("+CSCLK: 0") OK);
        cr_assert_str_eq(io("ATE0\r"), "ATE0\r" OK);
    }
}

/* AT+CSUB as captured on a SIM7600E-H; a model it was never captured on says ERROR. */
Test(models, csub_prints_the_captured_sub_version_where_there_is_one)
{
    start("SIM7600E-H");
    cr_assert_str_eq(io("AT+CSUB\r"), INFO("+CSUB: B04V03") "+CSUB: MDM9x07_LE20_S_22_V1.03_210527\r\n" OK);
    cr_assert_str_eq(io("AT+CSUB=?\r"), OK);
    cr_assert_str_eq(io("AT+CSUB?\r"), ERR);
    sim_drive_free(&drive);
    start("SIM7600E");
    cr_assert_str_eq(io("AT+CSUB\r"), ERR);
}

/* An A76xx answers CMQTTSTART and CMQTTSTOP with OK at once, the result line
 * after the work; a SIM7600 the other way round (findings §2, §22). */
Test(models, an_a7670e_says_ok_before_the_mqtt_service_result)
{
    start("A7670E");
    cr_assert_str_eq(io("AT+CMQTTREL=0\r"), OK);
    cr_assert_str_eq(io("AT+CMQTTSTOP\r"), OK INFO("+CMQTTSTOP: 0"));
    cr_assert_str_eq(io("AT+CMQTTSTART\r"), OK INFO("+CMQTTSTART: 0"));
    cr_assert_str_eq(io("AT+CMQTTSTART\r"), INFO("+CMQTTSTART: 23") ERR, "a refusal is still synchronous");
    sim_drive_free(&drive);
    start(NULL);
    cr_assert_str_eq(io("AT+CMQTTREL=0\r"), OK);
    cr_assert_str_eq(io("AT+CMQTTSTOP\r"), INFO("+CMQTTSTOP: 0") OK);
}

/* The serving cell is on a band the model has: a SIM7600NA-H has no band 3. */
Test(models, the_serving_cell_is_on_the_models_band)
{
    start("SIM7600NA-H");
    const char *cpsi = io("AT+CPSI?\r");
    cr_assert(strstr(cpsi, ",EUTRAN-BAND2,900,"), "band 2 and a band 2 channel: %s", cpsi);
    sim_drive_free(&drive);
    start("SIM7600G-H");
    cpsi = io("AT+CPSI?\r");
    cr_assert(strstr(cpsi, ",EUTRAN-BAND3,1575,"), "band 3 and a band 3 channel: %s", cpsi);
}

Test(power, cpof_answers_ok_then_nothing_until_the_control_socket_powers_it_on)
{
    cr_assert_str_eq(send_and_wait("AT+CPOF\r", "RDY", BOOT_BUDGET_MS), OK, "no boot lines follow");
    cr_assert_str_eq(io("AT\r"), "", "nor hears the host");
    cr_assert(strstr(ctl("state"), "\"power\":\"off\""), "%s", ctl("state"));
    cr_assert_str_eq(io("AT+CREG=1\r"), "");
    ctl("reg 0");
    ctl("sim remove");
    ctl("sim insert");
    cr_assert_str_eq(send_and_wait(NULL, "+C", BOOT_BUDGET_MS), "", "a module that is off reports no network or SIM change");
    cr_assert(strncmp(ctl("reboot"), "OK", 2) == 0, "%s", ctl("reboot"));
    cr_assert(strstr(send_and_wait(NULL, "PB DONE", BOOT_BUDGET_MS), "RDY"));
    cr_assert_str_eq(io("AT\r"), "AT\r" OK);
}

/* Powering down detaches from the network (AT §4.12): a running MQTT service
 * hears it as AT+CRESET's goodbye does (findings §7, §22), then silence. */
Test(forms, cpof_on_a_module_with_mqtt_running_says_goodbye_to_the_network_first)
{
    cr_assert_str_eq(send_and_wait("AT+CPOF\r", "RDY", BOOT_BUDGET_MS), OK INFO("+CMQTTNONET"));
    cr_assert_str_eq(io("AT+CMQTTSTART\r"), "");
}

/* Offline mode (7) is left only through a restart (AT §4.1): CFUN=1 alone is
 * refused, CFUN=0 or 4 restart the module online. */
Test(power, offline_mode_is_left_only_through_a_restart)
{
    static const char *const ways_out[] = {"AT+CFUN=0\r", "AT+CFUN=4\r", "AT+CFUN=6\r", "AT+CFUN=1,1\r"};
    for (size_t i = 0; i < sizeof ways_out / sizeof ways_out[0]; i++) {
        cr_assert_str_eq(io("AT+CFUN=7\r"), OK);
        cr_assert_str_eq(io("AT+CFUN?\r"), INFO("+CFUN: 7") OK);
        cr_assert_str_eq(io("AT+CREG?\r"), INFO("+CREG: 0,0") OK);
        cr_assert_str_eq(io("AT+CFUN=1\r"), INFO("+CME ERROR: operation not allowed"));
        const char *said = send_and_wait(ways_out[i], "PB DONE", BOOT_BUDGET_MS);
        cr_assert(strncmp(said, OK, strlen(OK)) == 0 && strstr(said, "\r\nRDY\r\n"), "%s restarts: %s",
                  ways_out[i], said);
        cr_assert_str_eq(io("ATE0\r"), "ATE0\r" OK);
        cr_assert_str_eq(send_and_wait("AT+CFUN?\r", OK, BOOT_BUDGET_MS), INFO("+CFUN: 1") OK);
    }
}
