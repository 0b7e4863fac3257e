package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/okaeri/okaeri/functions/store/item"
	"github.com/okaeri/okaeri/functions/waitctx"
)

// Attribute and index names of the table (the item layer's); infra/template.yaml repeats them.
const (
	AttrPK     = item.PK
	AttrSK     = item.SK
	AttrGSI1PK = item.GSI1PK
	AttrGSI1SK = item.GSI1SK
	IndexGSI1  = item.GSI1
	AttrTTL    = item.TTL // epoch seconds, for DynamoDB's TTL
)

// TableDefinition is the one definition of the table, used by CreateTable
// and copied by infra/template.yaml (a test compares the two). TTL is not part
// of CreateTableInput: CreateTable enables it on AttrTTL.
func TableDefinition(name string) *dynamodb.CreateTableInput {
	str := func(n string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS}
	}
	key := func(pk, sk string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange},
		}
	}
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{str(AttrPK), str(AttrSK), str(AttrGSI1PK), str(AttrGSI1SK)},
		KeySchema:            key(AttrPK, AttrSK),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			// Overloaded: STATUS#<status> for members, AUDIT for the audit log by time.
			IndexName:  aws.String(IndexGSI1),
			KeySchema:  key(AttrGSI1PK, AttrGSI1SK),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	}
}

// CreateTable creates the table if it does not exist, waits until it and its
// index are ACTIVE, checks that an existing table has the expected keys and
// index, and enables TTL on expires_at. Running it again is harmless. It
// returns the table's description.
func CreateTable(ctx context.Context, client *dynamodb.Client, name string) (*types.TableDescription, error) {
	_, err := client.CreateTable(ctx, TableDefinition(name))
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return nil, fmt.Errorf("create table %s: %w", name, err)
	}
	desc, err := waitActive(ctx, client, name)
	if err != nil {
		return nil, fmt.Errorf("create table %s: %w", name, err)
	}
	if err := checkDefinition(desc); err != nil {
		return nil, fmt.Errorf("create table %s: %w", name, err)
	}
	if err := enableTTL(ctx, client, name); err != nil {
		return nil, fmt.Errorf("create table %s: %w", name, err)
	}
	return desc, nil
}

// waitActive polls until the table and its indexes are ACTIVE. The SDK's
// waiter starts at 20s between polls, far too slow for DynamoDB Local.
func waitActive(ctx context.Context, client *dynamodb.Client, name string) (*types.TableDescription, error) {
	delay := 100 * time.Millisecond
	for {
		out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		var notFound *types.ResourceNotFoundException
		if err != nil && !errors.As(err, &notFound) {
			return nil, fmt.Errorf("describe: %w", err)
		}
		if err == nil && active(out.Table) {
			return out.Table, nil
		}
		if err := waitctx.Sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("waiting for ACTIVE: %w", err)
		}
		delay = min(2*delay, 5*time.Second)
	}
}

func active(t *types.TableDescription) bool {
	if t.TableStatus != types.TableStatusActive {
		return false
	}
	for _, g := range t.GlobalSecondaryIndexes {
		if g.IndexStatus != types.IndexStatusActive {
			return false
		}
	}
	return true
}

// checkDefinition refuses a table that exists under the name but was not made
// from TableDefinition: the store would fail on its first query otherwise.
func checkDefinition(t *types.TableDescription) error {
	want := TableDefinition(aws.ToString(t.TableName))
	if !sameKeys(t.KeySchema, want.KeySchema) {
		return errors.New("the table exists with another key schema")
	}
	for _, wg := range want.GlobalSecondaryIndexes {
		i := slices.IndexFunc(t.GlobalSecondaryIndexes, func(g types.GlobalSecondaryIndexDescription) bool {
			return aws.ToString(g.IndexName) == aws.ToString(wg.IndexName)
		})
		if i < 0 || !sameKeys(t.GlobalSecondaryIndexes[i].KeySchema, wg.KeySchema) {
			return fmt.Errorf("the table exists without index %s as defined", aws.ToString(wg.IndexName))
		}
	}
	return nil
}

func sameKeys(a, b []types.KeySchemaElement) bool {
	return slices.EqualFunc(a, b, func(x, y types.KeySchemaElement) bool {
		return aws.ToString(x.AttributeName) == aws.ToString(y.AttributeName) && x.KeyType == y.KeyType
	})
}

func enableTTL(ctx context.Context, client *dynamodb.Client, name string) error {
	out, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("describe TTL: %w", err)
	}
	if d := out.TimeToLiveDescription; d != nil {
		switch d.TimeToLiveStatus {
		case types.TimeToLiveStatusEnabled, types.TimeToLiveStatusEnabling:
			if aws.ToString(d.AttributeName) != AttrTTL {
				return fmt.Errorf("TTL is on attribute %q, not %q", aws.ToString(d.AttributeName), AttrTTL)
			}
			return nil
		}
	}
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(AttrTTL),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil {
		// Another create-table may have enabled it since we looked.
		again, derr := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
		if derr == nil && again.TimeToLiveDescription != nil && aws.ToString(again.TimeToLiveDescription.AttributeName) == AttrTTL {
			switch again.TimeToLiveDescription.TimeToLiveStatus {
			case types.TimeToLiveStatusEnabled, types.TimeToLiveStatusEnabling:
				return nil
			}
		}
		return fmt.Errorf("enable TTL on %s: %w", AttrTTL, err)
	}
	return nil
}
