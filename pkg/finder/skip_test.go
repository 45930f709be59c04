package finder

import (
	"context"
	"testing"

	"github.com/tufpip/tufpip/pkg/resolve"
)

// Skips carry their kind and roles, so that the CLI and lockcheck decide without reading
// the English reason.
func TestSkipsCarryKindAndRoles(t *testing.T) {
	repo := seed(t) // foobar 1.0 and 2.0 signed by stable and unstable, 2.0.1 by unstable only
	srv := repo.Serve(t)
	for _, tt := range []struct {
		name string
		cfg  Config
		want resolve.Skip
	}{
		{"lower role", Config{Explain: true}, resolve.Skip{Kind: resolve.SkipLowerRole, SignedBy: "unstable",
			Reason: "signed only by unstable"}},
		{"lower role, not the required one", Config{Explain: true, RequireRole: "stable"}, resolve.Skip{Kind: resolve.SkipLowerRole,
			SignedBy: "unstable", Required: "stable", Reason: "signed by unstable, not by stable"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := rtOpen(t, repo, srv, tt.cfg)
			p, err := f.Project(context.Background(), "foobar")
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range p.Skipped {
				if s.Version != "2.0.1" {
					continue
				}
				if s.Kind != tt.want.Kind || s.SignedBy != tt.want.SignedBy || s.Required != tt.want.Required || s.Reason != tt.want.Reason || !s.Role() || !s.Kind.Trust() {
					t.Errorf("skip %+v, want %+v", s, tt.want)
				}
				return
			}
			t.Errorf("2.0.1 not skipped: %+v", p.Skipped)
		})
	}
}
