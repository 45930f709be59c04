package lockfile

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/pkg/resolve"
)

// TestPEP508AgreesWithPackaging asks real packaging (26.x, vendored by the newest pip, and
// 24.1, vendored by pip 24.2) which requirement strings are valid, and checks that a
// requirements file line and the resolver, which share one parser, say the same. The
// strings are where tufpip's two former parsers disagreed with packaging.
func TestPEP508AgreesWithPackaging(t *testing.T) {
	reqs := []string{
		"foo>=1,<2,", "foo~=1", "foo>=1.0+local", "foo==1.0+local", "foo>=1,,<2",
		"foo(>=1,)", "foo (>=1, <2)", "foo[bar,baz]>=1", "foo[bar baz]", "foo-", "foo 1.0",
		"foo==", "foo===weird", "foo==1.*", "foo>=1.*", "foo~=1.4.2", "Foo.Bar_baz==2",
		"foo @ https://x.example/foo-1.0.tar.gz", "foo!=1.0+local", "foo(>=1", "foo[bar",
	}
	const oracle = `
import json, sys
from pip._vendor.packaging.requirements import Requirement
out = []
for s in json.load(sys.stdin):
    try:
        Requirement(s)
        out.append(True)
    except Exception:
        out.append(False)
json.dump(out, sys.stdout)
`
	pythons := map[string]string{
		"pip-latest": pyfix.Tool(t, "python-pip-latest"),
		"pip 24.2":   pyfix.Python(t, "3.13").Path,
	}
	for name, py := range pythons {
		job, _ := json.Marshal(reqs)
		cmd := exec.Command(py, "-c", oracle)
		cmd.Stdin = strings.NewReader(string(job))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: packaging oracle: %v", name, err)
		}
		var valid []bool
		if err := json.Unmarshal(out, &valid); err != nil || len(valid) != len(reqs) {
			t.Fatalf("%s: oracle output %q: %v", name, out, err)
		}
		for i, s := range reqs {
			_, lerr := parseRequirements("r.txt", []byte(s+"\n"), memFiles(nil))
			if (lerr == nil) != valid[i] {
				t.Errorf("%s: requirements line %q: error %v, packaging says valid=%v", name, s, lerr, valid[i])
			}
			if strings.Contains(s, "@") {
				continue // the resolver refuses direct URLs on purpose
			}
			if _, rerr := resolve.ParseRequirement(s); (rerr == nil) != valid[i] {
				t.Errorf("%s: resolver %q: error %v, packaging says valid=%v", name, s, rerr, valid[i])
			}
		}
	}
}
