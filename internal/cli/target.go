package cli

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"

	"github.com/spf13/pflag"
	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// targetFlags are the target-environment and candidate-preference flags, as pip download
// names them.
type targetFlags struct {
	python         string
	pythonVersion  string
	platforms      []string
	implementation string
	abis           []string
	pre            bool
	onlyBinary     []string
	noBinary       []string
	preferBinary   bool
	requireRole    string
}

func (t *targetFlags) register(f *pflag.FlagSet) {
	f.StringVar(&t.python, "python", "", "interpreter to resolve for (default: python3 on PATH)")
	f.StringVar(&t.pythonVersion, "python-version", "", "target Python version, as pip download --python-version (e.g. 3.11)")
	f.StringArrayVar(&t.platforms, "platform", nil, "target platform tag, repeatable (e.g. manylinux2014_x86_64)")
	f.StringVar(&t.implementation, "implementation", "", "target implementation (cp, pp, py)")
	f.StringArrayVar(&t.abis, "abi", nil, "target ABI tag, repeatable")
	f.BoolVar(&t.pre, "pre", false, "include pre-release and development versions")
	f.StringArrayVar(&t.onlyBinary, "only-binary", nil, "use only wheels for these projects (:all:, :none: or names)")
	f.StringArrayVar(&t.noBinary, "no-binary", nil, "never use wheels for these projects (:all:, :none: or names)")
	f.BoolVar(&t.preferBinary, "prefer-binary", false, "prefer an older wheel over a newer sdist")
	f.StringVar(&t.requireRole, "require-role", "", "accept only files vouched for by this role (e.g. stable)")
}

func (t *targetFlags) options() resolve.Options {
	return resolve.Options{Pre: t.pre, PreferBinary: t.preferBinary, OnlyBinary: t.onlyBinary, NoBinary: t.noBinary}
}

// environment detects the interpreter, or builds the target pip download would from
// --python-version/--platform/--implementation/--abi. An interpreter's facts are cached
// in factsDir ("" for no cache), so a warm run starts no Python process.
func (t *targetFlags) environment(ctx context.Context, factsDir string) (*resolve.Environment, error) {
	facts := resolve.FactsCache{Dir: factsDir, Check: tuf.CheckPrivateDir}
	synthetic := t.pythonVersion != "" || len(t.platforms) > 0 || t.implementation != "" || len(t.abis) > 0
	python := t.python
	if python == "" {
		python = "python3"
	}
	env, err := facts.Detect(ctx, python)
	switch {
	case err == nil && !synthetic:
		return env, nil
	case err != nil && (!synthetic || t.python != ""):
		if errors.Is(err, exec.ErrNotFound) {
			return nil, withHint(errorf("cannot run %s: %w", python, err),
				"pass --python PATH, or --python-version and --platform to resolve without an interpreter")
		}
		return nil, err
	}
	// pip download takes what the flags leave open from the interpreter it runs on; without
	// one, the flags must say everything.
	var host *resolve.Facts
	if err == nil {
		host = env.Facts
	} else if t.pythonVersion == "" || len(t.platforms) == 0 {
		return nil, usageErrorf("pass both, or --python PATH", "--python-version and --platform are needed to resolve without an interpreter")
	}
	env, err = resolve.NewEnvironment(resolve.TargetOptions{
		PythonVersion: t.pythonVersion, Platforms: t.platforms, Implementation: t.implementation,
		ABIs: t.abis, Host: host,
	})
	if err != nil {
		// Every reason NewEnvironment gives is about the flags' values.
		return nil, withCode(ExitUsage, withHint(err, "for example: --python-version 3.12 --platform manylinux2014_x86_64"))
	}
	return env, nil
}

// factsDir is where interpreter facts are cached, or "" when there is no cache folder.
func (a *App) factsDir() string {
	base, err := a.cacheBase()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "interpreters")
}
