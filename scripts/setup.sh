#!/usr/bin/env bash
# Set-up on a fresh machine: Go modules, a Python with venv and pip for the end-to-end
# tests, and the real Python clients the tests drive, pinned, in .tools/ (one venv per tool,
# commands linked into .tools/bin). Safe to run again: a tool already at its pin is kept.
#
# Tests find the tools through internal/pyfix (TUFPIP_TOOLS, default .tools/bin in the
# repository). Under TUFPIP_E2E_REQUIRE=1 (set by .ci/run) a missing tool fails its tests.
#
# --basics stops after Go modules and Python's venv and pip: all the demo needs.
set -euo pipefail
cd "$(dirname "$0")/.."
basics=false
[ "${1:-}" = "--basics" ] && basics=true

# The pins. Bump them here only; tests read the versions from the tools themselves.
PIP_LATEST=26.3
UV=0.13.9
PIP_TOOLS=7.6.2
POETRY=2.5.1
PIPENV=2026.10.3
PYTHON_TUF=7.0.1
SECURESYSTEMSLIB=1.6.0 # python-tuf's signing library; with cryptography for rsa and ecdsa keys
CRYPTOGRAPHY=50.0.2
PRE_COMMIT=4.7.0
JSONSCHEMA=4.26.0

command -v go >/dev/null || { echo "setup: Go 1.26 or newer is needed: https://go.dev/dl/" >&2; exit 1; }
go mod download

apt_install() {
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "setup: please install $* (Debian: apt-get install $*)" >&2
    return 1
  fi
}

if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; then
  apt_install python3 python3-venv python3-pip || true
fi
# Debian 12's own pip (23.0.1), which users of the system Python have: /usr/bin/python3 -m pip.
if [ -x /usr/bin/python3 ] && ! /usr/bin/python3 -m pip --version >/dev/null 2>&1; then
  apt_install python3-pip python3-venv || true
fi

if $basics; then
  python3 -m venv --help >/dev/null 2>&1 || { echo "setup: python3 with venv is needed (Debian: apt-get install python3-venv)" >&2; exit 1; }
  echo "setup: ok ($(go version | cut -d' ' -f3), $(python3 --version 2>&1))"
  exit 0
fi

# tool NAME COMMANDS... -- PIP-REQUIREMENTS...: a venv per tool, its commands in .tools/bin.
tools=$PWD/.tools
mkdir -p "$tools/bin"
tool() {
  local name=$1; shift
  local cmds=()
  while [ "$1" != "--" ]; do cmds+=("$1"); shift; done
  shift
  local venv=$tools/$name stamp="$tools/$name/.pins"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$*" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    # PIP_FIND_LINKS and friends from the environment must not pick what gets installed.
    env -u PIP_FIND_LINKS PIP_DISABLE_PIP_VERSION_CHECK=1 \
      "$venv/bin/python" -m pip install -q "$@"
    echo "$*" >"$stamp"
  fi
  for c in "${cmds[@]}"; do link "$venv/bin/$c" "$c"; done
}
# link TARGET NAME: a small script, not a symlink (a venv's python must be run by its own path).
link() { printf '#!/bin/sh\nexec "%s" "$@"\n' "$1" >"$tools/bin/$2"; chmod 755 "$tools/bin/$2"; }
tool pip-latest -- "pip==$PIP_LATEST"
link "$tools/pip-latest/bin/python" python-pip-latest
tool uv uv -- "uv==$UV"
tool pip-tools pip-compile pip-sync -- "pip-tools==$PIP_TOOLS"
tool poetry poetry -- "poetry==$POETRY"
tool pipenv pipenv -- "pipenv==$PIPENV"
tool python-tuf -- "tuf==$PYTHON_TUF" "securesystemslib[crypto]==$SECURESYSTEMSLIB" "cryptography==$CRYPTOGRAPHY"
link "$tools/python-tuf/bin/python" python-tuf
tool pre-commit pre-commit -- "pre-commit==$PRE_COMMIT"
tool jsonschema -- "jsonschema==$JSONSCHEMA"
link "$tools/jsonschema/bin/python" python-jsonschema

echo "setup: ok ($(go version | cut -d' ' -f3), $(python3 --version 2>&1); tools in .tools/bin:" \
  "pip $("$tools/bin/python-pip-latest" -m pip --version | cut -d' ' -f2)," \
  "$("$tools/bin/uv" --version)," \
  "pip-tools $PIP_TOOLS, poetry $POETRY, pipenv $PIPENV, python-tuf $PYTHON_TUF;" \
  "Debian pip: $(/usr/bin/python3 -m pip --version 2>/dev/null | cut -d' ' -f2 || echo none))"
