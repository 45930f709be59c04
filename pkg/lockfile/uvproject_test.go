package lockfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadUvProject(t *testing.T) {
	dir := t.TempDir()
	py := filepath.Join(dir, "pyproject.toml")
	os.WriteFile(py, []byte(`[project]
name = "demo"
version = "0.1"
dependencies = [
  "foobar==2.0",
  "evil @ https://x.example/evil-1.0-py3-none-any.whl",
]

[project.optional-dependencies]
local = ["./vendor/thing"]

[dependency-groups]
dev = ["lib>=1", "tool @ git+https://x.example/tool.git"]

[tool.uv]
extra-index-url = ["https://x.example/simple"]
cache-dir = "/tmp/shared"

[tool.uv.pip]
find-links = ["/tmp/wheels"]

[tool.uv.sources]
member = { workspace = true }
foo = { git = "https://x.example/foo.git" }
bar = [{ path = "../bar" }]

[[tool.uv.index]]
name = "corp"
url = "https://corp.example/simple"

[tool.uv.workspace]
members = ["packages/*"]
`), 0o644)
	p, err := ReadUvProject(py)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range p.Bypasses {
		got = append(got, b.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		py + ":6: project.dependencies: \"evil @ https://x.example/evil-1.0-py3-none-any.whl\" is fetched from its URL",
		py + ":10: project.optional-dependencies.local: \"./vendor/thing\" is installed from a local path",
		py + ":13: dependency-groups.dev: \"tool @ git+https://x.example/tool.git\" is fetched",
		py + ":16: tool.uv.extra-index-url: uv would use an index",
		py + ":17: tool.uv.cache-dir: uv would use a cache",
		py + ":20: tool.uv.pip.find-links: uv would use files",
		py + ":24: tool.uv.sources.foo: uv would take foo from a source other than the index",
		py + ":25: tool.uv.sources.bar: uv would take bar",
		py + ":27: tool.uv.index: uv would use an index",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in:\n%s", want, all)
		}
	}
	if len(got) != 9 {
		t.Errorf("%d bypasses:\n%s", len(got), all)
	}
	if len(p.Members) != 1 || p.Members[0] != "packages/*" {
		t.Errorf("members %v", p.Members)
	}

	uvt := filepath.Join(dir, "uv.toml")
	os.WriteFile(uvt, []byte("native-tls = true\n[[index]]\nurl = \"https://corp.example/simple\"\ndefault = true\n"), 0o644)
	p, err = ReadUvProject(uvt)
	if err != nil || len(p.Bypasses) != 1 || p.Bypasses[0].String() != uvt+":2: index: uv would use an index tufpip does not verify" {
		t.Errorf("uv.toml: %v %+v", err, p)
	}
	clean := filepath.Join(t.TempDir(), "pyproject.toml")
	os.WriteFile(clean, []byte("[project]\nname = \"x\"\nversion = \"1\"\ndependencies = [\"foobar>=1; python_version > '3'\"]\n[tool.uv]\nnative-tls = true\n"), 0o644)
	if p, err := ReadUvProject(clean); err != nil || len(p.Bypasses) != 0 {
		t.Errorf("clean project: %v %+v", err, p)
	}
}
