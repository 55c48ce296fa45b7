/* A suite: the scenario files named on a command line, directories searched
 * recursively for *.scn (hidden entries skipped, name order, symlink loops
 * cut), each parsed; every error is collected, none stops the loading. */
#ifndef HIL_SUITE_H
#define HIL_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "scenario.h"

struct scn_suite {
    struct scn_diags diags;
    struct scenario **ok;      /* the files that parsed, in the order met */
    size_t n_ok, cap_ok;
    size_t n_files;            /* files met, parsed or not */
    size_t n_unread;           /* files not read at all (reported as they are met) */
};

void suite_load(struct scn_suite *s, char **paths, int n);
/* Prints every error ("file:line: message"), duplicate names included, to
 * `out`; returns how many. A suite with errors must not run. */
size_t suite_report(const struct scn_suite *s, FILE *out);
/* The scenarios of shard k of n (1 <= k <= n), in suite order, into out
 * (room for n_ok); returns how many. The suite is dealt out like cards in the
 * order of its names' hashes (seeds.h), never in file order: the n shards
 * are disjoint, together they are the suite, and their sizes differ by one
 * at most. */
size_t suite_shard(const struct scn_suite *s, unsigned k, unsigned n, struct scenario **out);
void suite_free(struct scn_suite *s);

#endif
