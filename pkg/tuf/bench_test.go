package tuf

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const benchChildEnv = "TUFPIP_VERIFY_BENCH_CHILD"

// BenchmarkDownload1GiB streams a 1 GiB target from 127.0.0.1 through
// Client.Download in a child process and reports that process's peak RSS
// (VmHWM) and wall time, next to sha256sum over the same file. Peak RSS
// must stay under 64 MiB whatever the target's size. Run it with
//
//	go test ./pkg/tuf -run '^$' -bench Download1GiB -benchtime 1x
func BenchmarkDownload1GiB(b *testing.B) {
	const size = 1 << 30
	dir := b.TempDir()
	src := filepath.Join(dir, "big.whl")
	sum := writeBigFile(b, src, size)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, src)
	}))
	defer srv.Close()

	start := time.Now()
	if out, err := exec.Command("sha256sum", src).Output(); err != nil || !strings.HasPrefix(string(out), sum) {
		b.Fatalf("sha256sum: %v %s", err, out)
	}
	shaSecs := time.Since(start).Seconds()

	b.ResetTimer()
	var peakKiB int64
	var dlSecs float64
	for range b.N {
		dest := filepath.Join(dir, "dest.whl")
		cmd := exec.Command(os.Args[0], "-test.run=^TestBenchChild$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), benchChildEnv+"=1", "BENCH_URL="+srv.URL,
			"BENCH_SHA256="+sum, "BENCH_SIZE="+strconv.Itoa(size), "BENCH_DEST="+dest)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("child: %v\n%s", err, out)
		}
		peakKiB, dlSecs = parseChild(b, out)
		os.Remove(dest)
	}
	b.StopTimer()
	b.ReportMetric(float64(peakKiB)/1024, "peak-RSS-MiB")
	b.ReportMetric(dlSecs, "download-s")
	b.ReportMetric(shaSecs, "sha256sum-s")
	b.ReportMetric(size/dlSecs/(1<<20), "MiB/s")
	if peakKiB > 64<<10 {
		b.Errorf("peak RSS %d KiB exceeds 64 MiB", peakKiB)
	}
}

// TestBenchChild is the download side of BenchmarkDownload1GiB.
func TestBenchChild(t *testing.T) {
	if os.Getenv(benchChildEnv) == "" {
		t.Skip("run as a child by BenchmarkDownload1GiB")
	}
	size, _ := strconv.ParseInt(os.Getenv("BENCH_SIZE"), 10, 64)
	c, err := newClient(Config{
		MetadataURL: os.Getenv("BENCH_URL") + "/metadata",
		TargetsURL:  os.Getenv("BENCH_URL") + "/targets",
		TrustedRoot: []byte("{}"),
		CacheDir:    t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	tg := &Target{Path: "big.whl", Length: size, Hashes: map[string]string{"sha256": os.Getenv("BENCH_SHA256")}, Role: "stable"}
	start := time.Now()
	if err := c.Download(context.Background(), tg, os.Getenv("BENCH_DEST")); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("BENCH download-s %f\n", time.Since(start).Seconds())
	fmt.Printf("BENCH peak-kib %d\n", vmHWM(t))
}

func vmHWM(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

func parseChild(b *testing.B, out []byte) (peakKiB int64, secs float64) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] != "BENCH" {
			continue
		}
		switch f[1] {
		case "download-s":
			secs, _ = strconv.ParseFloat(f[2], 64)
		case "peak-kib":
			peakKiB, _ = strconv.ParseInt(f[2], 10, 64)
		}
	}
	if peakKiB == 0 || secs == 0 {
		b.Fatalf("child printed no measurements:\n%s", out)
	}
	return peakKiB, secs
}

// writeBigFile writes size bytes of varied (not all-zero) data and returns
// its sha256 in hex.
func writeBigFile(b *testing.B, p string, size int) string {
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for i := 0; i < size/len(buf); i++ {
		for j := 0; j < len(buf); j += 8 {
			binary.LittleEndian.PutUint64(buf[j:], uint64(i)<<32|uint64(j)*2654435761)
		}
		f.Write(buf)
		h.Write(buf)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
