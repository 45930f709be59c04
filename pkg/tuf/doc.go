// Package verify is tufpip's TUF client: it decides which files a TUF
// repository vouches for, and by which role, and downloads them so that only
// verified bytes ever reach the destination.
//
// It wraps go-tuf v2.4.2's updater for the top-level metadata workflow (root
// rotation, timestamp, snapshot, targets), walks the delegations itself with
// go-tuf's checks but each role kept under the delegation that vouched for it
// (delegations.go), and loads delegated roles itself (rawrole.go: one strict
// canonicalisation of the raw bytes, signatures checked over exactly those
// bytes, the targets read from them; go-tuf for keys other than ed25519).
// It adds what go-tuf leaves to its callers: a trusted root that is never taken on first use and never
// downgraded by the bootstrap copy, an exclusive inter-process lock around
// the per-repository cache, recovery from corrupt cached files, an HTTP
// fetcher with timeouts, a size cap and bounded retries, the name of the
// vouching role (go-tuf's walk does not say which role matched), and
// streaming target downloads with every listed hash checked. Errors are
// typed: *VerificationError (the repository's data was rejected),
// *NotFoundError (no trusted role lists the path) and *NetworkError.
package tuf
