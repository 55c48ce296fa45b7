/* The driver's bare-metal port for an ARM Cortex-M4 board (MPS2 AN386, as
 * QEMU's mps2-an386 emulates it): UART0 to the module with an interrupt-fed
 * receive ring, UART1 for status lines, a SysTick millisecond clock, and
 * WFI sleep whenever the firmware waits (never a busy loop).
 *
 * A firmware calls board_init() once, takes the port from
 * sim7600_cortex_m_port() and writes its status with status_printf(). */
#ifndef SIM7600_CORTEX_M_H
#define SIM7600_CORTEX_M_H

#include <stddef.h>
#include <stdint.h>

#include "sim7600_port.h"

/* SysTick at 1 kHz, UART0 (module) with its RX interrupt, UART1 (status). */
void board_init(void);

/* The port on UART0: read sleeps in WFI until a byte or the timeout,
 * reset_module says on the status UART that this board has no reset line. */
const struct sim7600_port *sim7600_cortex_m_port(void);

/* Milliseconds since board_init (wraps after 49 days). */
uint32_t board_now_ms(void);
/* Sleeps in WFI for ms milliseconds. */
void board_sleep_ms(uint32_t ms);

/* One status line on UART1: %s %d %u %x %c and %%, nothing else (no libc
 * printf: it would cost more flash than the driver's own formatting). */
void status_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The command line the emulator was given (QEMU -semihosting-config
 * arg=...), NUL-terminated in buf; 0 on success, <0 when none is available. */
int board_cmdline(char *buf, size_t cap);

/* Ends the emulation with exit status code (semihosting SYS_EXIT_EXTENDED; QEMU
 * exits with it). On a board without a debugger attached it just stops. */
void board_exit(int code) __attribute__((noreturn));

#endif
