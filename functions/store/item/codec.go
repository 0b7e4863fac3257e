package item

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Canonical returns v in the one form both adapters read back: a list whose
// elements are all strings (an empty one too) is a []string, since DynamoDB
// keeps both as a list; nested lists and maps likewise.
func Canonical(v any) any {
	switch v := v.(type) {
	case []any:
		allStrings := true
		for _, e := range v {
			if _, ok := e.(string); !ok {
				allStrings = false
				break
			}
		}
		if allStrings {
			out := make([]string, len(v))
			for i, e := range v {
				out[i] = e.(string)
			}
			return out
		}
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = Canonical(e)
		}
		return out
	case []string:
		if v == nil {
			return []string{}
		}
		return v
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = Canonical(e)
		}
		return out
	case []byte:
		if v == nil {
			return []byte{}
		}
		return v
	}
	return v
}

// CanonicalItem applies Canonical to every attribute.
func CanonicalItem(it Item) Item {
	if it == nil {
		return nil
	}
	out := make(Item, len(it))
	for n, v := range it {
		out[n] = Canonical(v)
	}
	return out
}

// tagged is a value with its type, the encoding of Marshal.
type tagged struct {
	T string          `json:"t"`
	V json.RawMessage `json:"v"`
}

// Marshal encodes an item for an engine that stores bytes (bolt, export
// files): JSON with each value's type beside it, so int64 and []byte come
// back as they went in.
func Marshal(it Item) ([]byte, error) {
	m := make(map[string]tagged, len(it))
	for n, v := range it {
		t, err := tag(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		m[n] = t
	}
	return json.Marshal(m)
}

// Unmarshal decodes what Marshal encoded.
func Unmarshal(b []byte) (Item, error) {
	var m map[string]tagged
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	it := make(Item, len(m))
	for n, t := range m {
		v, err := untag(t)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		it[n] = Canonical(v)
	}
	return it, nil
}

func tag(v any) (tagged, error) {
	var t string
	var inner any = v
	switch v := v.(type) {
	case string:
		t = "S"
	case int64:
		t = "N"
	case bool:
		t = "BOOL"
	case []byte:
		t = "B"
	case []string:
		t = "SL"
		if v == nil {
			inner = []string{}
		}
	case []any:
		t = "L"
		l := make([]tagged, len(v))
		for i, e := range v {
			et, err := tag(e)
			if err != nil {
				return tagged{}, err
			}
			l[i] = et
		}
		inner = l
	case map[string]any:
		t = "M"
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		m := make(map[string]tagged, len(v))
		for _, k := range keys {
			et, err := tag(v[k])
			if err != nil {
				return tagged{}, err
			}
			m[k] = et
		}
		inner = m
	default:
		return tagged{}, invalid("value of type %T", v)
	}
	b, err := json.Marshal(inner)
	if err != nil {
		return tagged{}, err
	}
	return tagged{T: t, V: b}, nil
}

func untag(t tagged) (any, error) {
	switch t.T {
	case "S":
		var s string
		err := json.Unmarshal(t.V, &s)
		return s, err
	case "N":
		var n int64
		err := json.Unmarshal(t.V, &n)
		return n, err
	case "BOOL":
		var b bool
		err := json.Unmarshal(t.V, &b)
		return b, err
	case "B":
		var b []byte
		err := json.Unmarshal(t.V, &b)
		return b, err
	case "SL":
		var l []string
		err := json.Unmarshal(t.V, &l)
		return l, err
	case "L":
		var l []tagged
		if err := json.Unmarshal(t.V, &l); err != nil {
			return nil, err
		}
		out := make([]any, len(l))
		for i, e := range l {
			v, err := untag(e)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case "M":
		var m map[string]tagged
		if err := json.Unmarshal(t.V, &m); err != nil {
			return nil, err
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			v, err := untag(e)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown value type %q", t.T)
}
