package ddb

import (
	"encoding/json"
	"math"
	"time"
)

// ReturnConsumedCapacity asks for the capacity a request consumed.
type ReturnConsumedCapacity string

// ReturnConsumedCapacity values.
const (
	ReturnConsumedCapacityIndexes ReturnConsumedCapacity = "INDEXES"
	ReturnConsumedCapacityTotal   ReturnConsumedCapacity = "TOTAL"
	ReturnConsumedCapacityNone    ReturnConsumedCapacity = "NONE"
)

// ReturnValue says which attributes a write returns.
type ReturnValue string

// ReturnValue values.
const (
	ReturnValueNone       ReturnValue = "NONE"
	ReturnValueAllOld     ReturnValue = "ALL_OLD"
	ReturnValueUpdatedOld ReturnValue = "UPDATED_OLD"
	ReturnValueAllNew     ReturnValue = "ALL_NEW"
	ReturnValueUpdatedNew ReturnValue = "UPDATED_NEW"
)

// ReturnValuesOnConditionCheckFailure says whether a failed condition
// returns the item as it was.
type ReturnValuesOnConditionCheckFailure string

// ReturnValuesOnConditionCheckFailure values.
const (
	ReturnValuesOnConditionCheckFailureAllOld ReturnValuesOnConditionCheckFailure = "ALL_OLD"
	ReturnValuesOnConditionCheckFailureNone   ReturnValuesOnConditionCheckFailure = "NONE"
)

// Select says what a Query or Scan returns.
type Select string

// Select values.
const (
	SelectAllAttributes          Select = "ALL_ATTRIBUTES"
	SelectAllProjectedAttributes Select = "ALL_PROJECTED_ATTRIBUTES"
	SelectSpecificAttributes     Select = "SPECIFIC_ATTRIBUTES"
	SelectCount                  Select = "COUNT"
)

// BillingMode is how a table is billed.
type BillingMode string

// BillingMode values.
const (
	BillingModeProvisioned   BillingMode = "PROVISIONED"
	BillingModePayPerRequest BillingMode = "PAY_PER_REQUEST"
)

// KeyType is a key attribute's role.
type KeyType string

// KeyType values.
const (
	KeyTypeHash  KeyType = "HASH"
	KeyTypeRange KeyType = "RANGE"
)

// ScalarAttributeType is a key attribute's type.
type ScalarAttributeType string

// ScalarAttributeType values.
const (
	ScalarAttributeTypeS ScalarAttributeType = "S"
	ScalarAttributeTypeN ScalarAttributeType = "N"
	ScalarAttributeTypeB ScalarAttributeType = "B"
)

// ProjectionType is what an index copies from the table.
type ProjectionType string

// ProjectionType values.
const (
	ProjectionTypeAll      ProjectionType = "ALL"
	ProjectionTypeKeysOnly ProjectionType = "KEYS_ONLY"
	ProjectionTypeInclude  ProjectionType = "INCLUDE"
)

// TableStatus is a table's state.
type TableStatus string

// TableStatus values.
const (
	TableStatusCreating TableStatus = "CREATING"
	TableStatusUpdating TableStatus = "UPDATING"
	TableStatusDeleting TableStatus = "DELETING"
	TableStatusActive   TableStatus = "ACTIVE"
)

// IndexStatus is an index's state.
type IndexStatus string

// IndexStatus values.
const (
	IndexStatusCreating IndexStatus = "CREATING"
	IndexStatusUpdating IndexStatus = "UPDATING"
	IndexStatusDeleting IndexStatus = "DELETING"
	IndexStatusActive   IndexStatus = "ACTIVE"
)

// TimeToLiveStatus is the state of a table's TTL.
type TimeToLiveStatus string

// TimeToLiveStatus values.
const (
	TimeToLiveStatusEnabling  TimeToLiveStatus = "ENABLING"
	TimeToLiveStatusDisabling TimeToLiveStatus = "DISABLING"
	TimeToLiveStatusEnabled   TimeToLiveStatus = "ENABLED"
	TimeToLiveStatusDisabled  TimeToLiveStatus = "DISABLED"
)

// Capacity is the capacity consumed on one table or index.
type Capacity struct {
	CapacityUnits      *float64 `json:",omitempty"`
	ReadCapacityUnits  *float64 `json:",omitempty"`
	WriteCapacityUnits *float64 `json:",omitempty"`
}

// ConsumedCapacity is the capacity a request consumed on one table, its
// indexes included.
type ConsumedCapacity struct {
	TableName              *string             `json:",omitempty"`
	CapacityUnits          *float64            `json:",omitempty"`
	ReadCapacityUnits      *float64            `json:",omitempty"`
	WriteCapacityUnits     *float64            `json:",omitempty"`
	Table                  *Capacity           `json:",omitempty"`
	GlobalSecondaryIndexes map[string]Capacity `json:",omitempty"`
}

// KeySchemaElement is one attribute of a key.
type KeySchemaElement struct {
	AttributeName *string `json:",omitempty"`
	KeyType       KeyType `json:",omitempty"`
}

// AttributeDefinition declares a key attribute's type.
type AttributeDefinition struct {
	AttributeName *string             `json:",omitempty"`
	AttributeType ScalarAttributeType `json:",omitempty"`
}

// Projection is what an index copies from the table.
type Projection struct {
	ProjectionType   ProjectionType `json:",omitempty"`
	NonKeyAttributes []string       `json:",omitempty"`
}

// GlobalSecondaryIndex defines a global secondary index in CreateTable.
type GlobalSecondaryIndex struct {
	IndexName  *string            `json:",omitempty"`
	KeySchema  []KeySchemaElement `json:",omitempty"`
	Projection *Projection        `json:",omitempty"`
}

// GlobalSecondaryIndexDescription describes an existing global secondary index.
type GlobalSecondaryIndexDescription struct {
	IndexName   *string
	IndexArn    *string
	IndexStatus IndexStatus
	KeySchema   []KeySchemaElement
	Projection  *Projection
}

// BillingModeSummary is a table's billing mode.
type BillingModeSummary struct {
	BillingMode BillingMode
}

// TableDescription describes a table.
type TableDescription struct {
	TableName              *string
	TableArn               *string
	TableId                *string
	TableStatus            TableStatus
	CreationDateTime       *time.Time
	AttributeDefinitions   []AttributeDefinition
	KeySchema              []KeySchemaElement
	GlobalSecondaryIndexes []GlobalSecondaryIndexDescription
	BillingModeSummary     *BillingModeSummary
	ItemCount              *int64
	TableSizeBytes         *int64
}

// UnmarshalJSON reads CreationDateTime, which DynamoDB sends as epoch seconds.
func (t *TableDescription) UnmarshalJSON(data []byte) error {
	type plain TableDescription
	w := struct {
		*plain
		CreationDateTime *float64
	}{plain: (*plain)(t)}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	t.CreationDateTime = nil
	if w.CreationDateTime != nil {
		sec, frac := math.Modf(*w.CreationDateTime)
		at := time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6)
		t.CreationDateTime = &at
	}
	return nil
}

// TimeToLiveSpecification turns TTL on or off for an attribute.
type TimeToLiveSpecification struct {
	AttributeName *string `json:",omitempty"`
	Enabled       *bool   `json:",omitempty"`
}

// TimeToLiveDescription is a table's TTL state.
type TimeToLiveDescription struct {
	AttributeName    *string
	TimeToLiveStatus TimeToLiveStatus
}

// KeysAndAttributes are the keys BatchGetItem reads from one table.
type KeysAndAttributes struct {
	Keys                     []map[string]AttributeValue `json:",omitempty"`
	ConsistentRead           *bool                       `json:",omitempty"`
	ProjectionExpression     *string                     `json:",omitempty"`
	ExpressionAttributeNames map[string]string           `json:",omitempty"`
}

// UnmarshalJSON decodes the keys of UnprocessedKeys.
func (k *KeysAndAttributes) UnmarshalJSON(data []byte) error {
	type plain KeysAndAttributes
	w := struct {
		*plain
		Keys []attrMap
	}{plain: (*plain)(k)}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	k.Keys = items(w.Keys)
	return nil
}

// TransactWriteItem is one write of TransactWriteItems: exactly one field is set.
type TransactWriteItem struct {
	ConditionCheck *ConditionCheck `json:",omitempty"`
	Delete         *Delete         `json:",omitempty"`
	Put            *Put            `json:",omitempty"`
	Update         *Update         `json:",omitempty"`
}

// ConditionCheck checks a condition on an item in a transaction.
type ConditionCheck struct {
	TableName                           *string                             `json:",omitempty"`
	Key                                 map[string]AttributeValue           `json:",omitempty"`
	ConditionExpression                 *string                             `json:",omitempty"`
	ExpressionAttributeNames            map[string]string                   `json:",omitempty"`
	ExpressionAttributeValues           map[string]AttributeValue           `json:",omitempty"`
	ReturnValuesOnConditionCheckFailure ReturnValuesOnConditionCheckFailure `json:",omitempty"`
}

// Delete deletes an item in a transaction.
type Delete struct {
	TableName                           *string                             `json:",omitempty"`
	Key                                 map[string]AttributeValue           `json:",omitempty"`
	ConditionExpression                 *string                             `json:",omitempty"`
	ExpressionAttributeNames            map[string]string                   `json:",omitempty"`
	ExpressionAttributeValues           map[string]AttributeValue           `json:",omitempty"`
	ReturnValuesOnConditionCheckFailure ReturnValuesOnConditionCheckFailure `json:",omitempty"`
}

// Put writes an item in a transaction.
type Put struct {
	TableName                           *string                             `json:",omitempty"`
	Item                                map[string]AttributeValue           `json:",omitempty"`
	ConditionExpression                 *string                             `json:",omitempty"`
	ExpressionAttributeNames            map[string]string                   `json:",omitempty"`
	ExpressionAttributeValues           map[string]AttributeValue           `json:",omitempty"`
	ReturnValuesOnConditionCheckFailure ReturnValuesOnConditionCheckFailure `json:",omitempty"`
}

// Update updates an item in a transaction.
type Update struct {
	TableName                           *string                             `json:",omitempty"`
	Key                                 map[string]AttributeValue           `json:",omitempty"`
	UpdateExpression                    *string                             `json:",omitempty"`
	ConditionExpression                 *string                             `json:",omitempty"`
	ExpressionAttributeNames            map[string]string                   `json:",omitempty"`
	ExpressionAttributeValues           map[string]AttributeValue           `json:",omitempty"`
	ReturnValuesOnConditionCheckFailure ReturnValuesOnConditionCheckFailure `json:",omitempty"`
}

// CancellationReason says why one item of a cancelled transaction failed,
// by position in the request: Code "None" when it did not.
type CancellationReason struct {
	Code    *string
	Message *string
	// Item is the item as it was, when the write asked for it (ALL_OLD).
	Item map[string]AttributeValue
}

// UnmarshalJSON decodes the reason's item.
func (r *CancellationReason) UnmarshalJSON(data []byte) error {
	type plain CancellationReason
	w := struct {
		*plain
		Item attrMap
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	r.Item = w.Item
	return nil
}
