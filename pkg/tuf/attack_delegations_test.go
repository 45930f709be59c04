package tuf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// Issue 10 item 1: a role reached through another parent. The holder of the online keys
// (unstable, snapshot, timestamp) makes unstable-0 delegate to a role it names stable-1, with
// its own key. go-tuf keeps roles by name: once a walk through unstable-0 had loaded the
// impostor, lookups in bin 1 passed over the real stable-1 to unstable-1, and a stable project
// resolved to the attacker's page. Every lookup order must give stable's answer or a refusal.

type impostorEnv struct {
	repo           *tuftest.Repo
	srv            *tuftest.Server
	stablePage     string // a project stable signs, in the bin the impostor takes over
	unstablePage   string // a project only unstable signs, in the impostor's parent's bin
	missingPage    string // a project nobody signs, in the same bin
	victim, parent string // the role impersonated and the role that delegates to the impostor
	stableSHA256   string
}

// newImpostorEnv builds the repository and the attack. bins=0 is the flat layout (unstable
// delegates to a "stable" of its own); inSnapshot makes the snapshot list the impostor's
// metadata in place of the real role's.
func newImpostorEnv(t *testing.T, bins int, inSnapshot bool) *impostorEnv {
	t.Helper()
	var opts []tuftest.Option
	if bins > 0 {
		opts = append(opts, tuftest.WithHashBins(bins))
	}
	repo := tuftest.New(t, opts...)
	e := &impostorEnv{repo: repo}
	// A stable project and an unstable-only one in different bins.
	for i := 0; e.stablePage == "" || e.unstablePage == "" || e.missingPage == ""; i++ {
		p := tuftest.PagePath(fmt.Sprintf("p%d", i))
		switch {
		case bins == 0 && e.stablePage == "":
			e.stablePage = p
		case bins == 0 && e.unstablePage == "":
			e.unstablePage = p
		case bins == 0:
			e.missingPage = p
		case e.stablePage == "" && repo.Bin(tuftest.Stable, p) == tuftest.Stable+"-1":
			e.stablePage = p
		case e.unstablePage == "" && repo.Bin(tuftest.Stable, p) == tuftest.Stable+"-0":
			e.unstablePage = p
		case e.missingPage == "" && repo.Bin(tuftest.Stable, p) == tuftest.Stable+"-0":
			e.missingPage = p
		}
	}
	good, evil := []byte("page signed by stable"), []byte("page signed by unstable")
	repo.AddTarget(repo.Bin(tuftest.Stable, e.stablePage), e.stablePage, good)
	repo.AddTarget(repo.Bin(tuftest.Unstable, e.stablePage), e.stablePage, evil)
	repo.AddTarget(repo.Bin(tuftest.Unstable, e.unstablePage), e.unstablePage, []byte("unstable-only page"))
	repo.Publish()
	e.stableSHA256 = repo.TargetInfo(repo.Bin(tuftest.Stable, e.stablePage), e.stablePage).Hashes["sha256"].String()
	e.victim = repo.Bin(tuftest.Stable, e.stablePage)
	e.parent = repo.Bin(tuftest.Unstable, e.unstablePage)
	repo.Impostor(e.parent, e.victim, inSnapshot, nil)
	repo.Publish()
	e.srv = repo.Serve(t)
	return e
}

func (e *impostorEnv) open(t *testing.T) *Client {
	t.Helper()
	c, err := Open(context.Background(), Config{
		MetadataURL: e.srv.MetadataURL, TargetsURL: e.srv.TargetsURL,
		TrustedRoot: e.repo.RootJSON(), CacheDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAttackImpostorThroughAnotherParent(t *testing.T) {
	for _, layout := range []struct {
		name string
		bins int
	}{{"hash-bins", 1}, {"flat", 0}} {
		for _, inSnapshot := range []bool{true, false} {
			for _, order := range []string{"unstable-first", "stable-first", "not-found-first"} {
				name := fmt.Sprintf("%s/in-snapshot=%v/%s", layout.name, inSnapshot, order)
				t.Run(name, func(t *testing.T) {
					e := newImpostorEnv(t, layout.bins, inSnapshot)
					c := e.open(t)
					ctx := context.Background()
					other := func() {
						// Walks that cross the impostor's parent and go on to its children.
						switch order {
						case "unstable-first":
							_, _ = c.LookupAll(ctx, e.unstablePage)
						case "not-found-first":
							_, _ = c.Lookup(ctx, e.missingPage)
						}
					}
					check := func() {
						t.Helper()
						for _, get := range []func() (*Target, error){
							func() (*Target, error) { return c.Lookup(ctx, e.stablePage) },
							func() (*Target, error) {
								all, err := c.LookupAll(ctx, e.stablePage)
								if len(all) == 0 {
									return nil, err
								}
								return all[0], nil
							},
						} {
							tg, err := get()
							switch {
							case err == nil && tg.Role == tuftest.Stable && tg.Hashes["sha256"] == e.stableSHA256:
								if inSnapshot {
									t.Errorf("stable's answer although the snapshot lists the impostor's %s.json", e.victim)
								}
							case err == nil:
								t.Fatalf("stable project resolved to role %s (signer %s): the impostor %s hid the real one", tg.Role, tg.Signer, e.victim)
							case !inSnapshot:
								t.Fatalf("the real %s is served and listed, but the lookup failed: %v", e.victim, err)
							case !IsVerification(err) || !strings.Contains(err.Error(), e.victim):
								t.Fatalf("got %v, want a verification error naming %s", err, e.victim)
							}
						}
					}
					if order != "stable-first" {
						other()
					}
					check()
					other()
					check()
				})
			}
		}
	}
}

// Two delegations that claim one role name with different keys: refused with a message that
// names both parents, once both have been crossed.
func TestAttackConflictingClaimsNamed(t *testing.T) {
	e := newImpostorEnv(t, 1, true)
	c := e.open(t)
	ctx := context.Background()
	if _, err := c.LookupAll(ctx, e.unstablePage); err != nil {
		var ie *IncompleteError
		if !errors.As(err, &ie) {
			t.Fatalf("lookup of an unstable-only project: %v", err)
		}
	}
	_, err := c.Lookup(ctx, e.stablePage)
	want := fmt.Sprintf("role %s is delegated by %s and by bins-1 with different keys or thresholds", e.victim, e.parent)
	if !IsVerification(err) || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want a verification error saying %q", err, want)
	}
}
