package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Ages: the upload time recorded by the online side (repo add --now, or an upstream's
// upload-time that repo sync records) counts only for a project the ledger has never
// seen a file of. A backdated new release of a known project waits its full age.
func TestRepoAgesPerProjectBootstrap(t *testing.T) {
	p := newPubRepo(t)
	ago := func(d int) string {
		return time.Now().UTC().Add(time.Duration(-d) * 24 * time.Hour).Format(time.RFC3339)
	}
	p.ok(t, "repo", "add", p.dir, testWheel(t, p.src, "FooBar", "4.0"), "--now", ago(1000), "--keys", p.keys)
	p.ok(t, "repo", "add", p.dir, testWheel(t, p.src, "FooBar", "5.0"), "--now", ago(-200), "--keys", p.keys) // dated in the future
	p.ok(t, "repo", "add", p.dir, testWheel(t, p.src, "NewProj", "1.0"), testWheel(t, p.src, "NewProj", "1.1"), "--now", ago(200), "--keys", p.keys)
	p.ok(t, "repo", "add", p.dir, testWheel(t, p.src, "Fresh", "1.0"), "--now", ago(-5), "--keys", p.keys)
	v0, _, _ := p.role(t, "stable")

	r := p.ok(t, "repo", "promote", p.dir, "--older-than", "90d", "--keys", p.keys)
	if !strings.Contains(r.stdout, "bootstrap: 2 files of 1 project new to the ledger (newproj) aged from their recorded upload times (clamped to now)") ||
		!strings.Contains(r.stdout, "stable signs NewProj-1.0-py3-none-any.whl") || !strings.Contains(r.stdout, "promoted 2 files in 1 project") ||
		strings.Contains(r.stdout, "FooBar-4.0") {
		t.Fatalf("promote: %+v", r)
	}
	if v, _, _ := p.role(t, "stable"); v != v0+1 {
		t.Fatalf("stable version %d, want %d", v, v0+1)
	}
	if v, r := p.resolveStable(t, "FooBar==4.0"); v != "" || r.code != ExitNoMatch {
		t.Fatalf("the backdated FooBar 4.0 is in stable: %+v", r)
	}
	if v, r := p.resolveStable(t, "NewProj==1.1"); v != "1.1" {
		t.Fatalf("NewProj 1.1 not in stable: %+v", r)
	}
	// 91 days on, 4.0 (and 3.0) have aged in the ledger; 5.0 counts from its (later)
	// recorded upload time; Fresh, a new project dated in the future, from now (clamped).
	r = p.ok(t, "repo", "promote", p.dir, "--older-than", "90d", "--keys", p.keys, "--now", ago(-91))
	if !strings.Contains(r.stdout, "stable signs FooBar-3.0-py3-none-any.whl") || !strings.Contains(r.stdout, "stable signs FooBar-4.0-py3-none-any.whl") ||
		!strings.Contains(r.stdout, "stable signs Fresh-1.0-py3-none-any.whl") || strings.Contains(r.stdout, "FooBar-5.0") || strings.Contains(r.stdout, "bootstrap") {
		t.Fatalf("promote 91 days later: %+v", r)
	}
	r = p.ok(t, "repo", "promote", p.dir, "--older-than", "90d", "--keys", p.keys, "--now", ago(-291))
	if !strings.Contains(r.stdout, "stable signs FooBar-5.0-py3-none-any.whl") || strings.Count(r.stdout, "stable signs") != 1 {
		t.Fatalf("promote 291 days later: %+v", r)
	}
}

type statusJSON struct {
	Version    int `json:"version"`
	StableSide struct {
		Ledger    string `json:"ledger"`
		OlderThan string `json:"olderThan"`
		Holds     []struct{ Requirement, Reason string }
		Log       []struct {
			Action, Requirement, Reason string
			Files                       []string
		}
		Projects []struct {
			Project, Unstable, Stable, Upstream string
			Next                                *struct {
				Version, State string
				At             *time.Time
			}
		}
	} `json:"stableSide"`
}

func (p *pubRepo) status(t *testing.T) statusJSON {
	t.Helper()
	r := p.ok(t, "repo", "status", p.dir, "--keys", p.keys, "--format", "json")
	var st statusJSON
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || st.Version != 1 || len(st.StableSide.Projects) != 1 {
		t.Fatalf("status json (%v): %s", err, r.stdout)
	}
	return st
}

// The stable side interferes: a hold keeps files out whatever their age, a release ends
// it, and a fast-lane promote signs named files before their age; all three land in the
// ledger and in repo status.
func TestRepoFastLaneHoldRelease(t *testing.T) {
	p := newPubRepo(t)
	// What repo sync records about the upstream (the hook status reads).
	os.MkdirAll(filepath.Join(p.dir, "state", "upstream"), 0o755)
	os.WriteFile(filepath.Join(p.dir, "state", "upstream", "foobar.json"), []byte(`{"url":"http://upstream/simple/foobar/","upstream_latest":"3.2"}`), 0o644)
	st := p.status(t)
	fb := st.StableSide.Projects[0]
	if fb.Project != "foobar" || fb.Unstable != "3.0" || fb.Stable != "2.0" || fb.Upstream != "3.2" || st.StableSide.OlderThan != "90d" ||
		fb.Next == nil || fb.Next.Version != "3.0" || fb.Next.State != "waiting" || fb.Next.At == nil ||
		fb.Next.At.Sub(time.Now().Add(90*24*time.Hour)).Abs() > time.Hour {
		t.Fatalf("status before: %+v", st)
	}
	if r := p.ok(t, "repo", "status", p.dir, "--keys", p.keys); !strings.Contains(r.stdout, "age rule 90d") ||
		!strings.Contains(r.stdout, "PROJECT  UNSTABLE  STABLE  UPSTREAM  NEXT PROMOTE") || !strings.Contains(r.stdout, "foobar   3.0       2.0     3.2       3.0 from ") {
		t.Fatalf("status text: %s", r.stdout)
	}
	p.ok(t, "repo", "add", p.dir, testWheel(t, p.src, "FooBar", "3.1"), "--keys", p.keys)
	p.ok(t, "repo", "promote", p.dir, "--older-than", "90d", "--keys", p.keys) // sees 3.1
	v0, _, _ := p.role(t, "stable")
	unchanged := func(what string) {
		t.Helper()
		if v, _, _ := p.role(t, "stable"); v != v0 {
			t.Fatalf("%s: stable signed version %d", what, v)
		}
	}

	if r := runCLI(t, p.env, "repo", "promote", p.dir, "foobar==3.1", "--keys", p.keys); r.code != ExitUsage || !strings.Contains(r.stderr, "a fast-lane promotion needs --reason") {
		t.Fatalf("fast lane without a reason: %+v", r)
	}
	if r := runCLI(t, p.env, "repo", "hold", p.dir, "foobar>=3.1", "--keys", p.keys); r.code != ExitUsage || !strings.Contains(r.stderr, "a hold needs --reason") {
		t.Fatalf("hold without a reason: %+v", r)
	}
	if r := runCLI(t, p.env, "repo", "hold", p.dir, "foobar>=3.1", "--reason", "x", "--ledger", filepath.Join(t.TempDir(), "none.json")); r.code != ExitError || !strings.Contains(r.stderr, "none.json: stable ledger: does not exist") {
		t.Fatalf("hold without a ledger: %+v", r)
	}
	if r := p.ok(t, "repo", "hold", p.dir, "foobar>=3.1", "--reason", "3.1 breaks the API", "--keys", p.keys); r.stdout != "held foobar>=3.1: 3.1 breaks the API\n" {
		t.Fatalf("hold: %+v", r)
	}
	if r := runCLI(t, p.env, "repo", "promote", p.dir, "FooBar==3.1", "--reason", "urgent", "--keys", p.keys); r.code != ExitUsage ||
		!strings.Contains(r.stderr, `FooBar-3.1-py3-none-any.whl is held by "foobar>=3.1"`) || !strings.Contains(r.stderr, "release the hold first") {
		t.Fatalf("fast lane over a hold: %+v", r)
	}
	if r := runCLI(t, p.env, "repo", "promote", p.dir, "nope==1.0", "--reason", "x", "--keys", p.keys); r.code != ExitNoMatch || !strings.Contains(r.stderr, `"nope==1.0": matches no file that unstable publishes`) {
		t.Fatalf("fast lane matching nothing: %+v", r)
	}
	if r := runCLI(t, p.env, "repo", "promote", p.dir, "foobar[extra]==3.1", "--reason", "x", "--keys", p.keys); r.code != ExitUsage {
		t.Fatalf("fast lane with extras: %+v", r)
	}
	unchanged("refused requests")

	// Both are old enough 100 days on; the hold keeps 3.1 out.
	later := time.Now().UTC().Add(100 * 24 * time.Hour).Format(time.RFC3339)
	r := p.ok(t, "repo", "promote", p.dir, "--older-than", "90d", "--keys", p.keys, "--now", later)
	if !strings.Contains(r.stdout, "held FooBar-3.1-py3-none-any.whl (hold foobar>=3.1 since ") || !strings.Contains(r.stdout, "stable signs FooBar-3.0-py3-none-any.whl\n") ||
		strings.Contains(r.stdout, "stable signs FooBar-3.1") {
		t.Fatalf("promote with a hold: %+v", r)
	}
	if v, r := p.resolveStable(t, "FooBar==3.1"); v != "" || r.code != ExitNoMatch {
		t.Fatalf("held 3.1 in stable: %+v", r)
	}
	st = p.status(t)
	if n := st.StableSide.Projects[0].Next; n == nil || n.Version != "3.1" || n.State != "held" || len(st.StableSide.Holds) != 1 {
		t.Fatalf("status with a hold: %+v", st.StableSide)
	}
	if r := p.ok(t, "repo", "status", p.dir, "--keys", p.keys); !strings.Contains(r.stdout, "3.1 held (foobar>=3.1: 3.1 breaks the API)") ||
		!strings.Contains(r.stdout, "holds:\n  foobar>=3.1 since ") {
		t.Fatalf("status text with a hold: %s", r.stdout)
	}

	if r := p.ok(t, "repo", "release", p.dir, "FooBar >= 3.1", "--keys", p.keys); r.stdout != "released foobar>=3.1\n" {
		t.Fatalf("release: %+v", r)
	}
	if r := runCLI(t, p.env, "repo", "release", p.dir, "foobar>=3.1", "--keys", p.keys); r.code != ExitUsage || !strings.Contains(r.stderr, "no such hold") {
		t.Fatalf("second release: %+v", r)
	}
	p.ok(t, "repo", "add", p.dir, testWheel(t, p.src, "FooBar", "3.2"), "--keys", p.keys)
	r = p.ok(t, "repo", "promote", p.dir, "foobar==3.1", "--reason", "fixes CVE-2026-0001", "--keys", p.keys)
	if r.stdout != "stable signs FooBar-3.1-py3-none-any.whl (fast lane)\npromoted 1 file in 1 project (fast lane only)\n" {
		t.Fatalf("fast lane: %+v", r)
	}
	if v, r := p.resolveStable(t, "FooBar==3.1"); v != "3.1" {
		t.Fatalf("fast-laned 3.1 not in stable: %+v", r)
	}
	if v, r := p.resolveStable(t, "FooBar==3.2"); v != "" {
		t.Fatalf("3.2 in stable: %+v", r)
	}
	st = p.status(t)
	log := st.StableSide.Log
	if len(log) != 3 || log[0].Action != "hold" || log[1].Action != "release" || log[2].Action != "promote" ||
		log[2].Reason != "fixes CVE-2026-0001" || len(log[2].Files) != 1 || log[2].Files[0] != "FooBar-3.1-py3-none-any.whl" {
		t.Fatalf("decisions: %+v", log)
	}
	if fb := st.StableSide.Projects[0]; fb.Stable != "3.1" || fb.Unstable != "3.2" || fb.Next == nil || fb.Next.Version != "3.2" || fb.Next.State != "waiting" {
		t.Fatalf("status after the fast lane: %+v", fb)
	}
}
