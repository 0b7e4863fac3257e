// Package item is the store's small transactional item layer: the one
// interface both engines implement (store/item/boltdb on one bbolt file,
// store/item/dynamodb on the AWS SDK's DynamoDB client), and the only engine
// code there is. Every domain operation (store/table) is written once on it.
//
// The model is DynamoDB's, reduced to what the portal uses:
//
//   - An Item is a map of attribute names to values. Its key is the string
//     attributes PK and SK; GSI1PK and GSI1SK, when both are present, place
//     it in the one secondary index, GSI1.
//   - Values are string, int64, []byte, bool, []string (a list of strings),
//     []any (a list) and map[string]any (a map), nested as deep as needed.
//     On DynamoDB they are S, N, B, BOOL, L of S, L and M.
//   - Get and BatchGet read consistently. Query reads one partition of the
//     table consistently, or of GSI1 eventually: an index read may not yet
//     show a write that has returned (the bolt adapter's Lag mode makes it so
//     in tests), so domain code never relies on it.
//   - Transact applies up to MaxOps operations, each on its own item, all or
//     none, each guarded by an optional condition; a failed condition names
//     the operation and the item as it was (*ConditionFailed).
//   - An item is at most MaxItemSize bytes, counted as DynamoDB counts them.
//   - TTL: an item whose expires_at (epoch seconds) has passed may be removed
//     at any time (DeleteExpired on bolt, DynamoDB's TTL on AWS); domain code
//     checks its own precise expiry when it reads.
package item

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Attribute and index names. The DynamoDB table definition repeats them.
const (
	PK     = "PK"
	SK     = "SK"
	GSI1PK = "GSI1PK"
	GSI1SK = "GSI1SK"
	GSI1   = "GSI1"
	TTL    = "expires_at" // epoch seconds
)

// Limits, DynamoDB's.
const (
	MaxOps      = 100
	MaxItemSize = 400 * 1024
)

// maxTokenLen is DynamoDB's limit on a ClientRequestToken.
const maxTokenLen = 36

// Item is one item's attributes, its key included.
type Item map[string]any

// Key names one item.
type Key struct{ PK, SK string }

// Key returns it's key (empty strings when the attributes are missing).
func (it Item) Key() Key {
	pk, _ := it[PK].(string)
	sk, _ := it[SK].(string)
	return Key{pk, sk}
}

func (k Key) String() string { return k.PK + " / " + k.SK }

// DB is the item layer. Implementations are safe for concurrent use.
type DB interface {
	// Get reads one item consistently; a missing item is (nil, nil).
	Get(ctx context.Context, k Key) (Item, error)
	// BatchGet reads items consistently, in the order of keys, nil where
	// missing. Any number of keys; duplicates are read once.
	BatchGet(ctx context.Context, keys []Key) ([]Item, error)
	// Query reads one partition of the table (consistent) or of GSI1
	// (eventually consistent) in sort-key order.
	Query(ctx context.Context, q Query) (Page, error)
	// Transact applies every operation or none.
	Transact(ctx context.Context, tx Tx) error
	// Write applies one Put, Update or Delete (as a transaction of one) and
	// returns the item as it is after it (nil after a Delete), so a counter
	// learns its new value in the same request.
	Write(ctx context.Context, op Op) (Item, error)
	// Scan reads one segment of the whole table, for export only: never on
	// a request path.
	Scan(ctx context.Context, s ScanInput) (Page, error)
	// DeleteExpired removes items whose TTL is at or before now and reports
	// how many of them count (nil: all) says to count (DynamoDB leaves it
	// to its TTL and reports 0).
	DeleteExpired(ctx context.Context, now time.Time, count func(Item) bool) (int, error)
	// Close releases the engine.
	Close() error
}

// Query selects items of one partition.
type Query struct {
	// Index is "" for the table or GSI1.
	Index string
	// PK is the partition (PK, or GSI1PK on the index).
	PK string
	// Prefix keeps sort keys that begin with it. From and To (inclusive,
	// either may be empty for open) bound the sort key; with Prefix both
	// must be empty.
	Prefix   string
	From, To string
	// Limit is the most items in the page (0: no limit).
	Limit int
	// Cursor continues after the page that returned it.
	Cursor string
	// Reverse reads in descending sort-key order.
	Reverse bool
	// CountOnly returns the number of matching items (the whole partition,
	// never limited) and no items.
	CountOnly bool
}

// Page is one page of a Query or Scan.
type Page struct {
	Items []Item
	// Cursor is "" on the last page.
	Cursor string
	// Count is len(Items), or the count of a CountOnly query.
	Count int
}

// ScanInput selects one segment of a Scan.
type ScanInput struct {
	Segment, Segments int
	Limit             int
	Cursor            string
}

// Tx is one transaction.
type Tx struct {
	Ops []Op
	// Token, when set, makes the transaction idempotent: applying the same
	// operations again with the same token within ten minutes changes
	// nothing and succeeds; other operations with it fail with ErrTokenReused.
	// At most 36 bytes, as on DynamoDB.
	Token string
}

// OpKind is what an operation does.
type OpKind int

// Operation kinds.
const (
	OpPut OpKind = iota + 1
	OpUpdate
	OpDelete
	OpCheck
)

func (k OpKind) String() string {
	switch k {
	case OpPut:
		return "put"
	case OpUpdate:
		return "update"
	case OpDelete:
		return "delete"
	case OpCheck:
		return "check"
	}
	return "unknown"
}

// Op is one operation of a transaction.
type Op struct {
	Kind OpKind
	Key  Key
	// Item is the whole new item of a Put; its PK and SK must match Key.
	Item Item
	// Update: Set replaces attributes, Add adds to numbers (an absent one
	// counts as 0), Remove deletes attributes. Updating a missing item
	// creates it unless If says otherwise.
	Set    map[string]any
	Add    map[string]int64
	Remove []string
	// If guards the operation (nil: always).
	If Cond
}

// Put writes it whole.
func Put(it Item, cond Cond) Op { return Op{Kind: OpPut, Key: it.Key(), Item: it, If: cond} }

// Delete removes k.
func Delete(k Key, cond Cond) Op { return Op{Kind: OpDelete, Key: k, If: cond} }

// Check fails the transaction unless cond holds for k.
func Check(k Key, cond Cond) Op { return Op{Kind: OpCheck, Key: k, If: cond} }

// Update changes attributes of k.
func Update(k Key, set map[string]any, add map[string]int64, remove []string, cond Cond) Op {
	return Op{Kind: OpUpdate, Key: k, Set: set, Add: add, Remove: remove, If: cond}
}

// Errors.
var (
	// ErrInvalid: the request breaks a rule of the layer (a limit, a bad
	// value, two operations on one item); nothing was written.
	ErrInvalid = errors.New("item: invalid request")
	// ErrTooLarge: an item would be over MaxItemSize. It wraps ErrInvalid.
	ErrTooLarge = fmt.Errorf("%w: item over %d bytes", ErrInvalid, MaxItemSize)
	// ErrTokenReused: a transaction token came back with other operations.
	ErrTokenReused = errors.New("item: transaction token reused with other operations")
	// ErrCondition is wrapped by *ConditionFailed.
	ErrCondition = errors.New("item: condition failed")
)

// ConditionFailed reports the operation whose condition failed, by index in
// Tx.Ops, and that item as it was (nil when it did not exist).
type ConditionFailed struct {
	Index   int
	Current Item
}

func (e *ConditionFailed) Error() string {
	return fmt.Sprintf("item: condition of operation %d failed", e.Index)
}

// Unwrap makes errors.Is(err, ErrCondition) true.
func (e *ConditionFailed) Unwrap() error { return ErrCondition }

// FailedAt returns the index of the failed operation and the item as it was
// when err is a *ConditionFailed.
func FailedAt(err error) (int, Item, bool) {
	var cf *ConditionFailed
	if errors.As(err, &cf) {
		return cf.Index, cf.Current, true
	}
	return -1, nil, false
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// CheckTx validates tx before an adapter applies it: the number of
// operations, one operation per item, keys, values and conditions, and the
// size of every Put. Adapters check updated items' sizes themselves.
func CheckTx(tx Tx) error {
	if len(tx.Ops) == 0 {
		return invalid("no operations")
	}
	if len(tx.Ops) > MaxOps {
		return invalid("%d operations, at most %d", len(tx.Ops), MaxOps)
	}
	if len(tx.Token) > maxTokenLen {
		return invalid("a token of %d bytes, at most %d", len(tx.Token), maxTokenLen)
	}
	seen := make(map[Key]bool, len(tx.Ops))
	for i, op := range tx.Ops {
		if err := checkKey(op.Key); err != nil {
			return fmt.Errorf("operation %d: %w", i, err)
		}
		if seen[op.Key] {
			return invalid("two operations on one item (operation %d)", i)
		}
		seen[op.Key] = true
		switch op.Kind {
		case OpPut:
			if op.Item.Key() != op.Key {
				return invalid("operation %d: the item's key is not the operation's", i)
			}
			if err := CheckItem(op.Item); err != nil {
				return fmt.Errorf("operation %d: %w", i, err)
			}
		case OpUpdate:
			if len(op.Set)+len(op.Add)+len(op.Remove) == 0 {
				return invalid("operation %d: an update that changes nothing", i)
			}
			names := map[string]bool{}
			for n, v := range op.Set {
				if err := checkName(n, true); err != nil {
					return fmt.Errorf("operation %d: %w", i, err)
				}
				if err := checkValue(v); err != nil {
					return fmt.Errorf("operation %d: %s: %w", i, n, err)
				}
				if n == GSI1PK || n == GSI1SK {
					if err := checkIndexKey(n, v); err != nil {
						return fmt.Errorf("operation %d: %w", i, err)
					}
				}
				names[n] = true
			}
			for n := range op.Add {
				if n == GSI1PK || n == GSI1SK {
					return invalid("operation %d: add to %s, a string", i, n)
				}
				if err := checkName(n, true); err != nil || names[n] {
					return invalid("operation %d: attribute %q set twice or not settable", i, n)
				}
				names[n] = true
			}
			for _, n := range op.Remove {
				if err := checkName(n, true); err != nil || names[n] {
					return invalid("operation %d: attribute %q set twice or not removable", i, n)
				}
				names[n] = true
			}
		case OpDelete:
		case OpCheck:
			if op.If == nil {
				return invalid("operation %d: a check without a condition", i)
			}
		default:
			return invalid("operation %d: unknown kind", i)
		}
		if op.If != nil {
			if err := checkCond(op.If); err != nil {
				return fmt.Errorf("operation %d: %w", i, err)
			}
		}
	}
	return nil
}

// CheckItem validates a whole item: a string key, known value types, and
// its size.
func CheckItem(it Item) error {
	if err := checkKey(it.Key()); err != nil {
		return err
	}
	for n, v := range it {
		if err := checkName(n, false); err != nil {
			return err
		}
		if err := checkValue(v); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
	}
	for _, n := range []string{GSI1PK, GSI1SK} {
		if v, ok := it[n]; ok {
			if err := checkIndexKey(n, v); err != nil {
				return err
			}
		}
	}
	if Size(it) > MaxItemSize {
		return ErrTooLarge
	}
	return nil
}

// checkIndexKey refuses an index key attribute that is not a non-empty
// string without NUL (DynamoDB refuses any other type for a GSI key).
func checkIndexKey(n string, v any) error {
	if s, ok := v.(string); !ok || s == "" || strings.ContainsRune(s, 0) {
		return invalid("%s must be a non-empty string without NUL", n)
	}
	return nil
}

// checkKey refuses empty keys and keys with a NUL byte, which the bolt
// adapter uses to join a key's parts.
func checkKey(k Key) error {
	if k.PK == "" || k.SK == "" {
		return invalid("an empty or missing PK or SK")
	}
	if strings.ContainsRune(k.PK, 0) || strings.ContainsRune(k.SK, 0) {
		return invalid("a key with a NUL byte")
	}
	return nil
}

func checkName(n string, update bool) error {
	if n == "" {
		return invalid("empty attribute name")
	}
	if update && (n == PK || n == SK) {
		return invalid("the key cannot be updated")
	}
	return nil
}

func checkValue(v any) error {
	switch v := v.(type) {
	case string, int64, bool:
		return nil
	case []byte:
		return nil
	case []string:
		return nil
	case []any:
		for _, e := range v {
			if err := checkValue(e); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		for _, e := range v {
			if err := checkValue(e); err != nil {
				return err
			}
		}
		return nil
	}
	return invalid("value of type %T", v)
}

// Size is the item's size as DynamoDB counts it: each attribute's name and
// value in UTF-8 bytes, numbers as about one byte per two digits plus one,
// and three bytes of overhead per list, map and element.
func Size(it Item) int {
	n := 0
	for name, v := range it {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v any) int {
	switch v := v.(type) {
	case string:
		return len(v)
	case int64:
		digits := len(fmt.Sprint(v))
		return (digits+1)/2 + 1
	case bool:
		return 1
	case []byte:
		return len(v)
	case []string:
		n := 3
		for _, s := range v {
			n += len(s) + 1
		}
		return n
	case []any:
		n := 3
		for _, e := range v {
			n += valueSize(e) + 1
		}
		return n
	case map[string]any:
		n := 3
		for k, e := range v {
			n += len(k) + valueSize(e) + 1
		}
		return n
	}
	return 0
}

// Apply returns the item an update makes of old (nil: missing). Adding to
// an attribute that is not a number is invalid, and so is a result over
// MaxItemSize.
func Apply(old Item, op Op) (Item, error) {
	out := make(Item, len(old)+len(op.Set)+len(op.Add))
	for n, v := range old {
		out[n] = v
	}
	out[PK], out[SK] = op.Key.PK, op.Key.SK
	for n, v := range op.Set {
		out[n] = v
	}
	for n, d := range op.Add {
		cur, ok := out[n].(int64)
		if _, present := out[n]; present && !ok {
			return nil, invalid("add to %q, which is not a number", n)
		}
		out[n] = cur + d
	}
	for _, n := range op.Remove {
		delete(out, n)
	}
	if err := CheckItem(out); err != nil {
		return nil, err
	}
	return out, nil
}
