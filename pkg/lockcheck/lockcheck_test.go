package lockcheck

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/lockfile"
	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// The trusted view of project "foobar" that most cases check against: stable's page lists
// 1.0 (a wheel) and 2.0 (a wheel for any platform, a Windows wheel and an sdist); the 2.0
// Windows wheel is trusted through the page's sha256 only (trust rule b), the others are
// TUF targets of stable. 2.1 is yanked, 3.0 has a sha512 too.

func data(fn string) []byte { return []byte("bytes of " + fn) }

func sum256(fn string) string {
	s := sha256.Sum256(data(fn))
	return hex.EncodeToString(s[:])
}

func sum512(fn string) string {
	s := sha512.Sum512(data(fn))
	return hex.EncodeToString(s[:])
}

var (
	stablePage   = &tuf.Target{Path: "simple/foobar/index.html", Role: "stable", Chain: []string{"targets", "stable"}}
	unstablePage = &tuf.Target{Path: "simple/foobar/index.html", Role: "unstable", Chain: []string{"targets", "unstable"}}
)

func dist(fn string) resolve.Dist {
	d, err := resolve.ParseFilenameFor("foobar", fn)
	if err != nil {
		panic(err)
	}
	return d
}

// target is a file that is itself a TUF target of role.
func target(fn, role string, mod ...func(*finder.File)) *finder.File {
	h := map[string]string{"sha256": sum256(fn)}
	f := &finder.File{
		Candidate:  resolve.Candidate{File: simpleindex.File{Filename: fn, Hashes: map[string]string{"sha256": sum256(fn)}, Size: -1}, Dist: dist(fn), Role: role},
		TargetPath: "packages/" + fn,
		Target:     &tuf.Target{Path: "packages/" + fn, Length: int64(len(data(fn))), Hashes: h, Role: role, Chain: []string{"targets", role}},
	}
	for _, m := range mod {
		m(f)
	}
	return f
}

// viaPage is a file trusted through the sha256 that page lists (rule b), size unknown.
func viaPage(fn string, page *tuf.Target) *finder.File {
	h := map[string]string{"sha256": sum256(fn)}
	return &finder.File{
		Candidate:  resolve.Candidate{File: simpleindex.File{Filename: fn, Hashes: h, Size: -1}, Dist: dist(fn), Role: page.Role},
		TargetPath: "packages/" + fn,
		Target:     tuf.PageFile("packages/"+fn, "http://127.0.0.1/targets/packages/"+fn, -1, h, page),
	}
}

func yanked(reason string) func(*finder.File) {
	return func(f *finder.File) { f.File.Yanked, f.File.YankedReason = true, reason }
}

func withSHA512(f *finder.File) { f.Target.Hashes["sha512"] = sum512(f.File.Filename) }

const (
	w10   = "foobar-1.0-py3-none-any.whl"
	w20   = "foobar-2.0-py3-none-any.whl"
	win20 = "foobar-2.0-cp312-cp312-win_amd64.whl"
	sd20  = "foobar-2.0.tar.gz"
	w21   = "foobar-2.1-py3-none-any.whl"
	w30   = "foobar-3.0-py3-none-any.whl"
	w201  = "foobar-2.0.1-py3-none-any.whl"
	w40   = "foobar-4.0-py3-none-any.whl"
)

func view() *finder.Project {
	return &finder.Project{
		Name: "foobar", Page: stablePage,
		Files: []*finder.File{
			target(w10, "stable"), target(w20, "stable"), viaPage(win20, stablePage), target(sd20, "stable"),
			target(w21, "stable", yanked("broken metadata")), target(w30, "stable", withSHA512),
		},
		Skipped: []resolve.Skip{{Filename: w40, Version: "4.0", Reason: "no hash on the page and not a TUF target", Kind: resolve.SkipNoHash}},
	}
}

// explained is the view with --require-role stable read with Explain: unstable signed 2.0.1
// and a 2.0 wheel for macOS that stable's page lists without a hash.
func explained() *finder.Project {
	p := view()
	p.Skipped = append(p.Skipped,
		resolve.Skip{Filename: w201, Version: "2.0.1", Reason: "signed by unstable, not by stable",
			Kind: resolve.SkipLowerRole, SignedBy: "unstable", Required: "stable"},
		resolve.Skip{Filename: "foobar-2.0-cp312-cp312-macosx_11_0_arm64.whl", Version: "2.0", Reason: "not signed by stable (signed by unstable)",
			Kind: resolve.SkipNotRequired, SignedBy: "unstable", Required: "stable"},
	)
	return p
}

func sha(fn string) lockfile.Hash { return lockfile.Hash{Algorithm: "sha256", Hex: sum256(fn)} }

func flip(h lockfile.Hash) lockfile.Hash {
	b := []byte(h.Hex)
	if b[0] == 'f' {
		b[0] = '0'
	} else {
		b[0] = 'f'
	}
	return lockfile.Hash{Algorithm: h.Algorithm, Hex: string(b)}
}

// req is a requirement line "foobar==v" with hashes.
func req(v string, hs ...lockfile.Hash) lockfile.Entry {
	return lockfile.Entry{Kind: lockfile.KindRequirement, Name: "foobar", Version: v, Pinned: v != "", Hashes: hs, Size: -1,
		Raw: "foobar==" + v, Pos: lockfile.Position{File: "requirements.txt", Line: 3}}
}

// file is a pylock/uv file entry.
func file(kind lockfile.Kind, v, fn string, size int64, hs ...lockfile.Hash) lockfile.Entry {
	return lockfile.Entry{Kind: kind, Name: "foobar", Version: v, Pinned: true, Filename: fn, Size: size, Hashes: hs,
		URL: "https://files.example/" + fn, Pos: lockfile.Position{File: "pylock.toml", Line: 7}}
}

func TestCheck(t *testing.T) {
	bad := flip(sha(w20))
	sizeOf := func(fn string) int64 { return int64(len(data(fn))) }
	md5 := lockfile.Hash{Algorithm: "md5", Hex: strings.Repeat("0", 32)}
	sha384 := lockfile.Hash{Algorithm: "sha384", Hex: strings.Repeat("1", 96)}
	netErr := fmt.Errorf("project foobar: %w", &tuf.NetworkError{URL: "http://127.0.0.1/x", Err: errors.New("connection refused")})
	verErr := &tuf.VerificationError{Path: "simple/foobar/index.html", Role: "stable", Reason: "sha256 does not match the hash signed by role stable"}

	tests := []struct {
		name   string
		e      lockfile.Entry
		proj   *finder.Project
		err    error
		role   string
		status Status
		reason string // the whole reason, or a part of it after "~"
		hint   string // a part of the hint; "" means no hint
		vouch  string
	}{
		// passing entries
		{name: "requirement, every platform's file", e: req("2.0", sha(w20), sha(win20), sha(sd20)), status: OK, vouch: "stable"},
		{name: "marker for another platform exempts nothing", e: func() lockfile.Entry {
			e := req("2.0", sha(win20))
			e.Marker = `sys_platform == "win32"`
			return e
		}(), status: OK, vouch: "stable"},
		{name: "file entry with filename and size", e: file(lockfile.KindWheel, "2.0", w20, sizeOf(w20), sha(w20)), status: OK, vouch: "stable"},
		{name: "size unknown to the page", e: file(lockfile.KindWheel, "2.0", win20, 12345, sha(win20)), status: OK, vouch: "stable"},
		{name: "sha512 the target records", e: file(lockfile.KindWheel, "3.0", w30, -1, lockfile.Hash{Algorithm: "sha512", Hex: sum512(w30)}, sha(w30)), status: OK, vouch: "stable"},
		{name: "version spelled differently", e: req("2.0.0", sha(w20)), status: OK, vouch: "stable"},
		{name: "page file under --require-role stable", e: req("2.0", sha(win20)), role: "stable", status: OK, vouch: "stable"},
		{name: "unstable-only project without a policy", e: req("2.0", sha(w20)), proj: func() *finder.Project {
			return &finder.Project{Name: "foobar", Page: unstablePage, Files: []*finder.File{target(w20, "unstable")}}
		}(), status: OK, vouch: "unstable"},
		{name: "files of two roles", e: req("2.0", sha(w20), sha(sd20)), proj: func() *finder.Project {
			return &finder.Project{Name: "foobar", Page: stablePage, Files: []*finder.File{target(w20, "stable"), target(sd20, "unstable")}}
		}(), status: OK, vouch: "stable,unstable"},

		// hashes, filenames and sizes that are not a trusted file's
		{name: "flipped hash", e: req("2.0", sha(w20), bad), status: HashNotTrusted,
			reason: "foobar==2.0: hash sha256:" + bad.Hex[:16] + "… is not a trusted file of foobar 2.0", hint: "re-lock from the trusted index"},
		{name: "hash of another version", e: req("2.0", sha(w10)), status: HashNotTrusted,
			reason: "foobar==2.0: hash sha256:" + sum256(w10)[:16] + "… is foobar-1.0-py3-none-any.whl, a file of version 1.0, not 2.0", hint: "re-lock"},
		{name: "hash belongs to another file", e: file(lockfile.KindWheel, "2.0", win20, -1, sha(w20)), status: HashNotTrusted,
			reason: "foobar==2.0 (" + win20 + "): hash sha256:" + sum256(w20)[:16] + "… belongs to " + w20 + ", not " + win20, hint: "re-lock"},
		{name: "size mismatch", e: file(lockfile.KindSdist, "2.0", sd20, sizeOf(sd20)+1, sha(sd20)), status: HashNotTrusted,
			reason: fmt.Sprintf("foobar==2.0 (%s): locked size %d, but the trusted file %s is %d bytes", sd20, sizeOf(sd20)+1, sd20, sizeOf(sd20)), hint: "re-lock"},
		{name: "weak hash beside a strong one", e: req("2.0", sha(w20), md5), status: HashNotTrusted,
			reason: "~hash md5:0000000000000000… uses a weak algorithm", hint: "drop md5"},
		{name: "algorithm the repository does not record", e: req("2.0", sha(w20), sha384), status: HashNotTrusted,
			reason: "~hash sha384:1111111111111111… cannot be checked: the trusted files of foobar 2.0 record only sha256", hint: "sha256"},
		{name: "file entry hash that cannot be compared", e: file(lockfile.KindWheel, "2.0", w20, -1, sha(w20),
			lockfile.Hash{Algorithm: "sha512", Hex: sum512(w20)}), status: HashNotTrusted,
			reason: "~hash sha512:" + sum512(w20)[:16] + "… cannot be checked: the trusted file " + w20 + " records only sha256", hint: "sha256"},
		{name: "another role's target adds a hash the page does not pin", e: req("2.0", lockfile.Hash{Algorithm: "sha512", Hex: strings.Repeat("e", 128)}),
			proj: func() *finder.Project {
				f := target(w20, "unstable") // stable's page pins it by sha256; only unstable lists it as a target
				f.Target.Hashes["sha512"] = strings.Repeat("e", 128)
				return &finder.Project{Name: "foobar", Page: stablePage, Files: []*finder.File{f}}
			}(), status: HashNotTrusted,
			reason: "~hash sha512:eeeeeeeeeeeeeeee… cannot be checked: the trusted files of foobar 2.0 record only sha256", hint: "sha256"},
		{name: "file of the version skipped for its hash", e: req("4.0", sha(w40)), status: HashNotTrusted,
			reason: "foobar==4.0: no file of foobar 4.0 is trusted: " + w40 + ": no hash on the page and not a TUF target", hint: "re-lock"},

		// not pinned, no hash, unverifiable sources
		{name: "unpinned", e: func() lockfile.Entry { e := req("", sha(w20)); e.Raw = "foobar>=1"; return e }(), status: NotPinned,
			reason: "foobar is not pinned to one version", hint: "pip-compile --generate-hashes"},
		{name: "no hash", e: req("2.0"), status: NotPinned, reason: "foobar==2.0 has no hash", hint: "lock sha256 hashes"},
		{name: "weak hashes only", e: req("2.0", md5, lockfile.Hash{Algorithm: "sha1", Hex: strings.Repeat("2", 40)}), status: NotPinned,
			reason: "foobar==2.0 has only weak hashes (md5, sha1), which prove nothing about the file", hint: "lock sha256"},
		{name: "arbitrary equality", e: req("snapshot-7", sha(w20)), status: NotPinned, reason: `foobar==snapshot-7: version "snapshot-7" is not a PEP 440 version`, hint: "pin"},
		{name: "VCS", e: lockfile.Entry{Kind: lockfile.KindVCS, Name: "foobar", URL: "https://git.example/foobar.git", Size: -1}, status: Unverifiable,
			reason: "foobar is a VCS source, which no TUF role can vouch for", hint: "lock only files from the index"},
		{name: "editable VCS", e: lockfile.Entry{Kind: lockfile.KindRequirement, URL: "git+https://git.example/app.git", Editable: true, Raw: "-e git+https://git.example/app.git", Size: -1},
			status: Unverifiable, reason: "-e git+https://git.example/app.git is an editable VCS source, which no TUF role can vouch for", hint: "lock only files"},
		{name: "local directory (uv's root project)", e: lockfile.Entry{Kind: lockfile.KindDirectory, Name: "app", Version: "0.1.0", Path: ".", Editable: true, Size: -1}, status: Local,
			reason: "app==0.1.0 is a local source tree: it is not fetched from an index, so there is nothing to verify"},
		{name: "editable directory", e: lockfile.Entry{Kind: lockfile.KindRequirement, Path: "./src/app", Editable: true, Raw: "-e ./src/app", Size: -1}, status: Local,
			reason: "-e ./src/app is a local source tree: it is not fetched from an index, so there is nothing to verify"},
		{name: "direct URL", e: lockfile.Entry{Kind: lockfile.KindRequirement, Name: "foobar", URL: "https://files.example/" + w20, Filename: w20,
			Hashes: []lockfile.Hash{sha(w20)}, Raw: "foobar @ https://files.example/" + w20, Size: -1}, status: Unverifiable,
			reason: "foobar is a direct URL source, which no TUF role can vouch for", hint: "lock only files"},
		{name: "local path", e: lockfile.Entry{Kind: lockfile.KindRequirement, Name: "foobar", Path: "./dist/" + w20, Filename: w20,
			Hashes: []lockfile.Hash{sha(w20)}, Size: -1}, status: Unverifiable,
			reason: "foobar is a local file source, which no TUF role can vouch for", hint: "lock only files"},
		{name: "archive without a version", e: file(lockfile.KindArchive, "", sd20, -1, sha(sd20)), status: Unverifiable,
			reason: "foobar (" + sd20 + ") is a direct archive source, which no TUF role can vouch for", hint: "lock only files"},
		// a direct reference whose hash is a trusted file's is still not a file of the index
		{name: "archive with a version and a trusted hash", e: file(lockfile.KindArchive, "2.0", sd20, -1, sha(sd20)), status: Unverifiable,
			reason: "foobar==2.0 (" + sd20 + ") is a direct archive source, which no TUF role can vouch for", hint: "lock only files"},
		{name: "uv url source with a trusted hash", e: func() lockfile.Entry {
			e := file(lockfile.KindWheel, "2.0", w20, sizeOf(w20), sha(w20))
			e.URL, e.Direct = "https://files.example/"+w20, true
			return e
		}(), status: Unverifiable, reason: "foobar==2.0 (" + w20 + ") is a direct URL source, which no TUF role can vouch for", hint: "lock only files"},
		{name: "local wheel with a trusted hash", e: func() lockfile.Entry {
			e := file(lockfile.KindWheel, "2.0", w20, sizeOf(w20), sha(w20))
			e.Path, e.Direct = "wheels/"+w20, true
			return e
		}(), status: Unverifiable, reason: "foobar==2.0 (" + w20 + ") is a local archive source, which no TUF role can vouch for", hint: "lock only files"},
		{name: "file from a hashless index", e: file(lockfile.KindWheel, "2.0", w20, -1), status: NotPinned,
			reason: "foobar==2.0 (" + w20 + ") has no hash", hint: "gave no sha256 for the file"},
		{name: "poetry package of a hashless index", e: func() lockfile.Entry {
			e := req("2.0")
			e.Source = "https://pypi.example/simple"
			return e
		}(), status: NotPinned, reason: "foobar==2.0 has no hash", hint: "gave no sha256 for the file"},

		// yanked
		{name: "yanked with reason", e: req("2.1", sha(w21)), status: Yanked, vouch: "stable",
			reason: "foobar==2.1: " + w21 + " is yanked (broken metadata)", hint: "not yanked"},
		{name: "yanked file entry", e: file(lockfile.KindWheel, "2.1", w21, -1, sha(w21)), status: Yanked, vouch: "stable",
			reason: "foobar==2.1 (" + w21 + "): yanked (broken metadata)", hint: "not yanked"},
		{name: "yanked without reason", e: req("2.1", sha(w21)), proj: func() *finder.Project {
			return &finder.Project{Name: "foobar", Page: stablePage, Files: []*finder.File{target(w21, "stable", yanked(""))}}
		}(), status: Yanked, reason: "foobar==2.1: " + w21 + " is yanked", vouch: "stable", hint: "not yanked"},

		// roles
		{name: "project signed only by unstable", e: req("2.0", sha(w20)), role: "stable",
			err:    &finder.NoPageError{Project: "foobar", Path: "simple/foobar/index.html", RequireRole: "stable", Roles: []string{"unstable"}},
			status: RolePolicy, vouch: "unstable",
			reason: "foobar==2.0: project foobar is vouched for only by unstable, not by stable", hint: "drop --require-role stable"},
		{name: "version signed only by unstable, policy", e: req("2.0.1", sha(w201)), proj: explained(), role: "stable", status: RolePolicy, vouch: "unstable",
			reason: "foobar==2.0.1: version 2.0.1 is signed by unstable, not by stable", hint: "lock a version stable vouches for"},
		{name: "version signed only by unstable, no policy", e: req("2.0.1", sha(w201)), proj: func() *finder.Project {
			p := view()
			p.Skipped = append(p.Skipped, resolve.Skip{Filename: w201, Version: "2.0.1", Reason: "signed only by unstable",
				Kind: resolve.SkipLowerRole, SignedBy: "unstable"})
			return p
		}(), status: NotFound, vouch: "unstable",
			reason: "foobar==2.0.1: version 2.0.1 is signed only by unstable: stable's page for foobar does not list it", hint: "lock a version stable signs"},
		{name: "file entry of a version signed only by unstable", e: file(lockfile.KindWheel, "2.0.1", w201, -1, sha(w201)), proj: explained(), role: "stable",
			status: RolePolicy, vouch: "unstable", reason: "foobar==2.0.1 (" + w201 + "): signed by unstable, not by stable", hint: "drop --require-role stable"},
		{name: "file entry signed only by unstable", e: file(lockfile.KindWheel, "2.0", "foobar-2.0-cp312-cp312-macosx_11_0_arm64.whl", -1,
			lockfile.Hash{Algorithm: "sha256", Hex: strings.Repeat("3", 64)}), proj: explained(), role: "stable", status: RolePolicy, vouch: "unstable",
			reason: "foobar==2.0 (foobar-2.0-cp312-cp312-macosx_11_0_arm64.whl): not signed by stable (signed by unstable)", hint: "drop --require-role stable"},
		{name: "requirement hash beside a file only unstable signed", e: req("2.0", sha(w20), lockfile.Hash{Algorithm: "sha256", Hex: strings.Repeat("3", 64)}),
			proj: explained(), role: "stable", status: HashNotTrusted,
			reason: "~is not a trusted file of foobar 2.0 (foobar-2.0-cp312-cp312-macosx_11_0_arm64.whl is not signed by stable (signed by unstable))", hint: "re-lock"},
		{name: "view without the policy", e: req("2.0", sha(w20)), role: "stable", proj: func() *finder.Project {
			return &finder.Project{Name: "foobar", Page: unstablePage, Files: []*finder.File{target(w20, "unstable")}}
		}(), status: RolePolicy, vouch: "unstable",
			reason: "foobar==2.0: hash sha256:" + sum256(w20)[:16] + "… is " + w20 + ", vouched for by unstable, not by stable", hint: "drop --require-role stable"},

		// not found and errors
		{name: "unknown project", e: req("2.0", sha(w20)), err: &finder.NoPageError{Project: "foobar", Path: "simple/foobar/index.html"}, status: NotFound,
			reason: "foobar==2.0: project foobar is not in the trusted set (no role signs simple/foobar/index.html)", hint: "check the name"},
		{name: "unknown version", e: req("9.0", sha(w20)), status: NotFound, reason: "foobar==9.0: version 9.0 of foobar is not in the trusted set", hint: "check the name"},
		{name: "network error", e: req("2.0", sha(w20)), err: netErr, status: Error, reason: "~connection refused", hint: "check the repository URL"},
		{name: "page fails verification", e: req("2.0", sha(w20)), err: verErr, status: Error, reason: "~sha256 does not match the hash signed by role stable", hint: "does not verify"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			proj := tc.proj
			if proj == nil && tc.err == nil {
				proj = view()
			}
			r := Check(tc.e, proj, tc.err, tc.role)
			if r.Status != tc.status {
				t.Fatalf("status %s, want %s (reason %q)", r.Status, tc.status, r.Reason)
			}
			if r.Passed() != (tc.status == OK || tc.status == Local) {
				t.Errorf("Passed() = %v", r.Passed())
			}
			switch {
			case strings.HasPrefix(tc.reason, "~"):
				if !strings.Contains(r.Reason, tc.reason[1:]) {
					t.Errorf("reason %q\nwant it to contain %q", r.Reason, tc.reason[1:])
				}
			case tc.status != OK && r.Reason != tc.reason:
				t.Errorf("reason %q\nwant        %q", r.Reason, tc.reason)
			case tc.status == OK && r.Reason != "", tc.status == Local && r.Reason != tc.reason:
				t.Errorf("ok with a reason: %q", r.Reason)
			}
			if tc.hint == "" && r.Hint != "" || !strings.Contains(r.Hint, tc.hint) {
				t.Errorf("hint %q, want %q", r.Hint, tc.hint)
			}
			if r.Role != tc.vouch {
				t.Errorf("role %q, want %q", r.Role, tc.vouch)
			}
			if tc.status == Error && r.Err != tc.err {
				t.Errorf("Err = %v, want the lookup error", r.Err)
			}
			if r.Reason != "" && (r.Reason != strings.ToLower(r.Reason[:1])+r.Reason[1:] || strings.HasSuffix(r.Reason, ".")) {
				t.Errorf("reason is not lowercase without a final period: %q", r.Reason)
			}
		})
	}
}

// The files an ok verdict lists are the trusted files behind the locked hashes, each once.
func TestCheckFiles(t *testing.T) {
	r := Check(req("2.0", sha(w20), sha(win20), sha(sd20), sha(w20)), view(), nil, "")
	if got := strings.Join(r.Files, " "); got != w20+" "+win20+" "+sd20 {
		t.Errorf("files = %s", got)
	}
}

// Every locked hash is checked, wherever the bad one sits.
func TestCheckEveryHash(t *testing.T) {
	good := []lockfile.Hash{sha(w20), sha(win20), sha(sd20)}
	for i := range good {
		hs := append([]lockfile.Hash(nil), good...)
		hs[i] = flip(hs[i])
		if r := Check(req("2.0", hs...), view(), nil, ""); r.Status != HashNotTrusted || !strings.Contains(r.Reason, hs[i].Hex[:16]) {
			t.Errorf("bad hash at %d: %s %q", i, r.Status, r.Reason)
		}
	}
}

func TestNeedsProject(t *testing.T) {
	for _, tc := range []struct {
		e    lockfile.Entry
		want bool
	}{
		{req("2.0", sha(w20)), true},
		{file(lockfile.KindWheel, "2.0", w20, -1, sha(w20)), true},
		{req("2.0"), false},
		{req("", sha(w20)), false},
		{req("2.0", lockfile.Hash{Algorithm: "md5", Hex: strings.Repeat("0", 32)}), false},
		{lockfile.Entry{Kind: lockfile.KindVCS, Name: "x", Pinned: true, Version: "1", Hashes: []lockfile.Hash{sha(w20)}}, false},
		{file(lockfile.KindArchive, "", sd20, -1, sha(sd20)), false},
		{file(lockfile.KindArchive, "2.0", sd20, -1, sha(sd20)), false},
		{lockfile.Entry{Kind: lockfile.KindWheel, Name: "foobar", Version: "2.0", Pinned: true, Direct: true, URL: "https://x/" + w20, Hashes: []lockfile.Hash{sha(w20)}}, false},
		{lockfile.Entry{Kind: lockfile.KindDirectory, Name: "app", Path: "."}, false},
	} {
		if got := NeedsProject(tc.e); got != tc.want {
			t.Errorf("NeedsProject(%s) = %v, want %v", label(tc.e), got, tc.want)
		}
		// an entry that needs no project gets its verdict without one
		if !tc.want {
			if r := Check(tc.e, nil, nil, ""); r.Status == OK || r.Status == Error {
				t.Errorf("%s: checked without a project: %s %q", label(tc.e), r.Status, r.Reason)
			}
		}
	}
}

func TestProject(t *testing.T) {
	if got := Project(lockfile.Entry{Name: "Foo_Bar.baz"}); got != "foo-bar-baz" {
		t.Errorf("Project = %q", got)
	}
}
