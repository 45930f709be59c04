package guard

import (
	"reflect"
	"strings"
	"testing"
)

func TestParsePipArgs(t *testing.T) {
	tests := []struct {
		command string
		args    []string
		cmd     string
		reqs    []string
		opts    map[string]string // canonical option -> value, for the options named
	}{
		{command: "install", args: []string{"-qr", "req.txt", "-t", "target/", "foo"}, cmd: "install", reqs: []string{"foo"},
			opts: map[string]string{"--requirement": "req.txt"}},
		{command: "download", args: []string{"-rreq.txt", "--dest=wheels", "-d", "./w", "bar>=1"}, cmd: "download", reqs: []string{"bar>=1"},
			opts: map[string]string{"--requirement": "req.txt", "--dest": "./w"}},
		{command: "install", args: []string{"--targ", "./dir", "--no-deps", "foo"}, cmd: "install", reqs: []string{"foo"},
			opts: map[string]string{"--target": "./dir"}},
		{command: "install", args: []string{"--", "./x.whl", "-r"}, cmd: "install", reqs: []string{"./x.whl", "-r"}},
		{command: "install", args: []string{"-qqi", "http://x", "foo"}, cmd: "install", reqs: []string{"foo"},
			opts: map[string]string{"--index-url": "http://x"}},
		{command: "", args: []string{"-v", "--log", "pip.log", "install", "-e", ".", "foo"}, cmd: "install", reqs: []string{"foo"},
			opts: map[string]string{"--log": "pip.log", "--editable": "."}},
		{command: "", args: []string{"show", "-f", "foo"}, cmd: "show", reqs: []string{"foo"}},
		{command: "", args: []string{"--version"}, cmd: ""},
	}
	for _, tt := range tests {
		t.Run(tt.command+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			cl := parsePipArgs(tt.command, tt.args)
			if cl.command != tt.cmd || !reflect.DeepEqual(cl.requirements(), tt.reqs) {
				t.Errorf("command %q requirements %q, want %q %q", cl.command, cl.requirements(), tt.cmd, tt.reqs)
			}
			for name, want := range tt.opts {
				got, found := "", false
				for _, tok := range cl.tokens {
					if tok.opt == name {
						got, found = tok.value, true
					}
				}
				if !found || got != want {
					t.Errorf("%s = %q (found %v), want %q; tokens %+v", name, got, found, want, cl.tokens)
				}
			}
		})
	}
}

func TestWithIndexURL(t *testing.T) {
	const u = "http://127.0.0.1:1/simple/"
	tests := []struct {
		command string
		args    []string
		want    string
	}{
		{"install", []string{"-q", "foo"}, "-m pip install --index-url " + u + " -q foo"},
		{"download", nil, "-m pip download --index-url " + u},
		{"", []string{"-v", "wheel", "-w", "d", "foo"}, "-m pip -v wheel --index-url " + u + " -w d foo"},
		{"", []string{"show", "foo"}, "-m pip show foo"}, // show has no --index-url: PIP_INDEX_URL covers it
		{"", []string{"--version"}, "-m pip --version"},
	}
	for _, tt := range tests {
		got := strings.Join(parsePipArgs(tt.command, tt.args).withIndexURL(u), " ")
		if got != tt.want {
			t.Errorf("%s %q:\n got %s\nwant %s", tt.command, tt.args, got, tt.want)
		}
	}
}
