#!/bin/sh
# The scenario suite's wall time, as `make run` runs it: scenarios/*.scn, every
# scenario in its own worker with its own simulator, -j 8 (scenarios/firmware/
# and scenarios/examples/ belong to make test-more, not to this target).
# Prints one row of the benchmark table. Usage: tools/bench/suite_time.sh BUILD
set -eu
build=${1:-build}
jobs=8
n=$(ls scenarios/*.scn | wc -l)
start=$(date +%s%N)
out=$("$build/bin/sim7600-hil" run -j "$jobs" scenarios/*.scn 2>&1 | tail -n 1) || true
end=$(date +%s%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
verdict=$(awk -v s="$secs" 'BEGIN { print (s < 30 ? "within" : "OVER") }')
echo "| scenario suite (\`make run\`, -j $jobs) | $n scenarios | $secs s wall | $out | $verdict the target: under 30 s on 2 cores |"
