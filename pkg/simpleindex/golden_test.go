package simpleindex

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const goldenPageURL = "https://example.org/targets/simple/sampleproject/index.html"

// checkGolden compares got with testdata/golden/name, or rewrites it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// TestGoldenParse parses each page in testdata/golden and compares the model, and the
// warnings logged, with <page>.golden.
func TestGoldenParse(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "golden", "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, in := range inputs {
		base := filepath.Base(in)
		if strings.HasSuffix(base, ".golden") || strings.HasPrefix(base, "render.") {
			continue
		}
		n++
		t.Run(base, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			rec, log := newRecorder()
			p, err := Parse(data, "", mustURL(t, goldenPageURL), log)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			enc := json.NewEncoder(&out)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(struct {
				Page     *Page
				Warnings []string
			}{p, rec.warnings()}); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, base+".golden", out.Bytes())
		})
	}
	if n < 3 {
		t.Fatalf("only %d golden inputs found", n)
	}
}

// TestGoldenRender pins the exact bytes the local index serves.
func TestGoldenRender(t *testing.T) {
	var h, j bytes.Buffer
	if err := RenderHTML(&h, awkwardPage()); err != nil {
		t.Fatal(err)
	}
	if err := RenderJSON(&j, awkwardPage()); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "render.html", h.Bytes())
	checkGolden(t, "render.json", j.Bytes())
}
