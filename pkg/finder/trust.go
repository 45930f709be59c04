package finder

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// trust applies docs/design.md's trust rules to one file on a trusted page: it returns the
// trusted file, or the reason it is skipped, or an error that stops the whole project
// (a role's metadata that does not verify).
// name is pf's filename as resolve.ParseFilenameFor(project, ...) reads it with
// strong(pf.Hashes), targetPath what f.targetPath(pf.URL) returns ("" for a file outside the
// targets URL), and res, when not nil, the lookup of targetPath (else trust looks it up).
func (f *Finder) trust(ctx context.Context, project string, page *tuf.Target, pf simpleindex.File, name parsedName, targetPath string, res *tuf.LookupResult) (*File, *resolve.Skip, error) {
	dist, err := name.dist, name.err
	if err != nil {
		return nil, &resolve.Skip{Filename: pf.Filename, Reason: err.Error()}, nil
	}
	skip := func(kind resolve.SkipKind, signedBy, detail string) (*File, *resolve.Skip, error) {
		s := resolve.Skip{Filename: pf.Filename, Version: dist.Version.String(), Kind: kind, SignedBy: signedBy, Required: f.cfg.RequireRole}
		s.Reason = skipReason(s, page.Role, detail)
		return nil, &s, nil
	}

	if targetPath == "" {
		where := f.cfg.TargetsURL
		if len(f.cfg.FilesURLs) > 0 {
			where += " and the files urls " + strings.Join(f.cfg.FilesURLs, ", ")
		}
		return skip(resolve.SkipOutsideTargets, "", where)
	}
	if name := path.Base(targetPath); name != pf.Filename {
		// pip names a file by its URL; the signed bytes are those of the target path. An
		// anchor text naming another project or version would relabel them.
		return skip(resolve.SkipRelabelled, "", name)
	}
	pageHashes := name.strong

	var target *tuf.Target
	if res != nil {
		target, err = res.Target, res.Err
	} else {
		target, err = f.cfg.TUF.Lookup(ctx, targetPath)
	}
	switch {
	case err == nil:
		if alg, ok := disagree(pf.Hashes, target.Hashes); ok {
			if r := f.cfg.RequireRole; r != "" && !target.VouchedBy(r) && page.VouchedBy(r) && len(pageHashes) > 0 {
				// The required role's page pins the file: a role the policy does not accept
				// signing other bytes under the same path must not take it away (trust rule b).
				return &File{
					Candidate:  resolve.Candidate{File: pf, Dist: dist, Role: page.Role},
					TargetPath: targetPath, Target: tuf.PageFile(targetPath, pf.URL, pf.Size, pageHashes, page),
				}, nil, nil
			}
			return skip(resolve.SkipHashMismatch, target.Role, alg)
		}
		// The download must satisfy the page's strong hashes too: a target signed by
		// another role in an algorithm the page does not use (sha512 against the page's
		// sha256) would otherwise replace the bytes the page pins, unchecked.
		target = withHashes(target, pageHashes)
		role := target.Role
		if r := f.cfg.RequireRole; r != "" && !target.VouchedBy(r) {
			if !(page.VouchedBy(r) && len(pageHashes) > 0) {
				return skip(resolve.SkipNotRequired, target.Role, "")
			}
			role = page.Role
			// The required role's only evidence is its page's hashes: the download is
			// checked against those alone, and a hash that only the other role signed must
			// not count as vouched for (a lockfile pinning it would pass tufpip verify).
			target = pageEvidence(target, pageHashes, page)
		}
		return &File{
			Candidate:  resolve.Candidate{File: pf, Dist: dist, Role: role},
			TargetPath: targetPath, Target: target,
		}, nil, nil
	case tuf.IsNotFound(err):
	default:
		return nil, nil, err
	}

	if len(pageHashes) == 0 {
		if len(pf.Hashes) > 0 {
			return skip(resolve.SkipWeakHash, "", strings.Join(slices.Sorted(maps.Keys(pf.Hashes)), ", "))
		}
		return skip(resolve.SkipNoHash, "", "")
	}
	return &File{
		Candidate:  resolve.Candidate{File: pf, Dist: dist, Role: page.Role},
		TargetPath: targetPath, Target: tuf.PageFile(targetPath, pf.URL, pf.Size, pageHashes, page),
	}, nil, nil
}

// skipReason words a skip for people, from its kind and roles: the one place the trust
// rules' reasons are written. detail is the kind's particular: the targets URL, the name
// the link points to, the hash algorithm that disagrees, or the page's weak hashes.
func skipReason(s resolve.Skip, pageRole, detail string) string {
	switch s.Kind {
	case resolve.SkipOutsideTargets:
		return "outside the targets URL " + detail
	case resolve.SkipRelabelled:
		return fmt.Sprintf("the link text names %s but the link is to %s", s.Filename, detail)
	case resolve.SkipHashMismatch:
		return fmt.Sprintf("%s on the page (role %s) disagrees with the hash signed by role %s", detail, pageRole, s.SignedBy)
	case resolve.SkipWeakHash:
		return fmt.Sprintf("only a weak hash (%s) on the page and not a TUF target", detail)
	case resolve.SkipNoHash:
		return "no hash on the page and not a TUF target"
	case resolve.SkipNotRequired:
		return fmt.Sprintf("not signed by %s (signed by %s)", s.Required, s.SignedBy)
	case resolve.SkipLowerRole:
		if s.Required != "" {
			return fmt.Sprintf("signed by %s, not by %s", s.SignedBy, s.Required)
		}
		return "signed only by " + s.SignedBy
	}
	return detail
}

// targetPath returns the file's path relative to the targets URL, unescaped, or false when
// the URL lies outside it (another host, another scheme, above it, or with a query).
func (f *Finder) targetPath(raw string) (string, bool) {
	return relativePath(f.cfg.TargetsURL, f.targets, raw)
}

// relativePath returns raw's path relative to base (baseStr is base as a string, ending with
// "/"), unescaped, or false when raw lies outside it.
func relativePath(baseStr string, base *url.URL, raw string) (string, bool) {
	var escaped string
	if strings.HasPrefix(raw, baseStr) {
		// The common case, without a full URL parse for each of a page's files.
		escaped = raw[len(baseStr):]
		if strings.ContainsAny(escaped, "?#") {
			return "", false
		}
	} else {
		u, err := url.Parse(raw)
		if err != nil || u.RawQuery != "" || u.User != nil {
			return "", false
		}
		if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
			return "", false
		}
		p, basePath := u.EscapedPath(), base.EscapedPath()
		if !strings.HasPrefix(p, basePath) {
			return "", false
		}
		escaped = strings.TrimPrefix(p, basePath)
	}
	rel, err := url.PathUnescape(escaped)
	if err != nil || rel == "" {
		return "", false
	}
	for seg := range strings.SplitSeq(rel, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", false
		}
	}
	return rel, true
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// strong returns the strong hashes of h, lowercased (h itself when nothing needs changing).
func strong(h map[string]string) map[string]string {
	same := len(h) > 0
	for alg, v := range h {
		if !simpleindex.IsStrongHash(alg) || hasUpper(v) {
			same = false
			break
		}
	}
	if same {
		return h
	}
	out := map[string]string{}
	for _, alg := range simpleindex.StrongHashes {
		if v, ok := h[alg]; ok {
			out[alg] = strings.ToLower(v)
		}
	}
	return out
}

// withHashes returns t, or a copy of it that also lists the hashes of extra it lacks.
func withHashes(t *tuf.Target, extra map[string]string) *tuf.Target {
	all := true
	for alg := range extra {
		if _, ok := t.Hashes[alg]; !ok {
			all = false
			break
		}
	}
	if all {
		return t // the common case, without sorting anything
	}
	var missing []string
	for _, alg := range slices.Sorted(maps.Keys(extra)) {
		if _, ok := t.Hashes[alg]; !ok {
			missing = append(missing, alg)
		}
	}
	if len(missing) == 0 {
		return t
	}
	c := *t
	c.Hashes = make(map[string]string, len(t.Hashes)+len(missing))
	for alg, h := range t.Hashes {
		c.Hashes[alg] = h
	}
	for _, alg := range missing {
		c.Hashes[alg] = extra[alg]
	}
	return &c
}

// pageEvidence is t with the hashes of the page that lists it, vouched for by the page's role
// as a file trusted on the page's evidence is (tuf.PageFile), and still fetched as target t.
func pageEvidence(t *tuf.Target, pageHashes map[string]string, page *tuf.Target) *tuf.Target {
	c := tuf.PageFile(t.Path, t.URL, t.Length, maps.Clone(pageHashes), page)
	c.Custom = t.Custom
	return c
}

// disagree reports the first algorithm both sides list with different values.
func disagree(page, signed map[string]string) (string, bool) {
	if len(page) == 1 {
		for alg, v := range page {
			if s, ok := signed[alg]; ok && s != v && !strings.EqualFold(s, v) {
				return alg, true
			}
		}
		return "", false
	}
	for _, alg := range slices.Sorted(maps.Keys(page)) {
		if s, ok := signed[alg]; ok && !strings.EqualFold(s, page[alg]) {
			return alg, true
		}
	}
	return "", false
}
