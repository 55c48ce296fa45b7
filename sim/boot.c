/* The boot timeline: from power-on (or AT+CRESET, AT+CFUN=1,1, a control
 * reboot) to a module at work, one stage at a time on the event queue.
 *
 *   OFF ─(first open of the port)─► DEAF ─► SIM_BUSY ─► SIM_READY ─► SMS_DONE ─► PB_DONE ─► DONE
 *                                   (deaf)   "RDY"      "+CPIN: ..."  "SMS DONE"  "PB DONE"
 *                                                           └──────► registered (POWER_ON)
 *
 * A deaf module drops what the host sends (its UART is not up); from RDY it
 * answers AT, but what reads the SIM answers "SIM busy" until +CPIN: READY
 * (findings §7, §20). The network attach starts with the SIM and runs beside
 * the SMS and phonebook loading (S1a: registered, no PB DONE yet). Without a
 * SIM, "+CPIN: SIM REMOVED" ends the boot. AT+CFUN=0 stops the SIM's part
 * (boot_sim_off) and AT+CFUN=1 or 4 runs it again from SIM_BUSY (boot_sim_restart). */
#include "sim_internal.h"

#include <string.h>

/* A host that opens the port configures it (tcsetattr) and flushes it
 * (pyserial, tty.setraw, libserialport) a few ms later; RDY waits at least this
 * long after the core heard of the open, so those hosts see it (findings §20). */
#define BOOT_HOST_GRACE_MS 100

/* ms from the previous stage's start (registration: from +CPIN: READY), by
 * latency profile. Realistic figures
 * and their sources are in findings §20: power-on to UART ready is the
 * "Ton-status 16 s" typical of SIM7600 in Espressif's esp_modem SIM7600 board
 * example, a reset its "wait 10 s after reset"; the SIM, SMS and phonebook
 * gaps are estimates from S1a, S6 and S7 (no timed capture of them exists).
 * Fast: short, but RDY still never precedes BOOT_HOST_GRACE_MS after an open. */
struct boot_timing {
    uint32_t uart_power_on, uart_reset, sim, sms, pb, registration;
};

static const struct boot_timing timing[] = {
    [SIM_LATENCY_FAST] = {.uart_power_on = 100, .uart_reset = 100, .sim = 50, .sms = 10, .pb = 10,
                          .registration = 20},    /* PB DONE's moment, and scheduled first: before it */
    [SIM_LATENCY_REALISTIC] = {.uart_power_on = 16000, .uart_reset = 10000, .sim = 1000, .sms = 100,
                               .pb = 3000, .registration = 2000},
};

/* Commands that read the SIM's state but look for the SIM themselves (not
 * CMD_NEEDS_SIM): before +CPIN: READY they answer SIM busy too. */
static const char *const sim_state_commands[] = {"+CPIN"};

static const struct boot_timing *boot_timing(const struct sim *s)
{
    return &timing[s->cfg.latency];
}

static void schedule_step(struct sim *s, uint64_t due_us)
{
    sim_schedule_at(s, due_us, &(struct sim_event){.kind = EV_BOOT_STEP});
}

static void schedule_registration(struct sim *s, uint64_t due_us)
{
    sim_schedule_at(s, due_us, &(struct sim_event){.kind = EV_BOOT_REGISTERED});
}

static uint64_t ms_us(uint32_t ms)
{
    return (uint64_t)ms * 1000u;
}

void boot_start(struct sim *s, enum boot_cause cause)
{
    const struct boot_timing *t = boot_timing(s);
    s->boot = BOOT_DEAF;
    s->power = POWER_BOOTING;
    s->stats.boots++;
    schedule_step(s, s->now_us + ms_us(cause == BOOT_RESET ? t->uart_reset : t->uart_power_on));
}

void boot_skip(struct sim *s)
{
    s->boot = BOOT_DONE;
    s->power = POWER_ON;
}

void boot_host_opened(struct sim *s)
{
    s->host_opened_us = s->now_us;
    if (s->boot == BOOT_OFF)
        boot_start(s, BOOT_POWER_ON);
}

/* The stage after the current one: without a SIM there is no SMS or phonebook to load. */
static enum boot_stage next_stage(const struct sim *s)
{
    if (s->boot == BOOT_SIM_READY && !s->world.sim_present)
        return BOOT_DONE;
    return s->boot + 1;
}

/* How long the stage `st` lasts before the next one starts. */
static uint32_t stage_ms(const struct sim *s, enum boot_stage st)
{
    const struct boot_timing *t = boot_timing(s);
    switch (st) {
    case BOOT_SIM_BUSY: return t->sim;
    case BOOT_SIM_READY: return s->world.sim_present ? t->sms : 0;
    case BOOT_SMS_DONE: return t->pb;
    case BOOT_PB_DONE:
    case BOOT_SWITCHED_OFF:
    case BOOT_OFF:
    case BOOT_DEAF:
    case BOOT_DONE:
        break;
    }
    return 0;
}

/* What the module does as it enters a stage, at `at_us` (the stage's due time:
 * a clock run forward in one step still sees each stage last its time). */
static void enter(struct sim *s, enum boot_stage st, uint64_t at_us)
{
    s->boot = st;
    switch (st) {
    case BOOT_SIM_BUSY:
        modem_clock_start(s);         /* the clock runs from its power-on value once the module is up */
        sim_urc(s, "%s", modem_model(s)->ready_urc);   /* RDY, or an A76xx's *ATREADY: 1 */
        break;
    case BOOT_SIM_READY:
        sim_urc(s, s->world.sim_present ? "+CPIN: READY" : "+CPIN: SIM REMOVED");
        if (s->world.sim_present)
            schedule_registration(s, at_us + ms_us(boot_timing(s)->registration));
        break;
    case BOOT_SMS_DONE:
        sim_urc(s, "SMS DONE");
        break;
    case BOOT_PB_DONE:
        sim_urc(s, "PB DONE");
        break;
    case BOOT_DONE:
        if (!s->world.sim_present)
            s->power = POWER_ON;      /* no network to wait for: the module is at work */
        return;
    case BOOT_SWITCHED_OFF:
    case BOOT_OFF:
    case BOOT_DEAF:
        return;
    }
    schedule_step(s, at_us + ms_us(stage_ms(s, st)));
}

/* The network attach is done: the module is at work and reports its registration. */
static void registered(struct sim *s)
{
    s->power = POWER_ON;
    modem_report_registration(s);
}

static void step(struct sim *s, uint64_t due_us)
{
    if (s->boot == BOOT_DEAF && s->host_attached) {
        uint64_t configured = s->host_opened_us + ms_us(BOOT_HOST_GRACE_MS);
        if (due_us < configured) {     /* a host just opened the port: let it set it up first */
            schedule_step(s, configured);
            return;
        }
    }
    if (s->boot > BOOT_OFF && s->boot != BOOT_DONE)
        enter(s, next_stage(s), due_us);
}

void boot_event(struct sim *s, const struct sim_event *ev)
{
    if (ev->kind == EV_BOOT_REGISTERED)
        registered(s);
    else
        step(s, ev->due_us);
}

/* Drops the timeline's pending steps and attach, keeping every other event in order. */
static void cancel_steps(struct sim *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nevents; i++)
        if (s->events[i].kind != EV_BOOT_STEP && s->events[i].kind != EV_BOOT_REGISTERED)
            s->events[n++] = s->events[i];
    s->nevents = n;
}

/* AT+CFUN=0 powers the SIM interface down (findings §22): what the SIM's part
 * of the timeline had left to say is not said, and no attach follows. */
void boot_sim_off(struct sim *s)
{
    cancel_steps(s);
    if (s->boot >= BOOT_SIM_BUSY && s->boot < BOOT_DONE)
        s->boot = BOOT_DONE;
    if (s->power == POWER_BOOTING)
        s->power = POWER_ON;
}

/* AT+CFUN=1 or 4 after AT+CFUN=0: the SIM powers up and its part of the boot
 * runs again from "SIM busy": +CPIN: READY (the attach after it), SMS DONE,
 * PB DONE (findings §22). */
void boot_sim_restart(struct sim *s)
{
    cancel_steps(s);
    s->boot = BOOT_SIM_BUSY;
    s->power = POWER_BOOTING;
    schedule_step(s, s->now_us + ms_us(boot_timing(s)->sim));
}

bool boot_hears(const struct sim *s)
{
    return s->boot >= BOOT_SIM_BUSY;
}

static bool reads_sim_state(const char *name)
{
    for (size_t i = 0; i < sizeof sim_state_commands / sizeof sim_state_commands[0]; i++)
        if (strcmp(sim_state_commands[i], name) == 0)
            return true;
    return false;
}

bool boot_sim_busy(const struct sim *s, const struct command *cmd, const struct at_cmdline_cmd *c)
{
    /* a test form asks about the syntax, which the module knows before the SIM (inference) */
    if (s->boot != BOOT_SIM_BUSY || c->form == AT_FORM_TEST)
        return false;
    return (cmd->flags & CMD_NEEDS_SIM) || reads_sim_state(cmd->name);
}
