package cli

import (
	"fmt"
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
	Commit    string `json:"commit"`
	GoTUF     string `json:"goTUF"`
	GoVersion string `json:"go"`
}

func buildVersion() versionInfo {
	v := versionInfo{Version: Version, Commit: Commit, GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && v.Commit == "" {
				v.Commit = s.Value
			}
		}
		for _, d := range bi.Deps {
			if d.Path == "github.com/theupdateframework/go-tuf/v2" {
				v.GoTUF = d.Version
			}
		}
	}
	if v.Version == "" {
		v.Version = "devel"
	}
	if v.Commit == "" {
		v.Commit = "unknown"
	}
	if v.GoTUF == "" { // test binaries carry no dependency list
		v.GoTUF = "unknown"
	}
	return v
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
			_, err := fmt.Fprintf(app.out(), "tufpip %s\ncommit %s\ngo-tuf %s\n%s\n", v.Version, v.Commit, v.GoTUF, v.GoVersion)
			return err
		},
	}
}
