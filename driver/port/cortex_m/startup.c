/* Reset and exceptions for a Cortex-M4: the vector table, the reset handler
 * that lays out RAM before main, and a HardFault handler that says where the
 * firmware crashed (the runner turns that line into its failure message). */
#include <stdint.h>

#include "cmsdk.h"
#include "sim7600_cortex_m.h"

/* From the linker script. */
extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;

int main(void);
void reset_handler(void);
void hardfault_handler(void);
void fault_report(const uint32_t *frame);
void SysTick_Handler(void);
void UART0RX_Handler(void);

/* Exceptions with nothing to do here are faults too: an interrupt enabled by
 * mistake must not run off into garbage. */
static void unexpected_handler(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    status_printf("HardFault: unexpected exception %u (no handler)", (unsigned)ipsr);
    irq_disable();
    for (;;)
        cpu_wait();
}

/* The stacked frame: r0-r3, r12, lr, pc, xpsr (ARMv7-M B1.5.6). */
enum { FRAME_LR = 5, FRAME_PC = 6, FRAME_XPSR = 7 };

void fault_report(const uint32_t *frame)
{
    status_printf("HardFault: pc=0x%x lr=0x%x xpsr=0x%x cfsr=0x%x hfsr=0x%x",
                  (unsigned)frame[FRAME_PC], (unsigned)frame[FRAME_LR],
                  (unsigned)frame[FRAME_XPSR], (unsigned)SCB_CFSR, (unsigned)SCB_HFSR);
    irq_disable();
    for (;;) /* stopped: the runner reads the line above and ends the emulator */
        cpu_wait();
}

/* Hands the frame of whichever stack was in use to fault_report. */
__attribute__((naked)) void hardfault_handler(void)
{
    __asm__ volatile("tst lr, #4\n"
                     "ite eq\n"
                     "mrseq r0, msp\n"
                     "mrsne r0, psp\n"
                     "b fault_report\n");
}

void reset_handler(void)
{
    const uint32_t *src = &_sidata;
    uint32_t *dst;
    for (dst = &_sdata; dst < &_edata; dst++)
        *dst = *src++;
    for (dst = &_sbss; dst < &_ebss; dst++)
        *dst = 0;
    (void)main();
    status_printf("HardFault: main returned; stopped");
    irq_disable();
    for (;;)
        cpu_wait();
}

typedef void (*vector)(void);
#define U unexpected_handler

enum { N_SYSTEM = 16, N_IRQ = 32 };

/* Index = exception number (ARMv7-M B1.5.2); IRQ n is entry 16 + n. */
__attribute__((section(".vectors"), used)) static const vector vectors[N_SYSTEM + N_IRQ] = {
    [0] = (vector)(uintptr_t)&_estack,
    [1] = reset_handler,
    [2] = unexpected_handler,  /* NMI */
    [3] = hardfault_handler,
    [4] = hardfault_handler,   /* MemManage, BusFault, UsageFault: not enabled, */
    [5] = hardfault_handler,   /* so they escalate to HardFault anyway */
    [6] = hardfault_handler,
    [11] = unexpected_handler, /* SVCall */
    [12] = unexpected_handler, /* DebugMonitor */
    [14] = unexpected_handler, /* PendSV */
    [15] = SysTick_Handler,
    /* IRQ 0 is UART0's receive interrupt; the rest are not enabled */
    UART0RX_Handler, U, U, U, U, U, U, U, U, U, U, U, U, U, U, U,
    U, U, U, U, U, U, U, U, U, U, U, U, U, U, U, U,
};
