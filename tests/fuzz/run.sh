#!/bin/sh
# Runs each libFuzzer target for FUZZ_SECONDS on its corpus and reports
# executions per second and total executions, on stdout and as a Markdown
# table in build/fuzz.md. Called by `make fuzz` (mk/fuzz.mk) after the build.
#
#   tests/fuzz/run.sh BUILD_DIR REPORT TARGET...
#
# The working corpus is BUILD_DIR/corpus/<target>: the seeds of
# tests/fuzz/corpus/<target> are copied in, and what libFuzzer finds stays
# there for the next run (outside git; delete the folder to start over).
# tests/fuzz/regressions/<target> is read as a second corpus folder, never
# written. A crash leaves its input in BUILD_DIR/artifacts/<target>/; the run
# goes on with the other targets and the script fails at the end.
set -u

build=$1
report=$2
shift 2
seconds=${FUZZ_SECONDS:-60}
src=$(dirname "$0")
failed=""

mkdir -p "$build/logs"
{
    echo "# Fuzzing: $seconds s per target"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -m); libFuzzer with ASan + UBSan."
    echo "Executions per second depend on what else the machine is doing."
    echo
    echo "| target | seconds | total executions | executions/s | new corpus units | coverage (edges) | result |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
} > "$report"

stat() { # stat NAME LOG: the value of libFuzzer's final "stat::NAME:" line
    sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

for t in "$@"; do
    bin="$build/fuzz_$t"
    corpus="$build/corpus/$t"
    log="$build/logs/$t.log"
    artifacts="$build/artifacts/$t"
    mkdir -p "$corpus" "$artifacts"
    cp "$src/corpus/$t/"* "$corpus/"
    set -- "$corpus"
    [ -d "$src/regressions/$t" ] && set -- "$@" "$src/regressions/$t"
    [ -f "$src/dict/$t.dict" ] && set -- -dict="$src/dict/$t.dict" "$@"
    echo "fuzz $t: $seconds s ..."
    # -timeout: an input that takes 10 s is a hang, reported like a crash.
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$@" > "$log" 2>&1
    rc=$?
    execs=$(stat number_of_executed_units "$log")
    rate=$(stat average_exec_per_sec "$log")
    added=$(stat new_units_added "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    if [ "$rc" -eq 0 ]; then
        result="ok"
    else
        found=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        result="FAILED (exit $rc): ${found:-see $log}"
        failed="$failed $t"
    fi
    echo "fuzz $t: ${execs:-?} executions, ${rate:-?} exec/s, ${added:-?} new units, cov ${cov:-?}: $result"
    echo "| $t | $seconds | ${execs:--} | ${rate:--} | ${added:--} | ${cov:--} | $result |" >> "$report"
done

echo "fuzz: table in $report"
if [ -n "$failed" ]; then
    echo "fuzz: FAILED:$failed (inputs in $build/artifacts/, logs in $build/logs/)" >&2
    exit 1
fi
