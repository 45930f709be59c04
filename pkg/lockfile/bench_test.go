package lockfile

import (
	"fmt"
	"strings"
	"testing"
)

// Benchmarks read a 300-package lockfile of each format, each package with an sdist
// and two wheels (two hashes per requirement line), about the size of a large
// application's lock.

const benchPackages = 300

func benchHex(i, j int) string {
	return fmt.Sprintf("%064x", i*1000+j)
}

func benchRequirements() []byte {
	var b strings.Builder
	b.WriteString("#\n# pip-compile --generate-hashes\n#\n--index-url https://pypi.org/simple\n\n")
	for i := 0; i < benchPackages; i++ {
		fmt.Fprintf(&b, "package-%d==1.%d.0 ; python_version >= \"3.8\" \\\n", i, i)
		fmt.Fprintf(&b, "    --hash=sha256:%s \\\n    --hash=sha256:%s\n    # via package-%d\n", benchHex(i, 1), benchHex(i, 2), i+1)
	}
	return []byte(b.String())
}

func benchPylock() []byte {
	var b strings.Builder
	b.WriteString("lock-version = \"1.0\"\nrequires-python = \">=3.9\"\ncreated-by = \"bench\"\n\n")
	for i := 0; i < benchPackages; i++ {
		fmt.Fprintf(&b, "[[packages]]\nname = \"package-%d\"\nversion = \"1.%d.0\"\n", i, i)
		fmt.Fprintf(&b, "sdist = {name = \"package_%d-1.%d.0.tar.gz\", url = \"https://files.example.org/packages/ab/cd/package_%d-1.%d.0.tar.gz\", size = %d, upload-time = 2025-01-01T00:00:00Z, hashes = {sha256 = \"%s\"}}\n", i, i, i, i, 10000+i, benchHex(i, 0))
		b.WriteString("wheels = [\n")
		for j := 1; j <= 2; j++ {
			fmt.Fprintf(&b, "  {name = \"package_%d-1.%d.0-py3-none-any.whl\", url = \"https://files.example.org/packages/ab/cd/package_%d-1.%d.0-py3-none-any.whl\", size = %d, upload-time = 2025-01-01T00:00:00Z, hashes = {sha256 = \"%s\"}},\n", i, i, i, i, 20000+i, benchHex(i, j))
		}
		b.WriteString("]\n\n")
	}
	return []byte(b.String())
}

func benchUvLock() []byte {
	var b strings.Builder
	b.WriteString("version = 1\nrevision = 2\nrequires-python = \">=3.9\"\n\n")
	for i := 0; i < benchPackages; i++ {
		fmt.Fprintf(&b, "[[package]]\nname = \"package-%d\"\nversion = \"1.%d.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n", i, i)
		fmt.Fprintf(&b, "dependencies = [\n    { name = \"package-%d\" },\n]\n", i+1)
		fmt.Fprintf(&b, "sdist = { url = \"https://files.example.org/packages/ab/cd/package_%d-1.%d.0.tar.gz\", hash = \"sha256:%s\", size = %d, upload-time = \"2025-01-01T00:00:00Z\" }\n", i, i, benchHex(i, 0), 10000+i)
		b.WriteString("wheels = [\n")
		for j := 1; j <= 2; j++ {
			fmt.Fprintf(&b, "    { url = \"https://files.example.org/packages/ab/cd/package_%d-1.%d.0-cp3%d-none-any.whl\", hash = \"sha256:%s\", size = %d, upload-time = \"2025-01-01T00:00:00Z\" },\n", i, i, j, benchHex(i, j), 20000+i)
		}
		b.WriteString("]\n\n")
	}
	return []byte(b.String())
}

func runBench(b *testing.B, data []byte, wantEntries int, parse func([]byte) (*Lockfile, error)) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		lf, err := parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if len(lf.Entries) != wantEntries {
			b.Fatalf("%d entries, want %d", len(lf.Entries), wantEntries)
		}
	}
}

func BenchmarkRequirements300(b *testing.B) {
	runBench(b, benchRequirements(), benchPackages, func(d []byte) (*Lockfile, error) {
		return parseRequirements("requirements.txt", d, noIncludes)
	})
}

func BenchmarkPylock300(b *testing.B) {
	runBench(b, benchPylock(), 3*benchPackages, func(d []byte) (*Lockfile, error) {
		return parsePylock("pylock.toml", d)
	})
}

func BenchmarkUvLock300(b *testing.B) {
	runBench(b, benchUvLock(), 3*benchPackages, func(d []byte) (*Lockfile, error) {
		return parseUvLock("uv.lock", d)
	})
}

// The generated files must also be read correctly, or the numbers mean nothing.
func TestBenchFilesPositions(t *testing.T) {
	lf, err := parseUvLock("uv.lock", benchUvLock())
	if err != nil {
		t.Fatal(err)
	}
	last := lf.Entries[len(lf.Entries)-1]
	// Each package takes 13 lines after a 4-line header; its second wheel is its line 11.
	if want := 4 + 13*(benchPackages-1) + 11; last.Pos.Line != want || last.Filename != fmt.Sprintf("package_%d-1.%d.0-cp32-none-any.whl", benchPackages-1, benchPackages-1) {
		t.Errorf("last entry %v %s, want line %d", last.Pos, last.Filename, want)
	}
	lf, err = parsePylock("pylock.toml", benchPylock())
	if err != nil {
		t.Fatal(err)
	}
	last = lf.Entries[len(lf.Entries)-1]
	if want := 4 + 9*(benchPackages-1) + 7; last.Pos.Line != want {
		t.Errorf("pylock last entry %v, want line %d", last.Pos, want)
	}
	lf, err = parseRequirements("requirements.txt", benchRequirements(), noIncludes)
	if err != nil {
		t.Fatal(err)
	}
	last = lf.Entries[len(lf.Entries)-1]
	if want := 5 + 4*(benchPackages-1) + 1; last.Pos.Line != want || len(last.Hashes) != 2 {
		t.Errorf("requirements last entry %v, want line %d", last.Pos, want)
	}
}
