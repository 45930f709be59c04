// Package mirror is the network side of "tufpip repo sync": it reads project pages from an
// upstream PEP 503 / PEP 691 simple index (JSON preferred, HTML accepted), with conditional
// requests so that an unchanged project costs one request answered 304, chooses the files
// the operator asked for (projects, requirement files, target Pythons and platforms, the
// newest N versions, the dependency closure read from core metadata), and streams each new
// file into a temporary file while checking it against the page's hashes and size. What
// passes goes to pkg/repo's mirror session, which places it and has unstable sign it.
//
// Nothing an upstream says is trusted beyond its hashes: a file whose bytes do not match
// is refused (HashMismatchError) and signed by no one, redirects stay on the same host,
// pages, files and metadata are size-capped, and a compromised upstream cannot backdate a
// release into stable, because promote ages files from its own ledger (pkg/repo).
package mirror
