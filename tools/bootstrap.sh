#!/bin/sh
# Installs the Debian packages sim7600-hil needs, or says how to.
# Checks libraries with pkg-config and programs with command -v, so a machine
# that already has everything is never touched (and this runs in well under a second).
# Run as root it installs what is missing with apt-get (after apt-get update,
# which a fresh Debian machine needs before any install); otherwise it prints the
# one apt-get line to run and fails.
# `tools/bootstrap.sh fuzz` (make fuzz) also wants clang and its libFuzzer runtime;
# `tools/bootstrap.sh clients` (the third-party client tests, mk/clients.mk) also
# wants gammu, tio, picocom, ppp's chat and pyserial for Debian's own python3.
# `tools/bootstrap.sh firmware` (firmware in the loop, mk/firmware.mk) also
# wants qemu-system-arm and the bare-metal ARM compiler with newlib; without
# recommends (about 0.9 GB instead of 3.2 GB).
set -eu

mode="${1:-}"
case "$mode" in
    ""|fuzz|clients|firmware) ;;
    *) echo "bootstrap: unknown mode '$mode' (none, fuzz, clients or firmware)" >&2; exit 2 ;;
esac

missing=""
need_lib() { pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }

need_cmd pkg-config pkg-config
need_cmd cc gcc
need_cmd make make
need_lib criterion libcriterion-dev
need_lib libserialport libserialport-dev
need_lib libmosquitto libmosquitto-dev
# TLS (issue 17): the simulator's real TLS, and the tests' certificates (openssl)
need_lib openssl libssl-dev
need_cmd openssl openssl
# Debian puts the broker in /usr/sbin, which a non-root PATH may lack
[ -x /usr/sbin/mosquitto ] || need_cmd mosquitto mosquitto
need_cmd mosquitto_sub mosquitto-clients

if [ "$mode" = fuzz ]; then
    # libFuzzer ships apart from clang on Debian, in libclang-rt-<major>-dev;
    # libclang-rt-dev is the one that goes with the default clang.
    if ! command -v clang >/dev/null 2>&1; then
        missing="$missing clang libclang-rt-dev"
    elif [ ! -f "$(clang --print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-$(uname -m).a" ]; then
        missing="$missing libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev"
    fi
fi

if [ "$mode" = clients ]; then
    need_cmd gammu gammu
    need_cmd tio tio
    need_cmd picocom picocom
    # chat lives in /usr/sbin, which a non-root PATH may lack
    [ -x /usr/sbin/chat ] || need_cmd chat ppp
    # Debian's python3-serial is seen by Debian's python3 only (not by a pyenv
    # or venv python3 earlier on PATH), so ask that interpreter
    /usr/bin/python3 -c 'import serial' >/dev/null 2>&1 || missing="$missing python3-serial"
fi

if [ "$mode" = firmware ]; then
    need_cmd qemu-system-arm qemu-system-arm
    need_cmd arm-none-eabi-gcc gcc-arm-none-eabi
    # newlib-nano's libc: the compiler names its path only when it has it
    case "$(arm-none-eabi-gcc -print-file-name=libc_nano.a 2>/dev/null)" in
        /*) ;;
        *) missing="$missing libnewlib-arm-none-eabi" ;;
    esac
fi

if [ -z "$missing" ]; then
    exit 0
fi

line="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing Debian packages:$missing" >&2
    echo "bootstrap: run this as root, then try again:" >&2
    echo "    apt-get update && $line" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: missing packages:$missing, and this machine has no apt-get." >&2
    echo "bootstrap: install their equivalents by hand (see README.md, Dependencies)." >&2
    exit 1
fi
echo "bootstrap: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >&2
