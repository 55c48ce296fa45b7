/* What the port's files share among themselves (not for firmware code). */
#ifndef BOARD_H
#define BOARD_H

#include <stddef.h>
#include <stdint.h>

void uart_init(void);
/* Takes up to cap received bytes out of the ring; 0 when it is empty.
 * Call with interrupts disabled. */
size_t uart0_take(uint8_t *buf, size_t cap);
void uart0_write(const uint8_t *buf, size_t len);
void uart1_write(const uint8_t *buf, size_t len);
void clock_init(void);

#endif
