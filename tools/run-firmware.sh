#!/bin/sh
# Runs a firmware image for the MPS2 AN386 board (Cortex-M4) in QEMU with its
# UART0 on a serial port (the simulator's pty, or the runner's), and its UART1
# status lines on this script's stdout. Firmware in the loop: README.md.
usage() {
    cat <<'USAGE'
Usage: tools/run-firmware.sh --port PTY [OPTIONS] ELF
Runs ELF in qemu-system-arm (board mps2-an386) with UART0 on PTY; the
firmware's status lines (UART1) are printed on stdout as they come.

  --port PTY          the module's serial port (default: $SIM7600_PORT)
  --broker URL        passed to the firmware (default: $SIM7600_BROKER,
                      else tcp://127.0.0.1:1883)
  --client-id ID      passed to the firmware
  --interval MS       passed to the firmware: publish every MS milliseconds
  --machine M         QEMU board (default mps2-an386)
  --qemu PROGRAM      QEMU binary (default qemu-system-arm)
  --help              this text

The image's options reach it as semihosting arguments (what sim7600-demo
reads); an image of your own may ignore them. Exit status: QEMU's, or
3 when the firmware crashed (its "HardFault: pc=..." line is repeated on
stderr) or locked up (QEMU's lockup line), 4 when QEMU is missing or
cannot start the board, 2 on a usage error. SIGTERM stops QEMU first, before the port can go away.
USAGE
}

die_usage() { echo "run-firmware: $1 (see --help)" >&2; exit 2; }

port=${SIM7600_PORT:-} broker=${SIM7600_BROKER:-tcp://127.0.0.1:1883}
client_id="" interval="" machine=mps2-an386 qemu=qemu-system-arm elf=""
while [ $# -gt 0 ]; do
    case "$1" in
    --help|-h) usage; exit 0 ;;
    --port|--broker|--client-id|--interval|--machine|--qemu)
        [ $# -ge 2 ] || die_usage "$1 needs a value"
        case "$1" in
        --port) port=$2 ;; --broker) broker=$2 ;; --client-id) client_id=$2 ;;
        --interval) interval=$2 ;; --machine) machine=$2 ;; --qemu) qemu=$2 ;;
        esac
        shift 2 ;;
    -*) die_usage "unknown option $1" ;;
    *) [ -z "$elf" ] || die_usage "one image only: $elf and $1"; elf=$1; shift ;;
    esac
done
[ -n "$elf" ] || die_usage "no firmware image given"
[ -n "$port" ] || die_usage "no --port given (and SIM7600_PORT is not set)"
[ -f "$elf" ] || { echo "run-firmware: $elf: no such image; build it with 'make firmware'" >&2; exit 2; }
[ -e "$port" ] || { echo "run-firmware: $port: no such serial port; is the simulator running?" >&2; exit 2; }
command -v "$qemu" >/dev/null 2>&1 || {
    echo "run-firmware: $qemu is not installed; install it with: apt-get install --no-install-recommends qemu-system-arm (or tools/bootstrap.sh firmware)" >&2
    exit 4
}
if ! "$qemu" -machine help 2>/dev/null | grep -q "^$machine "; then
    echo "run-firmware: this $qemu has no board $machine ('$qemu -machine help' lists them); QEMU 7.2 or later has mps2-an386" >&2
    exit 4
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-firmware-XXXXXX") || exit 1
mkfifo "$tmp/status" || exit 1
# QEMU's semihosting arguments: blanks separate words, so the values must have none
args="arg=sim7600-demo,arg=--broker,arg=$broker"
[ -z "$client_id" ] || args="$args,arg=--client-id,arg=$client_id"
[ -z "$interval" ] || args="$args,arg=--interval,arg=$interval"

"$qemu" -M "$machine" -nographic -monitor none -kernel "$elf" \
    -semihosting-config "enable=on,target=native,$args" \
    -chardev "serial,id=module,path=$port" -serial chardev:module -serial stdio </dev/null >"$tmp/status" 2>"$tmp/stderr" &
qpid=$!

# QEMU must go before the port does (a pty closed under it makes it spin):
# SIGTERM ends it at once.
stop() {
    kill -TERM "$qpid" 2>/dev/null
    wait "$qpid" 2>/dev/null
    rm -rf "$tmp"
    exit "$1"
}
trap 'stop 143' TERM
trap 'stop 130' INT
trap 'stop 129' HUP

fault="" cr=$(printf '\r')
while IFS= read -r line; do
    line=${line%"$cr"}
    printf '%s\n' "$line"
    case "$line" in
    HardFault*) fault=$line; break ;;
    esac
done <"$tmp/status"

if [ -n "$fault" ]; then
    kill -TERM "$qpid" 2>/dev/null
    wait "$qpid" 2>/dev/null
    pc=$(printf '%s\n' "$fault" | sed -n 's/.*pc=\(0x[0-9a-fA-F]*\).*/\1/p')
    echo "run-firmware: the firmware crashed ($fault); where: arm-none-eabi-addr2line -f -e $elf ${pc:-PC}" >&2
    rm -rf "$tmp"
    exit 3
fi
wait "$qpid"
rc=$?
# A fault the core cannot take (no valid vector table, a fault inside the
# HardFault handler) locks an M-profile core up; QEMU aborts saying so.
lockup=$(grep -m1 'Lockup' "$tmp/stderr" 2>/dev/null)
if [ -n "$lockup" ]; then
    echo "run-firmware: the firmware locked up before any handler could report ($lockup): is $elf linked for $machine (vector table at 0x0: initial SP, then the reset handler)?" >&2
    rm -rf "$tmp"
    exit 3
fi
if [ -s "$tmp/stderr" ]; then
    echo "run-firmware: $qemu ended with status $rc, saying:" >&2
    sed 's/^/    /' "$tmp/stderr" >&2
fi
rm -rf "$tmp"
exit "$rc"
