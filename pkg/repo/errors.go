package repo

import (
	"fmt"
)

// ExistsError reports that Init found a repository (or part of one) where it would write.
type ExistsError struct {
	Path string // the file or directory that already exists
}

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s: already exists, refusing to overwrite a repository", e.Path)
}

// NotRepositoryError reports a directory that Init did not create.
type NotRepositoryError struct {
	Dir string
	Err error
}

func (e *NotRepositoryError) Error() string {
	return fmt.Sprintf("%s: not a tufpip repository (run tufpip repo init first): %v", e.Dir, e.Err)
}

func (e *NotRepositoryError) Unwrap() error { return e.Err }

// DistError reports a file that is not a well-formed wheel or sdist.
type DistError struct {
	File   string
	Reason string
	Err    error
}

func (e *DistError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.File, e.Reason, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Reason)
}

func (e *DistError) Unwrap() error { return e.Err }

// ConflictError reports an upload whose filename is already published with other bytes.
// Published files are immutable, as on PyPI: a client may already trust the old hash.
type ConflictError struct {
	Filename   string
	Existing   string // sha256 already published
	Uploaded   string // sha256 of the new file
	UploadedAt string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s: already published (uploaded %s) with sha256 %s, the new file has sha256 %s; published files never change, upload a new version",
		e.Filename, e.UploadedAt, e.Existing, e.Uploaded)
}

// KeyError reports a signing key that is missing or unreadable.
type KeyError struct {
	Role string
	Path string
	Err  error
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("%s: signing key of role %s: %v", e.Path, e.Role, e.Err)
}

func (e *KeyError) Unwrap() error { return e.Err }

// MetadataError reports published metadata that cannot be read back or does not match
// what the repository's snapshot says about it.
type MetadataError struct {
	Path   string
	Role   string
	Reason string
	Err    error
}

func (e *MetadataError) Error() string {
	s := fmt.Sprintf("%s: metadata of role %s: %s", e.Path, e.Role, e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *MetadataError) Unwrap() error { return e.Err }

// InterruptedError wraps a failure that stopped a publish half-way. The repository still
// serves its previous state; the next add, promote or timestamp completes the work.
type InterruptedError struct {
	Step string
	Err  error
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("publish stopped at step %q, the previous state is still served: %v", e.Step, e.Err)
}

func (e *InterruptedError) Unwrap() error { return e.Err }

// StableSideError reports a key or ledger of the stable side in a place the upload server
// controls. Nothing is signed.
type StableSideError struct {
	Path   string
	What   string // "signing key of role stable", "stable ledger"
	Reason string
}

func (e *StableSideError) Error() string {
	return fmt.Sprintf("%s: %s %s; refusing to use it (keep the offline keys and the ledger outside the repository, and pass --keys)", e.Path, e.What, e.Reason)
}

// LedgerError reports a stable ledger that is missing, unreadable or contradicts the run.
type LedgerError struct {
	Path   string
	Reason string
	Err    error
}

func (e *LedgerError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: stable ledger: %s: %v", e.Path, e.Reason, e.Err)
	}
	return fmt.Sprintf("%s: stable ledger: %s", e.Path, e.Reason)
}

func (e *LedgerError) Unwrap() error { return e.Err }

// FileCheckError reports a distribution file whose bytes on disk are not what a role
// signed: the stable side reads Requires-Python only from bytes it hash-checked.
type FileCheckError struct {
	Path   string
	Role   string
	Reason string
}

func (e *FileCheckError) Error() string {
	return fmt.Sprintf("%s: %s; not signing from it (was the repository tampered with?)", e.Path, e.Reason)
}
