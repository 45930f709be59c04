package repo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// tamper plays an attacker who can write to the repository and holds the online keys
// (snapshot, timestamp) but not role's key: it adds a target to role's metadata, whose
// signature no longer verifies, and re-signs snapshot and timestamp to point at it.
func tamper(t *testing.T, r *Repo, role, path string) {
	t.Helper()
	snapData := mustRead(t, filepath.Join(r.dir, "metadata", "timestamp.json"))
	ts, err := metadata.Timestamp().FromBytes(snapData)
	if err != nil {
		t.Fatal(err)
	}
	snapVer := ts.Signed.Meta["snapshot.json"].Version
	snap, err := metadata.Snapshot().FromBytes(mustRead(t, r.versionedPath(metadata.SNAPSHOT, snapVer)))
	if err != nil {
		t.Fatal(err)
	}
	v := snap.Signed.Meta[role+".json"].Version
	m, err := metadata.Targets().FromBytes(mustRead(t, r.versionedPath(role, v)))
	if err != nil {
		t.Fatal(err)
	}
	evil, _ := metadata.TargetFile().FromBytes(path, []byte("evil"))
	m.Signed.Targets[path] = evil
	m.Signed.Version = v + 1
	data, _ := m.ToBytes(false)
	if err := os.WriteFile(r.versionedPath(role, v+1), data, 0o644); err != nil {
		t.Fatal(err)
	}
	snap.Signed.Meta[role+".json"] = metaFile(v+1, data)
	if _, err := r.writeSnapshot(snap, snapVer+1, t0); err != nil {
		t.Fatal(err)
	}
	if err := r.writeTimestamp(ts, snap, ts.Signed.Version+1, t0); err != nil {
		t.Fatal(err)
	}
}

// Promote refuses to re-sign stable metadata that the stable key did not sign: otherwise
// the online attacker's edit would come out signed by stable.
func TestPromoteRefusesTamperedStable(t *testing.T) {
	r, dir := fooBar(t, InitOptions{})
	tamper(t, r, "stable", "packages/evil-1.0-py3-none-any.whl")
	// go-tuf's client rejects the tampered role too.
	c := newClient(t, dir, served(t, dir), t0)
	if _, err := c.up.GetTargetInfo("simple/foobar/index.html"); err == nil {
		t.Fatal("go-tuf accepted the tampered stable")
	}
	_, err := r.Promote(context.Background(), PromoteOptions{OlderThan: 90 * day, Now: t0.Add(100 * day)})
	var me *MetadataError
	if !errors.As(err, &me) || me.Role != "stable" || !strings.Contains(err.Error(), "not signed by the stable key") {
		t.Fatalf("promote over tampered stable: %v", err)
	}
}

// Renew refuses to re-sign targets whose delegations someone else wrote.
func TestRenewRefusesTamperedTargets(t *testing.T) {
	r, _ := fooBar(t, InitOptions{})
	tamper(t, r, "targets", "packages/evil-1.0-py3-none-any.whl")
	_, err := r.Renew(context.Background(), t0)
	var me *MetadataError
	if !errors.As(err, &me) || me.Role != "targets" {
		t.Fatalf("renew over tampered targets: %v", err)
	}
	if exists(filepath.Join(r.dir, "metadata", "2.root.json")) {
		t.Fatal("renew wrote a new root before checking targets")
	}
}

// The cron job reads roles without checking them, but checks every role it re-signs.
func TestTimestampRefusesToRenewTamperedUnstable(t *testing.T) {
	r, _ := fooBar(t, InitOptions{})
	tamper(t, r, "unstable", "packages/evil-1.0-py3-none-any.whl")
	if _, err := r.Timestamp(context.Background(), t0.Add(time.Hour)); err != nil {
		t.Fatalf("a timestamp run that re-signs nothing but the timestamp failed: %v", err)
	}
	_, err := r.Timestamp(context.Background(), t0.Add(5*day)) // unstable past half its life
	var me *MetadataError
	if !errors.As(err, &me) || me.Role != "unstable" {
		t.Fatalf("renewing tampered unstable: %v", err)
	}
}
