"""Write a TUF repository in the layout PyPI plans (PEP 458 as accepted, RSTUF, Warehouse's
signed simple pages), with python-tuf's metadata API only, for tufpip's e2e tests.

    python-tuf pep458_repo.py OUT --files-url URL [--bins BITS | --hash-prefix-roles]
                              [--page-format html|json] [--api-version V] [--sign-files]
                              [--misplace PROJECT]... DIST...

OUT/metadata/  consistent snapshots: 1.root.json (and root.json, the trusted copy),
               1.targets.json, 1.<bin>.json, 1.snapshot.json, timestamp.json
OUT/targets/   each project's page, stored content-addressed as
               simple/<project>/<blake2b-256>.<project>.<html|json> and nowhere else
OUT/files/     the distribution files, as the files host serves them:
               packages/<b2[0:2]>/<b2[2:4]>/<b2[4:]>/<filename>
OUT/manifest.json  what the tests need to know (roles, paths, hashes)

Keys: root signed by an ecdsa and an ed25519 key (threshold 2); targets by ed25519; one
online rsassa-pss-sha256 key signs timestamp, snapshot and every delegated role. targets
delegates by succinct_roles to bins-<hex> (python-tuf's names), or with --hash-prefix-roles to
two named roles by path_hash_prefixes (hex of the SHA-256 of the target path): pages-lo takes
one-digit prefixes 0-7, pages-hi two-digit prefixes 80-ff.

The signed targets are the pages: target path = the bare normalised project name, whose only
hash is blake2b-256. The pages link the files by absolute URL on the files host, pinned by
#sha256=. With --sign-files the files are targets too (their path under the files host's base
URL, blake2b-256 only), each listed by its own path's role. --misplace lists a project's page
in a role its path does not belong to (the next bin, the other named role), as a compromised
online key could: no client may find it there.
"""

import argparse
import hashlib
import html
import json
import os
import re
import sys
from datetime import datetime, timedelta, timezone

from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import (
    DelegatedRole,
    Delegations,
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    SuccinctRoles,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def project_of(filename):
    if filename.endswith(".whl"):
        return normalise(filename.split("-")[0])
    for ext in (".tar.gz", ".zip"):
        if filename.endswith(ext):
            return normalise(filename[: -len(ext)].rsplit("-", 1)[0])
    sys.exit(f"pep458_repo.py: {filename}: not a wheel or sdist")


def blake2b_256(data):
    return hashlib.blake2b(data, digest_size=32).hexdigest()


def page_bytes(project, files, fmt, api_version):
    if fmt == "json":
        doc = {
            "meta": {"api-version": api_version},
            "name": project,
            "files": [
                {"filename": f["filename"], "url": f["url"], "hashes": {"sha256": f["sha256"]}}
                for f in files
            ],
        }
        return json.dumps(doc, indent=1).encode()
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{api_version}">',
        f"    <title>Links for {html.escape(project)}</title>",
        "  </head>",
        "  <body>",
        f"    <h1>Links for {html.escape(project)}</h1>",
    ]
    for f in files:
        href = html.escape(f["url"] + "#sha256=" + f["sha256"])
        lines.append(f'    <a href="{href}">{html.escape(f["filename"])}</a><br />')
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("dists", nargs="+")
    ap.add_argument("--files-url", required=True)
    ap.add_argument("--bins", type=int, default=4, help="bit length of the succinct hash bins")
    ap.add_argument("--hash-prefix-roles", action="store_true")
    ap.add_argument("--page-format", choices=["html", "json"], default="html")
    ap.add_argument("--api-version", default="1.4")
    ap.add_argument("--sign-files", action="store_true", help="make the files targets too")
    ap.add_argument("--misplace", action="append", default=[], help="list this project's page in a role its path does not belong to")
    a = ap.parse_args()
    files_url = a.files_url if a.files_url.endswith("/") else a.files_url + "/"
    meta_dir = os.path.join(a.out, "metadata")
    os.makedirs(meta_dir)

    # The files host, and each project's page linking its files there.
    projects = {}
    for path in a.dists:
        with open(path, "rb") as fh:
            data = fh.read()
        fn = os.path.basename(path)
        b2 = blake2b_256(data)
        rel = f"packages/{b2[0:2]}/{b2[2:4]}/{b2[4:]}/{fn}"
        dest = os.path.join(a.out, "files", rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as fh:
            fh.write(data)
        projects.setdefault(project_of(fn), []).append(
            {
                "filename": fn,
                "url": files_url + rel,
                "path": rel,
                "sha256": hashlib.sha256(data).hexdigest(),
                "blake2b_256": b2,
                "size": len(data),
            }
        )

    expires = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=365)
    root_ecdsa = CryptoSigner.generate_ecdsa()
    root_ed25519 = CryptoSigner.generate_ed25519()
    targets_key = CryptoSigner.generate_ed25519()
    online = CryptoSigner.generate_rsa(scheme="rsassa-pss-sha256", size=2048)

    root = Metadata(Root(expires=expires, consistent_snapshot=True))
    for s in (root_ecdsa, root_ed25519):
        root.signed.add_key(s.public_key, "root")
    root.signed.roles["root"].threshold = 2
    root.signed.add_key(targets_key.public_key, "targets")
    for role in ("snapshot", "timestamp"):
        root.signed.add_key(online.public_key, role)

    targets = Metadata(Targets(expires=expires))
    ext = "." + a.page_format
    manifest = {"projects": {}, "roles": []}
    delegated = {}  # role name -> Metadata[Targets]
    if a.hash_prefix_roles:
        lo = [f"{i:x}" for i in range(8)]
        hi = [f"{i:02x}" for i in range(0x80, 0x100)]
        roles = {
            "pages-lo": DelegatedRole("pages-lo", [online.public_key.keyid], 1, True, path_hash_prefixes=lo),
            "pages-hi": DelegatedRole("pages-hi", [online.public_key.keyid], 1, True, path_hash_prefixes=hi),
        }
        targets.signed.delegations = Delegations({online.public_key.keyid: online.public_key}, roles=roles)
        for name in roles:
            delegated[name] = Metadata(Targets(expires=expires))

        def role_for(path):
            h = hashlib.sha256(path.encode()).hexdigest()
            for name, r in roles.items():
                if any(h.startswith(p) for p in r.path_hash_prefixes):
                    return name
            sys.exit(f"pep458_repo.py: no role for {path}")

    else:
        succinct = SuccinctRoles([online.public_key.keyid], 1, a.bins, "bins")
        targets.signed.delegations = Delegations(
            {online.public_key.keyid: online.public_key}, succinct_roles=succinct
        )
        for name in succinct.get_roles():
            delegated[name] = Metadata(Targets(expires=expires))
        role_for = succinct.get_role_for_target
    manifest["roles"] = list(delegated)

    for project, files in sorted(projects.items()):
        data = page_bytes(project, files, a.page_format, a.api_version)
        target = TargetFile.from_data(project, data, ["blake2b-256"])
        b2 = target.hashes["blake2b-256"]
        stored = f"simple/{project}/{b2}.{project}{ext}"
        dest = os.path.join(a.out, "targets", stored)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as fh:
            fh.write(data)
        role = role_for(project)
        if project in a.misplace:
            # A role listing a target outside its delegation (its online key signs whatever
            # it is given): the role after the right one.
            names = list(delegated)
            role = names[(names.index(role) + 1) % len(names)]
        delegated[role].signed.targets[project] = target
        if a.sign_files:
            # As in PEP 458: the files are targets too, at their path under the files host's
            # base URL, with blake2b-256 only, each in its own path's role.
            for f in files:
                tf = TargetFile(f["size"], {"blake2b-256": f["blake2b_256"]}, f["path"])
                f["role"] = role_for(f["path"])
                delegated[f["role"]].signed.targets[f["path"]] = tf
        manifest["projects"][project] = {
            "role": role,
            "target": project,
            "blake2b_256": b2,
            "stored": stored,
            "files": {f["filename"]: f for f in files},
        }

    snapshot = Metadata(Snapshot(expires=expires))
    snapshot.signed.meta["targets.json"] = MetaFile(version=1)
    for name in delegated:
        snapshot.signed.meta[f"{name}.json"] = MetaFile(version=1)
    timestamp = Metadata(Timestamp(expires=expires))
    timestamp.signed.snapshot_meta = MetaFile(version=1)

    ser = JSONSerializer(compact=False)

    def write(md, filename, *signers):
        for s in signers:
            md.sign(s, append=True)
        md.to_file(os.path.join(meta_dir, filename), ser)

    write(root, "1.root.json", root_ecdsa, root_ed25519)
    root.to_file(os.path.join(meta_dir, "root.json"), ser)
    write(targets, "1.targets.json", targets_key)
    for name, md in delegated.items():
        write(md, f"1.{name}.json", online)
    write(snapshot, "1.snapshot.json", online)
    write(timestamp, "timestamp.json", online)

    manifest["keys"] = {
        "root": [root_ecdsa.public_key.keytype, root_ed25519.public_key.keytype],
        "targets": targets_key.public_key.keytype,
        "online": online.public_key.scheme,
    }
    with open(os.path.join(a.out, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)


if __name__ == "__main__":
    main()
