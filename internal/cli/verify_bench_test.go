package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// Issue 6's benchmark: tufpip verify on a pip-compile lockfile of 300 packages against a
// signed repository of 300 projects, with a cold cache (no TUF metadata, no pages) and a warm
// one (the previous run's cache), reporting the HTTP requests the repository saw per run.
//
//	go test ./internal/cli -run '^$' -bench BenchmarkVerify300 -benchtime 5x

const benchProjects = 300

// benchRepo signs 300 projects: each has two releases, a wheel for three platforms and an
// sdist per release; stable and unstable both sign every page (unstable also a newer
// release), so the delegation walk and the page choice are what a real repository costs.
func benchRepo(b *testing.B) (*tuftest.Repo, []release) {
	repo := tuftest.New(b)
	var rels, locked []release
	for i := range benchProjects {
		name := fmt.Sprintf("pkg%03d", i)
		for _, v := range []string{"1.0", "1.1"} {
			r := release{project: name, version: v, stable: true, unstable: true, files: fillData([]relFile{
				{fn: name + "-" + v + "-cp312-cp312-manylinux_2_17_x86_64.whl", target: true},
				{fn: name + "-" + v + "-cp312-cp312-macosx_11_0_arm64.whl", target: true},
				{fn: name + "-" + v + "-cp312-cp312-win_amd64.whl", target: true},
				{fn: name + "-" + v + ".tar.gz", target: true},
			})}
			rels = append(rels, r)
			if v == "1.1" {
				locked = append(locked, r)
			}
		}
		rels = append(rels, release{project: name, version: "1.2", unstable: true, files: pureWheel(name, "1.2")})
	}
	publishReleases(repo, rels)
	return repo, locked
}

func BenchmarkVerify300(b *testing.B) {
	repo, locked := benchRepo(b)
	srv := repo.Serve(b)
	dir := b.TempDir()
	root := filepath.Join(dir, "root.json")
	if err := os.WriteFile(root, repo.RootJSON(), 0o644); err != nil {
		b.Fatal(err)
	}
	lock := filepath.Join(dir, "requirements.txt")
	if err := os.WriteFile(lock, []byte(requirementsTxt(srv.URL+"/simple/", locked)), 0o644); err != nil {
		b.Fatal(err)
	}
	env := map[string]string{
		"TUFPIP_METADATA_URL": srv.MetadataURL,
		"TUFPIP_TARGETS_URL":  srv.TargetsURL,
		"TUFPIP_ROOT":         root,
		"TUFPIP_CONFIG_DIR":   filepath.Join(dir, "config"),
		"HOME":                dir,
	}
	run := func(b *testing.B) {
		var out, errOut bytes.Buffer
		io := &IOStreams{In: bytes.NewReader(nil), Out: &out, ErrOut: &errOut}
		if code := Run(context.Background(), []string{"verify", lock}, io, func(k string) string { return env[k] }); code != 0 {
			b.Fatalf("exit %d\n%s", code, errOut.String())
		}
		if n := strings.Count(out.String(), "ok    "); n != benchProjects {
			b.Fatalf("%d entries ok, want %d", n, benchProjects)
		}
	}
	// count reports the requests of one run, by kind, and any path asked for twice.
	count := func(b *testing.B, total map[string]float64) {
		seen := map[string]int{}
		for _, r := range srv.Requests() {
			seen[r.Path]++
			total["req"]++
			switch {
			case strings.HasPrefix(r.Path, "metadata/"):
				total["metadata-req"]++
			case strings.HasPrefix(r.Path, "targets/simple/"):
				total["page-req"]++
			}
		}
		for p, n := range seen {
			if n > 1 {
				total["repeated-req"] += float64(n - 1)
				b.Logf("requested %d times in one run: %s", n, p)
			}
		}
	}
	report := func(b *testing.B, total map[string]float64) {
		for _, k := range []string{"req", "metadata-req", "page-req", "repeated-req"} {
			b.ReportMetric(total[k]/float64(b.N), k+"/op")
		}
	}

	b.Run("cold", func(b *testing.B) {
		total := map[string]float64{}
		for range b.N {
			b.StopTimer()
			cache, err := os.MkdirTemp(dir, "cold-") // a fresh one each run, b.N rounds included
			if err != nil {
				b.Fatal(err)
			}
			env["TUFPIP_CACHE_DIR"] = filepath.Join(cache, "cache")
			srv.ResetLog()
			b.StartTimer()
			run(b)
			b.StopTimer()
			count(b, total)
			b.StartTimer()
		}
		report(b, total)
	})
	b.Run("warm", func(b *testing.B) {
		env["TUFPIP_CACHE_DIR"] = filepath.Join(dir, "warm")
		run(b) // fills the cache
		b.ResetTimer()
		total := map[string]float64{}
		for range b.N {
			b.StopTimer()
			srv.ResetLog()
			b.StartTimer()
			run(b)
			b.StopTimer()
			count(b, total)
			b.StartTimer()
		}
		report(b, total)
	})
}
