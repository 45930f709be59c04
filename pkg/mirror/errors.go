package mirror

import "fmt"

// HashMismatchError is a file whose bytes are not what the upstream page's hashes (or
// size) say. The file is refused and nothing is signed for it.
type HashMismatchError struct {
	Project  string
	Filename string
	Reason   string
}

func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("%s: refused: %s", e.Filename, e.Reason)
}

// UpstreamError is a failure to get a page or file from the upstream: network, HTTP
// status, size limits. The next sync retries it.
type UpstreamError struct {
	Project string
	URL     string
	Err     error
}

func (e *UpstreamError) Error() string {
	return fmt.Sprintf("%s: %v", e.URL, e.Err)
}

func (e *UpstreamError) Unwrap() error { return e.Err }

// UsageError is a bad option value.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// SyncError is returned by Sync when some projects or files failed; the others were
// published. Verification is true when any failure was a hash mismatch (or a file that
// contradicts what the mirror already published).
type SyncError struct {
	Failed       int
	Verification bool
}

func (e *SyncError) Error() string {
	if e.Verification {
		return fmt.Sprintf("%d failures, some files were refused because their bytes do not match the upstream's hashes; everything else was published", e.Failed)
	}
	return fmt.Sprintf("%d failures talking to the upstream; everything else was published, the next sync retries", e.Failed)
}
