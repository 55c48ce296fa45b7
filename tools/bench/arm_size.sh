#!/bin/sh
# The driver core built for a Cortex-M4 (-Os -mthumb), if gcc-arm-none-eabi is
# installed: .text, .data and .bss summed over the core's object files (before
# a linker drops unused functions; libc's memcpy/strlen not counted).
# Prints one row of the benchmark table. Usage: tools/bench/arm_size.sh BUILD
set -eu
build=${1:-build}
if ! command -v arm-none-eabi-gcc >/dev/null 2>&1; then
    echo "| driver core for Cortex-M4 | | not measured | gcc-arm-none-eabi is not installed (apt-get install gcc-arm-none-eabi) | target: under 12 KiB flash, 1 KiB static RAM |"
    exit 0
fi
# One row per build: as shipped, and without the status sentences.
measure() {
    label=$1
    shift
    out="$build/arm/$label"
    mkdir -p "$out"
    for f in driver/src/*.c; do
        arm-none-eabi-gcc -std=c99 -Os -mthumb -mcpu=cortex-m4 -ffunction-sections -fdata-sections \
            -ffreestanding -Wall -Wextra -Werror -Idriver/include "$@" -c "$f" -o "$out/$(basename "$f" .c).o"
    done
    # the totals line of `size -t`: text data bss dec hex filename
    set -- $(arm-none-eabi-size -t "$out"/*.o | tail -n 1)
    text=$1 data=$2 bss=$3
    verdict="within"
    [ "$text" -lt 12288 ] && [ $((data + bss)) -lt 1024 ] || verdict="OVER"
    echo "| driver core for Cortex-M4 (-Os -mthumb -mcpu=cortex-m4), $label | $(ls "$out"/*.o | wc -l) files | .text $text B, .data $data B, .bss $bss B | summed object files, before --gc-sections | $verdict the target: under 12 KiB flash, 1 KiB static RAM |"
}
measure "as shipped (status names)"
measure "-DSIM7600_STATUS_TEXT=1 (status sentences)" -DSIM7600_STATUS_TEXT=1
