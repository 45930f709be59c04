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

// BenchmarkPipDownload50 compares "tufpip download -r requirements.txt" of 50 wheels (a
// pip-tools file with hashes, as CI uses) with plain "pip download" of the same file from an
// unsigned index (pyfix's), both on loopback, with cold caches
// (nothing cached by tufpip or pip) and warm ones (the same caches, second run). Each
// iteration runs the four variants in turn so that machine noise hits them alike; the
// reported times are medians. Run it with a fixed count, it is slow:
//
//	go test ./e2e -run '^$' -bench PipDownload50 -benchtime 5x
//
// TUFPIP_BENCH_WHEEL_KB sets the size of each wheel's payload (default 100 KB, random so
// that it does not compress).
func BenchmarkPipDownload50(b *testing.B) {
	needTufpip(b)
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
		reqs = append(reqs, name+"==1.0 \\\n    --hash=sha256:"+sha256hex(data))
	}
	repo.Publish()
	srv := repo.Serve(b)
	ix := pyfix.NewIndex(b, plain...)
	dir := b.TempDir()
	root := filepath.Join(dir, "root.json")
	req := filepath.Join(dir, "requirements.txt")
	writeFile(b, root, repo.RootJSON())
	writeFile(b, req, strings.Join(reqs, "\n")+"\n")

	for _, v := range []string{"3.11", "3.13"} {
		b.Run("py"+v, func(b *testing.B) {
			benchDownload(b, pyfix.Python(b, v), kb, ix, srv, dir, root, req)
		})
	}
}

// benchDownload times the four variants with one interpreter.
func benchDownload(b *testing.B, py pyfix.Interpreter, kb int, ix *pyfix.Index, srv *tuftest.Server, dir, root, req string) {
	dir = filepath.Join(dir, py.Version)
	// run returns the wall time and the CPU time of the process tree (wait4's rusage of a
	// child includes the children it waited for, so tufpip's includes pip's).
	run := func(name string, cmd *exec.Cmd, dest string) sample {
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
		return sample{wall: d, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	}
	plainCmd := func(cache, dest string) *exec.Cmd {
		return pyfix.Command(context.Background(), py.Path, "-m", "pip", "download", "--no-deps", "-q",
			"--index-url", ix.URL, "--cache-dir", cache, "-d", dest, "-r", req)
	}
	tufpipCmd := func(cache, pipCache, dest string) *exec.Cmd {
		cmd := exec.Command(tufpipBin, "download", "--python", py.Path, "--",
			"--no-deps", "-q", "--cache-dir", pipCache, "-d", dest, "-r", req)
		cmd.Env = append(append(pyfix.Env(), repoEnv(srv.MetadataURL, srv.TargetsURL, root, cache)...),
			"XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
		return cmd
	}

	// Within an iteration pip and tufpip run back to back, alternating which goes first, so
	// the paired ratios compare runs made under the same load (the machine is shared).
	var pCold, pWarm, tCold, tWarm []sample
	b.ResetTimer()
	for i := range b.N {
		it := filepath.Join(dir, fmt.Sprint("it", i))
		pc, tc, tpc := filepath.Join(it, "pip-cache"), filepath.Join(it, "tufpip-cache"), filepath.Join(it, "tufpip-pip-cache")
		dest := func(s string) string { return filepath.Join(it, s) }
		pipRun := func(d string) sample { return run("pip "+d, plainCmd(pc, dest("p"+d)), dest("p"+d)) }
		tufRun := func(d string) sample { return run("tufpip "+d, tufpipCmd(tc, tpc, dest("t"+d)), dest("t"+d)) }
		if i%2 == 0 {
			pCold, tCold = append(pCold, pipRun("cold")), append(tCold, tufRun("cold"))
			pWarm, tWarm = append(pWarm, pipRun("warm")), append(tWarm, tufRun("warm"))
		} else {
			tCold, pCold = append(tCold, tufRun("cold")), append(pCold, pipRun("cold"))
			tWarm, pWarm = append(tWarm, tufRun("warm")), append(pWarm, pipRun("warm"))
		}
	}
	b.StopTimer()

	cold, warm := compare(pCold, tCold), compare(pWarm, tWarm)
	b.ReportMetric(cold.pipWall, "pip-cold-s")
	b.ReportMetric(warm.pipWall, "pip-warm-s")
	b.ReportMetric(cold.tufWall, "tufpip-cold-s")
	b.ReportMetric(warm.tufWall, "tufpip-warm-s")
	b.ReportMetric(cold.ratio, "ratio-cold")
	b.ReportMetric(warm.ratio, "ratio-warm")
	b.Logf("50 wheels of %d KB, %s, %d runs each\n"+
		"  wall: median time, median of the paired ratios, ratio of the fastest runs; cpu: median user+sys of the process tree\n"+
		"  cache  pip wall  tufpip wall  ratio  min-ratio  pip cpu  tufpip cpu  cpu-ratio  paired ratios\n"+
		"%s\n%s", kb, py, b.N, cold.row("cold"), warm.row("warm"))
}

type sample struct{ wall, cpu time.Duration }

type comparison struct {
	pipWall, tufWall, ratio, minRatio, pipCPU, tufCPU, cpuRatio float64
	ratios                                                      []float64
}

func compare(pip, tuf []sample) comparison {
	var c comparison
	var pw, tw, pc, tc []float64
	for i := range pip {
		pw, tw = append(pw, pip[i].wall.Seconds()), append(tw, tuf[i].wall.Seconds())
		pc, tc = append(pc, pip[i].cpu.Seconds()), append(tc, tuf[i].cpu.Seconds())
		c.ratios = append(c.ratios, tw[i]/pw[i])
	}
	c.pipWall, c.tufWall, c.pipCPU, c.tufCPU = medianF(pw), medianF(tw), medianF(pc), medianF(tc)
	c.ratio = medianF(c.ratios)
	c.minRatio = slices.Min(tw) / slices.Min(pw)
	c.cpuRatio = c.tufCPU / c.pipCPU
	return c
}

func (c comparison) row(name string) string {
	return fmt.Sprintf("  %-5s  %7.3fs  %10.3fs  %5.3f  %9.3f  %6.3fs  %9.3fs  %9.3f  %s",
		name, c.pipWall, c.tufWall, c.ratio, c.minRatio, c.pipCPU, c.tufCPU, c.cpuRatio, fmtRatios(c.ratios))
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
