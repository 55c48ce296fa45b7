/* One seed fixes every random choice of a run, and the suite is split into
 * shards by scenario name: both derived here from a scenario's name, so a
 * scenario's seed does not depend on which other scenarios ran or in which
 * order, and every CI machine splits one suite the same way.
 *
 * Today the only random choice is a `garble` event's bytes; a new random
 * choice (fault timing, generated payloads) draws from seed_for_scenario(). */
#ifndef HIL_SEEDS_H
#define HIL_SEEDS_H

#include <stdbool.h>
#include <stdint.h>

#include "scenario.h"

/* FNV-1a of a scenario's name, as it is (transcript file names use it too). */
uint64_t scenario_name_fnv1a(const char *name);

/* A run's seed when none is given: from the clock, small enough to type. */
uint64_t seed_from_clock(void);

/* The seed of repeat `run` (0-based) of a run seeded `run_seed`: run_seed +
 * run, so `--seed` with it replays that repeat alone. */
uint64_t seed_of_repeat(uint64_t run_seed, unsigned run);

/* The seed of one scenario in a run: from the run's seed and the scenario's name. */
uint64_t seed_for_scenario(uint64_t run_seed, const char *name);

/* Gives every `garble` event without its own seed= one drawn from
 * scenario_seed (an explicit seed= pins that garble whatever the run's seed). */
void seed_events(struct scenario *sc, uint64_t scenario_seed);

/* Where a scenario stands in the order that deals the suite out to shards
 * (suite_shard): a hash of its name, so neither file order nor machine matters. */
uint64_t shard_key(const char *name);

#endif
