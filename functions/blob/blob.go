// Package blob keeps files that do not belong in the store: résumés
// uploaded with job applications. One small interface, two engines: Dir (a
// folder on the local disk, the default for `okaeri serve`) here, and S3 in
// blob/s3 for AWS; blob/engine picks one from OKAERI_BLOBS.
//
// Keys are relative, slash-separated paths such as "resumes/<id>.pdf". A
// blob is written whole or not at all: a reader never sees half a file.
package blob

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"sync"
)

// ErrNotFound means there is no blob under the key.
var ErrNotFound = errors.New("blob: not found")

// ErrInvalidKey means the key is not a well-formed blob key (see ValidKey).
var ErrInvalidKey = errors.New("blob: invalid key")

// Store keeps blobs by key. Engines are safe for concurrent use.
type Store interface {
	// Put stores size bytes from r under key, replacing any blob there.
	// contentType is kept where the engine can keep it (S3 does, Dir does
	// not: its keys end in the type's extension).
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Get opens the blob under key and reports its size; ErrNotFound if
	// there is none. The caller closes the reader.
	Get(ctx context.Context, key string) (io.ReadCloser, int64, error)
	// Delete removes the blob under key. A missing blob is not an error, so
	// erasure can be retried.
	Delete(ctx context.Context, key string) error
}

// keyPattern is compiled on first use: package init is every cold start.
var keyPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$`)
})

// ValidKey reports whether key is a relative path of letters, digits, dots,
// hyphens and underscores, at most 256 bytes, with no empty, "." or ".."
// element: it can name neither a place outside the store nor a directory.
func ValidKey(key string) bool {
	if len(key) > 256 || !keyPattern().MatchString(key) {
		return false
	}
	for _, part := range strings.Split(key, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "..") {
			return false
		}
	}
	return true
}
