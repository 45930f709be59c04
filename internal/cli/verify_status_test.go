package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// The verdicts a user meets besides the acceptance cases, through the command line: each with
// its exit code, its line and its message.

func TestVerifyFileEntryChecks(t *testing.T) {
	env, srv := repoEnv(t, richRepo(t))
	rels := pick(t, richReleases(), "beta-utils==2.0")
	dir := t.TempDir()
	_, pylock, uv := lockfiles(t, dir, srv.TargetsURL, rels)
	whl, sdist := rels[0].files[0], rels[0].files[1]

	// uv.lock: the size of the wheel is not the trusted file's
	text := strings.Replace(readFile(t, uv), fmt.Sprintf("size = %d,", len(whl.data)), fmt.Sprintf("size = %d,", len(whl.data)+1), 1)
	writeFile(t, dir, "uv.lock", text)
	r := runCLI(t, env, "verify", uv)
	want := fmt.Sprintf("FAIL  %s:%d  beta-utils==2.0 (%s): locked size %d, but the trusted file %s is %d bytes",
		uv, lineOf(t, text, whl.fn, false), whl.fn, len(whl.data)+1, whl.fn, len(whl.data))
	if r.code != ExitVerification || !strings.Contains(r.stdout, want) {
		t.Errorf("size: exit %d, want %q\n%s%s", r.code, want, r.stdout, r.stderr)
	}

	// pylock.toml: the sdist's hash under the wheel's name
	text = strings.Replace(readFile(t, pylock), whl.sha256(), sdist.sha256(), 1)
	writeFile(t, dir, "pylock.toml", text)
	r = runCLI(t, env, "verify", pylock)
	want = fmt.Sprintf("FAIL  %s:%d  beta-utils==2.0 (%s): hash sha256:%s… belongs to %s, not %s",
		pylock, lineOf(t, text, "/packages/"+whl.fn, false), whl.fn, sdist.sha256()[:16], sdist.fn, whl.fn)
	if r.code != ExitVerification || !strings.Contains(r.stdout, want) {
		t.Errorf("filename: exit %d, want %q\n%s%s", r.code, want, r.stdout, r.stderr)
	}

	// a lock that pins beta-utils 2.0 with the hashes of 1.9
	old := pick(t, richReleases(), "beta-utils==1.9")[0]
	text = requirementsTxt(srv.URL+"/simple/", []release{{project: "beta-utils", version: "2.0", files: old.files}})
	req := writeFile(t, dir, "requirements.txt", text)
	r = runCLI(t, env, "verify", req)
	if r.code != ExitVerification || !strings.Contains(r.stdout, ", a file of version 1.9, not 2.0") {
		t.Errorf("other version: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestVerifyYankedAndMissing(t *testing.T) {
	env, srv := repoEnv(t, richRepo(t))
	dir := t.TempDir()
	req, _, _ := lockfiles(t, dir, srv.TargetsURL, pick(t, richReleases(), "beta-utils==1.9"))
	r := runCLI(t, env, "verify", req)
	want := fmt.Sprintf("FAIL  %s:%d  beta-utils==1.9: beta_utils-1.9", req, lineOf(t, readFile(t, req), "beta-utils==1.9", true))
	if r.code != ExitVerification || !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "is yanked (regression in 1.9: data loss)\n      hint: upgrade to a release that is not yanked") {
		t.Errorf("yanked: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	missing := writeFile(t, dir, "missing.txt", fmt.Sprintf("nosuch==1.0 --hash=sha256:%s\nalpha==9.9 --hash=sha256:%s\n", strings.Repeat("a", 64), strings.Repeat("b", 64)))
	r = runCLI(t, env, "verify", missing)
	for _, want := range []string{
		missing + ":1  nosuch==1.0: project nosuch is not in the trusted set (no role signs simple/nosuch/index.html)",
		missing + ":2  alpha==9.9: version 9.9 of alpha is not in the trusted set",
	} {
		if r.code != ExitNoMatch || !strings.Contains(r.stdout, want) {
			t.Errorf("missing: exit %d, want %d and %q\n%s%s", r.code, ExitNoMatch, want, r.stdout, r.stderr)
		}
	}
}

// A page that does not verify is a verification failure (exit 3), not a network error; a
// server that fails is a network error (exit 1). Entries of other projects are still checked.
func TestVerifyPageFailures(t *testing.T) {
	repo := richRepo(t)
	env, srv := repoEnv(t, repo)
	dir := t.TempDir()
	req, _, _ := lockfiles(t, dir, srv.TargetsURL, pick(t, richReleases(), "alpha==1.1", "beta-utils==2.0"))

	repo.Tamper(tuftest.PagePath("alpha"), tuftest.FlipByte)
	r := runCLI(t, env, "verify", req)
	if r.code != ExitVerification || !strings.Contains(r.stdout, "FAIL  "+req) || !strings.Contains(r.stdout, "alpha==1.1: ") ||
		!strings.Contains(r.stdout, "hint: the repository or something between it and you served data that does not verify") ||
		!strings.Contains(r.stdout, "ok    ") {
		t.Errorf("tampered page: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	repo.Restore()

	env["TUFPIP_CACHE_DIR"] = t.TempDir() // the verified page must not come from the cache
	srv.Inject(tuftest.PagePath("beta-utils"), tuftest.Status(503))
	r = runCLI(t, env, "verify", req)
	if r.code != ExitError || !strings.Contains(r.stdout, "FAIL  ") || !strings.Contains(r.stdout, "beta-utils==2.0: ") || !strings.Contains(r.stdout, "ok    ") ||
		!strings.Contains(r.stdout, "http status 503\n      hint: check the repository URL") {
		t.Errorf("503: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// -r includes are checked with their own file and line; -c constraints are checked only when
// they pin hashes, since a range constraint installs nothing.
func TestVerifyIncludesAndConstraints(t *testing.T) {
	env, srv := repoEnv(t, richRepo(t))
	rels := richReleases()
	dir := t.TempDir()
	alpha := pick(t, rels, "alpha==1.1")[0]
	gamma := pick(t, rels, "gamma==0.3")[0]
	beta := pick(t, rels, "beta-utils==2.0")[0]
	writeFile(t, dir, "more.txt", "# more\n"+strings.Replace(requirementsTxt(srv.URL+"/simple/", []release{beta}), beta.files[0].sha256(), flipHex(beta.files[0].sha256()), 1))
	writeFile(t, dir, "constraints.txt", fmt.Sprintf("alpha<2\ngamma==0.3 --hash=sha256:%s\n", gamma.files[0].sha256()))
	main := writeFile(t, dir, "requirements.txt", "-c constraints.txt\n-r more.txt\n"+requirementsTxt(srv.URL+"/simple/", []release{alpha}))
	more := strings.TrimSuffix(main, "requirements.txt") + "more.txt"

	r := runCLI(t, env, "verify", main)
	moreText := readFile(t, more)
	want := fmt.Sprintf("FAIL  %s:%d  beta-utils==2.0: hash sha256:", more, lineOf(t, moreText, "beta-utils==2.0", true))
	if r.code != ExitVerification || !strings.Contains(r.stdout, want) || strings.Count(r.stdout, "FAIL  ") != 1 {
		t.Errorf("include: exit %d, want %q\n%s%s", r.code, want, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "constraints.txt:2  gamma==0.3 (stable: ") || strings.Contains(r.stdout, "constraints.txt:1") {
		t.Errorf("constraints: the pinned hash is checked, the range is not\n%s", r.stdout)
	}

	// a constraint that pins a hash no trusted file has fails like a requirement
	writeFile(t, dir, "constraints.txt", fmt.Sprintf("alpha<2\ngamma==0.3 --hash=sha256:%s\n", flipHex(gamma.files[0].sha256())))
	writeFile(t, dir, "more.txt", requirementsTxt(srv.URL+"/simple/", []release{beta}))
	r = runCLI(t, env, "verify", main)
	if r.code != ExitVerification || !strings.Contains(r.stdout, "constraints.txt:2  gamma==0.3: hash sha256:") {
		t.Errorf("bad constraint: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
