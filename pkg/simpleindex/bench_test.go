//go:build unix

package simpleindex

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"syscall"
	"testing"
	"time"
)

// bigPage is a project page of n files shaped like a large PyPI project: many releases,
// each with an sdist and manylinux/macOS/Windows wheels for several CPython versions,
// PyPI-style URLs, sha256 hashes and requires-python. With metadata, every file also has
// PEP 658 metadata hashes (HTML then carries them twice, as PyPI does).
func bigPage(n int, metadata bool) *Page {
	tags := []string{
		"cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64", "cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64",
		"cp312-cp312-macosx_11_0_arm64", "cp312-cp312-win_amd64", "cp313-cp313-musllinux_1_2_x86_64",
	}
	p := &Page{Name: "bigproject", Files: make([]File, 0, n)}
	for i := 0; len(p.Files) < n; i++ {
		version := fmt.Sprintf("%d.%d.%d", 1+i/100, (i/10)%10, i%10)
		p.Versions = append(p.Versions, version)
		names := []string{"bigproject-" + version + ".tar.gz"}
		for _, tag := range tags {
			names = append(names, "bigproject-"+version+"-"+tag+".whl")
		}
		for _, name := range names {
			if len(p.Files) == n {
				break
			}
			sum := sha256.Sum256([]byte(name))
			digest := hex.EncodeToString(sum[:])
			md := sha256.Sum256([]byte(name + ".metadata"))
			f := File{
				Filename:       name,
				URL:            "https://files.example.org/packages/" + digest[:2] + "/" + digest[2:4] + "/" + digest[4:] + "/" + name,
				Hashes:         map[string]string{"sha256": digest},
				RequiresPython: ">=3.10",
				Size:           int64(1000000 + i),
				UploadTime:     time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour),
			}
			if metadata {
				f.CoreMetadata = map[string]string{"sha256": hex.EncodeToString(md[:])}
			}
			p.Files = append(p.Files, f)
		}
	}
	return p
}

func benchmarkParse(b *testing.B, render func(*bytes.Buffer, *Page) error, parse func([]byte) (*Page, error)) {
	for _, md := range []bool{false, true} {
		name := "plain"
		if md {
			name = "metadata"
		}
		b.Run(name, func(b *testing.B) {
			var buf bytes.Buffer
			if err := render(&buf, bigPage(10000, md)); err != nil {
				b.Fatal(err)
			}
			benchmarkParseData(b, buf.Bytes(), parse)
		})
	}
}

func benchmarkParseData(b *testing.B, data []byte, parse func([]byte) (*Page, error)) {
	b.SetBytes(int64(len(data)))
	b.ReportMetric(float64(len(data))/(1<<20), "MiB/page")
	b.ReportAllocs()
	// The machine is shared: CPU time per page (GC included) says more than wall time
	// when other processes compete for the cores.
	start := cpuTime()
	n := 0
	for b.Loop() {
		p, err := parse(data)
		if err != nil || len(p.Files) != 10000 {
			b.Fatalf("%v, %d files", err, len(p.Files))
		}
		n++
	}
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/1000/float64(n), "cpu-ms/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkParseHTML10k(b *testing.B) {
	u := mustURL(b, "https://example.org/targets/simple/bigproject/index.html")
	benchmarkParse(b, func(w *bytes.Buffer, p *Page) error { return RenderHTML(w, p) },
		func(d []byte) (*Page, error) { return ParseHTML(d, u, nil) })
}

func BenchmarkParseJSON10k(b *testing.B) {
	u := mustURL(b, "https://example.org/targets/simple/bigproject/index.html")
	benchmarkParse(b, func(w *bytes.Buffer, p *Page) error { return RenderJSON(w, p) },
		func(d []byte) (*Page, error) { return ParseJSON(d, u, nil) })
}

func BenchmarkRenderHTML10k(b *testing.B) {
	p := bigPage(10000, true)
	b.ReportAllocs()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := RenderHTML(&buf, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderJSON10k(b *testing.B) {
	p := bigPage(10000, true)
	b.ReportAllocs()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := RenderJSON(&buf, p); err != nil {
			b.Fatal(err)
		}
	}
}
