// Package indexserver is tufpip's verifying package index: a PEP 503 / PEP 691 simple index that
// lists only the files a TUF repository vouches for, and sends a file only after it has been
// streamed from the repository and verified. pip (or uv) pointed at it with --index-url can
// install nothing else, so every dependency it resolves gets the same checks as tufpip's own
// resolver.
//
// Routes:
//
//	/simple/                               the trusted projects (finder.Projects), HTML or JSON by Accept; once per refresh
//	/simple/<project>/                     the trusted page, HTML or JSON by Accept; Vary: Accept
//	/files/<project>/<hash>/<filename>     a verified file (kept in the cache by hash)
//	/files/<project>/<hash>/<filename>.metadata  PEP 658 metadata, when the trusted page hashes it
//
// A verification failure is answered with 502 and recorded, so a wrapper running pip can
// tell the user which file failed and why after pip gives up (Failures).
package indexserver
