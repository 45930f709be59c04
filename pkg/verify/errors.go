package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// VerificationError means the repository (or someone between it and us) served
// something TUF or a hash check rejects: a bad signature, too few signatures, a
// rollback, expired metadata, a bad root rotation, a length or hash mismatch.
// The CLI maps it to exit code 3. It is never retried.
type VerificationError struct {
	Path   string // the file: a target path or a metadata file such as "timestamp.json"
	Role   string // the role whose metadata was involved, when known
	Reason string // lowercase, names what failed
	Err    error  // the underlying error, if any
}

func (e *VerificationError) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	switch {
	case e.Reason != "":
		b.WriteString(e.Reason)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString("verification failed")
	}
	return b.String()
}

func (e *VerificationError) Unwrap() error { return e.Err }

// NotFoundError means the trusted metadata is valid but no role that the
// delegation walk reaches lists the path.
type NotFoundError struct {
	Path string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s: not listed by any trusted role", e.Path)
}

// NetworkError is a failure to talk to the repository: connection errors,
// timeouts, unexpected HTTP statuses. StatusCode is 0 when no response came.
type NetworkError struct {
	URL        string
	StatusCode int
	Err        error
}

func (e *NetworkError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("fetching %s: http status %d", e.URL, e.StatusCode)
	}
	return fmt.Sprintf("fetching %s: %v", e.URL, e.Err)
}

func (e *NetworkError) Unwrap() error { return e.Err }

// IsVerification reports whether err (or an error it wraps) is a *VerificationError.
func IsVerification(err error) bool {
	var v *VerificationError
	return errors.As(err, &v)
}

// IsNotFound reports whether err (or an error it wraps) is a *NotFoundError.
func IsNotFound(err error) bool {
	var n *NotFoundError
	return errors.As(err, &n)
}

// IsNetwork reports whether err (or an error it wraps) is a *NetworkError.
func IsNetwork(err error) bool {
	var n *NetworkError
	return errors.As(err, &n)
}

// classify turns an error coming out of go-tuf (or our fetcher underneath it)
// into one of our types. file names the metadata file or target being
// processed when the error happened, for the message.
func classify(err error, file string) error {
	if err == nil {
		return nil
	}
	var (
		ve   *VerificationError
		ne   *NetworkError
		nf   *NotFoundError
		http *metadata.ErrDownloadHTTP
	)
	switch {
	case errors.As(err, &ve), errors.As(err, &nf):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.As(err, &ne):
		return err
	case errors.As(err, &http):
		return &NetworkError{URL: http.URL, StatusCode: http.StatusCode, Err: err}
	case errors.Is(err, &metadata.ErrDownloadLengthMismatch{}):
		// More bytes than the signed (or default) length: an endless-data attack.
		return &VerificationError{Path: file, Role: roleFromFile(file), Reason: "larger than allowed: " + err.Error(), Err: err}
	}
	var pe *fs.PathError
	var le *os.LinkError
	if errors.As(err, &pe) || errors.As(err, &le) {
		return fmt.Errorf("tuf cache: %w", err)
	}
	// Everything else from go-tuf is a judgement on the metadata it was given:
	// ErrRepository and its subtypes, ErrValue/ErrType (malformed fields),
	// JSON syntax errors, "role not found in snapshot".
	return &VerificationError{Path: file, Role: roleFromFile(file), Reason: tufReason(err), Err: err}
}

// tufReason rewrites go-tuf's messages into our style: lowercase, no
// "error:" stutter where we can avoid it.
func tufReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se), errors.As(err, &te):
		return "malformed metadata: " + err.Error()
	case errors.Is(err, &metadata.ErrExpiredMetadata{}):
		return "expired: " + err.Error()
	case errors.Is(err, &metadata.ErrUnsignedMetadata{}):
		return "not signed by enough trusted keys: " + err.Error()
	case errors.Is(err, &metadata.ErrEqualVersionNumber{}), errors.Is(err, &metadata.ErrBadVersionNumber{}):
		return "rollback or bad version: " + err.Error()
	case errors.Is(err, &metadata.ErrLengthOrHashMismatch{}):
		return "does not match the length or hashes listed in trusted metadata: " + err.Error()
	}
	return "tuf verification failed: " + err.Error()
}

// recovered converts a panic inside go-tuf (a malformed key makes
// VerifyDelegate panic, REFERENCE item 12) into a verification failure.
func recovered(r any, file string) error {
	role := roleFromFile(file)
	return &VerificationError{Path: file, Role: role, Reason: fmt.Sprintf("malformed metadata of role %s made the tuf library panic: %v", role, r)}
}

// roleFromFile maps a metadata file name to its role: "3.stable.json" -> "stable".
func roleFromFile(file string) string {
	name, ok := strings.CutSuffix(file, ".json")
	if !ok {
		return ""
	}
	if i := strings.IndexByte(name, '.'); i > 0 && strings.Trim(name[:i], "0123456789") == "" {
		name = name[i+1:]
	}
	return name
}
