#!/bin/sh
# The firmware image's footprint (issue 18): flash and RAM of
# BUILD/firmware/sim7600-demo.elf (arm-none-eabi-size), and each part's share
# read from its map file (after --gc-sections: only what the image holds):
# the driver core, the Cortex-M port, the demo app, newlib-nano and libgcc.
# Prints one row of the benchmark table (tools/bench.sh); `make bench` builds
# the image first when gcc-arm-none-eabi is installed.
# Usage: tools/bench/fw_size.sh BUILD
set -eu
build=${1:-build}
elf=$build/firmware/sim7600-demo.elf
map=$build/firmware/sim7600-demo.map
target="core target: under 12 KiB flash, 1 KiB static RAM"
if [ ! -f "$elf" ] || [ ! -f "$map" ] || ! command -v arm-none-eabi-size >/dev/null 2>&1; then
    echo "| firmware image (Cortex-M4, QEMU mps2-an386) | | not measured | $elf is not built: gcc-arm-none-eabi and libnewlib-arm-none-eabi are needed (tools/bootstrap.sh firmware), then make firmware | $target |"
    exit 0
fi
# Berkeley format: text data bss dec hex filename
set -- $(arm-none-eabi-size "$elf" | tail -n 1)
text=$1 data=$2 bss=$3

# Per part: flash = .vectors + .text + .rodata + .data (its initial values),
# RAM = .data + .bss. The map lists each input section kept as
# " .name ADDR SIZE FILE", or its name alone on one line and " ADDR SIZE FILE"
# on the next. Merged string sections keep their own sizes there, so each
# piece counts only up to where the next one starts, and what strings several
# parts share is said apart, unattributed.
shares=$(awk '
function hex(s,   i, v) {
    v = 0; s = tolower(substr(s, 3))
    for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return v
}
function part(f) {
    if (f ~ /driver\/src\//) return "core"
    if (f ~ /driver\/port\/cortex_m\//) return "port"
    if (f ~ /\/firmware\/obj\/firmware\//) return "app"
    return "libc"
}
function emit(sec, addr, size, file,   kind) {
    if (sec ~ /^\.(vectors|text|rodata|ARM)/) kind = "flash"
    else if (sec ~ /^\.data/) kind = "data"
    else if (sec ~ /^\.bss/ || sec ~ /^COMMON/) kind = "bss"
    else return
    if (hex(size) > 0) print hex(addr), hex(size), part(file), kind
}
/^Linker script and memory map/ { go = 1; next }
!go { next }
/^ [.A-Z][^ ]*$/ { sec = $1; next }
/^ [.A-Z][^ ]* +0x[0-9a-f]+ +0x[0-9a-f]+ / { emit($1, $2, $3, $4); sec = ""; next }
/^ +0x[0-9a-f]+ +0x[0-9a-f]+ / { if (sec != "") emit(sec, $1, $2, $3); sec = ""; next }
' "$map" | sort -n -k1,1 | awk '
function add(p, k, n) {
    if (k != "bss") flash[p] += n
    if (k != "flash") ram[p] += n
}
{ a[NR] = $1; n[NR] = $2; p[NR] = $3; k[NR] = $4 }
END {
    for (i = 1; i <= NR; i++) {
        size = n[i]
        if (i < NR && a[i + 1] - a[i] < size) size = a[i + 1] - a[i]
        add(p[i], k[i], size)
    }
    printf "driver core %d B flash, %d B RAM; port %d B / %d B; app %d B / %d B; newlib-nano + libgcc %d B / %d B",
        flash["core"], ram["core"], flash["port"], ram["port"], flash["app"], ram["app"], flash["libc"], ram["libc"]
    printf "|%d|%d", flash["core"], flash["core"] + flash["port"] + flash["app"] + flash["libc"]
}')
attributed=${shares##*|}
shares=${shares%|*}
core_flash=${shares##*|}
detail="${shares%|*}; $((text + data - attributed)) B of padding and strings the linker merged across parts not attributed"
verdict="within"
[ "$core_flash" -lt 12288 ] || verdict="OVER"
echo "| firmware image sim7600-demo.elf (Cortex-M4, -Os -mthumb, --gc-sections, QEMU mps2-an386) | $(basename "$elf") | flash $((text + data)) B, RAM $((data + bss)) B (.text $text, .data $data, .bss $bss; stack not counted) | $detail (from the map file: only what the image keeps) | core $verdict the $target |"
