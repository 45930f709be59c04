package resolve

import (
	"fmt"
	"testing"
)

// benchEnv is a CPython 3.11 on glibc 2.36 x86_64, the same 914 tags pip lists there.
func benchEnv(b *testing.B) *Environment {
	glibc, nodot, no := "2.36", "311", false
	host := &Facts{Implementation: "cpython", VersionInfo: []int{3, 11, 7}, PyVersionNodot: &nodot, PyDebug: &no,
		System: "Linux", Platform: "linux-x86_64", Glibc: &glibc, Markers: map[string]string{}}
	env, err := NewEnvironment(TargetOptions{Host: host})
	if err != nil {
		b.Fatal(err)
	}
	if len(env.Tags) != 914 {
		b.Fatalf("%d tags", len(env.Tags))
	}
	return env
}

// benchCandidates is a page of n files: for each version an sdist, a pure wheel, a
// manylinux wheel, a Windows wheel (unsupported) and, every tenth version, a yanked or
// pre-release file with a Requires-Python.
func benchCandidates(n int) []Candidate {
	var cands []Candidate
	for i := 0; len(cands) < n; i++ {
		v := fmt.Sprintf("%d.%d.%d", i/100, i/10%10, i%10)
		cands = append(cands,
			file("foobar-"+v+".tar.gz"),
			file("foobar-"+v+"-py3-none-any.whl"),
			file("foobar-"+v+"-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
			file("foobar-"+v+"-cp311-cp311-win_amd64.whl"),
		)
		if i%10 == 0 {
			cands = append(cands, file("foobar-"+v+"rc1.tar.gz", "rp:>=3.12"), file("foobar-"+v+".post1.tar.gz", "yanked:bad"))
		}
	}
	return cands[:n]
}

func BenchmarkSelect10000(b *testing.B) {
	env := benchEnv(b)
	req := mustReq(b, "foobar>=1.0,!=5.5.*")
	for _, parsed := range []bool{false, true} {
		cands := benchCandidates(10000)
		if parsed {
			for i := range cands {
				cands[i].Dist, _ = ParseFilenameFor("foobar", cands[i].File.Filename)
			}
		}
		b.Run(fmt.Sprintf("preparsed=%v", parsed), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sel := Select(req, cands, env, Options{})
				if sel.Best == nil {
					b.Fatal("no best")
				}
			}
		})
	}
}
