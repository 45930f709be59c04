package guard

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/tufpip/tufpip/pkg/lockfile"
)

// tufpip uv's promise is tufpip pip's: uv installs nothing tufpip did not verify. uv can be
// told to fetch from elsewhere by its options, its UV_* variables, uv.toml, a project's
// pyproject.toml ([[tool.uv.index]], [tool.uv.sources], direct URL dependencies), inline
// script metadata and requirements files. Each is refused before uv starts (exit 2), naming
// the option, variable, or file and line. What uv could still reach at run time is out of
// reach (sandbox.go), and its cache is tufpip's own (internal/cli/uv.go).

const hintUvIndex = "uv" + hintIndexRest

// uvRefusedFlags are uv's options that point it elsewhere or weaken its checks.
var uvRefusedFlags = map[string]string{
	"--index":                     "uv would fetch from an index tufpip does not verify",
	"--index-url":                 "uv would fetch from an index tufpip does not verify",
	"--extra-index-url":           "uv would fetch from an index tufpip does not verify",
	"--default-index":             "uv would fetch from an index tufpip does not verify",
	"--find-links":                "uv would install files found outside the signed index",
	"--allow-insecure-host":       "uv would accept a host without TLS verification",
	"--trusted-host":              "uv would accept a host without TLS verification",
	"--no-verify-hashes":          "uv would not check the hashes tufpip's index gives",
	"--config-file":               "uv would read settings tufpip does not check",
	"--cache-dir":                 "uv would use a cache shared with runs that did not go through tufpip",
	"--python-install-mirror":     "uv would download Python from a mirror tufpip does not verify",
	"--pypy-install-mirror":       "uv would download Python from a mirror tufpip does not verify",
	"--python-downloads-json-url": "uv would download Python from a list tufpip does not verify",
	"--allow-python-downloads":    "uv would download Python, which tufpip does not verify",
	"--editable":                  "editable requirements are installed from local or VCS sources without verification",
	"--with-editable":             "editable requirements are installed from local or VCS sources without verification",
}

// uvRequirementFlags hold requirements; uvFileFlags hold requirements files.
var (
	uvRequirementFlags = map[string]bool{"--with": true, "--from": true, "--with-executables-from": true}
	uvFileFlags        = map[string]bool{"--requirements": true, "--requirement": true, "--constraints": true,
		"--constraint": true, "--overrides": true, "--override": true, "--build-constraints": true,
		"--build-constraint": true, "--with-requirements": true}
)

// uvCommands are the uv commands tufpip uv runs, and what their positional arguments are.
var uvCommands = map[string]string{
	"pip install": "requirements", "pip sync": "files", "pip compile": "files", "pip uninstall": "names",
	"pip list": "", "pip freeze": "", "pip show": "names", "pip tree": "", "pip check": "",
	"sync": "", "lock": "", "run": "command", "add": "requirements", "remove": "names", "venv": "path",
	"export": "", "tree": "", "build": "path", "version": "", "init": "path",
	"tool run": "tool", "tool install": "tool", "tool upgrade": "names", "tool list": "", "tool uninstall": "names",
	"cache clean": "names", "cache dir": "", "cache prune": "", "python find": "", "help": "names", "": "",
}

// uvGroups are the uv commands with subcommands.
var uvGroups = map[string]bool{"pip": true, "tool": true, "cache": true, "python": true, "self": true, "auth": true}

// UvCommandLine is uv's command line, read with uv's option table.
type UvCommandLine struct {
	command  string      // "pip install", "sync", "" for none (uv --version)
	opts     [][2]string // option (long name) and value, in order
	pos      []string    // positional arguments of the command
	trailing []string    // what uv run / uv tool run pass to the program they run
}

// value returns the last value of option name ("" when absent).
func (cl *UvCommandLine) value(name string) string {
	v := ""
	for _, o := range cl.opts {
		if o[0] == name {
			v = o[1]
		}
	}
	return v
}

func parseUvArgs(args []string) *UvCommandLine {
	cl := &UvCommandLine{}
	words := 0 // words of the command name read
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			cl.trailing = append(cl.trailing, args[i+1:]...)
			return cl
		case strings.HasPrefix(a, "--"):
			name, value, has := strings.Cut(a, "=")
			if !has && uvValueFlags[name] && i+1 < len(args) {
				i++
				value = args[i]
			}
			cl.opts = append(cl.opts, [2]string{name, value})
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for j := 1; j < len(a); j++ {
				name, ok := uvShortFlags[a[j]]
				if !ok {
					cl.opts = append(cl.opts, [2]string{"-" + a[j:j+1], ""})
					continue
				}
				if !uvValueFlags[name] {
					cl.opts = append(cl.opts, [2]string{name, ""})
					continue
				}
				value := strings.TrimPrefix(a[j+1:], "=")
				if value == "" && j+1 == len(a) && i+1 < len(args) {
					i++
					value = args[i]
				}
				cl.opts = append(cl.opts, [2]string{name, value})
				break
			}
		case words == 0 || (words == 1 && uvGroups[cl.command]):
			if words == 1 {
				cl.command += " "
			}
			cl.command += a
			words++
		default:
			kind := uvCommands[cl.command]
			if kind == "command" || (kind == "tool" && strings.HasSuffix(cl.command, "run")) {
				// uv run and uv tool run stop reading options at the program they run.
				cl.pos = append(cl.pos, a)
				cl.trailing = append(cl.trailing, args[i+1:]...)
				return cl
			}
			cl.pos = append(cl.pos, a)
		}
	}
	return cl
}

// uvToolSpecRE is uv tool's "name@version" (or @latest), which is not a direct reference.
var uvToolSpecRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]*\])?@[A-Za-z0-9.*+!_-]+$`)

// checkUvArgs refuses what in uv's command line could bypass the verifying index, and
// reads the requirements files, scripts and project files it names. dir is where uv runs.
func checkUvArgs(cl *UvCommandLine, dir string) error {
	kind, known := uvCommands[cl.command]
	if !known {
		return usageError("tufpip uv runs uv pip install/sync/compile, uv sync, lock, run, add, venv, export, tree, tool and build",
			fmt.Errorf("uv %s: not a command tufpip uv can keep to the verifying index", cl.command))
	}
	for _, o := range cl.opts {
		arg := strings.TrimSpace(o[0] + " " + o[1])
		if reason, ok := uvRefusedFlags[o[0]]; ok {
			return refuse("command line", arg, reason, hintUvIndex)
		}
		if o[0] == "-i" || o[0] == "-f" || o[0] == "-e" {
			return refuse("command line", arg, "an index, find-links or editable option", hintUvIndex)
		}
		if uvRequirementFlags[o[0]] {
			for _, r := range strings.Split(o[1], ",") {
				if err := checkUvRequirement(r, o[0] == "--from"); err != nil {
					return err
				}
			}
		}
		if uvFileFlags[o[0]] {
			if err := checkUvRequirementsFile(o[0], o[1]); err != nil {
				return err
			}
		}
		if o[0] == "--script" {
			if err := checkUvScript(o[1]); err != nil {
				return err
			}
		}
	}
	for i, p := range cl.pos {
		switch kind {
		case "requirements":
			if err := checkUvRequirement(p, false); err != nil {
				return err
			}
		case "tool":
			if i == 0 && cl.value("--from") == "" {
				if err := checkUvRequirement(p, true); err != nil {
					return err
				}
			}
		case "files":
			if err := checkUvRequirementsFile(cl.command, p); err != nil {
				return err
			}
		case "command":
			if i == 0 && strings.HasSuffix(p, ".py") {
				if err := checkUvScript(filepath.Join(dir, p)); err != nil {
					return err
				}
			}
		}
	}
	if d := cl.value("--directory"); d != "" {
		dir = resolveDir(dir, d)
	}
	if p := cl.value("--project"); p != "" {
		dir = resolveDir(dir, p)
	}
	return checkUvProject(dir)
}

func resolveDir(base, d string) string {
	if filepath.IsAbs(d) {
		return d
	}
	return filepath.Join(base, d)
}

// checkUvRequirement refuses a direct URL or path requirement; tool allows uv tool's
// "name@version".
func checkUvRequirement(r string, tool bool) error {
	r = lockfile.TrimPySpace(r)
	if r == "" || (tool && uvToolSpecRE.MatchString(r)) {
		return nil
	}
	if reason := directRequirement(r); reason != "" {
		return refuse("command line", r, reason, hintReq)
	}
	return nil
}

// checkUvRequirementsFile reads a file of requirements uv is given: a requirements file as
// tufpip pip does, a pyproject.toml for what would bypass the index; anything else uv
// reads (setup.py, setup.cfg, pylock.toml, a script) names files or requirements tufpip
// cannot check here.
func checkUvRequirementsFile(flag, path string) error {
	base := strings.ToLower(filepath.Base(path))
	switch {
	case path == "-":
		return refuse("command line", flag+" -", "uv would read requirements from stdin, which tufpip cannot check", "write them to a file")
	case base == "pyproject.toml":
		return checkUvProjectFile(path)
	case strings.HasSuffix(base, ".py"):
		return checkUvScript(path)
	case base == "setup.cfg" || lockfile.DetectFormat(path) != lockfile.FormatRequirements:
		return refuse("command line", flag+" "+path, "uv would install what this file names without tufpip reading it",
			"list the requirements in a requirements file")
	}
	_, err := checkRequirementsFile("uv", flag, path)
	return err
}

// checkUvProject checks the pyproject.toml and uv.toml files uv may read when run in dir:
// in dir and every folder above it, and the workspace members they name.
func checkUvProject(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return usageError("", err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		for _, name := range []string{"pyproject.toml", "uv.toml"} {
			p := filepath.Join(d, name)
			if _, err := os.Stat(p); err == nil {
				if err := checkUvProjectFile(p); err != nil {
					return err
				}
			}
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

// checkUvProjectFile refuses the first entry of a pyproject.toml or uv.toml (and of the
// workspace members it names) that would take uv around the index.
func checkUvProjectFile(path string) error {
	proj, err := lockfile.ReadUvProject(path)
	if err != nil {
		return usageError("fix the file; uv would read it too", err)
	}
	if len(proj.Bypasses) > 0 {
		b := proj.Bypasses[0]
		return refuse(b.Pos.String(), b.What, b.Reason,
			"uv talks only to tufpip's verifying index: remove the entry, or run uv without tufpip if you trust it")
	}
	for _, m := range proj.Members {
		matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), m))
		sort.Strings(matches)
		for _, dir := range matches {
			p := filepath.Join(dir, "pyproject.toml")
			if _, err := os.Stat(p); err == nil && p != path {
				if err := checkUvProjectFile(p); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// checkUvScript reads the inline metadata (PEP 723) of a script uv runs or locks: its
// dependencies must not name URLs or paths, and [tool.uv] settings there are refused.
func checkUvScript(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil // uv reports a missing script itself
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	in := false
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case !in && strings.TrimRight(line, " \t") == "# /// script":
			in = true
			continue
		case in && strings.TrimRight(line, " \t") == "# ///":
			in = false
			continue
		case !in:
			continue
		}
		where := fmt.Sprintf("%s:%d", path, n)
		body := strings.TrimSpace(strings.TrimPrefix(line, "#"))
		switch {
		case strings.Contains(body, "tool.uv") || strings.HasPrefix(body, "[tool"):
			return refuse(where, body, "inline script metadata with uv settings, which tufpip does not check", hintUvIndex)
		case strings.Contains(body, "://") || strings.Contains(body, " @ ") || strings.Contains(body, "\"./") || strings.Contains(body, "\"/"):
			return refuse(where, body, "a dependency by URL or path is fetched without verification", hintReq)
		}
	}
	return nil
}

// uvRefusedEnv says why a UV_* variable would take uv around the index ("" when it would
// not): UV_INDEX*, UV_*_URL and the variables of uvRefusedFlags' options.
func uvRefusedEnv(k string) string {
	switch {
	case k == "UV_INDEX_STRATEGY":
		return ""
	case strings.HasPrefix(k, "UV_INDEX"), strings.HasSuffix(k, "_URL"), k == "UV_DEFAULT_INDEX":
		return "uv would fetch from an index or URL tufpip does not verify"
	}
	switch k {
	case "UV_FIND_LINKS":
		return "uv would install files found outside the signed index"
	case "UV_INSECURE_HOST":
		return "uv would accept a host without TLS verification"
	case "UV_NO_VERIFY_HASHES":
		return "uv would not check the hashes tufpip's index gives"
	case "UV_CONFIG_FILE":
		return "uv would read settings tufpip does not check"
	case "UV_PYTHON_INSTALL_MIRROR", "UV_PYPY_INSTALL_MIRROR":
		return "uv would download Python from a mirror tufpip does not verify"
	case "UV_OVERRIDE", "UV_CONSTRAINT", "UV_BUILD_CONSTRAINT":
		return "uv would read requirements from a file tufpip does not check"
	}
	return ""
}

// CheckUvEnv refuses the first (by name) variable uvRefusedEnv names.
func CheckUvEnv(environ []string) error {
	var names []string
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "UV_") && v != "" && uvRefusedEnv(k) != "" {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	return refuse("environment", names[0], uvRefusedEnv(names[0]), "unset "+names[0]+": "+hintUvIndex)
}
