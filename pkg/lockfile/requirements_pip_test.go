package lockfile

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/testreq"
)

// These tests compare the requirements reader with pip's own requirements-file
// parser (pip._internal.req.req_file), line by line, on files written to make the
// two disagree if either differs from pip's rules: continuation, comments, Python's
// line separators, option abbreviations, includes.

// pipDump prints, for every line pip's parser yields (following -r/-c), its file,
// line, requirement text, hashes and index options, as JSON.
const pipDump = `
import json, os, sys
from pip._internal.req.req_file import RequirementsFileParser, get_line_parser
out = []
try:
    for pl in RequirementsFileParser(None, get_line_parser(None)).parse(sys.argv[1], False):
        o = pl.opts
        d = {"file": os.path.relpath(pl.filename, os.path.dirname(sys.argv[1])), "line": pl.lineno,
             "constraint": pl.constraint, "req": None, "editable": False, "hashes": [], "index": []}
        if pl.is_requirement:
            d["req"] = pl.requirement.strip()
            d["editable"] = pl.is_editable
            for algo, digests in sorted((getattr(o, "hashes", None) or {}).items()):
                d["hashes"] += sorted(set(algo + ":" + x for x in digests))
        if o.index_url: d["index"].append("--index-url " + o.index_url)
        for u in o.extra_index_urls or []: d["index"].append("--extra-index-url " + u)
        for u in o.find_links or []: d["index"].append("--find-links " + u)
        for u in getattr(o, "trusted_hosts", None) or []: d["index"].append("--trusted-host " + u)
        if o.no_index: d["index"].append("--no-index")
        d["index"].sort()
        out.append(d)
except Exception as e:
    out = {"error": type(e).__name__ + ": " + str(e)}
print(json.dumps(out))
`

type pipLine struct {
	File       string   `json:"file"`
	Line       int      `json:"line"`
	Constraint bool     `json:"constraint"`
	Req        *string  `json:"req"`
	Editable   bool     `json:"editable"`
	Hashes     []string `json:"hashes"`
	Index      []string `json:"index"`
}

// pythons returns the interpreters the team uses that have pip, or skips.
func pythons(t *testing.T) []string {
	var found []string
	cands := []string{"python3"}
	if out, err := exec.Command("pyenv", "root").Output(); err == nil {
		cands = append(cands, filepath.Join(strings.TrimSpace(string(out)), "versions", "3.13.0", "bin", "python"))
	}
	for _, c := range cands {
		if err := exec.Command(c, "-c", "import pip._internal.req.req_file").Run(); err == nil {
			found = append(found, c)
		}
	}
	if len(found) == 0 {
		testreq.Missing(t, "no python3 with pip found: cannot compare with pip's requirements parser")
	}
	return found
}

var pipCases = map[string]map[string]string{
	"pip-tools": {
		"req.txt": "#\n# pip-compile --generate-hashes\n#\n--index-url https://pypi.org/simple\n\n" +
			"anyio==4.6.2 \\\n    --hash=sha256:" + hexA + " \\\n    --hash=sha256:" + hexB + "\n    # via httpx\n" +
			"exceptiongroup==1.2.2 ; python_version < \"3.11\" \\\n    --hash sha256:" + hexA + "\n    # via\n    #   anyio\n" +
			"httpx[http2,socks]==0.27.2 \\\n    --hash=sha256:" + hexB + "\n" +
			"foo==1.0 \\\n    # a comment ends the continuation\n    --hash=sha256:" + hexA + "\n" +
			"bar==2.0 # trailing comment \\\n    --hash=sha256:" + hexA + "\n" +
			"baz==3.0\t# tab comment\r\nqux==4 --hash=sha512:" + hexA + hexB + " --hash=sha256:" + hexA + " --hash=sha256:" + hexA + "\n",
	},
	"options": {
		"req.txt": "-i https://a.example/simple\n--index-url=https://b.example/simple\n--extra-index=https://c.example/simple\n" +
			"-fwheels\n--find-links ./more\n--trusted-host=a.example --no-index\n--pre\n--prefer-binary\n--no-binary :all:\n" +
			"--only-binary=:none:\n--use-feature truststore\n--ind https://d.example/simple\n" +
			"foo==1 --extra-index-url https://e.example/simple --global-option=x\n" +
			"--index-url \"https://f.example/with space\"\n--extra-index-url 'https://g.example/s'\n",
	},
	"includes": {
		"req.txt":         "-r sub/a.txt\n-c c.txt\n--requirement=x.txt\nlast==1\n",
		"sub/a.txt":       "a==1 --hash=sha256:" + hexA + "\n-r ../b.txt\n",
		"b.txt":           "\n\nb==2\n-i https://b.example/simple\n",
		"c.txt":           "c==3\n",
		"x.txt":           "x==4 ; sys_platform == 'linux'\n",
		"unused/more.txt": "never==1\n",
	},
	"separators": {
		"req.txt": "\ufeffa==1\fb==2\vc==3\x1cd==4\x1de==5\x1ef==6\u2028g==7\u2029h==8\u0085i==9\r\rj==10\n" +
			"   \n\\\n# only a comment\nk==11 \\\n\\\n  --hash=sha256:" + hexA + "\nl==12 \\",
	},
	"urls-and-paths": {
		"req.txt": "foo @ https://x.example/foo-1.0.tar.gz\nhttps://x.example/bar-1.0-py3-none-any.whl ; python_version > \"3\"\n" +
			"./pkg\n./pkg[extra]\n-e .\n--editable=git+https://g.example/r.git#egg=r\n-e ./local[x]\nbaz-1.0.tar.gz\n" +
			"https://x.example/frag.tar.gz#sha256=" + hexA + "\n",
	},
}

func TestRequirementsAgainstPip(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pip: skipped with -short")
	}
	for _, py := range pythons(t) {
		for name, files := range pipCases {
			label := py
			if py != "python3" {
				label = filepath.Base(filepath.Dir(filepath.Dir(py)))
			}
			t.Run(label+"/"+name, func(t *testing.T) {
				dir := t.TempDir()
				for f, content := range files {
					p := filepath.Join(dir, filepath.FromSlash(f))
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				top := filepath.Join(dir, "req.txt")
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				out, err := exec.CommandContext(ctx, py, "-c", pipDump, top).Output()
				if err != nil {
					t.Fatalf("%s: %v", py, err)
				}
				var want []pipLine
				if err := json.Unmarshal(out, &want); err != nil {
					t.Fatalf("pip: %s", out)
				}

				full, err := Load(top)
				if err != nil {
					t.Fatal(err)
				}
				got := ourLines(t, dir, full)
				// pip reports an option line even when it sets nothing we compare.
				want = dropEmpty(want)
				if !reflect.DeepEqual(got, want) {
					gj, _ := json.MarshalIndent(got, "", " ")
					wj, _ := json.MarshalIndent(want, "", " ")
					t.Errorf("tufpip:\n%s\npip:\n%s", gj, wj)
				}
			})
		}
	}
}

// ourLines turns our entries and options into pip's per-line view.
func ourLines(t *testing.T, dir string, lf *Lockfile) []pipLine {
	t.Helper()
	rel := func(p Position) string {
		r, err := filepath.Rel(dir, p.File)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var lines []pipLine
	byPos := map[Position]int{}
	for _, e := range lf.Entries {
		req := strings.TrimPrefix(e.Raw, "-e ")
		hashes := []string{}
		for _, h := range e.Hashes {
			hashes = append(hashes, h.String())
		}
		sort.Strings(hashes)
		byPos[e.Pos] = len(lines)
		lines = append(lines, pipLine{File: rel(e.Pos), Line: e.Pos.Line, Constraint: e.Constraint, Req: &req,
			Editable: e.Editable, Hashes: hashes, Index: []string{}})
	}
	for _, o := range lf.Options {
		if !changesIndex(o) {
			continue
		}
		i, ok := byPos[o.Pos]
		if !ok {
			i = len(lines)
			byPos[o.Pos] = i
			lines = append(lines, pipLine{File: rel(o.Pos), Line: o.Pos.Line, Hashes: []string{}, Index: []string{}})
		}
		lines[i].Index = append(lines[i].Index, strings.TrimSpace(o.Name+" "+o.Value))
		sort.Strings(lines[i].Index)
	}
	sortLines(lines)
	return lines
}

// sortLines orders lines by file and line, so entries and options (which the two
// readers report in different sequences) can be compared.
func sortLines(lines []pipLine) {
	sort.SliceStable(lines, func(i, j int) bool {
		if lines[i].File != lines[j].File {
			return lines[i].File < lines[j].File
		}
		return lines[i].Line < lines[j].Line
	})
}

func dropEmpty(in []pipLine) []pipLine {
	var out []pipLine
	for _, l := range in {
		if l.Req == nil && len(l.Index) == 0 {
			continue
		}
		if l.Hashes == nil {
			l.Hashes = []string{}
		}
		if l.Index == nil {
			l.Index = []string{}
		}
		out = append(out, l)
	}
	sortLines(out)
	return out
}

// Lines pip refuses must be refused here too, not read some other way.
func TestRequirementErrorsAgainstPip(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pip: skipped with -short")
	}
	py := pythons(t)[0]
	for _, text := range []string{
		"--frobnicate\n",
		"--no- x\n",
		"--pre=yes\n",
		"foo==1 --hash\n",
		"foo==1 --hash=" + hexA + "\n",
		"foo==1 --hash 'sha256:" + hexA + "\n",
		"-x foo\n",
	} {
		dir := t.TempDir()
		top := filepath.Join(dir, "req.txt")
		if err := os.WriteFile(top, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(py, "-c", pipDump, top).Output()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(out), `{"error"`) {
			t.Errorf("%q: pip accepted it: %s", text, out)
		}
		if _, err := ParseRequirements(top); err == nil {
			t.Errorf("%q: accepted, pip refuses it: %s", text, out)
		}
	}
}
