package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// Issue 12's benchmarks: the built binary against pip, both on loopback, paired runs
// (alternating which goes first, so the machine's load hits both alike), medians reported.
// Run them all in one go, with -benchtime 1x (TUFPIP_BENCH_ROUNDS, default 5, sets how many
// paired cold+warm rounds of every variant one benchmark run makes):
//
//	go test ./e2e -run '^$' -bench 'Perf' -benchtime 1x
//
// "cold" is an empty tufpip cache (TUF metadata, pages, interpreter facts) and an empty pip
// cache; "warm" reuses both from the cold run before it. pip is pip 24.2 (Python 3.13).

// bigFiles is the one-project repository of the issue: 8,000 wheels, every one signed by
// unstable, on a page unstable signs; versions 0.0 to 39.199, so bigproj==17.* picks
// 17.199 from 200 matches. Only that wheel is a real one (pip downloads it for its metadata).
const bigFiles = 8000

func bigProject(b *testing.B, repo *tuftest.Repo) []pyfix.IndexFile {
	var page []tuftest.PageFile
	var plain []pyfix.IndexFile
	for i := range bigFiles {
		v := fmt.Sprintf("%d.%d", i/200, i%200)
		fn := "bigproj-" + v + "-py3-none-any.whl"
		data := []byte(fn)
		if v == "17.199" {
			var err error
			if fn, data, err = pyfix.BuildWheel(pyfix.WheelSpec{Name: "bigproj", Version: v}); err != nil {
				b.Fatal(err)
			}
		}
		repo.AddFile(tuftest.Unstable, fn, data)
		page = append(page, tuftest.File(fn, data))
		plain = append(plain, pyfix.IndexFile{Filename: fn, Data: data})
	}
	repo.SetPage(tuftest.Unstable, "bigproj", page...)
	return plain
}

// benchEnv is a tufpip process's environment for a repository and a cache.
func benchEnv(srv *tuftest.Server, root, cache string) []string {
	return append(append(pyfix.Env(), repoEnv(srv.MetadataURL, srv.TargetsURL, root, cache)...),
		"XDG_CONFIG_HOME="+filepath.Join(cache, "config"))
}

// timed runs cmd and returns its wall and CPU time; check looks at its output.
func timed(b *testing.B, name string, cmd *exec.Cmd, check func(out string) error) sample {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err == nil && check != nil {
		err = check(out.String())
	}
	if err != nil {
		b.Fatalf("%s: %v\n%s", name, err, out.String())
	}
	return sample{wall: d, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
}

func contains(s string) func(string) error {
	return func(out string) error {
		if !strings.Contains(out, s) {
			return fmt.Errorf("output lacks %q", s)
		}
		return nil
	}
}

// variant is one command timed cold and warm against a pip command, paired.
type variant struct {
	name       string
	tufpip     func(cache string) *exec.Cmd
	tufpipWant func(string) error
}

// pairRuns runs pip and every variant cold then warm, TUFPIP_BENCH_ROUNDS rounds, and prints the table.
func pairRuns(b *testing.B, title string, pip func(cache string) *exec.Cmd, pipWant func(string) error, vs []variant) {
	dir := b.TempDir()
	type series struct{ cold, warm []sample }
	pipS := &series{}
	vS := make([]*series, len(vs))
	for i := range vS {
		vS[i] = &series{}
	}
	b.ResetTimer()
	for i := range benchRounds() {
		it := filepath.Join(dir, fmt.Sprint("it", i))
		pc := filepath.Join(it, "pip-cache")
		runPip := func(s *[]sample) { *s = append(*s, timed(b, "pip", pip(pc), pipWant)) }
		runV := func(k int, s *[]sample) {
			tc := filepath.Join(it, fmt.Sprint("tufpip-cache-", k))
			*s = append(*s, timed(b, vs[k].name, vs[k].tufpip(tc), vs[k].tufpipWant))
		}
		for _, warm := range []bool{false, true} {
			pick := func(s *series) *[]sample {
				if warm {
					return &s.warm
				}
				return &s.cold
			}
			if i%2 == 0 {
				runPip(pick(pipS))
			}
			for k := range vs {
				runV(k, pick(vS[k]))
			}
			if i%2 == 1 {
				runPip(pick(pipS))
			}
		}
	}
	b.StopTimer()
	var rows []string
	for k, v := range vs {
		cold, warm := compare(pipS.cold, vS[k].cold), compare(pipS.warm, vS[k].warm)
		rows = append(rows, "  "+v.name, cold.row("cold"), warm.row("warm"))
		b.ReportMetric(cold.ratio, v.name+"-ratio-cold")
		b.ReportMetric(warm.ratio, v.name+"-ratio-warm")
		b.ReportMetric(cold.tufWall*1000, v.name+"-cold-ms")
		b.ReportMetric(warm.tufWall*1000, v.name+"-warm-ms")
	}
	// Printed, not logged: the testing package cuts a benchmark's log to ten lines.
	fmt.Printf("%s: %s, %d rounds\n"+
		"  wall: median time, median of the paired ratios, ratio of the fastest runs; cpu: median user+sys\n"+
		"  cache  pip wall  tufpip wall  ratio  min-ratio  pip cpu  tufpip cpu  cpu-ratio  paired ratios\n%s\n",
		b.Name(), title, benchRounds(), strings.Join(rows, "\n"))
}

// benchRounds is TUFPIP_BENCH_ROUNDS, default 5.
func benchRounds() int {
	n := 5
	if v := os.Getenv("TUFPIP_BENCH_ROUNDS"); v != "" {
		fmt.Sscan(v, &n)
	}
	return max(n, 1)
}

// BenchmarkPerfBig8000: tufpip resolve 'bigproj==17.*' against the signed 8,000-file
// project, next to pip install --dry-run --no-deps of the same against the plain page.
// Acceptance (issue 12): warm at most 0.05x pip, cold at most 0.10x.
func BenchmarkPerfBig8000(b *testing.B) {
	needTufpip(b)
	py := pyfix.Python(b, "3.13")
	repo := tuftest.New(b)
	plain := bigProject(b, repo)
	repo.Publish()
	srv := repo.Serve(b)
	ix := pyfix.NewIndex(b, plain...)
	root := filepath.Join(b.TempDir(), "root.json")
	writeFile(b, root, repo.RootJSON())
	const req = "bigproj==17.*"
	pairRuns(b, "8,000 wheels signed by unstable, "+req+", "+py.String(),
		func(cache string) *exec.Cmd {
			return pyfix.Command(context.Background(), py.Path, "-m", "pip", "install", "--dry-run", "--no-deps",
				"--index-url", ix.URL, "--cache-dir", cache, req)
		}, contains("Would install bigproj-17.199"),
		[]variant{{name: "resolve", tufpip: func(cache string) *exec.Cmd {
			cmd := exec.Command(tufpipBin, "resolve", "--python", py.Path, req)
			cmd.Env = benchEnv(srv, root, cache)
			return cmd
		}, tufpipWant: contains("bigproj 17.199 from bigproj-17.199-py3-none-any.whl, vouched for by unstable")}})
}

// manyRepo signs 300 projects of 10 wheels each (1.0 to 1.9): stable signs 1.0-1.8 and a
// page of them, unstable signs 1.9 and a page of all ten, so every project has a page from
// each role. The pinned release, 1.8, is a real wheel. It returns the plain index's files
// and a hashed requirements file pinning 1.8 of every project.
func manyRepo(b *testing.B, repo *tuftest.Repo, projects int) ([]pyfix.IndexFile, string) {
	var plain []pyfix.IndexFile
	var req strings.Builder
	for p := range projects {
		name := fmt.Sprintf("pkg%03d", p)
		var stable, unstable []tuftest.PageFile
		for v := range 10 {
			ver := fmt.Sprintf("1.%d", v)
			fn := name + "-" + ver + "-py3-none-any.whl"
			data := []byte(fn)
			if ver == "1.8" {
				var err error
				if fn, data, err = pyfix.BuildWheel(pyfix.WheelSpec{Name: name, Version: ver}); err != nil {
					b.Fatal(err)
				}
				fmt.Fprintf(&req, "%s==%s \\\n    --hash=sha256:%s\n", name, ver, sha256hex(data))
			}
			f := tuftest.File(fn, data)
			if v < 9 {
				repo.AddFile(tuftest.Stable, fn, data)
				stable = append(stable, f)
			} else {
				repo.AddFile(tuftest.Unstable, fn, data)
			}
			unstable = append(unstable, f)
			plain = append(plain, pyfix.IndexFile{Filename: fn, Data: data})
		}
		repo.SetPage(tuftest.Stable, name, stable...)
		repo.SetPage(tuftest.Unstable, name, unstable...)
	}
	return plain, req.String()
}

// BenchmarkPerfMany300: tufpip verify of a requirements file of 300 hashed pins and
// tufpip resolve -r of the same file, each next to pip install --dry-run --no-deps -r.
// Acceptance (issue 12): warm at most 0.03x pip, cold at most 0.25x.
func BenchmarkPerfMany300(b *testing.B) {
	needTufpip(b)
	py := pyfix.Python(b, "3.13")
	repo := tuftest.New(b)
	plain, reqText := manyRepo(b, repo, 300)
	repo.Publish()
	srv := repo.Serve(b)
	ix := pyfix.NewIndex(b, plain...)
	dir := b.TempDir()
	root, req := filepath.Join(dir, "root.json"), filepath.Join(dir, "requirements.txt")
	writeFile(b, root, repo.RootJSON())
	writeFile(b, req, reqText)
	tuf := func(args ...string) func(string) *exec.Cmd {
		return func(cache string) *exec.Cmd {
			cmd := exec.Command(tufpipBin, args...)
			cmd.Env = benchEnv(srv, root, cache)
			return cmd
		}
	}
	pairRuns(b, "300 projects x 10 wheels, 300 hashed pins, "+py.String(),
		func(cache string) *exec.Cmd {
			return pyfix.Command(context.Background(), py.Path, "-m", "pip", "install", "--dry-run", "--no-deps",
				"--index-url", ix.URL, "--cache-dir", cache, "-r", req)
		}, contains("pkg299-1.8"),
		[]variant{
			{name: "verify", tufpip: tuf("verify", req), tufpipWant: contains("pkg299")},
			{name: "resolve", tufpip: tuf("resolve", "--python", py.Path, "-r", req),
				tufpipWant: contains("pkg299 1.8 from pkg299-1.8-py3-none-any.whl, vouched for by stable")},
		})
}

// BenchmarkPerfServe: tufpip serve answering GET /simple/<project>/ for a page of 10 files
// and the 8,000-file page, 8 and 32 clients with keep-alive, each load bounded by
// TUFPIP_BENCH_SERVE_SECONDS (default 3) and 200,000 requests; next to a plain Go file
// server of the same page bytes. Reports requests/s and tufpip's peak RSS over the run.
// Acceptance (issue 12): big page at 8 clients >= 1,000 req/s and >= 1/4 of the static
// server's rate; peak RSS under 100 MB.
func BenchmarkPerfServe(b *testing.B) {
	needTufpip(b)
	secs := 3.0
	if v := os.Getenv("TUFPIP_BENCH_SERVE_SECONDS"); v != "" {
		fmt.Sscan(v, &secs)
	}
	repo := tuftest.New(b)
	bigProject(b, repo)
	var small []tuftest.PageFile
	for v := range 10 {
		fn := fmt.Sprintf("small-1.%d-py3-none-any.whl", v)
		repo.AddFile(tuftest.Stable, fn, []byte(fn))
		small = append(small, tuftest.File(fn, []byte(fn)))
	}
	repo.SetPage(tuftest.Stable, "small", small...)
	repo.Publish()
	srv := repo.Serve(b)
	dir := b.TempDir()
	root := filepath.Join(dir, "root.json")
	writeFile(b, root, repo.RootJSON())
	s := startBenchServe(b, srv, root, filepath.Join(dir, "cache"))

	// The static server serves the bytes tufpip rendered, one file per page.
	static := filepath.Join(dir, "static")
	pages := map[string]int{}
	for _, p := range []string{"small", "bigproj"} {
		body := benchGet(b, s.url+p+"/")
		pages[p] = len(body)
		if err := os.MkdirAll(filepath.Join(static, "simple", p), 0o755); err != nil {
			b.Fatal(err)
		}
		writeFile(b, filepath.Join(static, "simple", p, "index.html"), body)
	}
	plain := httptest.NewServer(http.FileServer(http.Dir(static)))
	b.Cleanup(plain.Close)

	var rows []string
	b.ResetTimer()
	for _, p := range []string{"small", "bigproj"} {
		for _, clients := range []int{8, 32} {
			t := load(b, s.url+p+"/", clients, secs)
			st := load(b, plain.URL+"/simple/"+p+"/", clients, secs)
			rows = append(rows, fmt.Sprintf("  %-8s %9d  %7d  %10.0f  %10.0f  %5.2f",
				p, pages[p], clients, t, st, t/st))
			if p == "bigproj" && clients == 8 {
				b.ReportMetric(t, "big8-req/s")
				b.ReportMetric(t/st, "big8-vs-static")
			}
		}
	}
	b.StopTimer()
	hwm := s.peakRSS()
	b.ReportMetric(float64(hwm)/(1<<20), "peak-rss-MiB")
	fmt.Printf("%s: tufpip serve vs a static file server of the same bytes, %.0fs per load\n"+
		"  page     bytes      clients  tufpip r/s  static r/s  ratio\n%s\n  tufpip serve peak RSS: %.1f MiB\n",
		b.Name(), secs, strings.Join(rows, "\n"), float64(hwm)/(1<<20))
}

type benchServer struct {
	url string // ".../simple/"
	pid int
}

// peakRSS is the process's VmHWM (Linux).
func (s *benchServer) peakRSS() int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb << 10
		}
	}
	return 0
}

func startBenchServe(b *testing.B, srv *tuftest.Server, root, cache string) *benchServer {
	s := launchServe(b, benchEnv(srv, root, cache), 60*time.Second)
	return &benchServer{url: s.URL, pid: s.cmd.Process.Pid}
}

func benchGet(b *testing.B, url string) []byte {
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("GET %s: %v %s", url, err, resp.Status)
	}
	return body
}

// load sends GETs to url from n keep-alive clients for secs seconds (at most 200,000
// requests) and returns the rate of successful responses, each read to the end.
func load(b *testing.B, url string, n int, secs float64) float64 {
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var ok, failed atomic.Int64
	var budget atomic.Int64
	budget.Store(200000)
	deadline := time.Now().Add(time.Duration(secs * float64(time.Second)))
	start := time.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && budget.Add(-1) >= 0 {
				resp, err := client.Get(url)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
					continue
				}
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	d := time.Since(start)
	if f := failed.Load(); f > 0 {
		b.Fatalf("%s: %d of %d requests failed", url, f, f+ok.Load())
	}
	return float64(ok.Load()) / d.Seconds()
}
