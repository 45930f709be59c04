package cli

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitWrapperArgs(t *testing.T) {
	tests := []struct {
		args        []string
		pip         []string
		python      string
		role, root  string
		help        bool
		wantErr     string
		description string
	}{
		{args: []string{"--python", "/v/bin/python", "-r", "req.txt"}, pip: []string{"-r", "req.txt"}, python: "/v/bin/python",
			description: "tufpip's options first, pip's from the first other argument"},
		{args: []string{"--python=/p", "--require-role", "stable", "--", "--root", "/mnt", "foo"}, pip: []string{"--root", "/mnt", "foo"},
			python: "/p", role: "stable", description: "-- ends tufpip's options: pip gets its own --root"},
		{args: []string{"--root", "root.json", "foo"}, pip: []string{"foo"}, root: "root.json",
			description: "before pip's arguments, --root is tufpip's trusted root"},
		{args: []string{"-v", "--python", "/p", "foo"}, pip: []string{"-v", "--python", "/p", "foo"},
			description: "-v is pip's, and so is everything after it"},
		{args: []string{"foo", "--require-role", "stable"}, pip: []string{"foo", "--require-role", "stable"},
			description: "a tufpip option after pip's arguments is pip's (and refused later)"},
		{args: []string{"--help"}, pip: nil, help: true},
		{args: []string{"-h", "foo"}, pip: []string{"foo"}, help: true},
		{args: []string{"--python"}, wantErr: "--python needs a value"},
		{args: nil, pip: nil},
		{args: []string{"--", "--help"}, pip: []string{"--help"}, description: "pip's own help"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			app := &App{}
			o := &pipRunOptions{command: "install"}
			pip, err := splitWrapperArgs(o.wrapperFlags(app), tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || exitCode(err) != ExitUsage {
					t.Fatalf("err = %v, want %q (exit 2)", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(pip, tt.pip) || o.python != tt.python || o.requireRole != tt.role ||
				app.flags.root != tt.root || o.help != tt.help {
				t.Errorf("%s: pip=%q python=%q role=%q root=%q help=%v", tt.description, pip, o.python, o.requireRole, app.flags.root, o.help)
			}
		})
	}
}
