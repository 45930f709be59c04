package guard

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckPipArgs(t *testing.T) {
	tests := []struct {
		command string
		args    []string
		refused string // substring of the error; "" = accepted
	}{
		{"install", []string{"foo", "bar[x]>=1; python_version >= '3.8'"}, ""},
		{"install", []string{"-i", "http://evil/simple", "foo"}, "-i http://evil/simple: pip would fetch from an index"},
		{"install", []string{"--index-url=http://evil/simple", "foo"}, "--index-url http://evil/simple"},
		{"install", []string{"-qi", "http://evil", "foo"}, "-i http://evil"},
		{"install", []string{"-ihttp://evil", "foo"}, "-i http://evil"},
		{"install", []string{"--extra-index-url", "http://evil", "foo"}, "--extra-index-url http://evil"},
		{"install", []string{"--extra", "http://evil", "foo"}, "--extra http://evil"}, // pip's abbreviation
		{"download", []string{"-f", "./wheels", "foo"}, "-f ./wheels: pip would install files found outside"},
		{"install", []string{"--find-links=/tmp/w", "foo"}, "--find-links /tmp/w"},
		{"install", []string{"--trusted-host", "evil", "foo"}, "--trusted-host evil"},
		{"install", []string{"--proxy", "http://p:3128", "foo"}, "proxy"},
		{"install", []string{"foo", "--python", "/usr/bin/python3"}, "pip would run in another interpreter"},
		{"install", []string{"foo", "--require-role", "stable"}, "a tufpip option among pip's arguments"},
		{"install", []string{"foo @ https://evil/foo-1.0-py3-none-any.whl"}, "a direct URL requirement"},
		{"install", []string{"foo@git+https://evil/foo"}, "a direct URL requirement"},
		{"install", []string{"https://evil/foo-1.0-py3-none-any.whl"}, "a URL requirement"},
		{"install", []string{"git+https://evil/foo.git#egg=foo"}, "a URL requirement"},
		{"install", []string{"./foo-1.0-py3-none-any.whl"}, "./foo-1.0-py3-none-any.whl: a local path"},
		{"install", []string{"foo-1.0-py3-none-any.whl"}, "a local path"},
		{"install", []string{"."}, "a local path"},
		{"install", []string{"/abs/dir[extra]"}, "a local path"},
		{"install", []string{"-e", "."}, "-e .: editable requirements"},
		{"install", []string{"--editable=git+https://x/y"}, "editable"},
		{"install", []string{"--", "./x.whl"}, "a local path"},
		{"install", []string{"--no-index", "foo"}, ""}, // pip then has no index at all
		{"install", []string{"--no-index", "./x.whl"}, "a local path"},
		{"install", []string{"-t", "./target", "--root", "/mnt", "--prefix=./p", "--no-deps", "foo"}, ""},
		{"install", []string{"-r", "https://evil/req.txt"}, "pip would read requirements from a URL"},
		{"download", []string{"-d", "./wheels", "--no-binary", ":all:", "--platform", "manylinux2014_x86_64", "foo"}, ""},
		{"download", []string{"-dwheels/", "foo"}, ""},
		{"download", []string{"--python-version", "3.11", "--python-v=3.12", "--only-binary=:all:", "-d", "w", "foo"}, ""},
		{"download", []string{"--pyth", "3.11", "foo"}, "another interpreter"}, // ambiguous to pip, refused here
		{"", []string{"wheel", "-w", "./dist", "foo"}, ""},
		{"", []string{"wheel", "./src"}, "a local path"},
		{"", []string{"--python", "/x", "install", "foo"}, "another interpreter"},
		{"", []string{"--trusted-host", "evil", "list"}, "--trusted-host evil"},
		{"", []string{"list", "-i", "http://evil"}, "-i http://evil"},
		{"", []string{"show", "-f", "foo"}, ""}, // -f is --files in show
		{"", []string{"hash", "./x.whl"}, ""},   // reads a local file, installs nothing
		{"", []string{"uninstall", "-y", "foo"}, ""},
		{"", []string{"list", "-e"}, ""},              // -e is a flag in list
		{"", []string{"lock", "./x"}, "a local path"}, // a command this table does not know is read as install
	}
	for _, tt := range tests {
		t.Run(tt.command+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			err := checkPipArgs(parsePipArgs(tt.command, tt.args))
			if tt.refused == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var re *RefusedError
			if err == nil || !strings.Contains(err.Error(), tt.refused) || !errors.As(err, &re) {
				t.Fatalf("err = %v, want a RefusedError with %q", err, tt.refused)
			}
			if !isUsage(err) || hintOf(err) == "" {
				t.Errorf("err %v, hint %q: want a usage error and a hint", err, hintOf(err))
			}
		})
	}
}

// Requirements files are read as pip reads them, includes followed, and every refusal names
// the file and line.
func TestCheckRequirementsFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hashes := "foo==1.0 \\\n    --hash=sha256:" + strings.Repeat("a", 64) + "\n"
	tests := []struct {
		name, content string
		extra         map[string]string // more files, relative to dir
		refused       string
	}{
		{name: "ok.txt", content: "# pinned\n" + hashes + "bar>=1 ; python_version > '3'  # ${NOT_A_VAR} in a comment\n--only-binary :all:\n--no-index\n"},
		{name: "extra.txt", content: hashes + "--extra-index-url https://evil/simple\n", refused: "extra.txt:3: --extra-index-url https://evil/simple: pip would fetch"},
		{name: "short.txt", content: "-i https://evil/simple\nfoo\n", refused: "short.txt:1: --index-url https://evil/simple"},
		{name: "links.txt", content: "foo\n\n--find-links ./wheels\n", refused: "links.txt:3: --find-links ./wheels"},
		{name: "host.txt", content: "--trusted-host evil\n", refused: "host.txt:1: --trusted-host evil"},
		{name: "url.txt", content: "foo\nbar @ https://evil/bar-1.0-py3-none-any.whl\n", refused: "url.txt:2: bar @ https://evil/bar-1.0-py3-none-any.whl: a direct URL"},
		{name: "path.txt", content: "./bar-1.0-py3-none-any.whl\n", refused: "path.txt:1: ./bar-1.0-py3-none-any.whl: a local path"},
		{name: "edit.txt", content: "-e ./src\n", refused: "edit.txt:1: -e ./src: editable"},
		{name: "top.txt", content: "foo\n-r sub/inner.txt\n", extra: map[string]string{"sub/inner.txt": "bar\n-c deeper.txt\n", "sub/deeper.txt": "baz\n--extra-index-url=https://evil\n"},
			refused: "deeper.txt:2: --extra-index-url https://evil"},
		{name: "var.txt", content: "foo\n${EXTRA_OPTS}\n", refused: "var.txt:2"},
		{name: "varmarker.txt", content: "foo ; python_version > \"${PYV}\"\n", refused: "varmarker.txt:1: ${PYV}: pip expands environment variables"},
		{name: "remote.txt", content: "-r https://evil/more.txt\n", refused: "remote.txt:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for n, c := range tt.extra {
				write(n, c)
			}
			p := write(tt.name, tt.content)
			for _, args := range [][]string{{"-r", p}, {"-c" + p, "foo"}, {"--requirement=" + p}} {
				err := checkPipArgs(parsePipArgs("install", args))
				if tt.refused == "" {
					if err != nil {
						t.Fatalf("%q: refused: %v", args, err)
					}
					continue
				}
				if err == nil || !strings.Contains(err.Error(), tt.refused) || !isUsage(err) {
					t.Fatalf("%q: err = %v, want %q and a usage error", args, err, tt.refused)
				}
			}
		})
	}
	if err := checkPipArgs(parsePipArgs("install", []string{"-r", filepath.Join(dir, "missing.txt")})); err == nil || !isUsage(err) {
		t.Errorf("missing file: %v", err)
	}
	// pip show and uninstall read no index: their -r files are not ours to police
	if err := checkPipArgs(parsePipArgs("", []string{"uninstall", "-r", filepath.Join(dir, "url.txt")})); err != nil {
		t.Errorf("uninstall -r: %v", err)
	}
}

func TestPipEnv(t *testing.T) {
	var log bytes.Buffer
	environ := []string{"PATH=/bin", "PIP_EXTRA_INDEX_URL=https://evil/simple", "PIP_NO_CACHE_DIR=1",
		"PIP_CONFIG_FILE=/home/u/pip.conf", "NO_PROXY=.corp", "HTTP_PROXY=http://proxy:3128"}
	env := PipEnv(environ, "http://127.0.0.1:9/simple/", slog.New(slog.NewTextHandler(&log, nil)))
	got := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := got[k]; dup {
			t.Errorf("%s set twice", k)
		}
		got[k] = v
	}
	want := map[string]string{
		"PATH": "/bin", "HTTP_PROXY": "http://proxy:3128", "PIP_CONFIG_FILE": os.DevNull,
		"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_RETRIES": "0", "PIP_TIMEOUT": "600", "PIP_INDEX_URL": "http://127.0.0.1:9/simple/",
		"NO_PROXY": ".corp", "PYTHONUTF8": "1",
	}
	if len(got) != len(want) {
		t.Errorf("env = %v", env)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	msg := log.String()
	for _, s := range []string{"ignoring PIP_CONFIG_FILE", "ignoring PIP_EXTRA_INDEX_URL"} {
		if !strings.Contains(msg, s) {
			t.Errorf("warnings %q lack %q", msg, s)
		}
	}
	PipEnv([]string{"PIP_CONFIG_FILE=" + os.DevNull}, "http://127.0.0.1:9/simple/", slog.New(slog.NewTextHandler(&log, nil)))
	if strings.Count(log.String(), "PIP_CONFIG_FILE") != 1 {
		t.Errorf("warned about PIP_CONFIG_FILE=%s, which changes nothing: %q", os.DevNull, log.String())
	}
	if strings.Contains(msg, "PIP_NO_CACHE_DIR") {
		t.Errorf("warned about a variable that does not change the index: %q", msg)
	}
}

// Every proxy variable, in any case and for any scheme, points at the refusing proxy;
// only the index's host:port is exempt; the VCS stubs come first on PATH.
func TestPipSandboxEnv(t *testing.T) {
	sb, err := StartSandbox("", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	environ := []string{"PATH=/bin", "NO_PROXY=*", "no_proxy=127.0.0.1", "Ftp_Proxy=http://corp:1", "SOCKS_PROXY=x",
		"HTTPS_PROXY=http://corp:3128", "GIT_ALLOW_PROTOCOL=https", "REQUEST_METHOD=GET", "HOME=/h"}
	got := map[string]string{}
	for _, kv := range sb.Env(environ, "localhost:4242") {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := got[k]; dup {
			t.Errorf("%s set twice", k)
		}
		got[k] = v
	}
	want := map[string]string{"HOME": "/h", "NO_PROXY": "localhost:4242", "no_proxy": "localhost:4242",
		"GIT_ALLOW_PROTOCOL": "tufpip-none"}
	for _, k := range []string{"http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"} {
		want[k] = sb.proxyURL
	}
	if sb.stubDir != "" {
		want["PATH"] = sb.stubDir + string(os.PathListSeparator) + "/bin"
	}
	if len(got) != len(want) {
		t.Errorf("env = %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

// exitUsage stands for the CLI's mapping: every error of the guard is a usage error (exit
// 2) there; a RefusedError carries a hint.
func isUsage(err error) bool {
	var re *RefusedError
	var ue *UsageError
	return errors.As(err, &re) || errors.As(err, &ue)
}

func hintOf(err error) string {
	var re *RefusedError
	if errors.As(err, &re) {
		return re.Hint
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		return ue.Hint
	}
	return ""
}
