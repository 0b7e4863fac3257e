// Package s3 is the blob engine for AWS: each blob is one object in an S3
// bucket (OKAERI_BLOBS=s3:BUCKET or s3:BUCKET/PREFIX), reached through the
// SDK's own client, github.com/aws/aws-sdk-go-v2/service/s3, with the
// configuration of awsenv.Load. The bucket should block public access and
// encrypt at rest (S3's default since 2023); the portal never hands out
// object URLs (so there are no presigned ones), it streams résumés to HR
// itself.
//
// A custom endpoint (Config.Endpoint, or the SDK's AWS_ENDPOINT_URL_S3 or
// AWS_ENDPOINT_URL) is an S3-compatible server or a test's, addressed
// path-style (http://host/BUCKET/KEY). The tests run the engine against
// gofakes3, an S3 implementation they start in process.
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/okaeri/okaeri/functions/awsenv"
	"github.com/okaeri/okaeri/functions/blob"
)

// Config selects the bucket and how to reach it.
type Config struct {
	Bucket string
	// Prefix is put before every key (for example "okaeri/"), so one bucket
	// can hold several portals' blobs.
	Prefix string
	// Region overrides AWS_REGION and the shared configuration.
	Region string
	// Endpoint is a custom endpoint (an S3-compatible server, a test
	// server). With it, requests use path-style addressing and, without
	// configured credentials, static dummy ones.
	Endpoint string
	// AWS finds the region and credentials; nil is the Lambda environment
	// (awsenv.FromEnv), the okaeri command passes the SDK's default chain
	// (awsenv/chain).
	AWS awsenv.Loader
}

// Store keeps blobs in S3. It is safe for concurrent use.
//
// It holds the three SDK methods it calls as method values, not the
// *s3.Client: html/template calls methods by name, so the linker keeps
// every exported method of any type an interface value can reach, and a
// struct field reaches its type; holding the client would link all 113 S3
// operations into every function that keeps résumés.
type Store struct {
	putObject    func(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	getObject    func(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	deleteObject func(context.Context, *s3.DeleteObjectInput, ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	bucket       string
	prefix       string
	// plainHTTP is set for an http:// endpoint, over which the SDK must
	// seek a body to sign or checksum it (see Put).
	plainHTTP bool
}

var _ blob.Store = (*Store)(nil)

// New returns a Store for cfg. It makes no call to S3.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("blob s3: no bucket name")
	}
	awsCfg, err := awsenv.Load(ctx, cfg.AWS, awsenv.Options{Region: cfg.Region, Endpoint: cfg.Endpoint})
	if err != nil {
		return nil, fmt.Errorf("blob s3: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		// o.BaseEndpoint is Config.Endpoint or the SDK's endpoint variables.
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
		// Objects written by other tools (or by a server that keeps no
		// checksums) have none to validate; that is no warning for the log.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	plain := strings.HasPrefix(aws.ToString(client.Options().BaseEndpoint), "http://")
	return &Store{putObject: client.PutObject, getObject: client.GetObject, deleteObject: client.DeleteObject, bucket: cfg.Bucket, prefix: cfg.Prefix, plainHTTP: plain}, nil
}

// key is the object's key for a blob key; blob.ValidKey is checked here,
// so that a refused key never reaches S3.
func (s *Store) key(key string) (*string, error) {
	if !blob.ValidKey(key) {
		return nil, blob.ErrInvalidKey
	}
	return aws.String(s.prefix + key), nil
}

// Put implements blob.Store with one PutObject: S3 makes the object visible
// only once it is whole. Over HTTPS the SDK streams any reader with a
// trailing CRC32 checksum. Over plain HTTP (a local S3-compatible server)
// it has to read a body twice, to sign and checksum it, so an unseekable
// one is sent unsigned and without a checksum, as S3 allows.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	k, err := s.key(key)
	if err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	in := &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: k, Body: r, ContentLength: aws.Int64(size)}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	var opts []func(*s3.Options)
	if _, seekable := r.(io.Seeker); s.plainHTTP && !seekable {
		opts = append(opts, s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware), func(o *s3.Options) {
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		})
	}
	if _, err := s.putObject(ctx, in, opts...); err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	return nil
}

// Get implements blob.Store.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, 0, fmt.Errorf("get blob: %w", err)
	}
	out, err := s.getObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: k})
	if err != nil {
		if _, ok := errors.AsType[*types.NoSuchKey](err); ok {
			return nil, 0, fmt.Errorf("get blob: %w", blob.ErrNotFound)
		}
		return nil, 0, fmt.Errorf("get blob: %w", err)
	}
	return out.Body, aws.ToInt64(out.ContentLength), nil
}

// Delete implements blob.Store; S3 answers a delete of a missing key with success.
func (s *Store) Delete(ctx context.Context, key string) error {
	k, err := s.key(key)
	if err != nil {
		return fmt.Errorf("delete blob: %w", err)
	}
	if _, err := s.deleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: k}); err != nil {
		return fmt.Errorf("delete blob: %w", err)
	}
	return nil
}

// ParseSpec splits "BUCKET" or "BUCKET/PREFIX" (the part of OKAERI_BLOBS
// after "s3:"); the prefix gets a trailing slash.
func ParseSpec(spec string) (bucket, prefix string) {
	bucket, prefix, _ = strings.Cut(spec, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return bucket, prefix
}
