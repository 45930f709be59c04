// Package repo is tufpip's publisher: it turns a folder of wheels and sdists into a static,
// signed TUF repository (PEP 458) in the form tufpip reads, with the stable/unstable rule
// of the 2013 distutils-sig design. Unstable signs every file as soon as it is added;
// stable signs a file once it is older than a cut-off (Promote), together with its own page
// per project listing exactly the files stable signs. targets delegates to stable first,
// then unstable, both non-terminating, so go-tuf's pre-order walk prefers stable.
//
// # Files on disk
//
//	DIR/metadata/   1.root.json, root.json, timestamp.json, N.snapshot.json, N.targets.json,
//	                N.stable.json, N.unstable.json      -> serve as the metadata URL
//	DIR/targets/    packages/F and packages/<sha256>.F (distribution files),
//	                simple/P/<sha256>.index.html (pages, one per signing role),
//	                simple/P/index.html (unsigned copy of unstable's page for plain pip)
//	                                                    -> serve as the targets URL
//	DIR/state/      upload times, Requires-Python, journals, lock, sync's upstream
//	                validators and pages (state/upstream/P.json, P.page): never serve
//	DIR/keys/       default keys directory: never serve; better, keep it elsewhere (--keys)
//
// Consistent snapshots are on: every metadata file except timestamp.json is versioned and
// every target is also stored under its hash, so a mirror or cache can serve any mix of
// old and new files and a client still sees one coherent state.
//
// # Keys
//
// Init makes one ed25519 key per role (private keys PKCS#8 PEM, mode 0600, in a 0700
// directory). Online, on the upload server: timestamp, snapshot and unstable (Add and
// Timestamp need nothing else). Offline: root and targets (and bins in the hash-bin
// layout), used only by Init and the yearly Renew. Stable is kept apart from the upload
// server and brought to Promote (which also needs snapshot and timestamp): an attacker
// holding the online keys can change what unstable signs, never what stable signs, and
// clients prefer stable.
//
// Promote keeps, next to the stable key, a ledger of when it first saw each file
// (stable-ledger.json): the age rule counts from there, because the upload times in
// DIR/state come from the online side and could be backdated. A missing ledger is refused
// unless the operator passes PromoteOptions.Bootstrap (--bootstrap), the first promote of
// a repository, which alone trusts the recorded upload times. Every operation checks that
// the metadata it re-signs carries a valid signature of the key it signs with, so an edit
// by someone without that key is refused, never laundered into a valid signature.
//
// The ledger also decides the age of files of a project it has never seen a file of (a
// new project, or every project at the bootstrap): they take their recorded upload time,
// clamped to now. For known projects the age runs from the ledger's first sighting, or
// from the recorded upload time when that is later. Hold, Release and fast-lane requests
// (PromoteOptions.Requests) are the operator's interference with the age rule, recorded
// in the ledger too; StableStatus reports them with each project's next promotion.
//
// The upload server writes DIR (state/ included), so the stable side takes nothing from
// it that decides what stable signs: stable's page lists what stable's verified metadata
// already signs plus what it promotes now (DIR/state only proposes candidates, which
// unstable must sign with the bytes the ledger saw), and Requires-Python is read from file
// bytes checked against their signed hash, then kept in the ledger. The keys folder comes
// from OpenOptions.KeysDir (--keys, default DIR/keys), never from DIR/state/config.json;
// offline keys and the ledger are refused inside DIR or behind a symbolic link; expiries
// are DefaultExpiries or the operator's, at most MaxExpiries.
//
// # Expiry
//
// Root and targets (and bins) 1 year; timestamp 1 day, snapshot 7 days, unstable 7 days;
// stable 30 days. Run "tufpip repo timestamp DIR" hourly from cron: it re-signs the
// timestamp and every online role past half its lifetime, and warns 30 days before root
// or targets expire. Run "tufpip repo promote" (which needs the stable key) at least every
// 15 days: it re-signs stable roles past half their lifetime even when nothing is old
// enough to promote. Run "tufpip repo renew" with the offline keys once a year: a new root
// version (same keys), targets and bins. Expiries count from the wall clock even when an
// operation is given an earlier time (backfilled upload times).
//
// # Crash safety
//
// A publish writes new files first, each to a temporary file renamed into place: the
// distribution files, the state, the pages, the new role versions, the snapshot, and last
// timestamp.json. Until that last rename clients see the previous state, every file of
// which is still on disk; the next add completes an interrupted one (a pending journal
// names its projects), and promote recomputes everything from the published metadata.
// Superseded metadata versions and pages are deleted after a grace period (1 day, never
// less), counted from when the last metadata naming the file was superseded (a page that
// stable and unstable share is dropped by each in turn), long enough for a client that
// read the previous timestamp to finish.
// Distribution files are never deleted or replaced.
//
// # Scale
//
// In the flat layout stable's and unstable's metadata grow by about 150 bytes per file,
// and a client downloads the whole role to look up one page. Past a few MB, create the
// repository with InitOptions.HashBinBits (tufpip repo init --hash-bins N): targets then
// delegates to 2^N succinct hash bins (TAP 15), and each bin delegates, in order and
// non-terminating, to its own stable-XX and unstable-XX (one delegator per role). A client
// downloads one bin and one or two shards per path it looks up, and stable still wins
// inside each bin. Measured with 5,000 projects and 50,000 files (TestScaleReport;
// testdata/scale-report.txt), bytes a new client downloads to resolve one project from
// stable (metadata, page, one file lookup): flat 6.8 MB (stable's metadata is 6.8 MB,
// unstable's 7.5 MB); 64 bins 241 KB; 256 bins 97 KB. A returning client after one add:
// 3 KB flat, 12 KB with 64 bins, 37 KB with 256 (the snapshot lists every shard). Adding
// one file to the full repository costs 1.8 s of CPU flat, 0.26 s with 64 bins, 0.09 s
// with 256 bins.
//
// InitOptions.JSONPages (--json-pages) also publishes every page as PEP 691 JSON at
// simple/P/index.json, with PEP 700's sizes, upload times and versions, which HTML pages
// cannot carry; it adds one target per project and role.
//
// # The PEP 458 layout
//
// InitOptions.Layout = LayoutPEP458 publishes what PyPI would serve under PEP 458 as
// accepted, for an organisation that wants exactly that: targets delegates to 2^k succinct
// hash bins bins-XXXX (16,384 by default), signed by one online key (bins, beside timestamp
// and snapshot), which sign each project's page under the bare project name and every file,
// with blake2b-256 and sha256. There is no stable or unstable, so Promote, Hold, Release,
// sync and StableStatus return a *LayoutError; Add, Timestamp (which also re-signs the bins,
// which live as long as unstable would), Renew (root and targets) and Status work. The
// layout is recorded in DIR/state/config.json, which the upload server can write, and Open
// checks it against what the signed targets metadata delegates: a stable/unstable
// repository marked pep458 would have add sign into its bins. Files on disk (pep458.go has
// the details):
//
//	DIR/metadata/   N.bins-XXXX.json for every bin, no stable or unstable
//	DIR/targets/    packages/F, packages/<sha256>.F, packages/<blake2b>.F,
//	                simple/P/<blake2b>.P.html, <blake2b>.P and <sha256>.P (one page, three
//	                hard links), simple/P/index.html (unsigned copy for plain pip)
//
// Clients: tufpip init ... --index-path '{project}' --page-url
// 'simple/{project}/{hash}.{project}.html'. Measured on the development machine (2 cores,
// shared): init with 16,384 bins 3-5 s (1.8 s of CPU), 16,389 metadata files, 6.9 MB (66 MB
// on disk in 4 KiB blocks); a bin is 341 bytes empty; the snapshot is 721 KB and changes
// with every add, so every returning client downloads it again. Adding 2 files 0.25 s, 200
// projects at once 0.45 s; a timestamp run that re-signs every bin (every 3.5 days) 3.6 s.
//
// # Serving
//
// The output is static files; any web server works. For a quick test (the keys directory
// must not be below the served directory, so init with --keys elsewhere):
//
//	cd DIR && python3 -m http.server 8000 --bind 127.0.0.1
//	tufpip init --name local --metadata-url http://127.0.0.1:8000/metadata/ \
//	    --targets-url http://127.0.0.1:8000/targets/ --root DIR/metadata/1.root.json
//
// Plain pip (no TUF) can use the same tree: pip install --index-url
// http://127.0.0.1:8000/targets/simple/ FooBar reads the unsigned copies of unstable's
// pages.
//
// nginx, exposing only metadata/ and targets/:
//
//	location = /metadata/timestamp.json {
//	    alias /srv/pypi/metadata/timestamp.json;
//	    add_header Cache-Control "no-cache";
//	}
//	location /metadata/ {
//	    alias /srv/pypi/metadata/;
//	    add_header Cache-Control "public, max-age=300";
//	}
//	location /targets/ {
//	    alias /srv/pypi/targets/;
//	    index index.html;
//	    add_header Cache-Control "public, max-age=300";
//	}
//	location / { return 404; }
//
// timestamp.json (and root.json and the plain page copies) are the only files whose
// content changes under the same name; every versioned or hash-prefixed file may be
// cached for as long as it exists.
package repo
