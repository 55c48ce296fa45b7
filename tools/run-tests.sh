#!/bin/sh
# Runs each Criterion test binary given, prints its summary, and fails if any failed.
# Criterion runs every test in its own process, so one crash cannot hide another.
set -u
failed=""
for t in "$@"; do
    [ -x "$t" ] || { echo "run-tests: $t was not built" >&2; failed="$failed $t"; continue; }
    echo "== $(basename "$t")"
    if ! "$t" --short-filename; then
        failed="$failed $(basename "$t")"
    fi
done
if [ -n "$failed" ]; then
    echo "FAILED:$failed" >&2
    exit 1
fi
echo "all test binaries passed ($# binaries)"
