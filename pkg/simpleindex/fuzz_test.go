package simpleindex

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Seeds beyond testdata/fuzz: every golden page.
func addGoldenSeeds(f *testing.F, ext string) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "golden", "*"+ext))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}

// checkFiles holds for every file a parser returns, whatever the input.
func checkFiles(t *testing.T, p *Page) {
	for i, f := range p.Files {
		if f.Filename == "" || f.URL == "" {
			t.Fatalf("files[%d] without filename or url: %+v", i, f)
		}
		if strings.Contains(f.URL, "#") {
			t.Fatalf("files[%d].URL keeps a fragment: %q", i, f.URL)
		}
		if f.Size < -1 {
			t.Fatalf("files[%d].Size %d", i, f.Size)
		}
		for _, h := range []map[string]string{f.Hashes, f.CoreMetadata} {
			for algo, hex := range h {
				if _, known := digestHexLen[algo]; !known {
					t.Fatalf("files[%d]: unknown algorithm %q kept", i, algo)
				}
				if got, ok := checkDigest(algo, hex); !ok || got != hex {
					t.Fatalf("files[%d]: %s digest %q is not lowercase hex of the right length", i, algo, hex)
				}
			}
		}
	}
}

func FuzzParseHTML(f *testing.F) {
	addGoldenSeeds(f, ".html")
	base := mustURL(f, "https://example.org/targets/simple/foo/index.html")
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseHTML(data, base, nil)
		if err != nil {
			return // only an unsupported version is an error; it has been reported
		}
		checkFiles(t, p)
		// What we parsed, we must be able to serve, and read back the same.
		var buf bytes.Buffer
		if err := RenderHTML(&buf, p); err != nil {
			t.Fatalf("cannot render a parsed page: %v", err)
		}
		again, err := ParseHTML(buf.Bytes(), base, nil)
		if err != nil {
			t.Fatalf("cannot parse our own rendering: %v\n%s", err, buf.Bytes())
		}
		if again.Name != p.Name || len(again.Files) != len(p.Files) {
			t.Fatalf("round trip: name %q -> %q, %d -> %d files\n%s", p.Name, again.Name, len(p.Files), len(again.Files), buf.Bytes())
		}
		for i := range p.Files {
			if want := htmlView(p.Files[i]); !reflect.DeepEqual(again.Files[i], want) {
				t.Fatalf("round trip of files[%d]:\n got  %+v\n want %+v\n%s", i, again.Files[i], want, buf.Bytes())
			}
		}
	})
}

func FuzzParseJSON(f *testing.F) {
	addGoldenSeeds(f, ".json")
	base := mustURL(f, "https://example.org/targets/simple/foo/index.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseJSON(data, base, nil)
		if err != nil {
			return
		}
		checkFiles(t, p)
		var buf bytes.Buffer
		if err := RenderJSON(&buf, p); err != nil {
			t.Fatalf("cannot render a parsed page: %v", err)
		}
		again, err := ParseJSON(buf.Bytes(), base, nil)
		if err != nil {
			t.Fatalf("cannot parse our own rendering: %v\n%s", err, buf.Bytes())
		}
		// The rendering declares 1.1 and truncates times to microseconds (PEP 700).
		want := *p
		want.APIVersion = APIVersion
		if len(want.Versions) == 0 {
			want.Versions = []string{}
		}
		want.Files = make([]File, len(p.Files))
		copy(want.Files, p.Files)
		for i := range want.Files {
			want.Files[i].UploadTime = want.Files[i].UploadTime.Truncate(time.Microsecond)
		}
		if !reflect.DeepEqual(*again, want) {
			t.Fatalf("round trip:\n got  %+v\n want %+v\n%s", *again, want, buf.Bytes())
		}
	})
}
