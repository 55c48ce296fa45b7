#!/bin/sh
# The driver core built for a Cortex-M4 (-Os -mthumb), if gcc-arm-none-eabi is
# installed: .text, .data and .bss summed over the core's object files (before
# a linker drops unused functions; libc's memcpy/strlen not counted).
# Prints one row of the benchmark table per configuration: as shipped for a
# microcontroller (status names, no TLS: the defaults when the target is not a
# hosted system), then with each switch that adds flash.
# Usage: tools/bench/arm_size.sh BUILD
set -eu
build=${1:-build}
FLASH_TARGET=12288 # bytes: under 12 KiB of flash
RAM_TARGET=1024    # bytes of static RAM
target="under 12 KiB ($FLASH_TARGET B) flash, 1 KiB static RAM"
if ! command -v arm-none-eabi-gcc >/dev/null 2>&1; then
    echo "| driver core for Cortex-M4 | | not measured | gcc-arm-none-eabi is not installed (apt-get install gcc-arm-none-eabi) | target: $target |"
    exit 0
fi
measure() {
    label=$1
    shift
    out="$build/arm/$(printf '%s' "$label" | tr -c 'A-Za-z0-9=_-' _)"
    rm -rf "$out"
    mkdir -p "$out"
    for f in driver/src/*.c; do
        arm-none-eabi-gcc -std=c99 -Os -mthumb -mcpu=cortex-m4 -ffunction-sections -fdata-sections \
            -ffreestanding -Wall -Wextra -Werror -Idriver/include "$@" -c "$f" -o "$out/$(basename "$f" .c).o"
    done
    # the totals line of `size -t`: text data bss dec hex filename
    set -- $(arm-none-eabi-size -t "$out"/*.o | tail -n 1)
    text=$1 data=$2 bss=$3
    if [ "$text" -lt "$FLASH_TARGET" ] && [ $((data + bss)) -lt "$RAM_TARGET" ]; then
        verdict="within the target by $((FLASH_TARGET - text)) B"
    else
        verdict="OVER the target by $((text - FLASH_TARGET)) B"
    fi
    echo "| driver core for Cortex-M4 (-Os -mthumb -mcpu=cortex-m4), $label | $(ls "$out"/*.o | wc -l) files | .text $text B, .data $data B, .bss $bss B | summed object files, before --gc-sections | $verdict: $target |"
}
measure "as shipped for a microcontroller (status names, no TLS)"
measure "-DSIM7600_TLS=1 (MQTT over TLS)" -DSIM7600_TLS=1
measure "-DSIM7600_STATUS_TEXT=1 (status sentences)" -DSIM7600_STATUS_TEXT=1
measure "-DSIM7600_TLS=1 -DSIM7600_STATUS_TEXT=1 (a hosted build's defaults)" -DSIM7600_TLS=1 -DSIM7600_STATUS_TEXT=1
