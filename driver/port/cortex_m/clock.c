/* The millisecond clock: SysTick from the core clock, one interrupt per ms
 * (which also wakes a WFI sleeper, so timeouts are seen within a tick). */
#include "board.h"
#include "cmsdk.h"
#include "sim7600_cortex_m.h"

#define TICK_HZ 1000u

static volatile uint32_t ticks_ms;

void SysTick_Handler(void);
void SysTick_Handler(void) { ticks_ms++; }

void clock_init(void)
{
    SYST_RVR = CPU_HZ / TICK_HZ - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
}

uint32_t board_now_ms(void) { return ticks_ms; }

void board_sleep_ms(uint32_t ms)
{
    uint32_t end = ticks_ms + ms;
    while ((int32_t)(ticks_ms - end) < 0)
        cpu_wait();
}

void board_init(void)
{
    clock_init();
    uart_init();
}
