package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
)

// Issue 13's acceptance: python-tuf's ngclient, a second TUF client independent of go-tuf,
// reads the repositories "tufpip repo" writes (e2e/testdata/ngclient_read.py), and tufpip
// reads repositories written with python-tuf's metadata API (e2e/testdata/pytuf_write.py).

// ngResult is what ngclient_read.py printed.
type ngResult struct {
	RefreshError *string `json:"refresh_error"`
	Targets      map[string]struct {
		Found  bool              `json:"found"`
		Role   string            `json:"role"`
		Length int64             `json:"length"`
		Hashes map[string]string `json:"hashes"`
		File   string            `json:"file"`
		Error  *string           `json:"error"`
	} `json:"targets"`
}

// ngclientRead runs ngclient_read.py with python-tuf against a repository served at
// baseURL (metadata/ and targets/ below it), trusting rootFile, in a fresh work folder.
func ngclientRead(t *testing.T, rootFile, baseURL string, paths ...string) (*ngResult, string) {
	t.Helper()
	py := pyfix.Tool(t, "python-tuf")
	work := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	script, err := filepath.Abs(filepath.Join("testdata", "ngclient_read.py"))
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{script, rootFile, baseURL + "/metadata/", baseURL + "/targets/", work}, paths...)
	cmd := pyfix.Command(ctx, py, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("ngclient_read.py: %v\nstderr:\n%s", err, stderr.String())
	}
	t.Logf("ngclient read %d targets in %v:\n%s", len(paths), time.Since(start).Round(time.Millisecond), stdout.String())
	var res ngResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("ngclient_read.py printed no JSON: %v\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if res.RefreshError != nil {
		t.Fatalf("ngclient refresh failed: %s", *res.RefreshError)
	}
	return &res, work
}

// binRole names the succinct hash bin role (TAP 15) that path falls into, as python-tuf
// and tufpip name them: prefix-<hex of the first bits bits of sha256(path)>, zero-padded to
// the width of the last bin's number.
func binRole(prefix, path string, bits int) string {
	sum := sha256.Sum256([]byte(path))
	n := uint32(sum[0])<<24 | uint32(sum[1])<<16 | uint32(sum[2])<<8 | uint32(sum[3])
	bin := n >> (32 - bits)
	width := len(strconv.FormatUint(uint64(1)<<bits-1, 16))
	return fmt.Sprintf("%s-%0*x", prefix, width, bin)
}

// newestSigned returns the targets that the newest version of role's metadata in dir signs
// (consistent snapshots: N.role.json).
func newestSigned(t *testing.T, dir, role string) map[string]struct {
	Length int64             `json:"length"`
	Hashes map[string]string `json:"hashes"`
} {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(dir, "*."+role+".json"))
	best, bestV := "", -1
	for _, m := range matches {
		v, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(m), "."+role+".json"))
		if err == nil && v > bestV {
			best, bestV = m, v
		}
	}
	if best == "" {
		t.Fatalf("no metadata of role %s in %s", role, dir)
	}
	data, err := os.ReadFile(best)
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		Signed struct {
			Targets map[string]struct {
				Length int64             `json:"length"`
				Hashes map[string]string `json:"hashes"`
			} `json:"targets"`
		} `json:"signed"`
	}
	if err := json.Unmarshal(data, &md); err != nil {
		t.Fatalf("%s: %v", best, err)
	}
	return md.Signed.Targets
}

// checkTamperedRefused checks that ngclientRead failed on each of paths (its first ones, in
// order) with a length or hash mismatch and left no file of it in work.
func checkTamperedRefused(t *testing.T, res *ngResult, work string, paths ...string) {
	t.Helper()
	for i, path := range paths {
		got := res.Targets[path]
		if got.Error == nil || !strings.Contains(*got.Error, "LengthOrHashMismatchError") {
			t.Errorf("tampered %s: ngclient error %v, want LengthOrHashMismatchError", path, got.Error)
		}
		if _, err := os.Stat(filepath.Join(work, "targets", strconv.Itoa(i))); !os.IsNotExist(err) {
			t.Errorf("tampered %s: ngclient left a file behind (%v)", path, err)
		}
	}
}

// flipStored flips one byte of every stored copy of target path under targetsDir: the
// plain one and the consistent-snapshot ones (<hash>.<name>), keeping the length.
func flipStored(t *testing.T, targetsDir, path string) {
	t.Helper()
	dir, name := filepath.Split(filepath.Join(targetsDir, filepath.FromSlash(path)))
	matches, _ := filepath.Glob(filepath.Join(dir, "*."+name))
	matches = append(matches, filepath.Join(dir, name))
	var done []os.FileInfo // the copies may be hard links of one file: flip each once
	for _, m := range matches {
		fi, err := os.Stat(m)
		if err != nil || slices.ContainsFunc(done, func(d os.FileInfo) bool { return os.SameFile(d, fi) }) {
			continue
		}
		done = append(done, fi)
		data, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/2] ^= 0x01
		writeFile(t, m, data)
	}
	if len(done) == 0 {
		t.Fatalf("no stored copy of %s in %s", path, targetsDir)
	}
}

// ngclient reads what "tufpip repo" published, flat and in hash bins: stable's and
// unstable's pages both list foobar, and ngclient, walking in delegation order, takes
// stable's (2.0, not 2.0.1); each file comes from the role that signed it, byte for byte.
// A page and a file tampered with on disk make ngclient fail on exactly those two.
func TestNgclientReadsTufpipRepo(t *testing.T) {
	t.Parallel()
	pyfix.Tool(t, "python-tuf")
	for _, tc := range []struct {
		name string
		bits int // 0: flat
	}{{"flat", 0}, {"hash-bins", 4}} {
		t.Run(tc.name, func(t *testing.T) {
			var flags []string
			if tc.bits > 0 {
				flags = []string{"--hash-bins", strconv.Itoa(tc.bits)}
			}
			m := newMirrorRepo(t, flags...)
			dist := t.TempDir()
			wheels := map[string][]byte{}
			for _, v := range []string{"1.0", "2.0", "2.0.1"} {
				fn, data := pyfix.Wheel(t, pyfix.WheelSpec{Name: "FooBar", Version: v})
				wheels[v] = data
				writeFile(t, filepath.Join(dist, fn), data)
			}
			whl := func(v string) string { return filepath.Join(dist, "foobar-"+v+"-py3-none-any.whl") }
			for _, args := range [][]string{
				{"repo", "add", m.dir, whl("1.0"), whl("2.0"), "--keys", m.keys},
				{"repo", "promote", m.dir, "--older-than", "0s", "--bootstrap", "--keys", m.keys},
				{"repo", "add", m.dir, whl("2.0.1"), "--keys", m.keys},
			} {
				if _, stderr, code := m.tufpip(args...); code != 0 {
					t.Fatalf("%s: exit %d\n%s", strings.Join(args[:2], " "), code, stderr)
				}
			}

			role := func(base, path string) string {
				if tc.bits == 0 {
					return base
				}
				return binRole(base, path, tc.bits)
			}
			page := "simple/foobar/index.html"
			f20 := "packages/foobar-2.0-py3-none-any.whl"
			f201 := "packages/foobar-2.0.1-py3-none-any.whl"
			metaDir := filepath.Join(m.dir, "metadata")
			stablePage := newestSigned(t, metaDir, role("stable", page))[page]
			unstablePage := newestSigned(t, metaDir, role("unstable", page))[page]
			if stablePage.Hashes["sha256"] == "" || unstablePage.Hashes["sha256"] == "" ||
				stablePage.Hashes["sha256"] == unstablePage.Hashes["sha256"] {
				t.Fatalf("want stable and unstable to sign different pages of foobar: %v, %v", stablePage, unstablePage)
			}

			root := filepath.Join(metaDir, "1.root.json")
			res, _ := ngclientRead(t, root, m.srv.URL, page, f20, f201, "packages/nothing-1.0-py3-none-any.whl")
			for path, want := range map[string]struct {
				role string
				data []byte
			}{
				f20:  {role("stable", f20), wheels["2.0"]},
				f201: {role("unstable", f201), wheels["2.0.1"]},
				page: {role("stable", page), nil},
			} {
				got := res.Targets[path]
				if !got.Found || got.Error != nil || got.Role != want.role {
					t.Errorf("%s: ngclient found=%v in role %q (error %v), want role %s", path, got.Found, got.Role, got.Error, want.role)
					continue
				}
				data, err := os.ReadFile(got.File)
				if err != nil {
					t.Errorf("%s: %v", path, err)
					continue
				}
				if want.data == nil { // the page: stable's bytes, as stored
					want.data, err = os.ReadFile(filepath.Join(m.dir, "targets", "simple", "foobar", stablePage.Hashes["sha256"]+".index.html"))
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Contains(data, []byte("foobar-2.0-py3-none-any.whl")) || bytes.Contains(data, []byte("2.0.1")) {
						t.Errorf("ngclient's page of foobar is not stable's (2.0 without 2.0.1):\n%s", data)
					}
				}
				if !bytes.Equal(data, want.data) {
					t.Errorf("%s: ngclient downloaded %d bytes that differ from the published %d", path, len(data), len(want.data))
				}
			}
			if got := res.Targets["packages/nothing-1.0-py3-none-any.whl"]; got.Found || got.Error != nil {
				t.Errorf("a target no role signs: found=%v error=%v", got.Found, got.Error)
			}

			// The negative: the same client, tampered bytes.
			flipStored(t, filepath.Join(m.dir, "targets"), f20)
			flipStored(t, filepath.Join(m.dir, "targets"), page)
			res, work := ngclientRead(t, root, m.srv.URL, page, f20, f201)
			checkTamperedRefused(t, res, work, page, f20)
			if got := res.Targets[f201]; got.Error != nil || got.Role != role("unstable", f201) {
				t.Errorf("untouched %s after tampering others: role %q, error %v", f201, got.Role, got.Error)
			}
		})
	}
}

// ngclient reads what "tufpip repo init --layout pep458" publishes, with PEP 458's 16,384
// bins: the page under the bare project name and the files, each from the bin that
// python-tuf's own SuccinctRoles computes (bins-XXXX), byte for byte; the page bytes it
// verified are the ones at PyPI's content-addressed name simple/P/<blake2b-256>.P.html, and
// link the files on a files host (repo init --files-url), where ngclient fetches them.
// A page and a file tampered with on disk make ngclient fail on exactly those two.
func TestNgclientReadsTufpipPEP458Repo(t *testing.T) {
	t.Parallel()
	pyfix.Tool(t, "python-tuf")
	// The files host: another server, of the same targets folder, which the pages link.
	var filesDir string
	var filesServed atomic.Int32
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/packages/") {
			filesServed.Add(1)
		}
		http.FileServer(http.Dir(filesDir)).ServeHTTP(w, r)
	}))
	t.Cleanup(files.Close)
	m := newMirrorRepo(t, "--layout", "pep458", "--files-url", files.URL+"/")
	filesDir = filepath.Join(m.dir, "targets")
	dist := t.TempDir()
	wheels := map[string][]byte{}
	var paths []string
	for _, v := range []string{"1.0", "2.0"} {
		fn, data := pyfix.Wheel(t, pyfix.WheelSpec{Name: "FooBar", Version: v})
		wheels["packages/"+fn] = data
		p := filepath.Join(dist, fn)
		writeFile(t, p, data)
		paths = append(paths, p)
	}
	if _, stderr, code := m.tufpip(append([]string{"repo", "add", m.dir, "--keys", m.keys}, paths...)...); code != 0 {
		t.Fatalf("repo add: exit %d\n%s", code, stderr)
	}
	page, f10, f20 := "foobar", "packages/foobar-1.0-py3-none-any.whl", "packages/foobar-2.0-py3-none-any.whl"
	root := filepath.Join(m.dir, "metadata", "1.root.json")
	// Files come from the files host: ngclient fetches them there as the targets they are.
	res, _ := ngclientRead(t, root, m.srv.URL, page, f10+"="+files.URL+"/", f20+"="+files.URL+"/", "simple/foobar/index.html")
	for _, path := range []string{page, f10, f20} {
		got := res.Targets[path]
		if want := binRole("bins", path, 14); !got.Found || got.Error != nil || got.Role != want {
			t.Errorf("%s: ngclient found=%v in role %q (error %v), want role %s", path, got.Found, got.Role, got.Error, want)
			continue
		}
		data, err := os.ReadFile(got.File)
		if err != nil {
			t.Fatal(err)
		}
		if got.Hashes["blake2b-256"] == "" || got.Hashes["sha256"] == "" {
			t.Errorf("%s: signed hashes %v, want blake2b-256 and sha256", path, got.Hashes)
		}
		want := wheels[path]
		if path == page {
			want, err = os.ReadFile(filepath.Join(m.dir, "targets", "simple", "foobar", got.Hashes["blake2b-256"]+".foobar.html"))
			if err != nil {
				t.Fatalf("the page ngclient verified is not at its content-addressed name: %v", err)
			}
			for _, f := range []string{f10, f20} {
				if link := `href="` + files.URL + "/" + f + "#sha256=" + res.Targets[f].Hashes["sha256"] + `"`; !bytes.Contains(data, []byte(link)) {
					t.Errorf("ngclient's page of foobar does not link %s on the files host:\n%s", link, data)
				}
			}
		}
		if !bytes.Equal(data, want) {
			t.Errorf("%s: ngclient downloaded %d bytes that differ from the published %d", path, len(data), len(want))
		}
	}
	if n := filesServed.Load(); n != 2 {
		t.Errorf("the files host served %d files, want the 2 wheels", n)
	}
	if got := res.Targets["simple/foobar/index.html"]; got.Found || got.Error != nil {
		t.Errorf("simple/foobar/index.html is no target in this layout: found=%v in %q, error %v", got.Found, got.Role, got.Error)
	}

	flipStored(t, filepath.Join(m.dir, "targets"), page)
	flipStored(t, filepath.Join(m.dir, "targets"), f20)
	res, work := ngclientRead(t, root, m.srv.URL, page, f20+"="+files.URL+"/", f10+"="+files.URL+"/")
	checkTamperedRefused(t, res, work, page, f20)
	if got := res.Targets[f10]; got.Error != nil || !got.Found {
		t.Errorf("untouched %s after tampering others: found=%v, error %v", f10, got.Found, got.Error)
	}
}

// pytufRepo writes a repository with python-tuf's metadata API (pytuf_write.py) in
// tufpip's shape, flat (bits 0) or in 2^bits succinct hash bins, and serves it.
type pytufRepo struct {
	dir, root string
	srv       *httptest.Server
}

func writePytufRepo(t *testing.T, bits int, roles map[string]map[string][]string) *pytufRepo {
	t.Helper()
	py := pyfix.Tool(t, "python-tuf")
	base := t.TempDir()
	spec, err := json.Marshal(map[string]any{"bits": bits, "roles": roles})
	if err != nil {
		t.Fatal(err)
	}
	specFile := filepath.Join(base, "spec.json")
	writeFile(t, specFile, string(spec))
	script, err := filepath.Abs(filepath.Join("testdata", "pytuf_write.py"))
	if err != nil {
		t.Fatal(err)
	}
	r := &pytufRepo{dir: filepath.Join(base, "repo")}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	out, err := pyfix.Command(ctx, py, script, specFile, r.dir).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("pytuf_write.py: %v\n%s", err, stderr)
	}
	t.Logf("python-tuf wrote the repository in %v", time.Since(start).Round(time.Millisecond))
	var res struct{ Root string }
	if err := json.Unmarshal(out, &res); err != nil || res.Root == "" {
		t.Fatalf("pytuf_write.py printed %q (%v)", out, err)
	}
	r.root = res.Root
	mux := http.NewServeMux()
	mux.Handle("/metadata/", http.StripPrefix("/metadata/", http.FileServer(http.Dir(filepath.Join(r.dir, "metadata")))))
	mux.Handle("/targets/", http.StripPrefix("/targets/", http.FileServer(http.Dir(filepath.Join(r.dir, "targets")))))
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

// tufpip runs the binary against the repository with the cache dir given.
func (r *pytufRepo) tufpip(t *testing.T, cache string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runTufpipLogged(t, repoEnv(r.srv.URL+"/metadata/", r.srv.URL+"/targets/", r.root, cache), args...)
}

// tufpip reads a stable/unstable repository that python-tuf's metadata API wrote (ecdsa,
// rsassa-pss and ed25519 keys; sha256 and blake2b-256 target hashes), flat and in hash
// bins: resolve prefers stable's FooBar 2.0 over unstable's 2.0.1 and names the role, real
// pip installs it with app's dependency lib (signed only by unstable), and a tampered lib
// stops the install with exit 3 and nothing installed.
func TestTufpipReadsPythonTUFRepo(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	pyfix.Tool(t, "python-tuf")
	py := pyfix.Python(t, "3.11")
	dist := t.TempDir()
	wheel := func(name, version string, deps ...string) string {
		fn, data := pyfix.Wheel(t, pyfix.WheelSpec{Name: name, Version: version, RequiresDist: deps})
		p := filepath.Join(dist, fn)
		writeFile(t, p, data)
		return p
	}
	f10, f20, f201 := wheel("FooBar", "1.0"), wheel("FooBar", "2.0"), wheel("FooBar", "2.0.1")
	app, lib := wheel("app", "1.0", "lib>=1.0"), wheel("lib", "1.0")
	roles := map[string]map[string][]string{
		"stable":   {"foobar": {f10, f20}, "app": {app}},
		"unstable": {"foobar": {f10, f20, f201}, "lib": {lib}},
	}
	for _, tc := range []struct {
		name string
		bits int
	}{{"flat", 0}, {"hash-bins", 4}} {
		t.Run(tc.name, func(t *testing.T) {
			r := writePytufRepo(t, tc.bits, roles)
			cache := filepath.Join(t.TempDir(), "cache")

			stdout, stderr, code := r.tufpip(t, cache, "resolve", "--format", "json", "FooBar==2.0.*", "lib")
			if code != 0 {
				t.Fatalf("resolve: exit %d\n%s", code, stderr)
			}
			var res struct {
				Results []struct {
					Project, Version, Role string
					File                   struct{ Filename string }
					Skipped                []struct{ Filename, Reason string }
				}
			}
			if err := json.Unmarshal([]byte(stdout), &res); err != nil || len(res.Results) != 2 {
				t.Fatalf("resolve --format json: %v\n%s", err, stdout)
			}
			foo, l := res.Results[0], res.Results[1]
			if foo.Version != "2.0" || foo.Role != "stable" || foo.File.Filename != filepath.Base(f20) {
				t.Errorf("FooBar==2.0.*: %s %s by %q, want stable's 2.0", foo.Version, foo.File.Filename, foo.Role)
			}
			if len(foo.Skipped) != 1 || foo.Skipped[0].Filename != filepath.Base(f201) || foo.Skipped[0].Reason != "signed only by unstable" {
				t.Errorf("FooBar==2.0.*: skipped %+v, want 2.0.1 signed only by unstable", foo.Skipped)
			}
			if l.Version != "1.0" || l.Role != "unstable" {
				t.Errorf("lib: %s by %q, want 1.0 by unstable (stable never signed lib)", l.Version, l.Role)
			}

			venv := pyfix.Venv(t, py.Path)
			if _, stderr, code := r.tufpip(t, cache, "install", "--python", pyfix.VenvPython(venv), "FooBar==2.0.*", "app"); code != 0 {
				t.Fatalf("install: exit %d\n%s", code, stderr)
			}
			if got := installed(t, venv, "foobar", "app", "lib"); got["foobar"] != "2.0" || got["app"] != "1.0" || got["lib"] != "1.0" {
				t.Fatalf("installed %v, want foobar 2.0 (stable's), app 1.0, lib 1.0", got)
			}

			flipStored(t, filepath.Join(r.dir, "targets"), "packages/"+filepath.Base(lib))
			venv = pyfix.Venv(t, py.Path)
			_, stderr, code = r.tufpip(t, filepath.Join(t.TempDir(), "cache"), "install", "--python", pyfix.VenvPython(venv), "app")
			if code != 3 || !strings.Contains(stderr, "tufpip: error: "+filepath.Base(lib)+": ") {
				t.Fatalf("tampered lib: exit %d, want 3 naming %s\n%s", code, filepath.Base(lib), stderr)
			}
			if got := installed(t, venv, "app", "lib"); len(got) != 0 {
				t.Fatalf("after a refused lib, the venv has %v", got)
			}
		})
	}
}
