#!/bin/sh
# Runs every benchmark built under BUILD/bench and prints their table rows.
# Speed targets live here, not in the tests. Usage: tools/bench.sh [BUILD]
set -eu
build=${1:-build}
echo "machine: $(nproc) cores, $(uname -srm), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
for b in "$build"/bench/bench_*; do
    [ -x "$b" ] || continue
    "$b"
done
