/* The harness's one clock: monotonic, in microseconds and milliseconds. */
#ifndef HIL_CLOCK_H
#define HIL_CLOCK_H

#include <stdint.h>

uint64_t hil_now_us(void);
uint64_t hil_now_ms(void);

#endif
