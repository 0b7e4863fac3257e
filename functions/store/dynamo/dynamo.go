// Package dynamo is the DynamoDB store engine: one table, single-table design.
//
// Every record lives under a partition key with a type prefix (MEMBER#, EMAIL#,
// EMPNO#, TOKEN#, SESSION#, IDEMP#, AUDIT#, AUDITID#, RATE#, ROSTER#,
// ROSTEREMAIL#, JOBS, APP#, MEMBERAPP#, REF#, MEMBERREF# ...) and one
// overloaded global secondary index, GSI1, answers the lists that cross
// partitions (members by status, audit by time, a job's applications and
// referrals). Uniqueness is held by
// condition expressions and TransactWriteItems, compare-and-swap by a version
// attribute, expiry by the TTL attribute expires_at plus a precise expires_ns
// checked on every read, because TTL deletes lazily. No request path scans;
// only Export does. docs/dynamodb.md lists every access pattern.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/okaeri/okaeri/functions/store"
)

// Config selects the table and how to reach it.
type Config struct {
	// Table is the table name (required).
	Table string
	// Region overrides AWS_REGION and the shared config; with an Endpoint and
	// no region anywhere it defaults to us-east-1, which DynamoDB Local ignores.
	Region string
	// Endpoint is a custom endpoint such as DynamoDB Local's http://127.0.0.1:8000.
	// When set and no credentials are configured, static dummy credentials are used.
	Endpoint string
	// Now is the clock for CreatedAt/UpdatedAt defaults (default time.Now).
	Now func() time.Time
	// Retry bounds the store's own retries of throttling and transaction
	// conflicts; zero fields take the defaults documented on RetryPolicy.
	Retry RetryPolicy
	// ExportSegments is how many parallel Scan segments Export reads (default 4).
	ExportSegments int
	// ClientOptions adjust the DynamoDB client after the defaults, for example
	// to add middleware in tests and benchmarks.
	ClientOptions []func(*dynamodb.Options)
	// Logger receives retry notices at debug level (default slog.Default()).
	Logger *slog.Logger
}

// Store is the DynamoDB engine. It is safe for concurrent use.
type Store struct {
	client         *dynamodb.Client
	table          string
	now            func() time.Time
	retry          RetryPolicy
	exportSegments int
	log            *slog.Logger
}

var _ store.Store = (*Store)(nil)

// New returns a Store on cfg.Table. It makes no network call; create the table
// first with CreateTable (`okaeri store create-table`).
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Table == "" {
		return nil, errors.New("dynamo: no table name")
	}
	client, err := NewClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &Store{
		client:         client,
		table:          cfg.Table,
		now:            cfg.Now,
		retry:          cfg.Retry.withDefaults(),
		exportSegments: cfg.ExportSegments,
		log:            cfg.Logger,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.exportSegments <= 0 {
		s.exportSegments = 4
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

// Client returns the DynamoDB client the store uses.
func (s *Store) Client() *dynamodb.Client { return s.client }

// Table returns the table name.
func (s *Store) Table() string { return s.table }

// Close implements store.Store; the HTTP client needs no closing.
func (s *Store) Close() error { return nil }

// DeleteExpired implements store.Store. DynamoDB's TTL on expires_at removes
// expired items in the background and reads already treat them as absent, so
// this does nothing: finding them would need a Scan.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	return 0, ctx.Err()
}

// NewClient builds the DynamoDB client for cfg: the default AWS configuration
// chain, cfg.Region and cfg.Endpoint, and an SDK retryer that leaves
// throttling and transaction conflicts to the store (see RetryPolicy).
func NewClient(ctx context.Context, cfg Config) (*dynamodb.Client, error) {
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.Endpoint != "" {
		// A custom endpoint is DynamoDB Local in practice; probing the EC2
		// metadata service for credentials would only time out on a laptop.
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("dynamo: load AWS configuration: %w", err)
	}
	if cfg.Endpoint != "" {
		if awsCfg.Region == "" {
			awsCfg.Region = "us-east-1"
		}
		if !hasCredentials(ctx, awsCfg) {
			// DynamoDB Local checks that requests are signed, not by whom
			// (its access key ids may hold only letters and digits).
			awsCfg.Credentials = credentials.NewStaticCredentialsProvider("okaerilocal", "okaerilocal", "")
		}
	}
	if awsCfg.Region == "" {
		return nil, errors.New("dynamo: no AWS region: set AWS_REGION")
	}
	optFns := []func(*dynamodb.Options){
		func(o *dynamodb.Options) {
			if cfg.Endpoint != "" {
				o.BaseEndpoint = aws.String(cfg.Endpoint)
			}
			if strings.HasPrefix(cfg.Endpoint, "http://") {
				// Plain HTTP is an emulator, never AWS. DynamoDB Local sends no
				// X-Amz-Crc32 on error answers, and the SDK then logs a
				// checksum warning for every failed condition.
				o.DisableValidateResponseChecksum = true
			}
			o.Retryer = sdkRetryer()
		},
	}
	optFns = append(optFns, cfg.ClientOptions...)
	return dynamodb.NewFromConfig(awsCfg, optFns...), nil
}

// hasCredentials reports whether the default chain (without the EC2
// metadata service) yields credentials; asked only when an endpoint is set.
func hasCredentials(ctx context.Context, awsCfg aws.Config) bool {
	if awsCfg.Credentials == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := awsCfg.Credentials.Retrieve(ctx)
	return err == nil
}

// sdkRetryer is the SDK's standard retryer with the throttling codes taken
// out: it still retries connection errors, 5xx answers and request timeouts,
// while throttling and transaction conflicts come back to the store, which
// retries them with its own bounded, jittered backoff (RetryPolicy). One
// layer per kind of error, so attempts never multiply.
func sdkRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Retryables = []retry.IsErrorRetryable{
			retry.NoRetryCanceledError{},
			retry.RetryableError{},
			retry.RetryableConnectionError{},
			retry.RetryableHTTPStatusCode{Codes: retry.DefaultRetryableHTTPStatusCodes},
			retry.RetryableErrorCode{Codes: retry.DefaultRetryableErrorCodes},
		}
	})
}
