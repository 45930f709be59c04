package pyfix

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"testing"
)

// SdistSpec describes a source distribution to build.
type SdistSpec struct {
	Name           string
	Version        string
	RequiresPython string
	RequiresDist   []string
	Module         string            // as in WheelSpec
	Files          map[string]string // extra files in the source tree
}

// backendPy is an in-tree PEP 517 backend (stdlib only, no build requirements), so pip can
// prepare metadata for and build these sdists with build isolation on and no index to
// fetch setuptools from. It builds a py3-none-any wheel from the tree as it stands.
const backendPy = `"""In-tree PEP 517 backend of a tufpip pyfix test sdist: stdlib only, builds offline."""
import base64
import hashlib
import os
import re
import tarfile
import zipfile

_SKIP = {"PKG-INFO", "pyproject.toml", "pyfix_backend.py"}


def _pkg_info():
    with open("PKG-INFO", encoding="utf-8") as f:
        text = f.read()
    fields = {}
    for line in text.splitlines():
        if ": " in line:
            key, value = line.split(": ", 1)
            fields.setdefault(key, value)
    return text, fields["Name"], fields["Version"]


def _dist(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def _dist_info():
    text, name, version = _pkg_info()
    di = "%s-%s.dist-info" % (_dist(name), version)
    wheel = "Wheel-Version: 1.0\nGenerator: tufpip-pyfix-backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    return di, name, version, {di + "/METADATA": text.encode(), di + "/WHEEL": wheel.encode()}


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    di, _, _, files = _dist_info()
    for path, content in files.items():
        full = os.path.join(metadata_directory, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(content)
    return di


def _tree():
    out = {}
    for root, dirs, names in os.walk("."):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            rel = os.path.relpath(os.path.join(root, name), ".").replace(os.sep, "/")
            if rel not in _SKIP:
                with open(rel, "rb") as f:
                    out[rel] = f.read()
    return out


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    di, name, version, meta = _dist_info()
    files = _tree()
    files.update(meta)
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    record.append(di + "/RECORD,,")
    files[di + "/RECORD"] = ("\n".join(record) + "\n").encode()
    filename = "%s-%s-py3-none-any.whl" % (_dist(name), version)
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            z.writestr(path, data)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    _, name, version = _pkg_info()
    base = "%s-%s" % (_dist(name), version)
    with tarfile.open(os.path.join(sdist_directory, base + ".tar.gz"), "w:gz") as t:
        t.add(".", arcname=base)
    return base + ".tar.gz"
`

const pyprojectToml = `[build-system]
requires = []
build-backend = "pyfix_backend"
backend-path = ["."]
`

// SdistFilename is the filename BuildSdist gives the sdist described by s (PEP 625 form).
func SdistFilename(s SdistSpec) (string, error) {
	if err := checkSpec(s.Name, s.Version); err != nil {
		return "", err
	}
	return distName(s.Name) + "-" + s.Version + ".tar.gz", nil
}

// BuildSdist builds a .tar.gz sdist with PKG-INFO, a pyproject.toml naming an in-tree
// backend, and the module. pip can install it offline: the backend needs nothing but the
// standard library, so build isolation has nothing to download.
func BuildSdist(s SdistSpec) (string, []byte, error) {
	filename, err := SdistFilename(s)
	if err != nil {
		return "", nil, err
	}
	base := distName(s.Name) + "-" + s.Version
	mod := moduleName(WheelSpec{Name: s.Name, Module: s.Module})
	files := []archiveFile{
		{"PKG-INFO", metadataText(s.Name, s.Version, s.RequiresPython, s.RequiresDist)},
		{"pyproject.toml", pyprojectToml},
		{"pyfix_backend.py", backendPy},
		{mod + "/__init__.py", initPy(s.Version)},
	}
	for _, p := range sortedKeys(s.Files) {
		files = append(files, archiveFile{p, s.Files[p]})
	}

	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf) // zero header time: reproducible bytes
	tw := tar.NewWriter(gz)
	dirs := map[string]bool{}
	for _, f := range files {
		// Explicit directory entries: some unpackers (and older pips) expect them.
		for d := dirOf(f.path); d != ""; d = dirOf(d) {
			if !dirs[d] {
				dirs[d] = true
				hdr := &tar.Header{Name: base + "/" + d + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: fixedTime}
				if err := tw.WriteHeader(hdr); err != nil {
					return "", nil, fmt.Errorf("%s: %w", filename, err)
				}
			}
		}
		hdr := &tar.Header{Name: base + "/" + f.path, Typeflag: tar.TypeReg, Mode: 0o644,
			Size: int64(len(f.content)), ModTime: fixedTime}
		if err := tw.WriteHeader(hdr); err != nil {
			return "", nil, fmt.Errorf("%s: %w", filename, err)
		}
		if _, err := tw.Write([]byte(f.content)); err != nil {
			return "", nil, fmt.Errorf("%s: %w", filename, err)
		}
	}
	if err := tw.Close(); err != nil {
		return "", nil, fmt.Errorf("%s: %w", filename, err)
	}
	if err := gz.Close(); err != nil {
		return "", nil, fmt.Errorf("%s: %w", filename, err)
	}
	return filename, buf.Bytes(), nil
}

// Sdist is BuildSdist for tests: it fails the test on a bad spec.
func Sdist(t testing.TB, s SdistSpec) (filename string, data []byte) {
	t.Helper()
	filename, data, err := BuildSdist(s)
	if err != nil {
		t.Fatalf("pyfix: build sdist: %v", err)
	}
	return filename, data
}

func dirOf(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return ""
}
