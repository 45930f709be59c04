package lockfile_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tufpip/tufpip/pkg/lockfile"
)

func ExampleParseFile() {
	entries, err := lockfile.ParseFile("testdata/uv.lock")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range entries[:4] {
		fmt.Println(e.Pos, e.Kind, e.Filename, e.Hashes[0].Algorithm)
	}
	// Output:
	// testdata/uv.lock:17 sdist anyio-4.6.2.post1.tar.gz sha256
	// testdata/uv.lock:19 wheel anyio-4.6.2.post1-py3-none-any.whl sha256
	// testdata/uv.lock:26 sdist idna-3.10.tar.gz sha256
	// testdata/uv.lock:28 wheel idna-3.10-py3-none-any.whl sha256
}

func ExampleLoad_options() {
	lf, err := lockfile.Load("testdata/req/requirements.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	// options are named as pip names them, whatever form the file used: a policy such as
	// internal/guard's refusal of other indexes can look them up by name
	for _, o := range lf.Options {
		fmt.Printf("%s: %s\n", o.Pos, o)
	}
	// Output:
	// testdata/req/requirements.txt:7: --index-url https://pypi.org/simple
	// testdata/req/requirements.txt:8: --extra-index-url https://download.example.org/simple
	// testdata/req/requirements.txt:9: --trusted-host download.example.org
	// testdata/req/common.txt:2: --no-binary :none:
}

func ExampleParseError() {
	_, err := lockfile.Parse("pylock.toml", strings.NewReader("lock-version = \"2.0\"\npackages = []\n"))
	var pe *lockfile.ParseError
	if errors.As(err, &pe) {
		fmt.Println(pe.Pos.Line)
		fmt.Println(err)
	}
	// Output:
	// 1
	// pylock.toml:1: lock-version 2.0 is not supported: this tufpip reads lock-version 1.x (upgrade tufpip)
}
