package tuf

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// countingServer serves handler and counts requests.
func countingServer(t *testing.T, handler http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// stallServer sends headers and a few bytes, then nothing until the test ends.
func stallServer(t *testing.T) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.Write([]byte("0123456789"))
		w.(http.Flusher).Flush()
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) })
	return srv
}

func TestFetcher404NotRetried(t *testing.T) {
	srv, n := countingServer(t, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	f := &Fetcher{Retries: 3, RetryDelay: time.Millisecond}
	_, err := f.Get(context.Background(), srv.URL+"/2.root.json", 1000)
	var ne *NetworkError
	if !errors.As(err, &ne) || ne.StatusCode != 404 {
		t.Fatalf("got %v, want *NetworkError with status 404", err)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("404 requested %d times, want 1", got)
	}

	// What go-tuf sees: a bare *metadata.ErrDownloadHTTP, the only thing that
	// ends its root rotation probe (docs/reference.md, item 9).
	tf := &tufFetcher{f: f}
	_, err = tf.DownloadFile(srv.URL+"/2.root.json", 1000, 0)
	h, ok := err.(*metadata.ErrDownloadHTTP)
	if !ok || h.StatusCode != 404 {
		t.Fatalf("go-tuf adaptor returned %T %v, want *metadata.ErrDownloadHTTP 404", err, err)
	}
}

func TestFetcherRetries(t *testing.T) {
	tests := []struct {
		name      string
		status    []int // per attempt; the last repeats
		retries   int
		wantCalls int32
		wantErr   bool
	}{
		{"5xx retried a bounded number of times", []int{503}, 2, 3, true},
		{"5xx then success", []int{500, 502, 200}, 3, 3, false},
		{"no retries configured", []int{503}, 0, 1, true},
		{"403 not retried", []int{403}, 3, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(calls.Add(1)) - 1
				code := tt.status[min(i, len(tt.status)-1)]
				w.WriteHeader(code)
				w.Write([]byte("body"))
			}))
			defer srv.Close()
			f := &Fetcher{Retries: tt.retries, RetryDelay: time.Millisecond}
			data, err := f.Get(context.Background(), srv.URL+"/x", 100)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && string(data) != "body" {
				t.Errorf("data = %q", data)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("%d requests, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestFetcherRetriesConnectionErrors(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			// Drop the connection without a response.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	f := &Fetcher{Retries: 2, RetryDelay: time.Millisecond}
	data, err := f.Get(context.Background(), srv.URL+"/x", 100)
	if err != nil || string(data) != "ok" {
		t.Fatalf("got %q, %v; want ok after two dropped connections", data, err)
	}
	if calls.Load() != 3 {
		t.Errorf("%d requests, want 3", calls.Load())
	}
}

func TestFetcherStallTimesOut(t *testing.T) {
	srv := stallServer(t)
	f := &Fetcher{IdleTimeout: 200 * time.Millisecond}
	start := time.Now()
	_, err := f.Get(context.Background(), srv.URL+"/timestamp.json", 1000)
	if !errors.Is(err, errStalled) {
		t.Fatalf("got %v, want the stall error", err)
	}
	if !IsNetwork(err) {
		t.Errorf("stall is not a *NetworkError: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stall detected after %v", d)
	}
}

func TestFetcherStallBeforeHeaders(t *testing.T) {
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(done)
	// A caller-supplied client without any timeout: the idle timer still applies.
	f := &Fetcher{Client: &http.Client{}, IdleTimeout: 200 * time.Millisecond}
	_, err := f.Get(context.Background(), srv.URL+"/x", 10)
	if !errors.Is(err, errStalled) {
		t.Fatalf("got %v, want the stall error", err)
	}
}

func TestFetcherSizeCap(t *testing.T) {
	big := strings.Repeat("x", 5000)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		max     int64
		wantErr bool
	}{
		{"announced too large", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5000")
			w.Write([]byte(big))
		}, 1000, true},
		{"chunked, too large", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(big[:2500]))
			w.(http.Flusher).Flush()
			w.Write([]byte(big[2500:]))
		}, 1000, true},
		{"exactly the cap", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(big[:1000]))
		}, 1000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := countingServer(t, tt.handler)
			f := &Fetcher{Retries: 3, RetryDelay: time.Millisecond}
			data, err := f.Get(context.Background(), srv.URL+"/x", tt.max)
			if tt.wantErr {
				if !errors.Is(err, &metadata.ErrDownloadLengthMismatch{}) {
					t.Fatalf("got %v, want a length mismatch", err)
				}
				if !IsVerification(classify(err, "x")) {
					t.Errorf("oversized download not classified as verification failure")
				}
				if n.Load() != 1 {
					t.Errorf("oversized download retried (%d requests)", n.Load())
				}
				return
			}
			if err != nil || int64(len(data)) != tt.max {
				t.Fatalf("got %d bytes, %v", len(data), err)
			}
		})
	}
}

func TestFetcherEndlessBodyStopsAtCap(t *testing.T) {
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("A"), 32<<10)
		for r.Context().Err() == nil && sent.Load() < 1<<30 {
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	f := &Fetcher{}
	_, err := f.Get(context.Background(), srv.URL+"/timestamp.json", 16384)
	if !errors.Is(err, &metadata.ErrDownloadLengthMismatch{}) {
		t.Fatalf("got %v, want a length mismatch", err)
	}
	srv.CloseClientConnections()
	if s := sent.Load(); s >= 1<<30 {
		t.Errorf("server sent %d bytes: the client kept reading", s)
	}
}

func TestFetcherContextCancel(t *testing.T) {
	srv := stallServer(t)
	f := &Fetcher{IdleTimeout: time.Minute, Retries: 5}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := f.Get(ctx, srv.URL+"/x", 1000)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %v", d)
	}
}

func TestFetcherCancelDuringBackoff(t *testing.T) {
	srv, n := countingServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	f := &Fetcher{Retries: 5, RetryDelay: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := f.Get(ctx, srv.URL+"/x", 10)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if n.Load() != 1 {
		t.Errorf("%d requests, want 1", n.Load())
	}
}

func TestFetcherUserAgent(t *testing.T) {
	var ua atomic.Value
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) { ua.Store(r.UserAgent()) })
	f := &Fetcher{UserAgent: "tufpip/1.2.3"}
	if _, err := f.Get(context.Background(), srv.URL+"/x", 10); err != nil {
		t.Fatal(err)
	}
	if got := ua.Load(); got != "tufpip/1.2.3" {
		t.Errorf("User-Agent = %v", got)
	}
}

// trickleServer sends one byte every interval, never pausing long enough
// for the idle timeout.
func trickleServer(t *testing.T, every time.Duration) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		for range 100000 {
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-time.After(every):
			case <-r.Context().Done():
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFetcherSlowRetrieval(t *testing.T) {
	srv := trickleServer(t, 20*time.Millisecond)
	f := &Fetcher{IdleTimeout: 200 * time.Millisecond}
	start := time.Now()
	_, err := f.Get(context.Background(), srv.URL+"/timestamp.json", 100000)
	if !errors.Is(err, errTooSlow) || !IsNetwork(err) {
		t.Fatalf("got %v, want the slow-retrieval error", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("slow retrieval detected after %v; the window is %v", d, 2*f.IdleTimeout)
	}

	// With the minimum switched off the same server is only bounded by the
	// caller's context: the rate check is what ends the run above.
	f.MinRate = -1
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := f.Get(ctx, srv.URL+"/timestamp.json", 100000); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("without a minimum rate: got %v, want the context's deadline", err)
	}
}
