package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/tufpip/tufpip/pkg/lockcheck"
)

// verify --summary FILE (or $GITHUB_STEP_SUMMARY in GitHub Actions): a Markdown table of the
// run, appended to the file as GitHub's job summary expects. Failing entries come first;
// passing ones are counted, and listed in a collapsed section.

// summaryPath is where the Markdown summary goes: --summary, else $GITHUB_STEP_SUMMARY,
// else nowhere.
func summaryPath(app *App, flag string) string {
	if flag != "" {
		return flag
	}
	return app.Getenv("GITHUB_STEP_SUMMARY")
}

func writeSummary(path string, lockfiles []string, results []verifyEntry) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	_, werr := f.WriteString(summaryMarkdown(lockfiles, results))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("write summary %s: %w", path, werr)
	}
	return nil
}

func summaryMarkdown(lockfiles []string, results []verifyEntry) string {
	var failed, passed []verifyEntry
	counts := map[lockcheck.Status]int{}
	for _, r := range results {
		counts[r.Status]++
		if r.Passed() {
			passed = append(passed, r)
		} else {
			failed = append(failed, r)
		}
	}
	var b strings.Builder
	names := make([]string, len(lockfiles))
	for i, l := range lockfiles {
		names[i] = "`" + mdCode(l) + "`"
	}
	mark := "✅"
	if len(failed) > 0 {
		mark = "❌"
	}
	fmt.Fprintf(&b, "### %s tufpip verify: %d of %d entries vouched for\n\n", mark, len(results)-len(failed), len(results))
	fmt.Fprintf(&b, "Lockfiles: %s\n\n", strings.Join(names, ", "))
	var tally []string
	for _, s := range []lockcheck.Status{lockcheck.OK, lockcheck.Local, lockcheck.HashNotTrusted, lockcheck.RolePolicy, lockcheck.NotPinned,
		lockcheck.NotFound, lockcheck.Yanked, lockcheck.Unverifiable, lockcheck.Error} {
		if counts[s] > 0 {
			tally = append(tally, fmt.Sprintf("%s: %d", s, counts[s]))
		}
	}
	fmt.Fprintf(&b, "%s\n\n", strings.Join(tally, " · "))
	row := func(r verifyEntry) {
		detail := r.Reason
		if r.Status == lockcheck.OK {
			detail = "vouched for by " + r.Role + ": " + strings.Join(r.Files, ", ")
		}
		if r.Hint != "" {
			detail += " — hint: " + r.Hint
		}
		entry := name(r)
		if entry == "" {
			entry = "—" // a line without a project name (-e ./src): the details say what it is
		}
		fmt.Fprintf(&b, "| %s | `%s:%d` | %s | %s |\n", r.Status, mdCode(r.File), r.Line, mdText(entry), mdText(detail))
	}
	header := "| status | where | entry | details |\n|---|---|---|---|\n"
	if len(failed) > 0 {
		b.WriteString(header)
		for _, r := range failed {
			row(r)
		}
		b.WriteString("\n")
	}
	if len(passed) > 0 {
		fmt.Fprintf(&b, "<details><summary>%d passing entries</summary>\n\n%s", len(passed), header)
		for _, r := range passed {
			row(r)
		}
		b.WriteString("\n</details>\n\n")
	}
	return b.String()
}

// mdText escapes lockfile and page text for a Markdown table cell: it must not end the
// cell, start a link, image or HTML tag, or break the row. A pull request writes lockfiles.
func mdText(s string) string {
	s = safeText(s, false)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '&', '|', '!', '~', '#', '(', ')':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCode makes text safe inside a single-backtick code span in a table cell.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "|", "\\|").Replace(safeText(s, false))
}
