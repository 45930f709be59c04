package e2e

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// BenchmarkPipDownload50 compares "tufpip download" of 50 wheels with plain "pip download"
// of the same wheels from an unsigned index (pyfix's), both on loopback, with cold caches
// (nothing cached by tufpip or pip) and warm ones (the same caches, second run). Each
// iteration runs the four variants in turn so that machine noise hits them alike; the
// reported times are medians. Run it with a fixed count, it is slow:
//
//	go test ./e2e -run '^$' -bench PipDownload50 -benchtime 5x
//
// TUFPIP_BENCH_WHEEL_KB sets the size of each wheel's payload (default 100 KB, random so
// that it does not compress).
func BenchmarkPipDownload50(b *testing.B) {
	if tufpipBuildErr != nil {
		b.Skipf("tufpip binary not available: %v", tufpipBuildErr)
	}
	py := pyfix.Python(b, "3.11")
	kb := 100
	if v := os.Getenv("TUFPIP_BENCH_WHEEL_KB"); v != "" {
		fmt.Sscan(v, &kb)
	}

	// The same 50 wheels, signed by stable in a TUF repository and listed on a plain index.
	repo := tuftest.New(b)
	rnd := rand.New(rand.NewSource(458))
	var plain []pyfix.IndexFile
	var reqs []string
	for i := range 50 {
		payload := make([]byte, kb<<10)
		rnd.Read(payload)
		name := fmt.Sprintf("bench-pkg-%02d", i)
		fn, data, err := pyfix.BuildWheel(pyfix.WheelSpec{Name: name, Version: "1.0",
			Files: map[string]string{"bench_pkg_" + fmt.Sprint(i) + "_data/blob.bin": string(payload)}})
		if err != nil {
			b.Fatal(err)
		}
		repo.AddFile(tuftest.Stable, fn, data)
		repo.SetPage(tuftest.Stable, name, tuftest.File(fn, data))
		plain = append(plain, pyfix.IndexFile{Filename: fn, Data: data})
		reqs = append(reqs, name+"==1.0")
	}
	repo.Publish()
	srv := repo.Serve(b)
	ix := pyfix.NewIndex(b, plain...)
	dir := b.TempDir()
	root := filepath.Join(dir, "root.json")
	req := filepath.Join(dir, "requirements.txt")
	if err := os.WriteFile(root, repo.RootJSON(), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(req, []byte(strings.Join(reqs, "\n")+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}

	run := func(name string, cmd *exec.Cmd, dest string) time.Duration {
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		if err != nil {
			b.Fatalf("%s: %v\n%s", name, err, out.String())
		}
		if n := len(benchList(b, dest)); n != 50 {
			b.Fatalf("%s: %d wheels in %s, want 50\n%s", name, n, dest, out.String())
		}
		return d
	}
	plainCmd := func(cache, dest string) *exec.Cmd {
		return pyfix.Command(context.Background(), py.Path, "-m", "pip", "download", "--no-deps", "-q",
			"--index-url", ix.URL, "--cache-dir", cache, "-d", dest, "-r", req)
	}
	tufpipCmd := func(cache, pipCache, dest string) *exec.Cmd {
		cmd := exec.Command(tufpipBin, "download", "--python", py.Path, "--",
			"--no-deps", "-q", "--cache-dir", pipCache, "-d", dest, "-r", req)
		cmd.Env = append(pyfix.Env(), "TUFPIP_METADATA_URL="+srv.MetadataURL, "TUFPIP_TARGETS_URL="+srv.TargetsURL,
			"TUFPIP_ROOT="+root, "TUFPIP_CACHE_DIR="+cache, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
		return cmd
	}

	// Within an iteration pip and tufpip run back to back, alternating which goes first, so
	// the per-iteration ratios compare runs made under the same load (the machine is shared);
	// the reported ratio is their median.
	var times [4][]time.Duration // pip cold, pip warm, tufpip cold, tufpip warm
	var coldRatios, warmRatios []float64
	b.ResetTimer()
	for i := range b.N {
		it := filepath.Join(dir, fmt.Sprint("it", i))
		pc, tc, tpc := filepath.Join(it, "pip-cache"), filepath.Join(it, "tufpip-cache"), filepath.Join(it, "tufpip-pip-cache")
		dest := func(s string) string { return filepath.Join(it, s) }
		var pCold, pWarm, tCold, tWarm time.Duration
		if i%2 == 0 {
			pCold = run("pip cold", plainCmd(pc, dest("p1")), dest("p1"))
			tCold = run("tufpip cold", tufpipCmd(tc, tpc, dest("t1")), dest("t1"))
			pWarm = run("pip warm", plainCmd(pc, dest("p2")), dest("p2"))
			tWarm = run("tufpip warm", tufpipCmd(tc, tpc, dest("t2")), dest("t2"))
		} else {
			tCold = run("tufpip cold", tufpipCmd(tc, tpc, dest("t1")), dest("t1"))
			pCold = run("pip cold", plainCmd(pc, dest("p1")), dest("p1"))
			tWarm = run("tufpip warm", tufpipCmd(tc, tpc, dest("t2")), dest("t2"))
			pWarm = run("pip warm", plainCmd(pc, dest("p2")), dest("p2"))
		}
		times[0], times[1] = append(times[0], pCold), append(times[1], pWarm)
		times[2], times[3] = append(times[2], tCold), append(times[3], tWarm)
		coldRatios = append(coldRatios, tCold.Seconds()/pCold.Seconds())
		warmRatios = append(warmRatios, tWarm.Seconds()/pWarm.Seconds())
	}
	b.StopTimer()

	m := make([]float64, 4)
	for i := range times {
		m[i] = median(times[i]).Seconds()
	}
	rc, rw := medianF(coldRatios), medianF(warmRatios)
	b.ReportMetric(m[0], "pip-cold-s")
	b.ReportMetric(m[1], "pip-warm-s")
	b.ReportMetric(m[2], "tufpip-cold-s")
	b.ReportMetric(m[3], "tufpip-warm-s")
	b.ReportMetric(rc, "ratio-cold")
	b.ReportMetric(rw, "ratio-warm")
	b.Logf("50 wheels of %d KB, %s, %d runs each (medians; ratio = median of paired ratios):\n"+
		"  cache  pip download  tufpip download  ratio  (ratios per run)\n"+
		"  cold   %8.3fs     %8.3fs        %.3f  %s\n"+
		"  warm   %8.3fs     %8.3fs        %.3f  %s",
		kb, py, b.N, m[0], m[2], rc, fmtRatios(coldRatios), m[1], m[3], rw, fmtRatios(warmRatios))
}

func medianF(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func fmtRatios(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, " ")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func benchList(b *testing.B, dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
