#!/usr/bin/env bash
# The README's test command: install what the tests need (scripts/setup.sh: Go modules and
# the pinned real pip, uv, pip-tools, ... in .tools/), then run every test. Arguments go to
# go test, e.g. bash scripts/test.sh -run TestVerify ./internal/cli (default: ./...).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
if [ $# -eq 0 ]; then set -- ./...; fi
go test "$@"
