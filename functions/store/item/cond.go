package item

import (
	"bytes"
	"reflect"
)

// Cond is a typed condition on one item. Build one with Exists, NotExists,
// Has, Lacks, Eq, Ne, Lt, Le, Gt, Ge, And and Or.
type Cond interface{ isCond() }

type (
	// CondExists holds when the item exists (Not: when it does not).
	CondExists struct{ Not bool }
	// CondHas holds when the attribute is present (Not: absent).
	CondHas struct {
		Attr string
		Not  bool
	}
	// CondCompare holds when the attribute compares to Value by Op; an
	// absent attribute fails every comparison but "<>".
	CondCompare struct {
		Attr  string
		Op    string // "=", "<>", "<", "<=", ">", ">="
		Value any
	}
	// CondAnd holds when all hold; CondOr when any does.
	CondAnd []Cond
	CondOr  []Cond
)

func (CondExists) isCond()  {}
func (CondHas) isCond()     {}
func (CondCompare) isCond() {}
func (CondAnd) isCond()     {}
func (CondOr) isCond()      {}

// Exists holds when the item exists.
func Exists() Cond { return CondExists{} }

// NotExists holds when the item does not exist.
func NotExists() Cond { return CondExists{Not: true} }

// Has holds when the item has attribute a.
func Has(a string) Cond { return CondHas{Attr: a} }

// Lacks holds when the item lacks attribute a (or does not exist).
func Lacks(a string) Cond { return CondHas{Attr: a, Not: true} }

// Eq holds when attribute a equals v.
func Eq(a string, v any) Cond { return CondCompare{a, "=", v} }

// Ne holds when attribute a is absent or differs from v.
func Ne(a string, v any) Cond { return CondCompare{a, "<>", v} }

// Lt, Le, Gt and Ge compare strings, numbers and bytes.
func Lt(a string, v any) Cond { return CondCompare{a, "<", v} }
func Le(a string, v any) Cond { return CondCompare{a, "<=", v} }
func Gt(a string, v any) Cond { return CondCompare{a, ">", v} }
func Ge(a string, v any) Cond { return CondCompare{a, ">=", v} }

// And holds when every c holds; nil conditions are left out.
func And(cs ...Cond) Cond { return CondAnd(compact(cs)) }

// Or holds when any c holds; nil conditions are left out.
func Or(cs ...Cond) Cond { return CondOr(compact(cs)) }

func compact(cs []Cond) []Cond {
	out := make([]Cond, 0, len(cs))
	for _, c := range cs {
		if c != nil {
			out = append(out, c)
		}
	}
	return out
}

func checkCond(c Cond) error {
	switch c := c.(type) {
	case CondExists:
		return nil
	case CondHas:
		if c.Attr == "" {
			return invalid("condition on an empty attribute name")
		}
		return nil
	case CondCompare:
		if c.Attr == "" {
			return invalid("condition on an empty attribute name")
		}
		switch c.Op {
		case "=", "<>":
			return checkValue(c.Value)
		case "<", "<=", ">", ">=":
			switch c.Value.(type) {
			case string, int64, []byte:
				return nil
			}
			return invalid("%s compares strings, numbers and bytes, not %T", c.Op, c.Value)
		}
		return invalid("unknown comparison %q", c.Op)
	case CondAnd:
		return checkConds(c)
	case CondOr:
		return checkConds(c)
	}
	return invalid("unknown condition %T", c)
}

func checkConds(cs []Cond) error {
	if len(cs) == 0 {
		return invalid("an empty and/or")
	}
	for _, c := range cs {
		if err := checkCond(c); err != nil {
			return err
		}
	}
	return nil
}

// Match reports whether c holds for it (nil: the item is missing). Adapters
// that evaluate conditions themselves (bolt) use it; it is DynamoDB's
// semantics.
func Match(c Cond, it Item) bool {
	switch c := c.(type) {
	case nil:
		return true
	case CondExists:
		return (it != nil) != c.Not
	case CondHas:
		_, ok := it[c.Attr]
		return ok != c.Not
	case CondCompare:
		v, ok := it[c.Attr]
		if !ok {
			return c.Op == "<>"
		}
		switch c.Op {
		case "=":
			return Equal(v, c.Value)
		case "<>":
			return !Equal(v, c.Value)
		}
		cmp, ok := compare(v, c.Value)
		if !ok {
			return false
		}
		switch c.Op {
		case "<":
			return cmp < 0
		case "<=":
			return cmp <= 0
		case ">":
			return cmp > 0
		case ">=":
			return cmp >= 0
		}
		return false
	case CondAnd:
		for _, e := range c {
			if !Match(e, it) {
				return false
			}
		}
		return true
	case CondOr:
		for _, e := range c {
			if Match(e, it) {
				return true
			}
		}
		return false
	}
	return false
}

// Equal compares two values as DynamoDB does: same type and same value.
func Equal(a, b any) bool {
	switch a := a.(type) {
	case []byte:
		b, ok := b.([]byte)
		return ok && bytes.Equal(a, b)
	}
	return reflect.DeepEqual(normalize(a), normalize(b))
}

// normalize makes empty lists and maps of every spelling compare equal.
func normalize(v any) any {
	switch v := v.(type) {
	case []string:
		l := make([]any, len(v))
		for i, s := range v {
			l[i] = s
		}
		return l
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = normalize(e)
		}
		return l
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = normalize(e)
		}
		return m
	case []byte:
		return string(v) // only inside lists and maps
	}
	return v
}

func compare(a, b any) (int, bool) {
	switch a := a.(type) {
	case string:
		b, ok := b.(string)
		if !ok {
			return 0, false
		}
		switch {
		case a < b:
			return -1, true
		case a > b:
			return 1, true
		}
		return 0, true
	case int64:
		b, ok := b.(int64)
		if !ok {
			return 0, false
		}
		switch {
		case a < b:
			return -1, true
		case a > b:
			return 1, true
		}
		return 0, true
	case []byte:
		b, ok := b.([]byte)
		if !ok {
			return 0, false
		}
		return bytes.Compare(a, b), true
	}
	return 0, false
}
