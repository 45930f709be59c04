//go:build !unix

package tuf

// checkPrivate is a no-op where file ownership is not a uid (Windows: the user profile's
// ACLs protect the default cache directory).
func checkPrivate(string) error { return nil }
