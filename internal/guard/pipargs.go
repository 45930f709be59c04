package guard

import (
	"strings"

	"maps"

	"github.com/tufpip/tufpip/pkg/lockfile"
)

// pip's part of a wrapper's command line is read the way pip's option parser (optparse)
// reads it, from pip's own option table (pipoptions.go), so that the guard knows which
// arguments are requirements and which are option values before it decides what to refuse
// (pipguard.go).

// pipOpt is one option of pip's table: its canonical spelling and whether it takes a value.
type pipOpt struct {
	name  string
	value bool
}

// pipToken is one argument of pip's command line as pip reads it.
type pipToken struct {
	opt     string // canonical option name ("--index-url"); "" for a positional argument
	written string // as written: "-i", "--ind", "-qi" (for a value in the same argument too)
	value   string // the option's value, or the positional argument
	general bool   // an option before the command name
}

// PipCommandLine is pip's part of a wrapper's command line, parsed.
type PipCommandLine struct {
	command    string // pip command name; "" when there is none (tufpip pip -- --version)
	commandIdx int    // index of the command name in args; -1 when the wrapper supplies it
	args       []string
	tokens     []pipToken
	projects   []string // projects pip will ask the index for, found by checkPipArgs
}

// requirements returns the positional arguments after the command name.
func (cl *PipCommandLine) requirements() []string {
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
func parsePipArgs(command string, args []string) *PipCommandLine {
	cl := &PipCommandLine{command: command, commandIdx: -1, args: args}
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
			opt, n := lockfile.MatchOption(maps.All(table), name)
			if n != 1 {
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
func (cl *PipCommandLine) withIndexURL(indexURL string) []string {
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
