package finder

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// memTUF serves one page target from memory and lists no files as targets, so every file is
// trusted through the page's sha256: the benchmark measures parsing, the trust rules and
// pip's selection, not the network.
type memTUF struct {
	page *tuf.Target
	data []byte
}

func (m *memTUF) Find(_ context.Context, path string, _ tuf.Query) ([]*tuf.Target, error) {
	if path != m.page.Path {
		return nil, &tuf.NotFoundError{Path: path}
	}
	return []*tuf.Target{m.page}, nil
}

func (m *memTUF) Lookup(_ context.Context, path string) (*tuf.Target, error) {
	return nil, &tuf.NotFoundError{Path: path}
}

func (m *memTUF) Fetch(context.Context, *tuf.Target) ([]byte, error) { return m.data, nil }

// bigPage renders a page of n files like a popular project's: 2,000 versions with five
// wheels for different platforms (cp39-cp313 manylinux/macOS/Windows) or an sdist.
func bigPage(n int) []byte {
	page := &simpleindex.Page{Name: "bigproj"}
	plats := []string{"manylinux_2_17_x86_64.manylinux2014_x86_64", "macosx_11_0_arm64", "win_amd64", "musllinux_1_1_x86_64"}
	for i := 0; len(page.Files) < n; i++ {
		v := fmt.Sprintf("%d.%d.%d", i/100, (i/10)%10, i%10)
		for j := 0; j < 5 && len(page.Files) < n; j++ {
			fn := fmt.Sprintf("bigproj-%s.tar.gz", v)
			if j > 0 {
				py := 38 + j
				fn = fmt.Sprintf("bigproj-%s-cp%d-cp%d-%s.whl", v, py, py, plats[(i+j)%len(plats)])
			}
			sum := sha256.Sum256([]byte(fn))
			page.Files = append(page.Files, simpleindex.File{
				Filename: fn, URL: "../../packages/" + fn, Hashes: map[string]string{"sha256": hex.EncodeToString(sum[:])},
				RequiresPython: ">=3.8", Size: -1,
			})
		}
	}
	var buf bytes.Buffer
	if err := simpleindex.RenderHTML(&buf, page); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// BenchmarkProjectAndSelect is issue 4's benchmark: a page of 10,000 files (about 3 MB of
// HTML) parsed, checked against the trust rules and resolved for one interpreter.
func BenchmarkProjectAndSelect(b *testing.B) {
	data := bigPage(10000)
	b.ReportMetric(float64(len(data))/1e6, "MB-page")
	env, err := resolve.NewEnvironment(resolve.TargetOptions{PythonVersion: "3.11", Platforms: []string{"manylinux_2_17_x86_64"}, Implementation: "cp"})
	if err != nil {
		b.Fatal(err)
	}
	req, err := resolve.ParseRequirement("bigproj>=10,<15")
	if err != nil {
		b.Fatal(err)
	}
	client := &memTUF{page: &tuf.Target{Path: "simple/bigproj/index.html", Role: "stable", Chain: []string{"targets", "stable"}}, data: data}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := New(Config{TUF: client, TargetsURL: "https://example.org/targets/"})
		if err != nil {
			b.Fatal(err)
		}
		p, err := f.Project(context.Background(), "bigproj")
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Files) != 10000 {
			b.Fatalf("%d trusted files", len(p.Files))
		}
		sel := resolve.Select(req, p.Candidates(), env, resolve.Options{})
		if sel.Best == nil || sel.Best.Dist.Version.String() != "14.9.9" {
			b.Fatalf("best = %+v", sel.Best)
		}
	}
}

// twoPages serves a stable page and a lower-precedence unstable page of any signed length.
type twoPages struct {
	memTUF
	lower *tuf.Target
}

func (m *twoPages) Find(_ context.Context, path string, _ tuf.Query) ([]*tuf.Target, error) {
	return []*tuf.Target{m.page, m.lower}, nil
}

func (m *twoPages) Fetch(_ context.Context, t *tuf.Target) ([]byte, error) {
	if t == m.lower {
		panic("the oversized lower page was fetched")
	}
	return m.data, nil
}

// An unstable page too large to be worth reading for an explanation is not read.
func TestExplainSkipsHugeLowerPage(t *testing.T) {
	client := &twoPages{
		memTUF: memTUF{page: &tuf.Target{Path: "simple/bigproj/index.html", Role: "stable", Chain: []string{"targets", "stable"}}, data: bigPage(3)},
		lower:  &tuf.Target{Path: "simple/bigproj/index.html", Role: "unstable", Length: 60 << 20, Chain: []string{"targets", "unstable"}},
	}
	f, err := New(Config{TUF: client, TargetsURL: "https://example.org/targets/", Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.Project(context.Background(), "bigproj")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 3 || len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "role unstable's page is 62914560 bytes") {
		t.Errorf("files %d, warnings %q", len(p.Files), p.Warnings)
	}
}
