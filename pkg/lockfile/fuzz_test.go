package lockfile

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// The fuzz targets check that no input makes a reader panic, that every entry it
// returns points at a real line of the input, and that every failure is a
// *ParseError naming the file. Includes are refused so fuzzing never reads disk.
//
// The seed corpora in testdata/fuzz/ are small on purpose: the fixture files are
// several KiB, and Go's fuzzer can spend minutes minimizing inputs that large
// (golang/go#52569), which stalls a one-worker run.

func noIncludes(path string) ([]byte, error) { return nil, os.ErrPermission }

func lineCount(data []byte) int {
	// Python's splitlines may see more lines than "\n" does; count generously.
	n := 1
	for _, b := range data {
		switch b {
		case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0xa8, 0xa9:
			n++
		}
	}
	return n
}

func checkResult(t *testing.T, name string, data []byte, lf *Lockfile, err error) {
	t.Helper()
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("error %v (%T) is not a *ParseError", err, err)
		}
		if pe.Pos.File != name || pe.Pos.Line < 0 || pe.Pos.Line > lineCount(data) {
			t.Fatalf("error position %v outside %s (%d lines)", pe.Pos, name, lineCount(data))
		}
		if !strings.HasPrefix(err.Error(), pe.Pos.String()+": ") {
			t.Fatalf("error text %q does not start with its position", err)
		}
		return
	}
	for _, e := range lf.Entries {
		if e.Pos.File != name || e.Pos.Line < 1 || e.Pos.Line > lineCount(data) {
			t.Fatalf("entry %+v: position outside %s (%d lines)", e, name, lineCount(data))
		}
		if e.Pinned && e.Version == "" && e.Kind == KindRequirement {
			t.Fatalf("pinned requirement without a version: %+v", e)
		}
		if e.Size < -1 {
			t.Fatalf("size %d", e.Size)
		}
		for _, h := range e.Hashes {
			if h.Algorithm == "" || h.Hex == "" || strings.ToLower(h.Hex) != h.Hex {
				t.Fatalf("hash %+v", h)
			}
		}
		if e.Kind != KindRequirement && e.Kind.Verifiable() && plainFilename(e.Filename) != nil {
			t.Fatalf("file entry with a bad filename: %+v", e)
		}
	}
	for _, o := range lf.Options {
		if !strings.HasPrefix(o.Name, "--") || o.Pos.Line < 1 {
			t.Fatalf("option %+v", o)
		}
	}
}

func FuzzRequirements(f *testing.F) {
	f.Add([]byte("foo==1.0 \\\n  --hash=sha256:" + hexA + " # c\n-e .\n--extra-index=x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lf, err := parseRequirements("r.txt", data, noIncludes)
		checkResult(t, "r.txt", data, lf, err)
		if err == nil {
			for _, e := range lf.Entries {
				if e.Kind != KindRequirement {
					t.Fatalf("kind %q", e.Kind)
				}
			}
		}
	})
}

func FuzzPylock(f *testing.F) {
	f.Add([]byte("lock-version = \"1.0\"\npackages = [{name = \"a\", wheels = [{url = \"https://x/a-1-py3-none-any.whl\", hashes = {sha256 = \"" + sha + "\"}}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lf, err := parsePylock("pylock.toml", data)
		checkResult(t, "pylock.toml", data, lf, err)
	})
}

func FuzzUvLock(f *testing.F) {
	f.Add([]byte("version = 1\n[[package]]\nname = \"a\"\nsource = { registry = \"https://x\" }\nwheels = [{ url = \"https://x/a%2B-1-py3-none-any.whl\", hash = \"sha256:" + sha + "\" }]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lf, err := parseUvLock("uv.lock", data)
		checkResult(t, "uv.lock", data, lf, err)
	})
}

func FuzzPoetryLock(f *testing.F) {
	f.Add([]byte("[[package]]\nname = \"a\"\nversion = \"1\"\nfiles = [{file = \"a-1-py3-none-any.whl\", hash = \"sha256:" + sha + "\"}]\n[package.source]\ntype = \"legacy\"\nurl = \"https://x\"\n[metadata]\nlock-version = \"2.1\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lf, err := parsePoetryLock("poetry.lock", data)
		checkResult(t, "poetry.lock", data, lf, err)
	})
}

func FuzzPipfileLock(f *testing.F) {
	f.Add([]byte("{\"_meta\": {\"sources\": [{\"name\": \"p\", \"url\": \"https://x\"}]},\n\"default\": {\"a\": {\"version\": \"==1\", \"index\": \"p\", \"hashes\": [\"sha256:" + sha + "\"]},\n\"b\": {\"path\": \"./b-1.tar.gz\"}}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lf, err := parsePipfileLock("Pipfile.lock", data)
		checkResult(t, "Pipfile.lock", data, lf, err)
	})
}
