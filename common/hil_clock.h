/* The harness's one clock: monotonic, in microseconds and milliseconds. */
#ifndef HIL_CLOCK_H
#define HIL_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

uint64_t hil_now_us(void);
uint64_t hil_now_ms(void);
/* A condition variable timed on this clock (pthread_cond_timedwait with
 * hil_deadline_in), so that waits ignore changes of the wall clock. */
void hil_cond_init(pthread_cond_t *cv);
/* The absolute time `ms` from now, for pthread_cond_timedwait on such a cv. */
struct timespec hil_deadline_in(uint64_t ms);

#endif
