package repo

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/atomicfile"
)

// Key names in the keys directory. The sharded roles of the hash-bin layout share their
// family's key (stable-00 ... stable-ff are all signed with stable's key).
const (
	keyRoot      = "root"
	keyTargets   = "targets"
	keySnapshot  = "snapshot"
	keyTimestamp = "timestamp"
	keyStable    = "stable"
	keyUnstable  = "unstable"
	keyBins      = "bins"
)

// OnlineKeys are the keys the upload server needs for add and for the timestamp cron job.
// Everything else can stay offline: root and targets (and bins) sign once at init, stable
// signs only when promote runs.
var OnlineKeys = []string{keyTimestamp, keySnapshot, keyUnstable}

// keyFor maps a role name to the name of the key that signs it.
func keyFor(role string) string {
	switch {
	case strings.HasPrefix(role, keyStable+"-"):
		return keyStable
	case strings.HasPrefix(role, keyUnstable+"-"):
		return keyUnstable
	case strings.HasPrefix(role, keyBins+"-"):
		return keyBins
	}
	return role
}

func privateKeyPath(keysDir, name string) string { return filepath.Join(keysDir, name+".key") }
func publicKeyPath(keysDir, name string) string  { return filepath.Join(keysDir, name+".pub") }

// generateKey creates an ed25519 key pair: the private key PKCS#8 PEM with mode 0600,
// the public key PKIX PEM beside it. It never replaces an existing key file.
func generateKey(keysDir, name string) (ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	path := privateKeyPath(keysDir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, &ExistsError{Path: path}
		}
		return nil, &KeyError{Role: name, Path: path, Err: err}
	}
	werr := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		return nil, &KeyError{Role: name, Path: path, Err: werr}
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	pubPath := publicKeyPath(keysDir, name)
	if err := atomicfile.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		return nil, &KeyError{Role: name, Path: pubPath, Err: err}
	}
	return pub, nil
}

// loadSigner reads a private key written by generateKey. A symbolic link is refused:
// whoever can write the folder holding the link chooses which key it names.
func loadSigner(keysDir, name string) (signature.Signer, error) {
	path := privateKeyPath(keysDir, name)
	if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSymlink != 0 {
		return nil, &KeyError{Role: name, Path: path, Err: errors.New("is a symbolic link; refusing it (pass --keys the folder that holds the key file itself)")}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &KeyError{Role: name, Path: path, Err: err}
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, &KeyError{Role: name, Path: path, Err: errors.New("no PEM private key block")}
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, &KeyError{Role: name, Path: path, Err: err}
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, &KeyError{Role: name, Path: path, Err: fmt.Errorf("%T is not an ed25519 key", k)}
	}
	s, err := signature.LoadSigner(priv, crypto.Hash(0))
	if err != nil {
		return nil, &KeyError{Role: name, Path: path, Err: err}
	}
	return s, nil
}

func tufKey(pub ed25519.PublicKey) (*metadata.Key, string, error) {
	k, err := metadata.KeyFromPublicKey(pub)
	if err != nil {
		return nil, "", err
	}
	id, err := k.ID()
	if err != nil {
		return nil, "", err
	}
	return k, id, nil
}

// checkStableSide refuses a file of the stable side (an offline key, the ledger) that lies
// inside the repository directory or is a symbolic link: the upload server writes DIR, so
// a key or ledger there is one it chooses.
func (r *Repo) checkStableSide(path, what string) error {
	if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSymlink != 0 {
		return &StableSideError{Path: path, What: what, Reason: "is a symbolic link"}
	}
	if inside(path, r.dir) {
		return &StableSideError{Path: path, What: what, Reason: "lies inside the repository directory " + r.dir + ", which the upload server can write"}
	}
	return nil
}

// inside reports whether path lies in dir, comparing both as written and with symbolic
// links of their folders resolved.
func inside(path, dir string) bool {
	within := func(p, d string) bool {
		rel, err := filepath.Rel(d, p)
		return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
	}
	ap, err1 := filepath.Abs(path)
	ad, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return true
	}
	if within(ap, ad) {
		return true
	}
	rd, err := filepath.EvalSymlinks(ad)
	if err != nil {
		return false
	}
	// The nearest existing folder of path, resolved.
	parent := filepath.Dir(ap)
	for {
		if rp, err := filepath.EvalSymlinks(parent); err == nil {
			return within(filepath.Join(rp, strings.TrimPrefix(ap, parent)), rd)
		}
		next := filepath.Dir(parent)
		if next == parent {
			return false
		}
		parent = next
	}
}
