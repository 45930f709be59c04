// Package guard keeps pip and uv to tufpip's verifying index. It holds, in one place, the
// command-line model of both tools (pip's option table and optparse's reading of it, uv's
// clap options), what is refused before they start (index and find-links options, direct
// URL and path requirements, editables, the same inside requirements files, uv's UV_*
// variables, uv.toml and pyproject.toml entries: RefusedError, exit 2 in the CLI), and
// the environment they run in (pip's configuration and PIP_* variables neutralised, uv's
// settings, and a Sandbox: every proxy variable pointing at a refusing proxy, VCS programs
// replaced by stubs that refuse, so that nothing but the index can be reached).
//
// The package decides and prepares; internal/cli starts the index, runs the tool and
// reports.
package guard

// ParsePip reads pip's part of a wrapper's command line as pip would. command is the pip
// command the wrapper runs ("install", "download"), or "" for tufpip pip, where the command
// is the first positional argument after pip's general options.
func ParsePip(command string, args []string) *PipCommandLine { return parsePipArgs(command, args) }

// Check refuses what in pip's arguments could bypass the verifying index (a *RefusedError
// or *UsageError), reading the -r/-c files they name.
func (cl *PipCommandLine) Check() error { return checkPipArgs(cl) }

// Projects are the projects pip is sure to ask the index for (requirements without a
// marker, on the command line and in -r files), known after Check.
func (cl *PipCommandLine) Projects() []string { return cl.projects }

// Args are the arguments python runs with: -m pip, the command, --index-url pointing at
// indexURL when the command takes one, then the user's arguments.
func (cl *PipCommandLine) Args(indexURL string) []string { return cl.withIndexURL(indexURL) }

// ParseUv reads uv's command line with uv's option table.
func ParseUv(args []string) *UvCommandLine { return parseUvArgs(args) }

// Check refuses what in uv's command line, and in the requirements files, scripts and
// project files (pyproject.toml, uv.toml, here and above dir) uv would read, could bypass
// the verifying index. dir is where uv runs.
func (cl *UvCommandLine) Check(dir string) error { return checkUvArgs(cl, dir) }
