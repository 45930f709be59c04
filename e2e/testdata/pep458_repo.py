"""Write a TUF repository in the layout PyPI plans (PEP 458 as accepted, RSTUF, Warehouse's
signed simple pages), with python-tuf's metadata API only, for tufpip's e2e tests.

    python-tuf pep458_repo.py OUT --keys DIR --files-url URL
                              [--bins BITS | --hash-prefix-roles] [--page-format html|json]
                              [--api-version V] [--sign-files] [--misplace PROJECT]... DIST...
    python-tuf pep458_repo.py OUT --keys DIR --update [--rotate-online] DIST...
    python-tuf pep458_repo.py OUT --keys DIR --forge-rollback PROJECT

OUT/metadata/  consistent snapshots: 1.root.json (and root.json, the trusted copy),
               1.targets.json, 1.<bin>.json, 1.snapshot.json, timestamp.json
OUT/targets/   each project's page, stored content-addressed as
               simple/<project>/<blake2b-256>.<project>.<html|json> and nowhere else
OUT/files/     the distribution files, as the files host serves them:
               packages/<b2[0:2]>/<b2[2:4]>/<b2[4:]>/<filename>
OUT/manifest.json  what the tests need to know (roles, paths, hashes)
DIR/               the keys and the publisher's state, for --update (never served)

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

--update adds distributions as Warehouse does on an upload: the touched projects' pages are
stored anew (the old bytes stay) and re-signed in their roles, whose versions go up, then a
new snapshot and timestamp. --rotate-online first replaces the online key: root N+1 (signed
by both root keys), targets N+1, and every delegated role re-signed with the new key.
--forge-rollback then plays the revoked key's holder: it overwrites the current metadata of
PROJECT's role with one listing PROJECT's first page again, signed by the revoked key.
"""

import argparse
import hashlib
import html
import json
import os
import re
import sys
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from securesystemslib.signer import CryptoSigner, SSlibKey
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


def add_dists(out, files_url, projects, paths):
    """Put the distributions on the files host and into projects (name -> file entries);
    return the names of the projects they belong to."""
    touched = set()
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()
        fn = os.path.basename(path)
        b2 = blake2b_256(data)
        rel = f"packages/{b2[0:2]}/{b2[2:4]}/{b2[4:]}/{fn}"
        dest = os.path.join(out, "files", rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as fh:
            fh.write(data)
        project = project_of(fn)
        projects.setdefault(project, []).append(
            {
                "filename": fn,
                "url": files_url + rel,
                "path": rel,
                "sha256": hashlib.sha256(data).hexdigest(),
                "blake2b_256": b2,
                "size": len(data),
            }
        )
        touched.add(project)
    return touched


def role_finder(delegations):
    """The role a target path belongs to, as the delegations say."""
    if delegations.succinct_roles is not None:
        return delegations.succinct_roles.get_role_for_target

    def role_for(path):
        h = hashlib.sha256(path.encode()).hexdigest()
        for name, r in delegations.roles.items():
            if any(h.startswith(p) for p in r.path_hash_prefixes):
                return name
        sys.exit(f"pep458_repo.py: no role for {path}")

    return role_for


def publish_pages(out, st, projects, touched, delegated, role_for, manifest):
    """Store the touched projects' pages content-addressed and list them (and, with
    sign_files, their files) in the roles of delegated (name -> Metadata[Targets]); return
    the names of the roles changed."""
    changed = set()
    for project in sorted(touched):
        files = projects[project]
        data = page_bytes(project, files, st["page_format"], st["api_version"])
        target = TargetFile.from_data(project, data, ["blake2b-256"])
        b2 = target.hashes["blake2b-256"]
        stored = f"simple/{project}/{b2}.{project}.{st['page_format']}"
        dest = os.path.join(out, "targets", stored)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as fh:
            fh.write(data)
        role = role_for(project)
        if project in st["misplace"]:
            # A role listing a target outside its delegation (its online key signs whatever
            # it is given): the role after the right one.
            names = list(delegated)
            role = names[(names.index(role) + 1) % len(names)]
        delegated[role].signed.targets[project] = target
        changed.add(role)
        if st["sign_files"]:
            # As in PEP 458: the files are targets too, at their path under the files host's
            # base URL, with blake2b-256 only, each in its own path's role.
            for f in files:
                tf = TargetFile(f["size"], {"blake2b-256": f["blake2b_256"]}, f["path"])
                f["role"] = role_for(f["path"])
                delegated[f["role"]].signed.targets[f["path"]] = tf
                changed.add(f["role"])
        manifest["projects"][project] = {
            "role": role,
            "target": project,
            "blake2b_256": b2,
            "stored": stored,
            "files": {f["filename"]: f for f in files},
        }
    return changed


SER = JSONSerializer(compact=False)


def write(meta_dir, md, filename, *signers):
    for s in signers:
        md.sign(s, append=True)
    md.to_file(os.path.join(meta_dir, filename), SER)


def create(a, files_url):
    out, meta_dir = a.out, os.path.join(a.out, "metadata")
    os.makedirs(meta_dir)
    os.makedirs(a.keys)
    st = {
        "page_format": a.page_format,
        "api_version": a.api_version,
        "sign_files": a.sign_files,
        "misplace": a.misplace,
        "files_url": files_url,
    }
    projects = {}
    touched = add_dists(out, files_url, projects, a.dists)

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
    keys = {online.public_key.keyid: online.public_key}
    online_ids = [online.public_key.keyid]
    if a.hash_prefix_roles:
        lo = [f"{i:x}" for i in range(8)]
        hi = [f"{i:02x}" for i in range(0x80, 0x100)]
        roles = {
            "pages-lo": DelegatedRole("pages-lo", online_ids, 1, True, path_hash_prefixes=lo),
            "pages-hi": DelegatedRole("pages-hi", online_ids, 1, True, path_hash_prefixes=hi),
        }
        targets.signed.delegations = Delegations(keys, roles=roles)
        names = list(roles)
    else:
        succinct = SuccinctRoles(online_ids, 1, a.bins, "bins")
        targets.signed.delegations = Delegations(keys, succinct_roles=succinct)
        names = list(succinct.get_roles())
    delegated = {name: Metadata(Targets(expires=expires)) for name in names}
    manifest = {"projects": {}, "roles": names}
    publish_pages(out, st, projects, touched, delegated, role_finder(targets.signed.delegations), manifest)

    snapshot = Metadata(Snapshot(expires=expires))
    snapshot.signed.meta["targets.json"] = MetaFile(version=1)
    for name in delegated:
        snapshot.signed.meta[f"{name}.json"] = MetaFile(version=1)
    timestamp = Metadata(Timestamp(expires=expires))
    timestamp.signed.snapshot_meta = MetaFile(version=1)

    write(meta_dir, root, "1.root.json", root_ecdsa, root_ed25519)
    root.to_file(os.path.join(meta_dir, "root.json"), SER)
    write(meta_dir, targets, "1.targets.json", targets_key)
    for name, md in delegated.items():
        write(meta_dir, md, f"1.{name}.json", online)
    write(meta_dir, snapshot, "1.snapshot.json", online)
    write(meta_dir, timestamp, "timestamp.json", online)

    manifest["keys"] = {
        "root": [root_ecdsa.public_key.keytype, root_ed25519.public_key.keytype],
        "targets": targets_key.public_key.keytype,
        "online": online.public_key.scheme,
    }
    # What update needs, kept with the keys (outside the served tree).
    st["projects"] = projects
    st["manifest"] = manifest
    st["root_version"] = 1
    for name, signer in (("root-ecdsa", root_ecdsa), ("root-ed25519", root_ed25519), ("targets", targets_key), ("online", online)):
        save_signer(a.keys, st, name, signer)
    save_state(a, st, manifest)


def save_signer(keys, st, name, signer):
    with open(os.path.join(keys, name + ".pem"), "wb") as fh:
        fh.write(signer.private_bytes)
    st.setdefault("public", {})[name] = [signer.public_key.keyid, signer.public_key.to_dict()]


def load_signer(keys, st, name):
    keyid, keydict = st["public"][name]
    with open(os.path.join(keys, name + ".pem"), "rb") as fh:
        priv = load_pem_private_key(fh.read(), None)
    return CryptoSigner(priv, SSlibKey.from_dict(keyid, dict(keydict)))


def save_state(a, st, manifest):
    with open(os.path.join(a.keys, "state.json"), "w") as fh:
        json.dump(st, fh)
    with open(os.path.join(a.out, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)


def update(a):
    """Add distributions as Warehouse does on an upload: re-sign the touched projects' pages in
    their roles, then a new snapshot and timestamp (the old page bytes stay where they are).
    With rotate_online, a new online key replaces the old one first: a new root (signed by
    both root keys) and targets, and every delegated role re-signed."""
    with open(os.path.join(a.keys, "state.json")) as fh:
        st = json.load(fh)
    online = load_signer(a.keys, st, "online")
    out, meta_dir = a.out, os.path.join(a.out, "metadata")
    projects, manifest = st["projects"], st["manifest"]
    touched = add_dists(out, st["files_url"], projects, a.dists)

    timestamp = Metadata.from_file(os.path.join(meta_dir, "timestamp.json"))
    sv = timestamp.signed.snapshot_meta.version
    snapshot = Metadata.from_file(os.path.join(meta_dir, f"{sv}.snapshot.json"))
    tv = snapshot.signed.meta["targets.json"].version
    targets = Metadata.from_file(os.path.join(meta_dir, f"{tv}.targets.json"))
    delegated = {
        name: Metadata.from_file(os.path.join(meta_dir, f"{snapshot.signed.meta[name + '.json'].version}.{name}.json"))
        for name in manifest["roles"]
    }
    changed = publish_pages(out, st, projects, touched, delegated, role_finder(targets.signed.delegations), manifest)

    if a.rotate_online:
        old = online.public_key.keyid
        save_signer(a.keys, st, "online-revoked", online)
        online = CryptoSigner.generate_rsa(scheme="rsassa-pss-sha256", size=2048)
        save_signer(a.keys, st, "online", online)
        rv = st["root_version"]
        root = Metadata.from_file(os.path.join(meta_dir, f"{rv}.root.json"))
        for role in ("snapshot", "timestamp"):
            root.signed.revoke_key(old, role)
            root.signed.add_key(online.public_key, role)
        root.signed.version += 1
        root.signatures.clear()
        write(meta_dir, root, f"{root.signed.version}.root.json",
              load_signer(a.keys, st, "root-ecdsa"), load_signer(a.keys, st, "root-ed25519"))
        st["root_version"] = root.signed.version
        d = targets.signed.delegations
        d.keys = {online.public_key.keyid: online.public_key}
        if d.succinct_roles is not None:
            d.succinct_roles.keyids = [online.public_key.keyid]
        else:
            for r in d.roles.values():
                r.keyids = [online.public_key.keyid]
        targets.signed.version += 1
        targets.signatures.clear()
        write(meta_dir, targets, f"{targets.signed.version}.targets.json", load_signer(a.keys, st, "targets"))
        snapshot.signed.meta["targets.json"] = MetaFile(version=targets.signed.version)
        changed = set(delegated)

    for name in sorted(changed):
        md = delegated[name]
        md.signed.version += 1
        md.signatures.clear()
        write(meta_dir, md, f"{md.signed.version}.{name}.json", online)
        snapshot.signed.meta[f"{name}.json"] = MetaFile(version=md.signed.version)
    snapshot.signed.version += 1
    snapshot.signatures.clear()
    write(meta_dir, snapshot, f"{snapshot.signed.version}.snapshot.json", online)
    timestamp.signed.snapshot_meta = MetaFile(version=snapshot.signed.version)
    timestamp.signed.version += 1
    timestamp.signatures.clear()
    write(meta_dir, timestamp, "timestamp.json", online)
    save_state(a, st, manifest)


def forge_rollback(a):
    """The attack of a revoked online key: overwrite the current metadata of the project's role
    with one that lists the project's first page again, signed by the key --rotate-online
    replaced. The snapshot is not touched (the attacker cannot sign one)."""
    with open(os.path.join(a.keys, "state.json")) as fh:
        st = json.load(fh)
    revoked = load_signer(a.keys, st, "online-revoked")
    meta_dir = os.path.join(a.out, "metadata")
    project = a.forge_rollback
    role = st["manifest"]["projects"][project]["role"]
    timestamp = Metadata.from_file(os.path.join(meta_dir, "timestamp.json"))
    snapshot = Metadata.from_file(os.path.join(meta_dir, f"{timestamp.signed.snapshot_meta.version}.snapshot.json"))
    current = snapshot.signed.meta[f"{role}.json"].version
    first = Metadata.from_file(os.path.join(meta_dir, f"1.{role}.json"))
    md = Metadata.from_file(os.path.join(meta_dir, f"{current}.{role}.json"))
    md.signed.targets[project] = first.signed.targets[project]
    md.signatures.clear()
    write(meta_dir, md, f"{current}.{role}.json", revoked)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("dists", nargs="*")
    ap.add_argument("--keys", required=True, help="where the keys and the publisher's state live")
    ap.add_argument("--update", action="store_true", help="add the distributions to the repository in OUT")
    ap.add_argument("--rotate-online", action="store_true", help="with --update: replace the online key first")
    ap.add_argument("--forge-rollback", metavar="PROJECT", help="after --rotate-online: relist PROJECT's first page, signed by the revoked key")
    ap.add_argument("--files-url", help="the files host's base URL (not with --update)")
    ap.add_argument("--bins", type=int, default=4, help="bit length of the succinct hash bins")
    ap.add_argument("--hash-prefix-roles", action="store_true")
    ap.add_argument("--page-format", choices=["html", "json"], default="html")
    ap.add_argument("--api-version", default="1.4")
    ap.add_argument("--sign-files", action="store_true", help="make the files targets too")
    ap.add_argument("--misplace", action="append", default=[], help="list this project's page in a role its path does not belong to")
    a = ap.parse_intermixed_args()
    if a.forge_rollback:
        forge_rollback(a)
        return
    if a.update:
        update(a)
        return
    if not a.files_url:
        ap.error("--files-url is required")
    create(a, a.files_url if a.files_url.endswith("/") else a.files_url + "/")


if __name__ == "__main__":
    main()
