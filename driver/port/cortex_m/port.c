/* sim7600_port on UART0 and SysTick, and the emulator's command line. */
#include <string.h>

#include "board.h"
#include "cmsdk.h"
#include "sim7600_cortex_m.h"

static int port_write(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    uart0_write(buf, len);
    return (int)len;
}

/* Sleeps in WFI until the ring holds a byte or the time is up. The check and
 * the WFI run with interrupts masked: an interrupt between them still wakes
 * the WFI (ARMv7-M: a pending interrupt ends WFI even when masked). */
static int port_read(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
    uint32_t end = board_now_ms() + timeout_ms;
    size_t n;
    (void)ctx;
    for (;;) {
        irq_disable();
        n = uart0_take(buf, cap);
        if (n > 0 || (int32_t)(board_now_ms() - end) >= 0) {
            irq_enable();
            return (int)n;
        }
        cpu_wait();
        irq_enable(); /* the pending interrupt runs here */
    }
}

static uint32_t port_now_ms(void *ctx)
{
    (void)ctx;
    return board_now_ms();
}

static void port_sleep_ms(void *ctx, uint32_t ms)
{
    (void)ctx;
    board_sleep_ms(ms);
}

/* This board has no wire to the module's PWRKEY or RESET: a no-op that says
 * so and answers "not possible" (the contract's <0), so the driver counts no
 * reset that did not happen. A board with the wire drives it here. */
static int port_reset_module(void *ctx)
{
    (void)ctx;
    status_printf("port: reset_module: this board has no wire to the module's PWRKEY/RESET; nothing done");
    return -1;
}

static const struct sim7600_port port = {
    .ctx = NULL,
    .write = port_write,
    .read = port_read,
    .now_ms = port_now_ms,
    .sleep_ms = port_sleep_ms,
    .reset_module = port_reset_module,
};

const struct sim7600_port *sim7600_cortex_m_port(void) { return &port; }

/* ARM semihosting (QEMU -semihosting-config enable=on): BKPT 0xAB with the
 * operation in r0 and its argument block in r1. */
/* SYS_EXIT_EXTENDED: on 32-bit ARM plain SYS_EXIT carries no exit status. */
enum { SYS_GET_CMDLINE = 0x15, SYS_EXIT_EXTENDED = 0x20 };
/* the reason for a normal end (ARM semihosting spec, ADP_Stopped_ApplicationExit) */
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static int semihost(uint32_t op, void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return (int)r0;
}

int board_cmdline(char *buf, size_t cap)
{
    struct {
        char *buf;
        uint32_t len;
    } block = {buf, (uint32_t)cap};
    if (cap == 0 || semihost(SYS_GET_CMDLINE, &block) != 0)
        return -1;
    buf[cap - 1] = '\0';
    return 0;
}

void board_exit(int code)
{
    uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
    (void)semihost(SYS_EXIT_EXTENDED, block);
    irq_disable();
    for (;;) /* no emulator to end: stop here */
        cpu_wait();
}
