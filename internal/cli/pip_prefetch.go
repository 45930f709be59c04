package cli

import (
	"context"
	"net/http"
	"net/url"
	"sync"

	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// Starting Python and importing pip takes longer than verifying the pages of a few dozen
// projects. So while pip starts, the wrapper asks its own index for the pages of the
// projects pip is sure to ask for (the requirements named on the command line and in -r
// files, without markers); pip's own requests then find them verified and cached. This
// changes no decision: it is the same request pip makes, made earlier. A page that fails
// verification here is reported like one pip asked for, since pip would have.

// prefetchParallel bounds the concurrent page lookups: the machine also runs pip.
const prefetchParallel = 2

// prefetchPages requests /simple/<project>/ from h for each project and returns once done
// or once ctx ends; the responses are discarded.
func prefetchPages(ctx context.Context, h http.Handler, projects []string) {
	seen := map[string]bool{}
	work := make(chan string)
	var wg sync.WaitGroup
	for range prefetchParallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, "/simple/"+url.PathEscape(p)+"/", nil)
				if err != nil {
					continue
				}
				req.Header.Set("Accept", simpleindex.ContentTypeJSON)
				h.ServeHTTP(&discardResponse{header: http.Header{}}, req)
			}
		}()
	}
	for _, p := range projects {
		n := simpleindex.NormalizeName(p)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		select {
		case work <- n:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
}

// discardResponse is an http.ResponseWriter that keeps nothing.
type discardResponse struct{ header http.Header }

func (d *discardResponse) Header() http.Header         { return d.header }
func (d *discardResponse) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardResponse) WriteHeader(int)             {}
