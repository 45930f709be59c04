// Package simpleindex reads and writes the pages of the Python Simple Repository API:
// PEP 503 HTML (with the PEP 592 yanked, PEP 629 version, PEP 658/714 metadata and
// PEP 700 attributes) and PEP 691 JSON. It owns one model, Page, that both forms parse
// into and render from, so that a page tufpip verified with TUF can be served again to
// pip by the local index without losing anything pip looks at.
//
// Parsing is deliberately forgiving about single links (a malformed anchor or an odd
// hash fragment is skipped with a warning, as pip does) and strict about the page as a
// whole (an API version this client cannot understand, or a JSON field of the wrong
// type, is an error): a client that guesses at a page it does not understand could pick
// a file the repository never meant to offer.
package simpleindex

import "time"

// Content types of PEP 691. The server answers text/html to clients that ask for it (or
// send no Accept header), because pip before 22.2 insists on it.
const (
	ContentTypeJSON       = "application/vnd.pypi.simple.v1+json"
	ContentTypeHTML       = "application/vnd.pypi.simple.v1+html"
	ContentTypeLegacyHTML = "text/html"
)

// APIVersion is the Simple API version this package renders: 1.1 adds PEP 700 (versions,
// size, upload-time), the newest whose fields it writes.
const APIVersion = "1.1"

// KnownAPIVersion is the newest Simple API version this package reads knowing what it
// adds, so a page declaring it is read without a warning. 1.2 (PEP 708: tracks and
// alternate locations) speaks to installers that merge several indexes, and tufpip reads
// one; 1.3 (PEP 740: provenance) adds attestations beside files whose hashes TUF already
// vouches for; 1.4 (PEP 792: project status) marks archived, deprecated or quarantined
// projects, and a quarantined project's page lists no files. Ignoring each of them offers
// no file the page does not list with its hash.
const KnownAPIVersion = "1.4"

const (
	supportedMajor = 1
	supportedMinor = 4
)

// Page is one project's page, whichever form it came in.
type Page struct {
	// Name is the project name as the page gives it: the JSON "name", or the project in
	// an HTML "Links for NAME" title; empty when the HTML page does not say.
	Name string
	// APIVersion is the page's declared API version; "1.0" for HTML pages without the
	// PEP 629 meta tag.
	APIVersion string
	Files      []File
	// Versions is the PEP 700 list of project versions (JSON 1.1 pages only).
	Versions []string
}

// File is one distribution file offered by a page.
type File struct {
	Filename string
	// URL is absolute, resolved against the page's logical URL (or its <base href>),
	// without the hash fragment.
	URL string
	// Hashes maps a lowercase hashlib algorithm name to a lowercase hex digest. An HTML
	// page carries at most one hash per file (the URL fragment); JSON may carry several.
	// Parsers leave it nil when the page gives no hash.
	Hashes map[string]string
	// RequiresPython is the unescaped Requires-Python specifier, "" when absent.
	RequiresPython string
	Yanked         bool
	YankedReason   string
	// CoreMetadata is nil when the index offers no PEP 658 metadata file; non-nil (maybe
	// empty) when <URL>.metadata exists, holding its hashes.
	CoreMetadata map[string]string
	// Size is the file's length in bytes, -1 when unknown.
	Size int64
	// UploadTime is zero when unknown.
	UploadTime time.Time
}
