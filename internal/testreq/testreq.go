// Package testreq is the one rule for a test whose real client (a Python, a pip version,
// uv, ...) is missing: skip on a developer's machine, fail under TUFPIP_E2E_REQUIRE, which
// .ci/run sets, so a broken set-up never passes as a skip. It imports nothing of tufpip's,
// so every package's tests can use it.
package testreq

import (
	"os"
	"testing"
)

// Env names the variable that turns missing-client skips into failures.
const Env = "TUFPIP_E2E_REQUIRE"

// Missing skips the test with the reason, or fails it under TUFPIP_E2E_REQUIRE.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(Env) != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// Partial is for a test that goes on with less when one of its real clients is missing (it
// compares with every interpreter it finds): it logs the reason and returns, or fails the test
// under TUFPIP_E2E_REQUIRE, where every client must be there.
func Partial(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(Env) != "" {
		t.Fatalf(format, args...)
	}
	t.Logf(format, args...)
}
