#include "hil_clock.h"

#include <time.h>

uint64_t hil_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t hil_now_ms(void)
{
    return hil_now_us() / 1000u;
}

void hil_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
}

struct timespec hil_deadline_in(uint64_t ms)
{
    uint64_t at = hil_now_us() + ms * 1000u;
    struct timespec ts = {(time_t)(at / 1000000u), (long)(at % 1000000u) * 1000L};
    return ts;
}
