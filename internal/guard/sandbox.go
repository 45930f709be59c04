package guard

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// pip must reach nothing but tufpip's index, whatever it is told by the metadata of what it
// installs (a dependency "evil @ https://...", "git+https://..."), by a build backend, or by
// a configuration tufpip did not think of. So pip runs with every proxy variable pointing at
// a refusing proxy inside tufpip, and only the index's own "localhost:PORT" exempt: pip's
// requests (every vendored version, 20.3 to 26) and git honour these, and requests'
// NO_PROXY matching exempts "localhost:PORT" but neither 127.0.0.1 nor another port. Version
// control programs are replaced on PATH by stubs that refuse (ssh and svn ignore proxy
// variables), and git may use no transport at all (GIT_ALLOW_PROTOCOL). Whatever pip tried
// to reach is reported after it exits, and tufpip then exits 3.

// Sandbox is the refusing proxy and the stub folder of one wrapper run.
type Sandbox struct {
	proxyURL string
	stubDir  string // "" where stubs are not written (Windows)
	srv      *http.Server
	ln       net.Listener
	// front, when set, answers the proxy requests for http://frontHost/...: uv reaches
	// tufpip's index through the proxy under that fixed name (uv.go).
	front     http.Handler
	frontHost string

	mu       sync.Mutex
	attempts []string
}

// vcsCommands are the programs pip runs for VCS requirements (git, hg, svn, bzr).
var vcsCommands = []string{"git", "hg", "svn", "bzr"}

// maxAttempts bounds what the refusing proxy remembers.
const maxAttempts = 20

// StartSandbox starts the refusing proxy on 127.0.0.1 and writes the VCS stubs. With a
// front, requests through the proxy for http://frontHost/ are answered by front (uv reaches
// tufpip's index that way); everything else is refused.
func StartSandbox(frontHost string, front http.Handler) (*Sandbox, error) {
	if addrs, err := net.LookupHost("localhost"); err != nil || !slices.Contains(addrs, "127.0.0.1") {
		return nil, fmt.Errorf("localhost does not resolve to 127.0.0.1 (%v %v): pip reaches tufpip's index as localhost", addrs, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting tufpip's refusing proxy on 127.0.0.1: %w", err)
	}
	sb := &Sandbox{proxyURL: "http://" + ln.Addr().String(), ln: ln, front: front, frontHost: frontHost}
	sb.srv = &http.Server{Handler: http.HandlerFunc(sb.refuse), ReadHeaderTimeout: 10 * time.Second}
	go sb.srv.Serve(ln)
	if runtime.GOOS != "windows" {
		dir, err := os.MkdirTemp("", "tufpip-vcs-")
		if err != nil {
			sb.Close()
			return nil, err
		}
		sb.stubDir = dir
		for _, name := range vcsCommands {
			script := "#!/bin/sh\n" +
				"echo \"" + name + " $*\" >> '" + filepath.Join(dir, "attempts") + "'\n" +
				"echo 'tufpip: error: pip may not run " + name + ": version control checkouts are not verified by tufpip' >&2\n" +
				"exit 1\n"
			if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o700); err != nil {
				sb.Close()
				return nil, err
			}
		}
	}
	return sb, nil
}

func (sb *Sandbox) refuse(w http.ResponseWriter, r *http.Request) {
	if sb.front != nil && r.Method != http.MethodConnect && r.URL.Scheme == "http" && r.URL.Host == sb.frontHost && r.URL.User == nil {
		sb.front.ServeHTTP(w, r)
		return
	}
	target := r.URL.String()
	if r.Method == http.MethodConnect {
		target = "https://" + r.Host
	}
	sb.mu.Lock()
	if len(sb.attempts) < maxAttempts {
		sb.attempts = append(sb.attempts, target)
	}
	sb.mu.Unlock()
	http.Error(w, "tufpip: pip may reach only tufpip's verifying index, not "+target, http.StatusForbidden)
}

// Close stops the proxy and removes the stubs.
func (sb *Sandbox) Close() {
	if sb.srv != nil {
		sb.srv.Close()
	}
	sb.ln.Close()
	if sb.stubDir != "" {
		os.RemoveAll(sb.stubDir)
	}
}

// Attempts returns what pip tried to reach outside the index: URLs, and VCS command lines.
func (sb *Sandbox) Attempts() []string {
	sb.mu.Lock()
	out := append([]string(nil), sb.attempts...)
	sb.mu.Unlock()
	if sb.stubDir != "" {
		if data, err := os.ReadFile(filepath.Join(sb.stubDir, "attempts")); err == nil {
			for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				if l != "" && len(out) < 2*maxAttempts {
					out = append(out, l)
				}
			}
		}
	}
	return out
}

// Env rewrites environ for pip: every proxy variable (any case, any scheme) replaced by the
// refusing proxy, NO_PROXY only for the index's host:port ("" exempts nothing), the stubs
// first on PATH.
func (sb *Sandbox) Env(environ []string, indexHostPort string) []string {
	out := make([]string, 0, len(environ)+12)
	path := ""
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		switch lk := strings.ToLower(k); {
		case strings.HasSuffix(lk, "_proxy"), lk == "git_allow_protocol", lk == "request_method":
			continue
		case k == "PATH":
			path = v
			continue
		}
		out = append(out, kv)
	}
	if sb.stubDir != "" {
		path = sb.stubDir + string(os.PathListSeparator) + path
	}
	for _, k := range []string{"http_proxy", "https_proxy", "all_proxy"} {
		out = append(out, k+"="+sb.proxyURL, strings.ToUpper(k)+"="+sb.proxyURL)
	}
	return append(out, "NO_PROXY="+indexHostPort, "no_proxy="+indexHostPort,
		"GIT_ALLOW_PROTOCOL=tufpip-none", "PATH="+path)
}

// OutsideError is what pip (or uv: tool) tried to reach outside tufpip's index.
type OutsideError struct {
	Tool     string
	Attempts []string
}

func (e *OutsideError) Error() string {
	a := append([]string(nil), e.Attempts...)
	sort.Strings(a)
	return fmt.Sprintf("%s tried to reach %s outside tufpip's verifying index; refused", e.Tool, strings.Join(a, ", "))
}
