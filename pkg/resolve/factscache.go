package resolve

import (
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/tufpip/tufpip/internal/atomicfile"
)

// factsCacheVersion changes whenever Facts or the way tags are derived from them changes in
// a way the detection script's own hash does not capture.
const factsCacheVersion = "1"

// FactsCache keeps the facts of interpreters it has probed in Dir, so that a run does not
// start a Python process to learn what it learned before. An entry is used only while
// everything that decides pip's tags and markers is unchanged: the interpreter's invoked
// and resolved paths and the executable's size, times and inode, a venv's pyvenv.cfg, the
// dynamic loader (so a libc upgrade is seen), the kernel release (platform_release), and the
// detection script. Anything else is a miss: the interpreter is probed and the entry
// rewritten.
type FactsCache struct {
	Dir string // "" disables the cache
	// Check, when set, must accept Dir's parent (if it exists) and Dir before the cache is
	// read or written; the CLI passes the TUF cache's folder rule. A folder it refuses turns
	// the cache off (facts are then probed every run), and nothing is created.
	Check func(dir string) error
}

type factsEntry struct {
	Key          string `json:"key"`
	Facts        *Facts `json:"facts"`
	ManylinuxABI bool   `json:"manylinux_abi"`
	Musl         [2]int `json:"musl"`
}

// Detect is DetectEnvironment with the cache in front of it.
func (c FactsCache) Detect(ctx context.Context, python string) (*Environment, error) {
	key, keyErr := interpreterKey(python)
	if c.Dir == "" || keyErr != nil || !c.usable(c.Dir) {
		return DetectEnvironment(ctx, python)
	}
	sum := sha256.Sum256([]byte(key))
	path := filepath.Join(c.Dir, hex.EncodeToString(sum[:16])+".json")
	if f := c.read(path, key); f != nil {
		return environmentFrom(f), nil
	}
	env, err := DetectEnvironment(ctx, python)
	if err != nil {
		return nil, err
	}
	// A cache that cannot be written costs only speed.
	if data, err := json.Marshal(factsEntry{Key: key, Facts: env.Facts, ManylinuxABI: env.Facts.ManylinuxABI, Musl: env.Facts.Musl}); err == nil {
		if os.MkdirAll(c.Dir, 0o700) == nil && c.usable(c.Dir) {
			_ = atomicfile.WriteFileUnsynced(path, data, 0o600)
		}
	}
	return env, nil
}

// usable applies Check to the parent of dir and to dir, where they exist.
func (c FactsCache) usable(dir string) bool {
	if c.Check == nil {
		return true
	}
	for _, d := range []string{filepath.Dir(dir), dir} {
		if _, err := os.Stat(d); err == nil && c.Check(d) != nil {
			return false
		}
	}
	return true
}

func (c FactsCache) read(path, key string) *Facts {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var e factsEntry
	if json.Unmarshal(data, &e) != nil || e.Key != key || e.Facts == nil ||
		len(e.Facts.VersionInfo) < 3 || e.Facts.Implementation == "" || e.Facts.Markers == nil {
		return nil
	}
	e.Facts.ManylinuxABI, e.Facts.Musl = e.ManylinuxABI, e.Musl
	return e.Facts
}

func environmentFrom(f *Facts) *Environment {
	return &Environment{
		Tags:              supportedTags(f, "", nil, "", nil),
		Markers:           maps.Clone(f.Markers),
		PythonFullVersion: joinInts(f.VersionInfo[:3]),
		Facts:             f,
	}
}

// interpreterKey describes everything about python that the cached facts depend on. An
// error means "do not cache" (the interpreter is not found, or cannot be described).
func interpreterKey(python string) (string, error) {
	invoked, err := exec.LookPath(python)
	if err != nil {
		return "", err
	}
	if invoked, err = filepath.Abs(invoked); err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(invoked)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v%s script=%x %s/%s\n", factsCacheVersion, sha256.Sum256([]byte(detectScript)), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "invoked=%q real=%q\n", invoked, real)
	for _, p := range []string{invoked, real} {
		fi, err := os.Lstat(p)
		if err != nil {
			return "", err
		}
		b.WriteString(statKey(p, fi))
	}
	// A venv is described by its pyvenv.cfg, beside the executable or one folder up.
	for _, dir := range []string{filepath.Dir(invoked), filepath.Dir(filepath.Dir(invoked))} {
		if fi, err := os.Stat(filepath.Join(dir, "pyvenv.cfg")); err == nil {
			b.WriteString(statKey(filepath.Join(dir, "pyvenv.cfg"), fi))
		}
	}
	if ld := elfInterpreter(real); ld != "" {
		if r, err := filepath.EvalSymlinks(ld); err == nil {
			if fi, err := os.Stat(r); err == nil {
				b.WriteString(statKey(r, fi))
			}
		}
	}
	for _, p := range []string{"/proc/sys/kernel/osrelease", "/proc/sys/kernel/version"} {
		if data, err := os.ReadFile(p); err == nil {
			fmt.Fprintf(&b, "%s=%q\n", p, strings.TrimSpace(string(data)))
		}
	}
	return b.String(), nil
}

// elfInterpreter returns the dynamic loader an ELF executable names (PT_INTERP), or "".
func elfInterpreter(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			buf := make([]byte, min(p.Filesz, 4096))
			n, _ := p.ReadAt(buf, 0)
			return strings.TrimRight(string(buf[:n]), "\x00")
		}
	}
	return ""
}
