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

// Environment variables, the same as dynamotest's.
const (
	EnvEndpoint = "OKAERI_DYNAMODB_ENDPOINT"
	EnvSkip     = "OKAERI_SKIP_DYNAMODB"
)

// Config returns the configuration of a new, empty table with a unique
// name, deleted when the test ends, so tests can run in parallel.
func Config(t testing.TB) itemdynamodb.Config {
	t.Helper()
	endpoint := os.Getenv(EnvEndpoint)
	if endpoint == "" {
		if ci := os.Getenv("CI"); os.Getenv(EnvSkip) == "1" && (ci == "" || ci == "0" || ci == "false") {
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
