#!/bin/sh
# The third-party client tests (tests/clients/run.py), run by Debian's own
# python3: the one that sees Debian's python3-serial (a pyenv or venv python3
# earlier on PATH does not). Without it every test is reported skipped, with why.
#   tests/clients/run.sh BIN_DIR [--logs DIR] [--pending] [NAME...]
set -u
python=/usr/bin/python3
if [ ! -x "$python" ]; then
    echo "SKIP  every client test: $python is missing; as root:" \
         "apt-get update && apt-get install -y --no-install-recommends python3" \
         "(then tools/bootstrap.sh clients)"
    echo "clients: 0 passed, 0 failed, all skipped"
    exit 0
fi
exec "$python" "$(dirname "$0")/run.py" "$@"
