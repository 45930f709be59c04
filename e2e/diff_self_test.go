package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/pyfix"
)

// TestDiffSidesCatchesDisagreement keeps the differential test honest: each way tufpip
// could disagree with pip must be reported, and agreement must not be.
func TestDiffSidesCatchesDisagreement(t *testing.T) {
	a1 := genFile{Filename: "a-1.0-py3-none-any.whl", Data: []byte("one")}
	a2 := genFile{Filename: "a-2.0-py3-none-any.whl", Data: []byte("two")}
	projects := []genProject{
		{Name: "a", Requirement: "a", Files: []genFile{a1, a2}},
		{Name: "b", Requirement: "b>5", Unstable: true, Files: []genFile{{Filename: "b-1.0.tar.gz", Data: []byte("b")}}},
	}
	pip := &pyfix.DryRun{
		Chosen:  map[string]pyfix.Choice{"a": {Project: "a", Filename: a2.Filename}},
		NoMatch: map[string]string{"b": "ERROR: No matching distribution found for b>5"},
	}
	sum := sha256.Sum256(a2.Data)
	agree := func() map[string]resolveResult {
		var out resolveJSON
		doc := `{"results": [
			{"requirement": "a", "project": "a", "version": "2.0", "role": "stable",
			 "file": {"filename": "a-2.0-py3-none-any.whl", "sha256": "` + hex.EncodeToString(sum[:]) + `",
			          "targetPath": "packages/a-2.0-py3-none-any.whl", "size": 3}},
			{"requirement": "b>5", "project": "b", "version": null, "file": null, "error": "no match"}]}`
		if err := json.Unmarshal([]byte(doc), &out); err != nil {
			t.Fatal(err)
		}
		m := map[string]resolveResult{}
		for _, r := range out.Results {
			m[r.Project] = r
		}
		return m
	}
	if d := diffSides(projects, pip, agree()); len(d) != 0 {
		t.Fatalf("agreeing sides reported as different: %v", d)
	}
	for name, mutate := range map[string]func(m map[string]resolveResult){
		"other file":   func(m map[string]resolveResult) { r := m["a"]; r.File.Filename = a1.Filename; m["a"] = r },
		"missing":      func(m map[string]resolveResult) { delete(m, "a") },
		"none vs file": func(m map[string]resolveResult) { r := m["a"]; r.File = nil; m["a"] = r },
		"role":         func(m map[string]resolveResult) { r := m["a"]; r.Role = "unstable"; m["a"] = r },
		"hash":         func(m map[string]resolveResult) { r := m["a"]; r.File.SHA256 = strings.Repeat("0", 64); m["a"] = r },
		"no error":     func(m map[string]resolveResult) { r := m["b"]; r.Error = ""; m["b"] = r },
		"size":         func(m map[string]resolveResult) { r := m["a"]; r.File.Size = 4; m["a"] = r },
		"target path": func(m map[string]resolveResult) {
			r := m["a"]
			r.File.TargetPath = "a-2.0-py3-none-any.whl"
			m["a"] = r
		},
		"no version":    func(m map[string]resolveResult) { r := m["a"]; r.Version = nil; m["a"] = r },
		"file for none": func(m map[string]resolveResult) { r := m["b"]; r.File = m["a"].File; m["b"] = r },
	} {
		m := agree()
		mutate(m)
		if d := diffSides(projects, pip, m); len(d) != 1 {
			t.Errorf("%s: %d differences reported, want 1: %v", name, len(d), d)
		}
	}
}
