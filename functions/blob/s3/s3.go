// Package s3 is the blob engine for AWS: each blob is one object in an S3
// bucket (OKAERI_BLOBS=s3:BUCKET or s3:BUCKET/PREFIX). The bucket should
// block public access and encrypt at rest (S3's default since 2023); the
// portal never hands out object URLs, it streams résumés to HR itself.
//
// The three calls (PutObject, GetObject, DeleteObject) are S3's REST API
// through awsrest, signed by the SDK's SigV4 signer, not the SDK's s3
// client: linked beside the portal's html/templates that client keeps all
// of its 113 operations, about 5 MiB in every Lambda (docs/aws.md).
package s3

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/okaeri/okaeri/functions/awsenv"
	"github.com/okaeri/okaeri/functions/awsrest"
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
	// AWS finds the region and credentials; nil is the Lambda environment
	// (awsenv.FromEnv).
	AWS awsenv.Loader
}

// Store keeps blobs in S3. It is safe for concurrent use.
type Store struct {
	client awsrest.Client
	base   string // the bucket's URL, ending in "/"
	prefix string
}

var _ blob.Store = (*Store)(nil)

// New returns a Store for cfg. It makes no network call.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("blob s3: no bucket name")
	}
	awsCfg, err := awsenv.Load(ctx, cfg.AWS, awsenv.Options{Region: cfg.Region, Emulator: cfg.Endpoint != ""})
	if err != nil {
		return nil, fmt.Errorf("blob s3: %w", err)
	}
	domain := ".amazonaws.com/"
	if strings.HasPrefix(awsCfg.Region, "cn-") {
		domain = ".amazonaws.com.cn/"
	}
	base := "https://" + cfg.Bucket + ".s3." + awsCfg.Region + domain // virtual-hosted style
	if cfg.Endpoint != "" {
		base = strings.TrimRight(cfg.Endpoint, "/") + "/" + cfg.Bucket + "/" // path-style
	}
	return &Store{client: awsrest.Client{Config: awsCfg, Service: "s3", HTTP: http.DefaultClient}, base: base, prefix: cfg.Prefix}, nil
}

// url is the object's URL; blob.ValidKey allows only characters that need
// no escaping, and the prefix is escaped segment by segment.
func (s *Store) url(key string) (string, error) {
	if !blob.ValidKey(key) {
		return "", blob.ErrInvalidKey
	}
	parts := strings.Split(s.prefix+key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return s.base + strings.Join(parts, "/"), nil
}

// Put implements blob.Store with one PutObject: S3 makes the object visible
// only once it is whole.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	u, err := s.url(key)
	if err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, io.NopCloser(r))
	if err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	req.ContentLength = size
	if size == 0 {
		req.Body = http.NoBody
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(ctx, req, awsrest.UnsignedPayload)
	if err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("put blob: %w", xmlError(resp))
	}
	resp.Body.Close()
	return nil
}

// Get implements blob.Store.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	u, err := s.url(key)
	if err != nil {
		return nil, 0, fmt.Errorf("get blob: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("get blob: %w", err)
	}
	resp, err := s.client.Do(ctx, req, awsrest.PayloadHash(nil))
	if err != nil {
		return nil, 0, fmt.Errorf("get blob: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		e := xmlError(resp)
		if e.Code == "NoSuchKey" {
			return nil, 0, fmt.Errorf("get blob: %w", blob.ErrNotFound)
		}
		return nil, 0, fmt.Errorf("get blob: %w", e)
	}
	size := resp.ContentLength
	if size < 0 {
		size, _ = strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64)
	}
	return resp.Body, size, nil
}

// Delete implements blob.Store; S3 answers a delete of a missing key with success.
func (s *Store) Delete(ctx context.Context, key string) error {
	u, err := s.url(key)
	if err != nil {
		return fmt.Errorf("delete blob: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, u, nil)
	if err != nil {
		return fmt.Errorf("delete blob: %w", err)
	}
	resp, err := s.client.Do(ctx, req, awsrest.PayloadHash(nil))
	if err != nil {
		return fmt.Errorf("delete blob: %w", err)
	}
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("delete blob: %w", xmlError(resp))
	}
	resp.Body.Close()
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

// xmlError reads an error answer in S3's XML form and closes the body.
// It lives here, not in awsrest, so that only the functions that reach S3
// link encoding/xml (its package init is part of every cold start).
func xmlError(resp *http.Response) *awsrest.Error {
	defer resp.Body.Close()
	var body struct {
		Code    string
		Message string
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = xml.Unmarshal(data, &body)
	if body.Code == "" {
		body.Code = http.StatusText(resp.StatusCode)
	}
	return &awsrest.Error{Status: resp.StatusCode, Code: body.Code, Message: body.Message}
}
