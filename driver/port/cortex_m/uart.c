/* CMSDK APB UARTs: UART0 to the module, received by interrupt into a ring;
 * UART1 for status lines, written by polling (it is only read by a person or
 * the test runner, and a line is short).
 *
 * Nothing received is ever dropped: when the ring is full the RX interrupt
 * is switched off and the byte waits in the UART, which then holds the line
 * (QEMU stops reading the pty; a real UART would assert RTS). uart0_take
 * makes room and takes that byte in. */
#include "board.h"
#include "cmsdk.h"

#define BAUD 115200u
#define RX_RING_SIZE 2048u /* a power of two: indices wrap by masking */

/* Written by the ISR, read by the task with interrupts off. */
static struct {
    uint8_t buf[RX_RING_SIZE];
    volatile uint32_t head, tail; /* free-running; head - tail = bytes held */
} rx;

/* Moves bytes from UART0's receive register into the ring while both allow:
 * returns false when the ring is full and a byte still waits. */
static int rx_pull(void)
{
    while (UART0->state & UART_STATE_RXFULL) {
        if (rx.head - rx.tail == RX_RING_SIZE)
            return 0;
        rx.buf[rx.head & (RX_RING_SIZE - 1u)] = (uint8_t)UART0->data;
        rx.head++;
    }
    return 1;
}

/* Pulls in what UART0 holds and sets its RX interrupt to match: on while
 * the ring has room, off while a byte waits for room. A byte that arrives
 * while it is off raises nothing, not even once it is back on (the CMSDK
 * UART flags a byte only as it arrives), so every uart0_take pulls first:
 * a reader asleep in WFI is woken by the next SysTick, within 1 ms. */
static void rx_sync(void)
{
    if (rx_pull())
        UART0->ctrl |= UART_CTRL_RXINTEN;
    else
        UART0->ctrl &= ~UART_CTRL_RXINTEN;
}

void UART0RX_Handler(void);
void UART0RX_Handler(void)
{
    UART0->intstatus = UART_INT_RX;
    rx_sync();
}

size_t uart0_take(uint8_t *buf, size_t cap)
{
    size_t n = 0;
    rx_sync();
    while (n < cap && rx.head != rx.tail) {
        buf[n++] = rx.buf[rx.tail & (RX_RING_SIZE - 1u)];
        rx.tail++;
    }
    rx_sync(); /* room made: a byte held back comes in now */
    return n;
}

static void uart_write(struct cmsdk_uart *u, const uint8_t *buf, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        while (u->state & UART_STATE_TXFULL)
            ; /* one character time at most: the UART drains on its own */
        u->data = buf[i];
    }
}

void uart0_write(const uint8_t *buf, size_t len) { uart_write(UART0, buf, len); }
void uart1_write(const uint8_t *buf, size_t len) { uart_write(UART1, buf, len); }

void uart_init(void)
{
    UART0->bauddiv = CPU_HZ / BAUD;
    UART1->bauddiv = CPU_HZ / BAUD;
    UART1->ctrl = UART_CTRL_TXEN;
    /* the CMSDK UART needs TX and RX enabled both to talk both ways */
    UART0->ctrl = UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXINTEN;
    NVIC_ISER0 = 1u << UART0_RX_IRQ;
}
