package tuftest

import (
	"bytes"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// shadowStable builds the attack of docs/reference.md, item 13: unstable (online key,
// with the mirror) delegates "extra/*" to a role it names "stable" and
// serves a forged stable.json signed with unstable's key, listing an evil
// copy of stable's wheel and extra/y.
func shadowStable(t *testing.T) (*Repo, *Server, []byte) {
	r := New(t, WithDelegations(
		Delegation{Name: Stable},
		Delegation{Name: Unstable, Paths: append([]string{"extra/*"}, DefaultPaths...)},
	))
	r.AddFile(Stable, wheel, []byte("stable wheel"))
	r.AddTarget(Unstable, "extra/x", []byte("x"))
	r.Publish()
	evil := []byte("evil wheel")
	r.Host(wheelPath, evil)
	uk := r.Keys(Unstable)
	r.EditTargets(Unstable, func(s *metadata.TargetsType) {
		s.Delegations = &metadata.Delegations{Keys: map[string]*metadata.Key{uk[0].ID(): uk[0].Metadata()}}
		s.Delegations.Roles = append(s.Delegations.Roles, metadata.DelegatedRole{
			Name: Stable, KeyIDs: []string{uk[0].ID()}, Threshold: 1, Paths: []string{"extra/*", "packages/*"},
		})
	})
	r.Publish()
	r.ServeForged(Stable, uk, func(s *metadata.TargetsType) {
		tf, err := metadata.TargetFile().FromBytes(wheelPath, evil)
		if err != nil {
			t.Fatal(err)
		}
		s.Targets[wheelPath] = tf
		// a path only the shadow role lists, so the walk reaches it
		// through unstable
		y, err := metadata.TargetFile().FromBytes("extra/y", []byte("y"))
		if err != nil {
			t.Fatal(err)
		}
		s.Targets["extra/y"] = y
	})
	return r, r.Serve(t), evil
}

func TestForgedStableThroughUnstable(t *testing.T) {
	r, srv, evil := shadowStable(t)

	// Reached from targets first, the forged stable is refused.
	c := newClient(t, srv, r.RootJSON())
	if _, err := c.get(wheelPath); err == nil {
		t.Fatal("go-tuf accepted stable metadata signed by unstable's key")
	}

	// Reached through unstable's delegation first, go-tuf verifies it against
	// unstable's keys and then keeps using it for stable's own paths: the
	// forged file is well built, and this is the go-tuf weakness a client
	// must guard against.
	c = newClient(t, srv, r.RootJSON())
	up := c.updater()
	if err := up.Refresh(); err != nil {
		t.Fatal(err)
	}
	if _, err := up.GetTargetInfo("extra/y"); err != nil {
		t.Fatal(err)
	}
	tf, err := up.GetTargetInfo(wheelPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := tf.VerifyLengthHashes(evil); err != nil {
		t.Skipf("go-tuf no longer reuses a role verified under another delegator (%v)", err)
	}
	if tf.VerifyLengthHashes([]byte("stable wheel")) == nil || bytes.Equal(evil, []byte("stable wheel")) {
		t.Fatal("test is broken")
	}
}
