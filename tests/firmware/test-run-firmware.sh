#!/bin/sh
# tools/run-firmware.sh as a user meets its failures: help, usage errors,
# QEMU missing, the board missing, a firmware that crashes (exit 3 with the
# HardFault line naming the PC, QEMU stopped) and one that locks up; the
# port's receive ring overrun without a byte lost; make firmware-demo's
# readings reaching a broker and its command answered. Needs qemu-system-arm
# (make test-firmware runs it only then).
# Usage: tests/firmware/test-run-firmware.sh BUILD
set -u
build=${1:?usage: $0 BUILD}
cd "$(dirname "$0")/../.." || exit 2
run=tools/run-firmware.sh
elf=$build/firmware/sim7600-demo.elf
crash=$build/firmware/crash-test.elf
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-run-firmware-XXXXXX") || exit 2
sim_pid=""
cleanup() {
    [ -z "$sim_pid" ] || { kill -TERM "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null; }
    rm -rf "$tmp"
}
trap cleanup EXIT
failed=0 passed=0

# expect NAME STATUS PATTERN COMMAND...: the status and a line of its output matching PATTERN
expect() {
    name=$1 want=$2 pattern=$3
    shift 3
    timeout 20 "$@" >"$tmp/out" 2>&1
    got=$?
    if [ "$got" = "$want" ] && grep -qE "$pattern" "$tmp/out"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $name: wanted status $want and a line matching /$pattern/; got $got:" >&2
        sed 's/^/    /' "$tmp/out" >&2
    fi
}

expect help 0 '^Usage: tools/run-firmware.sh --port PTY' $run --help
expect no-image 2 'no firmware image given' $run --port /dev/null
expect no-port 2 'no --port given' env -u SIM7600_PORT $run "$elf"
expect missing-image 2 'no such image; build it with .make firmware.' $run --port /dev/null "$tmp/none.elf"
expect bad-option 2 'unknown option --bogus' $run --bogus "$elf"
expect no-qemu 4 'not installed; install it with: apt-get install --no-install-recommends qemu-system-arm' \
    $run --qemu "$tmp/no-such-qemu" --port /dev/null "$elf"
expect no-board 4 'has no board nosuch-board' $run --machine nosuch-board --port /dev/null "$elf"

# A crash or a bad image needs a serial port QEMU can open: a simulator's pty.
build_bin=$build/bin
"$build_bin/sim7600-sim" --link "$tmp/pty" >"$tmp/sim.out" 2>&1 &
sim_pid=$!
i=0
while [ ! -e "$tmp/pty" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
# The ring full: the UART holds the line, no answer is lost (the image ends QEMU itself)
expect ring 0 '^ring: 300 OK of 300$' $run --port "$tmp/pty" "$build/firmware/ring-test.elf"
# not an ELF: QEMU loads it raw at 0x0, a vector table of garbage: locked up
echo "not an image" >"$tmp/bad.elf"
expect lockup 3 'the firmware locked up before any handler could report \(qemu: fatal: Lockup' \
    $run --port "$tmp/pty" "$tmp/bad.elf"
expect crash 3 'the firmware crashed \(HardFault: pc=0x[0-9a-f]+ lr=0x[0-9a-f]+ xpsr=0x[0-9a-f]+ cfsr=0x[0-9a-f]+' \
    $run --port "$tmp/pty" "$crash"
grep -q '^crash: about to fault$' "$tmp/out" || { failed=$((failed + 1)); echo "FAIL crash: its status line before the fault is missing" >&2; }
# the PC names the trap in main, as the message tells the user to look up
pc=$(sed -n 's/.*HardFault: pc=\(0x[0-9a-f]*\).*/\1/p' "$tmp/out" | head -n 1)
if [ -n "$pc" ] && arm-none-eabi-addr2line -f -e "$crash" "$pc" | grep -q '^main$'; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAIL crash: the reported pc '$pc' is not in main" >&2
fi

# What a newcomer sees (make firmware-demo): readings reach a real broker, and a
# command sent through it is answered (--check ends there, bounded by 15 s)
expect demo 0 '^firmware-demo: the firmware answered the command$' \
    tools/firmware-demo.sh --check "$build/bin" "$elf" 15

echo "test-run-firmware: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
