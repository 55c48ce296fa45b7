/* The module variants: sources and confidence per value in
 * sim/real-module-findings.md §22. */
#include "module_models.h"

#include <string.h>

#define SIMCOM "SIMCOM INCORPORATED"
#define SIM7600_READY "RDY"               /* findings §7 */
#define A76XX_READY "*ATREADY: 1"         /* §22: A76xx drivers wait for it */
#define LE20_DEVICE_INFO "173,170"        /* §22: two SIM7600G-H SIMCOMATI captures */
#define LE20_SUB_VERSION "B04V03"         /* §22: AT+CSUB of a SIM7600E-H (S11) */
#define LE20_SUB_BUILD "MDM9x07_LE20_S_22_V1.03_210527"

static const struct module_model models[] = {
    {   /* the simulator's identity before models existed (findings §17, S3, S16) */
        .name = "SIM7600E", .manufacturer = SIMCOM, .model = "SIMCOM_SIM7600E",
        .revision = "SIM7600M21-A_V1.1", .gcap = "+CGSM", .ready_urc = SIM7600_READY,
        .lte_bands = "1,3,7,8,20", .serving_band = 3,
    },
    {   /* S11: AT+CGMM / AT+CGMR of a SIM7600E-H */
        .name = "SIM7600E-H", .manufacturer = SIMCOM, .model = "SIMCOM_SIM7600E-H",
        .revision = "LE20B04SIM7600M22", .gcap = "+CGSM", .device_info = LE20_DEVICE_INFO, .sub_version = LE20_SUB_VERSION,
        .sub_build = LE20_SUB_BUILD,
        .ready_urc = SIM7600_READY, .lte_bands = "1,3,5,7,8,20,38,40,41", .serving_band = 3,
    },
    {   /* S1a and a LilyGO example's comment: AT+SIMCOMATI of a SIM7600G-H */
        .name = "SIM7600G-H", .manufacturer = SIMCOM, .model = "SIMCOM_SIM7600G-H",
        .revision = "LE20B04SIM7600G22", .gcap = "+CGSM", .device_info = LE20_DEVICE_INFO, .sub_version = LE20_SUB_VERSION,
        .sub_build = LE20_SUB_BUILD,
        .ready_urc = SIM7600_READY,
        .http_term_idle_ok = true,   /* T-SIM7600X #135: OK after power-on (findings §31) */
        .lte_bands = "1,2,3,4,5,7,8,12,13,18,19,20,25,26,28,34,38,39,40,41,66", .serving_band = 3,
    },
    {   /* no capture: the M22 firmware line the other -H variants run (inference) */
        .name = "SIM7600SA-H", .manufacturer = SIMCOM, .model = "SIMCOM_SIM7600SA-H",
        .revision = "LE20B04SIM7600M22", .gcap = "+CGSM", .device_info = LE20_DEVICE_INFO, .sub_version = LE20_SUB_VERSION,
        .sub_build = LE20_SUB_BUILD,
        .ready_urc = SIM7600_READY, .lte_bands = "1,2,3,4,5,7,8,28,66", .serving_band = 3,
    },
    {   /* no capture, as SA-H; North America: no band 3, the cell is on band 2 */
        .name = "SIM7600NA-H", .manufacturer = SIMCOM, .model = "SIMCOM_SIM7600NA-H",
        .revision = "LE20B04SIM7600M22", .gcap = "+CGSM", .device_info = LE20_DEVICE_INFO, .sub_version = LE20_SUB_VERSION,
        .sub_build = LE20_SUB_BUILD,
        .ready_urc = SIM7600_READY, .lte_bands = "2,4,5,12,13,14,66,71", .serving_band = 2,
    },
    {   /* LilyGo-Modem-Series #469: ATI and AT+SIMCOMATI of an A7670E-LASE, which
         * really prints "Manufacturer: INCORPORATED" */
        .name = "A7670E", .manufacturer = "INCORPORATED", .model = "A7670E-LASE",
        .revision = "A011B12A7670M7", .build = "A7670M7_B12V02_220613", .gcap = "+CGSM,+FCLASS,+DS",
        .device_info = "", .ready_urc = A76XX_READY, .mqtt_ok_first = true,
        .lte_bands = "1,3,5,7,8,20", .serving_band = 3,
    },
};

#define MODEL_COUNT (sizeof models / sizeof models[0])

const struct module_model *module_model_default(void)
{
    return &models[0];
}

const struct module_model *module_model_find(const char *name)
{
    for (size_t i = 0; i < MODEL_COUNT; i++)
        if (strcmp(models[i].name, name) == 0)
            return &models[i];
    return NULL;
}

const struct module_model *module_model_at(size_t i)
{
    return i < MODEL_COUNT ? &models[i] : NULL;
}

void module_model_list(struct strbuf *out)
{
    for (size_t i = 0; i < MODEL_COUNT; i++)
        sb_printf(out, "%s%s", i ? ", " : "", models[i].name);
}
