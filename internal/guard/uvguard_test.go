package guard

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseUvArgs(t *testing.T) {
	for _, tc := range []struct {
		args          []string
		command       string
		pos, trailing []string
		opts          [][2]string
	}{
		{[]string{"pip", "install", "-qp", "3.11", "foo", "--with=x"}, "pip install", []string{"foo"}, nil,
			[][2]string{{"--quiet", ""}, {"--python", "3.11"}, {"--with", "x"}}},
		{[]string{"-v", "run", "--with", "a,b", "python", "-i", "x"}, "run", []string{"python"}, []string{"-i", "x"},
			[][2]string{{"--verbose", ""}, {"--with", "a,b"}}},
		{[]string{"tool", "run", "ruff@0.1", "--fix"}, "tool run", []string{"ruff@0.1"}, []string{"--fix"}, nil},
		{[]string{"pip", "install", "-rreq.txt", "--", "./x.whl"}, "pip install", nil, []string{"./x.whl"},
			[][2]string{{"--requirements", "req.txt"}}},
		{[]string{"lock", "--unknown-flag", "./x"}, "lock", []string{"./x"}, nil, [][2]string{{"--unknown-flag", ""}}},
	} {
		cl := parseUvArgs(tc.args)
		if cl.command != tc.command || !reflect.DeepEqual(cl.pos, tc.pos) || !reflect.DeepEqual(cl.trailing, tc.trailing) ||
			!reflect.DeepEqual(cl.opts, tc.opts) {
			t.Errorf("%q: %+v", tc.args, cl)
		}
	}
}

func TestCheckUvArgs(t *testing.T) {
	dir := t.TempDir()
	for _, ok := range [][]string{
		{"pip", "install", "foobar==2.0", "-p", "/usr/bin/python3"},
		{"tool", "run", "ruff@0.1"},
		{"run", "--with", "foobar", "python", "./script-not-checked-as-requirement"},
		{"--version"},
	} {
		if err := checkUvArgs(parseUvArgs(ok), dir); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range [][]string{
		{"pip", "install", "-qi", "http://x/simple", "foo"},
		{"pip", "install", "-e", "."},
		{"pip", "install", "foo.whl\x1f"},
		{"python", "install", "3.12"},
		{"self", "update"},
		{"publish"},
		{"sync", "--cache-dir", "/tmp/shared"},
		{"tool", "run", "--from", "git+https://x/y.git", "y"},
	} {
		err := checkUvArgs(parseUvArgs(bad), dir)
		if err == nil || !isUsage(err) {
			t.Errorf("%q: %v, want a refusal", bad, err)
		}
	}
}

func TestCheckUvEnv(t *testing.T) {
	for _, kv := range []string{"UV_INDEX_URL=x", "UV_INDEX=a=x", "UV_EXTRA_INDEX_URL=x", "UV_DEFAULT_INDEX=x",
		"UV_FIND_LINKS=x", "UV_INSECURE_HOST=x", "UV_NO_VERIFY_HASHES=1", "UV_CONFIG_FILE=x",
		"UV_PYTHON_INSTALL_MIRROR=x", "UV_PYTHON_DOWNLOADS_JSON_URL=x", "UV_INDEX_CORP_USERNAME=x"} {
		err := CheckUvEnv([]string{"PATH=/bin", kv})
		if name, _, _ := strings.Cut(kv, "="); err == nil || !strings.Contains(err.Error(), "environment: "+name+":") {
			t.Errorf("%s: %v", kv, err)
		}
	}
	if err := CheckUvEnv([]string{"UV_INDEX_STRATEGY=first-index", "UV_INDEX_URL=", "UV_NO_PROGRESS=1"}); err != nil {
		t.Errorf("harmless variables: %v", err)
	}
}
