/* The module variants the simulator can be (sim7600-sim --model, a scenario's
 * `model`): one table, one entry per variant, with what a firmware reads to
 * tell them apart and the behaviour that differs between them. Every value
 * has its source in sim/real-module-findings.md §22.
 *
 * It lives in common/ because two parts need it and may not see each other's
 * headers (make layering): the simulator answers from it and the scenario
 * parser rejects an unknown name at parse time. Pure data: no I/O, no state. */
#ifndef COMMON_MODULE_MODELS_H
#define COMMON_MODULE_MODELS_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

struct module_model {
    const char *name;           /* as --model and `model` take it: "SIM7600G-H" */
    const char *manufacturer;   /* AT+CGMI and ATI's "Manufacturer:" */
    const char *model;          /* AT+CGMM and ATI's "Model:" */
    const char *revision;       /* AT+CGMR's "+CGMR: " and ATI's "Revision:" */
    const char *build;          /* the line AT+SIMCOMATI prints after Revision; NULL: none */
    const char *gcap;           /* the "+GCAP: " list */
    const char *device_info;    /* AT+SIMCOMATI's QCN:/MEID:/DeviceInfo: block is printed, with
                                   this after "DeviceInfo: " ("" prints it empty); NULL: no block */
    const char *ready_urc;      /* the boot line that says the UART is up: "RDY" / "*ATREADY: 1" */
    const char *sub_version;    /* AT+CSUB's two lines: "B04V03" and the baseband build; */
    const char *sub_build;      /* NULL: no capture of it, the command answers ERROR */
    bool mqtt_ok_first;         /* AT+CMQTTSTART/STOP answer OK before their result line */
    bool http_term_idle_ok;     /* AT+HTTPTERM with no HTTP service answers OK, not ERROR */
    const char *lte_bands;      /* the LTE bands it supports, "1,3,5" */
    int serving_band;           /* the band of the simulated cell, one of lte_bands */
};

/* The variant a simulator is when nobody names one (SIM7600E, as before models). */
const struct module_model *module_model_default(void);
/* The variant of that name (exact, as listed), or NULL. */
const struct module_model *module_model_find(const char *name);
/* Every variant, in table order: i from 0 while the result is not NULL. */
const struct module_model *module_model_at(size_t i);
/* Appends the names, comma-separated, for "expected one of ..." messages. */
void module_model_list(struct strbuf *out);

#endif
