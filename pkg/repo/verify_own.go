package repo

import (
	"crypto/ed25519"
	"fmt"

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
	if r.signers == nil {
		r.signers = map[string]signature.Signer{}
	}
	if s, ok := r.signers[keyName]; ok {
		return s
	}
	s, err := loadSigner(r.keysDir, keyName)
	if err != nil {
		s = nil
	}
	r.signers[keyName] = s
	return s
}

// verifyOwn checks that m carries a valid signature by the key that signs role, when that
// key is available. It uses go-tuf's own VerifyDelegate with a one-key delegator.
func verifyOwn[T metadata.Roles](r *Repo, role string, m *metadata.Metadata[T], path string) error {
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
