package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version and Commit are set at build time with
// -ldflags "-X github.com/tufpip/tufpip/internal/cli.Version=v1.2.3 -X ...Commit=abc".
var (
	Version = ""
	Commit  = ""
)

type versionInfo struct {
	Version   string `json:"tufpip"` // "version" is the JSON shape's (output.go)
	Commit    string `json:"commit"` // "" when the build recorded none
	GoTUF     string `json:"goTUF"`
	GoVersion string `json:"go"`
}

func buildVersion() versionInfo {
	v := versionInfo{Version: Version, Commit: Commit, GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v.Version = bi.Main.Version
		}
		dirty := false
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && v.Commit == "":
				v.Commit = s.Value
			case s.Key == "vcs.modified" && s.Value == "true":
				dirty = true
			}
		}
		if dirty && Commit == "" && v.Commit != "" {
			v.Commit += " (modified)"
		}
		for _, d := range bi.Deps {
			if d.Path == "github.com/theupdateframework/go-tuf/v2" {
				v.GoTUF = d.Version
			}
		}
	}
	if v.Version == "" {
		// Built from a checkout with go build or go install ./cmd/tufpip: neither the
		// release ldflags nor a module version say which code this is.
		v.Version = "devel"
	}
	if v.GoTUF == "" { // test binaries carry no dependency list
		v.GoTUF = "unknown"
	}
	return v
}

// versionText is what tufpip version and tufpip --version print. A build without VCS
// information (go build -buildvcs=false, or outside a git checkout) says so instead of
// inventing a commit.
func versionText(v versionInfo) string {
	commit := "commit " + v.Commit
	if v.Commit == "" {
		commit = "commit not recorded (built without VCS information)"
	}
	return fmt.Sprintf("tufpip %s\n%s\ngo-tuf %s\n%s\n", v.Version, commit, v.GoTUF, v.GoVersion)
}

// UserAgent is what tufpip sends with every HTTP request.
func UserAgent() string { return "tufpip/" + buildVersion().Version }

func init() { register(newVersionCmd) }

func newVersionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print tufpip's version, commit and go-tuf version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := buildVersion()
			if app.flags.format == "json" {
				return printJSON(app.out(), v)
			}
			_, err := io.WriteString(app.out(), versionText(v))
			return err
		},
	}
}
