package pyfix

import (
	"sort"
	"strings"
	"testing"
)

// TestDryRunReportPicks runs pip's dry run on a small index where each project exercises
// one of pip's rules, and checks the report (and the reruns after "no match") for both
// interpreters.
func TestDryRunReportPicks(t *testing.T) {
	for _, py := range Pythons(t) {
		t.Run(py.Version, func(t *testing.T) {
			var files []IndexFile
			whl := func(s WheelSpec, f IndexFile) {
				f.Filename, f.Data = Wheel(t, s)
				f.RequiresPython = s.RequiresPython
				files = append(files, f)
			}
			sdist := func(s SdistSpec) {
				n, d := Sdist(t, s)
				files = append(files, IndexFile{Filename: n, Data: d})
			}
			// newest final wins; pre-releases and yanked files do not (2.0 comes with PEP 658
			// metadata, which pip reads instead of the wheel while resolving)
			whl(WheelSpec{Name: "alpha", Version: "1.0"}, IndexFile{})
			an, ad := Wheel(t, WheelSpec{Name: "alpha", Version: "2.0"})
			meta, err := CoreMetadata(an, ad)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, IndexFile{Filename: an, Data: ad, Metadata: meta})
			whl(WheelSpec{Name: "alpha", Version: "2.5"}, IndexFile{Yanked: true, YankedReason: "broken"})
			whl(WheelSpec{Name: "alpha", Version: "3.0a1"}, IndexFile{})
			// Requires-Python excludes the newest
			whl(WheelSpec{Name: "beta", Version: "1.0"}, IndexFile{})
			whl(WheelSpec{Name: "beta", Version: "2.0", RequiresPython: ">=4"}, IndexFile{})
			// nothing satisfies ">5"
			whl(WheelSpec{Name: "gamma", Version: "1.0"}, IndexFile{})
			// the wheel's tag does not fit, so the sdist of the same version is chosen
			whl(WheelSpec{Name: "delta", Version: "1.0", Tags: []string{"cp27-cp27m-win32"}}, IndexFile{})
			sdist(SdistSpec{Name: "delta", Version: "1.0"})
			// a pin picks a yanked file when only yanked files match
			whl(WheelSpec{Name: "eps", Version: "1.0"}, IndexFile{Yanked: true})
			ix := NewIndex(t, files...)

			reqs := []string{"alpha", "beta", "gamma>5", "delta", "eps==1.0", "zeta"}
			d := DryRunReport(t, py.Path, ix.URL, reqs, DryRunOptions{})
			want := map[string]string{
				"alpha": "alpha-2.0-py3-none-any.whl",
				"beta":  "beta-1.0-py3-none-any.whl",
				"delta": "delta-1.0.tar.gz",
				"eps":   "eps-1.0-py3-none-any.whl",
			}
			for p, f := range want {
				if d.Chosen[p].Filename != f {
					t.Errorf("%s: pip chose %+v, want %s", p, d.Chosen[p], f)
				}
			}
			if len(d.Chosen) != len(want) {
				t.Errorf("chosen %v, want only %v", d.Chosen, want)
			}
			var none []string
			for p := range d.NoMatch {
				none = append(none, p)
			}
			sort.Strings(none)
			if strings.Join(none, ",") != "gamma,zeta" {
				t.Errorf("no match for %v, want gamma and zeta", none)
			}
			if len(d.Runs) != 3 {
				t.Errorf("%d pip runs, want 3 (two no-match reruns)", len(d.Runs))
			}
			if c := d.Chosen["alpha"]; c.Version != "2.0" || c.URL != ix.FileURL("alpha-2.0-py3-none-any.whl") || len(c.SHA256) != 64 {
				t.Errorf("alpha choice %+v", c)
			}
			metaFetched := false
			for _, r := range ix.Requests() {
				if r.Path == "/files/alpha-2.0-py3-none-any.whl.metadata" && r.Status == 200 {
					metaFetched = true
				}
			}
			if !metaFetched {
				t.Errorf("pip never fetched the PEP 658 metadata of alpha 2.0: %v", ix.Requests())
			}
		})
	}
}

func TestDryRunRejectsDuplicateProjects(t *testing.T) {
	if _, err := InstallDryRunReport(t.Context(), "python3", "http://127.0.0.1:9/simple/", []string{"a>1", "A<3"}, DryRunOptions{}); err == nil {
		t.Error("two requirements on one project were accepted")
	}
}
