package dynamodb_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/okaeri/okaeri/functions/store/dynamo/dynamotest"
	"github.com/okaeri/okaeri/functions/store/item"
	"github.com/okaeri/okaeri/functions/store/item/dynamodb/dynamodbtest"
	"github.com/okaeri/okaeri/functions/store/item/itemtest"
)

func TestMain(m *testing.M) { os.Exit(dynamotest.Main(m)) }

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	db := dynamodbtest.DB(t)
	it := item.Item{item.PK: "A", item.SK: "1", "n": int64(5), "l": []string{"x"}, "m": map[string]any{"b": true}, "bin": []byte("hi")}
	if err := db.Transact(ctx, item.Tx{Ops: []item.Op{item.Put(it, item.NotExists())}}); err != nil {
		t.Fatal(err)
	}
	err := db.Transact(ctx, item.Tx{Ops: []item.Op{item.Put(it, item.NotExists())}})
	if i, cur, ok := item.FailedAt(err); !ok || i != 0 || cur["n"] != int64(5) {
		t.Fatalf("second put: %v %v", err, cur)
	}
	err = db.Transact(ctx, item.Tx{Ops: []item.Op{
		item.Update(item.Key{PK: "A", SK: "2"}, map[string]any{"x": "y"}, map[string]int64{"c": 1}, nil, nil),
		item.Check(item.Key{PK: "A", SK: "1"}, item.Eq("n", int64(6))),
	}})
	if i, cur, ok := item.FailedAt(err); !ok || i != 1 || cur["n"] != int64(5) {
		t.Fatalf("check: %v %v", err, cur)
	}
	got, err := db.Get(ctx, item.Key{PK: "A", SK: "2"})
	if err != nil || got != nil {
		t.Fatalf("applied half: %v %v", got, err)
	}
	p, err := db.Query(ctx, item.Query{PK: "A"})
	if err != nil || p.Count != 1 {
		t.Fatalf("query: %+v %v", p, err)
	}
	if err := db.Transact(ctx, item.Tx{Ops: []item.Op{item.Put(item.Item{item.PK: "B", item.SK: "1", "big": string(make([]byte, 410*1024))}, nil)}}); !errors.Is(err, item.ErrTooLarge) {
		t.Fatalf("big: %v", err)
	}
}

// TestConformance runs the item layer's suite on DynamoDB Local, a fresh
// table per subtest. DynamoDB's TTL removes items in the background, so
// DeleteExpired must report 0 and remove nothing.
func TestConformance(t *testing.T) {
	itemtest.Run(t, func(t *testing.T) item.DB { return dynamodbtest.DB(t) }, itemtest.RunOptions{})
}
