package tuftest

import (
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

func TestExtraAndRuntimeRoles(t *testing.T) {
	r := New(t, WithRole(Delegation{Name: "legacy", Paths: []string{"old/*"}}))
	r.AddTarget("legacy", "old/a", []byte("a"))
	r.Publish()
	srv := r.Serve(t)
	c := newClient(t, srv, r.RootJSON())
	c.mustGet("old/a", []byte("a"))

	r.Delegate(Delegation{Name: "nightly", Parent: Unstable, Paths: []string{"packages/*"}, Keys: 2, Threshold: 2})
	r.AddFile("nightly", "n.whl", []byte("n"))
	r.Publish()
	c.mustGet("packages/n.whl", []byte("n"))
	want := []string{Targets, Stable, Unstable, "legacy", "nightly"}
	if got := r.Roles(); len(got) != len(want) {
		t.Fatalf("Roles = %v, want %v", got, want)
	}
	if v := r.Version(Unstable); v != 2 {
		t.Errorf("unstable re-signed to v%d after delegating, want v2", v)
	}
}

func TestExpiryOption(t *testing.T) {
	clock := NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	r := New(t, WithClock(clock.Now), WithExpiry(Timestamp, time.Hour))
	ts, err := metadata.Timestamp().FromBytes(r.Signed(Timestamp, r.Version(Timestamp)))
	if err != nil {
		t.Fatal(err)
	}
	if want := clock.Now().Add(time.Hour); !ts.Signed.Expires.Equal(want) {
		t.Errorf("timestamp expires %v, want %v", ts.Signed.Expires, want)
	}
	st, err := metadata.Targets().FromBytes(r.Signed(Stable, 1))
	if err != nil {
		t.Fatal(err)
	}
	if want := clock.Now().Add(365 * 24 * time.Hour); !st.Signed.Expires.Equal(want) {
		t.Errorf("stable expires %v, want %v", st.Signed.Expires, want)
	}
}

// Every test in the project builds at least one repository: keep it cheap.
func BenchmarkNewAndPublish(b *testing.B) {
	data := make([]byte, 1<<10)
	for b.Loop() {
		r := New(b)
		r.AddFile(Stable, "a-1.0-py3-none-any.whl", data)
		r.SetPage(Stable, "a", File("a-1.0-py3-none-any.whl", data))
		r.Publish()
	}
}

func BenchmarkPublish100Targets(b *testing.B) {
	r := New(b)
	data := make([]byte, 1<<10)
	for i := range 100 {
		r.AddTarget(Unstable, "packages/f"+string(rune('a'+i%26))+string(rune('a'+i/26))+".whl", data)
	}
	for b.Loop() {
		r.Bump(Unstable)
		r.Publish()
	}
}
