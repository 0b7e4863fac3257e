package ddb

import (
	"encoding/json"
	"errors"
)

// AttributeValue is one attribute's value: a pointer to one of the
// AttributeValueMember types. On the wire it is an object with one member
// named after the type: {"S":"…"}, {"N":"12"}, {"M":{…}} …
type AttributeValue interface {
	isAttributeValue()
}

// AttributeValueMemberS is a string.
type AttributeValueMemberS struct{ Value string }

// AttributeValueMemberN is a number, in its decimal text form.
type AttributeValueMemberN struct{ Value string }

// AttributeValueMemberB is binary data (base64 on the wire).
type AttributeValueMemberB struct{ Value []byte }

// AttributeValueMemberBOOL is a boolean.
type AttributeValueMemberBOOL struct{ Value bool }

// AttributeValueMemberNULL is the null value; Value is true.
type AttributeValueMemberNULL struct{ Value bool }

// AttributeValueMemberM is a map of attribute values.
type AttributeValueMemberM struct{ Value map[string]AttributeValue }

// AttributeValueMemberL is a list of attribute values.
type AttributeValueMemberL struct{ Value []AttributeValue }

// AttributeValueMemberSS is a set of strings.
type AttributeValueMemberSS struct{ Value []string }

// AttributeValueMemberNS is a set of numbers.
type AttributeValueMemberNS struct{ Value []string }

// AttributeValueMemberBS is a set of binary values.
type AttributeValueMemberBS struct{ Value [][]byte }

func (*AttributeValueMemberS) isAttributeValue()    {}
func (*AttributeValueMemberN) isAttributeValue()    {}
func (*AttributeValueMemberB) isAttributeValue()    {}
func (*AttributeValueMemberBOOL) isAttributeValue() {}
func (*AttributeValueMemberNULL) isAttributeValue() {}
func (*AttributeValueMemberM) isAttributeValue()    {}
func (*AttributeValueMemberL) isAttributeValue()    {}
func (*AttributeValueMemberSS) isAttributeValue()   {}
func (*AttributeValueMemberNS) isAttributeValue()   {}
func (*AttributeValueMemberBS) isAttributeValue()   {}

// MarshalJSON encodes {"S":…}.
func (v *AttributeValueMemberS) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ S string }{v.Value})
}

// MarshalJSON encodes {"N":"…"}.
func (v *AttributeValueMemberN) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ N string }{v.Value})
}

// MarshalJSON encodes {"B":"<base64>"}.
func (v *AttributeValueMemberB) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ B []byte }{nonNil(v.Value)})
}

// MarshalJSON encodes {"BOOL":…}.
func (v *AttributeValueMemberBOOL) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ BOOL bool }{v.Value})
}

// MarshalJSON encodes {"NULL":true}.
func (v *AttributeValueMemberNULL) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ NULL bool }{v.Value})
}

// MarshalJSON encodes {"M":{…}}.
func (v *AttributeValueMemberM) MarshalJSON() ([]byte, error) {
	m := v.Value
	if m == nil {
		m = map[string]AttributeValue{}
	}
	if err := checkMap(m); err != nil {
		return nil, err
	}
	return json.Marshal(struct{ M map[string]AttributeValue }{m})
}

// MarshalJSON encodes {"L":[…]}.
func (v *AttributeValueMemberL) MarshalJSON() ([]byte, error) {
	for _, e := range v.Value {
		if e == nil {
			return nil, errNilValue
		}
	}
	return json.Marshal(struct{ L []AttributeValue }{nonNil(v.Value)})
}

// MarshalJSON encodes {"SS":[…]}.
func (v *AttributeValueMemberSS) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ SS []string }{nonNil(v.Value)})
}

// MarshalJSON encodes {"NS":[…]}.
func (v *AttributeValueMemberNS) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ NS []string }{nonNil(v.Value)})
}

// MarshalJSON encodes {"BS":[…]}.
func (v *AttributeValueMemberBS) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ BS [][]byte }{nonNil(v.Value)})
}

// nonNil makes a nil slice encode as [] rather than null.
func nonNil[S ~[]E, E any](s S) S {
	if s == nil {
		return S{}
	}
	return s
}

var errNilValue = errors.New("nil attribute value")

// checkMap refuses nil values, which would encode as null and be rejected
// by DynamoDB with a less helpful message.
func checkMap(m map[string]AttributeValue) error {
	for _, v := range m {
		if v == nil {
			return errNilValue
		}
	}
	return nil
}

// wireValue is an attribute value as DynamoDB sends it: exactly one member set.
type wireValue struct {
	S    *string
	N    *string
	B    []byte
	BOOL *bool
	NULL *bool
	M    map[string]*wireValue
	L    []*wireValue
	SS   []string
	NS   []string
	BS   [][]byte
}

var errUnknownValue = errors.New("attribute value of no known type")

// value turns a decoded wire value into an AttributeValue.
func (w *wireValue) value() (AttributeValue, error) {
	switch {
	case w == nil:
		return nil, errUnknownValue
	case w.S != nil:
		return &AttributeValueMemberS{Value: *w.S}, nil
	case w.N != nil:
		return &AttributeValueMemberN{Value: *w.N}, nil
	case w.B != nil:
		return &AttributeValueMemberB{Value: w.B}, nil
	case w.BOOL != nil:
		return &AttributeValueMemberBOOL{Value: *w.BOOL}, nil
	case w.NULL != nil:
		return &AttributeValueMemberNULL{Value: *w.NULL}, nil
	case w.M != nil:
		m, err := wireMap(w.M)
		return &AttributeValueMemberM{Value: m}, err
	case w.L != nil:
		l := make([]AttributeValue, len(w.L))
		for i, e := range w.L {
			v, err := e.value()
			if err != nil {
				return nil, err
			}
			l[i] = v
		}
		return &AttributeValueMemberL{Value: l}, nil
	case w.SS != nil:
		return &AttributeValueMemberSS{Value: w.SS}, nil
	case w.NS != nil:
		return &AttributeValueMemberNS{Value: w.NS}, nil
	case w.BS != nil:
		return &AttributeValueMemberBS{Value: w.BS}, nil
	}
	return nil, errUnknownValue
}

func wireMap(w map[string]*wireValue) (map[string]AttributeValue, error) {
	m := make(map[string]AttributeValue, len(w))
	for k, e := range w {
		v, err := e.value()
		if err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, nil
}

// attrMap decodes an item (or key) in answers; its underlying type is the
// item type the API uses, map[string]AttributeValue.
type attrMap map[string]AttributeValue

// UnmarshalJSON decodes {"name":{"S":…},…}.
func (m *attrMap) UnmarshalJSON(data []byte) error {
	var w map[string]*wireValue
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	if w == nil {
		*m = nil
		return nil
	}
	v, err := wireMap(w)
	*m = v
	return err
}

// items converts decoded items to the API's type.
func items(in []attrMap) []map[string]AttributeValue {
	if in == nil {
		return nil
	}
	out := make([]map[string]AttributeValue, len(in))
	for i, m := range in {
		out[i] = m
	}
	return out
}
