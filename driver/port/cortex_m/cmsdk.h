/* Register map of what the port touches on the MPS2 AN386 board (Cortex-M4):
 * the CMSDK APB UARTs and the core's SysTick, SCB and NVIC. Written from the
 * ARM CMSDK and ARMv7-M architecture manuals' register tables; no vendor
 * header is used, so the port builds with nothing but arm-none-eabi-gcc. */
#ifndef CMSDK_H
#define CMSDK_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))

/* ---- CMSDK APB UART (one block per UART) ----------------------------------- */
struct cmsdk_uart {
    volatile uint32_t data;      /* 0x00 RX on read, TX on write */
    volatile uint32_t state;     /* 0x04 TX/RX full flags */
    volatile uint32_t ctrl;      /* 0x08 enables and interrupt enables */
    volatile uint32_t intstatus; /* 0x0C read: pending; write 1: clear */
    volatile uint32_t bauddiv;   /* 0x10 clock / baud, at least 16 */
};

#define UART0_BASE 0x40004000u   /* the module's UART */
#define UART1_BASE 0x40005000u   /* status lines for the runner */
#define UART0 ((struct cmsdk_uart *)UART0_BASE)
#define UART1 ((struct cmsdk_uart *)UART1_BASE)

#define UART_STATE_TXFULL  (1u << 0)
#define UART_STATE_RXFULL  (1u << 1)
#define UART_CTRL_TXEN     (1u << 0)
#define UART_CTRL_RXEN     (1u << 1)
#define UART_CTRL_RXINTEN  (1u << 3)
#define UART_INT_RX        (1u << 1)

#define UART0_RX_IRQ 0u          /* AN386: UART0 receive interrupt */

/* ---- SysTick, SCB, NVIC (ARMv7-M system control space) --------------------- */
#define SYST_CSR   REG32(0xE000E010u)
#define SYST_RVR   REG32(0xE000E014u)
#define SYST_CVR   REG32(0xE000E018u)
#define SYST_CSR_ENABLE    (1u << 0)
#define SYST_CSR_TICKINT   (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2) /* the processor clock */

#define SCB_CFSR   REG32(0xE000ED28u) /* configurable fault status: why it faulted */
#define SCB_HFSR   REG32(0xE000ED2Cu)
#define SCB_AIRCR  REG32(0xE000ED0Cu)
#define SCB_AIRCR_VECTKEY    (0x05FAu << 16)
#define SCB_AIRCR_SYSRESETREQ (1u << 2)

#define NVIC_ISER0 REG32(0xE000E100u)

#define CPU_HZ 25000000u          /* AN386 runs its core at 25 MHz */

static inline void irq_disable(void) { __asm__ volatile("cpsid i" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile("cpsie i" ::: "memory"); }
/* Sleeps until an interrupt is pending; with PRIMASK set it wakes without
 * taking it, so a check-then-sleep under irq_disable() loses no wake-up. */
static inline void cpu_wait(void) { __asm__ volatile("wfi" ::: "memory"); }

#endif
