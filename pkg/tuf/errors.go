package tuf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// TrustedRootPath is the Path of a VerificationError about the trusted root the caller
// gave (Config.TrustedRoot): the caller's own file, not something the network served.
const TrustedRootPath = "trusted root"

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
		dlm  *metadata.ErrDownloadLengthMismatch
		exp  *metadata.ErrExpiredMetadata
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
	case errors.As(err, &dlm):
		// More bytes than the signed (or default) length: an endless-data attack.
		return &VerificationError{Path: file, Role: roleFromFile(file), Reason: "too large: " + dlm.Msg, Err: err}
	}
	var pe *fs.PathError
	var le *os.LinkError
	if errors.As(err, &pe) || errors.As(err, &le) {
		return fmt.Errorf("tuf cache: %w", err)
	}
	// go-tuf checks the timestamp's expiry only when it loads the snapshot:
	// name the expired file, not the last one fetched.
	if errors.As(err, &exp) {
		if m := expiredRe.FindStringSubmatch(exp.Msg); m != nil {
			file = m[1] + m[2]
			if m[2] != "" {
				file += ".json"
			}
		}
	}
	// Everything else from go-tuf is a judgement on the metadata it was given:
	// ErrRepository and its subtypes, ErrValue/ErrType (malformed fields),
	// JSON syntax errors, "role not found in snapshot".
	return &VerificationError{Path: file, Role: roleFromFile(file), Reason: tufReason(err), Err: err}
}

// expiredRe matches go-tuf's expiry messages: "final root.json is expired",
// "timestamp.json is expired", "new stable is expired".
var expiredRe = regexp.MustCompile(`^(?:final )?(?:(\S+\.json)|new (\S+)) is expired$`)

// tufReason rewrites go-tuf's messages into our style: a lowercase category,
// then go-tuf's own detail without its "... error:" type prefix.
func tufReason(err error) string {
	var (
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
		exp *metadata.ErrExpiredMetadata
		uns *metadata.ErrUnsignedMetadata
		eqv *metadata.ErrEqualVersionNumber
		bad *metadata.ErrBadVersionNumber
		lhm *metadata.ErrLengthOrHashMismatch
		rep *metadata.ErrRepository
		val *metadata.ErrValue
		uh  *UnsupportedHashError
	)
	switch {
	case errors.As(err, &uh):
		return fmt.Sprintf("the trusted metadata gives hash algorithm %q for it, which tufpip cannot check", uh.Algorithm)
	case errors.As(err, &se), errors.As(err, &te):
		return "malformed metadata: " + err.Error()
	case errors.As(err, &exp):
		return "expired: " + lower(exp.Msg)
	case errors.As(err, &uns):
		return "not signed by enough trusted keys: " + lower(uns.Msg)
	case errors.As(err, &eqv):
		return "rollback or bad version: " + lower(eqv.Msg)
	case errors.As(err, &bad):
		return "rollback or bad version: " + lower(bad.Msg)
	case errors.As(err, &lhm):
		return "does not match the length or hashes in trusted metadata: " + lower(lhm.Msg)
	case errors.As(err, &rep):
		return "rejected: " + lower(rep.Msg)
	case errors.As(err, &val):
		return "malformed metadata: " + lower(val.Msg)
	}
	return "rejected: " + lower(err.Error())
}

// lower lowercases the first letter: go-tuf starts some messages with a capital.
func lower(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// recovered converts a panic inside go-tuf (a malformed key makes
// VerifyDelegate panic, docs/reference.md, item 12) into a verification failure.
func recovered(r any, file string) error {
	role := roleFromFile(file)
	return &VerificationError{Path: file, Role: role, Reason: fmt.Sprintf("malformed metadata of role %s made the tuf library panic: %v", role, r)}
}

// walkPanic is the refusal of a walk for path (or a listing) that made go-tuf panic on the
// delegations it crossed.
func walkPanic(r any, path string) error {
	return &VerificationError{Path: path, Reason: fmt.Sprintf("malformed delegations made the tuf library panic: %v", r)}
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

// IncompleteError means an explanation was cut short: a role of lower precedence than the one
// that answered could not be loaded (too large, expired, badly signed, unreachable). The
// answer stands; only the list of other roles that sign the path is incomplete.
type IncompleteError struct {
	Role string // the role that could not be loaded
	Err  error
}

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("could not explain the choice: role %s: %v", e.Role, e.Err)
}

func (e *IncompleteError) Unwrap() error { return e.Err }

// UnsafeCacheError means a cache folder (or the folder the cache lives in) is one another user
// can change: it belongs to someone else, or its group or every user may write to it. The cache
// holds trust state: renaming it away, or deleting a cached timestamp, undoes TUF's rollback
// protection.
type UnsafeCacheError struct {
	Dir      string
	Reason   string // "is writable by its group (mode 0775)"
	Writable bool   // others may write to it (else: it belongs to another user)
}

func (e *UnsafeCacheError) Error() string {
	return fmt.Sprintf("cache folder %s %s: tufpip keeps trust state there", e.Dir, e.Reason)
}
