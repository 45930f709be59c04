package cli

import (
	"strings"
	"testing"
)

// Global flags written before the wrapper's name are tufpip's, as for any other command
// (issue 14): before, "tufpip -q --metadata-url U install" exited 2 ("a tufpip option among
// pip's arguments") and "tufpip -v install --python P x" exited 2 (pip's --python).
func TestPipWrapperGlobalFlagsBeforeName(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	url := env["TUFPIP_METADATA_URL"]
	delete(env, "TUFPIP_METADATA_URL")
	fake := newFakePip(t, "exit")
	r := runPip(t, env, "-q", "--metadata-url", url, "install", "--python", fake.python, "-q", "foobar")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	args := strings.Join(fake.args(t), " ")
	if !strings.HasSuffix(args, "/simple/ -q foobar") || strings.Contains(args, "metadata-url") {
		t.Errorf("pip ran with %q", args)
	}

	env["TUFPIP_METADATA_URL"] = url
	r = runPip(t, env, "-v", "install", "--python", fake.python, "foobar")
	if r.code != 0 {
		t.Fatalf("-v: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "running pip") || strings.Contains(strings.Join(fake.args(t), " "), " -v") {
		t.Errorf("-v before the name: tufpip's debug log missing or -v passed to pip\n%s\npip: %q", r.stderr, fake.args(t))
	}
	r = runPip(t, env, "--repo=x", "-v", "pip", "--python", fake.python, "--", "download", "foobar")
	if r.code == 0 || !strings.Contains(r.stderr, "x") {
		t.Errorf("--repo=x before pip: exit %d, want the repository x looked up\n%s", r.code, r.stderr)
	}
	if r := runPip(t, env, "-v", "-q", "install", "foobar"); r.code != ExitUsage {
		t.Errorf("-v -q: exit %d\n%s", r.code, r.stderr)
	}
}

// PIP_REQUIRE_VIRTUALENV, a safety net users set on purpose, reaches pip.
func TestPipWrapperKeepsStricterVariables(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	fake := newFakePip(t, "exit")
	t.Setenv("PIP_REQUIRE_VIRTUALENV", "1")
	t.Setenv("PIP_REQUIRE_HASHES", "1")
	t.Setenv("PIP_NO_CACHE_DIR", "1")
	if r := runPip(t, env, "install", "--python", fake.python, "foobar"); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	penv := fake.env(t)
	if penv["PIP_REQUIRE_VIRTUALENV"] != "1" || penv["PIP_REQUIRE_HASHES"] != "1" || penv["PIP_NO_CACHE_DIR"] != "" {
		t.Errorf("pip's environment: REQUIRE_VIRTUALENV=%q REQUIRE_HASHES=%q NO_CACHE_DIR=%q",
			penv["PIP_REQUIRE_VIRTUALENV"], penv["PIP_REQUIRE_HASHES"], penv["PIP_NO_CACHE_DIR"])
	}
}

// After pip fails, tufpip says which versions the trusted set left out.
func TestPipWrapperExplainsAfterFailure(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	fake := newFakePip(t, "exit")
	t.Setenv("FAKE_PIP_EXIT", "1")
	r := runPip(t, env, "install", "--python", fake.python, "foobar==2.0.1", "nosuch")
	if r.code != 1 {
		t.Fatalf("exit %d, want pip's 1\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		"tufpip: hint: foobar: pip was offered what stable vouches for: 1.0, 2.0; left out: 2.0.1 (signed only by unstable)",
		"tufpip: hint: nosuch: the TUF repository vouches for no page of this project",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}
