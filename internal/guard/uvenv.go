package guard

import (
	"log/slog"
	"slices"
)

// UvIndexHost and UvIndexURL name tufpip's index for uv. ".invalid" never resolves: a uv
// run outside tufpip with a lockfile naming it fails instead of going anywhere.
const (
	UvIndexHost = "tufpip.invalid"
	UvIndexURL  = "http://" + UvIndexHost + "/simple/"
)

// uvOverridden are the UV_* variables tufpip sets for uv; the user's values are dropped,
// with a warning.
var uvOverridden = []string{"UV_DEFAULT_INDEX", "UV_NO_CONFIG", "UV_CACHE_DIR", "UV_PYTHON_DOWNLOADS", "UV_HTTP_RETRIES"}

// UvEnv is uv's environment: environ (already checked by CheckUvEnv) with tufpip's index as
// the default index, no configuration files, a private cache and no Python downloads.
func UvEnv(environ []string, cache string, log *slog.Logger) []string {
	out := dropEnv(environ, log, "uv runs with tufpip's index, its own cache and no Python downloads", func(k, v string) (drop, warn bool) {
		drop = slices.Contains(uvOverridden, k)
		return drop, drop && v != "" && k != "UV_NO_CONFIG"
	})
	// No retries: the index retried the repository already, and what it refuses (502) does
	// not verify any better the second time.
	return append(out, "UV_DEFAULT_INDEX="+UvIndexURL, "UV_NO_CONFIG=1", "UV_CACHE_DIR="+cache, "UV_PYTHON_DOWNLOADS=never",
		"UV_HTTP_RETRIES=0")
}
