#!/bin/sh
# make firmware-demo: the emulated firmware publishing through the simulator
# into a real broker, for a newcomer to watch. Starts a private mosquitto on
# loopback, a subscriber printing what reaches it, sim7600-sim speaking real
# MQTT to it, and the firmware in QEMU on the simulator's pty; halfway it
# sends the firmware a command ("interval=500") through the broker.
# Usage: tools/firmware-demo.sh BIN ELF [SECONDS]
set -u
bin=${1:?usage: $0 BIN ELF [SECONDS]} elf=${2:?usage: $0 BIN ELF [SECONDS]} seconds=${3:-12}
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
sed -u 's/^/broker:   /' <"$tmp/sub" &
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
sleep $((seconds / 2))
echo "firmware-demo: sending the command interval=500 to demo/cmd"
mosquitto_pub -p "$port" -q 1 -t demo/cmd -m interval=500
sleep $((seconds - seconds / 2))
echo "firmware-demo: done"
