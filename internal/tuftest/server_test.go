package tuftest

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"
)

func get(t *testing.T, url string, timeout time.Duration) (int, []byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func TestServerFaults(t *testing.T) {
	r, s, _ := newWheelRepo(t)
	tf := r.TargetInfo(Stable, wheelPath)
	wheelURL := s.URL + "/" + HashedPath(wheelPath, hexOf(tf.Hashes["sha256"]))
	tsURL := s.MetadataURL + "timestamp.json"
	want := "stable wheel"

	t.Run("plain", func(t *testing.T) {
		code, body, err := get(t, wheelURL, time.Second)
		if err != nil || code != 200 || string(body) != want {
			t.Fatalf("got %d %q %v", code, body, err)
		}
		if code, _, _ := get(t, s.TargetsURL+wheelPath, time.Second); code != 404 {
			t.Errorf("unhashed target name served with %d, want 404", code)
		}
	})
	t.Run("status times", func(t *testing.T) {
		defer s.ClearFaults()
		s.Inject(wheelPath, Status(503).Times(2))
		for i, wantCode := range []int{503, 503, 200} {
			if code, _, _ := get(t, wheelURL, time.Second); code != wantCode {
				t.Errorf("request %d: %d, want %d", i, code, wantCode)
			}
		}
	})
	t.Run("not found by role name", func(t *testing.T) {
		defer s.ClearFaults()
		s.Inject(Timestamp, NotFound())
		if code, _, _ := get(t, tsURL, time.Second); code != 404 {
			t.Errorf("got %d, want 404", code)
		}
	})
	t.Run("delay", func(t *testing.T) {
		defer s.ClearFaults()
		s.InjectAll(Delay(300 * time.Millisecond))
		if _, _, err := get(t, tsURL, 50*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want a timeout", err)
		}
		start := time.Now()
		if code, _, err := get(t, tsURL, 2*time.Second); err != nil || code != 200 {
			t.Errorf("got %d %v", code, err)
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("answered after %v, want >= 300ms", d)
		}
	})
	t.Run("stall", func(t *testing.T) {
		defer s.ClearFaults()
		s.Inject(wheelPath, Stall(3))
		start := time.Now()
		code, body, err := get(t, wheelURL, 200*time.Millisecond)
		if code != 200 || string(body) != want[:3] || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %d %q %v, want 200, 3 bytes and a timeout", code, body, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("stall outlived the client by %v", d)
		}
	})
	t.Run("drop", func(t *testing.T) {
		defer s.ClearFaults()
		s.Inject(wheelPath, Drop(5))
		_, body, err := get(t, wheelURL, time.Second)
		if !errors.Is(err, io.ErrUnexpectedEOF) || string(body) != want[:5] {
			t.Errorf("got %q %v, want 5 bytes and an unexpected EOF", body, err)
		}
	})
	t.Run("extra", func(t *testing.T) {
		defer s.ClearFaults()
		s.Inject(wheelPath, Extra(4))
		_, body, err := get(t, wheelURL, time.Second)
		if err != nil || string(body) != want+"xxxx" {
			t.Errorf("got %q %v", body, err)
		}
	})
	t.Run("endless", func(t *testing.T) {
		defer s.ClearFaults()
		s.Inject(wheelPath, Endless())
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, wheelURL, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, 10<<20))
		if err != nil || n != 10<<20 || resp.ContentLength != -1 {
			t.Errorf("read %d bytes (%v), content length %d; want 10 MiB of an unbounded body", n, err, resp.ContentLength)
		}
	})
	t.Run("replace", func(t *testing.T) {
		defer s.ClearFaults()
		s.Inject("metadata/99.root.json", Replace([]byte("junk")))
		code, body, err := get(t, s.MetadataURL+"99.root.json", time.Second)
		if err != nil || code != 200 || string(body) != "junk" {
			t.Errorf("got %d %q %v", code, body, err)
		}
	})
	t.Run("log", func(t *testing.T) {
		s.ResetLog()
		get(t, tsURL, time.Second)
		get(t, tsURL, time.Second)
		get(t, wheelURL, time.Second)
		if n := s.Count("metadata/timestamp.json"); n != 2 {
			t.Errorf("Count = %d, want 2", n)
		}
		if rep := s.Repeated(); len(rep) != 1 || rep[0] != "metadata/timestamp.json" {
			t.Errorf("Repeated = %v", rep)
		}
		reqs := s.Requests()
		if len(reqs) != 3 || reqs[2].Method != "GET" || reqs[2].Status != 200 {
			t.Errorf("Requests = %+v", reqs)
		}
	})
}

func TestTamperAndRestore(t *testing.T) {
	r, _, c := newWheelRepo(t)
	r.Tamper(wheelPath, FlipByte)
	if _, err := c.get(wheelPath); err == nil {
		t.Fatal("tampered wheel accepted")
	}
	r.Restore()
	c.mustGet(wheelPath, []byte("stable wheel"))
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

func TestServerTrickle(t *testing.T) {
	r, s, _ := newWheelRepo(t)
	tf := r.TargetInfo(Stable, wheelPath)
	wheelURL := s.URL + "/" + HashedPath(wheelPath, hexOf(tf.Hashes["sha256"]))
	s.Inject(wheelPath, Trickle(20*time.Millisecond))
	start := time.Now()
	code, body, err := get(t, wheelURL, 100*time.Millisecond)
	if code != 200 || !errors.Is(err, context.DeadlineExceeded) || len(body) < 2 || len(body) > 6 {
		t.Errorf("got %d, %d bytes, %v; want a few bytes then the client's timeout", code, len(body), err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("trickle outlived the client by %v", d)
	}
}
