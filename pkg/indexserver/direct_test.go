package indexserver

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestScanMetadata(t *testing.T) {
	refused := []string{
		"Metadata-Version: 2.1\nName: a\nRequires-Dist: evil @ https://x/evil.whl\n",
		"Name: a\r\nrequires-dist:evil@https://x/evil.whl\r\n",
		"Name: a\rREQUIRES-DIST: evil\r @ https://x/e.whl\r",
		"Name: a\nRequires-Dist: evil[x] @ git+https://x/e.git ; python_version > '3'\n",
		"Name: a\nRequires-Dist: evil\n @ file:///tmp/e.whl\n",
		"Name: a\nRequires-Dist: e vil @ https://x\n", // unreadable, with "@"
	}
	for _, m := range refused {
		var de *DirectDependencyError
		if err := scanMetadata([]byte(m)); !errors.As(err, &de) {
			t.Errorf("%q: %v, want a DirectDependencyError", m, err)
		}
	}
	passed := []string{
		"Name: a\nRequires-Dist: lib>=1.0\nRequires-Dist: x; extra == 'a'\n",
		"Name: a\nDescription: evil @ https://x\n",
		"Name: a\n\nRequires-Dist: evil @ https://x (in the description body)\n",
	}
	for _, m := range passed {
		if err := scanMetadata([]byte(m)); err != nil {
			t.Errorf("%q: %v", m, err)
		}
	}
}

func TestCheckDirectDependenciesWheel(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct{ name, data string }{
		{"a-1.0.dist-info/METADATA", "Name: a\nRequires-Dist: lib\n"},
		{"a-1.0.dist-info/METADATA", "Name: a\nRequires-Dist: evil @ https://x/e.whl\n"}, // a duplicate entry
	} {
		w, _ := zw.Create(f.name)
		w.Write([]byte(f.data))
	}
	zw.Close()
	path := filepath.Join(t.TempDir(), "a-1.0-py3-none-any.whl")
	os.WriteFile(path, buf.Bytes(), 0o644)
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var de *DirectDependencyError
	if err := checkDirectDependencies(fh, "a-1.0-py3-none-any.whl"); !errors.As(err, &de) {
		t.Errorf("duplicate METADATA with a URL dependency: %v", err)
	}
}
