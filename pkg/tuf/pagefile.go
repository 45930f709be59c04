package tuf

// MaxUnsizedFile caps the download of a file trusted through a page hash when the page does
// not give its size: the hashes decide whether the bytes are right, the cap only bounds the
// disk an endless response could fill.
const MaxUnsizedFile int64 = 16 << 30

// PageFile returns a Target for a file that a trusted page lists with strong hashes but that
// is not a TUF target itself (docs/design.md trust rule b). page is the page's own target: its
// role vouches for the file. The file is downloaded from rawURL as is; length is the size the
// page gives (PEP 700), or -1. Download and Fetch check it like any target.
func PageFile(path, rawURL string, length int64, hashes map[string]string, page *Target) *Target {
	t := &Target{Path: path, URL: rawURL, Length: length, Hashes: hashes}
	if page != nil {
		t.Role, t.Signer = page.Role, page.Signer
		t.Chain = append([]string(nil), page.Chain...)
		t.SignerChain = append([]string(nil), page.SignerChain...)
	}
	return t
}
