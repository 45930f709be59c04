package tuf

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// sameLengthReformat moves one newline of pretty-printed metadata past the tab after it:
// other bytes of the same length and the same canonical content, so the signatures still
// verify and only the snapshot's hashes tell the copy apart.
func sameLengthReformat(b []byte) []byte {
	return bytes.Replace(b, []byte("\n\t"), []byte("\t\n"), 1)
}

func metaHashRepo(t *testing.T, opts ...tuftest.Option) (*tuftest.Repo, *tuftest.Server, string) {
	t.Helper()
	repo := tuftest.New(t, opts...)
	page := tuftest.PagePath("foobar")
	repo.AddTarget(repo.Bin(tuftest.Stable, page), page, []byte("foobar's page"))
	repo.Publish()
	return repo, repo.Serve(t), page
}

// The snapshot may give delegated roles' hashes in any algorithm tufpip checks (PyPI's
// repository uses blake2b-256): go-tuf knows only sha256 and sha512 and refused the role.
func TestDelegatedMetaHashes(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []tuftest.Option
	}{
		{"blake2b-256", []tuftest.Option{tuftest.WithDelegatedMetaHashes("blake2b-256")}},
		{"sha384", []tuftest.Option{tuftest.WithDelegatedMetaHashes("sha384")}},
		{"blake2b-256 and sha256, hash bins", []tuftest.Option{tuftest.WithDelegatedMetaHashes("blake2b-256", "sha256"), tuftest.WithHashBins(2)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo, srv, page := metaHashRepo(t, tc.opts...)
			c := newTestClient(t, repo, srv, "")
			tg, err := c.Lookup(context.Background(), page)
			if err != nil || tg.Role != tuftest.Stable {
				t.Fatalf("lookup: %v, %+v", err, tg)
			}
			// A copy of the role that differs only in its bytes is refused: the hashes are checked.
			repo.Tamper(repo.Bin(tuftest.Stable, page), sameLengthReformat)
			c = newTestClient(t, repo, srv, "")
			_, err = c.Lookup(context.Background(), page)
			var ve *VerificationError
			if !errors.As(err, &ve) || !strings.Contains(ve.Reason, "mismatch for algorithm") {
				t.Fatalf("reformatted role: %v, want a hash mismatch", err)
			}
		})
	}
}

// The reformatted copy is accepted where the snapshot gives no hashes: it is the hashes that
// refuse it above, not its signatures.
func TestDelegatedMetaHashesControl(t *testing.T) {
	repo, srv, page := metaHashRepo(t)
	repo.Tamper(tuftest.Stable, sameLengthReformat)
	c := newTestClient(t, repo, srv, "")
	if _, err := c.Lookup(context.Background(), page); err != nil {
		t.Fatalf("reformatted role without snapshot hashes: %v", err)
	}
}

// A snapshot giving a role's hash in an algorithm tufpip cannot compute is refused as such.
func TestDelegatedMetaHashUnsupported(t *testing.T) {
	repo, srv, page := metaHashRepo(t, tuftest.WithDelegatedMetaHashes("sha3-256"))
	c := newTestClient(t, repo, srv, "")
	_, err := c.Lookup(context.Background(), page)
	var u *UnsupportedHashError
	if !IsVerification(err) || !errors.As(err, &u) || u.Algorithm != "sha3-256" {
		t.Fatalf("lookup: %v, want an unsupported sha3-256", err)
	}
	if want := `stable.json: the trusted metadata gives hash algorithm "sha3-256" for it, which tufpip cannot check`; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q, want %q", err, want)
	}
}

// go-tuf checks the hashes of snapshot.json and targets.json itself, with sha256 and sha512
// only: a repository giving them in another algorithm is refused, and the error says which
// algorithm tufpip cannot check there (docs/reference.md, item 17).
func TestTopMetaHashUnsupported(t *testing.T) {
	repo := tuftest.New(t, tuftest.WithTopMetaHashes("sha256"))
	if _, err := Open(context.Background(), Config{MetadataURL: repo.Serve(t).MetadataURL, TrustedRoot: repo.RootJSON(), CacheDir: t.TempDir()}); err != nil {
		t.Fatalf("sha256: %v", err)
	}
	repo = tuftest.New(t, tuftest.WithTopMetaHashes("blake2b-256"))
	_, err := Open(context.Background(), Config{MetadataURL: repo.Serve(t).MetadataURL, TrustedRoot: repo.RootJSON(), CacheDir: t.TempDir()})
	var u *UnsupportedHashError
	if !IsVerification(err) || !errors.As(err, &u) || !u.TopLevel || u.Algorithm != "blake2b-256" {
		t.Fatalf("blake2b-256: %v, want an unsupported top-level blake2b-256", err)
	}
	if want := `snapshot.json: timestamp.json gives the hash of snapshot.json in "blake2b-256", which tufpip cannot check for top-level metadata`; !strings.HasSuffix(err.Error(), want) {
		t.Errorf("message %q, want %q", err, want)
	}
}
