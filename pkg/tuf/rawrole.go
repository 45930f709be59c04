package tuf

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/trustedmetadata"
)

// rawRole is a delegated targets role that tufpip loads itself instead of through go-tuf
// (issue 12): go-tuf decodes a role four times and re-encodes it to canonical JSON for every
// delegator that checks it, which for a role of 8,000 targets was most of a warm run.
// Here the raw bytes are canonicalised once, strictly (canonicalize), the signatures are
// checked over exactly those canonical bytes, and the index of targets points into the same
// bytes, so what was verified is what is used. The canonical bytes are kept: a second
// delegator's check of the same role costs its signature verifications only.
type rawRole struct {
	name    string
	version int64
	expires time.Time
	signed  []byte            // canonical "signed": what the signatures cover
	sigs    map[string][]byte // keyid -> signature
	targets targetIndex       // target path -> its canonical value in signed
	deleg   *metadata.Delegations
}

type span struct{ start, end int }

// targetIndex is a role's targets object as it lies in the canonical bytes: the members'
// key and value spans in order. Canonical JSON sorts keys by their decoded bytes, so a path
// is found by binary search, with no map and no string per target.
type targetIndex struct {
	keys, vals []span
	// plain: no key has an escape, so a key's quoted bytes are the path's bytes and keys
	// compare as bytes.
	plain bool
}

func (ix targetIndex) len() int { return len(ix.keys) }

func (ix targetIndex) find(b []byte, path string) (span, bool) {
	var i int
	var found bool
	if ix.plain {
		i, found = slices.BinarySearchFunc(ix.keys, path, func(k span, p string) int {
			return strings.Compare(unsafeString(b[k.start+1:k.end-1]), p)
		})
	} else {
		i, found = slices.BinarySearchFunc(ix.keys, path, func(k span, p string) int {
			return compareKey(b[k.start:k.end], p)
		})
	}
	if !found {
		return span{}, false
	}
	return ix.vals[i], true
}

// unsafeString is b as a string without a copy, for a comparison that does not keep it.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// compareKey compares a canonical JSON string (quoted, escaping only '"' and '\\') with p.
func compareKey(key []byte, p string) int {
	key = key[1 : len(key)-1]
	i, j := 0, 0
	for i < len(key) && j < len(p) {
		c := key[i]
		if c == '\\' && i+1 < len(key) {
			i++
			c = key[i]
		}
		if c != p[j] {
			if c < p[j] {
				return -1
			}
			return 1
		}
		i++
		j++
	}
	switch {
	case i < len(key):
		return 1
	case j < len(p):
		return -1
	}
	return 0
}

// memberSpans indexes the canonical object b[start:end].
func memberSpans(b []byte, start, end int) (targetIndex, bool) {
	ix := targetIndex{plain: true}
	if end-start < 2 || b[start] != '{' || b[end-1] != '}' {
		return ix, false
	}
	obj := b[:end-1]
	i := start + 1
	for i < end-1 {
		kend, ok := skipCanonical(obj, i)
		if !ok || b[i] != '"' || kend >= end-1 || b[kend] != ':' {
			return ix, false
		}
		vend, ok := skipCanonical(obj, kend+1)
		if !ok {
			return ix, false
		}
		if ix.plain && bytes.IndexByte(b[i+1:kend-1], '\\') >= 0 {
			ix.plain = false
		}
		ix.keys = append(ix.keys, span{i, kend})
		ix.vals = append(ix.vals, span{kend + 1, vend})
		i = vend
		if i < end-1 {
			if b[i] != ',' {
				return ix, false
			}
			i++
		}
	}
	return ix, true
}

// errFallback means the role uses a key type only go-tuf verifies: load it through go-tuf.
var errFallback = errors.New("tuf: key type not handled by tufpip's own loader")

// parseRawRole canonicalises data and reads the fields tufpip uses from the canonical
// bytes. It checks the shape only; verifyBy and checkRawRole decide trust.
func parseRawRole(name string, data []byte) (*rawRole, error) {
	top, err := canonicalMembers(data)
	if err != nil {
		return nil, &metadata.ErrValue{Msg: err.Error()}
	}
	signed, sigs := top["signed"], top["signatures"]
	if signed == nil || sigs == nil {
		return nil, &metadata.ErrValue{Msg: "metadata 'signed' or 'signatures' field is missing"}
	}
	r := &rawRole{name: name, signed: signed, sigs: map[string][]byte{}}
	if err := r.readSignatures(sigs); err != nil {
		return nil, err
	}
	members, ok := objectMembers(signed)
	if !ok {
		return nil, &metadata.ErrValue{Msg: "metadata 'signed' field is not an object"}
	}
	var sawType, sawTargets, sawVersion, sawExpires bool
	for _, m := range members {
		v := signed[m.start:m.end]
		switch m.key {
		case "_type":
			if s, ok := canonicalString(v); !ok || s != metadata.TARGETS {
				return nil, &metadata.ErrValue{Msg: fmt.Sprintf("expected metadata type %s, got %s", metadata.TARGETS, v)}
			}
			sawType = true
		case "version":
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil || n <= 0 {
				return nil, &metadata.ErrValue{Msg: fmt.Sprintf("version must be a positive integer, got %s", v)}
			}
			r.version, sawVersion = n, true
		case "expires":
			s, ok := canonicalString(v)
			t, err := time.Parse("2006-01-02T15:04:05Z", s)
			if !ok || err != nil || t.Format("2006-01-02T15:04:05Z") != s {
				return nil, &metadata.ErrValue{Msg: fmt.Sprintf("expires must be YYYY-MM-DDTHH:MM:SSZ, got %s", v)}
			}
			r.expires, sawExpires = t, true
		case "targets":
			idx, ok := memberSpans(signed, m.start, m.end)
			if !ok {
				return nil, &metadata.ErrValue{Msg: "targets is not an object"}
			}
			r.targets, sawTargets = idx, true
		case "delegations":
			d := &metadata.Delegations{}
			if err := json.Unmarshal(jsonOfCanonical(v), d); err != nil {
				return nil, &metadata.ErrValue{Msg: "delegations: " + err.Error()}
			}
			if d.Roles != nil && d.SuccinctRoles != nil {
				return nil, &metadata.ErrValue{Msg: "delegations has both roles and succinct_roles"}
			}
			r.deleg = d
		}
	}
	if !sawType || !sawTargets || !sawVersion || !sawExpires {
		return nil, &metadata.ErrValue{Msg: "targets metadata lacks _type, targets, version or expires"}
	}
	return r, nil
}

func (r *rawRole) readSignatures(sigs []byte) error {
	var list []struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
	}
	if err := json.Unmarshal(jsonOfCanonical(sigs), &list); err != nil {
		return &metadata.ErrValue{Msg: "signatures: " + err.Error()}
	}
	for _, s := range list {
		if _, dup := r.sigs[s.KeyID]; dup {
			return &metadata.ErrValue{Msg: fmt.Sprintf("multiple signatures found for key ID %s", s.KeyID)}
		}
		b, err := hex.DecodeString(s.Sig)
		if err != nil {
			return &metadata.ErrValue{Msg: "signature of key " + s.KeyID + " is not hex"}
		}
		r.sigs[s.KeyID] = b
	}
	return nil
}

// verifyBy checks that r carries a threshold of valid signatures from the keys that
// delegator's delegations give the role r.name, as go-tuf's VerifyDelegate does (distinct
// public keys count once). A delegation to keys other than ed25519 is errFallback.
func (r *rawRole) verifyBy(d *metadata.Delegations) error {
	if d == nil {
		return &metadata.ErrValue{Msg: "no delegations found"}
	}
	var keyIDs []string
	var threshold int
	switch {
	case d.Roles != nil:
		found := false
		for _, dr := range d.Roles {
			if dr.Name == r.name {
				keyIDs, threshold, found = dr.KeyIDs, dr.Threshold, true
				break
			}
		}
		if !found {
			return &metadata.ErrValue{Msg: fmt.Sprintf("no delegation found for %s", r.name)}
		}
	case d.SuccinctRoles != nil:
		keyIDs, threshold = d.SuccinctRoles.KeyIDs, d.SuccinctRoles.Threshold
	}
	if len(keyIDs) == 0 {
		return &metadata.ErrValue{Msg: fmt.Sprintf("no delegation found for %s", r.name)}
	}
	if threshold < 1 {
		return &metadata.ErrValue{Msg: fmt.Sprintf("insufficient threshold (%d) configured for %s", threshold, r.name)}
	}
	pubs := make([]ed25519.PublicKey, len(keyIDs))
	for i, id := range keyIDs {
		k, ok := d.Keys[id]
		if !ok {
			return &metadata.ErrValue{Msg: fmt.Sprintf("key with ID %s not found in %s keyids", id, r.name)}
		}
		if k.Type != metadata.KeyTypeEd25519 || k.Scheme != metadata.KeySchemeEd25519 {
			return errFallback
		}
		pub, err := hex.DecodeString(k.Value.PublicKey)
		if err != nil || len(pub) != ed25519.PublicKeySize {
			return &metadata.ErrValue{Msg: fmt.Sprintf("key %s is not an ed25519 public key", id)}
		}
		pubs[i] = pub
	}
	signing := map[string]bool{}
	for i, id := range keyIDs {
		if sig, ok := r.sigs[id]; ok && !signing[string(pubs[i])] && ed25519.Verify(pubs[i], r.signed, sig) {
			signing[string(pubs[i])] = true
		}
	}
	if len(signing) < threshold {
		return &metadata.ErrUnsignedMetadata{Msg: fmt.Sprintf("Verifying %s failed, not enough signatures, got %d, want %d", r.name, len(signing), threshold)}
	}
	return nil
}

// loadRawRole applies to data every check go-tuf's UpdateDelegatedTargets applies (TUF
// spec 5.6): a final snapshot that has not expired and is the one the timestamp names, the
// role listed in it, the length and hashes the snapshot gives (with tufpip's algorithms, not
// only go-tuf's sha256 and sha512: checkMetaFile), the type, a threshold of
// signatures from the delegator's keys, the version the snapshot gives, and expiry against
// the trusted set's reference time (fixed when the refresh started).
func loadRawRole(tm *trustedmetadata.TrustedMetadata, data []byte, name string, delegator *metadata.Delegations) (*rawRole, error) {
	return loadParsedRole(tm, data, nil, name, delegator)
}

// loadParsedRole is loadRawRole given, when not nil, parseRawRole's result for exactly data
// (see preparedRoles): every check is the same, only the parse is not done twice.
func loadParsedRole(tm *trustedmetadata.TrustedMetadata, data []byte, parsed *rawRole, name string, delegator *metadata.Delegations) (*rawRole, error) {
	if tm.Snapshot == nil || tm.Timestamp == nil {
		return nil, &metadata.ErrRuntime{Msg: "cannot load targets before snapshot"}
	}
	if tm.Snapshot.Signed.IsExpired(tm.RefTime) {
		return nil, &metadata.ErrExpiredMetadata{Msg: "snapshot.json is expired"}
	}
	if sm := tm.Timestamp.Signed.Meta["snapshot.json"]; sm == nil || sm.Version != tm.Snapshot.Signed.Version {
		return nil, &metadata.ErrBadVersionNumber{Msg: "snapshot version does not match the timestamp's"}
	}
	meta, ok := tm.Snapshot.Signed.Meta[name+".json"]
	if !ok {
		return nil, &metadata.ErrRepository{Msg: fmt.Sprintf("snapshot does not contain information for %s", name)}
	}
	if err := checkMetaFile(meta, data); err != nil {
		return nil, err
	}
	r := parsed
	if r == nil {
		var err error
		if r, err = parseRawRole(name, data); err != nil {
			return nil, err
		}
	}
	r.name = name
	if err := r.verifyBy(delegator); err != nil {
		return nil, err
	}
	if r.version != meta.Version {
		return nil, &metadata.ErrBadVersionNumber{Msg: fmt.Sprintf("expected %s version %d, got %d", name, meta.Version, r.version)}
	}
	if tm.RefTime.After(r.expires) {
		return nil, &metadata.ErrExpiredMetadata{Msg: fmt.Sprintf("new %s is expired", name)}
	}
	return r, nil
}

// entry is a target as a role lists it: what a Target is built from.
type entry struct {
	length int64
	hashes map[string]string // algorithm -> lowercase hex
	custom json.RawMessage
}

// entry returns the role's entry for path, read from the verified canonical bytes; nil when
// the role does not list path. Hashes must be hex (go-tuf's HexBytes), and are given in
// lowercase as go-tuf re-encodes them.
func (r *rawRole) entry(path string) (*entry, error) {
	sp, ok := r.targets.find(r.signed, path)
	if !ok {
		return nil, nil
	}
	v := r.signed[sp.start:sp.end]
	if e, ok := fastEntry(v); ok {
		return e, nil
	}
	return slowEntry(path, v)
}

// fastEntry reads the usual shape of an entry, {"hashes":{"<alg>":"<hex>",...},"length":<n>}
// with plain algorithm names, as slowEntry would, without its per-member calls; false for
// anything else (custom, escapes, a malformed entry), which slowEntry then reads or refuses.
func fastEntry(v []byte) (*entry, bool) {
	const head, mid = `{"hashes":{`, `},"length":`
	if !bytes.HasPrefix(v, []byte(head)) {
		return nil, false
	}
	e := &entry{hashes: make(map[string]string, 1)}
	i := len(head)
	for {
		// "alg":"hex"
		if i >= len(v) || v[i] != '"' {
			return nil, false
		}
		j := i + 1
		for j < len(v) && (v[j] >= 'a' && v[j] <= 'z' || v[j] >= '0' && v[j] <= '9' || v[j] == '-' || v[j] == '_') {
			j++
		}
		if j == i+1 || j+2 >= len(v) || v[j] != '"' || v[j+1] != ':' || v[j+2] != '"' {
			return nil, false
		}
		alg := v[i+1 : j]
		k := j + 3
		end := bytes.IndexByte(v[k:], '"')
		if end < 0 {
			return nil, false
		}
		hx, ok := lowerHex(v[k : k+end])
		if !ok {
			return nil, false
		}
		e.hashes[string(alg)] = hx
		i = k + end + 1
		if i < len(v) && v[i] == ',' {
			i++
			continue
		}
		break
	}
	if !bytes.HasPrefix(v[i:], []byte(mid)) {
		return nil, false
	}
	digits := v[i+len(mid) : len(v)-1]
	if v[len(v)-1] != '}' || len(digits) == 0 || len(digits) > 18 || (digits[0] == '0' && len(digits) > 1) {
		return nil, false
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return nil, false
		}
		n = n*10 + int64(c-'0')
	}
	e.length = n
	return e, true
}

// slowEntry reads any entry value v of path, member by member.
func slowEntry(path string, v []byte) (*entry, error) {
	e := &entry{length: -1}
	ok := eachMember(v, func(key, fv []byte) bool {
		switch string(key) {
		case `"length"`:
			n, err := strconv.ParseInt(string(fv), 10, 64)
			if err != nil {
				return false
			}
			e.length = n
		case `"hashes"`:
			e.hashes = make(map[string]string, 2)
			return eachMember(fv, func(alg, h []byte) bool {
				if len(h) < 2 || h[0] != '"' || h[len(h)-1] != '"' {
					return false
				}
				hx, ok := lowerHex(h[1 : len(h)-1])
				if !ok {
					return false
				}
				name, _ := canonicalString(alg)
				e.hashes[name] = hx
				return true
			})
		case `"custom"`:
			e.custom = json.RawMessage(jsonOfCanonical(fv))
		}
		return true
	})
	if !ok {
		return nil, &metadata.ErrValue{Msg: fmt.Sprintf("target %s: malformed entry", path)}
	}
	if e.length < 0 || len(e.hashes) == 0 {
		return nil, &metadata.ErrValue{Msg: fmt.Sprintf("target %s lacks a length or hashes", path)}
	}
	return e, nil
}

// lowerHex checks that b is hex of whole bytes and returns it in lowercase.
func lowerHex(b []byte) (string, bool) {
	if len(b)%2 != 0 {
		return "", false
	}
	upper := false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			upper = true
		default:
			return "", false
		}
	}
	if upper {
		return strings.ToLower(string(b)), true
	}
	return string(b), true
}

// entryOf is go-tuf's TargetFiles as an entry.
func entryOf(tf *metadata.TargetFiles) *entry {
	e := &entry{length: tf.Length, hashes: make(map[string]string, len(tf.Hashes))}
	for alg, h := range tf.Hashes {
		e.hashes[alg] = hex.EncodeToString(h)
	}
	if tf.Custom != nil {
		e.custom = slices.Clone(*tf.Custom)
	}
	return e
}

// eachMember calls fn with the raw (still quoted) key and the value of each member of a
// canonical JSON object, until fn returns false; false when obj is not such an object.
func eachMember(obj []byte, fn func(key, value []byte) bool) bool {
	if len(obj) < 2 || obj[0] != '{' || obj[len(obj)-1] != '}' {
		return false
	}
	i := 1
	for i < len(obj)-1 {
		end, ok := skipCanonical(obj, i)
		if !ok || obj[i] != '"' || end >= len(obj) || obj[end] != ':' {
			return false
		}
		vend, ok := skipCanonical(obj, end+1)
		if !ok || !fn(obj[i:end], obj[end+1:vend]) {
			return false
		}
		i = vend
		if i < len(obj)-1 {
			if obj[i] != ',' {
				return false
			}
			i++
		}
	}
	return true
}

// objectMembers lists the members of a canonical JSON object (as canonicalize writes it:
// no whitespace, strings escaping only '"' and '\'), with each value's span in obj.
func objectMembers(obj []byte) ([]member, bool) {
	var out []member
	ok := eachMember(obj, func(key, value []byte) bool {
		k, _ := canonicalString(key)
		start := cap(obj) - cap(value) // value is obj[start:end]
		out = append(out, member{key: k, start: start, end: start + len(value)})
		return true
	})
	return out, ok
}

// skipCanonical returns the end of the canonical JSON value starting at b[i].
func skipCanonical(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); {
			k := bytes.IndexByte(b[j:], '"')
			if k < 0 {
				return 0, false
			}
			j += k
			// Canonical strings escape only '"' and '\\': the quote ends the string unless
			// an odd number of backslashes precedes it.
			n := 0
			for m := j - 1; m > i && b[m] == '\\'; m-- {
				n++
			}
			if n%2 == 0 {
				return j + 1, true
			}
			j++
		}
		return 0, false
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e, ok := skipCanonical(b, j)
				if !ok {
					return 0, false
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ':' {
		j++
	}
	return j, j > i
}

// canonicalString decodes a canonical JSON string (only '\"' and '\\' escaped).
func canonicalString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	b = b[1 : len(b)-1]
	for i := range b {
		if b[i] == '\\' {
			out := make([]byte, 0, len(b))
			for j := 0; j < len(b); j++ {
				if b[j] == '\\' {
					j++
				}
				if j < len(b) {
					out = append(out, b[j])
				}
			}
			return string(out), true
		}
	}
	return string(b), true
}

// role is a trusted targets role as the walk reads it: go-tuf's metadata for the top-level
// targets role and for delegated roles whose keys only go-tuf verifies, tufpip's rawRole for
// the others.
type role struct {
	raw *rawRole
	md  *metadata.Metadata[metadata.TargetsType]

	// delegs memoises delegationOf for this role's children: every walk crosses the same
	// edges, and describing one quotes every key (8,000 walks for a page of 8,000 files).
	// Only read and written under the client's mutex.
	delegs map[string]delegation
	// children are the roles this one delegates to, as loaded and verified against its
	// delegations in this refresh (a role object lives for one refresh).
	children map[string]*role

	// shapes memoises rolesFor per path shape, when every path pattern of the delegations
	// is made of literal and "*" segments (see shapeKey).
	shape    int8 // 0 unknown, 1 shaped, -1 not
	patterns [][]string
	shapes   map[string][]metadata.RoleResult
	key      []byte
	// prefixes finds the roles of delegations that are not shaped (hash prefixes, globs).
	prefixes *hashPrefixIndex

	// node is where walks start when this is the top-level targets role (see vnode).
	node *vnode
}

// rolesForMemo is rolesForTarget(path) on the role's delegations, computed once per path
// shape: with patterns such as "packages/*" and "simple/*/index.html" every file of a page
// gets the same answer, and matching every pattern for each of 8,000 files was a tenth of a
// warm run. The bool says whether the answer is the role's memoised one for the path's shape
// (then the same slice comes back for every path of that shape in this refresh).
func (r *role) rolesForMemo(path string) ([]metadata.RoleResult, bool) {
	d := r.delegations()
	if r.shape == 0 {
		r.shape = -1
		if pats, ok := shapedPatterns(d); ok {
			r.shape, r.patterns, r.shapes = 1, pats, map[string][]metadata.RoleResult{}
		}
	}
	if r.shape < 0 {
		if d.Roles == nil {
			return rolesForTarget(d, path), false
		}
		if r.prefixes == nil {
			r.prefixes = newHashPrefixIndex(d)
		}
		return r.prefixes.rolesFor(d, path), false
	}
	r.key = r.shapeKey(r.key[:0], path)
	if res, ok := r.shapes[string(r.key)]; ok {
		return res, true
	}
	res := rolesForTarget(d, path)
	r.shapes[string(r.key)] = res
	return res, true
}

// shapeKey describes what go-tuf's matching of path against r.patterns can depend on: it
// matches segment by segment (isTargetInPathPattern), so a pattern of n segments matches
// exactly the paths of n segments that equal it at its literal segments. Two paths with the
// same key get the same roles.
func (r *role) shapeKey(key []byte, path string) []byte {
	n := strings.Count(path, "/") + 1
	key = strconv.AppendInt(key, int64(n), 10)
	var segs []string
	for _, p := range r.patterns {
		if len(p) != n {
			continue
		}
		if segs == nil {
			segs = strings.Split(path, "/")
		}
		for i, lit := range p {
			if lit != "*" {
				key = append(key, 0)
				key = append(key, segs[i]...)
			}
		}
	}
	return key
}

// shapedPatterns returns the path patterns of d split into segments, in order, when every
// segment is literal or exactly "*" and no delegation uses hash prefixes or succinct bins.
func shapedPatterns(d *metadata.Delegations) ([][]string, bool) {
	if d == nil || d.Roles == nil || d.SuccinctRoles != nil {
		return nil, false
	}
	var out [][]string
	for _, dr := range d.Roles {
		if len(dr.PathHashPrefixes) > 0 && len(dr.Paths) == 0 {
			return nil, false
		}
		for _, p := range dr.Paths {
			segs := strings.Split(p, "/")
			for _, s := range segs {
				if s != "*" && strings.ContainsAny(s, "*?[\\") {
					return nil, false
				}
			}
			out = append(out, segs)
		}
	}
	return out, true
}

func (r *role) keepChild(name string, child *role) {
	if r.children == nil {
		r.children = map[string]*role{}
	}
	r.children[name] = child
}

// delegationOf is delegationOf(r.delegations(), child), computed once per child.
func (r *role) delegationOf(child string) delegation {
	if d, ok := r.delegs[child]; ok {
		return d
	}
	if r.delegs == nil {
		r.delegs = map[string]delegation{}
	}
	d := delegationOf(r.delegations(), child)
	r.delegs[child] = d
	return d
}

func (r *role) delegations() *metadata.Delegations {
	if r.raw != nil {
		return r.raw.deleg
	}
	return r.md.Signed.Delegations
}

// file returns the role's entry for path, nil when it does not list it.
func (r *role) file(path string) (*entry, error) {
	if r.raw != nil {
		return r.raw.entry(path)
	}
	if tf := r.md.Signed.Targets[path]; tf != nil {
		return entryOf(tf), nil
	}
	return nil, nil
}

func (r *role) expires() time.Time {
	if r.raw != nil {
		return r.raw.expires
	}
	return r.md.Signed.Expires
}

// goTUF is the role as go-tuf's VerifyDelegate reads a delegator: only its delegations count.
func (r *role) goTUF() *metadata.Metadata[metadata.TargetsType] {
	if r.md != nil {
		return r.md
	}
	return &metadata.Metadata[metadata.TargetsType]{Signed: metadata.TargetsType{Type: metadata.TARGETS, Delegations: r.raw.deleg}}
}
