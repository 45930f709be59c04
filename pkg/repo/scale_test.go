//go:build unix

package repo

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"
)

// TestScaleReport builds large repositories and prints a table: time of add and promote,
// metadata size per role, and the bytes go-tuf's updater downloads for one resolve. It
// takes minutes, so it runs only when asked:
//
//	TUFPIP_REPO_SCALE=5000x10 TUFPIP_REPO_LAYOUTS=0,6,8 go test ./pkg/repo -run ScaleReport -v -timeout 1h
//
// (projects x files per project; layouts are hash-bin bits, 0 = flat).
func TestScaleReport(t *testing.T) {
	spec := os.Getenv("TUFPIP_REPO_SCALE")
	if spec == "" {
		t.Skip("set TUFPIP_REPO_SCALE=5000x10 to run the scale report")
	}
	var projects, perProject int
	if _, err := fmt.Sscanf(spec, "%dx%d", &projects, &perProject); err != nil {
		t.Fatalf("TUFPIP_REPO_SCALE=%q: want PROJECTSxFILES", spec)
	}
	layouts := []int{0, 6, 8}
	if l := os.Getenv("TUFPIP_REPO_LAYOUTS"); l != "" {
		layouts = nil
		for _, s := range strings.Split(l, ",") {
			n, _ := strconv.Atoi(s)
			layouts = append(layouts, n)
		}
	}
	src := t.TempDir()
	start := time.Now()
	var files [][]string // per project
	for p := 0; p < projects; p++ {
		var fs []string
		for v := 0; v < perProject; v++ {
			fs = append(fs, tinyWheel(t, src, fmt.Sprintf("proj%05d", p), fmt.Sprintf("1.%d", v)))
		}
		files = append(files, fs)
	}
	t.Logf("built %d wheels in %s", projects*perProject, time.Since(start).Round(time.Millisecond))

	out := &bytes.Buffer{}
	for _, bits := range layouts {
		scaleOne(t, out, bits, files)
	}
	fmt.Println(out.String())
}

func tinyWheel(t testing.TB, dir, name, version string) string {
	fn := fmt.Sprintf("%s-%s-py3-none-any.whl", name, version)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create(fmt.Sprintf("%s-%s.dist-info/METADATA", name, version))
	fmt.Fprintf(w, "Metadata-Version: 2.1\nName: %s\nVersion: %s\nRequires-Python: >=3.8\n", name, version)
	zw.Create(fmt.Sprintf("%s-%s.dist-info/WHEEL", name, version))
	zw.Create(fmt.Sprintf("%s-%s.dist-info/RECORD", name, version))
	zw.Close()
	p := filepath.Join(dir, fn)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func scaleOne(t *testing.T, out *bytes.Buffer, bits int, files [][]string) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "repo")
	now := time.Now().UTC().Truncate(time.Second)
	old := now.Add(-120 * day)
	r := mustInit(t, dir, InitOptions{HashBinBits: bits, Now: old.Add(-time.Hour)})
	name := layout{bits: bits}.name()
	total := 0
	for _, fs := range files {
		total += len(fs)
	}

	// Bulk load in batches of 500 projects, all "old" except the last file of each project.
	var bulk timer
	var batch []string
	var recent []string
	flush := func() {
		if len(batch) == 0 {
			return
		}
		bulk.add(measure(func() { mustAdd(t, r, old, batch...) }))
		batch = nil
	}
	for i, fs := range files {
		batch = append(batch, fs[:len(fs)-1]...)
		recent = append(recent, fs[len(fs)-1])
		if (i+1)%500 == 0 {
			flush()
		}
	}
	flush()
	bulk.add(measure(func() { mustAdd(t, r, now.Add(-time.Hour), recent...) }))

	var pres *PromoteResult
	promote := measure(func() { pres = mustPromote(t, r, PromoteOptions{OlderThan: 90 * day, Now: now}) })
	promoteNoop := measure(func() { mustPromote(t, r, PromoteOptions{OlderThan: 90 * day, Now: now}) })
	src := t.TempDir()
	one := tinyWheel(t, src, "proj00000", "9.0")
	addOne := measure(func() { mustAdd(t, r, now, one) })
	tsTime := measure(func() {
		if _, err := r.Timestamp(ctx, now); err != nil {
			t.Fatal(err)
		}
	})

	st, err := r.Status(ctx, now)
	if err != nil {
		t.Fatal(err)
	}

	// What one resolve costs a new client: refresh, the page lookup and download, and one
	// file lookup, counted at the server.
	var served atomic.Int64
	fsrv := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		fsrv.ServeHTTP(countingWriter{w, &served}, req)
	}))
	defer srv.Close()
	resolveBytes := func(project, file string) (int64, string) {
		served.Store(0)
		c := newClient(t, dir, srv.URL, now)
		role, listed := c.page(project)
		c.file(file)
		if len(listed) == 0 {
			t.Fatalf("%s: empty page", project)
		}
		return served.Load(), role
	}
	stableBytes, stableRole := resolveBytes("proj00001", "proj00001-1.0-py3-none-any.whl")
	unstableBytes, _ := resolveBytes("proj00001", fmt.Sprintf("proj00001-1.%d-py3-none-any.whl", len(files[1])-1))
	if stableRole != "stable" {
		t.Fatalf("%s: page from %s", name, stableRole)
	}
	// A returning client after one more add: timestamp, snapshot and the changed shards.
	cache := t.TempDir()
	root := mustRead(t, filepath.Join(dir, "metadata", "1.root.json"))
	c := newClientCache(t, srv.URL, root, cache, now)
	c.page("proj00000")
	mustAdd(t, r, now, tinyWheel(t, src, "proj00000", "9.1"))
	served.Store(0)
	c = newClientCache(t, srv.URL, root, cache, now)
	c.page("proj00000")
	returning := served.Load()

	fmt.Fprintf(out, "\n== layout %s: %d projects, %d files (promoted %d) ==\n", name, len(files), total, len(pres.Promoted))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "bulk add (batches of 500 projects)\t%s\t\n", bulk)
	fmt.Fprintf(tw, "add 1 file to the full repository\t%s\t\n", addOne)
	fmt.Fprintf(tw, "promote (first, everything old)\t%s\t\n", promote)
	fmt.Fprintf(tw, "promote (nothing new)\t%s\t\n", promoteNoop)
	fmt.Fprintf(tw, "timestamp\t%s\t\n", tsTime)
	fmt.Fprintf(tw, "new client, one resolve from stable (page + 1 file)\t%s\t\n", kb(stableBytes))
	fmt.Fprintf(tw, "new client, page from stable + a file only unstable signs\t%s\t\n", kb(unstableBytes))
	fmt.Fprintf(tw, "returning client after one add (page)\t%s\t\n", kb(returning))
	tw.Flush()
	tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "role\tshards\tfiles\tpages\ttotal bytes\tlargest shard\t")
	for _, rs := range st.Roles {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t\n", rs.Role, rs.Shards, rs.Files, rs.Pages, kb(rs.Bytes), kb(rs.MaxBytes))
	}
	tw.Flush()
}

func kb(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.2f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KB", float64(n)/1024)
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return c.ResponseWriter.Write(p)
}

// cpu returns the process's CPU time: the machine may be shared, wall time alone misleads.
func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type timer struct{ wall, cpu time.Duration }

func measure(f func()) timer {
	w, c := time.Now(), cpu()
	f()
	return timer{time.Since(w), cpu() - c}
}

func (t timer) String() string {
	return fmt.Sprintf("%s (cpu %s)", t.wall.Round(time.Millisecond), t.cpu.Round(time.Millisecond))
}

func (t *timer) add(o timer) { t.wall += o.wall; t.cpu += o.cpu }
