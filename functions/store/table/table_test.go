package table_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/conformance"
	"github.com/okaeri/okaeri/functions/store/dynamo"
	"github.com/okaeri/okaeri/functions/store/dynamo/dynamotest"
	"github.com/okaeri/okaeri/functions/store/item/boltdb"
	itemdynamodb "github.com/okaeri/okaeri/functions/store/item/dynamodb"
	"github.com/okaeri/okaeri/functions/store/table"
)

func TestMain(m *testing.M) { os.Exit(dynamotest.Main(m)) }

func onBolt(t *testing.T) store.Store {
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "okaeri.db"), &boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	s := table.New(db, table.Options{})
	t.Cleanup(func() { s.Close() })
	return s
}

func onDynamo(t *testing.T) store.Store {
	cfg := dynamotest.Config(t)
	legacy, err := dynamo.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := itemdynamodb.Open(context.Background(), itemdynamodb.Config{Table: cfg.Table, Region: cfg.Region, Endpoint: cfg.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	return table.New(db, table.Options{Fallback: legacy})
}

func TestBolt(t *testing.T) {
	conformance.RunTests(t, onBolt)
	conformance.RunConcurrencyTests(t, onBolt)
	conformance.RunGapTests(t, onBolt)
}

func TestDynamo(t *testing.T) {
	conformance.RunTests(t, onDynamo)
	conformance.RunConcurrencyTests(t, onDynamo)
	conformance.RunGapTests(t, onDynamo)
}
