#!/bin/sh
# Runs every benchmark built under BUILD/bench, prints their rows and writes
# them as one table to BUILD/bench.md. Speed targets live here, not in the
# tests. Usage: tools/bench.sh [BUILD]
set -eu
build=${1:-build}
report="$build/bench.md"
machine="$(nproc) cores, $(uname -srm), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
status=0
for b in "$build"/bench/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")" >&2
    "$b" >>"$rows" || { echo "bench: $(basename "$b") failed" >&2; status=1; }
done
tools/bench/suite_time.sh "$build" >>"$rows" || { echo "bench: suite_time.sh failed" >&2; status=1; }
tools/bench/arm_size.sh "$build" >>"$rows" || { echo "bench: arm_size.sh failed" >&2; status=1; }
tools/bench/fw_size.sh "$build" >>"$rows" || { echo "bench: fw_size.sh failed" >&2; status=1; }
{
    echo "# sim7600-hil benchmarks"
    echo
    echo "Machine: $machine. Date: $(date -u +%Y-%m-%d)."
    echo
    echo "| benchmark | size | result | detail | against the target |"
    echo "| --- | --- | --- | --- | --- |"
    cat "$rows"
} >"$report"
cat "$report"
echo
echo "written to $report"
exit $status
