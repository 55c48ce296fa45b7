/* The port's receive ring under backpressure, for
 * tests/firmware/test-run-firmware.sh: the image sends BURST commands and
 * reads nothing until the module's answers (about 2.7 KB) have overrun the
 * 2 KB ring; the UART must hold the line instead of dropping, so every OK
 * arrives once it reads again. */
#include <stdbool.h>
#include <string.h>

#include "sim7600_cortex_m.h"

#define BURST 300u
#define HANDSHAKE_TRIES 50u
#define READ_TIMEOUT_MS 500u
#define FILL_WAIT_MS 2000u

/* Counts "OK\r\n" in a byte stream read in pieces. */
struct ok_counter {
    char last[3];
    unsigned n;
};

static void count_ok(struct ok_counter *c, const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (c->last[0] == 'O' && c->last[1] == 'K' && c->last[2] == '\r' && p[i] == '\n')
            c->n++;
        memmove(c->last, c->last + 1, 2);
        c->last[2] = (char)p[i];
    }
}

/* Reads until the module is quiet for READ_TIMEOUT_MS; counts the OKs. */
static unsigned drain(const struct sim7600_port *port)
{
    struct ok_counter c = {{0}, 0};
    uint8_t buf[64];
    int got;
    while ((got = port->read(port->ctx, buf, sizeof buf, READ_TIMEOUT_MS)) > 0)
        count_ok(&c, buf, (size_t)got);
    return c.n;
}

int main(void)
{
    const struct sim7600_port *port;
    unsigned i, ok;
    bool up = false;
    board_init();
    port = sim7600_cortex_m_port();
    for (i = 0; i < HANDSHAKE_TRIES && !up; i++) { /* the module boots first */
        port->write(port->ctx, (const uint8_t *)"AT\r", 3);
        up = drain(port) > 0;
    }
    if (!up) {
        status_printf("ring: the module never answered AT");
        board_exit(1);
    }
    for (i = 0; i < BURST; i++)
        port->write(port->ctx, (const uint8_t *)"AT\r", 3);
    board_sleep_ms(FILL_WAIT_MS); /* not reading: the answers overrun the ring */
    ok = drain(port);
    status_printf("ring: %u OK of %u", ok, BURST);
    board_exit(ok == BURST ? 0 : 1);
}
