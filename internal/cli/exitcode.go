package cli

import (
	"context"
	"errors"
	"os/exec"

	"github.com/tufpip/tufpip/internal/guard"
	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/lockfile"
	"github.com/tufpip/tufpip/pkg/mirror"
	"github.com/tufpip/tufpip/pkg/repo"
	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// The exit codes are a contract with scripts (docs/design.md): change them only with the README.
const (
	ExitOK           = 0
	ExitError        = 1 // network, configuration, I/O
	ExitUsage        = 2 // bad flags or arguments
	ExitVerification = 3 // anything TUF or a hash rejects
	ExitNoMatch      = 4 // no trusted distribution satisfies a requirement
	ExitInterrupted  = 130
)

// exitError carries an exit code and an optional hint through cobra's error return.
type exitError struct {
	code int
	err  error
	hint string
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErrorf reports a mistake in how the command was called (exit 2).
func usageErrorf(hint, format string, args ...any) error {
	return &exitError{code: ExitUsage, err: errorf(format, args...), hint: hint}
}

// withHint attaches a hint to err and keeps its exit code. A hint already attached closer to
// the failure is more specific and wins.
func withHint(err error, hint string) error {
	if err == nil || hint == "" || attachedHint(err) != "" {
		return err
	}
	return &exitError{code: exitCode(err), err: err, hint: hint}
}

// withCode gives err an explicit exit code.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// passthroughError makes tufpip exit with a child's exit code without printing anything more:
// the child (pip) has already told the user what went wrong.
type passthroughError struct{ code int }

func (e *passthroughError) Error() string { return "child process exited with a failure" }

// exitCode maps an error to the documented exit code. It is the one place that decides:
// commands return typed errors (or attach a code with withCode), and Execute applies this
// once. A usage refusal by the pip guard is checked before the library errors, then a
// verification failure: an error that wraps both a verification failure and something else
// is still a verification failure.
func exitCode(err error) int {
	var (
		ee *exitError
		pe *passthroughError
		gr *guard.RefusedError
		gu *guard.UsageError
		np *finder.NoPageError
		ur *resolve.URLRequirementError
		re *resolve.RequirementError
		fe *repo.FileCheckError
		qe *repo.RequestError
		lo *repo.LayoutError
		se *mirror.SyncError
		mu *mirror.UsageError
		xe *exec.ExitError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &pe):
		return pe.code
	case errors.As(err, &gr), errors.As(err, &gu), errors.As(err, &mu), errors.As(err, &lo):
		return ExitUsage
	case errors.As(err, &se): // repo sync: some files or projects failed, the rest published
		if se.Verification {
			return ExitVerification
		}
		return ExitError
	case tuf.IsVerification(err), errors.As(err, &fe):
		return ExitVerification
	case errors.As(err, &np), tuf.IsNotFound(err), errors.As(err, &errNoMatch{}), errors.As(err, &qe) && qe.NoMatch:
		return ExitNoMatch
	case errors.As(err, &qe):
		return ExitUsage
	case errors.As(err, &ur), errors.As(err, &re):
		return ExitUsage
	case tuf.IsNetwork(err):
		return ExitError
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &xe) && xe.ExitCode() > 0:
		return xe.ExitCode()
	}
	return ExitError
}

// hintFor returns what the user should do about err: the hint attached closest to the
// failure, else the hint its type suggests. Execute prints it once, under the error.
func hintFor(err error) string {
	if h := attachedHint(err); h != "" {
		return h
	}
	return typedHint(err)
}

// attachedHint returns the hint attached to err with withHint or usageErrorf, if any.
func attachedHint(err error) string {
	var ee *exitError
	for errors.As(err, &ee) {
		if ee.hint != "" {
			return ee.hint
		}
		err = ee.err
	}
	return ""
}

// typedHint suggests what to do about the library's typed errors.
func typedHint(err error) string {
	var (
		gr *guard.RefusedError
		gu *guard.UsageError
		lu *lockfile.UnsupportedError
		np *finder.NoPageError
		uc *tuf.UnsafeCacheError
		uh *tuf.UnsupportedHashError
		pe *finder.PageError
		ne *tuf.NetworkError
	)
	switch {
	case errors.As(err, &gr):
		return gr.Hint
	case errors.As(err, &gu):
		return gu.Hint
	case errors.As(err, &lu):
		return lu.Hint
	case errors.As(err, &uc) && uc.Writable:
		return "chmod go-w " + uc.Dir + ", or pass --cache-dir with a folder only you can write to"
	case errors.As(err, &uc):
		return "pass --cache-dir with a folder of your own"
	case errors.As(err, &np) && len(np.Roles) > 0:
		return "the project is vouched for only by " + np.Roles[0] + "; drop --require-role to accept it"
	case errors.As(err, &np):
		return "check the project name, or whether this repository serves it (tufpip --repo NAME ...)"
	case errors.As(err, &uh) && uh.TopLevel:
		return "tufpip checks only sha256 and sha512 hashes of snapshot.json and targets.json; the repository must give one of those there, or only the version (the hashes are optional)"
	case errors.As(err, &uh):
		return "tufpip checks " + tuf.CheckedHashes() + " hashes only; the repository must sign its files with one of them (an unknown algorithm is not a sign of an attack, but tufpip cannot check it)"
	case errors.As(err, &pe) && errors.As(err, &ne) && ne.StatusCode == 404:
		// The page is signed but its bytes are not where its target name says: PyPI's
		// PEP 458 layout stores them content-addressed, apart from the bare-name target.
		return "the repository signs this page but serves no bytes at that URL; an index that stores pages apart from their target names (PyPI's PEP 458 layout) needs --page-url, e.g. --page-url 'simple/{project}/{hash}.{project}.html' (README: Pointing tufpip at a PEP 458 index)"
	case tuf.IsVerification(err):
		return "the repository or something between it and you served data that does not verify; do not install from it until this is explained"
	case tuf.IsNetwork(err):
		return "check the URL and your connection; tufpip retries only connection errors and 5xx"
	}
	return ""
}
