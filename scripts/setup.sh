#!/usr/bin/env bash
# Set-up on a fresh machine: Go modules, and a Python with venv and pip for the end-to-end
# tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v go >/dev/null || { echo "setup: Go 1.26 or newer is needed: https://go.dev/dl/" >&2; exit 1; }
go mod download

if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
  else
    echo "setup: the end-to-end tests need python3 with venv and pip (Debian: apt-get install python3-venv python3-pip)" >&2
  fi
fi
echo "setup: ok ($(go version | cut -d' ' -f3), $(python3 --version 2>&1))"
