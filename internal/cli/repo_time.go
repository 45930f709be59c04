package cli

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

var dayPrefix = regexp.MustCompile(`^(\d+)([dw])(.*)$`)

// parseAge reads an age for the publisher: "90d", "2w", "36h", "1d12h" or any Go duration.
// Days are 24 hours: the age rule needs no calendar.
func parseAge(s string) (time.Duration, error) {
	if m := dayPrefix.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("invalid age %q", s)
		}
		unit := 24 * time.Hour
		if m[2] == "w" {
			unit *= 7
		}
		d := time.Duration(n) * unit
		if m[3] != "" {
			rest, err := time.ParseDuration(m[3])
			if err != nil {
				return 0, fmt.Errorf("invalid age %q: use 90d, 2w, 36h or 1d12h", s)
			}
			d += rest
		}
		return d, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid age %q: use 90d, 2w, 36h or 1d12h", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("invalid age %q: negative", s)
	}
	return d, nil
}

// parseNow reads --now: RFC 3339 ("2025-01-31T12:00:00Z") or a UTC date ("2025-01-31").
// Empty means the current time.
func parseNow(s string) (time.Time, error) {
	if s == "" {
		return time.Now().UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid time %q: use RFC 3339 (2025-01-31T12:00:00Z) or a date (2025-01-31)", s)
}
