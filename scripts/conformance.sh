#!/usr/bin/env bash
# Build cmd/tufpip-conformance and run the public TUF conformance suite
# (theupdateframework/tuf-conformance) against it with
# /work/shared/tools/tuf-conformance.sh.
#
# Needs unpacked snapshots of tuf-conformance, python-tuf (5.1.0) and
# securesystemslib (v1.4.0) in $PEERS (default: <repo>/.peers, git-ignored),
# and on Debian: apt-get install -y python3-pytest python3-cryptography faketime
# Expected failures are listed in cmd/tufpip-conformance/tufpip-conformance.xfails.
# Extra arguments go to pytest (e.g. -k test_name -x).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNNER=${TUF_CONFORMANCE_RUNNER:-/work/shared/tools/tuf-conformance.sh}
export PEERS=${PEERS:-$ROOT/.peers}

BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT
(cd "$ROOT" && go build -o "$BIN/tufpip-conformance" ./cmd/tufpip-conformance)
if [ -f "$ROOT/cmd/tufpip-conformance/tufpip-conformance.xfails" ]; then
	cp "$ROOT/cmd/tufpip-conformance/tufpip-conformance.xfails" "$BIN/"
fi
"$RUNNER" "$BIN/tufpip-conformance" "$@"
