package cli

import (
	"context"
	"errors"
	"os/exec"
)

// The exit codes are a contract with scripts (DESIGN.md): change them only with the README.
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
	if err == nil || hint == "" || hintFor(err) != "" {
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

// classifiers map errors from pkg/ packages to exit codes; each package that defines typed
// errors registers its mapping in its own file so this table stays the one place of truth.
var classifiers []func(error) (int, bool)

// exitCode maps an error to the documented exit code.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var pe *passthroughError
	if errors.As(err, &pe) {
		return pe.code
	}
	for _, c := range classifiers {
		if code, ok := c(err); ok {
			return code
		}
	}
	if errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	var xe *exec.ExitError
	if errors.As(err, &xe) && xe.ExitCode() > 0 {
		return xe.ExitCode()
	}
	return ExitError
}

// hintFor returns the hint attached to err, if any.
func hintFor(err error) string {
	var ee *exitError
	for errors.As(err, &ee) {
		if ee.hint != "" {
			return ee.hint
		}
		err = ee.err
	}
	return ""
}
