package ddb

import (
	"context"
	"encoding/json"
)

// GetItemInput reads one item by its key.
type GetItemInput struct {
	TableName                *string                   `json:",omitempty"`
	Key                      map[string]AttributeValue `json:",omitempty"`
	ConsistentRead           *bool                     `json:",omitempty"`
	ProjectionExpression     *string                   `json:",omitempty"`
	ExpressionAttributeNames map[string]string         `json:",omitempty"`
	ReturnConsumedCapacity   ReturnConsumedCapacity    `json:",omitempty"`
}

// GetItemOutput holds the item, nil when there is none.
type GetItemOutput struct {
	Item             map[string]AttributeValue
	ConsumedCapacity *ConsumedCapacity
}

// UnmarshalJSON decodes the item.
func (o *GetItemOutput) UnmarshalJSON(data []byte) error {
	type plain GetItemOutput
	w := struct {
		*plain
		Item attrMap
	}{plain: (*plain)(o)}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	o.Item = w.Item
	return nil
}

// GetItem reads one item.
func (c *Client) GetItem(ctx context.Context, in *GetItemInput) (*GetItemOutput, error) {
	if in == nil {
		in = &GetItemInput{}
	}
	return invoke[GetItemOutput](ctx, c, "GetItem", in)
}

// PutItemInput writes a whole item, on a condition.
type PutItemInput struct {
	TableName                           *string                             `json:",omitempty"`
	Item                                map[string]AttributeValue           `json:",omitempty"`
	ConditionExpression                 *string                             `json:",omitempty"`
	ExpressionAttributeNames            map[string]string                   `json:",omitempty"`
	ExpressionAttributeValues           map[string]AttributeValue           `json:",omitempty"`
	ReturnValues                        ReturnValue                         `json:",omitempty"`
	ReturnValuesOnConditionCheckFailure ReturnValuesOnConditionCheckFailure `json:",omitempty"`
	ReturnConsumedCapacity              ReturnConsumedCapacity              `json:",omitempty"`
}

// PutItemOutput holds the attributes asked for by ReturnValues.
type PutItemOutput struct {
	Attributes       map[string]AttributeValue
	ConsumedCapacity *ConsumedCapacity
}

// UnmarshalJSON decodes the attributes.
func (o *PutItemOutput) UnmarshalJSON(data []byte) error {
	type plain PutItemOutput
	w := struct {
		*plain
		Attributes attrMap
	}{plain: (*plain)(o)}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	o.Attributes = w.Attributes
	return nil
}

// PutItem writes one item.
func (c *Client) PutItem(ctx context.Context, in *PutItemInput) (*PutItemOutput, error) {
	if in == nil {
		in = &PutItemInput{}
	}
	return invoke[PutItemOutput](ctx, c, "PutItem", in)
}

// UpdateItemInput changes attributes of one item, on a condition.
type UpdateItemInput struct {
	TableName                           *string                             `json:",omitempty"`
	Key                                 map[string]AttributeValue           `json:",omitempty"`
	UpdateExpression                    *string                             `json:",omitempty"`
	ConditionExpression                 *string                             `json:",omitempty"`
	ExpressionAttributeNames            map[string]string                   `json:",omitempty"`
	ExpressionAttributeValues           map[string]AttributeValue           `json:",omitempty"`
	ReturnValues                        ReturnValue                         `json:",omitempty"`
	ReturnValuesOnConditionCheckFailure ReturnValuesOnConditionCheckFailure `json:",omitempty"`
	ReturnConsumedCapacity              ReturnConsumedCapacity              `json:",omitempty"`
}

// UpdateItemOutput holds the attributes asked for by ReturnValues.
type UpdateItemOutput struct {
	Attributes       map[string]AttributeValue
	ConsumedCapacity *ConsumedCapacity
}

// UnmarshalJSON decodes the attributes.
func (o *UpdateItemOutput) UnmarshalJSON(data []byte) error {
	type plain UpdateItemOutput
	w := struct {
		*plain
		Attributes attrMap
	}{plain: (*plain)(o)}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	o.Attributes = w.Attributes
	return nil
}

// UpdateItem changes one item.
func (c *Client) UpdateItem(ctx context.Context, in *UpdateItemInput) (*UpdateItemOutput, error) {
	if in == nil {
		in = &UpdateItemInput{}
	}
	return invoke[UpdateItemOutput](ctx, c, "UpdateItem", in)
}

// DeleteItemInput deletes one item, on a condition.
type DeleteItemInput struct {
	TableName                           *string                             `json:",omitempty"`
	Key                                 map[string]AttributeValue           `json:",omitempty"`
	ConditionExpression                 *string                             `json:",omitempty"`
	ExpressionAttributeNames            map[string]string                   `json:",omitempty"`
	ExpressionAttributeValues           map[string]AttributeValue           `json:",omitempty"`
	ReturnValues                        ReturnValue                         `json:",omitempty"`
	ReturnValuesOnConditionCheckFailure ReturnValuesOnConditionCheckFailure `json:",omitempty"`
	ReturnConsumedCapacity              ReturnConsumedCapacity              `json:",omitempty"`
}

// DeleteItemOutput holds the attributes asked for by ReturnValues.
type DeleteItemOutput struct {
	Attributes       map[string]AttributeValue
	ConsumedCapacity *ConsumedCapacity
}

// UnmarshalJSON decodes the attributes.
func (o *DeleteItemOutput) UnmarshalJSON(data []byte) error {
	type plain DeleteItemOutput
	w := struct {
		*plain
		Attributes attrMap
	}{plain: (*plain)(o)}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	o.Attributes = w.Attributes
	return nil
}

// DeleteItem deletes one item.
func (c *Client) DeleteItem(ctx context.Context, in *DeleteItemInput) (*DeleteItemOutput, error) {
	if in == nil {
		in = &DeleteItemInput{}
	}
	return invoke[DeleteItemOutput](ctx, c, "DeleteItem", in)
}

// QueryInput reads items of one partition of the table or an index.
type QueryInput struct {
	TableName                 *string                   `json:",omitempty"`
	IndexName                 *string                   `json:",omitempty"`
	KeyConditionExpression    *string                   `json:",omitempty"`
	FilterExpression          *string                   `json:",omitempty"`
	ProjectionExpression      *string                   `json:",omitempty"`
	ExpressionAttributeNames  map[string]string         `json:",omitempty"`
	ExpressionAttributeValues map[string]AttributeValue `json:",omitempty"`
	ConsistentRead            *bool                     `json:",omitempty"`
	ScanIndexForward          *bool                     `json:",omitempty"`
	Limit                     *int32                    `json:",omitempty"`
	ExclusiveStartKey         map[string]AttributeValue `json:",omitempty"`
	Select                    Select                    `json:",omitempty"`
	ReturnConsumedCapacity    ReturnConsumedCapacity    `json:",omitempty"`
}

// QueryOutput is one page of a Query.
type QueryOutput struct {
	Items            []map[string]AttributeValue
	Count            int32
	ScannedCount     int32
	LastEvaluatedKey map[string]AttributeValue
	ConsumedCapacity *ConsumedCapacity
}

// UnmarshalJSON decodes the items and the last key.
func (o *QueryOutput) UnmarshalJSON(data []byte) error {
	type plain QueryOutput
	w := struct {
		*plain
		Items            []attrMap
		LastEvaluatedKey attrMap
	}{plain: (*plain)(o)}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	o.Items, o.LastEvaluatedKey = items(w.Items), w.LastEvaluatedKey
	return nil
}

// Query reads one page of a partition.
func (c *Client) Query(ctx context.Context, in *QueryInput) (*QueryOutput, error) {
	if in == nil {
		in = &QueryInput{}
	}
	return invoke[QueryOutput](ctx, c, "Query", in)
}

// ScanInput reads every item of the table or of one segment of it.
type ScanInput struct {
	TableName                 *string                   `json:",omitempty"`
	IndexName                 *string                   `json:",omitempty"`
	FilterExpression          *string                   `json:",omitempty"`
	ProjectionExpression      *string                   `json:",omitempty"`
	ExpressionAttributeNames  map[string]string         `json:",omitempty"`
	ExpressionAttributeValues map[string]AttributeValue `json:",omitempty"`
	ConsistentRead            *bool                     `json:",omitempty"`
	Limit                     *int32                    `json:",omitempty"`
	ExclusiveStartKey         map[string]AttributeValue `json:",omitempty"`
	Segment                   *int32                    `json:",omitempty"`
	TotalSegments             *int32                    `json:",omitempty"`
	Select                    Select                    `json:",omitempty"`
	ReturnConsumedCapacity    ReturnConsumedCapacity    `json:",omitempty"`
}

// ScanOutput is one page of a Scan.
type ScanOutput struct {
	Items            []map[string]AttributeValue
	Count            int32
	ScannedCount     int32
	LastEvaluatedKey map[string]AttributeValue
	ConsumedCapacity *ConsumedCapacity
}

// UnmarshalJSON decodes the items and the last key.
func (o *ScanOutput) UnmarshalJSON(data []byte) error {
	type plain ScanOutput
	w := struct {
		*plain
		Items            []attrMap
		LastEvaluatedKey attrMap
	}{plain: (*plain)(o)}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	o.Items, o.LastEvaluatedKey = items(w.Items), w.LastEvaluatedKey
	return nil
}

// Scan reads one page of the table.
func (c *Client) Scan(ctx context.Context, in *ScanInput) (*ScanOutput, error) {
	if in == nil {
		in = &ScanInput{}
	}
	return invoke[ScanOutput](ctx, c, "Scan", in)
}

// TransactWriteItemsInput writes up to 100 items all or none.
type TransactWriteItemsInput struct {
	TransactItems []TransactWriteItem `json:",omitempty"`
	// ClientRequestToken makes retries of the same transaction within 10
	// minutes apply it at most once.
	ClientRequestToken     *string                `json:",omitempty"`
	ReturnConsumedCapacity ReturnConsumedCapacity `json:",omitempty"`
}

// TransactWriteItemsOutput holds the capacity consumed, per table.
type TransactWriteItemsOutput struct {
	ConsumedCapacity []ConsumedCapacity
}

// TransactWriteItems writes items all or none.
func (c *Client) TransactWriteItems(ctx context.Context, in *TransactWriteItemsInput) (*TransactWriteItemsOutput, error) {
	if in == nil {
		in = &TransactWriteItemsInput{}
	}
	return invoke[TransactWriteItemsOutput](ctx, c, "TransactWriteItems", in)
}

// BatchGetItemInput reads up to 100 items by key, by table name.
type BatchGetItemInput struct {
	RequestItems           map[string]KeysAndAttributes `json:",omitempty"`
	ReturnConsumedCapacity ReturnConsumedCapacity       `json:",omitempty"`
}

// BatchGetItemOutput holds the items found, by table name, and the keys
// left for another call.
type BatchGetItemOutput struct {
	Responses        map[string][]map[string]AttributeValue
	UnprocessedKeys  map[string]KeysAndAttributes
	ConsumedCapacity []ConsumedCapacity
}

// UnmarshalJSON decodes the items.
func (o *BatchGetItemOutput) UnmarshalJSON(data []byte) error {
	type plain BatchGetItemOutput
	w := struct {
		*plain
		Responses map[string][]attrMap
	}{plain: (*plain)(o)}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	o.Responses = nil
	if w.Responses != nil {
		o.Responses = make(map[string][]map[string]AttributeValue, len(w.Responses))
		for table, its := range w.Responses {
			o.Responses[table] = items(its)
		}
	}
	return nil
}

// BatchGetItem reads items by key.
func (c *Client) BatchGetItem(ctx context.Context, in *BatchGetItemInput) (*BatchGetItemOutput, error) {
	if in == nil {
		in = &BatchGetItemInput{}
	}
	return invoke[BatchGetItemOutput](ctx, c, "BatchGetItem", in)
}

// CreateTableInput defines a new table.
type CreateTableInput struct {
	TableName              *string                `json:",omitempty"`
	AttributeDefinitions   []AttributeDefinition  `json:",omitempty"`
	KeySchema              []KeySchemaElement     `json:",omitempty"`
	GlobalSecondaryIndexes []GlobalSecondaryIndex `json:",omitempty"`
	BillingMode            BillingMode            `json:",omitempty"`
}

// CreateTableOutput describes the table being created.
type CreateTableOutput struct {
	TableDescription *TableDescription
}

// CreateTable starts creating a table.
func (c *Client) CreateTable(ctx context.Context, in *CreateTableInput) (*CreateTableOutput, error) {
	if in == nil {
		in = &CreateTableInput{}
	}
	return invoke[CreateTableOutput](ctx, c, "CreateTable", in)
}

// DescribeTableInput names a table.
type DescribeTableInput struct {
	TableName *string `json:",omitempty"`
}

// DescribeTableOutput describes the table.
type DescribeTableOutput struct {
	Table *TableDescription
}

// DescribeTable describes a table.
func (c *Client) DescribeTable(ctx context.Context, in *DescribeTableInput) (*DescribeTableOutput, error) {
	if in == nil {
		in = &DescribeTableInput{}
	}
	return invoke[DescribeTableOutput](ctx, c, "DescribeTable", in)
}

// DeleteTableInput names a table.
type DeleteTableInput struct {
	TableName *string `json:",omitempty"`
}

// DeleteTableOutput describes the table being deleted.
type DeleteTableOutput struct {
	TableDescription *TableDescription
}

// DeleteTable starts deleting a table and all its items.
func (c *Client) DeleteTable(ctx context.Context, in *DeleteTableInput) (*DeleteTableOutput, error) {
	if in == nil {
		in = &DeleteTableInput{}
	}
	return invoke[DeleteTableOutput](ctx, c, "DeleteTable", in)
}

// UpdateTimeToLiveInput turns TTL on or off.
type UpdateTimeToLiveInput struct {
	TableName               *string                  `json:",omitempty"`
	TimeToLiveSpecification *TimeToLiveSpecification `json:",omitempty"`
}

// UpdateTimeToLiveOutput repeats the specification.
type UpdateTimeToLiveOutput struct {
	TimeToLiveSpecification *TimeToLiveSpecification
}

// UpdateTimeToLive turns a table's TTL on or off.
func (c *Client) UpdateTimeToLive(ctx context.Context, in *UpdateTimeToLiveInput) (*UpdateTimeToLiveOutput, error) {
	if in == nil {
		in = &UpdateTimeToLiveInput{}
	}
	return invoke[UpdateTimeToLiveOutput](ctx, c, "UpdateTimeToLive", in)
}

// DescribeTimeToLiveInput names a table.
type DescribeTimeToLiveInput struct {
	TableName *string `json:",omitempty"`
}

// DescribeTimeToLiveOutput is the table's TTL state.
type DescribeTimeToLiveOutput struct {
	TimeToLiveDescription *TimeToLiveDescription
}

// DescribeTimeToLive describes a table's TTL.
func (c *Client) DescribeTimeToLive(ctx context.Context, in *DescribeTimeToLiveInput) (*DescribeTimeToLiveOutput, error) {
	if in == nil {
		in = &DescribeTimeToLiveInput{}
	}
	return invoke[DescribeTimeToLiveOutput](ctx, c, "DescribeTimeToLive", in)
}
