package cfn_test

import (
	"reflect"
	"testing"

	"github.com/okaeri/okaeri/infra/cfn"
)

func TestParseTurnsShortFormsIntoLongForms(t *testing.T) {
	tp, err := cfn.Parse([]byte(`
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Name: !Sub okaeri-${Stage}
      Table: !Ref Table
      Arn: !GetAtt Table.Arn
      Index: !Sub "${Table.Arn}/index/GSI1"
      Joined: !Join ["", [a, !Ref B]]
      Flags: {On: true, Off: "OFF", Count: 3, Ratio: 0.5, None: null}
      Base: &base {A: 1}
      Merged: {<<: *base, B: 2}
`))
	if err != nil {
		t.Fatal(err)
	}
	p := tp.Resources["Fn"].Properties
	want := map[string]any{
		"Name":   map[string]any{"Fn::Sub": "okaeri-${Stage}"},
		"Table":  map[string]any{"Ref": "Table"},
		"Arn":    map[string]any{"Fn::GetAtt": []any{"Table", "Arn"}},
		"Index":  map[string]any{"Fn::Sub": "${Table.Arn}/index/GSI1"},
		"Joined": map[string]any{"Fn::Join": []any{"", []any{"a", map[string]any{"Ref": "B"}}}},
		"Flags":  map[string]any{"On": true, "Off": "OFF", "Count": float64(3), "Ratio": 0.5, "None": nil},
		"Base":   map[string]any{"A": float64(1)},
		"Merged": map[string]any{"A": float64(1), "B": float64(2)},
	}
	for k, w := range want {
		if !reflect.DeepEqual(p[k], w) {
			t.Errorf("%s = %#v, want %#v", k, p[k], w)
		}
	}
	if name, attr, ok := cfn.Ref(p["Arn"]); !ok || name != "Table" || attr != "Arn" {
		t.Errorf("Ref(Arn) = %s %s %v", name, attr, ok)
	}
	if s, ok := cfn.Sub(p["Index"]); !ok || s != "${Table.Arn}/index/GSI1" {
		t.Errorf("Sub = %q %v", s, ok)
	}
	if _, err := cfn.Parse([]byte("Resources: {X: !GetAtt NoAttribute}")); err == nil {
		t.Error("!GetAtt without an attribute parsed")
	}
}
