package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 6's acceptance, through the command line against a real signed repository: lockfiles
// generated from it pass in all three formats; one flipped hash fails with exit 3 naming the
// entry and its line; an entry only unstable vouches for fails under --require-role stable
// naming the role; unpinned and hashless entries fail with a hint.

// appLock is what an application locks: a compiled project (files for every platform), a
// pure one, a Windows-only one behind a marker and a project only unstable signed.
var appLock = []string{"alpha==1.1", "beta-utils==2.0", "gamma==0.3", "newproj==0.1"}

func TestVerifyAcceptGeneratedLockfilesPass(t *testing.T) {
	env, srv := repoEnv(t, richRepo(t))
	rels := pick(t, richReleases(), appLock...)
	req, pylock, uv := lockfiles(t, t.TempDir(), srv.TargetsURL, rels)
	nReq, nTOML := entryCount(rels)

	for _, tc := range []struct {
		path   string
		ok     int
		local  int
		sample string // one ok line
	}{
		{req, nReq, 0, fmt.Sprintf("ok    %s:%d  alpha==1.1 (stable: ", req, lineOf(t, readFile(t, req), "alpha==1.1", true))},
		{pylock, nTOML, 1, "  gamma==0.3 (stable: gamma-0.3-cp312-cp312-win32.whl)"},
		{uv, nTOML, 1, "  newproj==0.1 (unstable: newproj-0.1-py3-none-any.whl)"},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			r := runCLI(t, env, "verify", tc.path)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if got := strings.Count(r.stdout, "ok    "); got != tc.ok {
				t.Errorf("%d ok lines, want %d\n%s", got, tc.ok, r.stdout)
			}
			if got := strings.Count(r.stdout, "skip  "); got != tc.local || tc.local > 0 && !strings.Contains(r.stdout, "is a local source tree: it is not fetched from an index") {
				t.Errorf("%d skipped local entries, want %d\n%s", got, tc.local, r.stdout)
			}
			if !strings.Contains(r.stdout, tc.sample) {
				t.Errorf("no line %q in\n%s", tc.sample, r.stdout)
			}
		})
	}
	// every file of every platform was matched: the requirement line of alpha names all seven
	r := runCLI(t, env, "verify", req, "--format", "json")
	var out verifyJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.Version != 1 || !out.OK || len(out.Entries) != nReq {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	if e := out.Entries[0]; e.Name != "alpha" || len(e.Files) != 7 || e.Role != "stable" {
		t.Errorf("alpha: %+v", e)
	}
	// the three formats at once
	if r := runCLI(t, env, "verify", req, pylock, uv); r.code != 0 {
		t.Errorf("all three: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

type verifyJSON struct {
	Version int  `json:"version"`
	OK      bool `json:"ok"`
	Entries []struct {
		File     string   `json:"file"`
		Line     int      `json:"line"`
		Name     string   `json:"name"`
		Filename string   `json:"filename"`
		Status   string   `json:"status"`
		Role     string   `json:"role"`
		Reason   string   `json:"reason"`
		Hint     string   `json:"hint"`
		Files    []string `json:"files"`
	} `json:"entries"`
}

func flipHex(h string) string {
	if h[0] == 'f' {
		return "0" + h[1:]
	}
	return "f" + h[1:]
}

func TestVerifyAcceptFlippedHash(t *testing.T) {
	env, srv := repoEnv(t, richRepo(t))
	rels := pick(t, richReleases(), appLock...)
	nReq, nTOML := entryCount(rels)
	// the file flipped is a wheel for a platform the checking machine is not: it still counts
	victim := rels[2].files[2] // gamma-0.3-cp312-cp312-win32.whl
	bad := flipHex(victim.sha256())
	for _, format := range []string{"requirements.txt", "pylock.toml", "uv.lock"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			req, pylock, uv := lockfiles(t, dir, srv.TargetsURL, rels)
			path, total, label := req, nReq, "gamma==0.3: "
			switch format {
			case "pylock.toml":
				path, total, label = pylock, nTOML+1, "gamma==0.3 ("+victim.fn+"): " // +1: the project itself
			case "uv.lock":
				path, total, label = uv, nTOML+1, "gamma==0.3 ("+victim.fn+"): "
			}
			text := strings.Replace(readFile(t, path), victim.sha256(), bad, 1)
			writeFile(t, dir, format, text)
			line := lineOf(t, text, bad, format == "requirements.txt")

			r := runCLI(t, env, "verify", path)
			want := fmt.Sprintf("FAIL  %s:%d  %shash sha256:%s… is not a trusted file of gamma 0.3", path, line, label, bad[:16])
			if r.code != ExitVerification || !strings.Contains(r.stdout, want) {
				t.Fatalf("exit %d, want %d and %q\n%s%s", r.code, ExitVerification, want, r.stdout, r.stderr)
			}
			if n := strings.Count(r.stdout, "FAIL  "); n != 1 {
				t.Errorf("%d failures, want only the flipped one\n%s", n, r.stdout)
			}
			if !strings.Contains(r.stdout, "hint: the file behind this hash is not one the repository vouches for") {
				t.Errorf("no hint\n%s", r.stdout)
			}
			if !strings.Contains(r.stderr, fmt.Sprintf("1 of %d lockfile entries is not vouched for", total)) {
				t.Errorf("stderr: %s", r.stderr)
			}
			r = runCLI(t, env, "verify", path, "--format", "github")
			if want := fmt.Sprintf("::error file=%s,line=%d,title=tufpip verify::%shash sha256:%s", path, line, label, bad[:16]); r.code != ExitVerification || !strings.Contains(r.stdout, want) {
				t.Errorf("github: exit %d, want %q\n%s", r.code, want, r.stdout)
			}
		})
	}
}

func TestVerifyAcceptRequireRole(t *testing.T) {
	env, srv := repoEnv(t, richRepo(t))
	rels := pick(t, richReleases(), appLock...)
	for _, format := range []string{"requirements.txt", "pylock.toml", "uv.lock"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			lockfiles(t, dir, srv.TargetsURL, rels)
			path := filepath.Join(dir, format)
			r := runCLI(t, env, "verify", path, "--require-role", "stable", "--format", "json")
			var out verifyJSON
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != ExitVerification || out.OK {
				t.Fatalf("exit %d, err %v\n%s%s", r.code, err, r.stdout, r.stderr)
			}
			for _, e := range out.Entries {
				switch {
				case e.Name == "newproj":
					if e.Status != "role-policy" || e.Role != "unstable" ||
						!strings.Contains(e.Reason, "project newproj is vouched for only by unstable, not by stable") ||
						!strings.Contains(e.Hint, "drop --require-role stable") {
						t.Errorf("newproj: %+v", e)
					}
				case e.Status == "local":
				case e.Status != "ok" || e.Role != "stable":
					t.Errorf("%s %s: %s %s %q", e.Name, e.Filename, e.Status, e.Role, e.Reason)
				}
			}
		})
	}

	// a version only unstable signed, of a project stable signs: under the policy it fails
	// naming the role; without it, stable's page decides (as for tufpip install) and it is
	// not found there, with unstable named too
	dir := t.TempDir()
	req, _, uv := lockfiles(t, dir, srv.TargetsURL, pick(t, richReleases(), "alpha==1.2"))
	r := runCLI(t, env, "verify", req, uv, "--require-role", "stable")
	if r.code != ExitVerification || strings.Count(r.stdout, "signed by unstable, not by stable\n      hint: lock a version stable vouches for") != 8 ||
		!strings.Contains(r.stdout, "alpha==1.2: version 1.2 is signed by unstable, not by stable") || strings.Contains(r.stdout, "ok    ") {
		t.Errorf("alpha 1.2 --require-role stable: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, env, "verify", req)
	if r.code != ExitNoMatch || !strings.Contains(r.stdout, "alpha==1.2: version 1.2 is signed only by unstable: stable's page for alpha does not list it") {
		t.Errorf("alpha 1.2: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestVerifyAcceptUnpinnedAndHashless(t *testing.T) {
	env, srv := repoEnv(t, richRepo(t))
	rels := pick(t, richReleases(), "alpha==1.1", "beta-utils==2.0")
	dir := t.TempDir()
	req, pylock, uv := lockfiles(t, dir, srv.TargetsURL, rels)

	text := readFile(t, req) + "gamma>=0.1\nnewproj==0.1  # added by hand\n"
	writeFile(t, dir, "requirements.txt", text)
	r := runCLI(t, env, "verify", req)
	for _, want := range []string{
		fmt.Sprintf("FAIL  %s:%d  gamma is not pinned to one version\n      hint: pin exact versions with hashes", req, lineOf(t, text, "gamma>=0.1", true)),
		fmt.Sprintf("FAIL  %s:%d  newproj==0.1 has no hash\n      hint: lock sha256 hashes", req, lineOf(t, text, "newproj==0.1", true)),
	} {
		if r.code != ExitVerification || !strings.Contains(r.stdout, want) {
			t.Errorf("requirements: exit %d, want %q\n%s%s", r.code, want, r.stdout, r.stderr)
		}
	}

	// uv.lock: a wheel without its hash, as uv writes it for an index that serves none
	whl := rels[1].files[0]
	text = strings.Replace(readFile(t, uv), fmt.Sprintf("hash = \"sha256:%s\", ", whl.sha256()), "", 1)
	writeFile(t, dir, "uv.lock", text)
	r = runCLI(t, env, "verify", uv)
	want := fmt.Sprintf("FAIL  %s:%d  beta-utils==2.0 (%s) has no hash\n      hint: the index this was locked from gave no sha256 for the file", uv, lineOf(t, text, whl.fn, false), whl.fn)
	if r.code != ExitVerification || !strings.Contains(r.stdout, want) || strings.Count(r.stdout, "FAIL  ") != 1 {
		t.Errorf("uv.lock: exit %d, want %q\n%s%s", r.code, want, r.stdout, r.stderr)
	}

	// pylock.toml: a package from a VCS has no file hash to check
	text = readFile(t, pylock) + "\n[[packages]]\nname = \"delta\"\nvcs = { type = \"git\", url = \"https://git.example/delta.git\", commit-id = \"0123456789abcdef0123456789abcdef01234567\" }\n"
	writeFile(t, dir, "pylock.toml", text)
	r = runCLI(t, env, "verify", pylock)
	want = fmt.Sprintf("FAIL  %s:%d  delta is a VCS source, which no TUF role can vouch for\n      hint: lock only files from the index", pylock, lineOf(t, text, "vcs = {", false))
	if r.code != ExitVerification || !strings.Contains(r.stdout, want) {
		t.Errorf("pylock: exit %d, want %q\n%s%s", r.code, want, r.stdout, r.stderr)
	}
}
