// Package dynamo is the DynamoDB store: the portal's one store
// (store/table) on one DynamoDB table through the item layer's adapter on
// the AWS SDK (store/item/dynamodb). docs/dynamodb.md lists the table,
// its items and every access pattern.
package dynamo

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/okaeri/okaeri/functions/awsenv"
	"github.com/okaeri/okaeri/functions/store"
	itemdynamodb "github.com/okaeri/okaeri/functions/store/item/dynamodb"
	"github.com/okaeri/okaeri/functions/store/table"
)

// Attribute and index names of the table; infra/template.yaml repeats them.
const (
	AttrPK     = itemdynamodb.AttrPK
	AttrSK     = itemdynamodb.AttrSK
	AttrGSI1PK = itemdynamodb.AttrGSI1PK
	AttrGSI1SK = itemdynamodb.AttrGSI1SK
	IndexGSI1  = itemdynamodb.IndexGSI1
	AttrTTL    = itemdynamodb.AttrTTL
	// MailQueuePartition is the mail queue's partition key, which the
	// mailer function's IAM policy names (dynamodb:LeadingKeys).
	MailQueuePartition = table.MailQueuePartition
)

// Config selects the table and how to reach it.
type Config struct {
	// Table is the table name (required).
	Table string
	// Region overrides the region AWS finds.
	Region string
	// Endpoint is a custom endpoint such as DynamoDB Local's http://127.0.0.1:8000.
	Endpoint string
	// AWS finds the region and credentials (nil: the Lambda environment,
	// awsenv.FromEnv; the okaeri command passes awsenv/chain).
	AWS awsenv.Loader
	// Now is the clock for CreatedAt/UpdatedAt defaults (default time.Now).
	Now func() time.Time
	// ExportSegments is how many parallel Scan segments Export reads (default 4).
	ExportSegments int
	// ClientOptions adjust the SDK client after the defaults (tests, benchmarks).
	ClientOptions []func(*dynamodb.Options)
	// Logger receives debug notices (default slog.Default()).
	Logger *slog.Logger
}

// Store is the store on a DynamoDB table.
type Store struct {
	*table.Store
	db *itemdynamodb.DB
}

var _ store.Store = (*Store)(nil)

// New returns a Store on cfg.Table. It makes no network call; create the
// table first with CreateTable (`okaeri store create-table`).
func New(ctx context.Context, cfg Config) (*Store, error) {
	db, err := itemdynamodb.Open(ctx, itemdynamodb.Config{
		Table: cfg.Table, Region: cfg.Region, Endpoint: cfg.Endpoint, AWS: cfg.AWS, ClientOptions: cfg.ClientOptions,
	})
	if err != nil {
		return nil, err
	}
	return &Store{
		Store: table.New(db, table.Options{Now: cfg.Now, ExportSegments: cfg.ExportSegments, Logger: cfg.Logger}),
		db:    db,
	}, nil
}

// NewClient builds an SDK client for cfg, as New does for its store (for
// CreateTable and tests: the Store does not hand its own out, see
// item/dynamodb).
func NewClient(ctx context.Context, cfg Config) (*dynamodb.Client, error) {
	return itemdynamodb.NewClient(ctx, itemdynamodb.Config{
		Table: cfg.Table, Region: cfg.Region, Endpoint: cfg.Endpoint, AWS: cfg.AWS, ClientOptions: cfg.ClientOptions,
	})
}

// Table returns the table name.
func (s *Store) Table() string { return s.db.Table() }

// TableDefinition is the one definition of the table (see item/dynamodb).
func TableDefinition(name string) *dynamodb.CreateTableInput {
	return itemdynamodb.TableDefinition(name)
}

// CreateTable creates the table if needed, waits until it is ACTIVE and
// enables TTL (see item/dynamodb).
var CreateTable = itemdynamodb.CreateTable
