/* Seeds and shards from scenario names: see seeds.h. */
#include "seeds.h"

#include <time.h>

#define CLOCK_SEED_RANGE 1000000000u   /* nine digits: easy to copy from a CI log */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

/* splitmix64's finaliser: every input bit moves every output bit, so seeds
 * and names that differ in one bit give unrelated results. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

uint64_t scenario_name_fnv1a(const char *name)
{
    uint64_t h = FNV_OFFSET;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * FNV_PRIME;
    return h;
}

static uint64_t name_hash(const char *name)
{
    return mix64(scenario_name_fnv1a(name));
}

uint64_t seed_from_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return mix64((uint64_t)ts.tv_sec ^ ((uint64_t)ts.tv_nsec << 32)) % CLOCK_SEED_RANGE;
}

uint64_t seed_of_repeat(uint64_t run_seed, unsigned run)
{
    return run_seed + run;
}

uint64_t seed_for_scenario(uint64_t run_seed, const char *name)
{
    return mix64(run_seed ^ name_hash(name));
}

void seed_events(struct scenario *sc, uint64_t scenario_seed)
{
    for (size_t i = 0; i < sc->n_events; i++) {
        struct scn_event *ev = &sc->events[i];
        if (ev->kind != SCN_ACT_GARBLE || ev->seed)
            continue;
        /* the simulator's garble seeds are 32-bit and non-zero (0 means "go on") */
        uint32_t s = (uint32_t)mix64(scenario_seed + i);
        ev->seed = s ? s : 1;
    }
}

uint64_t shard_key(const char *name)
{
    return name_hash(name);
}
