package repo

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// repo timestamp --now signs as of that time, also in the past: the timestamp expires a
// timestamp lifetime after it (the help says "sign as of this time").
func TestTimestampAsOfPastTime(t *testing.T) {
	r := mustInit(t, filepath.Join(t.TempDir(), "repo"), InitOptions{KeysDir: t.TempDir()})
	past := t0.Add(-3 * day)
	res, err := r.Timestamp(context.Background(), past)
	if err != nil {
		t.Fatal(err)
	}
	if want := past.Add(DefaultExpiries.Timestamp).Truncate(time.Second); !res.Expires.Equal(want) {
		t.Errorf("timestamp signed as of %s expires %s, want %s", past, res.Expires, want)
	}
	// and the next run without --now signs from the wall clock again
	res, err = r.Timestamp(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Expires.Before(time.Now().Add(DefaultExpiries.Timestamp - time.Minute)) {
		t.Errorf("timestamp signed now expires %s", res.Expires)
	}
}
