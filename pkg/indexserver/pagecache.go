package indexserver

import (
	"bytes"
	"sync"
	"sync/atomic"

	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// pageCache keeps the pages rendered from one refresh's trusted view: a 2 MB page rendered
// per request held a server to tens of requests a second and hundreds of MB of garbage.
// It belongs to one Source, so a refresh starts from an empty cache, and it holds only
// projects the finder already keeps (a name with no page is never rendered).
type pageCache struct {
	src   *Source
	mu    sync.Mutex
	pages map[pageKey]*renderedPage
}

type pageKey struct{ project, ctype string }

type renderedPage struct {
	once sync.Once
	body []byte
	err  error
	etag atomic.Pointer[pageTag] // hashing 2 MB per request would be the next bottleneck
}

type pageTag struct {
	generation uint64
	etag       string
}

// rendered returns the page of proj in ctype and its ETag, rendering it once per refresh
// and tagging it once per generation (see pageETag).
func (s *Server) rendered(src *Source, proj *finder.Project, ctype string) ([]byte, string, error) {
	c := s.pages.Load()
	if c == nil || c.src != src {
		fresh := &pageCache{src: src, pages: map[pageKey]*renderedPage{}}
		if s.pages.CompareAndSwap(c, fresh) {
			c = fresh
		} else if c = s.pages.Load(); c.src != src {
			c = fresh // a refresh raced this request: render without caching
		}
	}
	c.mu.Lock()
	k := pageKey{proj.Name, ctype}
	p := c.pages[k]
	if p == nil {
		p = &renderedPage{}
		c.pages[k] = p
	}
	c.mu.Unlock()
	p.once.Do(func() {
		page := trustedPage(proj, s.cfg.PublicURL)
		var buf bytes.Buffer
		if ctype == simpleindex.ContentTypeJSON {
			p.err = simpleindex.RenderJSON(&buf, page)
		} else {
			p.err = simpleindex.RenderHTML(&buf, page)
		}
		p.body = buf.Bytes()
	})
	if p.err != nil {
		return nil, "", p.err
	}
	gen := s.generation.Load()
	if t := p.etag.Load(); t != nil && t.generation == gen {
		return p.body, t.etag, nil
	}
	t := &pageTag{generation: gen, etag: pageETag(ctype, gen, p.body)}
	p.etag.Store(t)
	return p.body, t.etag, nil
}
