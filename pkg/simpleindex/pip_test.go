package simpleindex

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/testreq"
)

// pipLinks prints, as JSON, how pip's own index parser reads a page from stdin.
const pipLinks = `
import json, sys
from pip._internal.index.collector import IndexContent, parse_links
page = IndexContent(sys.stdin.buffer.read(), sys.argv[1], "utf-8", sys.argv[2], cache_link_parsing=False)
out = []
for l in parse_links(page):
    md = l.metadata_file_data
    out.append({"filename": l.filename, "url": l.url_without_fragment, "hashes": l._hashes or {},
                "requires_python": l.requires_python or "", "yanked_reason": l.yanked_reason,
                "metadata": None if md is None else (md.hashes or {})})
print(json.dumps(out))
`

type pipLink struct {
	Filename       string            `json:"filename"`
	URL            string            `json:"url"`
	Hashes         map[string]string `json:"hashes"`
	RequiresPython string            `json:"requires_python"`
	YankedReason   *string           `json:"yanked_reason"`
	Metadata       map[string]string `json:"metadata"`
}

// pythons returns the interpreters with pip available: python3 and pyenv's 3.13.
func pythons(t *testing.T) []string {
	var out []string
	if p, err := exec.LookPath("python3"); err == nil {
		out = append(out, p)
	}
	if root, err := exec.Command("pyenv", "root").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(root)), "versions", "3.13.0", "bin", "python")
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	var withPip []string
	for _, p := range out {
		if exec.Command(p, "-c", "import pip._internal.index.collector").Run() == nil {
			withPip = append(withPip, p)
		}
	}
	if len(withPip) == 0 {
		testreq.Missing(t, "no python3 with pip found (python3 on PATH, or pyenv's 3.13.0): cannot compare with pip's parser")
	}
	return withPip
}

// TestPipReadsOurPagesAsWeDo renders pages and has real pip parse them: every field
// pip uses must come out as our parser reads it, or the local index would tell pip
// something other than what tufpip verified.
func TestPipReadsOurPagesAsWeDo(t *testing.T) {
	for _, py := range pythons(t) {
		for _, form := range []struct {
			contentType string
			render      func(*bytes.Buffer, *Page) error
		}{
			{ContentTypeHTML, func(b *bytes.Buffer, p *Page) error { return RenderHTML(b, p) }},
			{ContentTypeJSON, func(b *bytes.Buffer, p *Page) error { return RenderJSON(b, p) }},
		} {
			var buf bytes.Buffer
			if err := form.render(&buf, awkwardPage()); err != nil {
				t.Fatal(err)
			}
			ours, err := Parse(buf.Bytes(), form.contentType, mustURL(t, roundTripURL), nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			cmd := exec.CommandContext(ctx, py, "-c", pipLinks, form.contentType, roundTripURL)
			cmd.Stdin = bytes.NewReader(buf.Bytes())
			stdout, err := cmd.Output()
			cancel()
			if err != nil {
				t.Fatalf("%s: %v", py, err)
			}
			var links []pipLink
			if err := json.Unmarshal(stdout, &links); err != nil {
				t.Fatalf("%s: %v: %s", py, err, stdout)
			}
			if len(links) != len(ours.Files) {
				t.Fatalf("%s %s: pip sees %d links, we see %d files", py, form.contentType, len(links), len(ours.Files))
			}
			for i, f := range ours.Files {
				want := pipLink{Filename: f.Filename, URL: f.URL, Hashes: f.Hashes, RequiresPython: f.RequiresPython,
					Metadata: f.CoreMetadata}
				if want.Hashes == nil {
					want.Hashes = map[string]string{}
				}
				if f.Yanked {
					want.YankedReason = &f.YankedReason
				}
				// pip re-quotes reserved characters in paths ("&" as %26); the same
				// path either way.
				if samePath(links[i].URL, want.URL) {
					links[i].URL = want.URL
				}
				if !reflect.DeepEqual(links[i], want) {
					t.Errorf("%s %s file %d:\n pip  %+v\n ours %+v", py, form.contentType, i, links[i], want)
				}
			}
		}
	}
}

func samePath(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && ua.Host == ub.Host &&
		ua.Path == ub.Path && ua.RawQuery == ub.RawQuery
}
