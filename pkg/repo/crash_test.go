package repo

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// view is what a client can observe of FooBar and Other: which role's page go-tuf picks
// and what it lists, and which new files are targets.
type view struct {
	fooRole, otherRole string
	foo, other         []string
	files              map[string]bool
}

var watched = []string{"FooBar-3.0-py3-none-any.whl", "Other-1.0-py3-none-any.whl", "FooBar-2.0.1-py3-none-any.whl"}

func observe(t *testing.T, dir, url string, cache string, ref time.Time) view {
	t.Helper()
	root := mustRead(t, filepath.Join(dir, "metadata", "1.root.json"))
	c := newClientCache(t, url, root, cache, ref)
	var v view
	v.fooRole, v.foo = c.page("foobar")
	if _, err := c.up.GetTargetInfo("simple/other/index.html"); err == nil {
		v.otherRole, v.other = c.page("other")
	}
	v.files = map[string]bool{}
	for _, f := range watched {
		if _, err := c.up.GetTargetInfo("packages/" + f); err == nil {
			c.file(f)
			v.files[f] = true
		}
	}
	return v
}

func (v view) String() string {
	return fmt.Sprintf("foobar from %s %v, other from %q %v, files %v", v.fooRole, v.foo, v.otherRole, v.other, v.files)
}

func sameView(a, b view) bool {
	if a.fooRole != b.fooRole || a.otherRole != b.otherRole || !slices.Equal(a.foo, b.foo) || !slices.Equal(a.other, b.other) || len(a.files) != len(b.files) {
		return false
	}
	for f := range a.files {
		if !b.files[f] {
			return false
		}
	}
	return true
}

// TestCrashAtEveryStep stops each kind of publish before each file it writes, as a crash
// would, and checks with go-tuf's updater that fresh and returning clients still get the
// previous state, and that running the operation again completes it.
func TestCrashAtEveryStep(t *testing.T) {
	for _, layoutBits := range []int{0, 3} {
		keys := t.TempDir()
		base := filepath.Join(t.TempDir(), "base")
		// Short lifetimes, so that the timestamp run an hour later has roles to renew.
		exp := DefaultExpiries
		exp.Snapshot, exp.Stable, exp.Unstable = 90*time.Minute, 90*time.Minute, 90*time.Minute
		r := mustInit(t, base, InitOptions{KeysDir: keys, HashBinBits: layoutBits, JSONPages: layoutBits > 0, Now: t0.Add(-201 * day), Expiries: &exp})
		src := t.TempDir()
		mustAdd(t, r, t0.Add(-200*day), buildWheel(t, src, "FooBar", "1.0", ""), buildWheel(t, src, "FooBar", "2.0", ">=3.8"))
		mustAdd(t, r, t0.Add(-time.Hour), buildWheel(t, src, "FooBar", "2.0.1", ""))
		if _, err := r.Timestamp(context.Background(), t0); err != nil {
			t.Fatal(err)
		}
		// The operations run an hour after the base state was signed, when the short-lived
		// roles are past half their lifetime (add, promote and renew never sign before the
		// wall clock; timestamp signs as of the time it is given).
		at := time.Now().UTC().Add(time.Hour)
		newFiles := []string{buildWheel(t, src, "FooBar", "3.0", ">=3.11"), buildWheel(t, src, "Other", "1.0", "")}
		ops := []struct {
			name string
			run  func(r *Repo) error
		}{
			{"add", func(r *Repo) error { _, err := r.Add(context.Background(), newFiles, at); return err }},
			{"promote", func(r *Repo) error {
				ledger := r.Dir() + ".ledger.json" // one per copy, outside it
				_, err := r.Promote(context.Background(), PromoteOptions{OlderThan: 90 * day, Now: at, Ledger: ledger, Bootstrap: !exists(ledger)})
				return err
			}},
			{"timestamp", func(r *Repo) error { _, err := r.Timestamp(context.Background(), at); return err }},
			{"renew", func(r *Repo) error { _, err := r.Renew(context.Background(), at); return err }},
		}
		for _, op := range ops {
			t.Run(fmt.Sprintf("bits%d/%s", layoutBits, op.name), func(t *testing.T) {
				// A clean run gives the steps and the state after.
				rc, clean := openCopy(t, base, OpenOptions{KeysDir: keys, Expiries: &exp})
				before := observe(t, clean, served(t, clean), t.TempDir(), at)
				rec := recordSteps(rc)
				if err := op.run(rc); err != nil {
					t.Fatal(err)
				}
				steps := *rec
				after := observe(t, clean, served(t, clean), t.TempDir(), at)
				if (op.name == "add" || op.name == "promote") && sameView(before, after) {
					t.Fatalf("%s changed nothing a client sees: %v", op.name, after)
				}
				if len(steps) < 3 || steps[len(steps)-1] != "timestamp" {
					t.Fatalf("steps %v: want the timestamp written last", steps)
				}
				t.Logf("%d steps: %v", len(steps), steps)

				for i, step := range steps {
					r, dir := openCopy(t, base, OpenOptions{KeysDir: keys, Expiries: &exp})
					url := served(t, dir)
					returning := t.TempDir()
					observe(t, dir, url, returning, at) // a client that knows the previous state

					crashAtStep(r, i)
					err := op.run(r)
					var ie *InterruptedError
					if !errors.As(err, &ie) || ie.Step != step {
						t.Fatalf("crash at step %d %q: got %v", i, step, err)
					}
					if got := observe(t, dir, url, t.TempDir(), at); !sameView(got, before) {
						t.Fatalf("crash before %q: fresh client sees %v, want the previous state %v", step, got, before)
					}
					if got := observe(t, dir, url, returning, at); !sameView(got, before) {
						t.Fatalf("crash before %q: returning client sees %v, want %v", step, got, before)
					}

					// Running the operation again completes it.
					r.failAt = nil
					if err := op.run(r); err != nil {
						t.Fatalf("retry after crash before %q: %v", step, err)
					}
					if got := observe(t, dir, url, returning, at); !sameView(got, after) {
						t.Fatalf("retry after crash before %q: client sees %v, want %v", step, got, after)
					}
				}
			})
		}
	}
}

// A retry never reuses the version number of a file a crashed publish left behind.
func TestRetryDoesNotReuseOrphanVersions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	r := mustInit(t, dir, InitOptions{})
	src := t.TempDir()
	r.failAt = func(s string) error {
		if s == "timestamp" {
			return errors.New("simulated crash")
		}
		return nil
	}
	if _, err := r.Add(context.Background(), []string{buildWheel(t, src, "FooBar", "1.0", "")}, time.Now()); err == nil {
		t.Fatal("no crash")
	}
	orphan := mustRead(t, filepath.Join(dir, "metadata", "2.unstable.json"))
	r.failAt = nil
	mustAdd(t, r, time.Now(), buildWheel(t, src, "FooBar", "2.0", ""))
	if got := mustRead(t, filepath.Join(dir, "metadata", "2.unstable.json")); string(got) != string(orphan) {
		t.Fatal("the orphaned 2.unstable.json was overwritten")
	}
	c := newClient(t, dir, served(t, dir), time.Now())
	if _, files := c.page("foobar"); len(files) != 2 {
		t.Fatalf("after the retry: %v", files)
	}
	if v := c.loadRole("unstable").Signed.Version; v != 3 {
		t.Fatalf("unstable version %d, want 3 (2 is the orphan)", v)
	}
}
