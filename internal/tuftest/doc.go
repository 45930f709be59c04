// Package tuftest builds real, signed TUF repositories for tests and serves
// them over HTTP on 127.0.0.1, so every test in tufpip (verification,
// resolution, the CLI, end-to-end runs with real pip) runs against metadata
// that go-tuf itself accepts, and attack tests against metadata that only
// differs from it in the one way the attack needs.
//
// Layout of a repository from New: root (ed25519 keys, thresholds set by
// WithKeys), targets delegating "simple/*/index.html" and "packages/*" to
// stable and then unstable (both non-terminating: a path both list comes
// from stable), snapshot listing every targets role with its version, and
// timestamp listing snapshot. Consistent snapshots: metadata is served at
// /metadata/N.ROLE.json (and /metadata/timestamp.json), targets at
// /targets/DIR/HEXHASH.NAME (sha256, and sha512 too with WithSHA512).
// WithHashBins lays the roles out in succinct hash bins as tufpip repo does.
//
// Content methods (AddTarget, AddFile, SetPage, RemoveTarget) change roles
// in memory; Publish signs every changed role with a bumped version, then
// snapshot and timestamp. Mutations (Bump, RotateKeys, SetThreshold,
// Expire, SetVersion, SignWith, SignBelowThreshold, SignWithForeignKey,
// SignDetached, CorruptDelegationKey, EditTargets, Impostor, SnapshotLists) shape
// the next Publish;
// ServeVersion, Rollback, Tamper, ServeForged and Host change what is
// served at once (Restore undoes all but Host). Server faults (Delay, Stall,
// Trickle, Drop, Status, NotFound, Extra, Endless, Replace) apply per path
// pattern or to every request, and the server logs every request.
//
// Typical use:
//
//	repo := tuftest.New(t)
//	whl := []byte("wheel bytes")
//	repo.AddFile(tuftest.Stable, "foobar-1.0-py3-none-any.whl", whl)
//	repo.SetPage(tuftest.Stable, "FooBar", tuftest.File("foobar-1.0-py3-none-any.whl", whl))
//	repo.Publish()
//	srv := repo.Serve(t)
//	// client: metadata srv.MetadataURL, targets srv.TargetsURL,
//	// trusted root repo.RootJSON()
//
//	// attack: the wheel's bytes change after signing
//	repo.Tamper("packages/foobar-1.0-py3-none-any.whl", tuftest.FlipByte)
//	// attack: the timestamp stops being updated
//	repo.Expire(tuftest.Timestamp)
//	repo.Publish()
//	// fault: the server stalls after 10 bytes of the wheel
//	srv.Inject("packages/foobar-1.0-py3-none-any.whl", tuftest.Stall(10))
//	// nothing was fetched twice
//	if r := srv.Repeated(); len(r) > 0 { t.Errorf("fetched twice: %v", r) }
//
// Methods fail the test (t.Fatalf) on misuse; they are safe to call while
// the server is serving requests.
package tuftest
