// Package cfn reads a CloudFormation or SAM template written in YAML, with
// its short-form intrinsic functions (!Ref, !Sub, !GetAtt ...), into plain
// Go values: maps, slices, strings, numbers and booleans. An intrinsic
// becomes the one-key map of its long form: !Ref Table is
// {"Ref": "Table"}, !GetAtt Table.Arn is {"Fn::GetAtt": ["Table", "Arn"]}.
//
// It exists because the Go CloudFormation libraries on the module proxy do
// not cover this template: goformation v4 (the only major version the proxy
// serves) predates AWS::Serverless::HttpApi, origin access control,
// response-headers policies and EventBridge Scheduler.
package cfn

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a parsed template.
type Template struct {
	Transform  any                 `json:"Transform"`
	Parameters map[string]any      `json:"Parameters"`
	Conditions map[string]any      `json:"Conditions"`
	Globals    map[string]any      `json:"Globals"`
	Resources  map[string]Resource `json:"Resources"`
	Outputs    map[string]any      `json:"Outputs"`
}

// Resource is one resource; Properties keep their generic form (numbers as
// float64, as JSON gives them), to be decoded into a typed struct with Decode.
type Resource struct {
	Type       string         `json:"Type"`
	Condition  string         `json:"Condition"`
	Properties map[string]any `json:"Properties"`
	DependsOn  any            `json:"DependsOn"`
}

// Parse reads a template.
func Parse(data []byte) (*Template, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("cfn: %w", err)
	}
	v, err := value(&root)
	if err != nil {
		return nil, err
	}
	var t Template
	if err := Decode(v, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// Decode copies a generic value into a typed one through JSON, so that a
// test can declare only the fields it reads. Intrinsics land in fields of
// type any.
func Decode(v any, dst any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("cfn: %w", err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("cfn: %w", err)
	}
	return nil
}

// value converts a YAML node, resolving tags and aliases.
func value(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return value(n.Content[0])
	case yaml.AliasNode:
		return value(n.Alias)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return intrinsic(n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" && k.Tag == "!!merge" {
				merged, err := value(v)
				if err != nil {
					return nil, err
				}
				if err := merge(m, merged); err != nil {
					return nil, fmt.Errorf("cfn: line %d: %w", k.Line, err)
				}
				continue
			}
			val, err := value(v)
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := value(c)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	}
	return scalar(n)
}

// merge applies a YAML merge key: keys already set win.
func merge(dst map[string]any, src any) error {
	srcs := []any{src}
	if s, ok := src.([]any); ok {
		srcs = s
	}
	for _, s := range srcs {
		m, ok := s.(map[string]any)
		if !ok {
			return fmt.Errorf("merge key on a non-mapping")
		}
		for k, v := range m {
			if _, set := dst[k]; !set {
				dst[k] = v
			}
		}
	}
	return nil
}

func scalar(n *yaml.Node) (any, error) {
	switch n.Tag {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("cfn: line %d: %w", n.Line, err)
		}
		return b, nil
	case "!!int":
		i, err := strconv.ParseInt(n.Value, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("cfn: line %d: %w", n.Line, err)
		}
		return i, nil
	case "!!float":
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			return nil, fmt.Errorf("cfn: line %d: %w", n.Line, err)
		}
		return f, nil
	}
	return n.Value, nil
}

// intrinsic turns a short-form tag into its long form.
func intrinsic(n *yaml.Node) (any, error) {
	tag := strings.TrimPrefix(n.Tag, "!")
	inner := *n
	inner.Tag = ""
	switch n.Kind {
	case yaml.ScalarNode:
		inner.Tag = "!!str"
	case yaml.MappingNode:
		inner.Tag = "!!map"
	case yaml.SequenceNode:
		inner.Tag = "!!seq"
	}
	v, err := value(&inner)
	if err != nil {
		return nil, err
	}
	switch tag {
	case "Ref", "Condition":
		return map[string]any{tag: v}, nil
	case "GetAtt":
		if s, ok := v.(string); ok {
			res, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("cfn: line %d: !GetAtt %q has no attribute", n.Line, s)
			}
			return map[string]any{"Fn::GetAtt": []any{res, attr}}, nil
		}
		return map[string]any{"Fn::GetAtt": v}, nil
	}
	return map[string]any{"Fn::" + tag: v}, nil
}

// Ref returns the logical name v refers to with Ref or Fn::GetAtt, and the
// attribute for Fn::GetAtt.
func Ref(v any) (name, attr string, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", "", false
	}
	if r, ok := m["Ref"].(string); ok {
		return r, "", true
	}
	if g, ok := m["Fn::GetAtt"].([]any); ok && len(g) == 2 {
		n, _ := g[0].(string)
		a, _ := g[1].(string)
		return n, a, n != ""
	}
	return "", "", false
}

// Sub returns the template string of an Fn::Sub (short or long form).
func Sub(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	switch s := m["Fn::Sub"].(type) {
	case string:
		return s, true
	case []any:
		if len(s) > 0 {
			str, ok := s[0].(string)
			return str, ok
		}
	}
	return "", false
}
