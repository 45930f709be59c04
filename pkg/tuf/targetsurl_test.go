package tuf

import "testing"

// The targets URL is derived in one place, for the library and the CLI: beside the metadata.
func TestDefaultTargetsURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://x.example/metadata/":     "https://x.example/targets/",
		"https://x.example/metadata":      "https://x.example/targets/",
		"https://x.example/pypi/metadata": "https://x.example/pypi/targets/",
		"https://x.example/tuf/":          "",
		"https://x.example/":              "",
	} {
		got, ok := DefaultTargetsURL(in)
		if got != want || ok != (want != "") {
			t.Errorf("DefaultTargetsURL(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, err := newClient(Config{MetadataURL: "https://x.example/tuf/", TrustedRoot: []byte("{}"), CacheDir: t.TempDir()}); err == nil {
		t.Error("a client opened without a targets URL it could derive")
	}
	for _, u := range []string{"file:///srv/metadata/", "https:///metadata/", "ftp://x.example/metadata/"} {
		if CheckBaseURL(u) == nil {
			t.Errorf("CheckBaseURL(%q) accepted it", u)
		}
	}
}
