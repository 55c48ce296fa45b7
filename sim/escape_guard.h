/* V.250 §6.3.6's escape from a data mode: "+++" framed by guard times of
 * silence. Transparent sockets (tcpip_transparent.c) and PPP (ppp_dial.c)
 * both pass the host's bytes through one of these: a '+' that may be part of
 * the escape is held back, and given back as data when what follows shows it
 * was not. No I/O: times are passed in. */
#ifndef SIM_ESCAPE_GUARD_H
#define SIM_ESCAPE_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#define ESCAPE_GUARD_CHAR '+'
#define ESCAPE_GUARD_LEN 3

struct escape_guard {
    uint64_t last_byte_us;     /* when the host's last byte arrived */
    int plus_held;             /* '+'s that may be the escape, held back */
};

/* Data mode begins: an escape needs a guard time of silence first. */
void escape_guard_start(struct escape_guard *g, uint64_t now_us);
/* One byte: true when it is held as part of a possible escape; false when it
 * is data, after *release held '+'s that turned out to be data too. */
bool escape_guard_hold(struct escape_guard *g, uint8_t b, uint64_t now_us, uint64_t guard_us, int *release);
/* When the escape is complete (its closing guard time), or UINT64_MAX when
 * no "+++" is waiting for it. */
uint64_t escape_guard_deadline(const struct escape_guard *g, uint64_t guard_us);

#endif
