package mirror

import "testing"

func TestSdistDepsReliable(t *testing.T) {
	for _, tc := range []struct {
		md   string
		want bool
	}{
		{"Metadata-Version: 2.1\nName: a\nRequires-Dist: b\n", false},
		{"Metadata-Version: 2.2\nName: a\nRequires-Dist: b\n", true},
		{"Metadata-Version: 2.4\nName: a\nDynamic: requires-dist\n", false},
		{"Metadata-Version: 2.3\nName: a\nDynamic: Summary\n", true},
		{"Metadata-Version: 1.2\nName: a\n", false},
	} {
		m, err := parseCoreMetadata([]byte(tc.md))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.sdistDepsReliable(); got != tc.want {
			t.Errorf("%q: reliable %v, want %v", tc.md, got, tc.want)
		}
	}
}

func TestDependenciesMarkersAndExtras(t *testing.T) {
	m, _ := parseCoreMetadata([]byte("Metadata-Version: 2.1\nName: a\nRequires-Dist: b>=1\nRequires-Dist: c; python_version < \"3.9\"\nRequires-Dist: d; extra == \"x\"\nRequires-Dist: e; sys_platform == \"win32\"\n"))
	sel, err := newSelector([]string{"3.12"}, []string{"manylinux_2_17_x86_64"}, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	names := func(extras []string) (out []string) {
		deps, warnings := m.dependencies(extras, sel.envs)
		if len(warnings) > 0 {
			t.Fatal(warnings)
		}
		for _, d := range deps {
			out = append(out, d.Project)
		}
		return out
	}
	if got := names([]string{""}); len(got) != 1 || got[0] != "b" {
		t.Errorf("no extras: %v, want [b]", got)
	}
	if got := names([]string{"", "x"}); len(got) != 2 || got[1] != "d" {
		t.Errorf("extra x: %v, want [b d]", got)
	}
}
