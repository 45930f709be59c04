package finder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// signedTUF is memTUF with some files signed as targets of their own: every fifth with the
// page's hash, every seventh with another one, and failing on one path when fail is set.
type signedTUF struct {
	memTUF
	fail  string
	calls int
}

func (m *signedTUF) Lookup(_ context.Context, path string) (*tuf.Target, error) {
	m.calls++
	if path == m.fail {
		return nil, &tuf.VerificationError{Path: path, Role: "unstable", Reason: "bad signature"}
	}
	var i int
	if _, err := fmt.Sscanf(path[strings.LastIndex(path, "/")+1:], "chunky-%d.0-py3-none-any.whl", &i); err != nil {
		return nil, &tuf.NotFoundError{Path: path}
	}
	t := &tuf.Target{Path: path, Length: 10, Role: "unstable", Chain: []string{"targets", "unstable"}, Signer: "unstable"}
	switch {
	case i%7 == 0:
		t.Hashes = map[string]string{"sha256": strings.Repeat("ab", 32)}
	case i%5 == 0:
		t.Hashes = map[string]string{"sha256": hashOf(path[strings.LastIndex(path, "/")+1:])}
	default:
		return nil, &tuf.NotFoundError{Path: path}
	}
	return t, nil
}

// batchTUFOf adds LookupEach to a signedTUF.
type batchTUFOf struct{ *signedTUF }

func (b batchTUFOf) LookupEach(ctx context.Context, paths []string) []tuf.LookupResult {
	out := make([]tuf.LookupResult, len(paths))
	for i, p := range paths {
		out[i].Target, out[i].Err = b.Lookup(ctx, p)
	}
	return out
}

func hashOf(fn string) string { return sha256Hex(fn) }

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// chunkyPage is a page of n wheels chunky-<i>.0, the third listed twice.
func chunkyPage(n int) []byte {
	page := &simpleindex.Page{Name: "chunky"}
	for i := range n {
		fn := fmt.Sprintf("chunky-%d.0-py3-none-any.whl", i)
		page.Files = append(page.Files, simpleindex.File{Filename: fn, URL: "../../packages/" + fn, Hashes: map[string]string{"sha256": sha256Hex(fn)}, Size: -1})
		if i == 2 {
			page.Files = append(page.Files, simpleindex.File{Filename: fn, URL: "../../other/" + fn, Size: -1})
		}
	}
	var buf strings.Builder
	if err := simpleindex.RenderHTML(&buf, page); err != nil {
		panic(err)
	}
	return []byte(buf.String())
}

// A page of several lookup chunks, looked up in batches while a second goroutine applies the
// trust rules, comes out exactly as one Lookup per file makes it: the same files in page
// order, the same skips and warnings, and a lookup that fails in a later chunk fails the
// project.
func TestChunkedLookupsAgreeWithOnePerFile(t *testing.T) {
	n := 2*lookupChunk + 300
	data := chunkyPage(n)
	page := &tuf.Target{Path: "simple/chunky/index.html", Role: "stable", Chain: []string{"targets", "stable"}}
	project := func(client TUF) (*Project, error) {
		f, err := New(Config{TUF: client, TargetsURL: "https://example.org/targets/"})
		if err != nil {
			t.Fatal(err)
		}
		return f.Project(context.Background(), "chunky")
	}
	one := &signedTUF{memTUF: memTUF{page: page, data: data}}
	want, err := project(one)
	if err != nil {
		t.Fatal(err)
	}
	batch := &signedTUF{memTUF: memTUF{page: page, data: data}}
	got, err := project(batchTUFOf{batch})
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Files) != n-(n+6)/7 || len(want.Skipped) != (n+6)/7 || len(want.Warnings) != 1 {
		t.Fatalf("one lookup per file: %d files, %d skipped, warnings %q", len(want.Files), len(want.Skipped), want.Warnings)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("chunked lookups differ from one per file")
	}
	if batch.calls != n+1 {
		t.Errorf("%d lookups for %d links", batch.calls, n+1)
	}

	fail := &signedTUF{memTUF: memTUF{page: page, data: data}, fail: fmt.Sprintf("packages/chunky-%d.0-py3-none-any.whl", 2*lookupChunk+10)}
	_, err = project(batchTUFOf{fail})
	var ve *tuf.VerificationError
	if !errors.As(err, &ve) || ve.Path != fail.fail {
		t.Errorf("a failing lookup in the third chunk: err = %v", err)
	}
}
