// Package pyfix gives tufpip's tests real Python to talk to: it builds
// wheels and sdists in memory, finds the interpreters installed on the
// machine, makes fresh virtual environments, runs real pip with every piece
// of outside configuration neutralised, and serves a plain (unsigned) PEP 503
// index on 127.0.0.1. Everything runs offline: the only network is loopback.
//
// End-to-end tests use it to check tufpip against what pip itself does, so
// the fixtures aim to be faithful rather than clever: the archives are the
// ones a build backend would produce (sdists carry a stdlib-only in-tree
// backend, so pip builds them without an index), the venvs are made by
// "python -m venv", and pip runs as a user would run it, minus their
// configuration.
//
// InstallDryRunReport asks pip which file it would pick for many
// requirements at once, through "pip install --dry-run --report". pip stops
// at the first requirement nothing satisfies, so each of those costs a rerun;
// the reruns are forked from one warm pip process (PipServer), which makes
// them about ten times cheaper than starting pip again.
//
// Packages whose tests call [Venv] should route their TestMain through
// [Main] so the per-interpreter template venvs are made once and removed at
// the end; without it every call makes a fresh venv the slow way.
package pyfix
