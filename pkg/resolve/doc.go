// Package resolve makes the decisions pip makes when it picks a distribution file, without
// touching the network: it parses wheel and sdist filenames, PEP 508 requirements and
// environment markers, works out the target interpreter's supported wheel tags in pip's
// priority order, and chooses the best file among a set of candidates with pip's filters and
// sort key. The caller decides which files are trusted before they reach Select; this package
// only explains, for every file it drops, why pip would have dropped it too.
package resolve
