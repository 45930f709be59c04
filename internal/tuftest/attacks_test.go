package tuftest

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// TestAttacksRefusedByGoTUF checks that every illegitimate mutation yields
// metadata or bytes that go-tuf's own client refuses, with the error class
// the attack should produce. The returning client has refreshed and
// downloaded once before the attack, so it trusts the current versions.
func TestAttacksRefusedByGoTUF(t *testing.T) {
	type errPtr = any
	cases := []struct {
		name   string
		attack func(t *testing.T, r *Repo, s *Server)
		target string
		fresh  bool // a new client without cache rather than the returning one
		want   errPtr
	}{
		{"tampered target", func(t *testing.T, r *Repo, s *Server) {
			r.Tamper(wheelPath, FlipByte)
		}, wheelPath, false, new(*metadata.ErrLengthOrHashMismatch)},
		{"tampered page", func(t *testing.T, r *Repo, s *Server) {
			r.Tamper(PagePath("foobar"), func(b []byte) []byte { return bytes.Replace(b, []byte("1.0"), []byte("6.6"), 1) })
		}, PagePath("foobar"), true, new(*metadata.ErrLengthOrHashMismatch)},
		{"extra bytes on target", func(t *testing.T, r *Repo, s *Server) {
			s.Inject(wheelPath, Extra(100))
		}, wheelPath, false, new(*metadata.ErrDownloadLengthMismatch)},
		{"endless timestamp", func(t *testing.T, r *Repo, s *Server) {
			s.Inject("timestamp.json", Endless())
		}, wheelPath, false, new(*metadata.ErrDownloadLengthMismatch)},
		{"endless target", func(t *testing.T, r *Repo, s *Server) {
			s.Inject(wheelPath, Endless())
		}, wheelPath, false, new(*metadata.ErrDownloadLengthMismatch)},
		{"tampered stable metadata", func(t *testing.T, r *Repo, s *Server) {
			r.Tamper(Stable, editSigned(t, func(m map[string]any) { m["expires"] = "2099-01-01T00:00:00Z" }))
		}, wheelPath, true, new(*metadata.ErrUnsignedMetadata)},
		{"timestamp rollback", func(t *testing.T, r *Repo, s *Server) {
			r.ServeVersion(Timestamp, 1)
		}, wheelPath, false, new(*metadata.ErrBadVersionNumber)},
		{"snapshot rollback served", func(t *testing.T, r *Repo, s *Server) {
			r.Bump(Snapshot)
			r.Publish()
			r.Rollback(Snapshot)
		}, wheelPath, false, new(*metadata.ErrBadVersionNumber)},
		{"snapshot rollback signed", func(t *testing.T, r *Repo, s *Server) {
			r.SetVersion(Snapshot, 1)
			r.Publish()
		}, wheelPath, false, new(*metadata.ErrBadVersionNumber)},
		{"stable rollback served", func(t *testing.T, r *Repo, s *Server) {
			r.Bump(Stable)
			r.Publish()
			r.Rollback(Stable)
		}, wheelPath, false, new(*metadata.ErrBadVersionNumber)},
		{"stable rollback signed", func(t *testing.T, r *Repo, s *Server) {
			r.Bump(Stable)
			r.Publish()
			// a fresh client would accept v1; the returning one trusts v2
			r.SetVersion(Stable, 1)
			r.Publish()
		}, wheelPath, false, new(*metadata.ErrBadVersionNumber)},
		{"expired timestamp", func(t *testing.T, r *Repo, s *Server) {
			r.Expire(Timestamp)
			r.Publish()
		}, wheelPath, false, new(*metadata.ErrExpiredMetadata)},
		{"expired snapshot", func(t *testing.T, r *Repo, s *Server) {
			r.Expire(Snapshot)
			r.Publish()
		}, wheelPath, false, new(*metadata.ErrExpiredMetadata)},
		{"expired stable", func(t *testing.T, r *Repo, s *Server) {
			r.Expire(Stable)
			r.Publish()
		}, wheelPath, false, new(*metadata.ErrExpiredMetadata)},
		{"expired root", func(t *testing.T, r *Repo, s *Server) {
			r.Expire(Root)
			r.Publish()
		}, wheelPath, false, new(*metadata.ErrExpiredMetadata)},
		{"targets mix-and-match", func(t *testing.T, r *Repo, s *Server) {
			r.ServeVersion(Targets, r.SignDetached(Targets))
		}, wheelPath, true, new(*metadata.ErrBadVersionNumber)},
		{"stable mix-and-match", func(t *testing.T, r *Repo, s *Server) {
			r.ServeVersion(Stable, r.SignDetached(Stable))
		}, wheelPath, true, new(*metadata.ErrBadVersionNumber)},
		{"timestamp below threshold", func(t *testing.T, r *Repo, s *Server) {
			r.SignBelowThreshold(Timestamp)
			r.Publish()
		}, wheelPath, false, new(*metadata.ErrUnsignedMetadata)},
		{"stable below threshold", func(t *testing.T, r *Repo, s *Server) {
			r.SignBelowThreshold(Stable)
			r.Publish()
		}, wheelPath, false, new(*metadata.ErrUnsignedMetadata)},
		{"snapshot key not in root", func(t *testing.T, r *Repo, s *Server) {
			r.SignWithForeignKey(Snapshot)
			r.Publish()
		}, wheelPath, false, new(*metadata.ErrUnsignedMetadata)},
		{"unstable signed with stable's key", func(t *testing.T, r *Repo, s *Server) {
			r.SignWith(Unstable, r.Keys(Stable)...)
			r.Publish()
		}, "packages/none.whl", true, new(*metadata.ErrUnsignedMetadata)},
		{"threshold raised above signatures", func(t *testing.T, r *Repo, s *Server) {
			r.SetThreshold(Timestamp, 3)
			r.Publish()
		}, wheelPath, false, new(*metadata.ErrUnsignedMetadata)},
		{"root rotation without old keys", func(t *testing.T, r *Repo, s *Server) {
			r.RotateRootWithoutOldKeys(1, 1)
			r.Publish()
		}, wheelPath, false, new(*metadata.ErrUnsignedMetadata)},
		{"root rotation below old threshold", func(t *testing.T, r *Repo, s *Server) {
			old := r.Keys(Root)
			r.RotateKeys(Root, 1, 1)
			r.SignWith(Root, append(old[:1], r.Keys(Root)...)...)
			r.Publish()
		}, wheelPath, false, new(*metadata.ErrUnsignedMetadata)},
		{"timestamp replaced by garbage", func(t *testing.T, r *Repo, s *Server) {
			s.Inject("timestamp.json", Replace([]byte(`{"signed":`)))
		}, wheelPath, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, s, c := newWheelRepo(t, WithKeys(Root, 3, 2), WithKeys(Timestamp, 2, 2), WithKeys(Stable, 3, 2))
			c.mustGet(wheelPath, []byte("stable wheel"))
			tc.attack(t, r, s)
			if tc.fresh {
				c = newClient(t, s, r.RootJSON())
			}
			_, err := c.get(tc.target)
			if err == nil {
				t.Fatalf("go-tuf accepted the attack")
			}
			if tc.want != nil && !errors.As(err, tc.want) {
				t.Fatalf("got %T %v, want %T", err, err, tc.want)
			}
			t.Logf("refused: %v", err)
		})
	}
}

// editSigned returns a Tamper function that edits the "signed" part of a
// metadata file, leaving the signatures as they were.
func editSigned(t *testing.T, edit func(map[string]any)) func([]byte) []byte {
	return func(b []byte) []byte {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		edit(m["signed"].(map[string]any))
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}

// TestMalformedDelegationKey documents go-tuf v2.4.2's behaviour: the
// malformed key makes VerifyDelegate panic (docs/reference.md, item 12), so a client
// has to recover. Either a panic or an error is a refusal; success is not.
func TestMalformedDelegationKey(t *testing.T) {
	r, s, _ := newWheelRepo(t)
	r.CorruptDelegationKey(Stable)
	r.Publish()
	c := newClient(t, s, r.RootJSON())
	var err error
	panicked := func() (p any) {
		defer func() { p = recover() }()
		_, err = c.get(wheelPath)
		return nil
	}()
	if panicked == nil && err == nil {
		t.Fatal("go-tuf accepted a delegation with a malformed key")
	}
	t.Logf("panic: %v; error: %v", panicked, err)
}

func TestFreezeRefused(t *testing.T) {
	r, _, c := newWheelRepo(t)
	c.mustGet(wheelPath, []byte("stable wheel"))
	// An attacker keeps serving the timestamp the client already has while
	// the repository moves on: the client cannot see new targets, but it
	// must not accept anything either once the timestamp expires.
	r.AddFile(Stable, "new.whl", []byte("new"))
	r.Publish()
	r.ServeVersion(Timestamp, r.Version(Timestamp)-1)
	up := c.updater()
	up.UnsafeSetRefTime(time.Now().Add(25 * time.Hour))
	err := up.Refresh()
	var expired *metadata.ErrExpiredMetadata
	if !errors.As(err, &expired) {
		t.Fatalf("got %v, want ErrExpiredMetadata", err)
	}
}
