package resolve

import "testing"

// Red-team test: a page author chooses wheel filenames. Tags are not checked for
// characters that are special on Windows (":" makes an NTFS alternate data stream when
// --download saves the file, "<>|?*\"" are invalid there) or that reorder text on a
// terminal (U+202E RIGHT-TO-LEFT OVERRIDE can make a "skipped"/"vouched for by" line read
// differently). Such a wheel never matches a real environment's tags, so the resolver
// does not choose it today, but the names are still shown and listed by the index.
func TestRedteamWheelTagCharacters(t *testing.T) {
	for _, name := range []string{
		"evil-1.0-py3-none-any:x.whl",
		"evil-1.0-py3-none-a<b>.whl",
		"evil-1.0-py3-none-a|y.whl",
		"evil-1.0-py3-none-a*y.whl",
		"evil-1.0-py3-none-any?.whl",
		"evil-1.0-py3-none-a\"y.whl",
		"evil-1.0-py3-none-any\u202e.whl",
	} {
		if _, err := ParseFilenameFor("evil", name); err == nil {
			t.Errorf("ParseFilenameFor(%q) accepted", name)
		}
	}
}
