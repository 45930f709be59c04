package pyfix

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Venvs are made by "python -m venv" (with ensurepip, so pip lives inside the venv as
// it does for a user). That takes 2-3 s per venv, so under Main each interpreter's venv is
// made once per test binary as a template and each test gets a copy (about 0.1 s). A copied
// venv works because Python finds pyvenv.cfg next to bin/python (a symlink to the base
// interpreter) and derives sys.prefix from where it is; the few files that spell the
// template's path (script shebangs, activate scripts, pyvenv.cfg) are rewritten.

var (
	templMu   sync.Mutex
	templRoot string // set by Main; "" means no templates: fresh venvs every time
	templates = map[string]*template{}
)

type template struct {
	once sync.Once
	dir  string
	err  error
}

// Main runs the tests with venv templates enabled and removes them afterwards. Use it as
//
//	func TestMain(m *testing.M) { os.Exit(pyfix.Main(m)) }
func Main(m interface{ Run() int }) int {
	dir, err := os.MkdirTemp("", "pyfix-venvs-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "pyfix: venv templates disabled: %v\n", err)
		return m.Run()
	}
	templMu.Lock()
	templRoot = dir
	templMu.Unlock()
	code := m.Run()
	templMu.Lock()
	templRoot = ""
	templMu.Unlock()
	os.RemoveAll(dir)
	return code
}

// MakeVenv runs "python -m venv dir": the slow, from-scratch way.
func MakeVenv(ctx context.Context, python, dir string) error {
	cmd := Command(ctx, python, "-m", "venv", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s -m venv %s: %w\n%s", python, dir, err, out)
	}
	return nil
}

// Venv returns a fresh virtual environment of python (an interpreter path) with pip in it,
// removed when the test ends. Run pip in it as VenvPython(dir) -m pip.
func Venv(t testing.TB, python string) string {
	t.Helper()
	ctx, cancel := testContext(t)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "venv")
	start := time.Now()
	if err := newVenv(ctx, python, dir); err != nil {
		t.Fatalf("pyfix: %v", err)
	}
	t.Logf("pyfix: venv for %s in %v", python, time.Since(start).Round(time.Millisecond))
	return dir
}

// VenvPython is the interpreter inside a venv made by Venv.
func VenvPython(dir string) string { return filepath.Join(dir, "bin", "python") }

func newVenv(ctx context.Context, python, dir string) error {
	templMu.Lock()
	root := templRoot
	var tp *template
	if root != "" {
		tp = templates[python]
		if tp == nil {
			tp = &template{dir: filepath.Join(root, fmt.Sprintf("t%d", len(templates)))}
			templates[python] = tp
		}
	}
	templMu.Unlock()
	if tp == nil {
		return MakeVenv(ctx, python, dir)
	}
	tp.once.Do(func() { tp.err = MakeVenv(ctx, python, tp.dir) })
	if tp.err != nil {
		return tp.err
	}
	return copyVenv(tp.dir, dir)
}

// copyVenv copies the template tree, keeping symlinks as they are (bin/python points at
// the base interpreter by absolute path; lib64 -> lib is relative), and rewrites the
// template's path in the small text files that spell it.
func copyVenv(src, dst string) error {
	old, new := []byte(src), []byte(dst)
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case !info.Mode().IsRegular():
			return fmt.Errorf("copy venv: %s is not a regular file", p)
		}
		if rel == "pyvenv.cfg" || filepath.Dir(rel) == "bin" {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, bytes.ReplaceAll(data, old, new), info.Mode().Perm())
		}
		return copyFile(p, target, info.Mode().Perm())
	})
}

func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
