#!/usr/bin/env bash
# The README demo: build FooBar wheels, sign them into a stable/unstable repository with
# `tufpip repo`, serve it on 127.0.0.1, install 'FooBar==2.0.*' into a fresh venv, then let
# stable sign 2.0.1 and install again. Everything happens in a temporary directory.
# On a fresh machine it first installs what it needs (scripts/setup.sh --basics).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --basics

PYTHON=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/tufpip-demo.XXXXXX")
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# Bold headings on a terminal only: a log file or a pipe gets plain text (and NO_COLOR too).
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-}" != dumb ]; then
  say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  say() { printf '\n== %s\n' "$*"; }
fi

say "building tufpip"
go build -o "$work/tufpip" ./cmd/tufpip
tufpip() { "$work/tufpip" "$@"; }

say "building FooBar 1.0, 2.0 and 2.0.1 wheels"
"$PYTHON" - "$work/dist" <<'PY'
import base64, hashlib, os, sys, zipfile
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for version in ("1.0", "2.0", "2.0.1"):
    files = {
        "foobar/__init__.py": f'__version__ = "{version}"\n',
        f"foobar-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: FooBar\nVersion: {version}\nRequires-Python: >=3.8\n",
        f"foobar-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: tufpip-demo\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    record.append(f"foobar-{version}.dist-info/RECORD,,")
    files[f"foobar-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
    with zipfile.ZipFile(os.path.join(out, f"foobar-{version}-py3-none-any.whl"), "w") as z:
        for name, text in files.items():
            z.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), text)
PY
ls "$work/dist"

days() { "$PYTHON" -c 'import datetime,sys; print((datetime.datetime.now(datetime.timezone.utc)+datetime.timedelta(days=int(sys.argv[1]))).strftime("%Y-%m-%dT%H:%M:%SZ"))' "$1"; }

say "signing a repository: 1.0 and 2.0 uploaded 200 days ago, 2.0.1 60 days ago"
tufpip repo init "$work/repo" --keys "$work/keys"
tufpip repo add "$work/repo" "$work/dist/foobar-1.0-py3-none-any.whl" "$work/dist/foobar-2.0-py3-none-any.whl" --now "$(days -200)" --keys "$work/keys"
tufpip repo add "$work/repo" "$work/dist/foobar-2.0.1-py3-none-any.whl" --now "$(days -60)" --keys "$work/keys"
tufpip repo promote "$work/repo" --older-than 90d --keys "$work/keys" --bootstrap
tufpip repo status "$work/repo"

say "serving it with python3 -m http.server on 127.0.0.1"
port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$PYTHON" -m http.server --bind 127.0.0.1 --directory "$work/repo" "$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
  "$PYTHON" -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1])' "http://127.0.0.1:$port/metadata/1.root.json" 2>/dev/null && break
  sleep 0.1
done

export TUFPIP_CONFIG_DIR="$work/config" TUFPIP_CACHE_DIR="$work/cache"
say "tufpip init (the root comes out of band: here, from the repository's folder)"
tufpip init --name demo --metadata-url "http://127.0.0.1:$port/metadata/" --root "$work/repo/metadata/1.root.json"

say "fresh venv; tufpip install 'FooBar==2.0.*'"
"$PYTHON" -m venv "$work/venv"
tufpip resolve --python "$work/venv/bin/python" 'FooBar==2.0.*'
tufpip install --python "$work/venv/bin/python" -q 'FooBar==2.0.*'
echo "installed: FooBar $("$work/venv/bin/python" -c 'import foobar; print(foobar.__version__)')"

say "31 days later, stable signs 2.0.1 (now older than 90 days)"
tufpip repo promote "$work/repo" --older-than 90d --now "$(days 31)" --keys "$work/keys"
tufpip resolve --python "$work/venv/bin/python" 'FooBar==2.0.*'
tufpip install --python "$work/venv/bin/python" -q --upgrade 'FooBar==2.0.*'
echo "installed: FooBar $("$work/venv/bin/python" -c 'import foobar; print(foobar.__version__)')"
