package tuftest

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Key is an ed25519 signing key. Keys are generated fresh for every
// repository, so no test can accidentally trust another test's metadata.
type Key struct {
	signer signature.Signer
	public ed25519.PublicKey
	id     string
}

// NewKey generates a key. Use it for keys that the repository does not know
// about, for example with SignWith to sign with a key that is not in root.
func NewKey(t testing.TB) *Key {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("tuftest: generate key: %v", err)
	}
	s, err := signature.LoadSigner(priv, crypto.Hash(0))
	if err != nil {
		t.Fatalf("tuftest: load signer: %v", err)
	}
	k := &Key{signer: s, public: pub}
	id, err := k.Metadata().ID()
	if err != nil {
		t.Fatalf("tuftest: key id: %v", err)
	}
	k.id = id
	return k
}

// ID is the TUF key id (sha256 of the canonical public key).
func (k *Key) ID() string { return k.id }

// Metadata returns a fresh copy of the public key as it appears in root or
// in a delegation, so callers may modify it.
func (k *Key) Metadata() *metadata.Key {
	mk, err := metadata.KeyFromPublicKey(k.public)
	if err != nil {
		// ed25519 keys always convert; anything else is a bug in this package.
		panic("tuftest: " + err.Error())
	}
	return mk
}

func newKeys(t testing.TB, n int) []*Key {
	t.Helper()
	ks := make([]*Key, n)
	for i := range ks {
		ks[i] = NewKey(t)
	}
	return ks
}
