# Answers pep440's differential test with packaging 24.1 as vendored in pip.
# Reads {"versions": [...], "specs": [...]} on stdin, writes JSON on stdout.
import json
import sys

from pip._vendor import packaging
from pip._vendor.packaging.specifiers import InvalidSpecifier, SpecifierSet
from pip._vendor.packaging.version import InvalidVersion, Version

if packaging.__version__ != "24.1":
    sys.exit("packaging %s, want 24.1" % packaging.__version__)

req = json.load(sys.stdin)

versions, parsed = [], []
for s in req["versions"]:
    try:
        v = Version(s)
    except InvalidVersion:
        versions.append({"valid": False})
        continue
    parsed.append(v)
    versions.append({
        "valid": True, "str": str(v), "public": v.public, "base": v.base_version,
        "pre": v.is_prerelease, "post": v.is_postrelease, "dev": v.is_devrelease,
        "local": v.local or "", "epoch": v.epoch, "release": list(v.release),
    })

# Dense rank in sorted order: equal versions share a rank.
order = sorted(range(len(parsed)), key=lambda i: parsed[i])
rank, r = [0] * len(parsed), 0
for k, i in enumerate(order):
    if k > 0 and parsed[i] != parsed[order[k - 1]]:
        r += 1
    rank[i] = r


def contains(spec, v, pre):
    try:
        return "1" if spec.contains(v, prereleases=pre) else "0"
    except InvalidVersion:
        return "E"  # "===foo" makes packaging fail when asked for .prereleases


specs = []
for s in req["specs"]:
    try:
        spec = SpecifierSet(s)
    except InvalidSpecifier:
        specs.append({"valid": False})
        continue
    out = {"valid": True, "str": str(spec)}
    try:
        out["prereleases"] = bool(spec.prereleases)
        out["filter"] = [str(v) for v in spec.filter(parsed)]
    except InvalidVersion:
        out["prereleases"] = None
    out["filter_pre"] = [str(v) for v in spec.filter(parsed, prereleases=True)]
    out["with_pre"] = "".join(contains(spec, v, True) for v in parsed)
    out["default"] = "".join(contains(spec, v, None) for v in parsed)
    specs.append(out)

json.dump({"versions": versions, "rank": rank, "specs": specs}, sys.stdout)
