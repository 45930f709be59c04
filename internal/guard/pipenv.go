package guard

import (
	"log/slog"
	"os"
	"sort"
	"strings"
)

// dropEnv returns environ without the variables drop says to drop, and warns, in name
// order, about those of them it says to warn about ("ignoring NAME: why").
func dropEnv(environ []string, log *slog.Logger, why string, drop func(k, v string) (drop, warn bool)) []string {
	out := make([]string, 0, len(environ)+8)
	var dropped []string
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		d, w := drop(k, v)
		if !d {
			out = append(out, kv)
		} else if w {
			dropped = append(dropped, k)
		}
	}
	sort.Strings(dropped)
	for _, k := range dropped {
		log.Warn("ignoring " + k + ": " + why)
	}
	return out
}

// indexEnv are the PIP_* variables that would point pip elsewhere; dropping them is worth
// a warning, the user expected them to matter.
var indexEnv = map[string]bool{
	"PIP_INDEX_URL": true, "PIP_EXTRA_INDEX_URL": true, "PIP_FIND_LINKS": true, "PIP_NO_INDEX": true,
	"PIP_TRUSTED_HOST": true, "PIP_PROXY": true, "PIP_CONFIG_FILE": true, "PIP_INDEX": true,
}

// stricterEnv are the PIP_* variables that can only make pip refuse more (a user's safety
// net): they pass through.
var stricterEnv = map[string]bool{
	"PIP_REQUIRE_VIRTUALENV": true, "PIP_REQUIRE_VENV": true, "PIP_REQUIRE_HASHES": true,
	"PIP_ONLY_BINARY": true, "PIP_NO_INPUT": true,
}

// PipEnv is the environment pip runs with: environ without any PIP_* variable (but those in
// stricterEnv), pip's
// configuration files switched off (PIP_CONFIG_FILE=/dev/null makes pip skip the global,
// user and site files too), no version check (it would ask tufpip's index for pip), the
// verifying index as the only index. pip does not retry: the index already retried
// the repository, and what it refuses (502) does not verify any better the second time;
// pip 24 would otherwise retry a 502 five times with back-off. And pip waits longer for an
// answer: the index answers only once the whole file is downloaded and verified, which for
// a large wheel takes longer than pip's default 15 s read timeout. --retries and --timeout
// in pip's arguments still win. What pip may reach besides the index is settled by
// Sandbox.Env.
func PipEnv(environ []string, indexURL string, log *slog.Logger) []string {
	env := dropEnv(environ, log, "pip talks only to tufpip's verifying index", func(k, v string) (drop, warn bool) {
		drop = strings.HasPrefix(k, "PIP_") && !stricterEnv[k]
		return drop, drop && indexEnv[k] && v != "" && !(k == "PIP_CONFIG_FILE" && v == os.DevNull)
	})
	return append(env,
		"PIP_CONFIG_FILE="+os.DevNull,
		"PIP_DISABLE_PIP_VERSION_CHECK=1",
		"PIP_INDEX_URL="+indexURL,
		"PIP_RETRIES=0",
		"PIP_TIMEOUT="+pipTimeout,
		// pip before 25 decodes requirements files without a declared encoding with the
		// locale's; UTF-8 mode makes that UTF-8, as tufpip reads them.
		"PYTHONUTF8=1",
	)
}

// pipTimeout is pip's socket timeout, in seconds: room to download and verify a large file
// before the index sends its first byte.
const pipTimeout = "600"
