package infra_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/store/dynamo"
	"github.com/okaeri/okaeri/infra/cfn"
)

// The table's stream starts each function whose table entry names a
// Stream job: keys only (the mailer needs to know that mail was queued,
// not what it says), filtered to new mail queue items, through a plain
// event source mapping (a SAM DynamoDB event would attach
// AWSLambdaDynamoDBExecutionRole, which reads every stream in the account).
func TestStreamStartsTheTablesJob(t *testing.T) {
	var table struct {
		StreamSpecification *struct{ StreamViewType string }
	}
	resource(t, "Table", "AWS::DynamoDB::Table", &table)
	if table.StreamSpecification == nil || table.StreamSpecification.StreamViewType != "KEYS_ONLY" {
		t.Errorf("the table's stream: %+v, want KEYS_ONLY (keys carry no personal data; images do)", table.StreamSpecification)
	}
	type mapping struct {
		FunctionName     any
		EventSourceArn   any
		StartingPosition string
		FilterCriteria   struct {
			Filters []struct{ Pattern string }
		}
	}
	var mappings []mapping
	for _, r := range tmpl(t).Resources {
		if r.Type == "AWS::Lambda::EventSourceMapping" {
			var m mapping
			if err := cfn.Decode(r.Properties, &m); err != nil {
				t.Fatal(err)
			}
			mappings = append(mappings, m)
		}
	}
	want := map[string]any{
		"eventName": []any{"INSERT"},
		"dynamodb":  map[string]any{"Keys": map[string]any{"PK": map[string]any{"S": []any{dynamo.MailQueuePartition}}}},
	}
	n := 0
	for _, f := range lambda.Functions {
		for ev, e := range function(t, f.Name).Events {
			if e.Type == "DynamoDB" {
				t.Errorf("%s: event %s is a SAM DynamoDB event: use an AWS::Lambda::EventSourceMapping", f.Name, ev)
			}
		}
		if f.Stream == "" {
			continue
		}
		n++
		if !slices.ContainsFunc(f.Jobs, func(j lambda.Job) bool { return j.Name == f.Stream }) {
			t.Errorf("%s: the stream starts %q, which is none of its jobs (the schedule is the safety net)", f.Name, f.Stream)
		}
		found := false
		for _, m := range mappings {
			if name, _, _ := cfn.Ref(m.FunctionName); name != logicalName(f.Name) {
				continue
			}
			found = true
			if !streamArn(m.EventSourceArn) {
				t.Errorf("%s: mapping on %v, not the table's stream", f.Name, m.EventSourceArn)
			}
			if m.StartingPosition != "LATEST" {
				t.Errorf("%s: StartingPosition %q, want LATEST", f.Name, m.StartingPosition)
			}
			if len(m.FilterCriteria.Filters) != 1 {
				t.Fatalf("%s: %d filters, want one", f.Name, len(m.FilterCriteria.Filters))
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(m.FilterCriteria.Filters[0].Pattern), &got); err != nil {
				t.Fatalf("%s: filter pattern: %v", f.Name, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: filter %s, want INSERTs of PK %s only", f.Name, m.FilterCriteria.Filters[0].Pattern, dynamo.MailQueuePartition)
			}
		}
		if !found {
			t.Errorf("no event source mapping starts %s", f.Name)
		}
	}
	if len(mappings) != n {
		t.Errorf("%d event source mappings for %d functions with a Stream in lambda.Functions", len(mappings), n)
	}
}
