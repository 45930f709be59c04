package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The wrappers share a command line with pip (or uv), whose options collide with tufpip's
// (-v, -q, --root, --cache-dir, --python). The rule: tufpip's own options come first;
// everything from the first argument that is not one of them, or after "--", belongs to
// pip and is passed on unchanged. So "tufpip install -v foo" is pip's -v, and
// "tufpip install --root root.json -- --root /mnt foo" gives each tool its own --root.
// What pip's part holds is then read and checked by internal/guard.

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
func repoFlags(f *pflag.FlagSet, app *App) { addRepoFlags(f, &app.flags.repoOptions, true) }

// wrapperArgs reads a wrapper's command line: the global flags written before its name
// (applied as the root applies them to every other command), then tufpip's options in f.
// It returns the tool's arguments.
func wrapperArgs(cmd *cobra.Command, app *App, f *pflag.FlagSet, args []string) ([]string, error) {
	global := cmd.Root().PersistentFlags()
	if lead := leadingGlobalFlags(app.args, args, append([]string{cmd.Name()}, cmd.Aliases...), global); len(lead) > 0 {
		if err := global.Parse(lead); err != nil {
			return nil, &exitError{code: ExitUsage, err: err, hint: "see tufpip --help"}
		}
		if err := app.applyFlags(cmd); err != nil {
			return nil, err
		}
		args = args[len(lead):]
	}
	return splitWrapperArgs(f, args)
}

// setWrapperHelp makes a wrapper's help list tufpip's options (flags), which cobra does not
// know of: the wrapper parses no flags of its own.
func setWrapperHelp(cmd *cobra.Command, tool string, flags func() *pflag.FlagSet) {
	cmd.SetHelpFunc(func(c *cobra.Command, _ []string) {
		fmt.Fprintf(c.OutOrStdout(), "%s\n\nUsage:\n  tufpip %s\n\nExamples:\n%s\n\nTUFPIP OPTIONS (before %s's arguments):\n%s",
			c.Long, c.Use, c.Example, tool, flags().FlagUsages())
		fmt.Fprintf(c.OutOrStdout(), "\nThe repository options can also be set with the TUFPIP_* variables or tufpip init.\n")
	})
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
				if i <= len(args) && slices.Equal(raw[:i], args[:i]) {
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
