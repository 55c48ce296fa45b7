#!/bin/sh
# make firmware-demo: the emulated firmware publishing through the simulator
# into a real broker, for a newcomer to watch. Starts a private mosquitto on
# loopback, a subscriber printing what reaches it, sim7600-sim speaking real
# MQTT to it, and the firmware in QEMU on the simulator's pty; halfway it
# sends the firmware a command ("interval=500") through the broker.
# The command goes out once the first reading reached the broker.
# Usage: tools/firmware-demo.sh [--check] BIN ELF [SECONDS]
#   --check: end as soon as the firmware answered the command on demo/status
#   (exit 0), or fail (exit 1) when a reading or the answer did not reach the
#   broker within SECONDS; make test-firmware runs it so.
set -u
check=0
[ "${1:-}" = --check ] && { check=1; shift; }
bin=${1:?usage: $0 [--check] BIN ELF [SECONDS]} elf=${2:?usage: $0 [--check] BIN ELF [SECONDS]} seconds=${3:-12}
mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)
for need in "$mosquitto" mosquitto_sub mosquitto_pub qemu-system-arm; do
    command -v "$need" >/dev/null 2>&1 || {
        echo "firmware-demo: $need is missing; run tools/bootstrap.sh firmware as root (or make deps)" >&2
        exit 1
    }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/firmware-demo-XXXXXX") || exit 1
pids=""
# The firmware (QEMU) first, before the simulator takes its pty away; the broker last.
cleanup() {
    for p in $pids; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a free port: the broker says when the one picked is taken
port=""
for try in 1 2 3 4 5; do
    p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
    "$mosquitto" -p "$p" >"$tmp/mosquitto.log" 2>&1 &
    mpid=$!
    i=0
    while [ $i -lt 50 ] && kill -0 "$mpid" 2>/dev/null && ! mosquitto_pub -p "$p" -t demo/hello -n 2>/dev/null; do
        sleep 0.1; i=$((i + 1))
    done
    if kill -0 "$mpid" 2>/dev/null; then port=$p; break; fi
    wait "$mpid" 2>/dev/null
done
[ -n "$port" ] || { echo "firmware-demo: mosquitto would not start on loopback:" >&2; cat "$tmp/mosquitto.log" >&2; exit 1; }
echo "firmware-demo: mosquitto on 127.0.0.1:$port"

# each reader through a fifo, so that $! is the program to stop, not its sed
mkfifo "$tmp/sub" "$tmp/fw" || exit 1
sed -u 's/^/broker:   /' <"$tmp/sub" | tee "$tmp/seen" &
mosquitto_sub -p "$port" -t 'demo/#' -v >"$tmp/sub" &
sub_pid=$!
"$bin/sim7600-sim" --broker "tcp://127.0.0.1:$port" --link "$tmp/pty" >"$tmp/sim.log" 2>&1 &
pids="$! $sub_pid $mpid"
i=0
while [ ! -e "$tmp/pty" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -e "$tmp/pty" ] || { echo "firmware-demo: the simulator did not start:" >&2; cat "$tmp/sim.log" >&2; exit 1; }
echo "firmware-demo: simulator on $(readlink "$tmp/pty"); the firmware runs for $seconds s"

sed -u 's/^/firmware: /' <"$tmp/fw" &
tools/run-firmware.sh --port "$tmp/pty" --broker "tcp://127.0.0.1:$port" --interval 1000 "$elf" >"$tmp/fw" 2>&1 &
pids="$! $pids"
# seen DEADLINE PATTERN: waits (0.1 s steps) until the broker saw a line matching PATTERN
seen() {
    while [ "$(date +%s)" -lt "$1" ]; do
        grep -q "$2" "$tmp/seen" 2>/dev/null && return 0
        sleep 0.1
    done
    grep -q "$2" "$tmp/seen" 2>/dev/null
}
end=$(($(date +%s) + seconds))
if ! seen "$end" '^broker:   demo/reading '; then
    echo "firmware-demo: no reading reached the broker within $seconds s (the firmware's lines above say how far it got)" >&2
    exit 1
fi
echo "firmware-demo: sending the command interval=500 to demo/cmd"
mosquitto_pub -p "$port" -q 1 -t demo/cmd -m interval=500
if [ "$check" = 1 ]; then
    seen "$end" '^broker:   demo/status .*interval' && { echo "firmware-demo: the firmware answered the command"; exit 0; }
    echo "firmware-demo: the firmware did not answer interval=500 on demo/status within $seconds s" >&2
    exit 1
fi
while [ "$(date +%s)" -lt "$end" ]; do sleep 1; done
echo "firmware-demo: done"
