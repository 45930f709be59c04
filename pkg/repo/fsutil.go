package repo

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"golang.org/x/crypto/blake2b"

	"github.com/tufpip/tufpip/internal/atomicfile"
)

// copyToTemp streams src into a temporary file in dir, hashing on the way, so that a file
// is read once however large it is. The caller renames or removes the returned path, and
// makes it durable with syncTrees before publishing metadata that names it. With withB2,
// b2 is the file's blake2b-256 (the PEP 458 layout's hash), taken in the same pass.
func copyToTemp(src, dir string, withB2 bool) (tmp, sum, b2 string, size int64, err error) {
	in, err := os.Open(src)
	if err != nil {
		return "", "", "", 0, err
	}
	defer in.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", "", 0, err
	}
	f, err := os.CreateTemp(dir, ".tmp-upload-*")
	if err != nil {
		return "", "", "", 0, err
	}
	h := sha256.New()
	w := io.MultiWriter(f, h)
	var hb hash.Hash
	if withB2 {
		hb, _ = blake2b.New256(nil) // fails only for a key longer than 64 bytes
		w = io.MultiWriter(f, h, hb)
	}
	size, err = io.Copy(w, in)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", "", "", 0, fmt.Errorf("%s: %w", src, err)
	}
	if hb != nil {
		b2 = hex.EncodeToString(hb.Sum(nil))
	}
	return f.Name(), hex.EncodeToString(h.Sum(nil)), b2, size, nil
}

// replaceWithLink makes dst hold the same bytes as src (a hard link when the file system
// allows, else a copy), replacing dst atomically.
func replaceWithLink(src, dst string) error {
	tmp := dst + ".tmp-link"
	os.Remove(tmp)
	if err := os.Link(src, tmp); err != nil {
		data, rerr := os.ReadFile(src)
		if rerr != nil {
			return rerr
		}
		return atomicfile.WriteFileUnsynced(dst, data, 0o644)
	}
	return os.Rename(tmp, dst)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil || !errors.Is(err, os.ErrNotExist)
}

func sha256Hex(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}
