package tuf

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Preparing cached delegated roles (issue 12): a warm run spends the refresh of the top-level
// roles on one core, waiting on the timestamp's download and go-tuf's decoding, and then
// canonicalises its big delegated role on the same core. preparedRoles reads the cached
// delegated roles and canonicalises them (parseRawRole: shape only, no trust) on the other
// core while the refresh runs. A role's load then takes the bytes that were read and their
// parse instead of reading them again, and applies every check to exactly those bytes, as it
// would to bytes it read itself: the snapshot's length and hashes, the signatures over the
// canonical bytes, version and expiry (loadRawRole). A prepared role that fails any of it is
// downloaded again, like any cached one.

// Bounds of what one refresh prepares: a few roles, of modest total size (a cache of many hash
// bins or of huge roles is read on demand, as before).
const (
	maxPreparedRoles = 4
	maxPreparedBytes = 16 << 20
)

type preparedRole struct {
	done chan struct{}
	data []byte
	raw  *rawRole // nil when data does not parse: the load then reads the error again
}

// preparedRoles are the roles being prepared during a refresh, by cache file path. The map is
// filled before the goroutine starts and only read afterwards; each role's fields are written
// before its done is closed.
type preparedRoles map[string]*preparedRole

// prepareCached starts preparing the cached delegated roles of dir, smallest first. It
// returns nil when there is nothing to prepare, or more than the bounds allow.
func prepareCached(dir string) preparedRoles {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 || len(entries) > maxPreparedRoles {
		return nil
	}
	type file struct {
		path string
		size int64
	}
	var files []file
	var total int64
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		total += fi.Size()
		files = append(files, file{filepath.Join(dir, e.Name()), fi.Size()})
	}
	if len(files) == 0 || total > maxPreparedBytes {
		return nil
	}
	slices.SortFunc(files, func(a, b file) int { return int(a.size - b.size) })
	p := make(preparedRoles, len(files))
	for _, f := range files {
		p[f.path] = &preparedRole{done: make(chan struct{})}
	}
	go func() {
		for _, f := range files {
			r := p[f.path]
			if data, err := readCapped(f.path, maxPreparedBytes+1); err == nil {
				r.data = data
				r.raw, _ = parseRawRole("", data)
			}
			close(r.done)
		}
	}()
	return p
}

// take returns the prepared bytes of the cache file path and their parse (nil when they do
// not parse), and forgets them; nil data when path was not prepared or could not be read.
func (p preparedRoles) take(path string) ([]byte, *rawRole) {
	r := p[path]
	if r == nil {
		return nil, nil
	}
	<-r.done
	delete(p, path)
	return r.data, r.raw
}
