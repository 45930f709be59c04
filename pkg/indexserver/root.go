package indexserver

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"strings"
	"sync"

	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// rootList is /simple/ as rendered from one refresh's trusted view, in both content types.
type rootList struct {
	src        *Source
	mu         sync.Mutex
	done       bool
	html, json []byte
}

// projectList returns /simple/ for src, computing it at most once per refresh (a request
// that gives up does not leave its cancellation behind). A listing cut short at its bounds
// (tuf.ListTruncatedError) is served with what it found and logged.
func (s *Server) projectList(ctx context.Context, src *Source) (*rootList, error) {
	l := s.root.Load()
	if l == nil || l.src != src {
		fresh := &rootList{src: src}
		if s.root.CompareAndSwap(l, fresh) {
			l = fresh
		} else if l = s.root.Load(); l.src != src {
			l = fresh // a refresh raced this request: list without keeping it
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return l, nil
	}
	names, err := src.Finder.Projects(ctx)
	if trunc := (*tuf.ListTruncatedError)(nil); errors.As(err, &trunc) {
		s.log.Warn("the project list is incomplete", "error", err)
	} else if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"" + simpleindex.APIVersion +
		"\">\n    <title>Simple index</title>\n  </head>\n  <body>\n")
	type project struct {
		Name string `json:"name"`
	}
	projects := make([]project, 0, len(names))
	for _, n := range names {
		e := html.EscapeString(n)
		b.WriteString("    <a href=\"" + e + "/\">" + e + "</a><br>\n")
		projects = append(projects, project{n})
	}
	b.WriteString("  </body>\n</html>\n")
	js, err := json.Marshal(struct {
		Meta     map[string]string `json:"meta"`
		Projects []project         `json:"projects"`
	}{map[string]string{"api-version": simpleindex.APIVersion}, projects})
	if err != nil {
		return nil, err
	}
	l.html, l.json, l.done = []byte(b.String()), append(js, '\n'), true
	return l, nil
}
