package simpleindex

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

const jsonPageURL = "https://example.org/targets/simple/foo/index.json"

func jsonDoc(files string) string {
	return `{"meta": {"api-version": "1.1"}, "name": "foo", "files": [` + files + `], "versions": ["1.0"]}`
}

func TestJSONFiles(t *testing.T) {
	cases := []struct {
		name, file string
		want       File
	}{
		{"pypi style with nulls",
			`{"filename": "foo-1.0.tar.gz", "url": "https://files.example/foo-1.0.tar.gz",
			  "hashes": {"sha256": "` + hexA + `"}, "requires-python": null, "yanked": false,
			  "core-metadata": false, "data-dist-info-metadata": false, "size": 1234,
			  "upload-time": "2023-05-01T12:34:56.123456Z"}`,
			File{Filename: "foo-1.0.tar.gz", URL: "https://files.example/foo-1.0.tar.gz",
				Hashes: map[string]string{"sha256": hexA}, Size: 1234,
				UploadTime: time.Date(2023, 5, 1, 12, 34, 56, 123456000, time.UTC)}},
		{"relative url, no fraction, uppercase hash",
			`{"filename": "foo-1.0.zip", "url": "../../packages/foo-1.0.zip", "hashes": {"SHA256": "` + strings.ToUpper(hexA) + `"},
			  "upload-time": "2023-05-01T12:34:56Z"}`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/packages/foo-1.0.zip",
				Hashes: map[string]string{"sha256": hexA}, Size: -1,
				UploadTime: time.Date(2023, 5, 1, 12, 34, 56, 0, time.UTC)}},
		{"minimal file: hashes may be empty",
			`{"filename": "foo-1.0.zip", "url": "foo-1.0.zip", "hashes": {}}`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip", Size: -1}},
		{"requires-python is taken literally",
			`{"filename": "foo-1.0.zip", "url": "foo-1.0.zip", "hashes": {}, "requires-python": ">=3.8,<4"}`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip",
				RequiresPython: ">=3.8,<4", Size: -1}},
		{"yanked true",
			`{"filename": "foo-1.0.zip", "url": "foo-1.0.zip", "hashes": {}, "yanked": true}`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip", Yanked: true, Size: -1}},
		{"yanked reason",
			`{"filename": "foo-1.0.zip", "url": "foo-1.0.zip", "hashes": {}, "yanked": "broken <b> & \"bad\""}`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip",
				Yanked: true, YankedReason: `broken <b> & "bad"`, Size: -1}},
		{"yanked empty string is still yanked",
			`{"filename": "foo-1.0.zip", "url": "foo-1.0.zip", "hashes": {}, "yanked": ""}`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip", Yanked: true, Size: -1}},
		{"core-metadata true",
			`{"filename": "foo-1.0.whl", "url": "foo-1.0.whl", "hashes": {}, "core-metadata": true}`,
			File{Filename: "foo-1.0.whl", URL: "https://example.org/targets/simple/foo/foo-1.0.whl",
				CoreMetadata: map[string]string{}, Size: -1}},
		{"core-metadata hashes",
			`{"filename": "foo-1.0.whl", "url": "foo-1.0.whl", "hashes": {}, "core-metadata": {"sha256": "` + hexB + `"}}`,
			File{Filename: "foo-1.0.whl", URL: "https://example.org/targets/simple/foo/foo-1.0.whl",
				CoreMetadata: map[string]string{"sha256": hexB}, Size: -1}},
		{"legacy dist-info-metadata",
			`{"filename": "foo-1.0.whl", "url": "foo-1.0.whl", "hashes": {}, "dist-info-metadata": {"sha256": "` + hexB + `"}}`,
			File{Filename: "foo-1.0.whl", URL: "https://example.org/targets/simple/foo/foo-1.0.whl",
				CoreMetadata: map[string]string{"sha256": hexB}, Size: -1}},
		{"pypi's data-dist-info-metadata",
			`{"filename": "foo-1.0.whl", "url": "foo-1.0.whl", "hashes": {}, "data-dist-info-metadata": true}`,
			File{Filename: "foo-1.0.whl", URL: "https://example.org/targets/simple/foo/foo-1.0.whl",
				CoreMetadata: map[string]string{}, Size: -1}},
		{"core-metadata false beats legacy? no: first present wins",
			`{"filename": "foo-1.0.whl", "url": "foo-1.0.whl", "hashes": {}, "core-metadata": {"sha256": "` + hexA + `"}, "dist-info-metadata": {"sha256": "` + hexB + `"}}`,
			File{Filename: "foo-1.0.whl", URL: "https://example.org/targets/simple/foo/foo-1.0.whl",
				CoreMetadata: map[string]string{"sha256": hexA}, Size: -1}},
		{"null core-metadata falls back to the legacy key",
			`{"filename": "foo-1.0.whl", "url": "foo-1.0.whl", "hashes": {}, "core-metadata": null, "dist-info-metadata": true}`,
			File{Filename: "foo-1.0.whl", URL: "https://example.org/targets/simple/foo/foo-1.0.whl",
				CoreMetadata: map[string]string{}, Size: -1}},
		{"false core-metadata does not, as in pip",
			`{"filename": "foo-1.0.whl", "url": "foo-1.0.whl", "hashes": {}, "core-metadata": false, "dist-info-metadata": true}`,
			File{Filename: "foo-1.0.whl", URL: "https://example.org/targets/simple/foo/foo-1.0.whl", Size: -1}},
		{"unknown keys and algorithms ignored, fragment dropped",
			`{"filename": "foo-1.0.zip", "url": "foo-1.0.zip#sha256=` + hexB + `", "hashes": {"sha256": "` + hexA + `", "crc32": "abcd"},
			  "gpg-sig": false, "provenance": null, "x": {"y": [1, 2]}}`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip",
				Hashes: map[string]string{"sha256": hexA}, Size: -1}},
		{"upload-time with offset and fewer digits",
			`{"filename": "foo-1.0.zip", "url": "foo-1.0.zip", "hashes": {}, "upload-time": "2023-05-01T14:34:56.5+02:00"}`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip", Size: -1,
				UploadTime: time.Date(2023, 5, 1, 12, 34, 56, 500000000, time.UTC)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec, log := newRecorder()
			p, err := ParseJSON([]byte(jsonDoc(c.file)), mustURL(t, jsonPageURL), log)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Files) != 1 {
				t.Fatalf("%d files; warnings %q", len(p.Files), rec.warnings())
			}
			if !reflect.DeepEqual(p.Files[0], c.want) {
				t.Errorf("got  %+v\nwant %+v", p.Files[0], c.want)
			}
			if w := rec.warnings(); len(w) > 0 {
				t.Errorf("unexpected warnings %q", w)
			}
		})
	}
}

func TestJSONPageFields(t *testing.T) {
	p, err := ParseJSON([]byte(`{"meta": {"api-version": "1.1", "_last-serial": 42}, "name": "Foo.Bar",
		"files": [], "versions": ["1.0", "2.0rc1"], "alternate-locations": []}`), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Foo.Bar" || p.APIVersion != "1.1" || !reflect.DeepEqual(p.Versions, []string{"1.0", "2.0rc1"}) || len(p.Files) != 0 {
		t.Errorf("page %+v", p)
	}
}

func TestJSONSkipsFilesWithoutFilenameOrURL(t *testing.T) {
	rec, log := newRecorder()
	p, err := ParseJSON([]byte(jsonDoc(`{"url": "a-1.zip", "hashes": {}}, {"filename": "b-1.zip", "hashes": {}},
		{"filename": "", "url": "c-1.zip"}, {"filename": "d-1.zip", "url": "d-1.zip"},
		{"filename": "e-1.zip", "url": "javascript:alert(1)"}, {"filename": "f-1.zip", "url": "http://[::1"}`)),
		mustURL(t, jsonPageURL), log)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 1 || p.Files[0].Filename != "d-1.zip" {
		t.Errorf("files %+v, want only d-1.zip", p.Files)
	}
	if n := len(rec.warnings()); n != 5 {
		t.Errorf("%d warnings %q, want 5", n, rec.warnings())
	}
}

func TestJSONMalformedHashesWarned(t *testing.T) {
	rec, log := newRecorder()
	p, err := ParseJSON([]byte(jsonDoc(`{"filename": "a-1.zip", "url": "a-1.zip", "hashes": {"sha256": "abc"}}`)), nil, log)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 1 || p.Files[0].Hashes != nil {
		t.Errorf("files %+v, want one without hashes", p.Files)
	}
	if !rec.has("malformed sha256") {
		t.Errorf("warnings %q", rec.warnings())
	}
}

func TestJSONErrorsNameTheField(t *testing.T) {
	file := func(extra string) string {
		return `{"filename": "a-1.zip", "url": "a-1.zip", "hashes": {}` + extra + `}`
	}
	two := file("") + ", "
	cases := []struct{ doc, field, msg string }{
		{jsonDoc(two + file(`, "size": "12"`)), "files[1].size", "expected an integer, got string"},
		{jsonDoc(two + file(`, "size": 1.5`)), "files[1].size", "expected an integer"},
		{jsonDoc(two + file(`, "size": -3`)), "files[1].size", "must not be negative"},
		{jsonDoc(file(`, "filename": 3`)), "files[0].filename", "expected a string, got number"},
		{jsonDoc(two + two + file(`, "hashes": ["sha256"]`)), "files[2].hashes", "expected an object, got array"},
		{jsonDoc(file(`, "hashes": {"sha256": 5}`)), "files[0].hashes", "expected a string, got number"},
		{jsonDoc(file(`, "requires-python": 3`)), "files[0].requires-python", "expected a string"},
		{jsonDoc(two + file(`, "yanked": 1`)), "files[1].yanked", "expected a boolean or a string"},
		{jsonDoc(file(`, "core-metadata": "sha256=abc"`)), "files[0].core-metadata", "expected a boolean or an object of hashes"},
		{jsonDoc(two + file(`, "dist-info-metadata": []`)), "files[1].dist-info-metadata", "expected a boolean or an object of hashes"},
		{jsonDoc(file(`, "upload-time": "yesterday"`)), "files[0].upload-time", "is not a yyyy-mm-ddThh:mm:ss.ffffffZ time"},
		{jsonDoc(file(`, "upload-time": 1683000000`)), "files[0].upload-time", "expected a string, got number"},
		{`{"meta": {"api-version": 1.1}, "files": []}`, "meta.api-version", "expected a string, got number"},
		{`{"meta": {"api-version": "1.1"}, "name": ["foo"], "files": []}`, "name", "expected a string, got array"},
		{`{"meta": {"api-version": "1.1"}, "files": {}}`, "files", "expected an array, got object"},
		{`{"meta": {"api-version": "1.1"}, "files": [], "versions": [1]}`, "versions", "expected a string, got number"},
		{`{"meta": {"api-version": "1.1"}, "files": [3]}`, "files", "expected an object, got number"},
		{`[]`, "", "expected an object, got array"},
		{`{"meta": {"api-version": "1.1"}, "files": [}`, "", "invalid json"},
		{``, "", "invalid json"},
	}
	for _, c := range cases {
		_, err := ParseJSON([]byte(c.doc), mustURL(t, jsonPageURL), nil)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: err %v, want a *ParseError", c.doc, err)
			continue
		}
		if !strings.HasPrefix(pe.Field, c.field) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s:\n  field %q, message %q\n  want field %q and %q", c.doc, pe.Field, err, c.field, c.msg)
		}
		if !strings.HasPrefix(err.Error(), jsonPageURL+": ") {
			t.Errorf("%s: message %q does not start with the page", c.doc, err)
		}
	}
}

func TestJSONAPIVersion(t *testing.T) {
	cases := []struct {
		doc, want  string
		fail, warn bool
	}{
		{`{"meta": {"api-version": "1.0"}, "files": []}`, "1.0", false, false},
		{`{"meta": {"api-version": "1.1"}, "files": []}`, "1.1", false, false},
		{`{"meta": {"api-version": "1.3"}, "files": []}`, "1.3", false, false},
		{`{"meta": {"api-version": "1.7"}, "files": []}`, "1.7", false, true},
		{`{"meta": {"api-version": "2.0"}, "files": []}`, "", true, false},
		{`{"meta": {"api-version": "v1"}, "files": []}`, "", true, false},
		{`{"files": []}`, "1.0", false, false},
	}
	for _, c := range cases {
		newerWarned.Store(false)
		rec, log := newRecorder()
		p, err := ParseJSON([]byte(c.doc), nil, log)
		if c.fail {
			var ve *VersionError
			if !errors.As(err, &ve) {
				t.Errorf("%s: err %v, want *VersionError", c.doc, err)
			}
			continue
		}
		if err != nil || p.APIVersion != c.want {
			t.Errorf("%s: %v, %v", c.doc, p, err)
			continue
		}
		if got := rec.has("newer than the"); got != c.warn {
			t.Errorf("%s: warned %v, want %v", c.doc, got, c.warn)
		}
	}
}
