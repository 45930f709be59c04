package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/tufpip/tufpip/internal/guard"
	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/indexserver"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// interruptGrace is how long pip gets to stop on its own after tufpip is interrupted: a
// Ctrl-C in a terminal reaches both processes, and a second interrupt would cut pip's
// clean-up short. After it, the interrupt is passed on (it reached only tufpip), and
// after killAfter pip is killed.
const (
	interruptGrace = time.Second
	killAfter      = 10 * time.Second
)

// runChild runs python with args and the streams of io, and returns its exit code. An
// error means it could not run at all.
func runChild(ctx context.Context, streams *IOStreams, python string, args, env []string) (int, error) {
	cmd := exec.Command(python, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = streams.In, streams.Out, streams.ErrOut
	cmd.Env = env
	// A grandchild that keeps pip's pipes open must not hold tufpip forever.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return 0, withHint(errorf("cannot run %s: %w", python, err),
			"pass --python PATH with the interpreter whose pip should run (before pip's arguments)")
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		select {
		case err = <-done:
		case <-time.After(interruptGrace):
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case err = <-done:
			case <-time.After(killAfter):
				_ = cmd.Process.Kill()
				err = <-done
			}
		}
	}
	var xe *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &xe):
		if ws, ok := xe.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return xe.ExitCode(), nil
	case errors.Is(err, exec.ErrWaitDelay):
		return cmd.ProcessState.ExitCode(), nil
	}
	return 0, err
}

// refusedLater is the wrappers' indexserver.Config.OnRefusal: the wrapper reports every refused
// file itself, once, after pip's output (reportFailures), instead of in the middle of it;
// -v shows each as it happens.
func (a *App) refusedLater(f indexserver.Failure) {
	a.Logger.Debug("refused", "project", f.Project, "file", f.Filename, "error", f.Err)
}

// reportFailures prints each file the index refused, once, naming it and the reason, as
// every other error is printed (coloured on a terminal).
func reportFailures(w io.Writer, fails []indexserver.Failure, color bool) {
	seen := map[string]bool{}
	var errs []error
	for _, f := range fails {
		err := failureError(f)
		if !seen[err.Error()] {
			seen[err.Error()] = true
			errs = append(errs, err)
		}
	}
	for i, err := range errs {
		var oe *guard.OutsideError
		var de *indexserver.DirectDependencyError
		switch {
		case i < len(errs)-1:
		case errors.As(err, &oe), errors.As(err, &de):
			err = withHint(err, "pip and uv install only what tufpip's index serves; a dependency given by URL or VCS "+
				"cannot be verified: ask the project to depend on a name and version instead")
		default:
			err = withHint(err, "tufpip's index refused to send it: the repository, or something between it and you, "+
				"served data that does not verify; do not install from it until this is explained")
		}
		writeError(w, err, color)
	}
}

// failureError names the file pip asked for and why it was refused, e.g.
// "lib-1.0-py3-none-any.whl: sha256 does not match the hash signed by role stable".
func failureError(f indexserver.Failure) error {
	var ve *tuf.VerificationError
	switch {
	case f.Filename != "" && errors.As(f.Err, &ve) && ve.Reason != "":
		return &tuf.VerificationError{Path: f.Filename, Role: ve.Role, Reason: ve.Reason, Err: ve.Err}
	case f.Filename != "":
		return fmt.Errorf("%s: %w", f.Filename, f.Err)
	case f.Project != "" && !errors.As(f.Err, new(*finder.PageError)):
		// A failure of the page itself names the page; one of the metadata does not.
		return fmt.Errorf("page of %s: %w", f.Project, f.Err)
	}
	return f.Err
}
