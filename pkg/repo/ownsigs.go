package repo

import (
	"crypto/ed25519"
	"fmt"
	"slices"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Before re-signing existing metadata, the publisher checks that the key it is about to
// sign with signed what is there now. Without this, whoever can write to the repository
// directory (say, with only the online keys) could edit stable's metadata, re-sign the
// snapshot to point at it, and have the next promote launder the edit with the stable key;
// or edit targets' delegations and have renew sign them with the offline targets key.
// Roles whose key is not at hand are never signed by this run, so they are not checked.

// signerFor returns the cached signer of a key, or nil when the key is not in the keys
// directory.
func (r *Repo) signerFor(keyName string) signature.Signer {
	s, _ := r.loadKey(keyName)
	return s
}

// loadKey loads and caches a key. An offline key inside the repository directory is
// refused once the repository exists (Init writes the default DIR/keys, and warns).
func (r *Repo) loadKey(keyName string) (signature.Signer, error) {
	if r.signers == nil {
		r.signers = map[string]signature.Signer{}
		r.keyErrs = map[string]error{}
	}
	if s, ok := r.signers[keyName]; ok {
		return s, r.keyErrs[keyName]
	}
	var s signature.Signer
	var err error
	if !r.creating && !slices.Contains(r.lay.onlineKeys(), keyName) {
		err = r.checkStableSide(privateKeyPath(r.keysDir, keyName), "signing key of role "+keyName)
	}
	if err == nil {
		s, err = loadSigner(r.keysDir, keyName)
	}
	if err != nil {
		s = nil
	}
	r.signers[keyName], r.keyErrs[keyName] = s, err
	return s, err
}

// checkOwnSignature checks that m carries a valid signature by the key that signs role, when that
// key is available. It uses go-tuf's own VerifyDelegate with a one-key delegator.
func checkOwnSignature[T metadata.Roles](r *Repo, role string, m *metadata.Metadata[T], path string) error {
	s := r.signerFor(keyFor(role))
	if s == nil {
		return nil
	}
	pub, err := s.PublicKey()
	if err != nil {
		return err
	}
	edPub, ok := pub.(ed25519.PublicKey)
	if !ok {
		return fmt.Errorf("key of role %s: %T is not ed25519", role, pub)
	}
	k, id, err := tufKey(edPub)
	if err != nil {
		return err
	}
	d := metadata.Targets()
	d.Signed.Delegations = &metadata.Delegations{
		Keys:  map[string]*metadata.Key{id: k},
		Roles: []metadata.DelegatedRole{{Name: role, KeyIDs: []string{id}, Threshold: 1, Paths: []string{"*"}}},
	}
	if err := d.VerifyDelegate(role, m); err != nil {
		return &MetadataError{Path: path, Role: role, Reason: fmt.Sprintf("not signed by the %s key in %s; refusing to sign over it (was the repository tampered with?)", keyFor(role), r.keysDir), Err: err}
	}
	return nil
}
