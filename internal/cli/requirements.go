package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/tufpip/tufpip/pkg/lockfile"
	"github.com/tufpip/tufpip/pkg/resolve"
)

// requirementArg is one requirement and where it came from, for messages.
type requirementArg struct {
	req    resolve.Requirement
	origin string          // "command line" or "requirements.txt:12"
	hashes []lockfile.Hash // --hash pins of a requirements file line
}

// readRequirements parses requirement arguments and -r files (pip-tools syntax, includes
// followed). Constraint files (-c) restrict nothing here: tufpip resolve chooses one file
// per requirement.
func readRequirements(args, files []string) ([]requirementArg, error) {
	var out []requirementArg
	for _, a := range args {
		r, err := resolve.ParseRequirement(a)
		if err != nil {
			return nil, withHint(err, "write requirements as pip does, e.g. 'FooBar==2.0.*' or 'foobar>=1,<2'")
		}
		out = append(out, requirementArg{req: r, origin: "command line"})
	}
	for _, f := range files {
		if err := checkTextFile(f); err != nil {
			return nil, withCode(ExitUsage, err)
		}
		entries, err := lockfile.ParseRequirements(f)
		if err != nil {
			return nil, withCode(ExitUsage, err)
		}
		for _, e := range entries {
			if e.Constraint {
				continue
			}
			origin := fmt.Sprintf("%s:%d", e.Pos.File, e.Pos.Line)
			if e.URL != "" || e.Path != "" || e.Editable {
				return nil, usageErrorf("only project names with version specifiers can be resolved from signed index pages",
					"%s: %s is not a requirement tufpip can vouch for", origin, e.Raw)
			}
			r, err := resolve.ParseRequirement(e.Raw)
			if err != nil {
				return nil, withCode(ExitUsage, fmt.Errorf("%s: %w", origin, err))
			}
			out = append(out, requirementArg{req: r, origin: origin, hashes: e.Hashes})
		}
	}
	if len(out) == 0 {
		return nil, usageErrorf("for example: tufpip resolve 'FooBar==2.0.*' or tufpip resolve -r requirements.txt", "no requirements given")
	}
	return out, nil
}

// checkTextFile refuses a file that is not text (a wheel, an executable) with a short
// message: parsing it as requirements would quote its binary start back at the user.
// A file that cannot be opened is left to the parser, which names the problem.
func checkTextFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	head, _ := io.ReadAll(io.LimitReader(f, 8<<10))
	if len(head) == 8<<10 {
		// The sample may end inside a multi-byte character.
		for i := 0; i < utf8.UTFMax && len(head) > 0 && !utf8.Valid(head); i++ {
			head = head[:len(head)-1]
		}
	}
	if bytes.IndexByte(head, 0) >= 0 || !utf8.Valid(head) {
		return withHint(errorf("%s: not a text file (it holds binary data)", path),
			"pass a requirements file, pylock.toml or uv.lock")
	}
	return nil
}

// checkPinnedHashes applies the --hash pins of -r files to the chosen files, as pip's
// hash-checking mode would: a chosen file none of whose strong hashes is pinned fails with
// exit 3. It reports whether every pin held (then, and only then, resolve downloads).
func checkPinnedHashes(reqs []requirementArg, results []*resolveResult) bool {
	ok := true
	for i, r := range reqs {
		res := results[i]
		if len(r.hashes) == 0 || res.chosen == nil {
			continue
		}
		f := res.chosen
		have := map[string]bool{}
		for alg, hex := range f.Target.Hashes {
			have[alg+":"+strings.ToLower(hex)] = true
		}
		for alg, hex := range f.File.Hashes {
			have[alg+":"+strings.ToLower(hex)] = true
		}
		matched := false
		for _, h := range r.hashes {
			matched = matched || h.Strong() && have[h.String()]
		}
		if !matched {
			ok = false
			res.err = withCode(ExitVerification, withHint(
				errorf("%s: %s (the file chosen for %s) matches none of the hashes the requirement pins", r.origin, f.File.Filename, r.req.Raw),
				"re-lock the requirements against the trusted index: the pinned hashes are not those of the file it vouches for"))
		}
	}
	return ok
}
