"""Read a TUF repository with python-tuf's ngclient, a client independent of go-tuf.

Usage: python ngclient_read.py ROOT METADATA_URL TARGETS_URL WORKDIR TARGET_PATH[=BASE_URL]...

ROOT is the trusted root.json (the repository's 1.root.json, given out of band). The
script refreshes once, then for each target path asks get_targetinfo and download_target
(from BASE_URL instead of TARGETS_URL when given, e.g. a files host) and prints one JSON
object on stdout:

  {"refresh_error": null | "Type: message",
   "targets": {PATH: {"found": bool, "role": ROLE, "length": N, "hashes": {...},
                      "file": DOWNLOADED_PATH, "error": null | "Type: message"}}}

"role" is the role whose metadata listed the target: ngclient's walk returns as soon as
the role it just loaded lists the path, so the last role it loaded during
get_targetinfo is that role. A failing target does not stop the others; the exit code
is 0 whenever the JSON was written.
"""

import json
import os
import shutil
import sys

from tuf.ngclient import Updater


def describe(exc):
    return f"{type(exc).__name__}: {exc}"


def main(argv):
    root, metadata_url, targets_url, workdir = argv[:4]
    paths = argv[4:]
    metadata_dir = os.path.join(workdir, "metadata")
    target_dir = os.path.join(workdir, "targets")
    os.makedirs(metadata_dir, exist_ok=True)
    os.makedirs(target_dir, exist_ok=True)
    shutil.copyfile(root, os.path.join(metadata_dir, "root.json"))

    updater = Updater(
        metadata_dir=metadata_dir,
        metadata_base_url=metadata_url,
        target_dir=target_dir,
        target_base_url=targets_url,
        bootstrap=None,
    )

    loaded = []
    load_targets = updater._load_targets

    def recording_load_targets(role, parent_role):
        md = load_targets(role, parent_role)
        loaded.append(role)
        return md

    updater._load_targets = recording_load_targets

    out = {"refresh_error": None, "targets": {}}
    try:
        updater.refresh()
    except Exception as exc:  # noqa: BLE001 - reported to the Go test
        out["refresh_error"] = describe(exc)
        json.dump(out, sys.stdout)
        return 0

    for i, arg in enumerate(paths):
        path, base = arg, None
        if "=http" in arg:
            path, _, base = arg.partition("=")
        res = {"found": False, "role": None, "length": None, "hashes": None,
               "file": None, "error": None}
        out["targets"][path] = res
        del loaded[:]
        try:
            info = updater.get_targetinfo(path)
        except Exception as exc:  # noqa: BLE001
            res["error"] = describe(exc)
            continue
        if info is None:
            continue
        res["found"] = True
        res["role"] = loaded[-1] if loaded else None
        res["length"] = info.length
        res["hashes"] = info.hashes
        # One file per target: target paths may share a basename.
        dest = os.path.join(target_dir, f"{i}")
        try:
            res["file"] = updater.download_target(info, filepath=dest, target_base_url=base)
        except Exception as exc:  # noqa: BLE001
            res["error"] = describe(exc)
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
