// Package finder turns a project name into the set of distribution files a TUF repository
// vouches for, the way pip's PackageFinder turns it into links.
//
// For a project it looks up the project's page as a TUF target (pre-order over the
// delegations, so stable's page wins over unstable's), downloads and verifies the page, and
// applies the trust rules of docs/design.md to every file on it: a file is trusted when it is
// itself a TUF target whose hashes agree with the page, or when the trusted page lists it
// under the targets URL (or a files URL, Config.FilesURLs) with a sha256 (or stronger) hash.
// Everything else is reported as skipped with the reason. A page's bytes may be stored apart
// from its target name (Config.PageURL, PyPI's content-addressed pages); they are checked
// against the page target all the same. With Explain set it also reads the pages of lower-precedence roles
// and reports the versions only they signed ("2.0.1: signed only by unstable"), which makes
// the timeliness trade-off of the stable role visible.
//
// Each project is looked up once per Finder, however many callers ask for it concurrently.
package finder
