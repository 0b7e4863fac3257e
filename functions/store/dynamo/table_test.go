package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/dynamo"
	"github.com/okaeri/okaeri/functions/store/dynamo/ddb"
	"github.com/okaeri/okaeri/functions/store/dynamo/dynamotest"
)

func TestCreateTableIdempotent(t *testing.T) {
	cfg := dynamotest.Config(t) // creates the table once already
	ctx := context.Background()
	client, err := dynamo.NewClient(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	first, err := dynamo.CreateTable(ctx, client, cfg.Table)
	if err != nil {
		t.Fatalf("CreateTable on an existing table: %v", err)
	}
	second, err := dynamo.CreateTable(ctx, client, cfg.Table)
	if err != nil {
		t.Fatalf("CreateTable a third time: %v", err)
	}
	if aws.ToString(first.TableArn) != aws.ToString(second.TableArn) || !aws.ToTime(first.CreationDateTime).Equal(aws.ToTime(second.CreationDateTime)) {
		t.Errorf("the table was replaced: %v at %v, then %v at %v",
			aws.ToString(first.TableArn), first.CreationDateTime, aws.ToString(second.TableArn), second.CreationDateTime)
	}
	for _, d := range []*ddb.TableDescription{first, second} {
		if d.TableStatus != ddb.TableStatusActive {
			t.Errorf("status %s, want ACTIVE", d.TableStatus)
		}
		if len(d.GlobalSecondaryIndexes) != 1 || aws.ToString(d.GlobalSecondaryIndexes[0].IndexName) != dynamo.IndexGSI1 {
			t.Errorf("indexes %+v, want only %s", d.GlobalSecondaryIndexes, dynamo.IndexGSI1)
		}
		if d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != ddb.BillingModePayPerRequest {
			t.Errorf("billing %+v, want PAY_PER_REQUEST", d.BillingModeSummary)
		}
	}
	ttl, err := client.DescribeTimeToLive(ctx, &ddb.DescribeTimeToLiveInput{TableName: &cfg.Table})
	if err != nil {
		t.Fatal(err)
	}
	if d := ttl.TimeToLiveDescription; d == nil || d.TimeToLiveStatus != ddb.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != dynamo.AttrTTL {
		t.Errorf("TTL = %+v, want ENABLED on %s", ttl.TimeToLiveDescription, dynamo.AttrTTL)
	}
}

// A table that exists under the name but was made for something else is
// refused, rather than failing later on the first query.
func TestCreateTableRefusesAnotherDefinition(t *testing.T) {
	cfg := dynamotest.Config(t)
	ctx := context.Background()
	client, err := dynamo.NewClient(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	name := cfg.Table + "-other"
	_, err = client.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            &name,
		BillingMode:          ddb.BillingModePayPerRequest,
		AttributeDefinitions: []ddb.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddb.ScalarAttributeTypeS}},
		KeySchema:            []ddb.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddb.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.DeleteTable(context.Background(), &ddb.DeleteTableInput{TableName: &name}) })
	_, err = dynamo.CreateTable(ctx, client, name)
	if err == nil || !strings.Contains(err.Error(), "key schema") {
		t.Fatalf("CreateTable over a foreign table = %v, want a key schema error", err)
	}
}

func TestTableDefinition(t *testing.T) {
	d := dynamo.TableDefinition("okaeri")
	if aws.ToString(d.TableName) != "okaeri" || d.BillingMode != ddb.BillingModePayPerRequest {
		t.Errorf("name %q billing %s", aws.ToString(d.TableName), d.BillingMode)
	}
	// Every key attribute is declared, and nothing else (CreateTable rejects extras).
	declared := map[string]bool{}
	for _, a := range d.AttributeDefinitions {
		declared[aws.ToString(a.AttributeName)] = true
	}
	used := map[string]bool{}
	for _, k := range d.KeySchema {
		used[aws.ToString(k.AttributeName)] = true
	}
	for _, g := range d.GlobalSecondaryIndexes {
		for _, k := range g.KeySchema {
			used[aws.ToString(k.AttributeName)] = true
		}
	}
	if len(declared) != len(used) {
		t.Errorf("declared %v, used %v", declared, used)
	}
	for n := range used {
		if !declared[n] {
			t.Errorf("key attribute %s is not declared", n)
		}
	}
}

// Items with an expiry carry expires_at in whole seconds, rounded up, so TTL
// never deletes them early; reads compare the exact instant.
func TestExpiryAttributes(t *testing.T) {
	s := dynamotest.NewStore(t)
	ctx := context.Background()
	created := mustTime(t, "2026-04-01T09:00:00.5Z")
	tok := store.Token{Hash: store.HashToken("p"), Purpose: store.PurposeLogin, Subject: "m1", CreatedAt: created, ExpiresAt: created.Add(10 * 60e9)}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	out, err := s.Client().GetItem(ctx, &ddb.GetItemInput{
		TableName: aws.String(s.Table()),
		Key: map[string]ddb.AttributeValue{
			dynamo.AttrPK: &ddb.AttributeValueMemberS{Value: "TOKEN#" + tok.Hash},
			dynamo.AttrSK: &ddb.AttributeValueMemberS{Value: "TOKEN"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ttl, ok := out.Item[dynamo.AttrTTL].(*ddb.AttributeValueMemberN)
	if !ok {
		t.Fatalf("no numeric %s on the token item: %v", dynamo.AttrTTL, out.Item)
	}
	if want := "1775034601"; ttl.Value != want { // 09:10:00.5 rounded up
		t.Errorf("%s = %s, want %s", dynamo.AttrTTL, ttl.Value, want)
	}
	// Half a second before the exact expiry the token is live; at it, gone.
	if _, err := s.ConsumeToken(ctx, tok.Hash, store.PurposeLogin, tok.ExpiresAt); err == nil {
		t.Error("consumed at its expiry instant")
	}
	if _, err := s.ConsumeToken(ctx, tok.Hash, store.PurposeLogin, tok.ExpiresAt.Add(-1)); err != nil {
		t.Errorf("consume 1ns before expiry: %v", err)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A cursor is opaque but checked: garbage, or a cursor from another list, is
// ErrInvalid rather than a silently wrong page.
func TestCursorChecked(t *testing.T) {
	s := dynamotest.NewStore(t)
	ctx := context.Background()
	for i := range 3 {
		m := member(fmt.Sprintf("cursor-%d@example.com", i))
		m.EmployeeNumber = ""
		if _, err := s.CreateMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	page, cursor, err := s.ListMembersByStatus(ctx, store.StatusPending, store.Page{Limit: 2})
	if err != nil || len(page) != 2 || cursor == "" {
		t.Fatalf("first page: %d members, cursor %q, %v", len(page), cursor, err)
	}
	last, next, err := s.ListMembersByStatus(ctx, store.StatusPending, store.Page{Limit: 2, Cursor: cursor})
	if err != nil || len(last) != 1 || next != "" {
		t.Fatalf("second page: %d members, cursor %q, %v; want 1 and no cursor", len(last), next, err)
	}
	for name, bad := range map[string]string{
		"garbage":        "not a cursor!",
		"another status": cursor,
		"another list":   cursor,
		"truncated":      cursor[:len(cursor)/2],
	} {
		var err error
		switch name {
		case "another status":
			_, _, err = s.ListMembersByStatus(ctx, store.StatusApproved, store.Page{Cursor: bad})
		case "another list":
			_, _, err = s.ListAudit(ctx, store.AuditQuery{}, store.Page{Cursor: bad})
		default:
			_, _, err = s.ListMembersByStatus(ctx, store.StatusPending, store.Page{Cursor: bad})
		}
		if fe := store.FieldErrors(err); !errors.Is(err, store.ErrInvalid) || len(fe) != 1 || fe[0].Field != "cursor" {
			t.Errorf("%s: err = %v, want an invalid cursor", name, err)
		}
	}
}
