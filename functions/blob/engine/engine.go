// Package engine opens the blob store named by OKAERI_BLOBS: "dir:PATH"
// (files under PATH) or "s3:BUCKET[/PREFIX]" (objects in S3). The default,
// an empty spec, is dir:<data folder>/blobs.
package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/okaeri/okaeri/functions/awsenv"
	"github.com/okaeri/okaeri/functions/blob"
	"github.com/okaeri/okaeri/functions/blob/s3"
)

// Config is what Open needs.
type Config struct {
	Spec    string // OKAERI_BLOBS
	DataDir string // for the default
	Region  string // AWS region for s3
	// Endpoint is a custom S3 endpoint (tests, S3-compatible servers).
	Endpoint string
	// AWS finds the region and credentials for s3; nil is the SDK's
	// Lambda environment (awsenv.FromEnv); the okaeri command passes chain.Load.
	AWS awsenv.Loader
}

// Open returns the blob store for cfg.
func Open(ctx context.Context, cfg Config) (blob.Store, error) {
	spec := cfg.Spec
	if spec == "" {
		spec = "dir:" + filepath.Join(cfg.DataDir, "blobs")
	}
	kind, rest, _ := strings.Cut(spec, ":")
	switch kind {
	case "dir":
		if rest == "" {
			return nil, fmt.Errorf("OKAERI_BLOBS=%s: no folder; use dir:PATH", spec)
		}
		return blob.NewDir(rest)
	case "s3":
		bucket, prefix := s3.ParseSpec(rest)
		if bucket == "" {
			return nil, fmt.Errorf("OKAERI_BLOBS=%s: no bucket; use s3:BUCKET", spec)
		}
		return s3.New(ctx, s3.Config{Bucket: bucket, Prefix: prefix, Region: cfg.Region, Endpoint: cfg.Endpoint, AWS: cfg.AWS})
	}
	return nil, fmt.Errorf("OKAERI_BLOBS=%s: use dir:PATH or s3:BUCKET", spec)
}
