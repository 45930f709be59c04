package pyfix

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"testing"
)

func unzip(t *testing.T, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(b)
	}
	return out
}

func TestWheelLayout(t *testing.T) {
	name, data := Wheel(t, WheelSpec{Name: "Foo.Bar", Version: "1.0.post1", Build: "2",
		Tags:           []string{"cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"},
		RequiresPython: ">=3.8", RequiresDist: []string{"six>=1", "idna; extra == 'x'"}})
	if want := "foo_bar-1.0.post1-2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"; name != want {
		t.Errorf("filename = %s, want %s", name, want)
	}
	files := unzip(t, data)
	meta := files["foo_bar-1.0.post1.dist-info/METADATA"]
	for _, line := range []string{"Metadata-Version: 2.1", "Name: Foo.Bar", "Version: 1.0.post1",
		"Requires-Python: >=3.8", "Requires-Dist: six>=1", "Requires-Dist: idna; extra == 'x'"} {
		if !strings.Contains(meta, line+"\n") {
			t.Errorf("METADATA lacks %q:\n%s", line, meta)
		}
	}
	wheel := files["foo_bar-1.0.post1.dist-info/WHEEL"]
	for _, line := range []string{"Tag: cp311-cp311-manylinux_2_17_x86_64", "Tag: cp311-cp311-manylinux2014_x86_64", "Build: 2", "Root-Is-Purelib: true"} {
		if !strings.Contains(wheel, line+"\n") {
			t.Errorf("WHEEL lacks %q:\n%s", line, wheel)
		}
	}
	if got := files["foo_bar/__init__.py"]; got != "__version__ = \"1.0.post1\"\n" {
		t.Errorf("__init__.py = %q", got)
	}
	// Every file but RECORD itself is in RECORD with its real hash and size.
	record := files["foo_bar-1.0.post1.dist-info/RECORD"]
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(record), "\n") {
		parts := strings.Split(line, ",")
		if len(parts) != 3 {
			t.Fatalf("RECORD line %q", line)
		}
		listed[parts[0]] = true
		if strings.HasSuffix(parts[0], "/RECORD") {
			continue
		}
		sum := sha256.Sum256([]byte(files[parts[0]]))
		want := fmt.Sprintf("sha256=%s", base64.RawURLEncoding.EncodeToString(sum[:]))
		if parts[1] != want || parts[2] != fmt.Sprint(len(files[parts[0]])) {
			t.Errorf("RECORD %q, want hash %s size %d", line, want, len(files[parts[0]]))
		}
	}
	for f := range files {
		if !listed[f] {
			t.Errorf("%s missing from RECORD", f)
		}
	}
	// Reproducible: a seeded generator relies on identical bytes.
	if _, again := Wheel(t, WheelSpec{Name: "Foo.Bar", Version: "1.0.post1", Build: "2",
		Tags:           []string{"cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"},
		RequiresPython: ">=3.8", RequiresDist: []string{"six>=1", "idna; extra == 'x'"}}); !bytes.Equal(again, data) {
		t.Error("building the same wheel twice gave different bytes")
	}
}

func TestBadSpecs(t *testing.T) {
	for _, s := range []WheelSpec{
		{Name: "", Version: "1"},
		{Name: "a", Version: ""},
		{Name: "a", Version: "1.0-1"},
		{Name: "-a", Version: "1"},
		{Name: "a", Version: "1", Build: "x1"},
		{Name: "a", Version: "1", Tags: []string{"py3-none"}},
	} {
		if _, _, err := BuildWheel(s); err == nil {
			t.Errorf("BuildWheel(%+v) succeeded", s)
		}
	}
	if _, _, err := BuildSdist(SdistSpec{Name: "a", Version: "1/2"}); err == nil {
		t.Error("BuildSdist with a slash in the version succeeded")
	}
}

func TestSdistLayout(t *testing.T) {
	name, data := Sdist(t, SdistSpec{Name: "Foo-Bar", Version: "2.0rc1", RequiresPython: "<4"})
	if name != "foo_bar-2.0rc1.tar.gz" {
		t.Errorf("filename = %s", name)
	}
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	got := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		got[h.Name] = string(b)
	}
	for _, f := range []string{"foo_bar-2.0rc1/PKG-INFO", "foo_bar-2.0rc1/pyproject.toml",
		"foo_bar-2.0rc1/pyfix_backend.py", "foo_bar-2.0rc1/foo_bar/__init__.py"} {
		if _, ok := got[f]; !ok {
			t.Errorf("sdist lacks %s (has %v)", f, sortedKeys(got))
		}
	}
	if !strings.Contains(got["foo_bar-2.0rc1/PKG-INFO"], "Requires-Python: <4\n") {
		t.Errorf("PKG-INFO:\n%s", got["foo_bar-2.0rc1/PKG-INFO"])
	}
}

func TestProjectOf(t *testing.T) {
	for in, want := range map[string]string{
		"foo_bar-1.0-py3-none-any.whl": "foo_bar",
		"foo-bar-1.0.tar.gz":           "foo-bar",
		"foo_bar-1.0.zip":              "foo_bar",
	} {
		if got, err := ProjectOf(in); err != nil || got != want {
			t.Errorf("ProjectOf(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"foo.exe", "foo.tar.gz", "-1.0.whl"} {
		if got, err := ProjectOf(bad); err == nil {
			t.Errorf("ProjectOf(%s) = %q, want an error", bad, got)
		}
	}
}
