package engine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
	"github.com/okaeri/okaeri/functions/store/conformance"
	"github.com/okaeri/okaeri/functions/store/dynamo"
	"github.com/okaeri/okaeri/functions/store/dynamo/dynamotest"
	"github.com/okaeri/okaeri/functions/store/engine"
)

// TestMain starts DynamoDB Local: the cross-engine move is only proven
// against a real DynamoDB.
func TestMain(m *testing.M) { os.Exit(dynamotest.Main(m)) }

func boltStore(t *testing.T) store.Store {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "okaeri.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dynamoStore(t *testing.T) store.Store { return dynamotest.NewStore(t) }

// TestMoveBetweenEngines: bolt export, import into DynamoDB, export again:
// the same records; and the way back.
func TestMoveBetweenEngines(t *testing.T) {
	t.Run("BoltToDynamo", func(t *testing.T) { conformance.RunCrossEngineTests(t, boltStore, dynamoStore) })
	t.Run("DynamoToBolt", func(t *testing.T) { conformance.RunCrossEngineTests(t, dynamoStore, boltStore) })
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		spec, kind, arg string
	}{
		{"bolt:.okaeri/okaeri.db", "bolt", ".okaeri/okaeri.db"},
		{"bolt:/var/lib/okaeri/a:b.db", "bolt", "/var/lib/okaeri/a:b.db"},
		{"dynamo:okaeri-prod", "dynamo", "okaeri-prod"},
		{" dynamo:t ", "dynamo", "t"},
	} {
		kind, arg, err := engine.Parse(c.spec)
		if err != nil || string(kind) != c.kind || arg != c.arg {
			t.Errorf("Parse(%q) = %q, %q, %v", c.spec, kind, arg, err)
		}
	}
	for _, spec := range []string{"", "bolt", "bolt:", "dynamo:", "mysql:db", "/tmp/okaeri.db"} {
		if _, _, err := engine.Parse(spec); err == nil {
			t.Errorf("Parse(%q) accepted", spec)
		}
	}
}

func TestOpenBolt(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "okaeri.db")
	msg, err := engine.Prepare(ctx, engine.Config{Spec: "bolt:" + path})
	if err != nil || !strings.Contains(msg, path) {
		t.Fatalf("Prepare: %q %v", msg, err)
	}
	s, err := engine.Open(ctx, engine.Config{Spec: "bolt:" + path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.(*bolt.Store); !ok {
		t.Fatalf("bolt spec opened a %T", s)
	}
	// While this process holds the file, another opener gets a clear error.
	_, err = engine.Open(ctx, engine.Config{Spec: "bolt:" + path})
	if !errors.Is(err, bolt.ErrLocked) {
		t.Fatalf("second Open = %v, want bolt.ErrLocked", err)
	}
}

// TestPrepareDynamo: create-table makes the table, and running it again is fine.
func TestPrepareDynamo(t *testing.T) {
	ctx := context.Background()
	base := dynamotest.Config(t)
	table := base.Table + "-engine"
	cfg := engine.Config{Spec: "dynamo:" + table, Region: base.Region, Endpoint: base.Endpoint}
	client, err := dynamo.NewClient(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	})
	for range 2 {
		msg, err := engine.Prepare(ctx, cfg)
		if err != nil || !strings.Contains(msg, table) {
			t.Fatalf("Prepare: %q %v", msg, err)
		}
	}
	s, err := engine.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m, err := s.CreateMember(ctx, store.Member{Email: "hanako@example.com", Name: "山田 花子", Language: store.LanguageJa, Status: store.StatusPending})
	if err != nil {
		t.Fatalf("CreateMember on the prepared table: %v", err)
	}
	if got, err := s.GetMemberByEmail(ctx, "HANAKO@example.com"); err != nil || got.ID != m.ID {
		t.Fatalf("GetMemberByEmail: %v", err)
	}
}

// A bio's stored HTML (store.Profile.BioHTML) is kept beside its Markdown
// by both engines: created, updated and exported as written.
func TestBioHTMLRoundTrips(t *testing.T) {
	for name, open := range map[string]func(*testing.T) store.Store{"bolt": boltStore, "dynamo": dynamoStore} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			s := open(t)
			m, err := s.CreateMember(ctx, store.Member{Email: "hanako@example.com", Name: "山田 花子", Language: store.LanguageJa,
				Status: store.StatusApproved, Profile: store.Profile{Bio: "**Go**", BioHTML: "<p><strong>Go</strong></p>\n"}})
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s.GetMember(ctx, m.ID); err != nil || got.Profile.BioHTML != "<p><strong>Go</strong></p>\n" {
				t.Fatalf("read back: %q, %v", got.Profile.BioHTML, err)
			}
			if _, err := s.UpdateMember(ctx, m.ID, func(old store.Member) (store.Member, error) {
				old.Profile.Bio, old.Profile.BioHTML = "*AWS*", "<p><em>AWS</em></p>\n"
				return old, nil
			}); err != nil {
				t.Fatal(err)
			}
			var exported string
			if err := s.Export(ctx, time.Now(), func(r store.Record) error {
				if r.Member != nil {
					exported = r.Member.Profile.BioHTML
				}
				return nil
			}); err != nil || exported != "<p><em>AWS</em></p>\n" {
				t.Errorf("exported %q, %v", exported, err)
			}
		})
	}
}
