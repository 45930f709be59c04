package repo

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tufpip/tufpip/internal/atomicfile"
)

// copyToTemp streams src into a temporary file in dir, hashing on the way, so that a file
// is read once however large it is. The caller renames or removes the returned path, and
// makes it durable with syncTrees before publishing metadata that names it.
func copyToTemp(src, dir string) (tmp, sum string, size int64, err error) {
	in, err := os.Open(src)
	if err != nil {
		return "", "", 0, err
	}
	defer in.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", 0, err
	}
	f, err := os.CreateTemp(dir, ".tmp-upload-*")
	if err != nil {
		return "", "", 0, err
	}
	h := sha256.New()
	size, err = io.Copy(io.MultiWriter(f, h), in)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", "", 0, fmt.Errorf("%s: %w", src, err)
	}
	return f.Name(), hex.EncodeToString(h.Sum(nil)), size, nil
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
