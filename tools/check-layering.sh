#!/bin/sh
# Proves the part graph (Makefile, "parts"): for every rule, a file of that
# part that includes a header it may use compiles, and one that includes a
# header of a part it must not see fails to compile. Run by `make layering`,
# which passes each part's include list in the environment.
set -u
: "${CC:=cc}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/layering-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
failed=0 checked=0

# compiles PART's snippet including HEADER with FLAGS; WANT is ok or fail
check() {
    part=$1 flags=$2 header=$3 want=$4
    printf '#include "%s"\n' "$header" > "$tmp/snippet.c"
    # shellcheck disable=SC2086
    if $CC -fsyntax-only $flags "$tmp/snippet.c" 2>"$tmp/err"; then got=ok; else got=fail; fi
    checked=$((checked + 1))
    if [ "$got" != "$want" ]; then
        failed=$((failed + 1))
        if [ "$want" = fail ]; then
            echo "layering: $part may not include \"$header\", but it compiled: its include list lets it see too much" >&2
        else
            echo "layering: $part must be able to include \"$header\", but it did not compile:" >&2
            sed 's/^/    /' "$tmp/err" >&2
        fi
    fi
}

host="-std=c11 -D_GNU_SOURCE $PKG_CFLAGS"
core="-std=c99 -pedantic"
check "the driver core"  "$core $CORE_INC"      sim7600.h        ok
check "the driver core"  "$core $CORE_INC"      sim7600_posix.h  fail
check "the driver core"  "$core $CORE_INC"      strbuf.h         fail
check "the posix port"   "$host $PORT_INC"      sim7600_posix.h  ok
check "the posix port"   "$host $PORT_INC"      strbuf.h         fail
check "the posix port"   "$host $PORT_INC"      sim.h            fail
check "sim7600-mqtt"     "$host $APP_INC"       parse_num.h      ok
check "sim7600-mqtt"     "$host $APP_INC"       sim.h            fail
check "sim7600-mqtt"     "$host $APP_INC"       sim_process.h    fail
check "common/"          "$host $COMMON_INC"    strbuf.h         ok
check "common/"          "$host $COMMON_INC"    sim.h            fail
check "common/"          "$host $COMMON_INC"    sim7600.h        fail
check "common/"          "$host $COMMON_INC"    sim_process.h    fail
check "the simulator"    "$host $SIM_INC"       sim_internal.h   ok
check "the simulator"    "$host $SIM_INC"       strbuf.h         ok
check "the simulator"    "$host $SIM_INC"       sim7600.h        fail
check "the simulator"    "$host $SIM_INC"       sim_process.h    fail
check "the simulator"    "$host $SIM_INC"       scenario.h       fail
check "harness/"         "$host $HARNESS_INC"   sim_process.h    ok
check "harness/"         "$host $HARNESS_INC"   sim.h            fail
check "harness/"         "$host $HARNESS_INC"   sim7600.h        fail
check "tools/hil"        "$host $HIL_INC"       scenario.h       ok
check "tools/hil"        "$host $HIL_INC"       sim7600_posix.h  ok
check "tools/hil"        "$host $HIL_INC"       sim_process.h    ok
check "tools/hil"        "$host $HIL_INC"       sim.h            fail
check "tools/hil"        "$host $HIL_INC"       sim_internal.h   fail
check "tools/hil"        "$host $HIL_INC"       fake_port.h      fail
check "tools/hil"        "$host $HIL_INC"       soak.h           fail
check "tools/soak"       "$host $SOAK_INC"      soak.h           ok
check "tools/soak"       "$host $SOAK_INC"      scn_internal.h   fail
check "tools/soak"       "$host $SOAK_INC"      sim.h            fail
check "tools/bench"      "$host $BENCH_INC"     sim_process.h    ok
check "tools/bench"      "$host $BENCH_INC"     run_internal.h   fail

# The include lists say nothing of a path the compiler finds from the
# including file's own folder: a part's sources name headers by file name only.
checked=$((checked + 1))
for dir in common sim harness driver tools; do
    for f in $(grep -rlE '#[[:space:]]*include[[:space:]]*"[^"]*/' "$dir" --include='*.c' --include='*.h' 2>/dev/null); do
        failed=$((failed + 1))
        echo "layering: $f includes a header by a path; name it by file name, as its part's include list allows:" >&2
        grep -nE '#[[:space:]]*include[[:space:]]*"[^"]*/' "$f" | sed 's/^/    /' >&2
    done
done

# OpenSSL lives at the simulator's edge only (issue 17): the core's files
# model the module and never see it; TLS_EDGE lists the files that may.
TLS_EDGE="sim/tls_openssl.c sim/tls_openssl.h sim/net_tls.c sim/net_tls.h sim/link_mosquitto_tls.c sim/main.c sim/net_posix.c sim/net_posix_link.c sim/net_posix_internal.h"
checked=$((checked + 1))
for f in $(grep -lE '#[[:space:]]*include[[:space:]]*[<"](openssl/|tls_openssl\.h)' sim/*.c sim/*.h 2>/dev/null); do
    case " $TLS_EDGE " in
    *" $f "*) ;;
    *) failed=$((failed + 1))
       echo "layering: $f includes OpenSSL, which only the simulator's edge may ($TLS_EDGE); move the TLS work into sim/tls_openssl.c" >&2 ;;
    esac
done

if [ "$failed" -ne 0 ]; then
    echo "layering: $failed of $checked rules broken" >&2
    exit 1
fi
echo "layering: $checked rules hold (each part sees only what lies below it)"
