package dynamodb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/okaeri/okaeri/functions/store/item"
	itemdynamodb "github.com/okaeri/okaeri/functions/store/item/dynamodb"
	"github.com/okaeri/okaeri/functions/store/item/dynamodb/dynamodbtest"
)

// sdkClient is an SDK client for cfg's DynamoDB.
func sdkClient(t *testing.T, cfg itemdynamodb.Config) *dynamodb.Client {
	t.Helper()
	c, err := itemdynamodb.NewClient(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCreateTableIdempotent(t *testing.T) {
	cfg := dynamodbtest.Config(t) // creates the table once already
	ctx := context.Background()
	c := sdkClient(t, cfg)
	first, err := itemdynamodb.CreateTable(ctx, c, cfg.Table)
	if err != nil {
		t.Fatalf("CreateTable on an existing table: %v", err)
	}
	second, err := itemdynamodb.CreateTable(ctx, c, cfg.Table)
	if err != nil {
		t.Fatalf("CreateTable a third time: %v", err)
	}
	if aws.ToString(first.TableArn) != aws.ToString(second.TableArn) || !aws.ToTime(first.CreationDateTime).Equal(aws.ToTime(second.CreationDateTime)) {
		t.Errorf("the table was replaced: %v at %v, then %v at %v",
			aws.ToString(first.TableArn), first.CreationDateTime, aws.ToString(second.TableArn), second.CreationDateTime)
	}
	for _, d := range []*types.TableDescription{first, second} {
		if d.TableStatus != types.TableStatusActive {
			t.Errorf("status %s, want ACTIVE", d.TableStatus)
		}
		if len(d.GlobalSecondaryIndexes) != 1 || aws.ToString(d.GlobalSecondaryIndexes[0].IndexName) != item.GSI1 {
			t.Errorf("indexes %+v, want only %s", d.GlobalSecondaryIndexes, item.GSI1)
		} else if g := d.GlobalSecondaryIndexes[0]; g.IndexStatus != types.IndexStatusActive {
			t.Errorf("index status %s, want ACTIVE", g.IndexStatus)
		}
		if d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
			t.Errorf("billing %+v, want PAY_PER_REQUEST", d.BillingModeSummary)
		}
	}
	ttl, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &cfg.Table})
	if err != nil {
		t.Fatal(err)
	}
	if d := ttl.TimeToLiveDescription; d == nil || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != item.TTL {
		t.Errorf("TTL = %+v, want ENABLED on %s", ttl.TimeToLiveDescription, item.TTL)
	}
}

// A table that exists under the name but was made for something else is
// refused, rather than failing later on the first query: another key
// schema, no GSI1, or TTL on another attribute.
func TestCreateTableRefusesAnotherDefinition(t *testing.T) {
	cfg := dynamodbtest.Config(t)
	c := sdkClient(t, cfg)
	str := func(n string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS}
	}
	for _, tc := range []struct {
		name  string
		table func(name string) *dynamodb.CreateTableInput
		ttl   string // enable TTL on it first
		want  string
	}{
		{
			name: "another key schema",
			table: func(name string) *dynamodb.CreateTableInput {
				return &dynamodb.CreateTableInput{
					TableName:            &name,
					BillingMode:          types.BillingModePayPerRequest,
					AttributeDefinitions: []types.AttributeDefinition{str("id")},
					KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
				}
			},
			want: "key schema",
		},
		{
			name: "no index",
			table: func(name string) *dynamodb.CreateTableInput {
				in := itemdynamodb.TableDefinition(name)
				in.GlobalSecondaryIndexes = nil
				in.AttributeDefinitions = []types.AttributeDefinition{str(item.PK), str(item.SK)}
				return in
			},
			want: "without index " + item.GSI1,
		},
		{
			name:  "TTL on another attribute",
			table: itemdynamodb.TableDefinition,
			ttl:   "ttl",
			want:  `TTL is on attribute "ttl"`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			name := cfg.Table + "-" + strings.ReplaceAll(tc.name, " ", "-")
			if _, err := c.CreateTable(ctx, tc.table(name)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &name}) })
			if tc.ttl != "" {
				if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: &name,
					TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: &tc.ttl, Enabled: aws.Bool(true)}}); err != nil {
					t.Fatal(err)
				}
			}
			_, err := itemdynamodb.CreateTable(ctx, c, name)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("CreateTable over a foreign table = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// TableDefinition is the item layer's table: PK/SK, GSI1 on GSI1PK/GSI1SK
// projecting everything, on demand.
func TestTableDefinition(t *testing.T) {
	d := itemdynamodb.TableDefinition("okaeri")
	if aws.ToString(d.TableName) != "okaeri" || d.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("name %q billing %s", aws.ToString(d.TableName), d.BillingMode)
	}
	keys := func(ks []types.KeySchemaElement) string {
		var b strings.Builder
		for _, k := range ks {
			b.WriteString(aws.ToString(k.AttributeName) + ":" + string(k.KeyType) + " ")
		}
		return strings.TrimSpace(b.String())
	}
	if got, want := keys(d.KeySchema), item.PK+":HASH "+item.SK+":RANGE"; got != want {
		t.Errorf("key schema %s, want %s", got, want)
	}
	if len(d.GlobalSecondaryIndexes) != 1 {
		t.Fatalf("%d indexes, want 1", len(d.GlobalSecondaryIndexes))
	}
	g := d.GlobalSecondaryIndexes[0]
	if aws.ToString(g.IndexName) != item.GSI1 {
		t.Errorf("index %s, want %s", aws.ToString(g.IndexName), item.GSI1)
	}
	if got, want := keys(g.KeySchema), item.GSI1PK+":HASH "+item.GSI1SK+":RANGE"; got != want {
		t.Errorf("index key schema %s, want %s", got, want)
	}
	if g.Projection == nil || g.Projection.ProjectionType != types.ProjectionTypeAll {
		t.Errorf("index projection %+v, want ALL (a Query on GSI1 returns whole items)", g.Projection)
	}
	// Every key attribute is declared as a string, and nothing else
	// (CreateTable rejects extras).
	declared := map[string]bool{}
	for _, a := range d.AttributeDefinitions {
		declared[aws.ToString(a.AttributeName)] = true
		if a.AttributeType != types.ScalarAttributeTypeS {
			t.Errorf("%s is of type %s, want S", aws.ToString(a.AttributeName), a.AttributeType)
		}
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
