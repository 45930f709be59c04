package mirror

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/tufpip/tufpip/pkg/resolve"
)

// coreMetadata is what dependency closure needs from a METADATA or PKG-INFO file.
type coreMetadata struct {
	version      [2]int // Metadata-Version
	requiresDist []string
	dynamic      []string
}

func parseCoreMetadata(data []byte) (*coreMetadata, error) {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(data)))
	h, err := tp.ReadMIMEHeader()
	if err != nil && !errors.Is(err, io.EOF) && len(h) == 0 {
		return nil, err
	}
	m := &coreMetadata{requiresDist: h.Values("Requires-Dist"), dynamic: h.Values("Dynamic")}
	mv := strings.TrimSpace(h.Get("Metadata-Version"))
	major, minor, _ := strings.Cut(mv, ".")
	m.version[0], _ = strconv.Atoi(major)
	m.version[1], _ = strconv.Atoi(minor)
	return m, nil
}

// sdistDepsReliable is PEP 643: an sdist's PKG-INFO states the dependencies of whatever
// it builds only from Metadata-Version 2.2 on, and only when Requires-Dist is not Dynamic.
func (m *coreMetadata) sdistDepsReliable() bool {
	if m.version[0] < 2 || m.version[0] == 2 && m.version[1] < 2 {
		return false
	}
	for _, d := range m.dynamic {
		if strings.EqualFold(strings.TrimSpace(d), "Requires-Dist") {
			return false
		}
	}
	return true
}

// dependencies returns the requirements of m that apply, for the given extras, in any of
// envs. Unparseable lines are returned as warnings.
func (m *coreMetadata) dependencies(extras []string, envs []map[string]string) (deps []resolve.Requirement, warnings []string) {
	for _, line := range m.requiresDist {
		r, err := resolve.ParseRequirement(strings.TrimSpace(line))
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("Requires-Dist %q: %v", line, err))
			continue
		}
		if r.Marker == "" {
			deps = append(deps, r)
			continue
		}
		for _, env := range envs {
			ok, err := r.Applies(env, extras)
			if err != nil {
				warnings = append(warnings, fmt.Sprintf("Requires-Dist %q: %v", line, err))
				break
			}
			if ok {
				deps = append(deps, r)
				break
			}
		}
	}
	return deps, warnings
}
