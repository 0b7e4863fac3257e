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
//
// Requests go through the package's own DynamoDB client, ddb, rather than
// the AWS SDK's service/dynamodb, whose package initialisation alone (its
// schemas and endpoint tables, about 1.5 ms) made every Lambda that opens
// the table start 1.6 times slower than a hello-world; see docs/dynamodb.md.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/okaeri/okaeri/functions/awsenv"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/dynamo/ddb"
)

// Config selects the table and how to reach it.
type Config struct {
	// Table is the table name (required).
	Table string
	// Region overrides the region AWS finds; with an Endpoint and no region
	// anywhere it defaults to us-east-1, which DynamoDB Local ignores.
	Region string
	// Endpoint is a custom endpoint such as DynamoDB Local's http://127.0.0.1:8000.
	// When set and no credentials are configured, static dummy credentials are used.
	Endpoint string
	// AWS finds the region and credentials (default awsenv.FromEnv, the
	// Lambda environment; awsenv/chain gives the SDK's whole chain, for
	// people and CI runners).
	AWS awsenv.Loader
	// Now is the clock for CreatedAt/UpdatedAt defaults (default time.Now).
	Now func() time.Time
	// Retry bounds the store's own retries of throttling and transaction
	// conflicts; zero fields take the defaults documented on RetryPolicy.
	Retry RetryPolicy
	// ExportSegments is how many parallel Scan segments Export reads (default 4).
	ExportSegments int
	// ClientOptions adjust the DynamoDB client after the defaults, for example
	// to add ddb.Middleware or an HTTP client in tests and benchmarks.
	ClientOptions []func(*ddb.Options)
	// Logger receives retry notices at debug level (default slog.Default()).
	Logger *slog.Logger
}

// Store is the DynamoDB engine. It is safe for concurrent use.
type Store struct {
	client         *ddb.Client
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
func (s *Store) Client() *ddb.Client { return s.client }

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

// NewClient builds the DynamoDB client for cfg: region and credentials from
// cfg.AWS, cfg.Region and cfg.Endpoint. The client retries connection
// errors and server errors itself; throttling and transaction conflicts
// come back to the store, which retries them with its own bounded,
// jittered backoff (RetryPolicy). One layer per kind of error, so attempts
// never multiply.
func NewClient(ctx context.Context, cfg Config) (*ddb.Client, error) {
	awsCfg, err := awsenv.Load(ctx, cfg.AWS, awsenv.Options{Region: cfg.Region, Emulator: cfg.Endpoint != ""})
	if err != nil {
		return nil, fmt.Errorf("dynamo: %w", err)
	}
	opts := []func(*ddb.Options){func(o *ddb.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = &cfg.Endpoint
		}
	}}
	return ddb.NewFromConfig(awsCfg, append(opts, cfg.ClientOptions...)...), nil
}
