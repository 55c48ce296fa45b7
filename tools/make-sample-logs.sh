#!/bin/sh
# Regenerates scenarios/logs/driver-*.cap: sim7600-mqtt's session with a cold
# simulator, recorded through sim7600-hil tap. Each capture has a sidecar
# .args with the client options that replay it. Run from the project root
# after `make`.
set -eu
bin=build/bin
out=scenarios/logs
record() {       # record NAME SIM-OPTIONS -- CLIENT-OPTIONS
    name=$1; shift
    simopts=""
    while [ "$1" != "--" ]; do simopts="$simopts $1"; shift; done
    shift
    dir=$(mktemp -d)
    # shellcheck disable=SC2086
    $bin/sim7600-sim --baud 0 $simopts >"$dir/sim.out" &
    sim=$!
    while ! grep -q '^PTY ' "$dir/sim.out" 2>/dev/null; do sleep 0.05; done
    $bin/sim7600-hil tap --port "$(sed -n 's/^PTY //p' "$dir/sim.out")" --out "$out/$name.cap" >"$dir/tap.out" 2>/dev/null &
    tap=$!
    while ! grep -q '^PTY ' "$dir/tap.out" 2>/dev/null; do sleep 0.05; done
    $bin/sim7600-mqtt --port "$(sed -n 's/^PTY //p' "$dir/tap.out")" "$@" >/dev/null
    kill "$tap"; wait "$tap" || true
    kill "$sim"; wait "$sim" || true
    printf '%s\n' "$*" >"$out/$name.args"
    rm -rf "$dir"
}
record driver-cold-publish -- --apn internet --broker tcp://broker.example:1883 --client-id dev1 \
    --pub tele/dev1 --message hello --count 3 --qos 1 --health-interval 0
record driver-warm-start --profile warm -- --apn internet --broker tcp://broker.example:1883 --client-id dev1 \
    --pub tele/dev1 --message hello --count 1 --qos 1 --health-interval 0

# The cold session as other tools would have logged it: a serial monitor with
# TX:/RX: and timestamps, one with --> / <--, a plain log with no marks (echo
# dropped, as such a log cannot tell it from a command), and socat -v.
python3 - "$out/driver-cold-publish.cap" "$out" <<'PY'
import re, sys
cap, out = sys.argv[1], sys.argv[2]
def unescape(s):
    return re.sub(r'\\(x[0-9A-Fa-f]{2}|.)', lambda m: {'r': '\r', 'n': '\n', '\\': '\\', '"': '"', 't': '\t', '0': '\0'}.get(m.group(1), None) or chr(int(m.group(1)[1:], 16)), s)
steps = []
for line in open(cap):
    if line.startswith('#') or not line.strip():
        continue
    t, d, data = line.rstrip('\n').split(' ', 2)
    steps.append((float(t), d, unescape(data)))
# merge consecutive module chunks into one block per answer
blocks = []
for t, d, data in steps:
    if blocks and blocks[-1][1] == d == '<':
        blocks[-1][2] += data
    else:
        blocks.append([t, d, data])
def lines_of(block):
    if block[1] == '>':
        return [block[2].rstrip('\r')]
    text = block[2].replace('\r\n>', '\r\n>\r\n')
    return [l for l in text.split('\r\n') if l]
def stamp(t):
    return '[%02d:%02d:%06.3f]' % (10, 0, t)
def write(name, fmt):
    with open(f'{out}/{name}', 'w') as f:
        last_cmd = None
        for b in blocks:
            for l in lines_of(b):
                if b[1] == '>':
                    last_cmd = l
                f.write(fmt(b, l, last_cmd))
write('driver-cold-publish.serial-monitor.log', lambda b, l, c: f"{stamp(b[0])} {'TX' if b[1] == '>' else 'RX'}: {l}\n")
write('driver-cold-publish.arrows.log', lambda b, l, c: f"{'-->' if b[1] == '>' else '<--'} {l}\n")
write('driver-cold-publish.plain.log', lambda b, l, c: '' if b[1] == '<' and (l == c or l.endswith('\r') and l[:-1] == c) else l.rstrip('\r') + '\n')
with open(f'{out}/driver-cold-publish.socat.log', 'w') as f:
    for t, d, data in blocks:
        f.write(f"{d} 2026/11/25 10:00:{t:09.6f}  length={len(data)} from=0 to={len(data) - 1}\n")
        f.write(data.replace('\r', '\\r'))
        if not data.endswith('\n'):
            f.write('\n')
PY
for f in serial-monitor arrows plain socat; do
    cp "$out/driver-cold-publish.args" "$out/driver-cold-publish.$f.args"
done
