// Package dynamodbtest gives tests a fresh table on DynamoDB Local, which
// store/dynamo/dynamotest.Main starts for the test binary.
package dynamodbtest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/okaeri/okaeri/functions/store"
	itemdynamodb "github.com/okaeri/okaeri/functions/store/item/dynamodb"
)

// Environment variables read here and by dynamotest.Main.
const (
	EnvEndpoint = "OKAERI_DYNAMODB_ENDPOINT" // the DynamoDB to test against
	EnvSkip     = "OKAERI_SKIP_DYNAMODB"     // "1": skip (never honoured when CI=true)
)

// SkipAllowed reports whether the developer opted out and is not in CI
// (CI=true on GitHub Actions, GitLab, CircleCI and most others; any value
// but "", "0" and "false" counts).
func SkipAllowed() bool {
	switch strings.ToLower(os.Getenv("CI")) {
	case "", "0", "false":
		return os.Getenv(EnvSkip) == "1"
	}
	return false
}

// Config returns the configuration of a new, empty table with a unique
// name, deleted when the test ends, so tests can run in parallel.
func Config(t testing.TB) itemdynamodb.Config {
	t.Helper()
	endpoint := os.Getenv(EnvEndpoint)
	if endpoint == "" {
		if SkipAllowed() {
			t.Skipf("SKIPPED: %s=1, DynamoDB is not tested", EnvSkip)
		}
		t.Fatalf("no DynamoDB: call dynamotest.Main from TestMain, or set %s", EnvEndpoint)
	}
	cfg := itemdynamodb.Config{
		Table:    "okaeri-test-" + strings.ToLower(store.NewID()),
		Region:   "us-east-1",
		Endpoint: endpoint,
	}
	client, err := itemdynamodb.NewClient(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := itemdynamodb.CreateTable(context.Background(), client, cfg.Table); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(cfg.Table)}); err != nil {
			t.Errorf("delete table %s: %v", cfg.Table, err)
		}
	})
	return cfg
}

// DB returns the item layer on a fresh table.
func DB(t testing.TB) *itemdynamodb.DB {
	t.Helper()
	db, err := itemdynamodb.Open(context.Background(), Config(t))
	if err != nil {
		t.Fatal(err)
	}
	return db
}
