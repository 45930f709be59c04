package tuf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

func TestClassify(t *testing.T) {
	var syntax *json.SyntaxError
	if err := json.Unmarshal([]byte(`{"a":`), new(any)); !errors.As(err, &syntax) {
		t.Fatalf("no syntax error to test with: %v", err)
	}
	tests := []struct {
		name     string
		err      error
		file     string
		kind     string // verification, network, notfound, context, plain
		wantText string
	}{
		{"expired timestamp, named by go-tuf", &metadata.ErrExpiredMetadata{Msg: "timestamp.json is expired"}, "3.snapshot.json", "verification", "timestamp.json: expired: timestamp.json is expired"},
		{"expired delegated role", &metadata.ErrExpiredMetadata{Msg: "new stable is expired"}, "4.stable.json", "verification", "stable.json: expired: new stable is expired"},
		{"threshold", &metadata.ErrUnsignedMetadata{Msg: "Verifying timestamp failed, not enough signatures, got 0, want 1"}, "timestamp.json", "verification", "timestamp.json: not signed by enough trusted keys: verifying timestamp failed"},
		{"rollback", &metadata.ErrBadVersionNumber{Msg: "new timestamp version 1 must be >= 2"}, "timestamp.json", "verification", "rollback or bad version"},
		{"bad rotation", fmt.Errorf("wrapped: %w", &metadata.ErrUnsignedMetadata{Msg: "Verifying root failed"}), "2.root.json", "verification", "2.root.json: not signed"},
		{"json syntax", syntax, "timestamp.json", "verification", "malformed metadata"},
		{"untyped go-tuf error", errors.New("role stable not found in snapshot"), "snapshot.json", "verification", "rejected: role stable not found in snapshot"},
		{"too large", &metadata.ErrDownloadLengthMismatch{Msg: "x is larger than the allowed 10 bytes"}, "timestamp.json", "verification", "too large"},
		{"http 404", &metadata.ErrDownloadHTTP{StatusCode: 404, URL: "http://x/timestamp.json"}, "timestamp.json", "network", "http status 404"},
		{"network", &NetworkError{URL: "http://x", Err: errStalled}, "", "network", "stalled"},
		{"cancelled", &NetworkError{URL: "http://x", Err: context.Canceled}, "", "context", ""},
		{"cache I/O", &fs.PathError{Op: "open", Path: "/c/x", Err: fs.ErrPermission}, "", "plain", "tuf cache"},
		{"not found passes through", &NotFoundError{Path: "p"}, "", "notfound", "p: not listed by any trusted role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err, tt.file)
			kind := "plain"
			switch {
			case IsVerification(got):
				kind = "verification"
			case errors.Is(got, context.Canceled):
				kind = "context"
			case IsNetwork(got):
				kind = "network"
			case IsNotFound(got):
				kind = "notfound"
			}
			if kind != tt.kind {
				t.Fatalf("classified %v as %s, want %s", got, kind, tt.kind)
			}
			if tt.wantText != "" && !strings.Contains(got.Error(), tt.wantText) {
				t.Errorf("message %q lacks %q", got, tt.wantText)
			}
			if !errors.Is(got, tt.err) && !errors.As(got, new(*NetworkError)) {
				t.Errorf("classified error does not wrap the original")
			}
		})
	}
}

func TestRecoveredPanicIsVerification(t *testing.T) {
	err := recovered("ed25519: bad public key length: 31", "3.stable.json")
	var ve *VerificationError
	if !errors.As(err, &ve) || ve.Role != "stable" || ve.Path != "3.stable.json" {
		t.Fatalf("got %#v", err)
	}
}
