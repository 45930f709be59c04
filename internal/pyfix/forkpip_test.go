package pyfix

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestPipServerMatchesCLI: a command run by the fork server behaves as "python -m pip":
// same exit code, same error, same choice in the report.
func TestPipServerMatchesCLI(t *testing.T) {
	for _, py := range Pythons(t) {
		t.Run(py.Version, func(t *testing.T) { pipServerMatchesCLI(t, py) })
	}
}

func pipServerMatchesCLI(t *testing.T, py Interpreter) {
	n, d := Wheel(t, WheelSpec{Name: "served", Version: "3.0"})
	ix := NewIndex(t, IndexFile{Filename: n, Data: d})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := StartPipServer(ctx, py.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, args := range [][]string{
		{"install", "--dry-run", "--no-deps", "--quiet", "--report", "-", "--index-url", ix.URL, "served"},
		{"install", "--dry-run", "--no-deps", "--quiet", "--index-url", ix.URL, "absent"},
		{"--version"},
	} {
		cli, err := RunPip(ctx, py.Path, args...)
		if err != nil {
			t.Fatal(err)
		}
		forked, err := srv.Run(ctx, args...)
		if err != nil {
			t.Fatal(err)
		}
		if cli.Code != forked.Code || cli.Stderr != forked.Stderr {
			t.Errorf("pip %v:\ncli: %s\nforked: %s", args, cli, forked)
		}
		// The report holds a download URL and metadata; both runs must agree on them.
		if args[0] == "install" && cli.Code == 0 &&
			(!strings.Contains(forked.Stdout, `"version": "3.0"`) || !strings.Contains(forked.Stdout, ix.FileURL(n))) {
			t.Errorf("forked report:\n%s", forked.Stdout)
		}
		t.Logf("pip %s: cli %v (cpu %v), forked %v (cpu %v)", args[0], cli.Duration.Round(time.Millisecond),
			cli.CPU.Round(time.Millisecond), forked.Duration.Round(time.Millisecond), forked.CPU.Round(time.Millisecond))
	}
}

func TestCoreMetadata(t *testing.T) {
	wn, wd := Wheel(t, WheelSpec{Name: "Meta.Pkg", Version: "1.0", RequiresPython: ">=3.8"})
	sn, sd := Sdist(t, SdistSpec{Name: "Meta.Pkg", Version: "1.0", RequiresPython: ">=3.8"})
	want := metadataText("Meta.Pkg", "1.0", ">=3.8", nil)
	for _, c := range []struct {
		name string
		data []byte
	}{{wn, wd}, {sn, sd}} {
		got, err := CoreMetadata(c.name, c.data)
		if err != nil || string(got) != want {
			t.Errorf("CoreMetadata(%s) = %q, %v; want %q", c.name, got, err, want)
		}
	}
	if _, err := CoreMetadata("x-1.0.zip", []byte("PK")); err == nil {
		t.Error("CoreMetadata of a .zip sdist succeeded")
	}
	if _, err := CoreMetadata("x-1.0-py3-none-any.whl", []byte("not a zip")); err == nil {
		t.Error("CoreMetadata of a broken wheel succeeded")
	}
}

// TestPipServerCancel: a cancelled context stops a pip that hangs on the network, at once,
// and the dead server refuses further work instead of hanging.
func TestPipServerCancel(t *testing.T) {
	py := Pythons(t)[0]
	release := make(chan struct{})
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer stall.Close()
	defer close(release)
	srv, err := StartPipServer(context.Background(), py.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err = srv.Run(ctx, "install", "--dry-run", "--no-deps", "--timeout", "60", "--retries", "0",
		"--index-url", stall.URL+"/simple/", "anything")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run on a stalled index: %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Run took %v to give up", d)
	}
	if _, err := srv.Run(context.Background(), "--version"); err == nil {
		t.Error("a killed server still ran a command")
	}
}
