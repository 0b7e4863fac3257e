package item

import (
	"encoding/base64"
	"encoding/json"
)

// cursorKey is where a page ended: the table key of its last item and, on
// GSI1, its index key. A cursor carries the partition it was read from, so
// it cannot be replayed on another query.
type cursorKey struct {
	PK  string `json:"p"`
	SK  string `json:"s"`
	IPK string `json:"ip,omitempty"`
	ISK string `json:"is,omitempty"`
}

// EncodeCursor makes the opaque cursor after last, read by q's index.
func EncodeCursor(index string, last Item) string {
	c := cursorKey{}
	c.PK, _ = last[PK].(string)
	c.SK, _ = last[SK].(string)
	if index == GSI1 {
		c.IPK, _ = last[GSI1PK].(string)
		c.ISK, _ = last[GSI1SK].(string)
	}
	b, _ := json.Marshal(c) // strings always encode
	return base64.RawURLEncoding.EncodeToString(b)
}

// Cursor is a decoded cursor: the table key and, on GSI1, the index key of
// the last item read.
type Cursor struct {
	Key      Key
	IndexKey Key
}

// DecodeCursor checks that cursor continues a query of q's partition.
func DecodeCursor(q Query) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
	var c cursorKey
	if err != nil || json.Unmarshal(b, &c) != nil || c.PK == "" || c.SK == "" {
		return Cursor{}, invalid("a malformed cursor")
	}
	out := Cursor{Key: Key{c.PK, c.SK}, IndexKey: Key{c.IPK, c.ISK}}
	part := c.PK
	if q.Index == "" && (c.IPK != "" || c.ISK != "") {
		return Cursor{}, invalid("a cursor of an index query")
	}
	if q.Index == GSI1 {
		if c.IPK == "" || c.ISK == "" {
			return Cursor{}, invalid("a cursor of another query")
		}
		part = c.IPK
	}
	if part != q.PK {
		return Cursor{}, invalid("a cursor of another partition")
	}
	return out, nil
}

// CheckQuery validates a query.
func CheckQuery(q Query) error {
	if q.Index != "" && q.Index != GSI1 {
		return invalid("unknown index %q", q.Index)
	}
	if q.PK == "" {
		return invalid("a query without a partition")
	}
	if q.Prefix != "" && (q.From != "" || q.To != "") {
		return invalid("a prefix and a range together")
	}
	if q.From != "" && q.To != "" && q.From > q.To {
		return invalid("a range that ends before it starts")
	}
	if q.Limit < 0 {
		return invalid("a negative limit")
	}
	if q.Cursor != "" {
		if _, err := DecodeCursor(q); err != nil {
			return err
		}
	}
	return nil
}

// CheckScan validates a scan.
func CheckScan(s ScanInput) error {
	if s.Segments < 1 || s.Segment < 0 || s.Segment >= s.Segments {
		return invalid("segment %d of %d", s.Segment, s.Segments)
	}
	if s.Limit < 0 {
		return invalid("a negative limit")
	}
	return nil
}

// InRange reports whether sort key sk is selected by q.
func InRange(q Query, sk string) bool {
	if q.Prefix != "" {
		return len(sk) >= len(q.Prefix) && sk[:len(q.Prefix)] == q.Prefix
	}
	return (q.From == "" || sk >= q.From) && (q.To == "" || sk <= q.To)
}

// EncodeScanCursor is the cursor of a Scan page that ended at k.
func EncodeScanCursor(k Key) string { return EncodeCursor("", Item{PK: k.PK, SK: k.SK}) }

// DecodeScanCursor reads a Scan cursor: the table key of the last item read.
func DecodeScanCursor(cursor string) (Key, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	var c cursorKey
	if err != nil || json.Unmarshal(b, &c) != nil || c.PK == "" || c.SK == "" {
		return Key{}, invalid("a malformed cursor")
	}
	return Key{c.PK, c.SK}, nil
}
