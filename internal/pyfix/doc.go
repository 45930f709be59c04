// Package pyfix gives tufpip's tests real Python to talk to: it builds
// wheels and sdists in memory, finds the interpreters installed on the
// machine, makes fresh virtual environments, runs real pip with every piece
// of outside configuration neutralised, and serves a plain (unsigned) PEP 503
// index on 127.0.0.1. Everything runs offline: the only network is loopback.
//
// End-to-end tests use it to check tufpip against what pip itself does, so
// the fixtures aim to be faithful rather than clever: the archives are the
// ones a build backend would produce, the venvs are made by "python -m venv",
// and pip runs as a user would run it, minus their configuration.
//
// Packages whose tests call [Venv] should route their TestMain through
// [Main] so the per-interpreter template venvs are made once and removed at
// the end; without it every call makes a fresh venv the slow way.
package pyfix
