#!/usr/bin/env python3
"""Read `go test -json` from stdin, print what a person reads in a CI log (each package's
result, the whole output of every failed test, every skipped test with its reason), and exit 1
when a test failed or skipped for a reason CI does not allow.

Under TUFPIP_E2E_REQUIRE a missing real client already fails its test (internal/testreq).
This is the second net: any other skip (no pseudo-terminal, no symlinks, a canary about
go-tuf) means CI did not prove what the test proves, so it fails the run too. Allowed are
only the tests that run on request (an environment variable names what to set) and the
child processes some tests start.
"""
import json
import sys

ALLOWED = (
    "set TUFPIP_",  # opt-in: live upstream, scale and sync benchmarks
    "run as a child",  # a test's own child process
    "child",
)

outputs, skipped, failed, packages = {}, [], [], []
for line in sys.stdin:
    try:
        ev = json.loads(line)
    except ValueError:
        print(line, end="")  # build errors come as plain text
        continue
    pkg, test, action = ev.get("Package", ""), ev.get("Test"), ev.get("Action")
    key = (pkg, test)
    if action == "build-output":
        print(ev.get("Output", ""), end="")  # compiler errors, as go test prints them
        continue
    if action == "output":
        outputs.setdefault(key, []).append(ev.get("Output", ""))
    elif action in ("pass", "fail", "skip") and test is None:
        elapsed = ev.get("Elapsed", 0)
        packages.append(f"{'ok  ' if action != 'fail' else 'FAIL'}\t{pkg}\t{elapsed:.3f}s")
        if action == "fail" and not any(p == pkg for p, _ in failed):
            failed.append((pkg, None))
    elif action == "fail":
        failed.append(key)
    elif action == "skip":
        reason = ""
        for out in outputs.get(key, []):
            s = out.strip()
            if s and not s.startswith(("=== ", "--- SKIP")):
                reason = s.split(": ", 1)[-1] if ".go:" in s else s
        skipped.append((pkg, test, reason))

for line in packages:
    print(line)
bad_skips = []
if skipped:
    print("\nskipped:")
    for pkg, test, reason in skipped:
        ok = reason.startswith(ALLOWED)
        print(f"  {'' if ok else 'NOT ALLOWED IN CI: '}{pkg} {test}: {reason}")
        if not ok:
            bad_skips.append(test)
for pkg, test in failed:
    if test is None:
        if not any(p == pkg and t for p, t in failed):
            print(f"\n=== {pkg} failed:\n" + "".join(outputs.get((pkg, None), [])))
        continue
    # A parent fails with its subtests; print the leaves only.
    if any(p == pkg and t and t.startswith(test + "/") for p, t in failed):
        continue
    print(f"\n=== FAIL {pkg} {test}\n" + "".join(outputs.get((pkg, test), [])))
if failed or bad_skips:
    leaves = [t for p, t in failed if t and not any(q == p and u and u.startswith(t + "/") for q, u in failed)]
    broken = [p for p, t in failed if t is None]
    print(f"\ntests: {len(leaves)} failed, {len(bad_skips)} skipped where CI allows no skip, {len(broken)} packages failed")
    sys.exit(1)
