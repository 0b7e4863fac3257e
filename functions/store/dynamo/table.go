package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/okaeri/okaeri/functions/store/dynamo/ddb"
	"github.com/okaeri/okaeri/functions/waitctx"
)

// Attribute and index names of the table; infra/template.yaml repeats them.
const (
	AttrPK       = "PK"
	AttrSK       = "SK"
	AttrGSI1PK   = "GSI1PK"
	AttrGSI1SK   = "GSI1SK"
	IndexGSI1    = "GSI1"
	AttrTTL      = "expires_at" // epoch seconds, for DynamoDB's TTL
	attrExpireNS = "expires_ns" // Unix nanoseconds, for the precise check on read
)

// TableDefinition is the one definition of the table, used by CreateTable
// and copied by infra/template.yaml (a test compares the two). TTL is not part
// of CreateTableInput: CreateTable enables it on AttrTTL.
func TableDefinition(name string) *ddb.CreateTableInput {
	str := func(n string) ddb.AttributeDefinition {
		return ddb.AttributeDefinition{AttributeName: aws.String(n), AttributeType: ddb.ScalarAttributeTypeS}
	}
	key := func(pk, sk string) []ddb.KeySchemaElement {
		return []ddb.KeySchemaElement{
			{AttributeName: aws.String(pk), KeyType: ddb.KeyTypeHash},
			{AttributeName: aws.String(sk), KeyType: ddb.KeyTypeRange},
		}
	}
	return &ddb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          ddb.BillingModePayPerRequest,
		AttributeDefinitions: []ddb.AttributeDefinition{str(AttrPK), str(AttrSK), str(AttrGSI1PK), str(AttrGSI1SK)},
		KeySchema:            key(AttrPK, AttrSK),
		GlobalSecondaryIndexes: []ddb.GlobalSecondaryIndex{{
			// Overloaded: STATUS#<status> for members, AUDIT for the audit log by time.
			IndexName:  aws.String(IndexGSI1),
			KeySchema:  key(AttrGSI1PK, AttrGSI1SK),
			Projection: &ddb.Projection{ProjectionType: ddb.ProjectionTypeAll},
		}},
	}
}

// CreateTable creates the table if it does not exist, waits until it and its
// index are ACTIVE, checks that an existing table has the expected keys and
// index, and enables TTL on expires_at. Running it again is harmless. It
// returns the table's description.
func CreateTable(ctx context.Context, client *ddb.Client, name string) (*ddb.TableDescription, error) {
	_, err := client.CreateTable(ctx, TableDefinition(name))
	var inUse *ddb.ResourceInUseException
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
func waitActive(ctx context.Context, client *ddb.Client, name string) (*ddb.TableDescription, error) {
	delay := 100 * time.Millisecond
	for {
		out, err := client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(name)})
		var notFound *ddb.ResourceNotFoundException
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

func active(t *ddb.TableDescription) bool {
	if t.TableStatus != ddb.TableStatusActive {
		return false
	}
	for _, g := range t.GlobalSecondaryIndexes {
		if g.IndexStatus != ddb.IndexStatusActive {
			return false
		}
	}
	return true
}

// checkDefinition refuses a table that exists under the name but was not made
// from TableDefinition: the store would fail on its first query otherwise.
func checkDefinition(t *ddb.TableDescription) error {
	want := TableDefinition(aws.ToString(t.TableName))
	if !sameKeys(t.KeySchema, want.KeySchema) {
		return errors.New("the table exists with another key schema")
	}
	for _, wg := range want.GlobalSecondaryIndexes {
		i := slices.IndexFunc(t.GlobalSecondaryIndexes, func(g ddb.GlobalSecondaryIndexDescription) bool {
			return aws.ToString(g.IndexName) == aws.ToString(wg.IndexName)
		})
		if i < 0 || !sameKeys(t.GlobalSecondaryIndexes[i].KeySchema, wg.KeySchema) {
			return fmt.Errorf("the table exists without index %s as defined", aws.ToString(wg.IndexName))
		}
	}
	return nil
}

func sameKeys(a, b []ddb.KeySchemaElement) bool {
	return slices.EqualFunc(a, b, func(x, y ddb.KeySchemaElement) bool {
		return aws.ToString(x.AttributeName) == aws.ToString(y.AttributeName) && x.KeyType == y.KeyType
	})
}

func enableTTL(ctx context.Context, client *ddb.Client, name string) error {
	out, err := client.DescribeTimeToLive(ctx, &ddb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("describe TTL: %w", err)
	}
	if d := out.TimeToLiveDescription; d != nil {
		switch d.TimeToLiveStatus {
		case ddb.TimeToLiveStatusEnabled, ddb.TimeToLiveStatusEnabling:
			if aws.ToString(d.AttributeName) != AttrTTL {
				return fmt.Errorf("TTL is on attribute %q, not %q", aws.ToString(d.AttributeName), AttrTTL)
			}
			return nil
		}
	}
	_, err = client.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &ddb.TimeToLiveSpecification{
			AttributeName: aws.String(AttrTTL),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil {
		// Another create-table may have enabled it since we looked.
		again, derr := client.DescribeTimeToLive(ctx, &ddb.DescribeTimeToLiveInput{TableName: aws.String(name)})
		if derr == nil && again.TimeToLiveDescription != nil && aws.ToString(again.TimeToLiveDescription.AttributeName) == AttrTTL {
			switch again.TimeToLiveDescription.TimeToLiveStatus {
			case ddb.TimeToLiveStatusEnabled, ddb.TimeToLiveStatusEnabling:
				return nil
			}
		}
		return fmt.Errorf("enable TTL on %s: %w", AttrTTL, err)
	}
	return nil
}
