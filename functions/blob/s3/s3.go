// Package s3 is the blob engine for AWS: each blob is one object in an S3
// bucket (OKAERI_BLOBS=s3:BUCKET or s3:BUCKET/PREFIX). The bucket should
// block public access and encrypt at rest (S3's default since 2023); the
// portal never hands out object URLs, it streams résumés to HR itself.
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

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
	// Endpoint is a custom endpoint (an S3-compatible server, a test fake).
	// With it, requests use path-style addressing and, without configured
	// credentials, static dummy ones.
	Endpoint string
}

// Store keeps blobs in S3. It is safe for concurrent use.
type Store struct {
	client *awss3.Client
	bucket string
	prefix string
}

var _ blob.Store = (*Store)(nil)

// New returns a Store for cfg. It makes no network call.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("blob s3: no bucket name")
	}
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.Endpoint != "" {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("blob s3: load AWS configuration: %w", err)
	}
	if cfg.Endpoint != "" {
		if awsCfg.Region == "" {
			awsCfg.Region = "us-east-1"
		}
		if awsCfg.Credentials == nil {
			awsCfg.Credentials = credentials.NewStaticCredentialsProvider("okaerilocal", "okaerilocal", "")
		} else if _, err := awsCfg.Credentials.Retrieve(ctx); err != nil {
			awsCfg.Credentials = credentials.NewStaticCredentialsProvider("okaerilocal", "okaerilocal", "")
		}
	}
	if awsCfg.Region == "" {
		return nil, errors.New("blob s3: no AWS region: set AWS_REGION")
	}
	client := awss3.NewFromConfig(awsCfg, func(o *awss3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
			o.UsePathStyle = true
		}
	})
	return &Store{client: client, bucket: cfg.Bucket, prefix: cfg.Prefix}, nil
}

func (s *Store) key(key string) (string, error) {
	if !blob.ValidKey(key) {
		return "", blob.ErrInvalidKey
	}
	return s.prefix + key, nil
}

// Put implements blob.Store with one PutObject: S3 makes the object visible
// only once it is whole.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	k, err := s.key(key)
	if err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	in := &awss3.PutObjectInput{Bucket: &s.bucket, Key: &k, Body: r, ContentLength: aws.Int64(size)}
	if contentType != "" {
		in.ContentType = &contentType
	}
	if _, err := s.client.PutObject(ctx, in); err != nil {
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
	out, err := s.client.GetObject(ctx, &awss3.GetObjectInput{Bucket: &s.bucket, Key: &k})
	var noKey *types.NoSuchKey
	if errors.As(err, &noKey) {
		return nil, 0, fmt.Errorf("get blob: %w", blob.ErrNotFound)
	}
	if err != nil {
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
	if _, err := s.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: &s.bucket, Key: &k}); err != nil {
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
