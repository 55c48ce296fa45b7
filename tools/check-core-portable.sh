#!/bin/sh
# Proof that the driver core builds for a microcontroller unchanged:
#  1. every #include in driver/src and driver/include is either one of the
#     allowed freestanding-friendly C99 headers or one of the core's own headers;
#  2. every driver/src/*.c compiles with -std=c99 -pedantic -ffreestanding -Werror.
# Usage: tools/check-core-portable.sh [BUILD_DIR]   (CC from the environment)
set -u
cd "$(dirname "$0")/.." || exit 2
CC=${CC:-cc}
OUT=${1:-build}/freestanding
ALLOWED="stdint.h stddef.h stdbool.h string.h limits.h"
fail=0

for f in driver/src/*.[ch] driver/include/*.h; do
    [ -e "$f" ] || continue
    # "#  include <x>" and "#include "x"": the header name is the second field.
    grep -nE '^[[:space:]]*#[[:space:]]*include' "$f" | while IFS= read -r line; do
        hdr=$(printf '%s\n' "$line" | sed -E 's/^[0-9]+:[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^>"]+)[>"].*/\1/')
        case "$line" in
        *'<'*)
            ok=0
            for a in $ALLOWED; do [ "$hdr" = "$a" ] && ok=1; done
            [ $ok = 1 ] || { echo "$f:${line%%:*}: <$hdr> is not allowed in the core (allowed: $ALLOWED)"; echo x; } ;;
        *)
            if [ ! -e "driver/include/$hdr" ] && [ ! -e "driver/src/$hdr" ]; then
                echo "$f:${line%%:*}: \"$hdr\" is not a core header"; echo x
            fi ;;
        esac
    done
done > "${TMPDIR:-/tmp}/core-portable.$$"
if grep -qx x "${TMPDIR:-/tmp}/core-portable.$$"; then
    grep -vx x "${TMPDIR:-/tmp}/core-portable.$$" >&2
    fail=1
fi
rm -f "${TMPDIR:-/tmp}/core-portable.$$"

mkdir -p "$OUT"
n=0
for f in driver/src/*.c; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    $CC -std=c99 -pedantic -ffreestanding -Werror -Wall -Wextra -Os -Idriver/include \
        -c "$f" -o "$OUT/$(basename "$f" .c).o" || fail=1
done

# the flash-saving variant must build too
$CC -std=c99 -pedantic -ffreestanding -Werror -Wall -Wextra -Os -Idriver/include -DSIM7600_STATUS_TEXT=0 \
    -c driver/src/status.c -o "$OUT/status-notext.o" || fail=1

if [ $fail != 0 ]; then
    echo "driver core is NOT portable (see above)" >&2
    exit 1
fi
echo "driver core: $n files, only <${ALLOWED}> included, compile freestanding with -Werror"
