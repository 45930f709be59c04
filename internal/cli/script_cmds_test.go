package cli

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/atomicfile"
)

var scriptCommands = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"mkroot": cmdMkroot,
	"exits":  cmdExits,
	"notmp":  cmdNotmp,
}

// notmp DIR fails when DIR holds a temporary or partial file (".tmp", ".part") anywhere.
func cmdNotmp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: notmp DIR")
	}
	root := ts.MkAbs(args[0])
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		n++
		if name := d.Name(); strings.Contains(name, ".tmp") || strings.HasSuffix(name, ".part") {
			ts.Fatalf("temporary file left behind: %s", p)
		}
		return nil
	})
	ts.Check(err)
	if n < 3 {
		ts.Fatalf("%s holds almost nothing (%d entries): is it the cache?", root, n)
	}
}

// exits N COMMAND ARGS... runs a command like exec and checks that it exits with code N, so
// scripts can pin down the documented exit codes, not only success or failure.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE COMMAND ARGS...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var xe *exec.ExitError
		if !errors.As(err, &xe) {
			ts.Fatalf("%v", err)
		}
		got = xe.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}

// mkroot [--tamper] FILE writes a self-signed TUF root; --tamper changes it after signing.
func cmdMkroot(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! mkroot")
	}
	tamper := len(args) == 2 && args[0] == "--tamper"
	if tamper {
		args = args[1:]
	}
	if len(args) != 1 {
		ts.Fatalf("usage: mkroot [--tamper] FILE")
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	ts.Check(err)
	root := metadata.Root(time.Now().Add(24 * time.Hour))
	key, err := metadata.KeyFromPublicKey(pub)
	ts.Check(err)
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		ts.Check(root.Signed.AddKey(key, role))
	}
	signer, err := signature.LoadSigner(priv, crypto.Hash(0))
	ts.Check(err)
	_, err = root.Sign(signer)
	ts.Check(err)
	if tamper {
		root.Signed.Version = 7
	}
	data, err := root.ToBytes(true)
	ts.Check(err)
	ts.Check(atomicfile.WriteFile(ts.MkAbs(args[0]), data, 0o644))
}
