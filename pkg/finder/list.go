package finder

import (
	"context"
	"errors"
	"slices"

	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// lister is a client that can list target paths (tuf.Client.ListPaths).
type lister interface {
	ListPaths(ctx context.Context, prefix, suffix string) ([]string, error)
}

// ErrNoListing means the TUF client cannot list target paths.
var ErrNoListing = errors.New("finder: the TUF client cannot list projects")

// projectList is Projects' answer, kept for the Finder's lifetime (one refresh).
type projectList struct {
	names []string
	err   error // nil, or a *tuf.ListTruncatedError with a partial list
}

// Projects returns the normalised names of the projects whose page the trusted metadata
// vouches for, sorted: every path matching the index path template that some reachable role
// lists, kept only when Project would find a page there, that is when the delegation walk for
// that path (precedence, path patterns, terminating delegations) answers with it and
// --require-role accepts it. A page path that is not a normalised name's page is left out, as
// Project never asks for it. The list is computed once per Finder; a truncated listing (see
// tuf.ListPaths) returns the part it found with its error.
func (f *Finder) Projects(ctx context.Context) ([]string, error) {
	f.mu.Lock()
	if l := f.list; l != nil {
		f.mu.Unlock()
		return l.names, l.err
	}
	f.mu.Unlock()
	ls, ok := f.cfg.TUF.(lister)
	if !ok {
		return nil, ErrNoListing
	}
	tmpl := f.cfg.IndexPath
	prefix, suffix, err := simpleindex.PageAffixes(tmpl)
	if err != nil {
		return nil, err
	}
	paths, err := ls.ListPaths(ctx, prefix, suffix)
	var trunc *tuf.ListTruncatedError
	if err != nil && !errors.As(err, &trunc) {
		return nil, err
	}
	q := tuf.Query{}
	if r := f.cfg.RequireRole; r != "" {
		q.Accept = func(t *tuf.Target) bool { return t.VouchedBy(r) }
	}
	var names []string
	for _, p := range paths {
		norm, ok := simpleindex.PageProject(tmpl, p)
		if !ok {
			continue
		}
		pages, ferr := f.cfg.TUF.Find(ctx, p, q)
		if ferr != nil {
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr
			}
			f.log.Debug("project left out of the list", "path", p, "error", ferr)
			continue
		}
		if r := f.cfg.RequireRole; r != "" && !slices.ContainsFunc(pages, func(t *tuf.Target) bool { return t.VouchedBy(r) }) {
			continue
		}
		names = append(names, norm)
	}
	l := &projectList{names: names}
	if trunc != nil {
		l.err = trunc
	}
	f.mu.Lock()
	f.list = l
	f.mu.Unlock()
	return l.names, l.err
}
