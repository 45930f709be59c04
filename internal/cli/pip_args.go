package cli

import (
	"strings"

	"github.com/spf13/pflag"
)

// The wrappers share a command line with pip, whose options collide with tufpip's (-v, -q,
// --root, --cache-dir, --python). The rule: tufpip's own options come first; everything
// from the first argument that is not one of them, or after "--", belongs to pip and is
// passed on unchanged. So "tufpip install -v foo" is pip's -v, and
// "tufpip install --root root.json -- --root /mnt foo" gives each tool its own --root.
//
// pip's part is then read the way pip's option parser (optparse) reads it, from pip's own
// option table (pip_options.go), so that tufpip knows which arguments are requirements and
// which are option values before it decides what to refuse (pip_guard.go).

// pipOpt is one option of pip's table: its canonical spelling and whether it takes a value.
type pipOpt struct {
	name  string
	value bool
}

// wrapperFlags are the options tufpip takes before pip's arguments. The repository options
// start from what global flags before the command's name set.
func (o *pipRunOptions) wrapperFlags(app *App) *pflag.FlagSet {
	f := pflag.NewFlagSet("tufpip", pflag.ContinueOnError)
	f.StringVar(&o.python, "python", "", "interpreter whose pip runs, as PATH -m pip (default python3)")
	f.StringVar(&o.requireRole, "require-role", "", "offer pip only files vouched for by this role (e.g. stable)")
	repoFlags(f, app)
	pipHelp := "tufpip " + o.command + " -- --help"
	if o.command == "" {
		pipHelp = "tufpip pip -- install --help"
	}
	f.BoolVarP(&o.help, "help", "h", false, "show this help (pip's own: "+pipHelp+")")
	f.SortFlags = false
	return f
}

// repoFlags adds the repository options, starting from what global flags before the
// command's name set.
func repoFlags(f *pflag.FlagSet, app *App) {
	f.StringVar(&app.flags.repo, "repo", app.flags.repo, "a repository saved with tufpip init (env TUFPIP_REPO)")
	f.StringVar(&app.flags.metadataURL, "metadata-url", app.flags.metadataURL, "TUF metadata URL (env TUFPIP_METADATA_URL)")
	f.StringVar(&app.flags.targetsURL, "targets-url", app.flags.targetsURL, "URL that target paths are relative to (env TUFPIP_TARGETS_URL)")
	f.StringVar(&app.flags.root, "root", app.flags.root, "trusted root.json, obtained out of band (env TUFPIP_ROOT)")
	f.StringVar(&app.flags.indexPath, "index-path", app.flags.indexPath, "target path of a project's page (default "+DefaultIndexPath+")")
	f.StringVar(&app.flags.cacheDir, "cache-dir", app.flags.cacheDir, "tufpip's cache directory (env TUFPIP_CACHE_DIR)")
}

// splitWrapperArgs sets the leading tufpip options in f and returns pip's arguments.
func splitWrapperArgs(f *pflag.FlagSet, args []string) ([]string, error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return args[i+1:], nil
		}
		if a == "-h" {
			return args[i+1:], f.Set("help", "true")
		}
		if !strings.HasPrefix(a, "--") {
			return args[i:], nil
		}
		name, value, hasValue := strings.Cut(a[2:], "=")
		fl := f.Lookup(name)
		if fl == nil {
			return args[i:], nil
		}
		if fl.Value.Type() == "bool" {
			if !hasValue {
				value = "true"
			}
		} else if !hasValue {
			if i+1 >= len(args) {
				return nil, usageErrorf("write --"+name+" VALUE before pip's arguments", "--%s needs a value", name)
			}
			i++
			value = args[i]
		}
		if err := f.Set(name, value); err != nil {
			return nil, usageErrorf("", "--%s %q: %v", name, value, err)
		}
	}
	return nil, nil
}

// leadingGlobalFlags returns the arguments written before the command's name (tufpip -v
// --repo acme install ...), which cobra leaves at the start of a command that parses no
// flags of its own. They are tufpip's global flags, as for every other command, not pip's.
// names are the spellings of the command; global is the root's flag set.
func leadingGlobalFlags(raw, args []string, names []string, global *pflag.FlagSet) []string {
	for i := 0; i < len(raw); i++ {
		a := raw[i]
		for _, n := range names {
			if a == n {
				if i <= len(args) && equalStrings(raw[:i], args[:i]) {
					return raw[:i]
				}
				return nil
			}
		}
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			return nil
		}
		var fl *pflag.Flag
		if strings.HasPrefix(a, "--") {
			if strings.Contains(a, "=") {
				continue
			}
			fl = global.Lookup(a[2:])
		} else if len(a) == 2 {
			fl = global.ShorthandLookup(a[1:])
		}
		if fl != nil && fl.Value.Type() != "bool" {
			i++
		}
	}
	return nil
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// pipToken is one argument of pip's command line as pip reads it.
type pipToken struct {
	opt     string // canonical option name ("--index-url"); "" for a positional argument
	written string // as written: "-i", "--ind", "-qi" (for a value in the same argument too)
	value   string // the option's value, or the positional argument
	general bool   // an option before the command name
}

// pipCommandLine is pip's part of a wrapper's command line, parsed.
type pipCommandLine struct {
	command    string // pip command name; "" when there is none (tufpip pip -- --version)
	commandIdx int    // index of the command name in args; -1 when the wrapper supplies it
	args       []string
	tokens     []pipToken
	projects   []string // projects pip will ask the index for, found by checkPipArgs
}

// requirements returns the positional arguments after the command name.
func (cl *pipCommandLine) requirements() []string {
	var out []string
	for _, t := range cl.tokens {
		if t.opt == "" && !t.general {
			out = append(out, t.value)
		}
	}
	return out
}

// parsePipArgs reads args as pip would. command is the pip command the wrapper runs
// ("install", "download"), or "" for tufpip pip, where the command is the first positional
// argument after pip's general options.
func parsePipArgs(command string, args []string) *pipCommandLine {
	cl := &pipCommandLine{command: command, commandIdx: -1, args: args}
	table := pipOptions[""]
	general := command == ""
	if !general {
		table = optionTable(command)
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			for _, rest := range args[i+1:] {
				cl.tokens = append(cl.tokens, pipToken{value: rest, general: general})
			}
			return cl
		case strings.HasPrefix(a, "--"):
			name, value, hasValue := strings.Cut(a, "=")
			opt, ok := matchLong(table, name)
			if !ok {
				opt = pipOpt{name: name}
			}
			if opt.value && !hasValue && i+1 < len(args) {
				i++
				value, hasValue = args[i], true
			}
			cl.tokens = append(cl.tokens, pipToken{opt: opt.name, written: name, value: value, general: general})
		case strings.HasPrefix(a, "-") && len(a) > 1:
			// optparse reads "-qr file" and "-rfile" as clusters of short options; the first
			// one that takes a value takes the rest of the argument, or the next one.
			for j := 1; j < len(a); j++ {
				spelled := "-" + a[j:j+1]
				opt, ok := table[spelled]
				if !ok {
					cl.tokens = append(cl.tokens, pipToken{opt: spelled, written: a, general: general})
					break
				}
				if !opt.value {
					cl.tokens = append(cl.tokens, pipToken{opt: opt.name, written: spelled, general: general})
					continue
				}
				value := a[j+1:]
				if value == "" && i+1 < len(args) {
					i++
					value = args[i]
				}
				cl.tokens = append(cl.tokens, pipToken{opt: opt.name, written: spelled, value: value, general: general})
				break
			}
		case general:
			// pip's main parser stops at the command name; the command's parser takes over.
			cl.command, cl.commandIdx, general = a, i, false
			table = optionTable(a)
		default:
			cl.tokens = append(cl.tokens, pipToken{value: a})
		}
	}
	return cl
}

// optionTable is the option table of a pip command. A command this table does not know
// (a newer pip's) is read with install's options, the widest set.
func optionTable(command string) map[string]pipOpt {
	if t, ok := pipOptions[command]; ok {
		return t
	}
	return pipOptions["install"]
}

// matchLong finds a long option as optparse does: an exact name, or the one option the
// name abbreviates. Unknown and ambiguous names are pip's errors to report.
func matchLong(table map[string]pipOpt, name string) (pipOpt, bool) {
	if o, ok := table[name]; ok {
		return o, true
	}
	var found pipOpt
	n := 0
	for k, o := range table {
		if strings.HasPrefix(k, "--") && strings.HasPrefix(k, name) {
			found = o
			n++
		}
	}
	return found, n == 1
}

// abbreviates reports whether name is an abbreviation pip could read as one of the long
// options in names, exactly or as a prefix, unless it exactly names a different option of
// table. An ambiguous abbreviation is refused too: pip would fail on it anyway.
func abbreviates(table map[string]pipOpt, name string, names ...string) (string, bool) {
	if !strings.HasPrefix(name, "--") || len(name) < 3 {
		return "", false
	}
	if o, ok := table[name]; ok {
		for _, n := range names {
			if o.name == n {
				return n, true
			}
		}
		return "", false
	}
	for _, n := range names {
		if strings.HasPrefix(n, name) {
			return n, true
		}
	}
	return "", false
}

// withIndexURL returns the arguments pip runs with: the command, --index-url pointing at
// tufpip's index when the command takes one, then the user's arguments.
func (cl *pipCommandLine) withIndexURL(indexURL string) []string {
	out := []string{"-m", "pip"}
	switch {
	case cl.commandIdx < 0 && cl.command != "":
		out = append(out, cl.command, "--index-url", indexURL)
		return append(out, cl.args...)
	case cl.commandIdx >= 0:
		out = append(out, cl.args[:cl.commandIdx+1]...)
		if _, ok := optionTable(cl.command)["--index-url"]; ok {
			out = append(out, "--index-url", indexURL)
		}
		return append(out, cl.args[cl.commandIdx+1:]...)
	}
	return append(out, cl.args...)
}
