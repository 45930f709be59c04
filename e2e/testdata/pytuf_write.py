"""Write a stable/unstable TUF repository with python-tuf's metadata API, in tufpip's shape.

Usage: python pytuf_write.py SPEC.json OUTDIR

SPEC is {"bits": N, "roles": {"stable": {PROJECT: [WHEEL_PATH, ...]},
                               "unstable": {PROJECT: [WHEEL_PATH, ...]}}}

bits 0 is the flat shape: targets delegates to stable, then unstable. bits N > 0 is the
hash-bin shape: targets delegates to 2^N succinct hash bins "bins-<hex>" (TAP 15), and each
bin delegates to the ordered pair [stable-<hex>, unstable-<hex>] with the same suffix, both
non-terminating, with the paths "simple/*/index.html" and "packages/*". A role signs its
wheels as packages/<filename> and each of its projects' pages as
simple/<project>/index.html (a PEP 503 page linking ../../packages/<filename>#sha256=...),
each target with its sha256 and blake2b-256.

Consistent snapshots: metadata as N.<role>.json (timestamp.json plain), targets stored
under every hash they carry (<hash>.<name>) and under their plain name. Keys: root ecdsa,
targets ed25519, bins rsassa-pss, stable ecdsa, unstable rsassa-pss, snapshot and
timestamp ed25519. Prints {"root": PATH} on stdout.
"""

import hashlib
import html
import json
import os
import shutil
import sys
from datetime import datetime, timedelta, timezone

from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import (
    DelegatedRole,
    Delegations,
    MetaFile,
    Metadata,
    Root,
    Snapshot,
    SuccinctRoles,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

HASHES = ["sha256", "blake2b-256"]
PATHS = ["simple/*/index.html", "packages/*"]


def page_html(project, wheels):
    links = []
    for fn, data in wheels:
        digest = hashlib.sha256(data).hexdigest()
        links.append(
            f'    <a href="../../packages/{html.escape(fn)}#sha256={digest}">{html.escape(fn)}</a><br>\n'
        )
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        '    <meta name="pypi:repository-version" content="1.1">\n'
        f"    <title>Links for {project}</title>\n  </head>\n  <body>\n"
        f"    <h1>Links for {project}</h1>\n" + "".join(links) + "  </body>\n</html>\n"
    ).encode()


def store(targets_dir, path, data, info):
    d, _, name = path.rpartition("/")
    folder = os.path.join(targets_dir, *d.split("/"))
    os.makedirs(folder, exist_ok=True)
    for fn in [name] + [f"{h}.{name}" for h in info.hashes.values()]:
        with open(os.path.join(folder, fn), "wb") as f:
            f.write(data)


def main(spec_path, out):
    with open(spec_path) as f:
        spec = json.load(f)
    bits = spec["bits"]
    meta_dir = os.path.join(out, "metadata")
    targets_dir = os.path.join(out, "targets")
    for d in (meta_dir, targets_dir):
        os.makedirs(d, exist_ok=True)

    signers = {
        "root": CryptoSigner.generate_ecdsa(),
        "targets": CryptoSigner.generate_ed25519(),
        "snapshot": CryptoSigner.generate_ed25519(),
        "timestamp": CryptoSigner.generate_ed25519(),
        "bins": CryptoSigner.generate_rsa(size=2048),  # rsassa-pss-sha256
        "stable": CryptoSigner.generate_ecdsa(),
        "unstable": CryptoSigner.generate_rsa(size=2048),
    }
    key = {name: s.public_key for name, s in signers.items()}
    expires = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=30)
    ser = JSONSerializer(compact=False)
    written = {}  # role name -> Metadata

    def sign_write(md, role, signer_name, versioned=True):
        md.sign(signers[signer_name])
        name = f"{md.signed.version}.{role}.json" if versioned else f"{role}.json"
        md.to_file(os.path.join(meta_dir, name), ser)

    root = Metadata(Root(expires=expires, consistent_snapshot=True))
    for role in ("root", "targets", "snapshot", "timestamp"):
        root.signed.add_key(key[role], role)
    sign_write(root, "root", "root")
    shutil.copyfile(os.path.join(meta_dir, "1.root.json"), os.path.join(meta_dir, "root.json"))

    # Leaf roles: (stable|unstable)[-<bin>] -> Targets
    succinct = SuccinctRoles([key["bins"].keyid], 1, bits, "bins") if bits else None
    leaves = {}

    def leaf_name(side, path):
        if not succinct:
            return side
        return side + succinct.get_role_for_target(path)[len("bins"):]

    for side in ("stable", "unstable"):
        for project, wheel_paths in spec["roles"].get(side, {}).items():
            wheels = []
            for wp in wheel_paths:
                with open(wp, "rb") as f:
                    wheels.append((os.path.basename(wp), f.read()))
            items = [(f"packages/{fn}", data) for fn, data in wheels]
            items.append((f"simple/{project}/index.html", page_html(project, wheels)))
            for path, data in items:
                info = TargetFile.from_data(path, data, HASHES)
                store(targets_dir, path, data, info)
                leaves.setdefault(leaf_name(side, path), Targets(expires=expires)).targets[path] = info

    top = Targets(expires=expires)
    snapshot = Snapshot(expires=expires)
    if succinct:
        top.delegations = Delegations(keys={key["bins"].keyid: key["bins"]}, succinct_roles=succinct)
        for bin_name in succinct.get_roles():
            suffix = bin_name[len("bins"):]
            bin_md = Targets(expires=expires)
            bin_md.delegations = Delegations(
                keys={key["stable"].keyid: key["stable"], key["unstable"].keyid: key["unstable"]},
                roles={
                    f"{side}{suffix}": DelegatedRole(f"{side}{suffix}", [key[side].keyid], 1, False, PATHS)
                    for side in ("stable", "unstable")
                },
            )
            sign_write(Metadata(bin_md), bin_name, "bins")
            snapshot.meta[f"{bin_name}.json"] = MetaFile(version=1)
            for side in ("stable", "unstable"):
                name = f"{side}{suffix}"
                sign_write(Metadata(leaves.get(name, Targets(expires=expires))), name, side)
                snapshot.meta[f"{name}.json"] = MetaFile(version=1)
    else:
        top.delegations = Delegations(
            keys={key["stable"].keyid: key["stable"], key["unstable"].keyid: key["unstable"]},
            roles={
                side: DelegatedRole(side, [key[side].keyid], 1, False, PATHS)
                for side in ("stable", "unstable")
            },
        )
        for side in ("stable", "unstable"):
            sign_write(Metadata(leaves.get(side, Targets(expires=expires))), side, side)
            snapshot.meta[f"{side}.json"] = MetaFile(version=1)
    sign_write(Metadata(top), "targets", "targets")
    snapshot.meta["targets.json"] = MetaFile(version=1)
    sign_write(Metadata(snapshot), "snapshot", "snapshot")
    ts = Timestamp(expires=expires, snapshot_meta=MetaFile(version=1))
    sign_write(Metadata(ts), "timestamp", "timestamp", versioned=False)

    json.dump({"root": os.path.join(meta_dir, "1.root.json")}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
