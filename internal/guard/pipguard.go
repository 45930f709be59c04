package guard

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/tufpip/tufpip/pkg/lockfile"
	"github.com/tufpip/tufpip/pkg/resolve"
)

// The wrappers' promise is that pip installs nothing tufpip did not verify. pip can be told
// to fetch from elsewhere in many ways: index and find-links options, a proxy, direct URL
// and path requirements, editable installs, and all of these again inside -r/-c files.
// Each is refused before pip starts (exit 2), naming where it was written. pip's
// configuration files and PIP_* variables are neutralised instead (pipenv.go).

// RefusedError is an argument, variable or requirements-file line that would let pip or uv
// fetch or install something tufpip cannot verify.
type RefusedError struct {
	Where  string // "command line", "environment" or "requirements.txt:12"
	Arg    string // what was written, e.g. "--extra-index-url https://example.org/simple"
	Reason string
	Hint   string
}

func refuse(where, arg, reason, hint string) error {
	return &RefusedError{Where: where, Arg: arg, Reason: reason, Hint: hint}
}

func (e *RefusedError) Error() string {
	if e.Where == "" || e.Where == "command line" {
		return e.Arg + ": " + e.Reason
	}
	return e.Where + ": " + e.Arg + ": " + e.Reason
}

// UsageError is a command line the guard cannot check as given (a lockfile passed as a
// requirements file, a file that cannot be read or parsed).
type UsageError struct {
	Err  error
	Hint string
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageError(hint string, err error) error { return &UsageError{Err: err, Hint: hint} }

const (
	hintIndexRest = " talks only to tufpip's verifying index; choose the TUF repository with --repo NAME or --metadata-url URL"
	hintIndex     = "pip" + hintIndexRest
	hintReq       = "name the project and its version instead (e.g. 'foobar==2.0'), so it comes from the signed index"
	hintOrder     = "tufpip's options go before pip's arguments, e.g. tufpip install --python .venv/bin/python -r requirements.txt"
)

// indexOptions are the options (canonical names) that point pip at other sources, with why
// they are refused (%s is the tool: pip, or uv reading a requirements file).
var indexOptions = map[string]string{
	"--index-url":       "%s would fetch from an index tufpip does not verify",
	"--index":           "%s would fetch from an index tufpip does not verify",
	"--extra-index-url": "%s would fetch from an index tufpip does not verify",
	"--find-links":      "%s would install files found outside the signed index",
	"--trusted-host":    "%s would accept an unverified host",
	"--proxy":           "%s's requests to tufpip's index must not pass through a proxy",
}

// indexOption says why opt, an option of tool's, is refused, if it is one of indexOptions.
func indexOption(tool, opt string) (reason string, ok bool) {
	if r, ok := indexOptions[opt]; ok {
		return fmt.Sprintf(r, tool), true
	}
	return "", false
}

// tufpipOnly are tufpip's options that pip does not have; among pip's arguments they are
// a misplaced tufpip option, not something to pass on.
var tufpipOnly = []string{"--require-role", "--metadata-url", "--targets-url", "--repo", "--index-path"}

// fetchingCommands are the pip commands whose positional arguments are requirements.
var fetchingCommands = map[string]bool{"install": true, "download": true, "wheel": true, "lock": true}

// checkPipArgs refuses what in pip's arguments could bypass the verifying index, and reads
// the -r/-c files they name.
func checkPipArgs(cl *PipCommandLine) error {
	table := optionTable(cl.command)
	names := make([]string, 0, len(indexOptions))
	for n := range indexOptions {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, t := range cl.tokens {
		if t.opt == "" {
			continue
		}
		tab := table
		if t.general {
			tab = pipOptions[""]
		}
		arg := strings.TrimSpace(t.written + " " + t.value)
		opt := t.opt
		if strings.HasPrefix(t.written, "--") {
			if n, ok := abbreviates(tab, t.written, names...); ok {
				opt = n
			} else if n, ok := abbreviates(tab, t.written, "--python", "--editable", "--group"); ok {
				opt = n
			}
		}
		if reason, ok := indexOption("pip", opt); ok {
			return refuse("command line", arg, reason, hintIndex)
		}
		switch opt {
		case "--python":
			return refuse("command line", arg, "pip would run in another interpreter than the one tufpip was given",
				"put --python PATH before pip's arguments: tufpip install --python PATH ARGS")
		case "--editable":
			if tab["--editable"].value {
				return refuse("command line", arg, "editable requirements are installed from local or VCS sources without verification", hintReq)
			}
		case "--group":
			// pip 25.1 reads [dependency-groups] from pyproject.toml, which tufpip does not check.
			return refuse("command line", arg, "dependency groups are read by pip from pyproject.toml, where tufpip cannot check them",
				"list the group's requirements in a requirements file and pass it with -r")
		case "--requirement", "--constraint":
			if fetchingCommands[cl.command] || pipOptions[cl.command] == nil {
				names, err := checkRequirementsFile("pip", t.written, t.value)
				if err != nil {
					return err
				}
				if opt == "--requirement" {
					cl.projects = append(cl.projects, names...)
				}
			}
		}
		for _, n := range tufpipOnly {
			if _, known := tab[t.written]; !known && strings.HasPrefix(n, t.written) && len(t.written) > 3 {
				return refuse("command line", arg, "a tufpip option among pip's arguments", hintOrder)
			}
		}
	}
	if fetchingCommands[cl.command] || pipOptions[cl.command] == nil {
		for _, r := range cl.requirements() {
			if reason := directRequirement(r); reason != "" {
				return refuse("command line", r, reason, hintReq)
			}
			if req, err := resolve.ParseRequirement(r); err == nil && req.Marker == "" {
				cl.projects = append(cl.projects, req.Name)
			}
		}
	}
	return nil
}

// directRequirement says why pip would fetch requirement r without consulting the index,
// following pip's parse_req_from_line: a URL, "name @ URL", or a local path or archive.
// pip strips what Python counts as whitespace (str.strip, which removes \x1c-\x1f too)
// before it looks, so the guard strips the same set.
func directRequirement(r string) string {
	head := r
	if i := strings.Index(r, ";"); i >= 0 {
		head = r[:i]
	}
	head = lockfile.TrimPySpace(head)
	before, _, hasAt := strings.Cut(head, "@")
	switch {
	case hasAt && !lockfile.LooksLikePath(before):
		return "a direct URL requirement is fetched without verification"
	case strings.Contains(head, ":"):
		return "a URL requirement is fetched without verification"
	case lockfile.LooksLikePath(head) || lockfile.IsArchiveName(stripExtras(head)):
		return "a local path is installed without verification"
	}
	return ""
}

func stripExtras(s string) string {
	if strings.HasSuffix(s, "]") {
		if i := strings.LastIndexByte(s, '['); i >= 0 {
			return s[:i]
		}
	}
	return s
}

// envVarRE is pip's pattern for ${VAR} in requirements files, expanded from the environment
// after tufpip's checks: a variable could hide an option or a URL.
var envVarRE = regexp.MustCompile(`\$\{[A-Z0-9_]+\}`)

// commentRE is pip's comment rule: "#" at the start of a line or after whitespace.
var commentRE = regexp.MustCompile(`(^|\s)#.*$`)

// checkRequirementsFile reads a -r/-c file and what it includes, as pip will, and refuses
// index options, direct URL, path and editable requirements, naming file:line. It returns
// the projects pip will surely ask the index for: requirements without a marker. tool
// ("pip" or "uv") is the program that will read the file, as messages name it.
func checkRequirementsFile(tool, flag, path string) ([]string, error) {
	arg := flag + " " + path
	if strings.Contains(path, "://") {
		return nil, refuse("command line", arg, tool+" would read requirements from a URL tufpip cannot verify",
			"download the file, check it, and pass the local copy")
	}
	if f := lockfile.DetectFormat(path); f != lockfile.FormatRequirements {
		return nil, usageError("pip reads -r/-c files as requirements files; for a lockfile use tufpip verify "+path,
			fmt.Errorf("%s: a %s file is not a requirements file", path, f))
	}
	lf, err := lockfile.Load(path)
	if err != nil {
		var pe *lockfile.ParseError
		if errors.As(err, &pe) {
			return nil, usageError("fix the requirements file; "+tool+" would read it the same way", err)
		}
		return nil, usageError("", fmt.Errorf("%s: %w", arg, err))
	}
	for _, o := range lf.Options {
		if reason, ok := indexOption(tool, o.Name); ok {
			return nil, refuse(o.Pos.String(), o.String(), reason, tool+hintIndexRest)
		}
	}
	for _, e := range lf.Entries {
		switch {
		case e.Editable:
			return nil, refuse(e.Pos.String(), e.Raw, "editable requirements are installed from local or VCS sources without verification", hintReq)
		case e.URL != "":
			return nil, refuse(e.Pos.String(), e.Raw, "a direct URL requirement is fetched without verification", hintReq)
		case e.Path != "":
			return nil, refuse(e.Pos.String(), e.Raw, "a local path is installed without verification", hintReq)
		}
	}
	var names []string
	for _, e := range lf.Entries {
		if !e.Constraint && e.Marker == "" && e.Name != "" {
			names = append(names, e.Name)
		}
	}
	return names, checkEnvVars(tool, lf)
}

// checkEnvVars refuses ${VAR} anywhere in the files read; tool expands them.
func checkEnvVars(tool string, lf *lockfile.Lockfile) error {
	files := map[string]bool{lf.Path: true}
	for _, e := range lf.Entries {
		files[e.Pos.File] = true
	}
	for _, o := range lf.Options {
		files[o.Pos.File] = true
	}
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			return usageError("", err)
		}
		data, err := io.ReadAll(io.LimitReader(f, lockfile.MaxFileSize))
		f.Close()
		if err != nil {
			return usageError("", err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if v := envVarRE.FindString(commentRE.ReplaceAllString(line, "")); v != "" {
				return refuse(fmt.Sprintf("%s:%d", name, i+1), v,
					tool+" expands environment variables after tufpip's checks", "write the value into the file")
			}
		}
	}
	return nil
}
